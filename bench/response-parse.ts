/**
 * `npm run bench:parse` — CPU time the lean HTTP client's response parser takes per response, on the
 * responses a load run reads most: nginx's (the benches' server, 5 headers) and an Azure ML online
 * endpoint's (11 headers, a JSON body). Each response is parsed whole, --responses times per round
 * (after one round of warm-up); the figure is the median round's ns per response. No network: this
 * isolates the parser from the socket and the scheduler (bench:rate measures them together).
 *
 *   node dist/bench/response-parse.js [--responses 2000000] [--rounds 5]
 */
import type { HeaderSpans } from '../src/core/header-spans.js';
import { Http1ResponseParser, type ResponseSink } from '../src/core/http1-response-parser.js';
import { fmt, machineFacts, machineLine, median, positiveArg, table, writeOut } from './lib/common.js';

const RESPONSES = positiveArg('responses') ?? 2_000_000;
const ROUNDS = positiveArg('rounds') ?? 5;

/** A 200 response with these header lines, then content-length and connection, then the body. */
function response(headerLines: string[], body: string): Buffer {
  const head = ['HTTP/1.1 200 OK', ...headerLines, `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: keep-alive'];
  return Buffer.from(`${head.join('\r\n')}\r\n\r\n${body}`, 'latin1');
}

const CASES: { name: string; bytes: Buffer }[] = [
  {
    name: 'nginx, 5 headers, 11-byte body',
    bytes: response(['Server: nginx/1.22.1', 'Date: Sat, 28 Nov 2026 16:04:31 GMT', 'Content-Type: text/plain'], '{"ok":true}'),
  },
  {
    name: 'Azure ML endpoint, 11 headers, JSON body',
    bytes: response(
      [
        'date: Sat, 28 Nov 2026 16:04:31 GMT',
        'content-type: application/json',
        'x-request-id: 6f1c2a9e-4b7d-4f0e-9a51-3c2d8e7b1a40',
        'x-ms-run-function-failed: False',
        'x-ms-server-version: azmlinfsrv/1.2.3',
        'azureml-model-deployment: blue',
        'x-ms-request-id: 0b5e8f3c-1d2a-4c6b-8e9f-7a3d5c1b2e4f',
        'strict-transport-security: max-age=31536000; includeSubDomains',
        'x-content-type-options: nosniff',
      ],
      '{"predictions":[0.12,0.88],"model":"blue","latency_ms":4.2}',
    ),
  },
];

/** Counts what the parser hands on, so the work cannot be optimized away and a broken parse shows. */
class CountingSink implements ResponseSink {
  headers = 0;
  bodyBytes = 0;
  ends = 0;
  errors = 0;
  onHead(_status: number, headers: HeaderSpans): void {
    this.headers += headers.count;
  }
  onBody(chunk: Buffer): void {
    this.bodyBytes += chunk.length;
  }
  onEnd(): void {
    this.ends++;
  }
  onParseError(): void {
    this.errors++;
  }
}

function round(parser: Http1ResponseParser, bytes: Buffer): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < RESPONSES; i++) {
    parser.expect(false);
    parser.execute(bytes);
  }
  return Number(process.hrtime.bigint() - started) / RESPONSES;
}

const rows: (string | number)[][] = [];
const results: { name: string; nsPerResponse: number; headers: number }[] = [];
for (const c of CASES) {
  const sink = new CountingSink();
  const parser = new Http1ResponseParser(sink);
  round(parser, c.bytes); // warm-up: the JIT optimizes the parser first
  const ns: number[] = [];
  for (let r = 0; r < ROUNDS; r++) ns.push(round(parser, c.bytes));
  const parsed = RESPONSES * (ROUNDS + 1);
  if (sink.errors > 0 || sink.ends !== parsed) {
    process.stderr.write(`bench: ${c.name}: ${sink.errors} parse errors, ${sink.ends} of ${parsed} responses ended\n`);
    process.exit(1);
  }
  const headers = sink.headers / parsed;
  results.push({ name: c.name, nsPerResponse: median(ns), headers });
  rows.push([c.name, headers, fmt(median(ns), 0), fmt(Math.min(...ns), 0), fmt(Math.max(...ns), 0)]);
}

console.log(`bench:parse — lean response parser, ${RESPONSES.toLocaleString('en-US')} responses × ${ROUNDS} rounds per case`);
console.log(machineLine(machineFacts()));
console.log(table(['response', 'headers', 'ns/response (median)', 'min', 'max'], rows));
console.log(`wrote ${writeOut('response-parse', { responses: RESPONSES, rounds: ROUNDS, results })}`);
