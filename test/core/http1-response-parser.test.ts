import { describe, expect, it } from 'vitest';
import { Http1ResponseParser, MAX_HEAD_BYTES, ResponseParseError, type ResponseSink } from '../../src/core/http1-response-parser.js';
import { errorCodeOf } from '../../src/core/error-codes.js';
import type { HeaderSpans } from '../../src/core/header-spans.js';

/** Records what the parser hands on, as plain values (body chunks copied, then joined). */
class RecordingSink implements ResponseSink {
  readonly heads: { status: number; headers: string[] }[] = [];
  readonly chunks: Buffer[] = [];
  readonly ends: boolean[] = [];
  readonly errors: ResponseParseError[] = [];
  /** Called from onBody, after the chunk is recorded. */
  onChunk: ((chunk: Buffer) => void) | null = null;

  onHead(status: number, headers: HeaderSpans): void {
    const fields: string[] = [];
    for (let i = 0; i < headers.count; i++) fields.push(headers.name(i), headers.value(i));
    this.heads.push({ status, headers: fields });
  }

  onBody(chunk: Buffer): void {
    this.chunks.push(Buffer.from(chunk));
    this.onChunk?.(chunk);
  }

  onEnd(keepAlive: boolean): void {
    this.ends.push(keepAlive);
  }

  onParseError(error: ResponseParseError): void {
    this.errors.push(error);
  }

  get body(): string {
    return Buffer.concat(this.chunks).toString('latin1');
  }

  /** Everything recorded, comparable with toEqual. */
  get record(): { heads: { status: number; headers: string[] }[]; body: string; ends: boolean[]; errors: string[] } {
    return { heads: this.heads, body: this.body, ends: this.ends, errors: this.errors.map((e) => e.code) };
  }
}

/** Parses `pieces` (each its own read) as the response to one request; returns the sink and the parser. */
function parse(pieces: (string | Buffer)[], { head = false } = {}): { sink: RecordingSink; parser: Http1ResponseParser } {
  const sink = new RecordingSink();
  const parser = new Http1ResponseParser(sink);
  parser.expect(head);
  for (const piece of pieces) parser.execute(typeof piece === 'string' ? Buffer.from(piece, 'latin1') : piece);
  return { sink, parser };
}

function expectParseError(sink: RecordingSink, code?: string): void {
  expect(sink.ends).toEqual([]);
  expect(sink.errors).toHaveLength(1);
  expect(sink.errors[0]).toBeInstanceOf(ResponseParseError);
  expect(sink.errors[0].code).toMatch(/^HPE_/);
  if (code !== undefined) expect(sink.errors[0].code).toBe(code);
  expect(errorCodeOf(sink.errors[0])).toBe('protocol_error');
}

const CONTENT_LENGTH_RESPONSE = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Test:   padded value \t\r\nContent-Length: 13\r\n\r\n{"ok":"true"}';
const CHUNKED_RESPONSE =
  'HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\nx-test: 1\r\n\r\n' +
  '5;ext=1\r\nhello\r\n' +
  'c; name="quoted;value"\r\n, chunked!\r\n\r\n' +
  '1\r\n.\r\n' +
  '0;last=yes\r\nx-trailer: 1\r\nx-other: two\r\n\r\n';
const INFORMATIONAL_THEN_FINAL = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';

describe('Http1ResponseParser', () => {
  describe('splits', () => {
    const cases: [string, string][] = [
      ['Content-Length', CONTENT_LENGTH_RESPONSE],
      ['chunked with extensions and trailers', CHUNKED_RESPONSE],
      ['1xx heads before the final one', INFORMATIONAL_THEN_FINAL],
    ];
    for (const [name, response] of cases) {
      it(`${name}: the same head, body and end whichever byte the response is split at`, () => {
        const whole = parse([response]).sink.record;
        expect(whole.errors).toEqual([]);
        expect(whole.ends).toEqual([true]);
        for (let at = 1; at < response.length; at++) {
          expect(parse([response.slice(0, at), response.slice(at)]).sink.record, `split at ${at}`).toEqual(whole);
        }
      });

      it(`${name}: the same head, body and end when read one byte at a time`, () => {
        const whole = parse([response]).sink.record;
        expect(parse([...response]).sink.record).toEqual(whole);
      });
    }

    it('the same result when split at every pair of positions (chunked)', () => {
      const whole = parse([CHUNKED_RESPONSE]).sink.record;
      const n = CHUNKED_RESPONSE.length;
      for (let a = 1; a < n; a += 3) {
        for (let b = a + 1; b < n; b += 5) {
          expect(parse([CHUNKED_RESPONSE.slice(0, a), CHUNKED_RESPONSE.slice(a, b), CHUNKED_RESPONSE.slice(b)]).sink.record, `split at ${a}, ${b}`).toEqual(whole);
        }
      }
    });
  });

  describe('Content-Length', () => {
    it('hands on the status, raw headers (names as sent, values trimmed) and exactly content-length bytes', () => {
      const { sink } = parse([CONTENT_LENGTH_RESPONSE]);
      expect(sink.heads).toEqual([{ status: 200, headers: ['Content-Type', 'application/json', 'X-Test', 'padded value', 'Content-Length', '13'] }]);
      expect(sink.body).toBe('{"ok":"true"}');
      expect(sink.ends).toEqual([true]);
      expect(sink.errors).toEqual([]);
    });

    it('framing header names count in any case, and only those names', () => {
      expect(parse(['HTTP/1.1 200 OK\r\nCONTENT-LENGTH: 2\r\n\r\nokEXTRA']).sink.record).toMatchObject({ body: 'ok', ends: [false] });
      expect(parse(['HTTP/1.1 200 OK\r\nTRANSFER-ENCODING: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n']).sink.record).toMatchObject({ body: 'ok', ends: [true] });
      // Same length, another name: no framing, so the body runs until the connection closes.
      const { sink, parser } = parse(['HTTP/1.1 200 OK\r\ncontent-lengtx: 2\r\n\r\nokay']);
      expect(sink.ends).toEqual([]);
      expect(parser.finish()).toBe(true);
      expect(sink.record).toMatchObject({ body: 'okay', ends: [false] });
    });

    it('content-length: 0 ends at the head, with no body', () => {
      const { sink } = parse(['HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n']);
      expect(sink.chunks).toEqual([]);
      expect(sink.ends).toEqual([true]);
    });

    it('does not end before the last byte arrives', () => {
      const { sink, parser } = parse(['HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhell']);
      expect(sink.ends).toEqual([]);
      expect(parser.busy).toBe(true);
      parser.execute(Buffer.from('o'));
      expect(sink.body).toBe('hello');
      expect(sink.ends).toEqual([true]);
      expect(parser.busy).toBe(false);
    });

    it('accepts a repeated content-length with the same value', () => {
      const { sink } = parse(['HTTP/1.1 200 OK\r\ncontent-length: 3\r\nContent-Length: 3\r\n\r\nabc']);
      expect(sink.errors).toEqual([]);
      expect(sink.body).toBe('abc');
      expect(sink.ends).toEqual([true]);
    });

    it('conflicting duplicate content-lengths are a parse error', () => {
      const { sink } = parse(['HTTP/1.1 200 OK\r\ncontent-length: 3\r\ncontent-length: 4\r\n\r\nabcd']);
      expectParseError(sink);
      expect(sink.heads).toEqual([]);
    });

    it('a non-numeric or negative content-length is a parse error', () => {
      expectParseError(parse(['HTTP/1.1 200 OK\r\ncontent-length: 1x\r\n\r\n']).sink);
      expectParseError(parse(['HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n']).sink);
      expectParseError(parse(['HTTP/1.1 200 OK\r\ncontent-length:\r\n\r\n']).sink);
    });

    it('finish() before the body is complete reports the response cut short (false)', () => {
      const { sink, parser } = parse(['HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc']);
      expect(parser.finish()).toBe(false);
      expect(sink.ends).toEqual([]);
    });
  });

  describe('chunked', () => {
    it('reads sizes (hex, any case) and drops extensions and trailers', () => {
      const { sink } = parse([CHUNKED_RESPONSE]);
      expect(sink.heads).toEqual([{ status: 201, headers: ['transfer-encoding', 'chunked', 'x-test', '1'] }]);
      expect(sink.body).toBe('hello, chunked!\r\n.');
      expect(sink.ends).toEqual([true]);
      expect(sink.errors).toEqual([]);
    });

    it('reads a hex size in upper and lower case', () => {
      const body = 'x'.repeat(0x1a);
      expect(parse([`HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1a\r\n${body}\r\n0\r\n\r\n`]).sink.body).toBe(body);
      expect(parse([`HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1A\r\n${body}\r\n0\r\n\r\n`]).sink.body).toBe(body);
    });

    it('does not end until the empty line after the trailers', () => {
      const { sink, parser } = parse(['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nx-trailer: 1\r\n']);
      expect(sink.ends).toEqual([]);
      parser.execute(Buffer.from('\r\n'));
      expect(sink.ends).toEqual([true]);
    });

    it('chunked wins over a content-length in the same head', () => {
      const { sink } = parse(['HTTP/1.1 200 OK\r\ncontent-length: 100\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n']);
      expect(sink.body).toBe('abc');
      expect(sink.ends).toEqual([true]);
    });

    it('an invalid chunk size is a parse error', () => {
      const { sink } = parse(['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n']);
      expectParseError(sink, 'HPE_INVALID_CHUNK_SIZE');
      expect(sink.chunks).toEqual([]);
    });

    it('a chunk-size line with no size is a parse error', () => {
      expectParseError(parse(['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n;ext\r\n']).sink, 'HPE_INVALID_CHUNK_SIZE');
    });

    it('a chunk size too large to be real is a parse error', () => {
      expectParseError(parse(['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nffffffffffffff\r\n']).sink, 'HPE_INVALID_CHUNK_SIZE');
    });

    it('chunk data not followed by CRLF is a parse error', () => {
      const { sink } = parse(['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n']);
      expectParseError(sink);
      expect(sink.body).toBe('abc');
    });

    it('a transfer-encoding other than chunked last reads until close, and the connection is not reused', () => {
      const { sink, parser } = parse(['HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\nabc', 'def']);
      expect(sink.ends).toEqual([]);
      expect(parser.finish()).toBe(true);
      expect(sink.body).toBe('abcdef');
      expect(sink.ends).toEqual([false]);
    });
  });

  describe('malformed heads', () => {
    it('an obs-fold (folded) header line is a parse error', () => {
      const { sink } = parse(['HTTP/1.1 200 OK\r\nx-a: 1\r\n  continued\r\ncontent-length: 0\r\n\r\n']);
      expectParseError(sink);
      expect(sink.heads).toEqual([]);
    });

    it('a head larger than MAX_HEAD_BYTES (in one read) is HPE_HEADER_OVERFLOW', () => {
      const { sink } = parse([`HTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(MAX_HEAD_BYTES)}\r\ncontent-length: 0\r\n\r\n`]);
      expectParseError(sink, 'HPE_HEADER_OVERFLOW');
      expect(sink.heads).toEqual([]);
    });

    it('a head that grows past MAX_HEAD_BYTES over many reads, never ending, is HPE_HEADER_OVERFLOW', () => {
      const sink = new RecordingSink();
      const parser = new Http1ResponseParser(sink);
      parser.expect(false);
      parser.execute(Buffer.from('HTTP/1.1 200 OK\r\nx-big: '));
      const piece = Buffer.alloc(4096, 'a');
      for (let sent = 0; sent <= MAX_HEAD_BYTES + piece.length && sink.errors.length === 0; sent += piece.length) parser.execute(piece);
      expectParseError(sink, 'HPE_HEADER_OVERFLOW');
      expect(parser.busy).toBe(false);
    });

    it('a head just under MAX_HEAD_BYTES is accepted', () => {
      const prefix = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\nx-big: ';
      const head = `${prefix}${'a'.repeat(MAX_HEAD_BYTES - prefix.length - 100)}\r\n\r\n`;
      const { sink } = parse([head.slice(0, 1000), head.slice(1000), 'ok']);
      expect(sink.errors).toEqual([]);
      expect(sink.heads[0].status).toBe(200);
      expect(sink.body).toBe('ok');
    });

    it('trailers larger than MAX_HEAD_BYTES are HPE_HEADER_OVERFLOW', () => {
      const { sink } = parse([`HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\nx-big: ${'a'.repeat(MAX_HEAD_BYTES)}`]);
      expectParseError(sink, 'HPE_HEADER_OVERFLOW');
    });

    it('a response that does not start with HTTP/1.x is a parse error', () => {
      const { sink } = parse(['HELLO\r\n\r\n']);
      expectParseError(sink);
      expect(sink.heads).toEqual([]);
      expectParseError(parse(['HTTP/2.0 200 OK\r\n\r\n']).sink);
    });

    it('an invalid status line is a parse error', () => {
      expectParseError(parse(['HTTP/1.1 2x0 OK\r\n\r\n']).sink, 'HPE_INVALID_STATUS');
      expectParseError(parse(['HTTP/1.1 20 OK\r\n\r\n']).sink, 'HPE_INVALID_STATUS');
      expectParseError(parse(['HTTP/1.1 200OK\r\n\r\n']).sink, 'HPE_INVALID_STATUS');
    });

    it('a status line with no reason phrase is accepted', () => {
      const { sink } = parse(['HTTP/1.1 200\r\ncontent-length: 2\r\n\r\nok']);
      expect(sink.errors).toEqual([]);
      expect(sink.heads[0].status).toBe(200);
      expect(sink.body).toBe('ok');
    });

    it('a header line without a colon is a parse error', () => {
      expectParseError(parse(['HTTP/1.1 200 OK\r\nno colon here\r\n\r\n']).sink);
      expectParseError(parse(['HTTP/1.1 200 OK\r\n: no name\r\n\r\n']).sink);
    });

    it('a bare CR in a header line is a parse error', () => {
      expectParseError(parse(['HTTP/1.1 200 OK\r\nx-a: 1\rx-b: 2\r\n\r\n']).sink, 'HPE_LF_EXPECTED');
    });

    it('a bare LF in a header line is a parse error (it could hide a header from one reader and not another)', () => {
      expectParseError(parse(['HTTP/1.1 200 OK\r\nx-a: 1\ncontent-length: 5\r\ncontent-length: 2\r\n\r\nok']).sink, 'HPE_CR_EXPECTED');
      expectParseError(parse(['HTTP/1.1 200 OK\r\nx-a: 1\r\nx-b: 2\n\r\n\r\n']).sink, 'HPE_CR_EXPECTED');
    });

    it('a bare LF in the status line is a parse error', () => {
      expectParseError(parse(['HTTP/1.1 200 OK\ncontent-length: 2\r\n\r\nok']).sink, 'HPE_CR_EXPECTED');
    });

    it('a 101 Switching Protocols nobody asked for is a parse error', () => {
      expectParseError(parse(['HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n']).sink, 'HPE_UNEXPECTED_UPGRADE');
    });
  });

  describe('1xx', () => {
    it('skips 100 and 103 heads: the sink sees only the final one', () => {
      const { sink } = parse([INFORMATIONAL_THEN_FINAL]);
      expect(sink.heads).toEqual([{ status: 200, headers: ['content-length', '2'] }]);
      expect(sink.body).toBe('ok');
      expect(sink.ends).toEqual([true]);
    });

    it('skips a 1xx head that arrives in its own read', () => {
      const { sink } = parse(['HTTP/1.1 100 Continue\r\n\r\n', 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok']);
      expect(sink.heads.map((h) => h.status)).toEqual([200]);
      expect(sink.body).toBe('ok');
    });
  });

  describe('keep-alive', () => {
    it('HTTP/1.1 keeps the connection by default', () => {
      expect(parse(['HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n']).sink.ends).toEqual([true]);
    });

    it('HTTP/1.0 without keep-alive ends with onEnd(false)', () => {
      expect(parse(['HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok']).sink.ends).toEqual([false]);
    });

    it('HTTP/1.0 with connection: keep-alive ends with onEnd(true)', () => {
      expect(parse(['HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\ncontent-length: 2\r\n\r\nok']).sink.ends).toEqual([true]);
    });

    it('connection: close ends with onEnd(false), in any case and among other tokens', () => {
      expect(parse(['HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok']).sink.ends).toEqual([false]);
      expect(parse(['HTTP/1.1 200 OK\r\nConnection: Upgrade, Close\r\ncontent-length: 2\r\n\r\nok']).sink.ends).toEqual([false]);
    });

    it('bytes after a complete response end it with onEnd(false)', () => {
      expect(parse(['HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokEXTRA']).sink.ends).toEqual([false]);
      expect(parse(['HTTP/1.1 204 No Content\r\n\r\nX']).sink.ends).toEqual([false]);
      expect(parse(['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\nX']).sink.ends).toEqual([false]);
    });

    it('bytes when no response is expected are ignored (the parser is idle)', () => {
      const { sink, parser } = parse(['HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok']);
      parser.execute(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nno'));
      expect(sink.heads).toHaveLength(1);
      expect(sink.body).toBe('ok');
      expect(sink.ends).toEqual([true]);
    });

    it('connection: keep-alive counts in any case; a lookalike name of the same length does not', () => {
      expect(parse(['HTTP/1.0 200 OK\r\nCONNECTION: KEEP-ALIVE\r\ncontent-length: 2\r\n\r\nok']).sink.ends).toEqual([true]);
      expect(parse(['HTTP/1.0 200 OK\r\nconnectiox: keep-alive\r\ncontent-length: 2\r\n\r\nok']).sink.ends).toEqual([false]);
      expect(parse(['HTTP/1.1 200 OK\r\nconnection: keep-alivx\r\ncontent-length: 2\r\n\r\nok']).sink.ends).toEqual([true]);
    });

    it('keep-alive: timeout=5 sets serverKeepAliveMs to 5000', () => {
      const { parser } = parse(['HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5, max=1000\r\ncontent-length: 0\r\n\r\n']);
      expect(parser.serverKeepAliveMs).toBe(5000);
      expect(parse(['HTTP/1.1 200 OK\r\nkeep-alive: max=10, timeout=2\r\ncontent-length: 0\r\n\r\n']).parser.serverKeepAliveMs).toBe(2000);
    });

    it('serverKeepAliveMs is −1 when no keep-alive timeout was announced', () => {
      expect(parse(['HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n']).parser.serverKeepAliveMs).toBe(-1);
    });

    it('reads consecutive responses, one per expect(), on one parser', () => {
      const sink = new RecordingSink();
      const parser = new Http1ResponseParser(sink);
      parser.expect(false);
      parser.execute(Buffer.from('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\none\r\n0\r\n\r\n'));
      parser.expect(true);
      parser.execute(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 99\r\n\r\n'));
      parser.expect(false);
      parser.execute(Buffer.from('HTTP/1.1 404 Not Found\r\ncontent-length: 3\r\n\r\ntwo'));
      expect(sink.heads.map((h) => h.status)).toEqual([200, 200, 404]);
      expect(sink.body).toBe('onetwo');
      expect(sink.ends).toEqual([true, true, true]);
      expect(sink.errors).toEqual([]);
    });
  });

  describe('responses without a body', () => {
    it('a HEAD request (expect(true)) with a content-length: no body, ends at the head', () => {
      const { sink, parser } = parse(['HTTP/1.1 200 OK\r\ncontent-length: 1234\r\n\r\n'], { head: true });
      expect(sink.heads[0].headers).toEqual(['content-length', '1234']);
      expect(sink.chunks).toEqual([]);
      expect(sink.ends).toEqual([true]);
      expect(parser.busy).toBe(false);
    });

    it('a HEAD request with transfer-encoding: chunked: no body, ends at the head', () => {
      const { sink } = parse(['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n'], { head: true });
      expect(sink.chunks).toEqual([]);
      expect(sink.ends).toEqual([true]);
    });

    it('204 and 304 have no body, even with a content-length', () => {
      for (const status of ['204 No Content', '304 Not Modified']) {
        const { sink, parser } = parse([`HTTP/1.1 ${status}\r\ncontent-length: 10\r\n\r\n`]);
        expect(sink.heads.map((h) => h.status)).toEqual([Number(status.slice(0, 3))]);
        expect(sink.chunks).toEqual([]);
        expect(sink.ends).toEqual([true]);
        expect(parser.busy).toBe(false);
      }
      const bare = parse(['HTTP/1.1 304 Not Modified\r\netag: "x"\r\n\r\n']).sink;
      expect(bare.ends).toEqual([true]);
    });
  });

  describe('close-delimited bodies', () => {
    it('a response with no content-length or transfer-encoding reads until finish(), then onEnd(false)', () => {
      const { sink, parser } = parse(['HTTP/1.1 200 OK\r\n\r\nab', 'c']);
      expect(sink.ends).toEqual([]);
      expect(parser.busy).toBe(true);
      expect(parser.finish()).toBe(true);
      expect(sink.body).toBe('abc');
      expect(sink.ends).toEqual([false]);
      expect(parser.busy).toBe(false);
    });

    it('finish() while idle is not a cut-short response', () => {
      const { parser } = parse(['HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n']);
      expect(parser.finish()).toBe(true);
    });

    it('finish() before the head is complete reports the response cut short', () => {
      expect(parse(['HTTP/1.1 200 OK\r\ncontent-le']).parser.finish()).toBe(false);
    });
  });

  describe('stop()', () => {
    /** A parser awaiting a GET's response whose sink stops it at the first body chunk. */
    function stoppingInOnBody(): { sink: RecordingSink; parser: Http1ResponseParser } {
      const sink = new RecordingSink();
      const parser = new Http1ResponseParser(sink);
      sink.onChunk = () => parser.stop();
      parser.expect(false);
      return { sink, parser };
    }

    it('a sink that calls stop() in onBody gets no more of the chunked body and no end', () => {
      const { sink, parser } = stoppingInOnBody();
      parser.execute(Buffer.from('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n'));
      expect(sink.body).toBe('abc');
      expect(sink.chunks).toHaveLength(1);
      expect(sink.ends).toEqual([]);
      expect(sink.errors).toEqual([]);
      expect(parser.busy).toBe(false);
    });

    it('a sink that calls stop() in onBody gets no more of a Content-Length body in later reads', () => {
      const { sink, parser } = stoppingInOnBody();
      parser.execute(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nabc'));
      parser.execute(Buffer.from('def'));
      expect(sink.body).toBe('abc');
      expect(sink.ends).toEqual([]);
    });

    it('a sink that calls stop() in onHead gets no body and no end', () => {
      const sink = new RecordingSink();
      const parser = new Http1ResponseParser(sink);
      sink.onHead = function (status, rawHeaders) {
        RecordingSink.prototype.onHead.call(this, status, rawHeaders);
        parser.stop();
      };
      parser.expect(false);
      parser.execute(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nabc'));
      expect(sink.heads).toHaveLength(1);
      expect(sink.chunks).toEqual([]);
      expect(sink.ends).toEqual([]);
    });

    it('a sink that stops and starts the next response in onBody: the rest of the old read is not taken for the new response', () => {
      const sink = new RecordingSink();
      const parser = new Http1ResponseParser(sink);
      sink.onChunk = () => {
        sink.onChunk = null;
        parser.stop();
        parser.expect(false);
      };
      parser.expect(false);
      parser.execute(Buffer.from('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'));
      expect(sink.errors).toEqual([]);
      expect(sink.ends).toEqual([]);
      parser.execute(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'));
      expect(sink.heads).toHaveLength(2);
      expect(sink.body).toBe('abcok');
      expect(sink.ends).toEqual([true]);
    });
  });
});
