/** Row-position sets (ascending Uint32Arrays of positions into aligned frames). */

/** The ascending union of position lists (each may be unsorted or repeat). */
export function unionRows(lists: readonly ArrayLike<number>[]): Uint32Array {
  const s = new Set<number>();
  for (const l of lists) for (let i = 0; i < l.length; i++) s.add(l[i] as number);
  return Uint32Array.from(s).sort();
}

/** Positions 0..n−1 not in `drop`, ascending. */
export function complementRows(n: number, drop: ArrayLike<number>): Uint32Array {
  const gone = new Uint8Array(n);
  for (let i = 0; i < drop.length; i++) gone[drop[i] as number] = 1;
  const out = new Uint32Array(n - gone.reduce((a, v) => a + v, 0));
  let k = 0;
  for (let i = 0; i < n; i++) if (!gone[i]) out[k++] = i;
  return out;
}
