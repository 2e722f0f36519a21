/**
 * Conversions between bigint and the fixed-width little-endian byte strings that every kernel
 * uses for batches of big integers (n numbers of width L bytes = one Uint8Array of n·L bytes).
 */

/**
 * Writes `x` as `width` little-endian bytes into `out` at `offset`.
 * @throws RangeError if `x` is negative or does not fit in `width` bytes.
 */
export function writeBigUintLE(x: bigint, width: number, out: Uint8Array, offset = 0): void {
  if (x < 0n) throw new RangeError(`cannot encode negative value ${x} as unsigned bytes`);
  const hex = x.toString(16);
  if (hex.length > width * 2) {
    throw new RangeError(`value of ${hex.length * 4} bits does not fit in ${width} bytes`);
  }
  // Buffer's hex decoder is native; the string is big-endian, so reverse while copying.
  const be = Buffer.from(hex.length & 1 ? '0' + hex : hex, 'hex');
  const nbytes = be.length;
  for (let k = 0; k < nbytes; k++) out[offset + nbytes - 1 - k] = be[k] as number;
  out.fill(0, offset + nbytes, offset + width);
}

/** Reads `width` little-endian bytes at `offset` as an unsigned bigint. */
export function readBigUintLE(bytes: Uint8Array, offset: number, width: number): bigint {
  if (width === 0) return 0n;
  const be = Buffer.allocUnsafe(width);
  for (let k = 0; k < width; k++) be[k] = bytes[offset + width - 1 - k] as number;
  return BigInt('0x' + be.toString('hex'));
}

/** Encodes a list of bigints into one n·width byte batch. */
export function packBigUints(values: readonly bigint[], width: number): Uint8Array {
  const out = new Uint8Array(values.length * width);
  for (let i = 0; i < values.length; i++)
    writeBigUintLE(values[i] as bigint, width, out, i * width);
  return out;
}

/** Decodes an n·width byte batch into n bigints. */
export function unpackBigUints(bytes: Uint8Array, width: number): bigint[] {
  if (bytes.length % width !== 0) {
    throw new RangeError(`batch of ${bytes.length} bytes is not a multiple of width ${width}`);
  }
  const n = bytes.length / width;
  const out = new Array<bigint>(n);
  for (let i = 0; i < n; i++) out[i] = readBigUintLE(bytes, i * width, width);
  return out;
}

/** Number of bits in the binary representation of a non-negative bigint (0 for 0). */
export function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}
