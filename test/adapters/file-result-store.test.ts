import { mkdtempSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { FileResultStore } from '../../src/adapters/file-result-store.js';
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
