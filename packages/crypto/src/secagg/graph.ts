/**
 * The masking graph of SecAgg+ (Bell et al., CCS 2020, §3–4): each client masks with and
 * shares its secrets among its k neighbours only. We use the Harary graph H_{k,n} (Harary
 * 1962; the k-connected graph with the fewest edges) over a pseudo-random arrangement of the
 * clients on a circle derived from a 32-byte seed: position i is joined to positions i ± 1, …,
 * i ± ⌊k/2⌋ (mod n), and for odd k also to the opposite position. When k and n are both odd
 * one client gets k + 1 neighbours (k·n must be even for a k-regular graph). k ≥ n − 1 gives
 * the complete graph (classic SecAgg). Being k-connected, the graph stays connected when
 * fewer than k clients drop.
 */
import { createHash } from 'node:crypto';
import { checkId } from './shamir.js';
import { expandSeed } from './prg.js';

/** A uniformly random permutation of 0..n−1 (Fisher–Yates with rejection sampling). */
function permutation(n: number, seed: Uint8Array): number[] {
  const key = new Uint8Array(
    createHash('sha256').update('fedgrid/secagg/v1/graph\0').update(seed).digest(),
  );
  let words = expandSeed(key, 2 * n + 64);
  let next = 0;
  const word = (): number => {
    if (next === words.length) words = expandSeed(key, 2 * words.length);
    return words[next++]!;
  };
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const m = i + 1;
    const limit = Math.floor(2 ** 32 / m) * m;
    let w: number;
    do w = word();
    while (w >= limit);
    const j = w % m;
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/**
 * Neighbour lists of the SecAgg(+) masking graph.
 * @param clients the client ids (distinct integers in [0, 2^32 − 2]); their order does not matter.
 * @param neighbours k, neighbours per client; undefined, 0 or ≥ n − 1 = every other client.
 * @param seed 32 bytes fixing the arrangement (ignored for the complete graph).
 * @returns id → ascending neighbour ids (never the id itself); symmetric.
 * @throws RangeError on bad or repeated ids, a bad k or seed.
 */
export function secAggGraph(
  clients: readonly number[],
  neighbours: number | undefined,
  seed: Uint8Array,
): Map<number, number[]> {
  const ids = [...clients].sort((a, b) => a - b);
  for (let i = 0; i < ids.length; i++) {
    checkId(ids[i]!, 'client id');
    if (i > 0 && ids[i] === ids[i - 1]) throw new RangeError(`client id ${ids[i]} appears twice`);
  }
  if (neighbours !== undefined && (!Number.isInteger(neighbours) || neighbours < 0))
    throw new RangeError(`neighbours must be a non-negative integer (0 = all), got ${neighbours}`);
  const n = ids.length;
  const k = neighbours === undefined || neighbours === 0 ? n - 1 : Math.min(neighbours, n - 1);
  const out = new Map<number, number[]>();
  if (k >= n - 1) {
    for (const id of ids)
      out.set(
        id,
        ids.filter((v) => v !== id),
      );
    return out;
  }
  if (!(seed instanceof Uint8Array) || seed.length !== 32)
    throw new RangeError('graph seed must be 32 bytes');
  const perm = permutation(n, seed);
  const at = (pos: number): number => ids[perm[((pos % n) + n) % n]!]!;
  const adj = new Map<number, Set<number>>(ids.map((id) => [id, new Set<number>()]));
  const link = (a: number, b: number): void => {
    adj.get(a)!.add(b);
    adj.get(b)!.add(a);
  };
  const r = Math.floor(k / 2);
  for (let i = 0; i < n; i++) for (let j = 1; j <= r; j++) link(at(i), at(i + j));
  if (k % 2 === 1) {
    if (n % 2 === 0) for (let i = 0; i < n / 2; i++) link(at(i), at(i + n / 2));
    else for (let i = 0; i <= (n - 1) / 2; i++) link(at(i), at(i + (n + 1) / 2));
  }
  for (const [id, set] of adj)
    out.set(
      id,
      [...set].sort((a, b) => a - b),
    );
  return out;
}
