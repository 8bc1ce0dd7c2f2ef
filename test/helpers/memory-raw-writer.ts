import type { RawSampleWriter } from '../../src/core/ports/raw-sample-writer.js';
import { RAW_SAMPLE_HEADER, parseRawSamples, type RawSample } from '../../src/core/raw-sample-csv.js';

/** Keeps a slice's raw CSV in memory, for tests that check every row. */
export class MemoryRawWriter implements RawSampleWriter {
  text = RAW_SAMPLE_HEADER;
  closed = false;
  append(rows: string | Uint8Array): void {
    this.text += typeof rows === 'string' ? rows : Buffer.from(rows).toString('utf8');
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {
    this.closed = true;
  }
  samples(): RawSample[] {
    return parseRawSamples(this.text);
  }
}
