/**
 * The MPC program of mpc-statistics, run identically by every data party on the public plan
 * (docs/protocols/mpc.md, "mpc-statistics"). Per value column c and kept group g:
 *   S = Σ_i b_gi·x_i and Q = Σ_i b_gi·x_i² by Beaver products with the shared one-hot group bits
 *   (exact: the bits are integers, so no truncation), and, for groups large enough, the order
 *   statistics of y = x where b = 1 and a pad above every value where b = 0 — ranks 0..n_g − 1
 *   of y are the group's values in order — from one shuffle-then-quickselect over every
 *   (column, group) at once (exact: lexicographic (value, row) comparisons when the values are
 *   too wide to pack the row index below them). Everything is revealed to party 0 (the result
 *   party) only.
 */
import { orderStatistics, type MpcParty, type Proto, type Ring } from '@fedgrid/crypto';

/**
 * Bits of the pad placed on rows outside a group before selecting: 2^padBits is above every
 * encoding round(v·2^f) with |v| ≤ bound (≤ bound·2^f + 1/2 < 2^(⌊log2 bound⌋ + 1 + f) + 1).
 * With f from chooseFracBits (⌊log2 bound⌋ + f ≤ 57) the keys stay below 2^60.
 */
export function groupPadBits(bound: number, f: number): number {
  return Math.floor(Math.log2(Math.max(1, bound))) + f + 2;
}

/** The public plan, identical on every data party. */
export interface StatsPlan {
  mode: 'vertical' | 'horizontal';
  /** Rows per party (vertical: the same number on each). */
  rows: number[];
  /** Per value column: the engine index of its owner (vertical) — ignored in horizontal mode. */
  owners: number[];
  /** Rows per kept group. */
  counts: number[];
  /** Whether rows carry group bits (false: one group of every row). */
  grouped: boolean;
  /** Vertical: the key holder. */
  holder: number | undefined;
  /** Per group: whether its order statistics are computed. */
  order: boolean[];
  /** Order-statistic positions per group (same list for every group that has them). */
  positions: (count: number) => number[];
  /** {@link groupPadBits} of the public bound and f: pad 2^padBits, keys below 2^(padBits+1). */
  padBits: number;
}

/** This party's private inputs. */
export interface StatsLocal {
  /** Per value column it owns (vertical) or every column (horizontal): x and x² encoded, own rows. */
  x: (Ring | undefined)[];
  sq: (Ring | undefined)[];
  /** Group index per own row (−1: dropped); for the key holder(s) only. */
  rowGroup: Int32Array | undefined;
}

function concat(parts: Ring[]): Ring {
  const out = new BigUint64Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * @returns at party 0: [S (C·G, f bits) | Q (C·G, fSq bits) | order statistics (f bits), per
 *   column, per group with order, per position]; undefined elsewhere.
 */
export function* statsProtocol(
  party: MpcParty,
  plan: StatsPlan,
  local: StatsLocal,
): Proto<Ring | undefined> {
  const P = party.parties;
  const me = party.id;
  const C = plan.owners.length;
  const G = plan.counts.length;
  const vertical = plan.mode === 'vertical';
  const N = vertical ? plan.rows[0]! : plan.rows.reduce((s, r) => s + r, 0);
  const offset = plan.rows.map((_, p) =>
    vertical ? 0 : plan.rows.slice(0, p).reduce((s, r) => s + r, 0),
  );

  // 1. Inputs: each party shares what it owns in one round (x then x² per column).
  const X: Ring[] = Array.from({ length: C }, () => new BigUint64Array(N));
  const SQ: Ring[] = Array.from({ length: C }, () => new BigUint64Array(N));
  for (let p = 0; p < P; p++) {
    const mine = plan.owners.flatMap((o, c) => (vertical && o !== p ? [] : [c]));
    if (mine.length === 0) continue;
    const n = vertical ? N : plan.rows[p]!;
    const vec = me === p ? concat(mine.flatMap((c) => [local.x[c]!, local.sq[c]!])) : undefined;
    const sh = yield* party.input(p, vec, 2 * n * mine.length);
    mine.forEach((c, k) => {
      X[c]!.set(sh.subarray(2 * k * n, (2 * k + 1) * n), offset[p]!);
      SQ[c]!.set(sh.subarray((2 * k + 1) * n, (2 * k + 2) * n), offset[p]!);
    });
  }

  // 2. Group bits, G × N, shared by the key holder(s).
  let B: Ring | undefined;
  if (plan.grouped) {
    B = new BigUint64Array(G * N);
    for (let p = 0; p < P; p++) {
      if (vertical && p !== plan.holder) continue;
      const n = vertical ? N : plan.rows[p]!;
      let onehot: Ring | undefined;
      if (me === p) {
        onehot = new BigUint64Array(G * n);
        local.rowGroup!.forEach((g, i) => {
          if (g >= 0) onehot![g * n + i] = 1n;
        });
      }
      const sh = yield* party.input(p, onehot, G * n);
      for (let g = 0; g < G; g++) B.set(sh.subarray(g * n, (g + 1) * n), g * N + offset[p]!);
    }
  }

  // 3. z = b·x and b·x² for every column and group, one batch of Beaver products.
  const Z: Ring[] = []; // [c*G + g] → N values of b_g·x_c
  const ZQ: Ring[] = [];
  if (B) {
    const L = C * G * N;
    const left = new BigUint64Array(2 * L);
    const right = new BigUint64Array(2 * L);
    for (let c = 0; c < C; c++)
      for (let g = 0; g < G; g++) {
        const at = (c * G + g) * N;
        left.set(B.subarray(g * N, (g + 1) * N), at);
        left.set(B.subarray(g * N, (g + 1) * N), L + at);
        right.set(X[c]!, at);
        right.set(SQ[c]!, L + at);
      }
    const prod = yield* party.mulRing(left, right);
    for (let k = 0; k < C * G; k++) {
      Z.push(prod.subarray(k * N, (k + 1) * N));
      ZQ.push(prod.subarray(L + k * N, L + (k + 1) * N));
    }
  } else {
    for (let c = 0; c < C; c++) {
      Z.push(X[c]!);
      ZQ.push(SQ[c]!);
    }
  }
  const sums = new BigUint64Array(2 * C * G);
  for (let k = 0; k < C * G; k++) {
    sums[k] = party.sum(Z[k]!)[0]!;
    sums[C * G + k] = party.sum(ZQ[k]!)[0]!;
  }

  // 4. Order statistics: one shuffle-then-quickselect over every (column, group) that has them.
  const pad = 1n << BigInt(plan.padBits);
  const ys: Ring[] = [];
  const ranks: number[][] = [];
  for (let c = 0; c < C; c++)
    for (let g = 0; g < G; g++) {
      if (!plan.order[g]) continue;
      let y = Z[c * G + g]!;
      if (B) {
        y = y.slice();
        const b = B.subarray(g * N, (g + 1) * N);
        for (let i = 0; i < N; i++) y[i] = y[i]! + (me === 0 ? pad : 0n) - pad * b[i]!;
      }
      ys.push(y);
      ranks.push(plan.positions(plan.counts[g]!));
    }
  const picked: bigint[] = [];
  if (ys.length > 0)
    for (const v of yield* orderStatistics(party, ys, ranks, plan.padBits + 1)) picked.push(...v);

  // 5. One reveal to the result party.
  const all = new BigUint64Array(sums.length + picked.length);
  all.set(sums);
  all.set(picked, sums.length);
  return yield* party.revealTo(all, 0);
}
