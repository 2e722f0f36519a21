/**
 * A stream PRG over Z_{2^64}: the ChaCha20 keystream (RFC 8439, node:crypto `chacha20`, all-zero
 * nonce, counter from 0) under a 32-byte seed, read as little-endian 64-bit words. Each seed keys
 * exactly one stream; successive calls continue it, so a party and the dealer that hold the same
 * seed draw the same words in the same order.
 */
import { createCipheriv, randomBytes, type Cipher } from 'node:crypto';
import { endianness } from 'node:os';
import type { Ring } from './ring.js';

/** Bytes of a PRG seed. */
export const MPC_SEED_BYTES = 32;
const CHUNK = 1 << 20;
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
    this.#cipher = createCipheriv('chacha20', seed, Buffer.alloc(16));
  }

  /** The next `n` words of the stream. */
  next(n: number): Ring {
    const out = new BigUint64Array(n);
    const bytes = new Uint8Array(out.buffer);
    for (let off = 0; off < bytes.length; off += CHUNK) {
      const len = Math.min(CHUNK, bytes.length - off);
      if (zeros.length < len) zeros = Buffer.alloc(len);
      bytes.set(this.#cipher.update(zeros.subarray(0, len)), off);
    }
    if (!LE) for (let i = 0; i < n; i++) out[i] = swap64(out[i]!);
    return out;
  }
}

function swap64(x: bigint): bigint {
  let y = 0n;
  for (let i = 0; i < 8; i++) y = (y << 8n) | ((x >> BigInt(8 * i)) & 0xffn);
  return y;
}
