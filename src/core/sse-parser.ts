/**
 * An incremental Server-Sent Events parser for streamed completions: bytes arrive in arbitrary
 * chunks (a line, or even a UTF-8 character, may be split), events end at a blank line, lines
 * starting with ":" are comments, and `data: [DONE]` ends an OpenAI-style stream.
 */
export interface SseEvent {
  event: string;
  data: string;
}

export class SseParser {
  private buffer = '';
  private dataLines: string[] = [];
  private eventName = '';
  private readonly decoder = new TextDecoder();
  done = false;

  /** Feeds raw bytes; calls onEvent for each complete event, in order. */
  push(chunk: Uint8Array, onEvent: (event: SseEvent) => void): void {
    this.buffer += this.decoder.decode(chunk, { stream: true });
    let start = 0;
    for (;;) {
      const newline = this.buffer.indexOf('\n', start);
      if (newline < 0) break;
      let line = this.buffer.slice(start, newline);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      start = newline + 1;
      this.line(line, onEvent);
    }
    this.buffer = this.buffer.slice(start);
  }

  /** Ends the stream: a final event without its blank line still counts. */
  end(onEvent: (event: SseEvent) => void): void {
    this.buffer += this.decoder.decode();
    if (this.buffer !== '') this.line(this.buffer.replace(/\r$/, ''), onEvent);
    this.buffer = '';
    this.line('', onEvent);
  }

  private line(line: string, onEvent: (event: SseEvent) => void): void {
    if (line === '') {
      if (this.dataLines.length > 0) {
        const data = this.dataLines.join('\n');
        if (data === '[DONE]') this.done = true;
        onEvent({ event: this.eventName || 'message', data });
      }
      this.dataLines = [];
      this.eventName = '';
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.dataLines.push(value);
    else if (field === 'event') this.eventName = value;
  }
}

/** What one streamed chat-completion chunk carries. */
export interface CompletionChunk {
  /** Non-empty generated text (content or reasoning) in this chunk. */
  hasContent: boolean;
  /** completion_tokens from a `usage` object, when the chunk has one. */
  usageTokens?: number;
}

/** Reads an OpenAI-compatible chunk (`choices[].delta.content`, `reasoning_content`, `usage`); undefined when not JSON. */
export function readCompletionChunk(data: string): CompletionChunk | undefined {
  if (data === '[DONE]') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null) return undefined;
  const chunk = json as { choices?: { delta?: { content?: unknown; reasoning_content?: unknown }; text?: unknown }[]; usage?: { completion_tokens?: unknown } | null };
  let hasContent = false;
  for (const choice of chunk.choices ?? []) {
    const delta = choice?.delta;
    if ((typeof delta?.content === 'string' && delta.content !== '') || (typeof delta?.reasoning_content === 'string' && delta.reasoning_content !== '') || (typeof choice?.text === 'string' && choice.text !== '')) {
      hasContent = true;
    }
  }
  const usageTokens = typeof chunk.usage?.completion_tokens === 'number' ? chunk.usage.completion_tokens : undefined;
  return { hasContent, usageTokens };
}
