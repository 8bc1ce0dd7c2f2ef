import { describe, expect, it } from 'vitest';
import { HeaderSpans } from '../../src/core/header-spans.js';
import { RawHeaderList } from '../../src/core/raw-header-list.js';
import { responseHeadersContract } from '../contract/response-headers.contract.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');

/** Fields laid out as a head would be ("name: value\r\n"), between unrelated bytes, as spans into one buffer. */
function spansOf(fields: [string, string][]): HeaderSpans {
  const text = 'HTTP/1.1 200 OK\r\n' + fields.map(([n, v]) => `${n}: ${v}\r\n`).join('') + '\r\nbody';
  const buffer = bytes(text);
  const spans = new HeaderSpans();
  spans.reset(buffer);
  let at = 'HTTP/1.1 200 OK\r\n'.length;
  for (const [n, v] of fields) {
    spans.add(at, at + n.length, at + n.length + 2, at + n.length + 2 + v.length);
    at += n.length + 2 + v.length + 2;
  }
  return spans;
}

responseHeadersContract('RawHeaderList (undici Client)', (fields) => new RawHeaderList(fields.flatMap(([n, v]) => [bytes(n), bytes(v)])));
responseHeadersContract('HeaderSpans (lean connection)', spansOf);

describe('HeaderSpans', () => {
  it('grows past its first capacity and keeps every field', () => {
    const fields: [string, string][] = Array.from({ length: 100 }, (_, i) => [`x-field-${i}`, `value ${i}`]);
    const spans = spansOf(fields);
    expect(spans.count).toBe(100);
    expect(spans.name(99)).toBe('x-field-99');
    expect(spans.value(0)).toBe('value 0');
    expect(spans.value(99)).toBe('value 99');
  });

  it('toRawHeaders gives undici\'s form (alternating name and value views)', () => {
    const raw = spansOf([['A', '1'], ['b-c', 'two']]).toRawHeaders();
    expect(raw.map((b) => b.toString('latin1'))).toEqual(['A', '1', 'b-c', 'two']);
  });

  it('release lets go of the head: no fields after it', () => {
    const spans = spansOf([['A', '1']]);
    spans.release();
    expect(spans.count).toBe(0);
  });
});
