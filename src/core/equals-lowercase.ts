/**
 * Whether bytes[at, at + word.length) spell `word` — lowercase ASCII letters and '-' only — in any
 * case, without making a string (header names on the hot path: one comparison per header per response).
 * OR-ing 0x20 folds A–Z onto a–z; of the other bytes only CR (0x0D) folds onto '-', and no header
 * name holds one (both HTTP clients end a header line at CR). The caller checks the length first.
 */
export function equalsLowercase(bytes: Uint8Array, at: number, word: Uint8Array): boolean {
  for (let i = 0; i < word.length; i++) if ((bytes[at + i] | 0x20) !== word[i]) return false;
  return true;
}
