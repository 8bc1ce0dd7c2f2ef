import type { RunSummary } from '../core/run-summary.js';
import { escapeHtml } from './html-escape.js';
import { table } from './html-table.js';
import { formatCount, formatMs, formatRps, formatShare } from './report-format.js';
import type { ReportSection } from './render-report.js';

/** Sections for what ML runs add to a summary: capacity search, token streams, retries, goodput and cost. */
export function mlSections(summary: RunSummary): ReportSection[] {
  const sections: ReportSection[] = [];
  if (summary.capacity) sections.push(capacitySection(summary.capacity));
  if (summary.streaming) sections.push(streamingSection(summary.streaming));
  if (summary.retry) sections.push(retrySection(summary.retry));
  sections.push(goodputCostSection(summary));
  return sections;
}

const n = (value: number, digits = 2) => (Number.isInteger(value) ? String(value) : value.toFixed(digits));

function capacitySection(capacity: NonNullable<RunSummary['capacity']>): ReportSection {
  const slo = [capacity.slo.p95Ms !== undefined ? `p95 ≤ ${capacity.slo.p95Ms} ms` : '', capacity.slo.p99Ms !== undefined ? `p99 ≤ ${capacity.slo.p99Ms} ms` : '', `errors ≤ ${formatShare(capacity.slo.errorRate)}`].filter(Boolean).join(', ');
  const headline =
    capacity.maxRps > 0
      ? `<p class="lead"><strong>${escapeHtml(formatRps(capacity.maxRps))} rps</strong> is the highest rate that met the SLO (${escapeHtml(slo)})${capacity.capped ? ' — the search stopped at the plan\'s maxRps, so the endpoint may hold more' : ''}${capacity.done ? '' : ' — the search did not finish'}.</p>`
      : `<p class="lead">No step met the SLO (${escapeHtml(slo)}).</p>`;
  const rows = capacity.steps.map((s, i) => [
    String(i + 1),
    escapeHtml(formatRps(s.rps)),
    escapeHtml(formatMs(s.p95Ms)),
    escapeHtml(formatMs(s.p99Ms)),
    escapeHtml(formatShare(s.errorRate)),
    escapeHtml(formatShare(s.throttleRate)),
    `${formatCount(s.sent)} / ${formatCount(s.planned)}`,
    s.passed ? '<span class="badge pass">pass</span>' : `<span class="badge fail">fail</span> ${escapeHtml(s.reasons.join('; '))}`,
  ]);
  return {
    id: 'capacity',
    title: 'Capacity',
    html:
      headline +
      kneeChart(capacity) +
      table(['step', 'rps', 'p95', 'p99', 'errors', '429', 'sent / planned', 'verdict'], ['num', 'num', 'num', 'num', 'num', 'num', 'num', 'text'], rows),
  };
}

/** Latency against rate, steps in the order of rate, passes and fails apart, the capacity marked: an inline SVG (no script). */
function kneeChart(capacity: NonNullable<RunSummary['capacity']>): string {
  const steps = [...capacity.steps].sort((a, b) => a.rps - b.rps);
  if (steps.length === 0) return '';
  const width = 640;
  const height = 260;
  const pad = { left: 56, right: 16, top: 16, bottom: 40 };
  const maxX = Math.max(...steps.map((s) => s.rps)) * 1.05;
  const maxY = Math.max(1, ...steps.map((s) => s.p99Ms), capacity.slo.p95Ms ?? 0, capacity.slo.p99Ms ?? 0) * 1.1;
  const x = (rps: number) => pad.left + (rps / maxX) * (width - pad.left - pad.right);
  const y = (ms: number) => height - pad.bottom - (ms / maxY) * (height - pad.top - pad.bottom);
  const line = (key: 'p95Ms' | 'p99Ms') => steps.map((s, i) => `${i === 0 ? 'M' : 'L'}${x(s.rps).toFixed(1)},${y(s[key]).toFixed(1)}`).join(' ');
  const sloLine = (ms: number | undefined, label: string) =>
    ms === undefined ? '' : `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(ms).toFixed(1)}" y2="${y(ms).toFixed(1)}" class="knee-slo"/><text x="${width - pad.right}" y="${(y(ms) - 4).toFixed(1)}" text-anchor="end" class="knee-label">${label} SLO ${ms} ms</text>`;
  const ticks = Array.from({ length: 5 }, (_, i) => (maxX / 4) * i);
  const yTicks = Array.from({ length: 5 }, (_, i) => (maxY / 4) * i);
  return `<figure class="knee" data-points="${steps.length}"><svg viewBox="0 0 ${width} ${height}" role="img" aria-label="Latency against rate for each step of the capacity search" xmlns="http://www.w3.org/2000/svg">
<style>.knee-axis{stroke:currentColor;opacity:.35}.knee-label{font:11px system-ui,sans-serif;fill:currentColor;opacity:.75}.knee-slo{stroke:#d97706;stroke-dasharray:4 3}.knee-cap{stroke:#16a34a;stroke-width:2}.knee-p95{fill:none;stroke:#2563eb;stroke-width:2}.knee-p99{fill:none;stroke:#9333ea;stroke-width:2;stroke-dasharray:5 3}.knee-pass{fill:#16a34a}.knee-fail{fill:#dc2626}</style>
<line x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${height - pad.bottom}" class="knee-axis"/><line x1="${pad.left}" x2="${width - pad.right}" y1="${height - pad.bottom}" y2="${height - pad.bottom}" class="knee-axis"/>
${ticks.map((t) => `<text x="${x(t).toFixed(1)}" y="${height - pad.bottom + 16}" text-anchor="middle" class="knee-label">${escapeHtml(formatRps(t))}</text>`).join('')}
${yTicks.map((t) => `<text x="${pad.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" class="knee-label">${Math.round(t)}</text>`).join('')}
<text x="${(width + pad.left) / 2}" y="${height - 6}" text-anchor="middle" class="knee-label">rate (rps)</text><text x="14" y="${pad.top + 8}" class="knee-label">ms</text>
${sloLine(capacity.slo.p95Ms, 'p95')}${sloLine(capacity.slo.p99Ms, 'p99')}
${capacity.maxRps > 0 ? `<line x1="${x(capacity.maxRps).toFixed(1)}" x2="${x(capacity.maxRps).toFixed(1)}" y1="${pad.top}" y2="${height - pad.bottom}" class="knee-cap"/><text x="${(x(capacity.maxRps) + 4).toFixed(1)}" y="${pad.top + 12}" class="knee-label">capacity ${escapeHtml(formatRps(capacity.maxRps))} rps</text>` : ''}
<path d="${line('p95Ms')}" class="knee-p95"/><path d="${line('p99Ms')}" class="knee-p99"/>
${steps.map((s) => `<circle cx="${x(s.rps).toFixed(1)}" cy="${y(s.p95Ms).toFixed(1)}" r="4" class="${s.passed ? 'knee-pass' : 'knee-fail'}"><title>${escapeHtml(`${formatRps(s.rps)} rps: p95 ${formatMs(s.p95Ms)}, ${s.passed ? 'pass' : 'fail'}`)}</title></circle>`).join('')}
</svg><figcaption>p95 (solid) and p99 (dashed) latency of each step, judged after its warm-up; green points passed the SLO, red ones failed; the green line is the capacity found.</figcaption></figure>`;
}

function streamingSection(s: NonNullable<RunSummary['streaming']>): ReportSection {
  const row = (label: string, p: { p50: number; p90: number; p95: number; p99: number }) => [escapeHtml(label), ...[p.p50, p.p90, p.p95, p.p99].map((v) => escapeHtml(formatMs(v)))];
  return {
    id: 'streaming',
    title: 'Token streams',
    html:
      `<p>${formatCount(s.requests)} streamed responses, ${formatCount(s.outputTokens)} output tokens (${escapeHtml(s.tokenCount === 'usage' ? 'counted by the server\'s usage' : s.tokenCount === 'counted chunks' ? 'counted as content chunks — a chunk may carry several tokens' : 'from usage where sent, else counted chunks')}), ${escapeHtml(n(s.tokensPerSecond))} tokens/s over the run.</p>` +
      table(
        ['', 'p50', 'p90', 'p95', 'p99'],
        ['key', 'num', 'num', 'num', 'num'],
        [row('time to first token (from the intended send)', s.ttftMs), row('gap between tokens', s.interTokenMs), row('time per output token', s.tpotMs)],
      ),
  };
}

function retrySection(r: NonNullable<RunSummary['retry']>): ReportSection {
  return {
    id: 'retries',
    title: 'Retries',
    html:
      `<p>Policy <code>${escapeHtml(r.policy)}</code>: ${formatCount(r.retriesSent)} retries sent, ${formatCount(r.succeededAfterRetry)} requests succeeded only after a retry. The latency figures elsewhere run from the first intended send to the final answer; below, first attempts alone.</p>` +
      table(['first attempt', 'p50', 'p90', 'p95', 'p99', 'max'], ['key', 'num', 'num', 'num', 'num', 'num'], [['latency', ...[r.firstAttemptLatencyMs.p50, r.firstAttemptLatencyMs.p90, r.firstAttemptLatencyMs.p95, r.firstAttemptLatencyMs.p99, r.firstAttemptLatencyMs.max].map((v) => escapeHtml(formatMs(v)))]]),
  };
}

function goodputCostSection(summary: RunSummary): ReportSection {
  const g = summary.goodput;
  const rows: string[][] = [
    ['goodput', `${escapeHtml(formatRps(g.rps))} rps`, escapeHtml(g.latencyLimitMs === null ? '2xx responses (no latency objective in the plan)' : `2xx responses within ${g.latencyLimitMs} ms`)],
  ];
  const c = summary.cost;
  if (c) {
    const money = (v: number) => `${escapeHtml(c.currency)} ${escapeHtml(v < 0.01 ? v.toPrecision(3) : v.toFixed(4))}`;
    if (c.endpointPerHour !== undefined) rows.push(['endpoint per hour', money(c.endpointPerHour), 'instance price × instances']);
    if (c.per1000RequestsAtThroughput !== undefined) rows.push(['per 1,000 requests (at this run\'s throughput)', money(c.per1000RequestsAtThroughput), `${escapeHtml(formatRps(summary.rate.throughput))} rps`]);
    if (c.per1000RequestsAtCapacity !== undefined) rows.push(['per 1,000 requests (at the capacity found)', money(c.per1000RequestsAtCapacity), `${escapeHtml(formatRps(summary.capacity?.maxRps ?? 0))} rps`]);
    if (c.functions) rows.push(['this run on Azure Functions', money(c.functions.cost), `${escapeHtml(n(c.functions.gbSeconds, 1))} GB-s × ${c.functions.pricePerGbSecond} (${c.functions.instanceMemoryMb} MB instances)`]);
  }
  return { id: 'goodput-cost', title: c ? 'Goodput and cost' : 'Goodput', html: table(['', 'value', 'from'], ['key', 'num', 'text'], rows) };
}
