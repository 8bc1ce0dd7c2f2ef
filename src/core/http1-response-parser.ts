import { equalsLowercase } from './equals-lowercase.js';
import { HeaderSpans } from './header-spans.js';

/** What a parsed response is handed to, in order: its head, its body's bytes, its end (or an error). */
export interface ResponseSink {
  /** A final (non-1xx) response: its status and header fields (valid only during the call). */
  onHead(status: number, headers: HeaderSpans): void;
  onBody(chunk: Buffer): void;
  /** The response is complete; `keepAlive` is false when the connection must not carry another request. */
  onEnd(keepAlive: boolean): void;
  onParseError(error: ResponseParseError): void;
}

/** A response that breaks HTTP/1.1 framing (its code starts with HPE_, like llhttp's, so it counts as protocol_error). */
export class ResponseParseError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ResponseParseError';
  }
}

/** Largest response head (status line and headers) or trailer section accepted, bytes (undici's default is 16 KiB). */
export const MAX_HEAD_BYTES = 64 * 1024;
/** Largest chunk-size line, extensions included, bytes. */
const MAX_CHUNK_LINE_BYTES = 1024;

const IDLE = 0;
const HEAD = 1;
const LENGTH = 2;
const CHUNK_SIZE = 3;
const CHUNK_DATA = 4;
const CHUNK_DATA_END = 5;
const TRAILERS = 6;
const UNTIL_CLOSE = 7;

const CR = 13;
const LF = 10;
const SP = 32;
const HTAB = 9;
const COLON = 58;
const SEMICOLON = 59;
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const HTTP_1 = Buffer.from('HTTP/1.', 'latin1');
// Header names (and the usual connection value) compared as bytes: no string per header per response.
const CONTENT_LENGTH = Buffer.from('content-length', 'latin1');
const TRANSFER_ENCODING = Buffer.from('transfer-encoding', 'latin1');
const CONNECTION = Buffer.from('connection', 'latin1');
const KEEP_ALIVE = Buffer.from('keep-alive', 'latin1');
// Built once: a regex literal in readHead would make a new RegExp object on every response that has the header.
const CLOSE_TOKEN = /(^|,)\s*close\s*(,|$)/;
const KEEP_ALIVE_TOKEN = /(^|,)\s*keep-alive\s*(,|$)/;
const KEEP_ALIVE_TIMEOUT = /(?:^|[,;\s])timeout\s*=\s*(\d+)/;

/**
 * Reads HTTP/1.1 responses from a connection's bytes, one per request (no pipelining), in chunks split
 * anywhere. Bodies are framed by Content-Length, chunked transfer coding (sizes, extensions and trailers
 * are read and dropped), or the connection's close; HEAD, 204 and 304 responses have none; 1xx heads are
 * skipped. Body bytes are handed on as views of the read buffers, never copied; the head as offsets
 * into them (HeaderSpans), so a usual response makes no object per header and no string (names are
 * compared as bytes; only transfer-encoding, keep-alive and unusual connection values become strings).
 */
export class Http1ResponseParser {
  private state = IDLE;
  /** Changes whenever a response starts or reading stops: a sink call that ended this response (an abort) is seen. */
  private generation = 0;
  private isHeadRequest = false;
  /** Bytes of a head (or trailer section) split over reads. */
  private pending: Buffer | null = null;
  private remaining = 0;
  private keepAlive = true;
  private chunkSizeDigits = 0;
  private inChunkExtension = false;
  private lineBytes = 0;
  private trailerBytes = 0;
  /** Keep-alive timeout the server announced (`keep-alive: timeout=N`), ms; −1 when none. */
  serverKeepAliveMs = -1;
  /** The head being read, handed to the sink (one object for every response of the connection). */
  private readonly headers = new HeaderSpans();

  constructor(private readonly sink: ResponseSink) {}

  /** Starts reading the response to a request just sent. */
  expect(isHeadRequest: boolean): void {
    this.state = HEAD;
    this.generation++;
    this.isHeadRequest = isHeadRequest;
    this.pending = null;
    this.keepAlive = true;
  }

  /** Stops reading (the request was aborted): the rest of this read is ignored. */
  stop(): void {
    this.state = IDLE;
    this.generation++;
    this.pending = null;
  }

  /** True while a response is being read. */
  get busy(): boolean {
    return this.state !== IDLE;
  }

  /**
   * The connection's input ended. Ends a close-delimited body; returns false when a response was cut
   * short (the caller reports the closed socket).
   */
  finish(): boolean {
    if (this.state === UNTIL_CLOSE) {
      this.state = IDLE;
      this.sink.onEnd(false);
      return true;
    }
    return this.state === IDLE;
  }

  execute(data: Buffer): void {
    const generation = this.generation;
    let offset = 0;
    while (offset < data.length) {
      switch (this.state) {
        case IDLE:
          // Bytes nobody asked for (no pipelining): the connection cannot be trusted with another request.
          return;
        case HEAD: {
          let buffer = data;
          let start = offset;
          if (this.pending !== null) {
            buffer = Buffer.concat([this.pending, data.subarray(offset)]);
            start = 0;
            this.pending = null;
          }
          const end = buffer.indexOf(CRLFCRLF, start);
          if (end < 0 || end - start > MAX_HEAD_BYTES) {
            if (buffer.length - start > MAX_HEAD_BYTES) return this.fail('HPE_HEADER_OVERFLOW', `response head larger than ${MAX_HEAD_BYTES} bytes`);
            // A copy: the bytes may sit in a read buffer the next read overwrites (Http1Connection.sharedReadOption).
            this.pending = Buffer.from(buffer.subarray(start));
            return;
          }
          if (!this.readHead(buffer, start, end, buffer.length > end + 4) || this.generation !== generation) return;
          data = buffer;
          offset = end + 4;
          break;
        }
        case LENGTH: {
          offset = this.passBody(data, offset);
          if (this.generation !== generation) return;
          if (this.remaining === 0) return this.complete(offset < data.length);
          break;
        }
        case UNTIL_CLOSE:
          this.sink.onBody(offset === 0 ? data : data.subarray(offset));
          return;
        case CHUNK_SIZE:
          offset = this.readChunkSize(data, offset);
          break;
        case CHUNK_DATA: {
          offset = this.passBody(data, offset);
          if (this.generation !== generation) return;
          if (this.remaining === 0) this.state = CHUNK_DATA_END;
          break;
        }
        case CHUNK_DATA_END: {
          const c = data[offset++];
          if (c === LF) this.startChunkSize();
          else if (c !== CR) return this.fail('HPE_STRICT', 'chunk data not followed by CRLF');
          break;
        }
        case TRAILERS:
          // Returns the end of the read once the message is complete (or failed).
          offset = this.readTrailers(data, offset);
          break;
      }
    }
  }

  /**
   * Reads the head in buffer[start, end) (end: where its CRLFCRLF starts); false when reading must stop.
   * `more`: bytes follow the head in this read.
   */
  private readHead(buffer: Buffer, start: number, end: number, more: boolean): boolean {
    if (buffer.compare(HTTP_1, 0, HTTP_1.length, start, start + HTTP_1.length) !== 0) return this.fail('HPE_INVALID_CONSTANT', 'response does not start with HTTP/1.x'), false;
    const minor = buffer[start + 7];
    const status = digit(buffer[start + 9]) * 100 + digit(buffer[start + 10]) * 10 + digit(buffer[start + 11]);
    const afterStatus = buffer[start + 12];
    if ((minor !== 48 && minor !== 49) || buffer[start + 8] !== SP || !(status >= 100 && status <= 999) || (afterStatus !== SP && afterStatus !== CR)) {
      return this.fail('HPE_INVALID_STATUS', 'invalid response status line'), false;
    }
    let keepAlive = minor === 49; // HTTP/1.0 closes unless it says keep-alive
    let contentLength = -1;
    let chunked = false;
    let transferEncoding = false;
    const headers = this.headers;
    headers.reset(buffer);
    let p = buffer.indexOf(CR, start + 12);
    p = p < 0 || p > end ? end + 2 : p + 2;
    if (buffer.indexOf(LF, start) !== p - 1) return this.fail('HPE_CR_EXPECTED', 'bare LF in the status line'), false;
    while (p < end + 2) {
      let eol = buffer.indexOf(CR, p);
      if (eol < 0 || eol > end) eol = end;
      if (buffer[eol + 1] !== LF) return this.fail('HPE_LF_EXPECTED', 'header line not ended by CRLF'), false;
      // A bare LF would end the line for some readers and not for others (a header hidden in a value).
      if (buffer.indexOf(LF, p) !== eol + 1) return this.fail('HPE_CR_EXPECTED', 'bare LF in a header line'), false;
      const first = buffer[p];
      if (first === SP || first === HTAB) return this.fail('HPE_INVALID_HEADER_TOKEN', 'folded header line'), false;
      const colon = buffer.indexOf(COLON, p);
      if (colon <= p || colon > eol) return this.fail('HPE_INVALID_HEADER_TOKEN', 'header line without a name and colon'), false;
      let valueStart = colon + 1;
      while (valueStart < eol && (buffer[valueStart] === SP || buffer[valueStart] === HTAB)) valueStart++;
      let valueEnd = eol;
      while (valueEnd > valueStart && (buffer[valueEnd - 1] === SP || buffer[valueEnd - 1] === HTAB)) valueEnd--;
      headers.add(p, colon, valueStart, valueEnd);
      const nameLength = colon - p;
      if (nameLength === 14 && equalsLowercase(buffer, p, CONTENT_LENGTH)) {
        const length = parseDecimal(buffer, valueStart, valueEnd);
        if (length < 0 || (contentLength >= 0 && length !== contentLength)) return this.fail('HPE_INVALID_CONTENT_LENGTH', 'invalid or conflicting content-length'), false;
        contentLength = length;
      } else if (nameLength === 17 && equalsLowercase(buffer, p, TRANSFER_ENCODING)) {
        transferEncoding = true;
        const codings = lower(buffer, valueStart, valueEnd).split(',');
        chunked = codings[codings.length - 1].trim() === 'chunked';
      } else if (nameLength === 10) {
        if (equalsLowercase(buffer, p, CONNECTION)) {
          // The usual value needs no string; lists of tokens do.
          if (valueEnd - valueStart === KEEP_ALIVE.length && equalsLowercase(buffer, valueStart, KEEP_ALIVE)) keepAlive = true;
          else {
            const tokens = lower(buffer, valueStart, valueEnd);
            if (CLOSE_TOKEN.test(tokens)) keepAlive = false;
            else if (KEEP_ALIVE_TOKEN.test(tokens)) keepAlive = true;
          }
        } else if (equalsLowercase(buffer, p, KEEP_ALIVE)) {
          const timeout = KEEP_ALIVE_TIMEOUT.exec(lower(buffer, valueStart, valueEnd));
          if (timeout) this.serverKeepAliveMs = Number(timeout[1]) * 1000;
        }
      }
      p = eol + 2;
    }
    if (status < 200) {
      // 1xx informational: the real response follows. 101 would switch protocols, which no request asks for.
      headers.release();
      if (status === 101) return this.fail('HPE_UNEXPECTED_UPGRADE', 'unexpected 101 Switching Protocols'), false;
      return true;
    }
    this.keepAlive = keepAlive;
    const generation = this.generation;
    this.sink.onHead(status, headers);
    headers.release();
    if (this.generation !== generation) return false;
    if (this.isHeadRequest || status === 204 || status === 304) {
      this.complete(more);
      return false;
    }
    if (transferEncoding) {
      if (chunked) {
        this.startChunkSize();
        return true;
      }
      this.keepAlive = false;
      this.state = UNTIL_CLOSE;
      return true;
    }
    if (contentLength === 0) {
      this.complete(more);
      return false;
    }
    if (contentLength > 0) {
      this.state = LENGTH;
      this.remaining = contentLength;
      return true;
    }
    this.keepAlive = false;
    this.state = UNTIL_CLOSE;
    return true;
  }

  /** Hands the sink up to `remaining` body bytes from `offset` (a view, not a copy); returns where they end. */
  private passBody(data: Buffer, offset: number): number {
    const take = Math.min(this.remaining, data.length - offset);
    this.remaining -= take;
    this.sink.onBody(data.subarray(offset, offset + take));
    return offset + take;
  }

  private startChunkSize(): void {
    this.state = CHUNK_SIZE;
    this.remaining = 0;
    this.chunkSizeDigits = 0;
    this.inChunkExtension = false;
    this.lineBytes = 0;
  }

  /** Reads a chunk-size line (hex size, optional extensions, CRLF); returns where it stopped. */
  private readChunkSize(data: Buffer, offset: number): number {
    while (offset < data.length) {
      const c = data[offset++];
      if (++this.lineBytes > MAX_CHUNK_LINE_BYTES) return this.fail('HPE_INVALID_CHUNK_SIZE', 'chunk-size line too long'), data.length;
      if (c === LF) {
        if (this.chunkSizeDigits === 0) return this.fail('HPE_INVALID_CHUNK_SIZE', 'chunk-size line without a size'), data.length;
        if (this.remaining === 0) {
          this.state = TRAILERS;
          this.lineBytes = 0;
          this.trailerBytes = 0;
        } else {
          this.state = CHUNK_DATA;
        }
        return offset;
      }
      if (this.inChunkExtension) continue;
      const hex = hexValue(c);
      if (hex >= 0) {
        this.remaining = this.remaining * 16 + hex;
        if (++this.chunkSizeDigits > 13) return this.fail('HPE_INVALID_CHUNK_SIZE', 'chunk size too large'), data.length;
      } else if (c === CR || c === SEMICOLON || c === SP || c === HTAB) {
        this.inChunkExtension = true;
      } else {
        return this.fail('HPE_INVALID_CHUNK_SIZE', 'invalid character in chunk size'), data.length;
      }
    }
    return offset;
  }

  /** Reads trailer lines up to the empty line that ends the message; returns where it stopped. */
  private readTrailers(data: Buffer, offset: number): number {
    while (offset < data.length) {
      const c = data[offset++];
      if (++this.trailerBytes > MAX_HEAD_BYTES) return this.fail('HPE_HEADER_OVERFLOW', `trailers larger than ${MAX_HEAD_BYTES} bytes`), data.length;
      if (c === LF) {
        if (this.lineBytes === 0) {
          this.complete(offset < data.length);
          return data.length;
        }
        this.lineBytes = 0;
      } else if (c !== CR) {
        this.lineBytes++;
      }
    }
    return offset;
  }

  /** The response ended; bytes after it (no request asked for them) mean the connection is not reused. */
  private complete(extraBytes: boolean): void {
    this.state = IDLE;
    this.sink.onEnd(this.keepAlive && !extraBytes);
  }

  private fail(code: string, message: string): void {
    this.state = IDLE;
    this.pending = null;
    this.headers.release();
    this.sink.onParseError(new ResponseParseError(code, message));
  }
}

function digit(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : -1000;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 32;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/** bytes[from, to) as a non-negative decimal of digits only, or −1. */
function parseDecimal(bytes: Buffer, from: number, to: number): number {
  if (to === from || to - from > 15) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = bytes[i] - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

function lower(bytes: Buffer, from: number, to: number): string {
  return bytes.toString('latin1', from, to).toLowerCase();
}
