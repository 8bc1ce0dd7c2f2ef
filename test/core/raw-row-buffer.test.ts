import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RawRowBuffer } from '../../src/core/raw-row-buffer.js';

/** Writes one row of the given fields and returns its text. */
function row(write: (rows: RawRowBuffer) => void): string {
  const rows = new RawRowBuffer(1024);
  write(rows);
  rows.endRow();
  return rows.take()!.toString('utf8');
}

describe('RawRowBuffer (raw rows are written as bytes)', () => {
  it('prints every non-negative integer as String() does', () => {
    fc.assert(fc.property(fc.maxSafeNat(), (n) => row((r) => r.uint(n)) === `${n}\n`), { numRuns: 20_000 });
    expect([0, 9, 10, 99, 100, 101, 2_147_483_648].map((n) => row((r) => r.uint(n)))).toEqual(['0\n', '9\n', '10\n', '99\n', '100\n', '101\n', '2147483648\n']);
  });

  it('prints µs since the epoch as seconds and zero-padded µs, the same digits as String()', () => {
    fc.assert(fc.property(fc.maxSafeNat(), (us) => row((r) => r.unixUs(us)) === `${us}\n`), { numRuns: 20_000 });
    expect([0, 7, 999_999, 1_000_000, 1_000_007, 1_764_316_800_000_042].map((us) => row((r) => r.unixUs(us)))).toEqual([
      '0\n',
      '7\n',
      '999999\n',
      '1000000\n',
      '1000007\n',
      '1764316800000042\n',
    ]);
  });

  it('prints times that share or alternate their seconds right, row after row in one buffer', () => {
    // One buffer keeps the last seconds' digits: times 1–3 s apart, in any order, must each print their own.
    const base = 1_764_316_800_000_000;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3_000_000 }), { minLength: 1, maxLength: 200 }), (offsets) => {
        const rows = new RawRowBuffer(64 * 1024);
        for (const offset of offsets) {
          rows.unixUs(base + offset);
          rows.comma();
          rows.unixUs(offset);
          rows.endRow();
        }
        return rows.take()!.toString('latin1') === offsets.map((offset) => `${base + offset},${offset}\n`).join('');
      }),
      { numRuns: 2_000 },
    );
  });

  it('writes text as UTF-8, ASCII or not, with separators in place', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ maxLength: 20 }), (a, b) => {
        return row((r) => {
          r.text(a);
          r.comma();
          r.text(b);
        }) === `${a},${b}\n`;
      }),
      { numRuns: 5_000 },
    );
  });

  it('hands over the rows written so far once and starts afresh', () => {
    const rows = new RawRowBuffer(1024);
    expect(rows.take()).toBeUndefined();
    rows.uint(1);
    rows.endRow();
    rows.uint(2);
    rows.endRow();
    const first = rows.take()!;
    expect(first.toString()).toBe('1\n2\n');
    rows.uint(3);
    rows.endRow();
    expect(rows.take()!.toString()).toBe('3\n');
    // What was handed over is not overwritten by later rows.
    expect(first.toString()).toBe('1\n2\n');
  });

  it('says when a row might not fit, before it would overflow', () => {
    const rows = new RawRowBuffer(600);
    const deployment = 'blue-ü'.repeat(5);
    let written = 0;
    while (rows.hasRoomFor(deployment.length)) {
      rows.unixUs(Number.MAX_SAFE_INTEGER);
      rows.comma();
      rows.uint(Number.MAX_SAFE_INTEGER);
      rows.comma();
      rows.text(deployment);
      rows.endRow();
      written++;
    }
    expect(written).toBeGreaterThan(0);
    const text = rows.take()!.toString('utf8');
    expect(text.split('\n').filter((line) => line !== '')).toEqual(Array(written).fill(`${Number.MAX_SAFE_INTEGER},${Number.MAX_SAFE_INTEGER},${deployment}`));
  });
});
