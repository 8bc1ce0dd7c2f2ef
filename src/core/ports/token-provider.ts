/**
 * Supplies the value of the target's auth header. Tokens are fetched before load starts and refreshed
 * in the background ahead of expiry: `current()` only reads memory, so it is safe on the hot path.
 */
export interface TokenProvider {
  /** Header that carries the credential (e.g. "authorization"), or undefined when there is none. */
  readonly header: string | undefined;
  /** Gets the first token; rejects with an error whose message holds no secret. */
  start(abortSignal?: AbortSignal): Promise<void>;
  /** The header value to send now (e.g. "Bearer …"). */
  current(): string | undefined;
  /** Stops background refresh. */
  stop(): void;
}

export const noTokenProvider: TokenProvider = {
  header: undefined,
  start: async () => {},
  current: () => undefined,
  stop: () => {},
};
