/**
 * Property-based fuzzing (fast-check) of everything that parses input from outside: plans (and the
 * blog-post config), HTTP API bodies, SSE streams, HTTP/1.1 responses (the lean client), encoded histograms and aggregates, slice messages,
 * durations and templates. Each must answer with data or its own documented error — never crash, hang
 * or throw anything else. Run counts are bounded so the whole file stays within ~20 s.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, inflateSync } from 'node:zlib';
import { HttpRequest, InvocationContext } from '@azure/functions';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Aggregate, AggregateDecodeError } from '../../src/core/aggregate.js';
import { blogConfigToPlan, isBlogConfig } from '../../src/core/blog-config.js';
import { parseDurationMs, formatDurationMs } from '../../src/core/duration.js';
import { createHistogram, decodeHistogram, encodeHistogram } from '../../src/core/histogram.js';
import { parsePayloadLines } from '../../src/core/payload-bodies.js';
import { MalformedSliceMessage, parseSliceMessage, sliceMessageText } from '../../src/core/slice-message.js';
import { sliceOutcomeFromJson, sliceOutcomeToJson } from '../../src/core/slice-outcome-json.js';
import { SseParser, type SseEvent } from '../../src/core/sse-parser.js';
import { Http1ResponseParser } from '../../src/core/http1-response-parser.js';
import { Template, TemplateError, templateProblem } from '../../src/core/template.js';
import { parsePlanText, validatePlan } from '../../src/core/validate-plan.js';
import { setAppServices } from '../../src/functions/app-services.js';
import { startRunHandler } from '../../src/functions/start-run.js';
import { fileServices } from '../helpers/function-services.js';

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples');
const examplePlans: unknown[] = readdirSync(EXAMPLES)
  .filter((f) => /\.(json|ya?ml)$/.test(f))
  .map((f) => {
    const text = readFileSync(path.join(EXAMPLES, f), 'utf8');
    return f.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  });

/** Checks the shape every validation answer must have. */
function expectPlanResult(result: ReturnType<typeof validatePlan>): void {
  if (result.ok) return;
  expect(Array.isArray(result.problems)).toBe(true);
  expect(result.problems.length).toBeGreaterThan(0);
  for (const p of result.problems) {
    expect(typeof p.path).toBe('string');
    expect(p.path.startsWith('$') || /\.jsonl?:\d+$/.test(p.path)).toBe(true);
    expect(typeof p.message).toBe('string');
  }
}

// ── mutations of JSON values ─────────────────────────────────────────────────────────────────────────

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path (list of keys) inside a JSON value, the root included. */
function pathsOf(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...prefix, i], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  return out;
}

type Mutation = { kind: 'replace' | 'delete' | 'add'; at: number; key: string; value: Json };

function mutate(base: unknown, mutations: Mutation[]): unknown {
  const copy = structuredClone(base) as Json;
  let root: Json = copy;
  for (const original of mutations) {
    // A fresh copy per use: the same value inserted twice must not make the document cyclic.
    const m = { ...original, value: structuredClone(original.value) };
    const paths = pathsOf(root);
    const target = paths[m.at % paths.length];
    if (target.length === 0) {
      if (m.kind === 'replace') root = m.value;
      continue;
    }
    let parent: Json = root;
    for (const key of target.slice(0, -1)) parent = (parent as Record<string | number, Json>)[key];
    const last = target[target.length - 1];
    const container = parent as Record<string | number, Json>;
    if (m.kind === 'replace') container[last] = m.value;
    else if (m.kind === 'delete') {
      if (Array.isArray(container)) container.splice(Number(last), 1);
      else delete container[last];
    } else {
      const child = container[last];
      if (Array.isArray(child)) child.push(m.value);
      else if (child !== null && typeof child === 'object') (child as Record<string, Json>)[m.key] = m.value;
      else container[last] = m.value;
    }
  }
  return root;
}

/** Values that reach the corners of the plan schema: numbers at and past the limits, durations, URLs, models. */
const interesting = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  fc.constantFrom<Json>(
    0, -1, 1, 0.5, 1e308, -1e308, 1_000_001, 2 ** 53, Number.MIN_VALUE, '', ' ', '5m', '1h30m', '0s', '-5s', '1e3s', 'NaN', 'Infinity',
    'constant', 'ramp', 'step', 'spike', 'burst', 'concurrency', 'phases', 'capacity', 'auto', 'key', 'managedIdentity', 'none',
    'http://169.254.169.254/', 'https://x.inference.ml.azure.com/score', 'file:///etc/passwd', 'http://[::1]/', 'http://0x7f.1/',
    '{{uuid}}', '{{env HOME}}', '{{randomInt 9 1}}', '{{', '}}', '{{ nope }}', [], {}, [[]], { model: 'constant' },
  ),
);
const mutation: fc.Arbitrary<Mutation> = fc.record({ kind: fc.constantFrom('replace', 'delete', 'add'), at: fc.nat(), key: fc.string({ maxLength: 12 }), value: interesting });

const FAST = { numRuns: 2000 };

describe('fuzz: the plan validator', () => {
  it('answers any JSON value with {ok:true} or {ok:false, problems with string paths}, never a throw', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => expectPlanResult(validatePlan(value))), FAST);
    fc.assert(fc.property(fc.anything({ maxDepth: 4 }), (value) => expectPlanResult(validatePlan(value))), { numRuns: 1000 });
  });

  it('answers mutated valid plans (every example) the same way', () => {
    for (const plan of examplePlans) expect(validatePlan(plan).ok).toBe(true);
    fc.assert(
      fc.property(fc.constantFrom(...examplePlans), fc.array(mutation, { minLength: 1, maxLength: 4 }), (plan, mutations) => {
        expectPlanResult(validatePlan(mutate(plan, mutations)));
        expectPlanResult(validatePlan(mutate(plan, mutations), 'fallback-name'));
      }),
      { numRuns: 3000 },
    );
  });

  it('parses any text as a plan (JSON or YAML) without throwing', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v)), fc.constantFrom('a: &a [*a]', '- &x {b: *x}', ': :', '{', '[', '---\n...', '%YAML 1.1\n---\n!!binary x')), fc.constantFrom('plan.json', 'plan.yaml', 'plan'), (text, name) => {
        const parsed = parsePlanText(text, name);
        if (parsed.ok) expectPlanResult(validatePlan(parsed.value));
        else expectPlanResult(parsed as ReturnType<typeof validatePlan>);
      }),
      FAST,
    );
  });

  it('refuses plans that nest too deep or refer to themselves (YAML aliases), with a problem', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const base = { target: { url: 'https://x.inference.ml.azure.com/s' }, load: { model: 'constant', rps: 1, duration: 1 } };
    for (const input of [{ ...base, payload: { body: deep } }, parsePlanText(`target: {url: "https://x.inference.ml.azure.com/s"}\nload: {model: constant, rps: 1, duration: 1}\npayload:\n  body: &a [1, *a]\n`, 'p.yaml')]) {
      const value = 'ok' in (input as object) ? (input as { value: unknown }).value : input;
      const result = validatePlan(value);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.problems[0]).toEqual({ path: '$.payload.body', message: expect.stringMatching(/nests deeper than \d+ levels/) });
    }
  });
});

describe('fuzz: the blog-post config converter', () => {
  const profile = fc.oneof(
    fc.record({ name: fc.option(fc.string(), { nil: undefined }), type: fc.constant('constant'), requests_per_second: interesting, duration: interesting }, { requiredKeys: ['type'] }),
    fc.record({ name: fc.option(fc.string(), { nil: undefined }), type: fc.constant('ramp'), start_requests: interesting, end_requests: interesting, duration: interesting }, { requiredKeys: ['type'] }),
    interesting,
  );
  const config = fc.record({ url: interesting, headers: fc.oneof(fc.dictionary(fc.string(), fc.string()), interesting), data: interesting, load_profiles: fc.oneof(fc.array(profile, { maxLength: 5 }), interesting) }, { requiredKeys: ['load_profiles'] });

  it('converts or refuses any config, and what it converts validates without throwing', () => {
    fc.assert(
      fc.property(config, (input) => {
        expect(isBlogConfig(input)).toBe(true);
        const converted = blogConfigToPlan(input);
        if (converted.ok) expectPlanResult(validatePlan(converted.value));
        else expectPlanResult(converted as ReturnType<typeof validatePlan>);
        expectPlanResult(validatePlan(input));
      }),
      FAST,
    );
  });
});

describe('fuzz: the HTTP API (POST /api/runs)', () => {
  let services: ReturnType<typeof fileServices>;
  beforeAll(() => {
    services = fileServices({ ALLOWED_TARGET_HOSTS: '*.inference.ml.azure.com,*', START_LEAD_SECONDS: '3600' });
    setAppServices(services);
  });
  afterAll(() => setAppServices(undefined));

  const context = () => new InvocationContext({ functionName: 'startRun', logHandler: () => {} });
  const post = (body: Uint8Array | string, contentType: string | undefined) =>
    startRunHandler(
      new HttpRequest({ method: 'POST', url: 'https://app.azurewebsites.net/api/runs', headers: contentType === undefined ? {} : { 'content-type': contentType }, body: typeof body === 'string' ? { string: body } : { bytes: body } }),
      context(),
    );
  const contentType = fc.oneof(fc.constantFrom(undefined, 'application/json', 'application/yaml', 'text/yaml; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded'), fc.string({ maxLength: 30 }));
  const body = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.string({ maxLength: 300 }),
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    fc.tuple(fc.constantFrom(...examplePlans), fc.array(mutation, { maxLength: 3 })).map(([plan, m]) => JSON.stringify(mutate(plan, m))),
    fc.constantFrom('a: &a [*a]', 'payload: {body: &b [1, *b]}\ntarget: {url: "https://x.inference.ml.azure.com/s"}\nload: {model: constant, rps: 1, duration: 1}', '['.repeat(20_000) + ']'.repeat(20_000), '\uFEFF{}', 'null', '1e999'),
  );

  it('answers 202 or 400 to any body and content type — never 500, never a throw', async () => {
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(body, contentType, async (b, type) => {
        const response = await post(b, type);
        statuses.add(response.status ?? 200);
        expect([202, 400]).toContain(response.status);
      }),
      { numRuns: 1500 },
    );
    expect(statuses.has(400)).toBe(true);
  });

  it('answers 400 to a plan whose body nests deeper than any stack (not 500)', async () => {
    const deep = `{"target":{"url":"https://x.inference.ml.azure.com/s"},"load":{"model":"constant","rps":1,"duration":1},"payload":{"body":${'['.repeat(300_000)}1${']'.repeat(300_000)}}}`;
    const response = await post(deep, 'application/json');
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.jsonBody)).toMatch(/nests deeper than/);
  });
});

describe('fuzz: payload lines', () => {
  it('reads any JSONL text into bodies or problems, never a throw', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 40 }), fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), fc.constant('['.repeat(50_000) + ']'.repeat(50_000))), { maxLength: 6 }), fc.constantFrom('sequential', 'random', 'weighted'), (lines, order) => {
        const result = parsePayloadLines(lines.join('\n'), order as 'sequential', 'inputs.jsonl');
        if (!result.ok) expect(result.problems.every((p) => typeof p.path === 'string' && typeof p.message === 'string')).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('fuzz: the SSE parser', () => {
  /** Splits bytes at the given cut points (any positions, even inside a UTF-8 character). */
  function feed(bytes: Uint8Array, cuts: number[]): SseEvent[] {
    const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
    const parser = new SseParser();
    const events: SseEvent[] = [];
    let at = 0;
    for (const p of [...points, bytes.length]) {
      parser.push(bytes.subarray(at, p), (e) => events.push(e));
      at = p;
    }
    parser.end((e) => events.push(e));
    return events;
  }

  it('never throws on arbitrary bytes split arbitrarily', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), fc.array(fc.nat(), { maxLength: 20 }), (bytes, cuts) => void feed(bytes, cuts)), FAST);
  });

  it('gives the same events however a valid stream is split', () => {
    const line = fc.oneof(
      fc.string({ maxLength: 30 }).map((s) => `data: ${s.replace(/[\r\n]/g, ' ')}`),
      fc.string({ maxLength: 12 }).map((s) => `event: ${s.replace(/[\r\n]/g, ' ')}`),
      fc.string({ maxLength: 12 }).map((s) => `: ${s.replace(/[\r\n]/g, ' ')}`),
      fc.constantFrom('', 'data: [DONE]', 'data: {"choices":[{"delta":{"content":"Héllo wörld ✓ 😀"}}]}', 'data:', 'id: 7', 'retry: 10'),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 25 }), fc.constantFrom('\n', '\r\n'), fc.array(fc.nat(), { maxLength: 30 }), (lines, eol, cuts) => {
        const bytes = Buffer.from(lines.join(eol) + eol);
        expect(feed(bytes, cuts)).toEqual(feed(bytes, []));
      }),
      FAST,
    );
  });
});

describe('fuzz: the HTTP/1.1 response parser (lean client)', () => {
  /** Feeds `bytes` split at `cuts` to a parser expecting one response, then ends the input; records what the sink saw. */
  function parseSplit(bytes: Uint8Array, cuts: number[]) {
    const seen = { heads: [] as { status: number; fields: string[] }[], body: [] as Buffer[], ends: [] as boolean[], errors: [] as string[], finished: true };
    const parser = new Http1ResponseParser({
      onHead(status, headers) {
        const fields: string[] = [];
        for (let i = 0; i < headers.count; i++) {
          fields.push(headers.name(i), headers.value(i));
          // Every accessor answers for every field, whatever the bytes.
          headers.nameIs(i, Buffer.from('content-type'));
          headers.valueIncludes(i, Buffer.from('text/event-stream'));
          expect(headers.nameLength(i)).toBeGreaterThan(0);
          expect(headers.valueLength(i)).toBeGreaterThanOrEqual(0);
        }
        seen.heads.push({ status, fields });
      },
      onBody: (chunk) => void seen.body.push(Buffer.from(chunk)),
      onEnd: (keepAlive) => void seen.ends.push(keepAlive),
      onParseError: (error) => void seen.errors.push(error.code),
    });
    parser.expect(false);
    const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
    let at = 0;
    for (const p of [...points, bytes.length]) {
      if (p > at) parser.execute(Buffer.from(bytes.subarray(at, p)));
      at = p;
    }
    seen.finished = parser.finish();
    return { heads: seen.heads, body: Buffer.concat(seen.body).toString('latin1'), ends: seen.ends, errors: seen.errors, finished: seen.finished };
  }

  /** What every outcome must look like: at most one head, and one end or one error at most, never both. */
  function expectOneOutcome(r: ReturnType<typeof parseSplit>): void {
    expect(r.heads.length).toBeLessThanOrEqual(1);
    expect(r.ends.length + r.errors.length).toBeLessThanOrEqual(1);
    for (const code of r.errors) expect(code).toMatch(/^HPE_/);
  }

  const field = fc.tuple(
    fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/),
    fc.string({ maxLength: 20 }).map((v) => v.replace(/[\r\n\0]/g, ' ').trim()),
  ).filter(([name]) => !/^(content-length|transfer-encoding|connection|keep-alive)$/i.test(name));
  const response = fc.record({
    status: fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304),
    fields: fc.array(field, { maxLength: 8 }),
    body: fc.string({ maxLength: 60 }).map((b) => Buffer.from(b, 'latin1').toString('latin1')),
    chunked: fc.boolean(),
    chunkSizes: fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 10 }),
  });
  function responseBytes(r: { status: number; fields: [string, string][]; body: string; chunked: boolean; chunkSizes: number[] }): Buffer {
    const head = [`HTTP/1.1 ${r.status} X`, ...r.fields.map(([n, v]) => `${n}: ${v}`)];
    if (!r.chunked) return Buffer.from(`${[...head, `Content-Length: ${Buffer.byteLength(r.body, 'latin1')}`].join('\r\n')}\r\n\r\n${r.body}`, 'latin1');
    let rest = r.body;
    let chunks = '';
    for (let i = 0; rest.length > 0; i++) {
      const size = Math.min(rest.length, r.chunkSizes[i % Math.max(1, r.chunkSizes.length)] ?? rest.length);
      chunks += `${size.toString(16)}\r\n${rest.slice(0, size)}\r\n`;
      rest = rest.slice(size);
    }
    return Buffer.from(`${[...head, 'Transfer-Encoding: chunked'].join('\r\n')}\r\n\r\n${chunks}0\r\n\r\n`, 'latin1');
  }

  it('never throws on arbitrary bytes split arbitrarily, and reports one outcome at most', () => {
    const prefixed = fc.tuple(fc.constantFrom('', 'HTTP/1.1 200 OK\r\n', 'HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\n'), fc.uint8Array({ maxLength: 300 }));
    fc.assert(
      fc.property(prefixed, fc.array(fc.nat(), { maxLength: 20 }), ([prefix, bytes], cuts) => {
        expectOneOutcome(parseSplit(Buffer.concat([Buffer.from(prefix, 'latin1'), bytes]), cuts));
      }),
      FAST,
    );
  });

  it('never throws on mutated valid responses (bytes changed, dropped or inserted), one outcome at most', () => {
    const mutation = fc.tuple(fc.nat(), fc.constantFrom('flip', 'drop', 'insert'), fc.constantFrom(0, 10, 13, 32, 58, 48, 255));
    fc.assert(
      fc.property(response, fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 10 }), (r, mutations, cuts) => {
        const bytes = [...responseBytes(r)];
        for (const [at, kind, byte] of mutations) {
          const i = at % (bytes.length + 1);
          if (kind === 'flip' && i < bytes.length) bytes[i] = byte;
          else if (kind === 'drop' && i < bytes.length) bytes.splice(i, 1);
          else bytes.splice(i, 0, byte);
        }
        expectOneOutcome(parseSplit(Uint8Array.from(bytes), cuts));
      }),
      FAST,
    );
  });

  it('reads generated valid responses (Content-Length or chunked) whole, the same however they are split', () => {
    fc.assert(
      fc.property(response, fc.array(fc.nat(), { maxLength: 20 }), (r, cuts) => {
        const bytes = responseBytes(r);
        const whole = parseSplit(bytes, []);
        expect(whole.errors).toEqual([]);
        expect(whole.heads).toHaveLength(1);
        expect(whole.heads[0].status).toBe(r.status);
        expect(whole.heads[0].fields.slice(0, 2 * r.fields.length)).toEqual(r.fields.flat());
        expect(whole.body).toBe(r.body);
        expect(whole.ends).toEqual([true]);
        expect(parseSplit(bytes, cuts)).toEqual(whole);
      }),
      FAST,
    );
  });
});

describe('fuzz: encoded histograms and slice aggregates', () => {
  const valid = (() => {
    const h = createHistogram();
    for (const v of [1, 7, 250, 1000, 12_345, 999_999, 30_000_000]) h.recordValue(v);
    return encodeHistogram(h);
  })();
  /** The V2 histogram encoding inside the base64/zlib envelope, so mutations reach the decoder itself. */
  const inner = (() => {
    const bytes = Buffer.from(valid.slice(0), 'base64');
    return { envelope: bytes.subarray(0, 8), payload: inflateSync(bytes.subarray(8)) };
  })();
  const rewrap = (payload: Buffer) => {
    const compressed = deflateSync(payload);
    const envelope = Buffer.from(inner.envelope);
    envelope.writeInt32BE(compressed.length, 4);
    return Buffer.concat([envelope, compressed]).toString('base64');
  };

  function decodeOrError(text: string): void {
    try {
      const h = decodeHistogram(text);
      void h.totalCount;
    } catch (error) {
      expect(error).toBeInstanceOf(Error);
    }
  }

  it('decodeHistogram: arbitrary strings, mutated base64 and mutated inner encodings decode or throw an Error — never hang', () => {
    expect(decodeHistogram(valid).totalCount).toBe(7);
    expect(decodeHistogram(rewrap(inner.payload)).totalCount).toBe(7);
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.string({ maxLength: 80 }).map((s) => `HISTF${s}`), fc.base64String({ maxLength: 120 })), decodeOrError), { numRuns: 1500 });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (edits) => {
        const chars = valid.split('');
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
        for (const [at, c] of edits) chars[at % chars.length] = alphabet[c % 64];
        decodeOrError(chars.join(''));
      }),
      { numRuns: 1500 },
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.nat({ max: 40 }), (edits, truncate) => {
        const payload = Buffer.from(inner.payload);
        for (const [at, byte] of edits) payload[at % payload.length] = byte;
        decodeOrError(rewrap(truncate > 0 ? payload.subarray(0, Math.max(1, payload.length - truncate)) : payload));
      }),
      { numRuns: 1500 },
    );
  });

  it('Aggregate.fromJSON throws only AggregateDecodeError (or returns an aggregate) for mutated and arbitrary input', () => {
    const aggregate = new Aggregate();
    aggregate.counts.sent = aggregate.counts.ok = aggregate.counts.planned = 3;
    aggregate.statusCodes['200'] = 3;
    aggregate.responseTime.recordValue(1234);
    aggregate.window(1_700_000_000).ok = 3;
    const json = JSON.parse(JSON.stringify(aggregate.toJSON())) as Json;
    const check = (value: unknown) => {
      try {
        expect(Aggregate.fromJSON(value)).toBeInstanceOf(Aggregate);
      } catch (error) {
        expect(error).toBeInstanceOf(AggregateDecodeError);
      }
    };
    check(json);
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (m) => check(mutate(json, m))), FAST);
    fc.assert(fc.property(fc.anything({ maxDepth: 3 }), check), { numRuns: 1000 });
  });

  it('sliceOutcomeFromJson throws an Error or returns an outcome', () => {
    const outcome = { runId: 'r', sliceId: 'w000-k000', worker: 0, window: 0, status: 'done' as const, planned: 1, sent: 1, lateMs: 0, missed: 0, startedAtMs: 1, endedAtMs: 2, aggregate: new Aggregate() };
    const json = JSON.parse(JSON.stringify(sliceOutcomeToJson(outcome))) as Json;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (m) => {
        try {
          sliceOutcomeFromJson(mutate(json, m));
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
        }
      }),
      FAST,
    );
  });
});

describe('fuzz: slice messages', () => {
  const slice = { runId: '20260101T000000Z-abcdefghijklmnopqrst', sliceId: 'w001-k002', worker: 1, workers: 4, window: 2, windows: 3, fromUs: 2_000_000, toUs: 3_000_000, originEpochMs: 1_767_225_600_000 };
  const check = (text: string) => {
    try {
      const parsed = parseSliceMessage(text);
      expect(parsed.worker).toBeLessThan(parsed.workers);
      expect(parsed.window).toBeLessThan(parsed.windows);
    } catch (error) {
      expect(error).toBeInstanceOf(MalformedSliceMessage);
    }
  };
  it('parses or rejects (MalformedSliceMessage) any text, mutated messages included', () => {
    expect(parseSliceMessage(sliceMessageText(slice))).toEqual(slice);
    fc.assert(fc.property(fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v))), check), FAST);
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (m) => check(JSON.stringify(mutate(slice, m)))), FAST);
  });
});

describe('fuzz: durations and templates', () => {
  it('parseDurationMs returns undefined or a finite ms ≥ 0 for anything; formatDurationMs never throws', () => {
    const text = fc.oneof(fc.string({ maxLength: 20 }), fc.stringMatching(/^[0-9.]{0,6}(ms|s|m|h)?([0-9.]{0,4}(ms|s|m|h))*$/));
    fc.assert(
      fc.property(fc.oneof(text, fc.double(), fc.anything({ maxDepth: 1 })), (value) => {
        const ms = parseDurationMs(value);
        if (ms !== undefined) {
          expect(Number.isNaN(ms)).toBe(false);
          expect(ms).toBeGreaterThanOrEqual(0);
          expect(typeof formatDurationMs(ms)).toBe('string');
        }
      }),
      { numRuns: 5000 },
    );
    expect(parseDurationMs('1h30m')).toBe(5_400_000);
    expect(parseDurationMs('5m ')).toBe(300_000);
  });

  it('Template throws only TemplateError, renders without throwing, and parses in linear time', () => {
    const piece = fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('{{', '}}', '{', '}', ' ', '{{uuid}}', '{{ seq }}', '{{randomInt 1 5}}', '{{randomInt 5 1}}', '{{pick a b}}', '{{pick}}', '{{env FUZZ_SET}}', '{{env FUZZ_UNSET}}', '{{env}}', '{{ x }}'));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), fc.nat(), (pieces, seq) => {
        const text = pieces.join('');
        try {
          const t = new Template(text, { FUZZ_SET: 'v' });
          expect(typeof t.render(seq)).toBe('string');
          expect(templateProblem(text)).toBeUndefined();
        } catch (error) {
          expect(error).toBeInstanceOf(TemplateError);
          // Validation cannot know the environment: only an unset {{env}} passes it and fails at run time.
          if (!/is not set/.test((error as Error).message)) expect(typeof templateProblem(text)).toBe('string');
        }
      }),
      { numRuns: 4000 },
    );
    // A long run of spaces after `{{` used to take exponential-looking time (20 s for 5,000).
    const started = performance.now();
    for (const text of ['{{' + ' '.repeat(200_000), '{{' + ' '.repeat(200_000) + 'x', '{{ '.repeat(50_000), `{{${' '.repeat(100_000)}seq${' '.repeat(100_000)}}}`]) templateProblem(text);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(new Template(`{{${' '.repeat(1000)}seq \t}}`).render(42)).toBe('42');
  });
});
