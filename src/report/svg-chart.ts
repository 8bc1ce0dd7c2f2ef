import { escapeHtml } from './html-escape.js';
import { formatCount } from './report-format.js';

/**
 * Small time-series charts drawn on the server as inline SVG: no script (the report's CSP runs only
 * its own), no external resource. Colours are the report's CSS variables, set through `style`, so they
 * follow the light and dark themes. Deterministic: the same data gives the same markup.
 */
export interface SvgSeries {
  label: string;
  /** A CSS colour, e.g. `var(--c-p95)`. */
  color: string;
  /** [epoch ms, value] — for a stepped series, the start of the interval the value covers. */
  points: readonly (readonly [number, number])[];
  /** Each value holds for `stepMs` (per-minute metrics): drawn as steps. */
  stepMs?: number;
  /** Thin and faint (dense per-second series behind the per-minute ones). */
  faint?: boolean;
  dashed?: boolean;
}

export interface SvgChartOptions {
  title: string;
  /** Unit shown on the y axis, e.g. "ms", "%", "rps". */
  unit: string;
  /** X axis span, epoch ms. */
  start: number;
  end: number;
  /** Shaded span (the load), epoch ms. */
  shade?: readonly [number, number];
  series: readonly SvgSeries[];
  /** Fixed top of the y axis (e.g. 100 for percentages). */
  yMax?: number;
}

const W = 960;
const H = 190;
const M = { left: 58, right: 14, top: 12, bottom: 28 };
const TICK_STEPS_MIN = [1, 2, 5, 10, 15, 30, 60, 120, 240, 360, 720, 1440];

/** A "nice" upper bound: 1, 2, 2.5, 5 × 10^k at or above the value. */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * power >= value) return m * power;
  return 10 * power;
}

function num(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function hhmm(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

function axisValue(value: number): string {
  if (value >= 10_000) return `${formatCount(Number((value / 1000).toFixed(1)))}k`;
  return formatCount(Number(value.toFixed(3)));
}

/** The chart: an <svg> and an HTML legend under it. Empty string when no series has a point. */
export function svgChart(o: SvgChartOptions): string {
  const series = o.series.filter((s) => s.points.length > 0);
  if (series.length === 0 || !(o.end > o.start)) return '';
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const top = o.yMax ?? niceMax(Math.max(...series.flatMap((s) => s.points.map((p) => p[1]))));
  const x = (t: number) => M.left + ((Math.min(Math.max(t, o.start), o.end) - o.start) / (o.end - o.start)) * plotW;
  const y = (v: number) => M.top + plotH - (Math.min(Math.max(v, 0), top) / top) * plotH;

  const parts: string[] = [];
  if (o.shade) {
    const [a, b] = o.shade;
    parts.push(`<rect x="${num(x(a))}" y="${M.top}" width="${num(Math.max(0, x(b) - x(a)))}" height="${plotH}" style="fill:var(--grid)"/>`);
  }
  // Horizontal grid lines and y labels on round values: tops of 2 × 10^k in quarters, the others in fifths.
  const divisions = o.yMax === undefined && Math.round(top / 10 ** Math.floor(Math.log10(top))) === 2 ? 4 : 5;
  for (let i = 0; i <= divisions; i++) {
    const v = (top * i) / divisions;
    const yy = num(y(v));
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${yy}" y2="${yy}" style="stroke:var(--grid)"/>`);
    parts.push(`<text x="${M.left - 6}" y="${yy}" dy="0.32em" text-anchor="end" style="fill:var(--axis-text);font-size:11px">${escapeHtml(axisValue(v))}</text>`);
  }
  // Time ticks on whole minutes, at most ~8.
  const spanMin = (o.end - o.start) / 60_000;
  const stepMin = TICK_STEPS_MIN.find((s) => spanMin / s <= 8) ?? 1440;
  const first = Math.ceil(o.start / (stepMin * 60_000)) * stepMin * 60_000;
  for (let t = first; t <= o.end; t += stepMin * 60_000) {
    const xx = num(x(t));
    parts.push(`<line x1="${xx}" x2="${xx}" y1="${M.top + plotH}" y2="${M.top + plotH + 4}" style="stroke:var(--axis-text)"/>`);
    parts.push(`<text x="${xx}" y="${H - 8}" text-anchor="middle" style="fill:var(--axis-text);font-size:11px">${hhmm(t)}</text>`);
  }
  parts.push(`<text x="4" y="${H - 8}" style="fill:var(--axis-text);font-size:11px">UTC</text>`);
  parts.push(`<text x="12" y="${M.top + plotH / 2}" transform="rotate(-90 12 ${M.top + plotH / 2})" text-anchor="middle" style="fill:var(--axis-text);font-size:11px">${escapeHtml(o.unit)}</text>`);
  parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + plotH}" y2="${M.top + plotH}" style="stroke:var(--axis-text)"/>`);

  for (const s of series) {
    const style = `fill:none;stroke:${s.color};stroke-width:${s.faint ? 1 : 2}${s.faint ? ';opacity:0.4' : ''}${s.dashed ? ';stroke-dasharray:5 3' : ''}`;
    for (const run of segments(s)) {
      const d = run.map(([t, v], i) => `${i === 0 ? 'M' : 'L'}${num(x(t))} ${num(y(v))}`).join(' ');
      parts.push(`<path d="${d}" style="${style}"/>`);
    }
    // Lone points would be invisible as paths: mark them.
    if (s.points.length === 1 && !s.stepMs) parts.push(`<circle cx="${num(x(s.points[0][0]))}" cy="${num(y(s.points[0][1]))}" r="2.5" style="fill:${s.color}"/>`);
  }

  const label = `${o.title}: ${series.map((s) => s.label).join(', ')}`;
  const legend = series
    .map((s) => `<span style="display:inline-flex;align-items:center;gap:5px;margin-right:14px;white-space:nowrap"><span style="display:inline-block;width:14px;height:3px;background:${s.color}${s.faint ? ';opacity:0.4' : ''}"></span>${escapeHtml(s.label)}</span>`)
    .join('');
  return `<figure style="margin:10px 0 18px">
<figcaption style="font-weight:600;font-size:0.9rem;margin-bottom:4px">${escapeHtml(o.title)}</figcaption>
<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${escapeHtml(label)}" style="display:block;max-width:100%;height:auto"><title>${escapeHtml(label)}</title>${parts.join('')}</svg>
<div style="font-size:0.82rem;margin-top:4px">${legend}</div>
</figure>`;
}

/** The points of a series as drawable runs: steps for per-minute values, broken at gaps. */
function segments(s: SvgSeries): [number, number][][] {
  const sorted = [...s.points].sort((a, b) => a[0] - b[0]);
  const runs: [number, number][][] = [];
  let current: [number, number][] = [];
  let last: number | undefined;
  const gapMs = s.stepMs ? s.stepMs * 1.5 : inferredGap(sorted);
  for (const [t, v] of sorted) {
    if (last !== undefined && t - last > gapMs) {
      runs.push(current);
      current = [];
    }
    if (s.stepMs) current.push([t, v], [t + s.stepMs, v]);
    else current.push([t, v]);
    last = t;
  }
  if (current.length > 0) runs.push(current);
  return runs.filter((r) => r.length > 1 || !s.stepMs);
}

/** For unstepped series: a gap is three times the usual spacing. */
function inferredGap(points: readonly (readonly [number, number])[]): number {
  if (points.length < 2) return Infinity;
  const gaps = points.slice(1).map((p, i) => p[0] - points[i][0]).sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)] * 3;
}
