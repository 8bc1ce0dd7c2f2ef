import { describe, expect, it } from 'vitest';
import { renderReport } from '../../src/report/render-report.js';
import { mlSections } from '../../src/report/ml-sections.js';
import { craftedRun } from './crafted-run.js';

const capacity = {
  maxRps: 175,
  capped: false,
  done: true,
  slo: { p95Ms: 150, errorRate: 0.01 },
  steps: [
    { rps: 50, p95Ms: 24, p99Ms: 30, errorRate: 0, throttleRate: 0, planned: 60, sent: 60, passed: true, reasons: [] },
    { rps: 200, p95Ms: 41, p99Ms: 90, errorRate: 0.044, throttleRate: 0.044, planned: 240, sent: 240, passed: false, reasons: ['error rate 4.40% > 1.00%', '<script>x</script>'] },
    { rps: 175, p95Ms: 25, p99Ms: 33, errorRate: 0, throttleRate: 0, planned: 210, sent: 210, passed: true, reasons: [] },
  ],
};
const streaming = { requests: 10, ttftMs: { p50: 150, p90: 160, p95: 165, p99: 170 }, interTokenMs: { p50: 25, p90: 26, p95: 27, p99: 30 }, tpotMs: { p50: 25, p90: 26, p95: 27, p99: 28 }, outputTokens: 80, tokensPerSecond: 40, tokenCount: 'usage' as const };

describe('ML report sections', () => {
  it('draws the capacity knee from every step and names the capacity', () => {
    const run = craftedRun();
    const summary = { ...run.summary, capacity, cost: { currency: 'USD', endpointPerHour: 1.8, per1000RequestsAtCapacity: (1.8 / (175 * 3600)) * 1000 } };
    const [section] = mlSections(summary);
    expect(section.id).toBe('capacity');
    expect(section.html).toContain('<strong>175 rps</strong>');
    expect(section.html).toContain('data-points="3"');
    expect((section.html.match(/<circle /g) ?? []).length).toBe(3);
    expect((section.html.match(/class="knee-fail"/g) ?? []).length).toBe(1);
    expect(section.html).toContain('&lt;script&gt;');
    expect(section.html).not.toContain('<script>');
    const html = renderReport({ ...run, summary });
    expect(html).toContain('id="capacity"');
    expect(html).toContain('per 1,000 requests (at the capacity found)');
  });

  it('shows token-stream figures and where token counts came from', () => {
    const run = craftedRun();
    const sections = mlSections({ ...run.summary, streaming });
    const section = sections.find((s) => s.id === 'streaming')!;
    expect(section.html).toContain('counted by the server');
    expect(section.html).toContain('time to first token');
    expect(sections.find((s) => s.id === 'goodput-cost')).toBeDefined();
  });
});
