import pc from 'picocolors';
import type { RunSummary } from '../core/run-summary.js';
import { endpointLine } from './endpoint-line.js';

const n = (value: number, digits = 1) => (Number.isInteger(value) ? String(value) : value.toFixed(digits));

function statusBadge(status: RunSummary['status']): string {
  const text = ` ${status.toUpperCase()} `;
  if (status === 'passed') return pc.bgGreen(pc.black(text));
  if (status === 'failed' || status === 'error') return pc.bgRed(pc.white(text));
  return pc.bgYellow(pc.black(text));
}

/** The baseline verdict in one line: badge, what it was judged against, and what regressed. */
export function baselineLine(b: NonNullable<RunSummary['baseline']>): string {
  if (b.verdict === 'no-baseline') return `${pc.dim('NO-BASELINE')}  no previous passed run of this plan yet`;
  const against = `vs median of ${b.runs.length} previous passed run${b.runs.length === 1 ? '' : 's'}: p95 ${n(b.baseline?.p95Ms ?? 0, 2)} ms, error rate ${n((b.baseline?.errorRate ?? 0) * 100, 2)}%, throughput ${n(b.baseline?.throughputRps ?? 0)}/s`;
  if (b.verdict === 'ok') return `${pc.green('✔ OK')}  ${pc.dim(against)}`;
  return `${pc.red(pc.bold('✘ REGRESSED'))} ${b.regressed.map((r) => r.metric).join(', ')}  ${pc.dim(against)}`;
}

/** The human summary printed after a run. */
export function formatSummaryTable(summary: RunSummary, resultsLocation?: string): string {
  const r = summary.requests;
  const lat = summary.latencyMs;
  const svc = summary.serviceTimeMs;
  const label = (text: string) => pc.dim(text.padEnd(12));
  const lines = [
    `${statusBadge(summary.status)} ${pc.bold(summary.name)} ${pc.dim(summary.runId)}`,
    `${label('target')}${summary.target.url}${summary.target.deployment ? ` (deployment ${summary.target.deployment})` : ''}`,
    `${label('load')}${summary.target.model}, ${n(summary.durationS)} s, ${summary.workers.length} worker${summary.workers.length === 1 ? '' : 's'}`,
    `${label('requests')}planned ${r.planned}  sent ${r.sent}  ok ${pc.green(String(r.ok))}  errors ${r.errors ? pc.red(String(r.errors)) : '0'}` +
      `  throttled ${r.throttled ? pc.yellow(String(r.throttled)) : '0'}  dropped ${r.dropped}  missed ${r.missed}`,
    `${label('rate /s')}target ${n(summary.rate.target)}  achieved ${n(summary.rate.achieved)}  throughput ${n(summary.rate.throughput)}`,
    `${label('latency ms')}p50 ${n(lat.p50, 2)}  p90 ${n(lat.p90, 2)}  p95 ${n(lat.p95, 2)}  p99 ${pc.bold(n(lat.p99, 2))}  p99.9 ${n(lat.p999, 2)}  max ${n(lat.max, 2)}  mean ${n(lat.mean, 2)}  ${pc.dim('(from intended send time)')}`,
    `${label('service ms')}p50 ${n(svc.p50, 2)}  p90 ${n(svc.p90, 2)}  p95 ${n(svc.p95, 2)}  p99 ${n(svc.p99, 2)}  max ${n(svc.max, 2)}  ${pc.dim('(from actual send)')}`,
    `${label('lag ms')}p50 ${n(summary.scheduleLagMs.p50, 2)}  p99 ${n(summary.scheduleLagMs.p99, 2)}  max ${n(summary.scheduleLagMs.max, 2)}  in-flight peak ${summary.inFlightPeak}`,
    `${label('status')}${Object.entries(summary.statusCodes).map(([code, count]) => `${code}: ${count}`).join('  ') || '—'}`,
  ];
  const errors = Object.entries(summary.errorsByCode);
  if (errors.length > 0) lines.push(`${label('errors')}${errors.map(([code, count]) => `${code}: ${count}`).join('  ')}`);
  for (const [name, d] of Object.entries(summary.byDeployment)) {
    lines.push(`${label('deployment')}${name}: ${d.completed} responses, ok ${d.ok}, p95 ${n(d.latencyMs.p95, 2)} ms, p99 ${n(d.latencyMs.p99, 2)} ms`);
  }
  for (const t of summary.thresholds) {
    const mark = t.passed ? pc.green('✔') : pc.red('✘');
    lines.push(`${label('threshold')}${mark} ${t.metric} ${t.metric === 'minAchievedRps' ? '≥' : '≤'} ${t.limit}  (actual ${n(t.actual, 3)})`);
  }
  if (summary.baseline) lines.push(`${label('baseline')}${baselineLine(summary.baseline)}`);
  if (summary.endpoint) lines.push(`${label('endpoint')}${endpointLine(summary.endpoint)}`);
  if (summary.sizing) lines.push(`${label('sizing')}${summary.sizing.available ? pc.bold(summary.sizing.sentence) : pc.dim(summary.sizing.sentence)}`);
  for (const w of summary.workers) {
    lines.push(`${label(`worker ${w.worker}`)}planned ${w.planned}  sent ${w.sent}  ${n(w.achievedRate)}/s  lag p99 ${n(w.scheduleLagP99Ms, 2)} ms${w.lateMs > 0 ? `  started ${n(w.lateMs)} ms late` : ''}`);
  }
  if (summary.streaming) {
    const st = summary.streaming;
    lines.push(`${label('ttft ms')}p50 ${n(st.ttftMs.p50, 2)}  p95 ${n(st.ttftMs.p95, 2)}  p99 ${n(st.ttftMs.p99, 2)}  ${pc.dim('(time to first token)')}`);
    lines.push(`${label('tokens')}${st.outputTokens} out (${st.tokenCount}), ${n(st.tokensPerSecond)}/s  gap p50 ${n(st.interTokenMs.p50, 2)} ms  tpot p50 ${n(st.tpotMs.p50, 2)} ms`);
  }
  if (summary.retry) lines.push(`${label('retries')}${summary.retry.retriesSent} sent, ${summary.retry.succeededAfterRetry} succeeded after a retry; first attempt p95 ${n(summary.retry.firstAttemptLatencyMs.p95, 2)} ms`);
  if (summary.capacity) {
    const cap = summary.capacity;
    lines.push(`${label('capacity')}${pc.bold(`${n(cap.maxRps)} rps`)} met the SLO${cap.capped ? ' (stopped at maxRps: may hold more)' : ''}; steps ${cap.steps.map((st) => `${n(st.rps)}${st.passed ? pc.green('✔') : pc.red('✘')}`).join(' ')}`);
  }
  lines.push(`${label('goodput')}${n(summary.goodput.rps)}/s${summary.goodput.latencyLimitMs === null ? '' : ` within ${summary.goodput.latencyLimitMs} ms`}`);
  if (summary.cost) {
    const c = summary.cost;
    const parts = [
      c.per1000RequestsAtThroughput !== undefined ? `${c.currency} ${c.per1000RequestsAtThroughput.toPrecision(3)} per 1,000 requests` : '',
      c.per1000RequestsAtCapacity !== undefined ? `${c.currency} ${c.per1000RequestsAtCapacity.toPrecision(3)} at capacity` : '',
      c.functions ? `this run ${c.currency} ${c.functions.cost.toPrecision(3)} on Functions` : '',
    ].filter(Boolean);
    if (parts.length > 0) lines.push(`${label('cost')}${parts.join('; ')}`);
  }
  for (const reason of summary.reasons) lines.push(`${label('why')}${pc.yellow(reason)}`);
  if (resultsLocation) lines.push(`${label('results')}${resultsLocation}`);
  return lines.join('\n');
}
