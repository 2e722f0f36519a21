/** Bit masks of row routing (bit i set: row i goes to the left child), ⌈rows/8⌉ bytes. */

export function maskBytes(rows: number): number {
  return (rows + 7) >>> 3;
}

/** A mask with bit i = goesLeft(i) for i < rows. */
export function makeMask(rows: number, goesLeft: (i: number) => boolean): Uint8Array {
  const out = new Uint8Array(maskBytes(rows));
  for (let i = 0; i < rows; i++) if (goesLeft(i)) out[i >>> 3]! |= 1 << (i & 7);
  return out;
}

export function maskBit(mask: Uint8Array, i: number): boolean {
  return ((mask[i >>> 3] as number) & (1 << (i & 7))) !== 0;
}

/** Splits a blob of consecutive masks of the given row counts. @throws RangeError on a length mismatch. */
export function splitMasks(blob: Uint8Array | undefined, rows: readonly number[]): Uint8Array[] {
  const total = rows.reduce((a, r) => a + maskBytes(r), 0);
  const got = blob?.length ?? 0;
  if (got !== total) throw new RangeError(`expected ${total} mask bytes, got ${got}`);
  const out: Uint8Array[] = [];
  let off = 0;
  for (const r of rows) {
    out.push((blob as Uint8Array).subarray(off, off + maskBytes(r)));
    off += maskBytes(r);
  }
  return out;
}

/** Concatenates byte strings. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
