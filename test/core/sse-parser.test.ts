import { describe, expect, it } from 'vitest';
import { SseParser, readCompletionChunk, type SseEvent } from '../../src/core/sse-parser.js';

function parseInPieces(text: string, sizes: number[]): SseEvent[] {
  const bytes = Buffer.from(text);
  const parser = new SseParser();
  const events: SseEvent[] = [];
  let at = 0;
  let i = 0;
  while (at < bytes.length) {
    const size = sizes[i++ % sizes.length];
    parser.push(bytes.subarray(at, at + size), (e) => events.push(e));
    at += size;
  }
  parser.end((e) => events.push(e));
  return events;
}

const stream =
  ': keep-alive comment\n\n' +
  'data: {"choices":[{"delta":{"role":"assistant"}}]}\n\n' +
  'data: {"choices":[{"delta":{"content":"Héllo"}}]}\r\n\r\n' +
  'event: message\ndata: {"choices":[{"delta":{"content":" wörld"}}]}\n\n' +
  'data: {"choices":[],"usage":{"completion_tokens":3}}\n\n' +
  'data: [DONE]\n\n';

describe('SseParser', () => {
  it.each([[[1]], [[2, 3]], [[7]], [[1000]], [[5, 1, 13]]])('gives the same events whatever the chunk sizes (%j)', (sizes) => {
    const events = parseInPieces(stream, sizes);
    expect(events.map((e) => e.data)).toEqual([
      '{"choices":[{"delta":{"role":"assistant"}}]}',
      '{"choices":[{"delta":{"content":"Héllo"}}]}',
      '{"choices":[{"delta":{"content":" wörld"}}]}',
      '{"choices":[],"usage":{"completion_tokens":3}}',
      '[DONE]',
    ]);
  });
  it('joins multi-line data and ends a last event without a blank line', () => {
    expect(parseInPieces('data: a\ndata: b\n\ndata: tail', [3]).map((e) => e.data)).toEqual(['a\nb', 'tail']);
  });
  it('notes [DONE]', () => {
    const parser = new SseParser();
    parser.push(Buffer.from('data: [DONE]\n\n'), () => {});
    expect(parser.done).toBe(true);
  });
});

describe('readCompletionChunk', () => {
  it('finds content, reasoning and usage; ignores role-only and empty deltas', () => {
    expect(readCompletionChunk('{"choices":[{"delta":{"content":"x"}}]}')).toEqual({ hasContent: true, usageTokens: undefined });
    expect(readCompletionChunk('{"choices":[{"delta":{"reasoning_content":"think"}}]}')?.hasContent).toBe(true);
    expect(readCompletionChunk('{"choices":[{"delta":{"content":""}}]}')?.hasContent).toBe(false);
    expect(readCompletionChunk('{"choices":[{"delta":{"role":"assistant"}}]}')?.hasContent).toBe(false);
    expect(readCompletionChunk('{"choices":[],"usage":{"completion_tokens":42}}')).toEqual({ hasContent: false, usageTokens: 42 });
    expect(readCompletionChunk('[DONE]')).toBeUndefined();
    expect(readCompletionChunk('not json')).toBeUndefined();
  });
});
