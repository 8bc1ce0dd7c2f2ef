/**
 * `npm run bench` ends here: one table of every issue-8 figure with its bound and ratio, read from the
 * JSON each bench wrote to bench/out/ (in this run or an earlier one: the date column says when).
 *
 *   node dist/bench/summary.js
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fmt, OUT_DIR, table, type BenchHeadline as Headline } from './lib/common.js';

/** The benches behind the issue's targets, in the issue's order. */
const BENCHES: { target: string; file: string; script: string }[] = [
  { target: '1', file: 'max-faithful-rate', script: 'bench:rate' },
  { target: '2', file: 'accuracy', script: 'bench:accuracy' },
  { target: '3', file: 'raw-cost', script: 'bench:raw' },
  { target: '4', file: 'rss', script: 'bench:rss' },
  { target: '5', file: 'scaling', script: 'bench:scaling' },
];

function readHeadlines(file: string): { date?: string; headlines: Headline[] } | undefined {
  const full = path.join(OUT_DIR, `${file}.json`);
  if (!existsSync(full)) return undefined;
  try {
    const json = JSON.parse(readFileSync(full, 'utf8')) as { machine?: { date?: string }; headline?: Headline | Headline[] };
    const h = json.headline;
    return { date: json.machine?.date, headlines: h === undefined ? [] : Array.isArray(h) ? h : [h] };
  } catch {
    return undefined;
  }
}

const rows: string[][] = [];
let misses = 0;
for (const bench of BENCHES) {
  const found = readHeadlines(bench.file);
  if (found === undefined || found.headlines.length === 0) {
    rows.push([bench.target, `no figures yet: run npm run ${bench.script}`, '', '', '', '', '']);
    continue;
  }
  for (const h of found.headlines) {
    if (!h.pass && !h.stretch && !h.context) misses++;
    rows.push([
      bench.target,
      h.label,
      `${fmt(h.figure, h.figure >= 100 ? 0 : 3)} ${h.unit}`,
      fmt(h.bound, 3),
      fmt(h.ratio, 3),
      h.context ? 'context' : h.pass ? 'PASS' : h.stretch ? 'miss (stretch)' : 'MISS',
      found.date?.slice(0, 16).replace('T', ' ') ?? '',
    ]);
  }
}
process.stdout.write('\nIssue 8 figures (bench/out/*.json)\n');
process.stdout.write(table(['target', 'figure', 'value', 'bound', 'ratio', 'verdict', 'measured (UTC)'], rows, ['l', 'l', 'r', 'r', 'r', 'l', 'l']) + '\n');
process.stdout.write(`${misses === 0 ? 'every target met' : `${misses} target figure(s) missed`}; details in each bench's output and in docs/benchmarks.md\n`);
