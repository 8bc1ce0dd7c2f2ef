/**
 * The report's own stylesheet. Colours live in CSS variables, one set for light and one for dark
 * (prefers-color-scheme) and light again for print; the chart script reads the chart colours from the
 * same variables, so page and charts always agree. Only system fonts: nothing is fetched.
 */
export const REPORT_CSS = String.raw`
:root {
  color-scheme: light;
  --bg: #f5f6f8;
  --surface: #ffffff;
  --text: #1a1d23;
  --muted: #5d6673;
  --border: #dde1e7;
  --accent: #2563eb;
  --code-bg: #f1f3f6;
  --grid: rgba(15, 23, 42, 0.09);
  --axis-text: #4b5563;
  --pass: #15803d;
  --pass-bg: #dcfce7;
  --fail: #b91c1c;
  --fail-bg: #fee2e2;
  --warn: #a16207;
  --warn-bg: #fef3c7;
  --error: #7e22ce;
  --error-bg: #f3e8ff;
  --c-target: #6b7280;
  --c-sent: #2563eb;
  --c-throughput: #16a34a;
  --c-dropped: #dc2626;
  --c-p50: #0891b2;
  --c-p95: #7c3aed;
  --c-p99: #db2777;
  --c-max: #9ca3af;
  --c-response: #2563eb;
  --c-service: #d97706;
  --c-ok: #22c55e;
  --c-429: #f59e0b;
  --c-408: #ea580c;
  --c-424: #a855f7;
  --c-5xx: #dc2626;
  --c-transport: #831843;
  --c-other: #94a3b8;
  --c-inflight: #0d9488;
  --c-cap: #dc2626;
  --c-planned: #cbd5e1;
  --c-lag: #db2777;
  --c-completed: #2563eb;
  --c-errors: #dc2626;
}
@media (prefers-color-scheme: dark) {
  :root {
    color-scheme: dark;
    --bg: #0e1014;
    --surface: #171a20;
    --text: #e5e7eb;
    --muted: #9ca3af;
    --border: #2b303a;
    --accent: #60a5fa;
    --code-bg: #1f232b;
    --grid: rgba(255, 255, 255, 0.09);
    --axis-text: #aeb6c2;
    --pass: #4ade80;
    --pass-bg: #14351f;
    --fail: #f87171;
    --fail-bg: #3f1518;
    --warn: #fbbf24;
    --warn-bg: #3b2e0b;
    --error: #d8b4fe;
    --error-bg: #33194a;
    --c-target: #9ca3af;
    --c-sent: #60a5fa;
    --c-throughput: #4ade80;
    --c-dropped: #f87171;
    --c-p50: #22d3ee;
    --c-p95: #a78bfa;
    --c-p99: #f472b6;
    --c-max: #6b7280;
    --c-response: #60a5fa;
    --c-service: #fbbf24;
    --c-ok: #4ade80;
    --c-429: #fbbf24;
    --c-408: #fb923c;
    --c-424: #c084fc;
    --c-5xx: #f87171;
    --c-transport: #fda4af;
    --c-other: #64748b;
    --c-inflight: #2dd4bf;
    --c-cap: #f87171;
    --c-planned: #475569;
    --c-lag: #f472b6;
    --c-completed: #60a5fa;
    --c-errors: #f87171;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0;
  background: var(--bg);
  color: var(--text);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
.page { max-width: 1240px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 1.7rem; line-height: 1.2; margin: 0; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 0 0 12px; }
h3 { font-size: 1rem; margin: 18px 0 8px; }
a { color: var(--accent); }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.85rem; }
.muted { color: var(--muted); }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }

/* Header */
.report-header { display: flex; flex-direction: column; gap: 10px; margin-bottom: 16px; }
.title-row { display: flex; flex-wrap: wrap; align-items: center; gap: 12px; }
.badge {
  display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: 0.8rem; font-weight: 700;
  text-transform: uppercase; letter-spacing: 0.04em; border: 1px solid currentColor;
}
.badge-passed { color: var(--pass); background: var(--pass-bg); }
.badge-failed { color: var(--fail); background: var(--fail-bg); }
.badge-partial { color: var(--warn); background: var(--warn-bg); }
.badge-error { color: var(--error); background: var(--error-bg); }
.badge-other { color: var(--muted); background: var(--surface); }
.meta { display: flex; flex-wrap: wrap; gap: 4px 22px; margin: 0; color: var(--muted); font-size: 0.9rem; }
.meta div { display: flex; gap: 6px; min-width: 0; }
.meta dt { font-weight: 600; }
.meta dd { margin: 0; color: var(--text); overflow-wrap: anywhere; }
.reasons {
  margin: 4px 0 0; padding: 10px 14px 10px 16px; border-radius: 8px; border-left: 4px solid var(--fail);
  background: var(--fail-bg); color: var(--text);
}
.reasons.status-partial { border-left-color: var(--warn); background: var(--warn-bg); }
.reasons.status-error { border-left-color: var(--error); background: var(--error-bg); }
.reasons strong { display: block; margin-bottom: 4px; }
.reasons ul { margin: 0; padding-left: 20px; }
.reasons li { overflow-wrap: anywhere; }

/* Table of contents */
.toc { margin: 0 0 16px; }
.toc ol { list-style: none; display: flex; flex-wrap: wrap; gap: 6px; margin: 0; padding: 0; }
.toc a {
  display: inline-block; padding: 3px 10px; border: 1px solid var(--border); border-radius: 999px;
  background: var(--surface); text-decoration: none; font-size: 0.85rem; color: var(--text);
}
.toc a:hover, .toc a:focus-visible { border-color: var(--accent); color: var(--accent); }

/* Sections */
section.card {
  background: var(--surface); border: 1px solid var(--border); border-radius: 10px;
  padding: 18px 20px; margin: 0 0 16px; min-width: 0;
}
.caption { color: var(--muted); font-size: 0.88rem; margin: -6px 0 10px; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 340px), 1fr)); gap: 8px 24px; }

/* Summary tiles */
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 150px), 1fr)); gap: 10px; margin-bottom: 6px; }
.tile { border: 1px solid var(--border); border-radius: 8px; padding: 10px 12px; min-width: 0; }
.tile .label { color: var(--muted); font-size: 0.8rem; }
.tile .value { font-size: 1.35rem; font-weight: 650; font-variant-numeric: tabular-nums; line-height: 1.3; overflow-wrap: anywhere; }
.tile .unit { font-size: 0.85rem; font-weight: 400; color: var(--muted); margin-left: 2px; }
.tile .sub { color: var(--muted); font-size: 0.8rem; }
.tile.bad { border-color: var(--fail); }
.tile.bad .value { color: var(--fail); }

/* Tables */
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--border); text-align: left; vertical-align: top; }
thead th { font-weight: 600; color: var(--muted); font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.03em; }
th.num, td.num { text-align: right; }
tbody tr:last-child td, tbody tr:last-child th { border-bottom: none; }
td.key { white-space: nowrap; }
td.wrap { overflow-wrap: anywhere; min-width: 8ch; }
.pass { color: var(--pass); font-weight: 600; }
.fail { color: var(--fail); font-weight: 600; }
.empty { color: var(--muted); font-style: italic; margin: 6px 0; }

/* Charts */
.chart { width: 100%; min-width: 0; min-height: 120px; overflow: hidden; }
.chart .uplot { font-family: inherit; color: var(--text); }
.chart .u-legend { font-size: 0.82rem; color: var(--text); }
.chart .u-legend .u-marker { border-radius: 2px; }
.chart .u-select { background: var(--grid); }
.chart-fallback { color: var(--muted); font-style: italic; padding: 24px 0; }

pre.plan {
  background: var(--code-bg); border: 1px solid var(--border); border-radius: 8px; padding: 12px 14px;
  overflow: auto; max-height: 520px; white-space: pre; margin: 8px 0 0;
}
details > summary { cursor: pointer; font-weight: 600; }
footer { color: var(--muted); font-size: 0.82rem; text-align: center; margin-top: 24px; }

@media (max-width: 640px) {
  .page { padding: 14px 10px 32px; }
  section.card { padding: 14px 12px; }
  h1 { font-size: 1.35rem; }
  .tile .value { font-size: 1.15rem; }
}

/* Print: light colours whatever the screen uses, no navigation, no split charts or table rows. */
@media print {
  :root {
    color-scheme: light;
    --bg: #ffffff; --surface: #ffffff; --text: #000000; --muted: #444b55; --border: #c8ced6;
    --code-bg: #f6f7f9; --grid: rgba(0, 0, 0, 0.12); --axis-text: #333333;
    --c-target: #6b7280; --c-sent: #2563eb; --c-throughput: #16a34a; --c-dropped: #dc2626;
    --c-p50: #0891b2; --c-p95: #7c3aed; --c-p99: #db2777; --c-max: #9ca3af;
    --c-response: #2563eb; --c-service: #d97706;
    --c-ok: #22c55e; --c-429: #f59e0b; --c-408: #ea580c; --c-424: #a855f7; --c-5xx: #dc2626;
    --c-transport: #831843; --c-other: #94a3b8; --c-inflight: #0d9488; --c-cap: #dc2626;
    --c-planned: #cbd5e1; --c-lag: #db2777; --c-completed: #2563eb; --c-errors: #dc2626;
    --pass: #15803d; --pass-bg: #ffffff; --fail: #b91c1c; --fail-bg: #ffffff;
    --warn: #a16207; --warn-bg: #ffffff; --error: #7e22ce; --error-bg: #ffffff;
  }
  body { font-size: 11pt; }
  .page { max-width: none; padding: 0; }
  .toc { display: none; }
  section.card { border: none; padding: 0; margin: 0 0 18px; break-inside: auto; }
  .chart, .tiles, tr, .reasons { break-inside: avoid; }
  h2 { break-after: avoid; }
  pre.plan { max-height: none; white-space: pre-wrap; overflow-wrap: anywhere; }
  .u-over, .u-cursor-x, .u-cursor-y, .u-select { display: none; }
}
@page { margin: 14mm; }
`;
