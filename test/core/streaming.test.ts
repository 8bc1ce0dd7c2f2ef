import { afterEach, describe, expect, it } from 'vitest';
import { executeSlice } from '../../src/core/execute-slice.js';
import { planSchema } from '../../src/core/plan.js';
import { summarizeRun } from '../../src/core/run-summary.js';
import { planSlices } from '../../src/core/slice.js';
import { startLoopbackServer, type LoopbackServer, type Handler } from '../helpers/loopback-server.js';

let server: LoopbackServer | undefined;
afterEach(() => server?.close());

/** A stream whose truth is known: first token after ttftMs, then one token every gapMs. */
function streamHandler(options: { ttftMs: number; gapMs: number; tokens: number; usage: boolean; comments?: boolean }): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: {"choices":[{"delta":{"role":"assistant"}}]}\n\n');
    let sent = 0;
    const next = () => {
      if (options.comments) res.write(': ping\n\n');
      // Split each event across two writes, so parsing must work across chunk boundaries.
      res.write(`data: {"choices":[{"delta":{"con`);
      res.write(`tent":"t${sent}"}}]}\n\n`);
      if (++sent < options.tokens) return void setTimeout(next, options.gapMs);
      if (options.usage) res.write(`data: {"choices":[],"usage":{"completion_tokens":${options.tokens}}}\n\n`);
      res.end('data: [DONE]\n\n');
    };
    setTimeout(next, options.ttftMs);
  };
}

async function run(handler: Handler, httpClient: 'lean' | 'undici', streaming = false) {
  server = await startLoopbackServer(handler);
  const plan = planSchema.parse({
    target: { url: `${server.url}/v1/chat/completions`, streaming, httpClient },
    payload: { body: { messages: [{ role: 'user', content: 'hi' }], stream: true } },
    load: { model: 'constant', rps: 10, duration: '1s' },
  });
  const origin = Date.now() + 30;
  const [slice] = planSlices('run', plan, 1, origin);
  const outcome = await executeSlice(slice, plan);
  return summarizeRun({ runId: 'run', plan, slices: [outcome], originEpochMs: origin }).summary;
}

// Both HTTP clients: the stream arrives as chunked transfer coding split across reads.
describe.each(['lean', 'undici'] as const)('streamed responses (SSE), %s client', (httpClient) => {
  it('measures time to first token, gaps and time per output token against a known stream, tokens from usage', async () => {
    const summary = await run(streamHandler({ ttftMs: 120, gapMs: 30, tokens: 6, usage: true, comments: true }), httpClient);
    const s = summary.streaming!;
    expect(s.requests).toBe(10);
    expect(s.outputTokens).toBe(60);
    expect(s.tokenCount).toBe('usage');
    expect(s.ttftMs.p50).toBeGreaterThanOrEqual(118);
    expect(s.ttftMs.p50).toBeLessThan(160);
    expect(s.interTokenMs.p50).toBeGreaterThanOrEqual(28);
    expect(s.interTokenMs.p50).toBeLessThan(45);
    expect(s.tpotMs.p50).toBeGreaterThanOrEqual(28);
    expect(s.tpotMs.p50).toBeLessThan(45);
    // End to end ≈ 120 + 5 × 30 ms.
    expect(summary.latencyMs.p50).toBeGreaterThanOrEqual(268);
    expect(summary.requests.ok).toBe(10);
  });

  it('counts content chunks when the server sends no usage, and says so', async () => {
    const summary = await run(streamHandler({ ttftMs: 20, gapMs: 10, tokens: 4, usage: false }), httpClient);
    expect(summary.streaming).toMatchObject({ outputTokens: 40, tokenCount: 'counted chunks' });
  });

  it('fails a 200 stream that carries no content as empty_stream', async () => {
    const summary = await run((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: {"choices":[{"delta":{"role":"assistant"}}]}\n\ndata: [DONE]\n\n');
    }, httpClient);
    expect(summary.errorsByCode).toEqual({ empty_stream: 10 });
    expect(summary.requests.ok).toBe(0);
  });

  it('knows the event-stream content type whatever the case of its header name, and only by that name', async () => {
    const sse = 'data: {"choices":[{"delta":{"content":"a"}}]}\n\ndata: [DONE]\n\n';
    const upper = await run((_req, res) => {
      res.writeHead(200, { 'CONTENT-TYPE': 'text/event-stream' });
      res.end(sse);
    }, httpClient);
    expect(upper.streaming).toMatchObject({ requests: 10, outputTokens: 10 });
    // A header of the same length that is not content-type (and a JSON content type) is not a stream.
    const lookalike = await run((_req, res) => {
      res.writeHead(200, { 'content-typx': 'text/event-stream', 'content-type': 'application/json' });
      res.end(sse);
    }, httpClient);
    expect(lookalike.streaming).toBeUndefined();
    expect(lookalike.requests.ok).toBe(10);
  });

  it('parses a stream sent without the event-stream content type when the plan says streaming', async () => {
    const summary = await run((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end('data: {"choices":[{"delta":{"content":"a"}}]}\n\ndata: {"choices":[{"delta":{"content":"b"}}]}\n\ndata: [DONE]\n\n');
    }, httpClient, true);
    expect(summary.streaming).toMatchObject({ requests: 10, outputTokens: 20 });
  });
});

describe('the simulator\'s chat endpoint, measured', () => {
  it('streams tokens whose timing the runner reads back', async () => {
    const { startSimulator } = await import('../../src/sim/simulator.js');
    const sim = await startSimulator({ chat: { ttftMs: 150, interTokenMs: 25, outputTokens: 8 } });
    try {
      const plan = planSchema.parse({
        target: { url: `${sim.url}/v1/chat/completions` },
        payload: { body: { messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } } },
        load: { model: 'constant', rps: 10, duration: '1s' },
      });
      const origin = Date.now() + 30;
      const [slice] = planSlices('run', plan, 1, origin);
      const outcome = await executeSlice(slice, plan);
      const s = summarizeRun({ runId: 'run', plan, slices: [outcome], originEpochMs: origin }).summary.streaming!;
      expect(s).toMatchObject({ requests: 10, outputTokens: 80, tokenCount: 'usage' });
      expect(s.ttftMs.p50).toBeGreaterThanOrEqual(148);
      expect(s.ttftMs.p50).toBeLessThan(185);
      expect(s.interTokenMs.p50).toBeGreaterThanOrEqual(23);
      expect(s.interTokenMs.p50).toBeLessThan(40);
    } finally {
      await sim.close();
    }
  });
});
