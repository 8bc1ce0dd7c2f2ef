/**
 * The browser side of the report: reads the `report-data` JSON block and draws every chart with uPlot
 * (inlined beside it). Kept as plain text rather than a serialized TypeScript function because the
 * project compiles without the DOM library and because its text is hashed into the page's
 * Content-Security-Policy: it must be exactly what the browser runs, whatever tool built this module.
 *
 * Rules for this text: no backticks or "${" (it sits in a template literal), and no "</" (it sits in a
 * <script> element). A test checks both and that it parses.
 *
 * Each chart, once drawn, gets `data-points` = the number of points it drew (or 0 with a message when
 * there is nothing to draw). Colours come from CSS variables, so charts are redrawn when the colour
 * scheme changes or the page is printed; they follow the width of their box.
 */
export const REPORT_SCRIPT = String.raw`
(function () {
  'use strict';
  var dataEl = document.getElementById('report-data');
  if (!dataEl) return;
  var data = JSON.parse(dataEl.textContent || '{}');
  var originS = data.originEpochMs / 1000;
  var FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  var LABEL_FONT = '600 12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

  function css(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
  }
  function pad2(n) { return (n < 10 ? '0' : '') + n; }
  /** Epoch seconds as HH:MM:SS in UTC: the run's times are all UTC. */
  function clockUtc(epochS) {
    var d = new Date(epochS * 1000);
    return pad2(d.getUTCHours()) + ':' + pad2(d.getUTCMinutes()) + ':' + pad2(d.getUTCSeconds());
  }
  function round(v, digits) { var f = Math.pow(10, digits); return Math.round(v * f) / f; }
  function fmtMs(v) {
    if (v == null) return '–';
    var a = Math.abs(v);
    return String(round(v, a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3)) + ' ms';
  }
  /** x on the nines axis (1 / (1 − p)) as the percentile it stands for: 10 → 90%, 1000 → 99.9%. */
  function ninesLabel(x) {
    if (x <= 1) return '0%';
    var p = 100 * (1 - 1 / x);
    var digits = Math.max(0, Math.ceil(Math.log10(x) - 2 - 1e-9));
    return p.toFixed(digits) + '%';
  }
  /** Legend text of a plain number (the same dash as every other empty value). */
  function plain(u, v) { return v == null ? '–' : String(round(v, 2)); }
  function fromZero(u, min, max) { return [0, max > 0 ? max * 1.08 : 1]; }
  function anyAbove(list, v) { for (var i = 0; i < list.length; i++) if (list[i] > v) return true; return false; }

  function axis(extra) {
    var a = {
      stroke: css('--axis-text'),
      font: FONT,
      labelFont: LABEL_FONT,
      grid: { stroke: css('--grid'), width: 1 },
      ticks: { stroke: css('--grid'), width: 1 },
    };
    for (var k in extra) a[k] = extra[k];
    return a;
  }
  function line(label, colorVar, extra) {
    var s = { label: label, stroke: css(colorVar), width: 2, points: { show: false }, value: plain };
    for (var k in extra) s[k] = extra[k];
    return s;
  }
  function alpha(color, a) {
    // Colours are #rrggbb in our stylesheet; anything else is used as it is.
    var m = /^#([0-9a-f]{6})$/i.exec(color);
    if (!m) return color;
    var n = parseInt(m[1], 16);
    return 'rgba(' + (n >> 16) + ',' + ((n >> 8) & 255) + ',' + (n & 255) + ',' + a + ')';
  }
  function pointsOnly(label, colorVar, scale) {
    return {
      label: label, scale: scale, stroke: css(colorVar), fill: css(colorVar), width: 2,
      value: function (u, v) { return fmtMs(v); },
      paths: function () { return null; },
      points: { show: true, size: 9, space: 0, stroke: css(colorVar), fill: css(colorVar) },
    };
  }
  function bars(size, align) { return uPlot.paths.bars({ size: size, align: align }); }

  // Time charts share the x axis: epoch seconds, labelled in UTC, cursor synced across them.
  // (A new object per chart: uPlot keeps state on the series objects it is given.)
  function timeX() {
    return {
      label: 'time (UTC)',
      value: function (u, v) {
        if (v == null) return '–';
        var rel = Math.round(v - originS);
        return clockUtc(v) + ' (' + (rel < 0 ? '' : '+') + rel + ' s)';
      },
    };
  }
  function timeOpts(yLabel, series, extra) {
    var o = {
      scales: { x: { time: true }, y: { range: fromZero } },
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'); },
      axes: [
        axis({
          label: 'time (UTC)',
          space: 70,
          // Whole seconds only: the data has one point per second.
          incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400],
          values: function (u, splits) { return splits.map(clockUtc); },
        }),
        axis({ label: yLabel, size: 60 }),
      ],
      series: [timeX()].concat(series),
      // Room on the right for the last time label.
      padding: [12, 28, 0, 0],
      cursor: { sync: { key: 'time' } },
    };
    for (var k in extra) o[k] = extra[k];
    return o;
  }

  var t = data.time;

  function rateChart() {
    var series = [
      line('target', '--c-target', { dash: [6, 4], paths: uPlot.paths.stepped({ align: 1 }) }),
      line('sent', '--c-sent'),
      line('completed ok', '--c-throughput'),
    ];
    var cols = [t.epochS, t.targetRps, t.sentRps, t.throughputRps];
    if (anyAbove(t.droppedRps, 0)) {
      series.push(line('dropped', '--c-dropped', { dash: [2, 3] }));
      cols.push(t.droppedRps);
    }
    return { opts: timeOpts('requests / s', series), data: cols };
  }

  function latencyChart() {
    return {
      opts: timeOpts('ms', [
        line('p50', '--c-p50'),
        line('p95', '--c-p95'),
        line('p99', '--c-p99'),
        line('max', '--c-max', { show: false, dash: [4, 4], width: 1 }),
      ].map(function (s) { s.value = function (u, v) { return fmtMs(v); }; return s; })),
      data: [t.epochS, t.p50Ms, t.p95Ms, t.p99Ms, t.maxMs],
    };
  }

  function percentileChart() {
    var p = data.percentiles;
    if (p.nines.length === 0) return null;
    var maxX = p.nines[p.nines.length - 1];
    function pointStyle(colorVar) { return { show: true, size: 5, stroke: css(colorVar), fill: css(colorVar) }; }
    return {
      opts: {
        scales: {
          x: { time: false, distr: 3, log: 10, range: function () { return [1, Math.max(10, maxX)]; } },
          y: { range: fromZero },
        },
        axes: [
          axis({
            label: 'percentile (log scale of nines)',
            splits: function () {
              var out = [];
              for (var v = 1; v <= Math.max(10, maxX) * 1.000001; v *= 10) out.push(v);
              return out;
            },
            values: function (u, splits) { return splits.map(ninesLabel); },
          }),
          axis({ label: 'ms', size: 60 }),
        ],
        series: [
          {
            label: 'percentile',
            value: function (u, v, si, idx) {
              if (idx == null) return '–';
              var pct = p.percentiles[idx];
              return pct >= 100 ? 'max' : String(round(pct, 3)) + '%';
            },
          },
          line('response time (from intended send)', '--c-response', { points: pointStyle('--c-response'), value: function (u, v) { return fmtMs(v); } }),
          line('service time (from actual send)', '--c-service', { points: pointStyle('--c-service'), value: function (u, v) { return fmtMs(v); } }),
        ],
      },
      data: [p.nines, p.responseTimeMs, p.serviceTimeMs],
    };
  }

  // Bottom to top of the stack; colours match the status table.
  var STATUS_KINDS = [
    ['ok (2xx)', 'ok', '--c-ok'],
    ['429 throttled', 'throttled', '--c-429'],
    ['408 timeout', 'status408', '--c-408'],
    ['424 model error', 'status424', '--c-424'],
    ['5xx', 'status5xx', '--c-5xx'],
    ['transport error', 'transportErrors', '--c-transport'],
    ['other (3xx, 4xx)', 'otherErrors', '--c-other'],
  ];

  /** Cumulative columns for the shown kinds, and bands so each bar starts where the one below ends. */
  function stackStatus(shown) {
    var n = t.epochS.length;
    var acc = new Array(n);
    for (var i = 0; i < n; i++) acc[i] = 0;
    var cols = [t.epochS];
    var bands = [];
    var below = -1;
    STATUS_KINDS.forEach(function (kind, k) {
      var raw = t[kind[1]];
      if (shown[k]) {
        cols.push(raw.map(function (v, i) { acc[i] += v || 0; return acc[i]; }));
        if (below > 0) bands.push({ series: [k + 1, below] });
        below = k + 1;
      } else {
        cols.push(raw.slice());
      }
    });
    return { data: cols, bands: bands };
  }

  function statusChart() {
    var shown = STATUS_KINDS.map(function () { return true; });
    var stacked = stackStatus(shown);
    var series = STATUS_KINDS.map(function (kind) {
      var raw = t[kind[1]];
      return {
        label: kind[0],
        stroke: css(kind[2]),
        fill: alpha(css(kind[2]), 0.85),
        width: 0,
        paths: bars([0.9, 60], 1),
        points: { show: false },
        // The legend shows each kind's own count, not the stacked height.
        value: function (u, v, si, idx) { return idx == null ? '–' : String(raw[idx]); },
      };
    });
    return {
      opts: timeOpts('requests finished / s', series, {
        bands: stacked.bands,
        hooks: {
          // Restack when a kind is switched off in the legend, so the others close the gap.
          setSeries: [function (u) {
            var now = STATUS_KINDS.map(function (k, i) { return u.series[i + 1].show !== false; });
            var re = stackStatus(now);
            u.delBand(null);
            re.bands.forEach(function (b) { u.addBand(b); });
            u.setData(re.data);
          }],
        },
      }),
      data: stacked.data,
    };
  }

  function inflightChart() {
    var series = [line('in flight (peak)', '--c-inflight', { fill: alpha(css('--c-inflight'), 0.18), paths: uPlot.paths.stepped({ align: 1 }) })];
    var cols = [t.epochS, t.inFlightPeak];
    // The cap is drawn only when the peaks come near it; otherwise it would flatten the curve.
    var peak = 0;
    for (var i = 0; i < t.inFlightPeak.length; i++) if (t.inFlightPeak[i] > peak) peak = t.inFlightPeak[i];
    if (data.maxInFlight > 0 && peak >= data.maxInFlight * 0.5) {
      series.push(line('maxInFlight cap', '--c-cap', { dash: [6, 4], width: 1 }));
      cols.push(t.epochS.map(function () { return data.maxInFlight; }));
    }
    return { opts: timeOpts('requests', series), data: cols };
  }

  function categoryAxis(values, names, label) {
    var step = Math.max(1, Math.ceil(values.length / 24));
    return axis({
      label: label,
      splits: function () { return values.filter(function (v, i) { return i % step === 0; }); },
      values: function (u, splits) { return splits.map(function (v) { return names ? names(v) : String(v); }); },
    });
  }
  function categoryScale(values) {
    return { time: false, range: function () { return [values[0] - 0.5, values[values.length - 1] + 0.5]; } };
  }

  function workersChart() {
    var w = data.workers;
    if (w.worker.length === 0) return null;
    return {
      opts: {
        scales: { x: categoryScale(w.worker), n: { range: fromZero }, ms: { range: fromZero } },
        axes: [
          categoryAxis(w.worker, null, 'worker'),
          axis({ label: 'requests', scale: 'n', size: 64 }),
          axis({ label: 'schedule lag p99 (ms)', scale: 'ms', side: 1, size: 60, grid: { show: false } }),
        ],
        series: [
          { label: 'worker', value: plain },
          { label: 'planned', scale: 'n', stroke: css('--c-planned'), fill: css('--c-planned'), width: 0, paths: bars([0.8, 90], 0), points: { show: false }, value: plain },
          { label: 'sent', scale: 'n', stroke: css('--c-sent'), fill: css('--c-sent'), width: 0, paths: bars([0.45, 50], 0), points: { show: false }, value: plain },
          pointsOnly('schedule lag p99', '--c-lag', 'ms'),
        ],
      },
      data: [w.worker, w.planned, w.sent, w.scheduleLagP99Ms],
    };
  }

  function deploymentsChart() {
    var d = data.deployments;
    if (!d || d.name.length === 0) return null;
    var idx = d.name.map(function (n, i) { return i; });
    function nameOf(i) { var n = d.name[i]; return n == null ? '' : n.length > 24 ? n.slice(0, 23) + '…' : n; }
    return {
      opts: {
        scales: { x: categoryScale(idx), n: { range: fromZero }, ms: { range: fromZero } },
        axes: [
          categoryAxis(idx, nameOf, 'deployment'),
          axis({ label: 'requests', scale: 'n', size: 64 }),
          axis({ label: 'latency (ms)', scale: 'ms', side: 1, size: 60, grid: { show: false } }),
        ],
        series: [
          { label: 'deployment', value: function (u, v) { return v == null ? '–' : nameOf(v); } },
          { label: 'completed', scale: 'n', stroke: css('--c-completed'), fill: alpha(css('--c-completed'), 0.75), width: 0, paths: bars([0.6, 120], 0), points: { show: false }, value: plain },
          { label: 'errors', scale: 'n', stroke: css('--c-errors'), fill: css('--c-errors'), width: 0, paths: bars([0.25, 50], 0), points: { show: false }, value: plain },
          pointsOnly('p95', '--c-p95', 'ms'),
          pointsOnly('p99', '--c-p99', 'ms'),
        ],
      },
      data: [idx, d.completed, d.errors, d.p95Ms, d.p99Ms],
    };
  }

  var CHARTS = [
    { id: 'chart-rate', build: rateChart, height: 300 },
    { id: 'chart-latency', build: latencyChart, height: 300 },
    { id: 'chart-percentiles', build: percentileChart, height: 320 },
    { id: 'chart-status', build: statusChart, height: 300 },
    { id: 'chart-inflight', build: inflightChart, height: 240 },
    { id: 'chart-workers', build: workersChart, height: 260 },
    { id: 'chart-deployments', build: deploymentsChart, height: 260 },
  ];
  var live = [];

  function widthOf(el) { return Math.max(260, Math.floor(el.getBoundingClientRect().width)); }

  function drawAll() {
    live.forEach(function (c) { c.plot.destroy(); });
    live = [];
    CHARTS.forEach(function (def) {
      var el = document.getElementById(def.id);
      if (!el) return;
      el.textContent = '';
      var built = null;
      try {
        built = def.build();
      } catch (err) {
        console.error('chart ' + def.id + ' could not be built', err);
      }
      if (!built || built.data[0].length === 0) {
        var p = document.createElement('p');
        p.className = 'chart-fallback';
        p.textContent = 'No data to draw.';
        el.appendChild(p);
        el.setAttribute('data-points', '0');
        return;
      }
      built.opts.width = widthOf(el);
      built.opts.height = def.height;
      var plot = new uPlot(built.opts, built.data, el);
      live.push({ el: el, plot: plot, width: built.opts.width, height: def.height });
      el.setAttribute('data-points', String(plot.data[0].length));
    });
  }

  if (typeof uPlot === 'undefined') {
    console.error('the chart library did not load');
    return;
  }
  drawAll();

  // Follow the box's width (window resizes, side panels, printing).
  var pending = false;
  function resize() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () {
      pending = false;
      live.forEach(function (c) {
        var w = widthOf(c.el);
        if (w !== c.width) { c.width = w; c.plot.setSize({ width: w, height: c.height }); }
      });
    });
  }
  if (typeof ResizeObserver !== 'undefined') {
    var ro = new ResizeObserver(resize);
    CHARTS.forEach(function (def) { var el = document.getElementById(def.id); if (el) ro.observe(el); });
  } else {
    window.addEventListener('resize', resize);
  }

  // Canvas colours are fixed when drawn: redraw when the scheme flips or the page goes to paper.
  function onMedia(query) {
    var mq = window.matchMedia(query);
    var listener = function () { drawAll(); };
    if (mq.addEventListener) mq.addEventListener('change', listener); else mq.addListener(listener);
  }
  onMedia('(prefers-color-scheme: dark)');
  onMedia('print');
  window.addEventListener('beforeprint', function () {
    Array.prototype.forEach.call(document.querySelectorAll('details'), function (d) { d.setAttribute('open', ''); });
  });
})();
`;
