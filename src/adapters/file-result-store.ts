import { mkdir, open, readdir, readFile, rename, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { PlanInput } from '../core/plan.js';
import type { RawSampleWriter } from '../core/ports/raw-sample-writer.js';
import type { ResultStore } from '../core/ports/result-store.js';
import type { ListRunsOptions, RunPage } from '../core/ports/run-store.js';
import { RAW_SAMPLE_HEADER } from '../core/raw-sample-csv.js';
import type { RunRecord } from '../core/run-record.js';
import { isRunId, stageName } from '../core/run-id.js';
import type { RunSummary } from '../core/run-summary.js';
import type { SliceOutcome } from '../core/execute-slice.js';
import { sliceOutcomeFromJson, sliceOutcomeToJson } from '../core/slice-outcome-json.js';
import { timeseriesCsv, type TimeseriesRow } from '../core/timeseries.js';

/**
 * The local default store: files under `<root>/<runId>/` —
 * run.json, plan.json, slices/<sliceId>.json, raw/<sliceId>.csv, summary.json, timeseries.csv, report.html.
 * Whole files are replaced by rename, so a reader never sees half a file.
 */
export class FileResultStore implements ResultStore {
  constructor(readonly root: string) {}

  async createRun(record: RunRecord, redactedPlan: PlanInput): Promise<void> {
    await mkdir(this.root, { recursive: true });
    try {
      await mkdir(this.dir(record.runId));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`run ${record.runId} already exists`);
      throw error;
    }
    await this.writeJson(record.runId, 'plan.json', redactedPlan);
    await this.writeJson(record.runId, 'run.json', record);
  }

  async updateRun(record: RunRecord): Promise<void> {
    await this.writeJson(record.runId, 'run.json', record);
  }

  getRun(runId: string): Promise<RunRecord | undefined> {
    return this.readJson<RunRecord>(runId, 'run.json');
  }

  async listRuns(options: ListRunsOptions = {}): Promise<RunPage> {
    const limit = options.limit ?? 50;
    let ids: string[];
    try {
      ids = (await readdir(this.root)).filter(isRunId).sort().reverse();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { runs: [] };
      throw error;
    }
    if (options.continuationToken) ids = ids.filter((id) => id < options.continuationToken!);
    const runs: RunRecord[] = [];
    let last: string | undefined;
    for (const id of ids) {
      if (runs.length === limit) return { runs, continuationToken: last };
      const record = await this.getRun(id);
      last = id;
      if (record && (!options.name || record.name === options.name)) runs.push(record);
    }
    return { runs };
  }

  getPlan(runId: string): Promise<PlanInput | undefined> {
    return this.readJson<PlanInput>(runId, 'plan.json');
  }

  async claim(runId: string, stage: string, claimant: string): Promise<boolean> {
    try {
      const handle = await open(this.file(runId, `${stageName(stage)}.lock`), 'wx');
      await handle.writeFile(claimant);
      await handle.close();
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  }

  async saveResults(runId: string, summary: RunSummary, timeseries: readonly TimeseriesRow[]): Promise<void> {
    await this.writeText(runId, 'timeseries.csv', timeseriesCsv(timeseries));
    await this.writeJson(runId, 'summary.json', summary);
  }

  getSummary(runId: string): Promise<RunSummary | undefined> {
    return this.readJson<RunSummary>(runId, 'summary.json');
  }

  async getTimeseries(runId: string): Promise<TimeseriesRow[] | undefined> {
    const csv = await this.readText(runId, 'timeseries.csv');
    if (csv === undefined) return undefined;
    return parseTimeseriesCsv(csv);
  }

  saveReport(runId: string, html: string): Promise<void> {
    return this.writeText(runId, 'report.html', html);
  }

  getReport(runId: string): Promise<string | undefined> {
    return this.readText(runId, 'report.html');
  }

  async saveSlice(outcome: SliceOutcome): Promise<void> {
    await mkdir(path.join(this.dir(outcome.runId), 'slices'), { recursive: true });
    await this.writeJson(outcome.runId, `slices/${outcome.sliceId}.json`, sliceOutcomeToJson(outcome));
  }

  async listSlices(runId: string): Promise<SliceOutcome[]> {
    const names = await readdirOrEmpty(path.join(this.dir(runId), 'slices'));
    const outcomes: SliceOutcome[] = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      const json = await this.readJson<unknown>(runId, `slices/${name}`);
      if (json !== undefined) outcomes.push(sliceOutcomeFromJson(json));
    }
    return outcomes;
  }

  openRawWriter(runId: string, sliceId: string): RawSampleWriter {
    return new FileRawSampleWriter(path.join(this.dir(runId), 'raw', `${safeName(sliceId)}.csv`));
  }

  async listRawSlices(runId: string): Promise<string[]> {
    const names = await readdirOrEmpty(path.join(this.dir(runId), 'raw'));
    return names.filter((n) => n.endsWith('.csv')).map((n) => n.slice(0, -4)).sort();
  }

  readRawSamples(runId: string, sliceId: string): Promise<string | undefined> {
    return this.readText(runId, `raw/${safeName(sliceId)}.csv`);
  }

  /** The folder of a run. */
  dir(runId: string): string {
    return path.join(this.root, safeName(runId));
  }

  private file(runId: string, name: string): string {
    return path.join(this.dir(runId), name);
  }

  private writeJson(runId: string, name: string, value: unknown): Promise<void> {
    return this.writeText(runId, name, JSON.stringify(value, null, 2) + '\n');
  }

  private async writeText(runId: string, name: string, text: string): Promise<void> {
    const target = this.file(runId, name);
    const temporary = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(temporary, text);
    await rename(temporary, target);
  }

  private async readJson<T>(runId: string, name: string): Promise<T | undefined> {
    const text = await this.readText(runId, name);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  private async readText(runId: string, name: string): Promise<string | undefined> {
    try {
      return await readFile(this.file(runId, name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}

/**
 * Appends a slice's raw rows to its CSV with one `writev` per batch of appends, from its own queue,
 * without waiting (append returns at once; flush and close wait). Not a WriteStream on purpose: the
 * load's sockets are Node Writables too, and a file stream's first write at the start of a run made V8
 * throw away the optimized socket write path (docs/benchmarks.md, issue 8, seventh pass). A failed
 * write (a full disk) drops what is queued and fails flush and close with its error.
 */
class FileRawSampleWriter implements RawSampleWriter {
  private readonly handle: Promise<FileHandle>;
  private readonly header = Buffer.from(RAW_SAMPLE_HEADER);
  private queued: Uint8Array[] = [this.header];
  private writing: Promise<void> | null = null;
  private failure: Error | null = null;
  /** Rows that will never reach the file (appended after a failed write, or in the failed batch). */
  droppedRows = 0;

  constructor(file: string) {
    this.handle = mkdir(path.dirname(file), { recursive: true }).then(() => open(file, 'w'));
    this.writing = this.drain();
  }

  append(rows: string | Uint8Array): void {
    if (rows.length === 0) return;
    if (this.failure !== null) {
      this.droppedRows += rowsIn(rows);
      return;
    }
    this.queued.push(typeof rows === 'string' ? Buffer.from(rows) : rows);
    if (this.writing === null) this.writing = this.drain();
  }

  async flush(): Promise<void> {
    while (this.writing !== null) await this.writing;
    if (this.failure !== null) throw this.failure;
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.handle.then((handle) => handle.close()).catch(() => {});
    }
  }

  private async drain(): Promise<void> {
    let failedBatch: Uint8Array[] = [];
    try {
      const handle = await this.handle;
      while (this.queued.length > 0) {
        const batch = this.queued;
        this.queued = [];
        failedBatch = batch;
        let bytes = 0;
        for (const chunk of batch) bytes += chunk.length;
        // libuv writes every buffer unless the disk refuses part of them, which it reports as a short count.
        const { bytesWritten } = await handle.writev(batch);
        if (bytesWritten < bytes) throw new Error(`raw samples: wrote ${bytesWritten} of ${bytes} bytes (disk full?)`);
        failedBatch = [];
      }
    } catch (error) {
      this.failure ??= error as Error;
      // The failed batch is counted whole (how much of it reached the disk is unknown), the header excepted.
      for (const chunk of [...failedBatch, ...this.queued]) this.droppedRows += chunk === this.header ? 0 : rowsIn(chunk);
      this.queued = [];
    } finally {
      this.writing = null;
    }
  }
}

/** Whole rows in appended CSV text or bytes (each ends with a newline). */
function rowsIn(rows: string | Uint8Array): number {
  let count = 0;
  if (typeof rows === 'string') for (let i = rows.indexOf('\n'); i >= 0; i = rows.indexOf('\n', i + 1)) count++;
  else for (let i = rows.indexOf(10); i >= 0; i = rows.indexOf(10, i + 1)) count++;
  return count;
}

export function parseTimeseriesCsv(csv: string): TimeseriesRow[] {
  const [header, ...lines] = csv.trimEnd().split('\n');
  const columns = header.split(',') as (keyof TimeseriesRow)[];
  return lines
    .filter((line) => line !== '')
    .map((line) => {
      const values = line.split(',');
      const row = {} as Record<string, string | number>;
      columns.forEach((column, i) => (row[column] = column === 'windowStart' ? values[i] : Number(values[i])));
      return row as unknown as TimeseriesRow;
    });
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Ids become file names: anything but safe characters is refused rather than trusted. */
function safeName(id: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(id) || id.startsWith('.')) throw new Error(`not a valid id: ${JSON.stringify(id.slice(0, 80))}`);
  return id;
}
