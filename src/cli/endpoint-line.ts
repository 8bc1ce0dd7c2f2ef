import pc from 'picocolors';
import type { EndpointSummary } from '../core/endpoint-summary.js';

const n = (value: number, digits = 1) => (Number.isInteger(value) ? String(value) : value.toFixed(digits));

/** `summary.endpoint` in one line of the CLI summary table. */
export function endpointLine(e: EndpointSummary): string {
  const parts: string[] = [];
  const l = e.latencyP95Ms;
  if (l.server !== undefined) parts.push(`server p95 ${n(l.server, 2)} ms (client ${n(l.client, 2)} ms${l.outsideEndpoint !== undefined ? `, ${n(l.outsideEndpoint, 2)} ms outside the endpoint` : ''})`);
  if (l.model !== undefined) parts.push(`model p95 ${n(l.model, 2)} ms`);
  if (e.peakCpuPercent !== undefined) parts.push(`CPU peak ${n(e.peakCpuPercent)}%`);
  if (e.peakMemoryPercent !== undefined) parts.push(`memory ${n(e.peakMemoryPercent)}%`);
  if (e.peakGpuPercent !== undefined) parts.push(`GPU ${n(e.peakGpuPercent)}%`);
  if (e.peakInstances !== undefined) parts.push(`instances ${e.minInstances !== undefined && e.minInstances !== e.peakInstances ? `${e.minInstances}–` : ''}${e.peakInstances}`);
  if (parts.length === 0) parts.push('no metrics');
  let text = parts.join(', ');
  if (e.unavailable.length > 0) text += pc.dim(`  ${e.unavailable.length} not fetched (${e.unavailable[0].metric === '*' ? `${e.unavailable[0].resource ?? 'all'}: ` : `${e.unavailable[0].metric}: `}${e.unavailable[0].reason}${e.unavailable.length > 1 ? '; …' : ''})`);
  if (!e.complete && e.series.length > 0) text += pc.yellow('  incomplete: Azure Monitor lags, run mlload report <runId> --refresh-metrics later');
  return text;
}
