import { Int32Histogram, PackedHistogram } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { Aggregate, AggregateDecodeError, type WindowHistogramKind } from '../../src/core/aggregate.js';
import { createHistogram, percentilesMs } from '../../src/core/histogram.js';
import type { Exchange } from '../../src/core/http-client.js';
import { SliceRecorder } from '../../src/core/slice-recorder.js';

/** A seeded generator so the samples are the same on every run. */
function lcg(seed: number) {
  let state = seed >>> 0;
  return () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function exchange(fields: Partial<Exchange>): Exchange {
  return { status: 200, errorCode: '', bytesIn: 10, bytesOut: 5, deployment: '', seq: 0, tag: 0, ...fields } as Exchange;
}

/** Records `count` requests with long-tailed latencies into a recorder of worker `worker`. */
function recordSome(worker: number, count: number, random: () => number, all: number[], windowHistograms: WindowHistogramKind = 'packed'): Aggregate {
  const recorder = new SliceRecorder(1_700_000_000_000_000, worker, null, Infinity, windowHistograms);
  for (let i = 0; i < count; i++) {
    const intendedUs = i * 1000 + worker * 7;
    const sentUs = intendedUs + Math.floor(random() * 200);
    const latencyUs = Math.floor(200 + (random() < 0.02 ? random() * 2_000_000 : random() * 50_000));
    recorder.planned(intendedUs);
    recorder.sent(intendedUs, sentUs);
    const status = random() < 0.05 ? 429 : 200;
    recorder.done(exchange({ intendedUs, sentUs, endUs: intendedUs + latencyUs, status, deployment: random() < 0.5 ? 'blue' : 'green' }));
    all.push(latencyUs);
  }
  return recorder.aggregate;
}

describe('merging slice aggregates', () => {
  it('is exact: the merged histogram equals one built from every sample', () => {
    const random = lcg(42);
    const all: number[] = [];
    const slices = [0, 1, 2, 3].map((w) => recordSome(w, 2500 + w * 100, random, all));
    // Through JSON, as slices travel between instances.
    const merged = new Aggregate();
    for (const slice of slices) merged.merge(Aggregate.fromJSON(JSON.parse(JSON.stringify(slice.toJSON()))));

    const reference = createHistogram();
    for (const v of all) reference.recordValue(v);
    expect(merged.responseTime.totalCount).toBe(all.length);
    for (const p of [50, 90, 95, 99, 99.9, 99.99, 100]) {
      expect(merged.responseTime.getValueAtPercentile(p), `p${p}`).toBe(reference.getValueAtPercentile(p));
    }
    expect(percentilesMs(merged.responseTime)).toEqual(percentilesMs(reference));
    expect(merged.counts.sent).toBe(all.length);
    expect(merged.counts.ok + merged.counts.errors).toBe(all.length);
    expect(merged.counts.throttled).toBe(merged.statusCodes['429']);
    const windowTotal = [...merged.windows.values()].reduce((sum, w) => sum + w.responseTime.totalCount, 0);
    expect(windowTotal).toBe(all.length);
    const blue = merged.byDeployment.get('blue')!;
    const green = merged.byDeployment.get('green')!;
    expect(blue.completed + green.completed).toBe(all.length);
  });

  it('dense windows (a fast slice\'s) hold exactly what packed ones hold, and merge with them', () => {
    const dense = recordSome(0, 3000, lcg(7), [], 'dense');
    const packed = recordSome(0, 3000, lcg(7), [], 'packed');
    const denseWindows = [...dense.windows.values()];
    expect(denseWindows.length).toBeGreaterThan(2);
    for (const w of denseWindows) expect(w.responseTime).toBeInstanceOf(Int32Histogram);
    for (const w of packed.windows.values()) expect(w.responseTime).toBeInstanceOf(PackedHistogram);
    expect([...packed.windows.keys()]).toEqual([...dense.windows.keys()]);
    for (const w of denseWindows) {
      const other = packed.windows.get(w.start)!.responseTime;
      expect(w.responseTime.totalCount).toBe(other.totalCount);
      for (const q of [50, 95, 99, 100]) expect(w.responseTime.getValueAtPercentile(q), `second ${w.start} p${q}`).toBe(other.getValueAtPercentile(q));
    }
    // Per-deployment histograms are recorded on every response too: dense either way.
    expect(packed.byDeployment.get('blue')!.responseTime).toBeInstanceOf(Int32Histogram);
    // Through JSON, a dense slice and a packed one merge as two packed ones do.
    const viaJson = (a: Aggregate) => Aggregate.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    const mixed = new Aggregate().merge(viaJson(dense)).merge(viaJson(packed));
    const twice = new Aggregate().merge(viaJson(packed)).merge(viaJson(packed));
    expect(mixed.toJSON()).toEqual(twice.toJSON());
  });

  it('counts failures by stable code and keeps 429 apart from other errors', () => {
    const recorder = new SliceRecorder(0, 0, null);
    const cases: Partial<Exchange>[] = [
      { status: 200 },
      { status: 429 },
      { status: 408 },
      { status: 424 },
      { status: 0, errorCode: 'timeout' },
      { status: 200, errorCode: 'body_too_large' },
    ];
    cases.forEach((c, i) => {
      recorder.planned(i);
      recorder.sent(i, i);
      recorder.done(exchange({ intendedUs: i, sentUs: i, endUs: i + 100, ...c }));
    });
    const a = recorder.aggregate;
    expect(a.counts).toMatchObject({ sent: 6, completed: 5, ok: 1, errors: 5, throttled: 1 });
    expect(a.statusCodes).toEqual({ '200': 2, '429': 1, '408': 1, '424': 1 });
    expect(a.errorsByCode).toEqual({ timeout: 1, body_too_large: 1 });
    expect(recorder.inFlight).toBe(0);
  });

  it('refuses a corrupted aggregate with a clear error instead of crashing later', () => {
    const good = recordSome(0, 10, lcg(1), []).toJSON();
    expect(() => Aggregate.fromJSON({ ...good, responseTime: 'not-a-histogram' })).toThrow(AggregateDecodeError);
    expect(() => Aggregate.fromJSON({ ...good, counts: { ...good.counts, sent: -1 } })).toThrow(/counts\.sent/);
    expect(() => Aggregate.fromJSON(null)).toThrow(AggregateDecodeError);
  });
});

describe('raw rows', () => {
  it('go to the raw writer a full 64 KiB buffer at a time, every row once, in order', () => {
    const appended: Uint8Array[] = [];
    const writer = { append: (rows: string | Uint8Array) => void appended.push(rows as Uint8Array), flush: async () => {}, close: async () => {} };
    const recorder = new SliceRecorder(1_700_000_000_000_000, 0, writer);
    const count = 5_000;
    for (let i = 0; i < count; i++) {
      recorder.sent(i * 10, i * 10 + 1);
      recorder.done(exchange({ intendedUs: i * 10, sentUs: i * 10 + 1, endUs: i * 10 + 300 + i }));
    }
    recorder.flushRows();
    const sizes = appended.map((rows) => rows.length);
    // Every buffer but the last was handed over full (within one row's worst case of its 64 KiB).
    for (const size of sizes.slice(0, -1)) expect(size).toBeGreaterThan(64 * 1024 - 200);
    const lines = Buffer.concat(appended).toString('latin1').trimEnd().split('\n');
    expect(lines).toHaveLength(count);
    expect(lines.map((line) => Number(line.split(',')[2]))).toEqual(Array.from({ length: count }, (_, i) => 300 + i));
  });
});

describe('the progress line\'s p99 of the last whole second', () => {
  it.each(['packed', 'dense'] as const)('is the p99 of the responses that ended in the second before, and 0 for a second without any (%s windows)', (windowHistograms) => {
    const recorder = new SliceRecorder(0, 0, null, Infinity, windowHistograms); // monotonic µs = unix µs: second n is [n·1e6, (n+1)·1e6)
    const end = (second: number, latencyUs: number) => {
      const endUs = second * 1e6 + 500_000;
      recorder.done(exchange({ intendedUs: endUs - latencyUs, sentUs: endUs - latencyUs, endUs }));
    };
    for (let ms = 1; ms <= 100; ms++) end(5, ms * 1000); // second 5: 1…100 ms, p99 = 99 ms
    expect(recorder.previousSecondP99Us(6) / 1000).toBeCloseTo(99, 0);
    expect(recorder.previousSecondP99Us(7)).toBe(0); // nothing ended in second 6
    for (let i = 0; i < 50; i++) end(6, 2000); // second 6: all 2 ms
    expect(recorder.previousSecondP99Us(7) / 1000).toBeCloseTo(2, 1);
    expect(recorder.previousSecondP99Us(6) / 1000).toBeCloseTo(99, 0); // second 5's figure is kept
    end(7, 40_000);
    expect(recorder.previousSecondP99Us(7) / 1000).toBeCloseTo(2, 1); // second 6, now closed
    // The window itself still has every sample at full precision.
    expect(recorder.aggregate.windows.get(5)!.responseTime.totalCount).toBe(100);
  });
});
