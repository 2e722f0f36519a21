/**
 * A compact index of truncated doubly-blinded PSI points (`count` × `width` bytes, one per wire
 * position) for exact membership look-ups: open addressing on typed arrays instead of a Map of
 * strings, so that a bucket of 2^20 points costs ≈ (width + 8) MiB, not hundreds, and a look-up
 * allocates nothing. The points are pseudo-random, so their first four bytes serve as the hash.
 */
export class PointIndex {
  private readonly slots: Int32Array;
  private readonly mask: number;
  private readonly view: DataView;

  /**
   * @param points count × width bytes (kept by reference; do not modify).
   * @param width bytes per point, 4 … 32.
   * @throws RangeError when the length is not a multiple of `width` or `width` is out of range.
   */
  constructor(
    private readonly points: Uint8Array,
    private readonly width: number,
  ) {
    if (!Number.isInteger(width) || width < 4 || width > 32)
      throw new RangeError(`point width must be 4 … 32 bytes, got ${width}`);
    if (points.length % width !== 0)
      throw new RangeError(`${points.length} bytes of points are not a multiple of ${width}`);
    const count = points.length / width;
    let cap = 16;
    while (cap < count * 2) cap *= 2;
    this.slots = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    this.view = new DataView(points.buffer, points.byteOffset, points.byteLength);
    for (let j = 0; j < count; j++) {
      let s = this.view.getUint32(j * width, true) & this.mask;
      // Equal points (never from distinct ids) keep the first position.
      while (this.slots[s] !== -1) {
        if (this.equalAt(this.slots[s] as number, points, j * width)) break;
        s = (s + 1) & this.mask;
      }
      if (this.slots[s] === -1) this.slots[s] = j;
    }
  }

  /** Number of points indexed. */
  get size(): number {
    return this.points.length / this.width;
  }

  /** The position of the point equal to `query[offset … offset + width)`, or -1. */
  find(query: Uint8Array, offset: number): number {
    let s =
      (query[offset]! |
        (query[offset + 1]! << 8) |
        (query[offset + 2]! << 16) |
        (query[offset + 3]! << 24)) &
      this.mask;
    for (;;) {
      const j = this.slots[s] as number;
      if (j === -1) return -1;
      if (this.equalAt(j, query, offset)) return j;
      s = (s + 1) & this.mask;
    }
  }

  private equalAt(j: number, query: Uint8Array, offset: number): boolean {
    const w = this.width;
    const p = this.points;
    const base = j * w;
    for (let k = 0; k < w; k++) if (p[base + k] !== query[offset + k]) return false;
    return true;
  }
}
