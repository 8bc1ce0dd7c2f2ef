import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unixUsText } from '../../src/core/slice-recorder.js';

describe('unixUsText (raw rows print µs since the epoch this way)', () => {
  it('prints every safe non-negative integer exactly as String() does', () => {
    fc.assert(fc.property(fc.maxSafeNat(), (us) => unixUsText(us) === String(us)), { numRuns: 20_000 });
  });

  it('pads the µs after whole seconds and keeps values under a second unpadded', () => {
    expect([0, 7, 999_999, 1_000_000, 1_000_007, 1_764_316_800_000_042, 1_764_316_800_123_456].map(unixUsText)).toEqual([
      '0',
      '7',
      '999999',
      '1000000',
      '1000007',
      '1764316800000042',
      '1764316800123456',
    ]);
  });
});
