import pc from 'picocolors';
import type { RunSummary } from '../core/run-summary.js';

const n = (value: number, digits = 1) => (Number.isInteger(value) ? String(value) : value.toFixed(digits));

function statusBadge(status: RunSummary['status']): string {
  const text = ` ${status.toUpperCase()} `;
  if (status === 'passed') return pc.bgGreen(pc.black(text));
  if (status === 'failed' || status === 'error') return pc.bgRed(pc.white(text));
  return pc.bgYellow(pc.black(text));
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
  for (const w of summary.workers) {
    lines.push(`${label(`worker ${w.worker}`)}planned ${w.planned}  sent ${w.sent}  ${n(w.achievedRate)}/s  lag p99 ${n(w.scheduleLagP99Ms, 2)} ms${w.lateMs > 0 ? `  started ${n(w.lateMs)} ms late` : ''}`);
  }
  for (const reason of summary.reasons) lines.push(`${label('why')}${pc.yellow(reason)}`);
  if (resultsLocation) lines.push(`${label('results')}${resultsLocation}`);
  return lines.join('\n');
}
