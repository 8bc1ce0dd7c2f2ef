import { inflateSync } from 'node:zlib';

/**
 * Checks a compressed V2 HdrHistogram encoding ("HISTF…") before hdr-histogram-js decodes it.
 *
 * The library trusts the header: a payload length of 1 GiB in a 60-byte histogram made it read past the
 * end of its buffer for 7–20 s per histogram (found by fuzzing), and a zero-run length of 2^50 would make
 * it walk that many counts. Stored slices and messages come from outside this process, so the header is
 * checked against the bytes actually there, and the run of counts is walked (cheaply) to bound what the
 * decoder will touch. Throws an Error naming what is wrong; returns nothing when the encoding is sane.
 */

const COMPRESSED_COOKIE_BASE = 0x1c849304;
const V2_COOKIE_BASE = 0x1c849303;
const V2_HEADER_BYTES = 40;
/** Largest inflated histogram accepted (a 3-digit histogram of any range needs well under 1 MiB). */
const MAX_INFLATED_BYTES = 8 * 1024 * 1024;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function fail(why: string): never {
  throw new Error(`not an encoded HDR histogram: ${why}`);
}

/** Reads a big-endian signed 64-bit integer as a number, or undefined past 2^53. */
function int64(buffer: Buffer, offset: number): number | undefined {
  const value = buffer.readBigInt64BE(offset);
  return value > BigInt(MAX_SAFE) || value < -BigInt(MAX_SAFE) ? undefined : Number(value);
}

export function checkEncodedHistogram(encoded: string): void {
  const text = encoded.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) fail('not base64');
  const data = Buffer.from(text, 'base64');
  if (data.length < 8) fail('too short');
  if ((data.readInt32BE(0) & ~0xf0) !== COMPRESSED_COOKIE_BASE) fail('no compressed V2 cookie');
  const compressedLength = data.readInt32BE(4);
  if (compressedLength < 0 || compressedLength > data.length - 8) fail(`compressed length ${compressedLength} is not what follows (${data.length - 8} bytes)`);

  let inner: Buffer;
  try {
    inner = inflateSync(data.subarray(8, 8 + compressedLength), { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (error) {
    fail(`cannot inflate (${(error as Error).message})`);
  }
  if (inner.length < V2_HEADER_BYTES) fail('inflated header too short');
  const cookie = inner.readInt32BE(0);
  if ((cookie & ~0xf0) !== V2_COOKIE_BASE) fail('no V2 cookie');
  const payloadLength = inner.readInt32BE(4);
  if (payloadLength < 0 || payloadLength > inner.length - V2_HEADER_BYTES) fail(`payload length ${payloadLength} is not what follows (${inner.length - V2_HEADER_BYTES} bytes)`);
  const digits = inner.readInt32BE(12);
  if (digits < 0 || digits > 5) fail(`${digits} significant digits`);
  const lowest = int64(inner, 16);
  const highest = int64(inner, 24);
  if (lowest === undefined || lowest < 1) fail('lowest trackable value below 1');
  if (highest === undefined || highest < 2 * lowest) fail('highest trackable value below twice the lowest');

  // Most counts any histogram of these digits can hold: (buckets + 1) × half a sub-bucket, with at most
  // 64 buckets (values up to 2^63). The decoder writes (and then walks) up to the last index decoded.
  const subBucketCount = 2 ** Math.ceil(Math.log2(2 * 10 ** digits));
  const maxCounts = 65 * (subBucketCount / 2);
  let index = 0;
  let at = V2_HEADER_BYTES;
  const end = V2_HEADER_BYTES + payloadLength;
  while (at < end) {
    // ZigZag LEB128, as this decoder reads it: up to 9 bytes of 7 bits each (numbers: only magnitudes matter here).
    let value = 0;
    let scale = 1;
    for (let bytes = 1; ; bytes++) {
      if (at >= end) fail('a count runs past the payload');
      const byte = inner[at++];
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0 || bytes === 9) break;
      scale *= 128;
    }
    if (value % 2 === 1) {
      const zeros = (value + 1) / 2;
      if (zeros > maxCounts) fail('a run of zeros longer than any histogram');
      index += zeros;
    } else {
      if (value / 2 > MAX_SAFE) fail('a count too large');
      index++;
    }
    if (index > maxCounts) fail(`${index} counts, more than a ${digits}-digit histogram has`);
  }
}
