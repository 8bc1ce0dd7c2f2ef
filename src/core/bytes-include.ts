/** Whether bytes[from, to) holds `needle` (a plain scan: made for header values, which are short). */
export function bytesInclude(bytes: Uint8Array, from: number, to: number, needle: Uint8Array): boolean {
  const last = to - needle.length;
  outer: for (let at = from; at <= last; at++) {
    for (let j = 0; j < needle.length; j++) if (bytes[at + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}
