/**
 * A stream PRG over Z_{2^64}: AES-128 in counter mode (NIST SP 800-38A; node:crypto
 * `aes-128-ctr`, key = seed[0..16), initial counter block = seed[16..32)) encrypting zeros, read
 * as little-endian 64-bit words. Each seed keys exactly one stream; successive calls continue
 * it, so a party and the dealer that hold the same seed draw the same words in the same order.
 * AES-CTR rather than ChaCha20 because AES-NI makes it ≈ 1.5–4× faster here (measured
 * 770–960 MB/s against 230–620 MB/s on the 2-core bench machine).
 */
import { createCipheriv, randomBytes, type Cipher } from 'node:crypto';
import { endianness } from 'node:os';
import type { Ring } from './ring.js';

/** Bytes of a PRG seed. */
export const MPC_SEED_BYTES = 32;
const CHUNK = 1 << 24;
const LE = endianness() === 'LE';
let zeros = Buffer.alloc(0);

/** A deterministic stream of uniform ring elements. */
export class RingPrg {
  readonly #cipher: Cipher;

  /**
   * @param seed 32 bytes; a fresh random seed when omitted.
   * @throws RangeError when the seed is not 32 bytes.
   */
  constructor(seed: Uint8Array = randomBytes(MPC_SEED_BYTES)) {
    if (!(seed instanceof Uint8Array) || seed.length !== MPC_SEED_BYTES)
      throw new RangeError(`MPC PRG seed must be ${MPC_SEED_BYTES} bytes`);
    this.#cipher = createCipheriv('aes-128-ctr', seed.subarray(0, 16), seed.subarray(16, 32));
  }

  /** The next `n` words of the stream. */
  next(n: number): Ring {
    const len = n * 8;
    if (len <= CHUNK) {
      // One call: view the cipher's fresh output buffer directly when it is 8-byte aligned.
      const buf = this.#cipher.update(zeroBytes(len));
      const out =
        buf.byteOffset % 8 === 0 && buf.length === len
          ? new BigUint64Array(buf.buffer, buf.byteOffset, n)
          : new BigUint64Array(new Uint8Array(buf).buffer, 0, n);
      if (!LE) for (let i = 0; i < n; i++) out[i] = swap64(out[i]!);
      return out;
    }
    const out = new BigUint64Array(n);
    const bytes = new Uint8Array(out.buffer);
    for (let off = 0; off < len; off += CHUNK) {
      const l = Math.min(CHUNK, len - off);
      bytes.set(this.#cipher.update(zeroBytes(l)), off);
    }
    if (!LE) for (let i = 0; i < n; i++) out[i] = swap64(out[i]!);
    return out;
  }
}

function zeroBytes(len: number): Buffer {
  if (zeros.length < len) zeros = Buffer.alloc(len);
  return zeros.subarray(0, len);
}

function swap64(x: bigint): bigint {
  let y = 0n;
  for (let i = 0; i < 8; i++) y = (y << 8n) | ((x >> BigInt(8 * i)) & 0xffn);
  return y;
}
