import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { FinalizedRun } from '../../src/core/finalize-run.js';
import { inlineAssets } from '../../src/report/inline-assets.js';
import { renderReport } from '../../src/report/render-report.js';
import { reportData } from '../../src/report/report-data.js';
import { REPORT_SCRIPT } from '../../src/report/report-script.js';
import { craftedRun, emptyRun } from './crafted-run.js';

const GENERATED_AT = new Date('2025-02-01T12:00:00Z');
const INJECTION = '<script>alert(1)</script>';
const CHART_IDS = ['chart-rate', 'chart-latency', 'chart-percentiles', 'chart-status', 'chart-inflight', 'chart-workers', 'chart-deployments'];

/** The markup without the bodies of <script> and <style> elements. */
function markupOnly(html: string): string {
  return html.replace(/(<script\b[^>]*>)[\s\S]*?(<\/script>)/gi, '$1$2').replace(/(<style\b[^>]*>)[\s\S]*?(<\/style>)/gi, '$1$2');
}

function idsOf(html: string): string[] {
  return [...markupOnly(html).matchAll(/\sid="([^"]*)"/g)].map((m) => m[1]);
}

/** A run whose every user-written string tries to inject HTML. */
function hostileRun(): FinalizedRun {
  const run = craftedRun({ plan: { tags: { [INJECTION]: INJECTION, quote: `" onmouseover="alert(2)` } } });
  run.summary.name = INJECTION;
  run.record.name = INJECTION;
  run.summary.runId = `run-${INJECTION}`;
  run.summary.target.host = `${INJECTION}.example`;
  run.summary.target.url = `https://x.example/score?q=${INJECTION}`;
  run.summary.target.deployment = INJECTION;
  run.summary.reasons = [`slice w000-k000: ${INJECTION}`];
  run.summary.byDeployment[`<img src=x onerror=alert(3)>`] = run.summary.byDeployment.blue;
  run.summary.statusCodes[INJECTION] = 1;
  run.summary.errorsByCode[INJECTION] = 1;
  return run;
}

describe('renderReport', () => {
  const run = craftedRun();
  const html = renderReport(run, { generatedAt: GENERATED_AT });

  it('is one complete HTML document', () => {
    expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(html.match(/<title>/g)).toHaveLength(1);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('name="viewport"');
  });

  it('has a header with the run name, status badge, run id, time and target host, and the reasons', () => {
    const header = html.slice(html.indexOf('<header'), html.indexOf('</header>'));
    expect(header).toContain('<h1>crafted-run</h1>');
    expect(header).toContain('<span class="badge badge-failed">failed</span>');
    expect(header).toContain('run-crafted');
    expect(header).toContain('2025-01-15 02:00:00 UTC');
    expect(header).toContain('fraud.eastus.inference.ml.azure.com');
    expect(header).toContain('Why the run failed');
    expect(header).toContain('threshold p95Ms ≤ 30 not met');
  });

  it('shows no reasons box when the run passed', () => {
    const passed = craftedRun({ plan: { thresholds: {} } });
    expect(passed.summary.status).toBe('passed');
    const page = renderReport(passed, { generatedAt: GENERATED_AT });
    expect(page).toContain('badge-passed');
    expect(page).not.toContain('class="reasons');
  });

  it('has every chart box once, each with a stable id', () => {
    const ids = idsOf(html);
    for (const id of CHART_IDS) expect(ids.filter((x) => x === id), id).toHaveLength(1);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('leaves out the deployment chart when fewer than two deployments answered', () => {
    const page = renderReport(craftedRun({ noDeployments: true }), { generatedAt: GENERATED_AT });
    expect(idsOf(page)).not.toContain('chart-deployments');
    expect(idsOf(page)).not.toContain('deployments');
  });

  it('carries the chart data in a JSON block the page reads back exactly', () => {
    const match = html.match(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/);
    expect(match).not.toBeNull();
    expect(JSON.parse(match![1])).toEqual(JSON.parse(JSON.stringify(reportData(run))));
  });

  it('has the tables: figures, status codes, error codes, thresholds, workers, deployments, tags, plan', () => {
    for (const heading of ['HTTP status codes', 'Transport errors (no response)', 'Thresholds', 'Tags', 'Plan (JSON, secrets redacted)', 'Latency']) {
      expect(html, heading).toContain(heading);
    }
    expect(html).toContain('<code>429</code>');
    expect(html).toContain('<code>timeout</code>');
    expect(html).toContain('✗ fail');
    expect(html).toContain('✓ pass');
    expect(html).toContain('Standard_DS3_v2');
    expect(html).toContain('Schedule lag (actual − intended send)');
  });

  it('links every table-of-contents entry to a section, and puts extra sections right after the summary', () => {
    const page = renderReport(run, {
      generatedAt: GENERATED_AT,
      sections: [
        { id: 'baseline verdict', title: 'Baseline <verdict>', html: '<p>better</p>' },
        { id: 'workers', title: 'Clashing id', html: '<p>second</p>' },
      ],
    });
    const hrefs = [...page.matchAll(/<a href="#([^"]+)">/g)].map((m) => m[1]);
    const sections = [...page.matchAll(/<section class="card" id="([^"]+)"/g)].map((m) => m[1]);
    expect(hrefs).toEqual(sections);
    expect(sections.slice(0, 3)).toEqual(['summary', 'baseline-verdict', 'workers-more']);
    expect(sections).toContain('workers');
    expect(page).toContain('Baseline &lt;verdict&gt;');
    expect(page).toContain('<p>better</p>');
  });

  it('is the same for the same run, except the generation time', () => {
    expect(renderReport(craftedRun(), { generatedAt: GENERATED_AT })).toBe(html);
    const later = renderReport(craftedRun(), { generatedAt: new Date('2026-03-04T05:06:07Z') });
    expect(later).not.toBe(html);
    expect(later.replace('2026-03-04 05:06:07 UTC', '2025-02-01 12:00:00 UTC')).toBe(html);
  });

  it('renders a run that sent nothing, in error, with its reason', () => {
    const page = renderReport(emptyRun('could not get a token for the target'), { generatedAt: GENERATED_AT });
    expect(page).toContain('badge-error');
    expect(page).toContain('Why the run is in error');
    expect(page).toContain('could not get a token for the target');
    for (const id of CHART_IDS.slice(0, 6)) expect(idsOf(page)).toContain(id);
  });
});

describe('renderReport is safe', () => {
  it('escapes every string users wrote: names, tags, URLs, reasons, deployments, codes', () => {
    const page = renderReport(hostileRun(), { generatedAt: GENERATED_AT });
    expect(page).not.toContain(INJECTION);
    expect(page).not.toContain('<img');
    expect(page).not.toContain('" onmouseover=');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // Only the report's own three script elements.
    expect(page.match(/<script\b/g)).toHaveLength(3);
  });

  it('never shows a secret from the plan, even one the stored plan failed to redact', () => {
    const run = craftedRun({
      plan: {
        target: {
          url: 'https://user:PASSWORD-1@fraud.eastus.inference.ml.azure.com/score?code=QUERYSECRET',
          headers: { Authorization: 'Bearer sk-SECRET-123', 'x-odd-header': 'Bearer sk-SECRET-456', 'api-key': 'KEYSECRET-789' },
        },
      },
    });
    expect(run.plan.target.headers.Authorization).toBe('Bearer sk-SECRET-123');
    const page = renderReport(run, { generatedAt: GENERATED_AT });
    for (const secret of ['sk-SECRET-123', 'sk-SECRET-456', 'KEYSECRET-789', 'QUERYSECRET', 'PASSWORD-1']) expect(page, secret).not.toContain(secret);
    expect(page).toContain('[redacted]');
  });

  it('loads nothing from anywhere: no URL in any src or href, no external stylesheet, a CSP that forbids fetching', () => {
    const html = renderReport(craftedRun(), { generatedAt: GENERATED_AT });
    const markup = markupOnly(html);
    const attributes = [...markup.matchAll(/\s(src|href|srcset|action|poster|background)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi)];
    for (const [, name, value] of attributes) {
      expect(name.toLowerCase(), value).toBe('href');
      expect(value, 'an in-page link').toMatch(/^"#[A-Za-z0-9_-]+"$/);
    }
    expect(attributes.length).toBeGreaterThan(5);
    expect(html).not.toMatch(/<link\b|<img\b|<iframe\b|@import|url\(\s*['"]?(https?:)?\/\//i);
    expect(html).not.toMatch(/<script[^>]*\ssrc=/i);
    const csp = markup.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/)?.[1].replace(/&#39;/g, "'");
    expect(csp).toMatch(/^default-src 'none'; script-src 'sha256-[^']+' 'sha256-[^']+'; /);
  });

  it('admits exactly its own inline scripts in the Content-Security-Policy', () => {
    const html = renderReport(craftedRun(), { generatedAt: GENERATED_AT });
    const csp = html.match(/content="(default-src[^"]+)"/)![1].replace(/&#39;/g, "'");
    const executable = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    expect(executable).toHaveLength(2);
    for (const body of executable) {
      const hash = createHash('sha256').update(body, 'utf8').digest('base64');
      expect(csp).toContain(`'sha256-${hash}'`);
    }
  });
});

describe('inline assets and the browser script', () => {
  it('inlines uPlot from its npm package, read once', () => {
    const assets = inlineAssets();
    expect(assets.uplotJs).toContain('uPlot');
    expect(assets.uplotCss).toContain('.uplot');
    expect(assets.uplotJs).not.toMatch(/<\/script/i);
    expect(assets.uplotCss).not.toMatch(/<\/style/i);
    expect(inlineAssets()).toBe(assets);
  });

  it('has a browser script that parses and cannot break out of its element or template', () => {
    expect(REPORT_SCRIPT).not.toContain('</');
    expect(REPORT_SCRIPT).not.toContain('`');
    expect(REPORT_SCRIPT).not.toContain('${');
    expect(() => new Function(REPORT_SCRIPT)).not.toThrow();
    for (const id of CHART_IDS) expect(REPORT_SCRIPT).toContain(`'${id}'`);
  });
});
