import type http from 'node:http';

/** How the simulated chat model generates: time to first token, time between tokens, tokens per answer. */
export interface ChatModelOptions {
  /** Time to first token, ms (default 200). */
  ttftMs?: number;
  /** Time between tokens, ms (default 20). */
  interTokenMs?: number;
  /** Tokens per answer (default 32; a smaller `max_tokens` in the request wins). */
  outputTokens?: number;
  /** Requests generated at once; past it, 429 (default 64). */
  maxConcurrent?: number;
}

export const CHAT_DEFAULTS = { ttftMs: 200, interTokenMs: 20, outputTokens: 32, maxConcurrent: 64 } as const;

export function validateChatOptions(chat: unknown): string[] {
  if (chat === undefined) return [];
  if (typeof chat !== 'object' || chat === null) return ['chat must be an object'];
  const problems: string[] = [];
  const c = chat as Record<string, unknown>;
  for (const key of ['ttftMs', 'interTokenMs'] as const) {
    if (c[key] !== undefined && !(typeof c[key] === 'number' && Number.isFinite(c[key]) && (c[key] as number) >= 0)) problems.push(`chat.${key} must be a number ≥ 0`);
  }
  for (const key of ['outputTokens', 'maxConcurrent'] as const) {
    if (c[key] !== undefined && !(Number.isInteger(c[key]) && (c[key] as number) >= 1)) problems.push(`chat.${key} must be an integer ≥ 1`);
  }
  return problems;
}

/**
 * An OpenAI-compatible `POST /v1/chat/completions`: with `"stream": true` it answers Server-Sent Events —
 * a role chunk, one content chunk per token (the first after ttftMs, then every interTokenMs), a usage
 * chunk when `stream_options.include_usage` is set, then `data: [DONE]`; without it, one JSON answer
 * after the whole generation time. The truth is known, so tests can check what the runner measures.
 */
export class ChatModel {
  private active = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly options: Required<ChatModelOptions>;

  constructor(options: ChatModelOptions = {}) {
    this.options = { ...CHAT_DEFAULTS, ...options };
  }

  handle(res: http.ServerResponse, body: Buffer, deployment: string): number {
    let request: { stream?: unknown; max_tokens?: unknown; stream_options?: { include_usage?: unknown } } = {};
    try {
      request = JSON.parse(body.toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"the body must be JSON"}}');
      return 400;
    }
    if (this.active >= this.options.maxConcurrent) {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after-ms': '500', 'retry-after': '1' });
      res.end('{"error":{"code":"429","message":"Too many requests"}}');
      return 429;
    }
    const maxTokens = typeof request.max_tokens === 'number' && request.max_tokens >= 1 ? Math.floor(request.max_tokens) : Infinity;
    const tokens = Math.min(this.options.outputTokens, maxTokens);
    const id = `chatcmpl-${Math.random().toString(36).slice(2, 12)}`;
    const chunk = (delta: object, finish: string | null = null) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', model: deployment, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    this.active++;
    res.once('close', () => this.active--);
    if (request.stream !== true) {
      this.after(this.options.ttftMs + (tokens - 1) * this.options.interTokenMs, () => {
        res.writeHead(200, { 'content-type': 'application/json', 'azureml-model-deployment': deployment });
        res.end(JSON.stringify({ id, object: 'chat.completion', model: deployment, choices: [{ index: 0, message: { role: 'assistant', content: words(tokens) }, finish_reason: 'stop' }], usage: { prompt_tokens: 8, completion_tokens: tokens, total_tokens: tokens + 8 } }));
      });
      return 200;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'azureml-model-deployment': deployment });
    res.write(chunk({ role: 'assistant' }));
    let sent = 0;
    const next = () => {
      if (res.destroyed) return;
      res.write(chunk({ content: `tok${sent} ` }, sent === tokens - 1 ? 'stop' : null));
      if (++sent < tokens) return this.after(this.options.interTokenMs, next);
      if (request.stream_options?.include_usage === true) {
        res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', model: deployment, choices: [], usage: { prompt_tokens: 8, completion_tokens: tokens, total_tokens: tokens + 8 } })}\n\n`);
      }
      res.end('data: [DONE]\n\n');
    };
    this.after(this.options.ttftMs, next);
    return 200;
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private after(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }
}

function words(tokens: number): string {
  return Array.from({ length: tokens }, (_, i) => `tok${i}`).join(' ');
}
