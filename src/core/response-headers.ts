/**
 * A response's header fields as the client reads them: by position, comparing names as bytes, so a
 * response's headers cost no string and no Buffer each (the client reads at most four of them).
 * Valid only during the call that hands it over: the bytes may be a read buffer that is reused.
 */
export interface ResponseHeaders {
  /** Header fields, in the order received. */
  readonly count: number;
  /** Length of field i's name, bytes. */
  nameLength(i: number): number;
  /** Whether field i's name is `word` (lowercase ASCII letters and '-') in any case. */
  nameIs(i: number, word: Uint8Array): boolean;
  /** Field i's name as received (latin1). */
  name(i: number): string;
  /** Field i's value, surrounding whitespace removed (latin1). */
  value(i: number): string;
  /** Length of field i's value, bytes. */
  valueLength(i: number): number;
  /** Whether field i's value holds `bytes` (case-sensitive). */
  valueIncludes(i: number, bytes: Uint8Array): boolean;
}
