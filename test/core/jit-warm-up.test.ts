import { describe, expect, it } from 'vitest';
import { warmUpJit } from '../../src/core/jit-warm-up.js';
import { systemClock } from '../../src/core/monotonic-clock.js';

describe('warmUpJit', () => {
  it('runs the send path against its own sink thread, every request answered, and ends before the start', async () => {
    const untilUs = systemClock.nowUs() + 500_000;
    const counts = await warmUpJit(systemClock, untilUs, 2000);
    // 2,000 rps for at least ~0.3 s of the 0.5 s lead (the sink thread takes a moment to start).
    expect(counts.sent).toBeGreaterThan(300);
    expect(counts.ok).toBe(counts.sent);
    expect(systemClock.nowUs()).toBeLessThan(untilUs);
  });

  it('does nothing when the start is too close to warm up', async () => {
    const counts = await warmUpJit(systemClock, systemClock.nowUs() + 50_000, 2000);
    expect(counts).toEqual({ sent: 0, ok: 0 });
  });
});
