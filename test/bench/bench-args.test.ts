import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(import.meta.dirname, '../..');

describe('bench arguments', () => {
  it('a bad value ends the bench with one line naming the option, before any load — no stack trace', () => {
    // Run from source (tsx), like any test: the bench reads its arguments when it loads.
    const tsx = path.join(REPO, 'node_modules/.bin/tsx');
    const r = spawnSync(tsx, [path.join(REPO, 'bench/max-faithful-rate.ts'), '--budget-s', 'soon'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('bench: --budget-s needs a positive number, not "soon"');
    expect(r.stdout).toBe('');
  });
});

