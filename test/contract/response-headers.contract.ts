import { describe, expect, it } from 'vitest';
import type { ResponseHeaders } from '../../src/core/response-headers.js';

/** Builds the ResponseHeaders under test holding these fields (name, value as latin1 bytes), in order. */
export type MakeResponseHeaders = (fields: [name: string, value: string][]) => ResponseHeaders;

const bytes = (text: string) => Buffer.from(text, 'latin1');

/** What the HTTP client reads of a response's head, whichever connection parsed it. */
export function responseHeadersContract(name: string, make: MakeResponseHeaders): void {
  describe(`ResponseHeaders contract: ${name}`, () => {
    const fields: [string, string][] = [
      ['Content-Type', 'text/event-stream; charset=utf-8'],
      ['azureml-model-deployment', 'blue'],
      ['Retry-After', '7'],
      ['X-Latin1', 'caf\u00e9'],
      ['x-empty', ''],
    ];

    it('has every field, in order, with names as received and values whole', () => {
      const headers = make(fields);
      expect(headers.count).toBe(fields.length);
      for (let i = 0; i < fields.length; i++) {
        expect(headers.name(i)).toBe(fields[i][0]);
        expect(headers.value(i)).toBe(fields[i][1]);
        expect(headers.nameLength(i)).toBe(fields[i][0].length);
        expect(headers.valueLength(i)).toBe(bytes(fields[i][1]).length);
      }
    });

    it('nameIs: the lowercase word in any case, never another name of the same or another length', () => {
      const headers = make(fields);
      expect(headers.nameIs(0, bytes('content-type'))).toBe(true);
      expect(headers.nameIs(2, bytes('retry-after'))).toBe(true);
      expect(headers.nameIs(2, bytes('retry-after-ms'))).toBe(false);
      expect(headers.nameIs(0, bytes('content-typx'))).toBe(false);
      expect(headers.nameIs(1, bytes('azureml-model-deployment'))).toBe(true);
      expect(headers.nameIs(1, bytes('content-type'))).toBe(false);
    });

    it('valueIncludes: within the value only, case-sensitive', () => {
      const headers = make(fields);
      expect(headers.valueIncludes(0, bytes('text/event-stream'))).toBe(true);
      expect(headers.valueIncludes(0, bytes('utf-8'))).toBe(true);
      expect(headers.valueIncludes(0, bytes('TEXT/EVENT-STREAM'))).toBe(false);
      // The bytes after a value (in a head: its CRLF and the next field) are not part of it.
      expect(headers.valueIncludes(1, bytes('blue'))).toBe(true);
      expect(headers.valueIncludes(1, bytes('blue\r\nRetry'))).toBe(false);
      expect(headers.valueIncludes(4, bytes('a'))).toBe(false);
    });

    it('no fields: count 0', () => {
      expect(make([]).count).toBe(0);
    });
  });
}
