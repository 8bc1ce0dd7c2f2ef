import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FinalizedRun } from '../../src/core/finalize-run.js';
import { percentileLevels } from '../../src/report/percentile-curve.js';
import { renderReport } from '../../src/report/render-report.js';
import { emptyRun } from './crafted-run.js';
import { ENGINE_SECRET, INJECTION, engineRun } from './engine-run.js';

// The callbacks given to page.evaluate run in the browser. The project compiles without the DOM
// library, so they see these names untyped (declared in this module only, nothing global).
declare const document: any;
declare const getComputedStyle: (element: unknown) => any;
declare const Image: any;

/** Debian's chromium; the CI script installs it with `apt-get install -y chromium`. */
const CHROMIUM = '/usr/bin/chromium';
const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** The chart each id must draw, with the CSS variable of a series whose colour must appear on its canvas. */
const CHARTS: { id: string; colourVar: string }[] = [
  { id: 'chart-rate', colourVar: '--c-sent' },
  { id: 'chart-latency', colourVar: '--c-p50' },
  { id: 'chart-percentiles', colourVar: '--c-response' },
  { id: 'chart-status', colourVar: '--c-ok' },
  { id: 'chart-inflight', colourVar: '--c-inflight' },
  { id: 'chart-workers', colourVar: '--c-sent' },
  { id: 'chart-deployments', colourVar: '--c-completed' },
];

let browser: Browser | undefined;
let run: FinalizedRun;
let html: string;
let dir: string;
let fileUrl: string;

const MISSING_CHROMIUM = `Chromium is missing at ${CHROMIUM}: the report's browser tests need it. Install it with: apt-get install -y chromium`;

beforeAll(async () => {
  // Never a skip: without the browser every test below fails with MISSING_CHROMIUM.
  if (!existsSync(CHROMIUM)) return;
  run = await engineRun();
  html = renderReport(run, { generatedAt: new Date('2025-01-01T00:00:00Z') });
  dir = await mkdtemp(path.join(tmpdir(), 'mlload-report-'));
  const file = path.join(dir, 'report.html');
  await writeFile(file, html);
  fileUrl = pathToFileURL(file).href;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
});

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Watched {
  page: Page;
  requests: string[];
  problems: string[];
  dialogs: string[];
}

/** Opens the report from its file:// URL, recording every request, console error, page error and dialog. */
/** The launched browser, or the reason there is none (so each test fails saying why, none is skipped). */
function theBrowser(): Browser {
  if (!browser) throw new Error(MISSING_CHROMIUM);
  return browser;
}

async function openReport(options: { colorScheme?: 'light' | 'dark'; width?: number; url?: string } = {}): Promise<Watched> {
  const context = await theBrowser().newContext({ colorScheme: options.colorScheme ?? 'light', viewport: { width: options.width ?? 1280, height: 900 } });
  const page = await context.newPage();
  const watched: Watched = { page, requests: [], problems: [], dialogs: [] };
  page.on('request', (request) => watched.requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') watched.problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => watched.problems.push(`page error: ${error.message}`));
  page.on('dialog', (dialog) => {
    watched.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(options.url ?? fileUrl, { waitUntil: 'load' });
  await page.waitForFunction(() => document.querySelectorAll('.chart[data-points]').length === document.querySelectorAll('.chart').length);
  return watched;
}

/** Per chart: its canvas, how much of it is painted, and whether the series colour is on it. */
async function inspectCharts(page: Page) {
  return page.evaluate((charts) => {
    const rgbOf = (name: string) => {
      const probe = document.createElement('span');
      probe.style.color = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
      document.body.appendChild(probe);
      const rgb = getComputedStyle(probe).color.match(/\d+/g)!.slice(0, 3).map(Number);
      probe.remove();
      return rgb;
    };
    return charts.map(({ id, colourVar }) => {
      const el = document.getElementById(id);
      const canvas = el?.querySelector('canvas');
      if (!el || !canvas) return { id, found: !!el, canvas: false, points: el?.getAttribute('data-points') ?? null, painted: 0, colours: 0, seriesColour: false };
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      const [sr, sg, sb] = rgbOf(colourVar);
      const colours = new Set<number>();
      let painted = 0;
      let seriesColour = false;
      for (let i = 0; i < pixels.length; i += 4) {
        if (pixels[i + 3] === 0) continue;
        painted++;
        colours.add((pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2]);
        if (pixels[i + 3] > 150 && Math.abs(pixels[i] - sr) + Math.abs(pixels[i + 1] - sg) + Math.abs(pixels[i + 2] - sb) < 24) seriesColour = true;
      }
      return { id, found: true, canvas: true, points: el.getAttribute('data-points'), painted: painted / (canvas.width * canvas.height), colours: colours.size, seriesColour };
    });
  }, CHARTS);
}

function expectedPoints(): Record<string, number> {
  const seconds = run.timeseries.length;
  const samples = Math.max(run.aggregate.responseTime.totalCount, run.aggregate.serviceTime.totalCount);
  return {
    'chart-rate': seconds,
    'chart-latency': seconds,
    'chart-percentiles': percentileLevels(samples).nines.length,
    'chart-status': seconds,
    'chart-inflight': seconds,
    'chart-workers': run.summary.workers.length,
    'chart-deployments': Object.keys(run.summary.byDeployment).length,
  };
}

function luminance(cssColour: string): number {
  const [r, g, b] = cssColour.match(/\d+(\.\d+)?/g)!.slice(0, 3).map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}

describe('the HTML report in headless Chromium', () => {
  it(`finds Debian's chromium at ${CHROMIUM}`, () => {
    expect(existsSync(CHROMIUM), MISSING_CHROMIUM).toBe(true);
    expect(browser, 'the browser did not launch').toBeDefined();
  });

  it('was given a realistic run: errors, throttling, two workers, two deployments', () => {
    theBrowser();
    expect(run.summary.requests.sent).toBe(300);
    expect(run.summary.requests.throttled).toBeGreaterThan(0);
    expect(run.summary.statusCodes['500']).toBeGreaterThan(0);
    expect(run.summary.workers).toHaveLength(2);
    expect(Object.keys(run.summary.byDeployment).sort()).toEqual(['blue', 'green']);
    expect(run.timeseries.length).toBeGreaterThanOrEqual(3);
  });

  it('draws every chart from the run data, with no error and no request but the document', async () => {
    const { page, requests, problems, dialogs } = await openReport();
    await page.waitForTimeout(300); // anything late (a fetch, a timer) would show up here
    expect(problems).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(requests).toEqual([fileUrl]);

    const expected = expectedPoints();
    const charts = await inspectCharts(page);
    for (const chart of charts) {
      expect(chart, chart.id).toMatchObject({ found: true, canvas: true, points: String(expected[chart.id]), seriesColour: true });
      expect(chart.painted, `${chart.id} painted share`).toBeGreaterThan(0.01);
      expect(chart.colours, `${chart.id} colours`).toBeGreaterThan(5);
    }
    await page.context().close();
  });

  it('renders a page that is not blank', async () => {
    const { page } = await openReport();
    const shot = await page.screenshot({ fullPage: true });
    await page.context().close();

    // Decoded in a separate, empty page so its image load never counts against the report.
    const scratch = await theBrowser().newPage();
    const stats = await scratch.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      const [br, bg, bb] = [d[0], d[1], d[2]];
      const colours = new Set<number>();
      let differing = 0;
      let sampled = 0;
      for (let i = 0; i < d.length; i += 4 * 7) {
        sampled++;
        colours.add(((d[i] >> 3) << 10) | ((d[i + 1] >> 3) << 5) | (d[i + 2] >> 3));
        if (Math.abs(d[i] - br) + Math.abs(d[i + 1] - bg) + Math.abs(d[i + 2] - bb) > 40) differing++;
      }
      return { width: canvas.width, height: canvas.height, colours: colours.size, differing: differing / sampled };
    }, shot.toString('base64'));
    await scratch.close();
    expect(stats.width).toBe(1280);
    expect(stats.height).toBeGreaterThan(2000);
    expect(stats.colours).toBeGreaterThan(40);
    expect(stats.differing).toBeGreaterThan(0.02);
  });

  it('uses a dark background in dark mode and a light one in light mode, and redraws when the scheme flips', async () => {
    const dark = await openReport({ colorScheme: 'dark' });
    expect(luminance(await dark.page.evaluate(() => getComputedStyle(document.body).backgroundColor))).toBeLessThan(0.2);
    const darkAxis = await dark.page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--axis-text').trim());
    await dark.page.emulateMedia({ colorScheme: 'light' });
    expect(luminance(await dark.page.evaluate(() => getComputedStyle(document.body).backgroundColor))).toBeGreaterThan(0.8);
    expect(await dark.page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--axis-text').trim())).not.toBe(darkAxis);
    // The redraw follows the media-change event and uPlot's next frame: wait for it, bounded.
    await expect
      .poll(async () => (await inspectCharts(dark.page)).filter((c) => !(c.canvas && c.seriesColour)).map((c) => c.id), { timeout: 5000, interval: 100 })
      .toEqual([]);
    expect(dark.problems).toEqual([]);
    await dark.page.context().close();
  });

  it('follows the width of the window and survives print media', async () => {
    const { page, problems, requests } = await openReport({ width: 1280 });
    const wide = await page.evaluate(() => document.querySelector('#chart-rate canvas')!.getBoundingClientRect().width);
    await page.setViewportSize({ width: 420, height: 900 });
    await page.waitForFunction((w) => document.querySelector('#chart-rate canvas')!.getBoundingClientRect().width < w - 300, wide);
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(scrollWidth).toBeLessThanOrEqual(420);
    await page.emulateMedia({ media: 'print' });
    expect(luminance(await page.evaluate(() => getComputedStyle(document.body).backgroundColor))).toBeGreaterThan(0.95);
    expect(await page.evaluate(() => document.querySelectorAll('.chart canvas').length)).toBe(CHARTS.length);
    expect(problems).toEqual([]);
    expect(requests).toEqual([fileUrl]);
    await page.context().close();
  });

  it('says so, without errors, where a run has nothing to draw', async () => {
    theBrowser();
    const file = path.join(dir, 'empty.html');
    await writeFile(file, renderReport(emptyRun(), { generatedAt: new Date('2025-01-01T00:00:00Z') }));
    const url = pathToFileURL(file).href;
    const { page, problems, requests } = await openReport({ url });
    const charts = await page.evaluate(() =>
      [...document.querySelectorAll('.chart')].map((el: any) => ({ id: el.id, points: el.getAttribute('data-points'), text: el.textContent })),
    );
    expect(charts.map((c: { id: string }) => c.id)).toEqual(CHARTS.slice(0, 6).map((c) => c.id));
    for (const chart of charts) expect(chart).toMatchObject({ points: '0', text: 'No data to draw.' });
    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);
    await page.context().close();
  });

  it('shows user text as text and never the secret', async () => {
    const { page, dialogs } = await openReport();
    expect(dialogs).toEqual([]);
    // Only the report's own three scripts exist: the data block, uPlot and the chart script.
    expect(await page.evaluate(() => document.scripts.length)).toBe(3);
    expect(await page.locator('#plan').innerText()).toContain(INJECTION);
    expect(await page.content()).not.toContain(ENGINE_SECRET);
    expect(html).not.toContain(ENGINE_SECRET);
    await page.context().close();
  });
});
