/**
 * Oblivious shuffle of secret-shared columns: every party in turn applies a random permutation
 * that only it knows (and the dealer, who generated it), so the composed permutation is unknown
 * to any coalition of up to P − 1 parties. One permutation step, by party j, follows the
 * permutation-correlation ("shared translation") construction of Chase, Ghosh and Poburinnaya,
 * _Secret-shared shuffle_ (ASIACRYPT 2020) with the correlation dealt by the trusted dealer as
 * in SPU's semi2k shuffle:
 *
 * - correlation: j holds π and Δ; every other party k holds a_k, b_k; Δ + Σ_k b_k = π(Σ_k a_k);
 * - every k ≠ j sends z_k = x_k − a_k to j (uniform: a_k is unknown to j);
 * - j sets y_j = π(x_j + Σ_k z_k) + Δ = π(x) − Σ_k b_k, every k sets y_k = b_k.
 *
 * The output shares are fresh (b_k uniform, seed-derived or the dealer's correction), so nobody
 * can link an output row to an input row. docs/protocols/mpc.md, "Shuffle".
 */
import { addAcc, subAt } from './kernels.js';
import { permuteColumns } from './dealer.js';
import { bytesRing, ringBytes, type Outbox, type Proto } from './messages.js';
import type { MpcParty } from './party.js';
import type { Ring } from './ring.js';

/**
 * Shuffles the rows of equally long shared columns with one permutation that no coalition of
 * fewer than all parties knows (the same permutation for every column).
 * @param cols shares of the columns, each of the same length n.
 * @returns shares of the permuted columns (fresh shares).
 * @throws RangeError for columns of different lengths or none; dealer-free material lacks the
 *   permutation correlation (RangeError from the material source).
 */
export function* shuffle(party: MpcParty, cols: readonly Ring[]): Proto<Ring[]> {
  if (cols.length === 0) throw new RangeError('shuffle: no columns');
  const n = cols[0]!.length;
  for (const c of cols)
    if (c.length !== n) throw new RangeError(`shuffle: columns of ${c.length} and ${n} rows`);
  const w = cols.length;
  let x: Ring = new BigUint64Array(n * w);
  cols.forEach((c, i) => x.set(c, i * n));
  for (let j = 0; j < party.parties; j++) {
    const m = yield* party.material.permutation(party, n, j, w);
    const out: Outbox = [];
    const expect: (number | undefined)[] = [];
    if (party.id === j) {
      for (let k = 0; k < party.parties; k++) if (k !== j) expect[k] = n * w * 8;
    } else {
      const z = new BigUint64Array(n * w);
      subAt(z, 0, x, m.mask!);
      out[j] = ringBytes(z);
    }
    const inbox = yield* party.exchange(`shuffle: permutation of party ${j}`, out, expect);
    if (party.id === j) {
      for (let k = 0; k < party.parties; k++) if (k !== j) addAcc(x, bytesRing(inbox[k]!));
      x = permuteColumns(x, m.perm!);
      addAcc(x, m.out!);
    } else x = m.out!.slice();
  }
  return cols.map((_, i) => x.slice(i * n, (i + 1) * n));
}
