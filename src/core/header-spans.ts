import { equalsLowercase } from './equals-lowercase.js';
import { bytesInclude } from './bytes-include.js';
import type { ResponseHeaders } from './response-headers.js';

const NO_BYTES = Buffer.alloc(0);

/**
 * The lean parser's ResponseHeaders: where each name and value lies in the buffer that holds the head
 * (four offsets per field, in one reused array), so reading a head makes no object per header.
 */
export class HeaderSpans implements ResponseHeaders {
  count = 0;
  private bytes: Buffer = NO_BYTES;
  // nameStart, nameEnd, valueStart, valueEnd of each field.
  private spans = new Int32Array(4 * 32);

  /** Starts a head held in `bytes`. */
  reset(bytes: Buffer): void {
    this.bytes = bytes;
    this.count = 0;
  }

  /** Lets go of the head's buffer (a read buffer) once it has been handed on. */
  release(): void {
    this.bytes = NO_BYTES;
    this.count = 0;
  }

  add(nameStart: number, nameEnd: number, valueStart: number, valueEnd: number): void {
    let at = 4 * this.count;
    if (at === this.spans.length) {
      const grown = new Int32Array(this.spans.length * 2);
      grown.set(this.spans);
      this.spans = grown;
    }
    const spans = this.spans;
    spans[at++] = nameStart;
    spans[at++] = nameEnd;
    spans[at++] = valueStart;
    spans[at] = valueEnd;
    this.count++;
  }

  nameLength(i: number): number {
    return this.spans[4 * i + 1] - this.spans[4 * i];
  }

  nameIs(i: number, word: Uint8Array): boolean {
    return this.nameLength(i) === word.length && equalsLowercase(this.bytes, this.spans[4 * i], word);
  }

  name(i: number): string {
    return this.bytes.toString('latin1', this.spans[4 * i], this.spans[4 * i + 1]);
  }

  value(i: number): string {
    return this.bytes.toString('latin1', this.spans[4 * i + 2], this.spans[4 * i + 3]);
  }

  valueLength(i: number): number {
    return this.spans[4 * i + 3] - this.spans[4 * i + 2];
  }

  valueIncludes(i: number, bytes: Uint8Array): boolean {
    return bytesInclude(this.bytes, this.spans[4 * i + 2], this.spans[4 * i + 3], bytes);
  }

  /** undici's raw form (name and value copies, alternating), for a handler that only takes that. */
  toRawHeaders(): Buffer[] {
    const raw: Buffer[] = [];
    for (let i = 0; i < this.count; i++) {
      // Copies: the caller may keep them past the read buffer's next read.
      raw.push(Buffer.from(this.bytes.subarray(this.spans[4 * i], this.spans[4 * i + 1])), Buffer.from(this.bytes.subarray(this.spans[4 * i + 2], this.spans[4 * i + 3])));
    }
    return raw;
  }
}
