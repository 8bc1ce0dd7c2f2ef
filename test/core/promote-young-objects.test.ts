import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { expect, it } from 'vitest';
import { promoteYoungObjects } from '../../src/core/promote-young-objects.js';

type GcEntry = PerformanceEntry & { detail: { kind: number; flags: number } };

function youngUsedBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')!.space_used_size;
}

it('runs two forced minor GCs, says how long they took, and leaves no global gc behind', async () => {
  const forcedMinor: GcEntry[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as GcEntry[]) {
      if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MINOR && entry.detail.flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) forcedMinor.push(entry);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const tookMs = promoteYoungObjects();
  await new Promise((resolve) => setTimeout(resolve, 50)); // gc entries are delivered later
  observer.disconnect();
  expect(tookMs).toBeGreaterThanOrEqual(0);
  expect(forcedMinor).toHaveLength(2);
  expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
});

it('empties the young generation of what is still alive', () => {
  promoteYoungObjects(); // from an empty young generation, so no scavenge comes while the objects below are made
  const emptyBytes = youngUsedBytes();
  // ~400 KB of live young objects: less than the smallest semi-space (1 MB), so they stay young until promoted.
  const kept = Array.from({ length: 5_000 }, (_, i) => ({ i, name: `object ${i}` }));
  expect(youngUsedBytes() - emptyBytes).toBeGreaterThan(200_000);
  promoteYoungObjects();
  expect(youngUsedBytes() - emptyBytes).toBeLessThan(50_000);
  expect(kept[4_999]!.name).toBe('object 4999');
});
