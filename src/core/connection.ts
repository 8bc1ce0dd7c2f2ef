import type { Dispatcher } from 'undici';

/**
 * One HTTP/1.1 connection to the target's origin, carrying one request at a time (no pipelining). It
 * connects on its first request and again after the server closes it. The handler gets undici's raw
 * handler calls — onConnect(abort), onHeaders(status, rawHeaders), onData, onComplete, or onError — so
 * an undici `Client` is one implementation and `Http1Connection` the other.
 */
export interface Connection {
  /** Sends the request; everything that follows, failures included, reaches the handler. */
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void;
  /** Closes once idle. */
  close(): Promise<void>;
  /** Closes now; a request in flight ends with an error. */
  destroy(): Promise<void>;
}
