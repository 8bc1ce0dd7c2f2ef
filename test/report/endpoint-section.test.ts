/** The report's "Endpoint (server side)" and "Sizing" sections, with metrics fetched for a crafted run. */
import { describe, expect, it } from 'vitest';
import { summarizeEndpointMetrics } from '../../src/core/endpoint-summary.js';
import type { EndpointMetrics, MetricSeries } from '../../src/core/ports/endpoint-metrics-source.js';
import { recommendSizing, sizingForRun } from '../../src/core/sizing.js';
import { endpointSection } from '../../src/report/endpoint-section.js';
import { renderReport } from '../../src/report/render-report.js';
import { sizingSection } from '../../src/report/sizing-section.js';
import { niceMax, svgChart } from '../../src/report/svg-chart.js';
import { DEPLOYMENT_ID, ENDPOINT_ID, WORKSPACE_ID } from '../helpers/fake-azure-monitor.js';
import { craftedRun } from './crafted-run.js';

const INJECTION = '<script>alert(1)</script>';

const at = (hhmm: string) => `2025-01-15T${hhmm}:00.000Z`;
const s = (resource: MetricSeries['resource'], metric: string, aggregation: MetricSeries['aggregation'], unit: string, values: [string, number][]): MetricSeries => ({
  resource,
  metric,
  aggregation,
  unit,
  grain: 'PT1M',
  points: values.map(([t, value]) => ({ timestamp: at(t), value })),
});

/** Metrics for the crafted run (02:00:00.5 → 02:00:03.5 UTC), fetched 01:59:00.5 → 02:01:03.5. */
function fetched(): EndpointMetrics {
  const stats = { requests: 30, ok: 22, throttled: 3, errors: 8, totalMs: { p50: 18, p95: 35, p99: 38 }, requestMs: { p50: 0, p95: 1, p99: 1 }, responseMs: { p50: 15, p95: 31, p99: 35 }, modelMs: { p50: 15, p95: 30, p99: 34 }, requestThrottlingDelayMs: { p95: 0, max: 0 }, responseThrottlingDelayMs: { p95: 0, max: 0 } };
  return {
    version: 1,
    fetchedAt: '2025-01-15T02:06:00.000Z',
    window: { start: '2025-01-15T01:59:00.500Z', end: '2025-01-15T02:01:03.500Z' },
    endpointResourceId: ENDPOINT_ID,
    deploymentResourceId: DEPLOYMENT_ID,
    logAnalyticsWorkspaceId: WORKSPACE_ID,
    series: [
      s('deployment', 'CpuUtilizationPercentage', 'Maximum', 'Percent', [['01:59', 5], ['02:00', 64], ['02:01', 8]]),
      s('deployment', 'CpuMemoryUtilizationPercentage', 'Maximum', 'Percent', [['01:59', 30], ['02:00', 31], ['02:01', 30]]),
      s('deployment', 'DeploymentCapacity', 'Maximum', 'Count', [['01:59', 2], ['02:00', 2], ['02:01', 2]]),
      s('deployment', 'RequestLatency_P95', 'Average', 'Milliseconds', [['02:00', 33]]),
      s('deployment', 'RequestsPerMinute', 'Average', 'Count', [['02:00', 30]]),
      s('endpoint', 'RequestLatency_P95', 'Average', 'Milliseconds', [['02:00', 34]]),
      s('endpoint', 'RequestsPerMinute', 'Average', 'Count', [['02:00', 30]]),
      s('endpoint', 'ConnectionsActive', 'Average', 'Count', [['01:59', 0], ['02:00', 2], ['02:01', 0]]),
    ],
    trafficLog: {
      workspaceId: WORKSPACE_ID,
      table: 'AmlOnlineEndpointTrafficLog',
      endpointName: 'fraud',
      deploymentName: 'blue',
      total: stats,
      perMinute: [{ timestamp: at('02:00'), ...stats }],
      codes: [{ responseCode: 200, modelStatusCode: 200, requests: 22 }, { responseCode: 429, modelStatusCode: 0, requests: 3 }],
    },
    unavailable: [
      { metric: 'GpuUtilizationPercentage', resource: 'deployment', reason: 'no data in the window (GPU metrics exist only on GPU SKUs; otherwise Azure Monitor has not caught up yet)' },
      { metric: INJECTION, resource: 'endpoint', reason: `rejected (HTTP 400): ${INJECTION}` },
    ],
  };
}

function runWithMetrics() {
  const run = craftedRun({ plan: { sizing: { maxConcurrentRequestsPerInstance: 2 }, cost: { instanceHourlyPrice: 1.2, instances: 2, currency: 'USD' } } });
  const metrics = fetched();
  run.summary.endpoint = summarizeEndpointMetrics(metrics, { startedAt: run.summary.startedAt, endedAt: run.summary.endedAt, clientP95Ms: run.summary.latencyMs.p95 });
  run.summary.sizing = sizingForRun(run.plan, run.summary, run.summary.endpoint.peakInstances);
  return { run, metrics };
}

describe('endpointSection', () => {
  const { run, metrics } = runWithMetrics();
  const section = endpointSection(run, metrics)!;

  it('shows client and server p95 side by side, the peaks and the instances', () => {
    expect(section.id).toBe('endpoint');
    expect(section.title).toBe('Endpoint (server side)');
    expect(section.html).toContain('Client p95');
    expect(section.html).toMatch(/Server p95<\/div><div class="value">35<span class="unit">ms/);
    expect(section.html).toMatch(/Peak CPU<\/div><div class="value">64<span class="unit">%/);
    expect(section.html).toMatch(/Instances<\/div><div class="value">2</);
    expect(section.html).toContain('Model p95');
  });

  it('charts client and server series as inline SVG on one UTC axis, with no script', () => {
    const svgs = section.html.match(/<svg\b/g) ?? [];
    // Latency, rate, utilization, instances, connections.
    expect(svgs).toHaveLength(5);
    expect(section.html).not.toMatch(/<script/i);
    expect(section.html).toContain('client p95 per minute');
    expect(section.html).toContain('endpoint RequestLatency_P95');
    expect(section.html).toContain('traffic log TotalDurationMs p95');
    expect(section.html).toContain('>02:00</text>');
    expect(section.html).toContain('>UTC</text>');
    expect(section.html).toMatch(/<path d="M[\d. L]+" style="fill:none;stroke:var\(--c-5xx\)/);
  });

  it('lists what was not fetched and why, escaped', () => {
    expect(section.html).toContain('Not fetched');
    expect(section.html).toContain('GPU metrics exist only on GPU SKUs');
    expect(section.html).not.toContain(INJECTION);
    expect(section.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('shows the traffic log: durations and codes', () => {
    expect(section.html).toContain('Traffic log (AmlOnlineEndpointTrafficLog)');
    expect(section.html).toContain('Model: response − request');
    expect(section.html).toMatch(/<td class="key">429<\/td><td class="key">0<\/td><td class="num">3<\/td>/);
  });

  it('still shows the figures when the series file is gone, and nothing without summary.endpoint', () => {
    const bare = endpointSection(run, undefined)!;
    expect(bare.html).toContain('not available to chart');
    expect(bare.html).toContain('Peak CPU');
    expect(endpointSection(craftedRun(), metrics)).toBeUndefined();
  });
});

describe('sizingSection', () => {
  it('puts the sentence first and every number after it, with the worked formula', () => {
    const section = sizingSection(recommendSizing({ targetRps: 120, latencyS: 0.42, latencyFrom: 'client p95 of the run', maxConcurrentRequestsPerInstance: 2, currentInstances: 2, instanceHourlyPrice: 3.2 }))!;
    expect(section.html).toMatch(/^<p><strong>To serve 120 rps at p95 0.42 s with 70% utilization you need 36 instances/);
    expect(section.html).toContain('ceil(120 rps × 0.42 s ÷ 0.7 ÷ 2) = ceil(36) = 36');
    expect(section.html).toContain('$115.20/hour');
    expect(section.html).toContain('+34 (+$108.80/hour)');
  });

  it('explains when there is no recommendation', () => {
    expect(sizingSection({ available: false, sentence: 'No sizing recommendation: no request succeeded.' })!.html).toBe('<p class="empty">No sizing recommendation: no request succeeded.</p>');
    expect(sizingSection(undefined)).toBeUndefined();
  });
});

describe('renderReport with the sections', () => {
  it('adds them after the summary, in the contents, without changing the page\'s scripts', () => {
    const { run, metrics } = runWithMetrics();
    const plain = renderReport(craftedRun(), { generatedAt: new Date(0) });
    const html = renderReport(run, { generatedAt: new Date(0), sections: [endpointSection(run, metrics)!, sizingSection(run.summary.sizing)!] });
    expect(html).toContain('<a href="#endpoint">Endpoint (server side)</a>');
    expect(html).toContain('<a href="#sizing">Sizing</a>');
    expect(html.indexOf('id="summary"')).toBeLessThan(html.indexOf('id="endpoint"'));
    expect(html.indexOf('id="endpoint"')).toBeLessThan(html.indexOf('id="request-rate"'));
    const csp = (page: string) => /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(page)?.[1];
    expect(csp(html)).toBe(csp(plain));
    expect((html.match(/<script\b/g) ?? []).length).toBe((plain.match(/<script\b/g) ?? []).length);
  });
});

describe('svgChart', () => {
  it('rounds the axis up to a nice number', () => {
    expect([0, 0.7, 3, 11, 26, 99, 101, 4_800].map(niceMax)).toEqual([1, 1, 5, 20, 50, 100, 200, 5_000]);
  });

  it('draws nothing without points, and the same markup for the same data', () => {
    expect(svgChart({ title: 't', unit: 'ms', start: 0, end: 60_000, series: [{ label: 'x', color: 'red', points: [] }] })).toBe('');
    const options = { title: 'Latency', unit: 'ms', start: Date.parse(at('02:00')), end: Date.parse(at('02:05')), series: [{ label: 'a', color: 'var(--c-p95)', stepMs: 60_000, points: [[Date.parse(at('02:00')), 10], [Date.parse(at('02:01')), 20], [Date.parse(at('02:04')), 5]] as [number, number][] }] };
    const svg = svgChart(options);
    expect(svg).toBe(svgChart(options));
    // A gap (02:02, 02:03 missing) splits the steps into two paths.
    expect(svg.match(/<path /g)).toHaveLength(2);
  });
});
