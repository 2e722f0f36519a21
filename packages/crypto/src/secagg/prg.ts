/**
 * The mask PRG of secure aggregation (Bonawitz et al., CCS 2017, §4 "PRG"): a 32-byte seed
 * expands to a vector in Z_{2^32}, and masks are added to or subtracted from a vector in place
 * with wrap-around arithmetic.
 *
 * Construction: the ChaCha20 keystream (RFC 8439, node:crypto `chacha20`) under key = seed,
 * counter 0 and an all-zero nonce, read as little-endian 32-bit words. Every seed is used for
 * exactly one keystream, so the fixed nonce is safe. 100,000 words take ≈ 0.1 ms.
 */
import { createCipheriv } from 'node:crypto';
import { endianness } from 'node:os';

/** Bytes of a PRG seed. */
export const SECAGG_SEED_BYTES = 32;

/** Words expanded per keystream call (bounds the scratch memory at 1 MiB). */
const CHUNK_WORDS = 1 << 18;
const ZERO_IV = Buffer.alloc(16);
const LITTLE_ENDIAN = endianness() === 'LE';
let zeros = Buffer.alloc(0);

function zeroBytes(n: number): Buffer {
  if (zeros.length < n) zeros = Buffer.alloc(n);
  return zeros.subarray(0, n);
}

function checkSeed(seed: Uint8Array): void {
  if (!(seed instanceof Uint8Array) || seed.length !== SECAGG_SEED_BYTES)
    throw new RangeError(
      `PRG seed must be a Uint8Array of ${SECAGG_SEED_BYTES} bytes, got ${seed instanceof Uint8Array ? seed.length + ' bytes' : typeof seed}`,
    );
}

function checkLength(length: number): void {
  if (!Number.isSafeInteger(length) || length < 0)
    throw new RangeError(`PRG length must be a non-negative integer, got ${length}`);
}

/** `bytes` (a multiple of 4 long) as little-endian 32-bit words (a view when aligned). */
function wordsLE(bytes: Buffer): Uint32Array {
  const n = bytes.length >>> 2;
  if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0)
    return new Uint32Array(bytes.buffer, bytes.byteOffset, n);
  const out = new Uint32Array(n);
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes);
  else for (let i = 0; i < n; i++) out[i] = bytes.readUInt32LE(i * 4);
  return out;
}

/**
 * Calls `fn(words, offset)` on consecutive chunks of the keystream of `seed`, `length` words
 * in total.
 */
function forEachChunk(
  seed: Uint8Array,
  length: number,
  fn: (words: Uint32Array, offset: number) => void,
): void {
  const cipher = createCipheriv('chacha20', seed, ZERO_IV);
  for (let off = 0; off < length; off += CHUNK_WORDS) {
    const n = Math.min(CHUNK_WORDS, length - off);
    fn(wordsLE(cipher.update(zeroBytes(n * 4))), off);
  }
}

/**
 * PRG(seed): the first `length` words of the ChaCha20 keystream keyed by `seed`.
 * Deterministic: the same seed always gives the same vector.
 * @param seed 32 bytes.
 * @param length words L.
 * @returns L words, uniform in Z_{2^32} if the seed is uniform (or a hash output).
 * @throws RangeError if the seed is not 32 bytes or the length is not a non-negative integer.
 */
export function expandSeed(seed: Uint8Array, length: number): Uint32Array {
  checkSeed(seed);
  checkLength(length);
  const out = new Uint32Array(length);
  forEachChunk(seed, length, (w, off) => out.set(w, off));
  return out;
}

/**
 * target ← target + sign · PRG(seed) (mod 2^32), in place, without allocating a full-length
 * mask.
 * @param target L words, changed in place.
 * @param seed 32 bytes.
 * @param sign +1 adds the mask, −1 subtracts it.
 * @throws RangeError if the seed is not 32 bytes or sign is not ±1.
 */
export function addMask(target: Uint32Array, seed: Uint8Array, sign: 1 | -1): void {
  checkSeed(seed);
  if (sign !== 1 && sign !== -1) throw new RangeError(`sign must be 1 or -1, got ${sign}`);
  forEachChunk(seed, target.length, (w, off) =>
    addWords(target.subarray(off, off + w.length), w, sign),
  );
}

/** t ← t ± w (mod 2^32) for equal-length arrays. */
function addWords(t: Uint32Array, w: Uint32Array, sign: 1 | -1): void {
  const n = w.length;
  // Uint32Array stores reduce mod 2^32 (ToUint32), and |a ± b| < 2^33 is exact in a double.
  if (sign === 1) for (let i = 0; i < n; i++) t[i] = t[i]! + w[i]!;
  else for (let i = 0; i < n; i++) t[i] = t[i]! - w[i]!;
}

/**
 * target ← target + sign · v (mod 2^32), in place.
 * @param target L words, changed in place.
 * @param v L words.
 * @throws RangeError if the lengths differ.
 */
export function addInto(target: Uint32Array, v: Uint32Array, sign: 1 | -1 = 1): void {
  if (v.length !== target.length)
    throw new RangeError(`vector lengths differ: ${target.length} vs ${v.length}`);
  addWords(target, v, sign);
}
