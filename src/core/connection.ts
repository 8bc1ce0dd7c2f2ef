import type { Dispatcher } from 'undici';
import type { ResponseHeaders } from './response-headers.js';

/**
 * undici's raw handler, which may also take a response's head as ResponseHeaders: a Connection that
 * can (Http1Connection) calls `onResponseHead` instead of `onHeaders`, and builds no header Buffers.
 */
export interface ConnectionHandler extends Dispatcher.DispatchHandler {
  onResponseHead?(status: number, headers: ResponseHeaders): void;
}

/**
 * One HTTP/1.1 connection to the target's origin, carrying one request at a time (no pipelining). It
 * connects on its first request and again after the server closes it. The handler gets undici's raw
 * handler calls — onConnect(abort), onHeaders(status, rawHeaders), onData, onComplete, or onError — so
 * an undici `Client` is one implementation and `Http1Connection` the other. A chunk handed to onData
 * (and a head's bytes) may be a view of a read buffer that is reused once the call returns: a handler
 * copies what it keeps.
 */
export interface Connection {
  /** Sends the request; everything that follows, failures included, reaches the handler. */
  dispatch(options: Dispatcher.DispatchOptions, handler: ConnectionHandler): void;
  /** Closes once idle. */
  close(): Promise<void>;
  /** Closes now; a request in flight ends with an error. */
  destroy(): Promise<void>;
  /**
   * Connects now, before its first request, when the implementation can (undici's Client connects only
   * on a request). Resolves once connected or failed; a failure is not reported here: the next request
   * connects again and fails as data.
   */
  open?(): Promise<void>;
  /**
   * False when the connection holds no socket (the server closed it, or it never connected): its next
   * request connects first. Absent when the implementation cannot tell (undici's Client).
   */
  readonly connected?: boolean;
}
