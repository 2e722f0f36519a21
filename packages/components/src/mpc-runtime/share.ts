/**
 * Secret-sharing of vertically partitioned columns: each owner shares the columns it holds in
 * one input round (docs/protocols/mpc.md: the owner sends a fresh uniform vector to each other
 * party).
 */
import type { MpcParty, Proto, Ring } from '@fedgrid/crypto';

/**
 * @param owners engine index of each column's owner (public).
 * @param mine this party's encoded columns (its own at their index, undefined elsewhere).
 * @param n rows (public, the same on every party).
 * @returns shares of every column, in order.
 */
export function* shareColumns(
  party: MpcParty,
  owners: readonly number[],
  mine: readonly (Ring | undefined)[],
  n: number,
): Proto<Ring[]> {
  const out: Ring[] = new Array<Ring>(owners.length);
  for (let p = 0; p < party.parties; p++) {
    const cols = owners.flatMap((o, c) => (o === p ? [c] : []));
    if (cols.length === 0) continue;
    let vec: Ring | undefined;
    if (party.id === p) {
      vec = new BigUint64Array(cols.length * n);
      cols.forEach((c, k) => vec!.set(mine[c]!, k * n));
    }
    const sh = yield* party.input(p, vec, cols.length * n);
    cols.forEach((c, k) => (out[c] = sh.slice(k * n, (k + 1) * n)));
  }
  return out;
}

/**
 * Per-group sums of several shared columns when `holder` alone knows each row's group (−1 for
 * none): the holder shares the one-hot matrix, then one batch of Beaver products (integer bits,
 * no truncation).
 * @returns per column, G sums.
 */
export function* groupSums(
  party: MpcParty,
  xs: readonly Ring[],
  holder: number,
  rowGroup: Int32Array | undefined,
  G: number,
  n: number,
): Proto<Ring[]> {
  let onehot: Ring | undefined;
  if (party.id === holder) {
    onehot = new BigUint64Array(G * n);
    rowGroup!.forEach((g, i) => {
      if (g >= 0) onehot![g * n + i] = 1n;
    });
  }
  const B = yield* party.input(holder, onehot, G * n);
  const C = xs.length;
  const left = new BigUint64Array(C * G * n);
  const right = new BigUint64Array(C * G * n);
  for (let c = 0; c < C; c++)
    for (let g = 0; g < G; g++) {
      left.set(B.subarray(g * n, (g + 1) * n), (c * G + g) * n);
      right.set(xs[c]!, (c * G + g) * n);
    }
  const prod = yield* party.mulRing(left, right);
  return xs.map((_, c) => {
    const s = new BigUint64Array(G);
    for (let g = 0; g < G; g++)
      s[g] = party.sum(prod.subarray((c * G + g) * n, (c * G + g + 1) * n))[0]!;
    return s;
  });
}
