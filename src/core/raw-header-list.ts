import { equalsLowercase } from './equals-lowercase.js';
import { bytesInclude } from './bytes-include.js';
import type { ResponseHeaders } from './response-headers.js';

/** undici's raw headers — name and value Buffers, alternating — read as ResponseHeaders. */
export class RawHeaderList implements ResponseHeaders {
  constructor(private readonly raw: Buffer[]) {}

  get count(): number {
    return this.raw.length >> 1;
  }

  nameLength(i: number): number {
    return this.raw[2 * i].length;
  }

  nameIs(i: number, word: Uint8Array): boolean {
    const name = this.raw[2 * i];
    return name.length === word.length && equalsLowercase(name, 0, word);
  }

  name(i: number): string {
    return this.raw[2 * i].toString('latin1');
  }

  value(i: number): string {
    return this.raw[2 * i + 1].toString('latin1');
  }

  valueLength(i: number): number {
    return this.raw[2 * i + 1].length;
  }

  valueIncludes(i: number, bytes: Uint8Array): boolean {
    const value = this.raw[2 * i + 1];
    return bytesInclude(value, 0, value.length, bytes);
  }
}
