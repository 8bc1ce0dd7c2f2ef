import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { FileResultStore } from '../../src/adapters/file-result-store.js';
import { RAW_SAMPLE_HEADER } from '../../src/core/raw-sample-csv.js';
import { runResultStoreContract } from '../contract/result-store.contract.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'mlload-file-store-'));
let n = 0;
runResultStoreContract('FileResultStore', async () => new FileResultStore(path.join(root, String(n++))));

it('lays runs out as results/<runId>/ with the files DESIGN §5 names', async () => {
  const store = new FileResultStore(path.join(root, 'layout'));
  const runId = '20260101T000000Z-abcdefghijklmnopqrst';
  await store.createRun({ runId, name: 'x', status: 'scheduled', createdAt: '', originAt: new Date().toISOString(), deadlineAt: '', sliceIds: [], workers: 1, windows: 1, targetHost: 'h', model: 'constant', targetRps: 1, tags: {} }, { target: { url: 'http://h/' }, load: { model: 'burst', requests: 1 } });
  const w = store.openRawWriter(runId, 'w000-k000');
  await w.close();
  expect((await readdir(path.join(root, 'layout', runId))).sort()).toEqual(['plan.json', 'raw', 'run.json']);
  expect(JSON.parse(await readFile(path.join(root, 'layout', runId, 'plan.json'), 'utf8'))).toMatchObject({ load: { model: 'burst' } });
});

it('refuses ids that would escape its folder', async () => {
  const store = new FileResultStore(path.join(root, 'escape'));
  await expect(store.getRun('../../etc')).rejects.toThrow(/not a valid id/);
  expect(() => store.openRawWriter('20260101T000000Z-abcdefghijklmnopqrst', '../x')).toThrow(/not a valid id/);
});

it('raw rows the disk refuses (ENOSPC): flush and close fail with the error, every row is counted as dropped, and appending does not throw', async () => {
  const store = new FileResultStore(path.join(root, 'full'));
  const runId = '20260101T000000Z-abcdefghijklmnopqrst';
  mkdirSync(path.join(root, 'full', runId, 'raw'), { recursive: true });
  // /dev/full takes the open and refuses every write with ENOSPC, as a full disk does.
  symlinkSync('/dev/full', path.join(root, 'full', runId, 'raw', 'w000-k000.csv'));
  const w = store.openRawWriter(runId, 'w000-k000');
  w.append('a,1\nb,2\n');
  w.append(Buffer.from('c,3\n'));
  await expect(w.flush()).rejects.toThrow(/ENOSPC/);
  w.append('d,4\n');
  await expect(w.close()).rejects.toThrow(/ENOSPC/);
  expect(w.droppedRows).toBe(4);
});

it('writes rows appended while an earlier batch is being written, in order, and flush waits for them', async () => {
  const store = new FileResultStore(path.join(root, 'order'));
  const runId = '20260101T000000Z-abcdefghijklmnopqrst';
  const w = store.openRawWriter(runId, 'w000-k000');
  const expected: string[] = [];
  for (let batch = 0; batch < 20; batch++) {
    for (let i = 0; i < 50; i++) {
      const row = `${batch},${i}\n`;
      expected.push(row);
      w.append(i % 2 === 0 ? row : Buffer.from(row));
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  await w.flush();
  const text = await readFile(path.join(root, 'order', runId, 'raw', 'w000-k000.csv'), 'utf8');
  expect(text).toBe(RAW_SAMPLE_HEADER + expected.join(''));
  await w.close();
});
