/**
 * What hetero-pearson reveals about the other party's rows (issue 10, defect 5). R_gh = Z_gᵀ·Z_h/n
 * is d_g linear equations in each host column's n standardised values; with Σ_i z_i = 0 and
 * Σ_i z_i² = n a guest with d_g = n − 2 columns pins every host column down to a sign. These tests
 * replay that attack and check that the data owner refuses to reveal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '@fedgrid/crypto';
import {
  ComponentError,
  MemoryDisclosureLedger,
  heteroPearson,
  type ComponentSpec,
  type PortValue,
} from '@fedgrid/components';
import type { Frame } from '@fedgrid/ml';
import { runComponentSettled } from './harness.js';
import { BREAST, column, columns, dataset, head, loadAligned } from './feature-fixtures.js';

let pool: CryptoPool;
let breast: { guest: Frame; host: Frame };
beforeAll(async () => {
  pool = new CryptoPool({ threads: 2 });
  breast = await loadAligned(BREAST);
});
afterAll(async () => {
  await pool?.close();
});

const spec = heteroPearson as unknown as ComponentSpec<unknown>;

/** (x − x̄)/σ with the population σ, as the protocol standardises. */
function standardize(a: Float64Array): Float64Array {
  const n = a.length;
  const m = a.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / n);
  return a.map((v) => (v - m) / sd);
}

/** Solves the square system A·x = b by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

/**
 * The guest's attack: from its own columns and one revealed column of correlations r (d_g),
 * the two candidates for the host's standardised column on n = d_g + 2 rows. The rows of
 * A = [Z_gᵀ; 1ᵀ] give d_g + 1 linear equations A·z = [n·r; 0]; z = A⁺b + t·v with v ⟂ rows(A),
 * and Σ z² = n fixes t up to its sign.
 */
function candidates(guest: Float64Array[], r: number[]): Float64Array[] {
  const n = guest[0]!.length;
  const rows = [...guest.map((g) => Array.from(g)), Array.from({ length: n }, () => 1)];
  const b = [...r.map((v) => v * n), 0];
  const gram = rows.map((a) => rows.map((c) => a.reduce((s, v, i) => s + v * c[i]!, 0)));
  const y = solve(gram, b);
  const z0 = Array.from({ length: n }, (_, i) => rows.reduce((s, a, k) => s + a[i]! * y[k]!, 0));
  // v: a unit vector orthogonal to every equation (Gram–Schmidt of a fixed start vector).
  const basis: number[][] = [];
  for (const a of rows) {
    const u = a.slice();
    for (const q of basis) {
      const d = u.reduce((s, v, i) => s + v * q[i]!, 0);
      for (let i = 0; i < n; i++) u[i]! -= d * q[i]!;
    }
    const len = Math.hypot(...u);
    basis.push(u.map((v) => v / len));
  }
  const v = Array.from({ length: n }, (_, i) => Math.sin(i + 1));
  for (const q of basis) {
    const d = v.reduce((s, x, i) => s + x * q[i]!, 0);
    for (let i = 0; i < n; i++) v[i]! -= d * q[i]!;
  }
  const lv = Math.hypot(...v);
  const t = Math.sqrt(Math.max(0, n - z0.reduce((s, x) => s + x * x, 0))) / lv;
  return [1, -1].map((sign) => Float64Array.from(z0, (x, i) => x + sign * t * v[i]!));
}

/** Worst row error of the better of the two candidates against the truth. */
function reconstructionError(cands: Float64Array[], truth: Float64Array): number {
  return Math.min(
    ...cands.map((c) => Math.max(...Array.from(c, (v, i) => Math.abs(v - truth[i]!)))),
  );
}

type Report = { cross: { matrix: (number | null)[][] }[] };
const reportOf = (v: PortValue | undefined): Report => (v as unknown as { report: Report }).report;
const rejection = (r: PromiseSettledResult<unknown> | undefined): ComponentError =>
  (r as PromiseRejectedResult).reason as ComponentError;

/** The plaintext correlations a run would reveal: column c of R = Z_gᵀ·z_h,c / n. */
function revealed(zg: Float64Array[], zh: Float64Array): number[] {
  return zg.map((g) => g.reduce((s, v, i) => s + v * zh[i]!, 0) / g.length);
}

describe('hetero-pearson disclosure', () => {
  it('the host refuses the n = d_g + 2 run from which the guest rebuilt every host column', async () => {
    const n = 12;
    const g = head(breast.guest, n);
    const h = columns(head(breast.host, n), [0, 1, 2]);
    // The threat is real: on these rows the correlations alone give back each host column (the
    // same attack recovered the component's output to 1.2e−6 before the row minimum).
    const zg = Array.from({ length: g.x.cols }, (_, j) => standardize(column(g, j)));
    for (let c = 0; c < h.x.cols; c++) {
      const zh = standardize(column(h, c));
      expect(reconstructionError(candidates(zg, revealed(zg, zh)), zh)).toBeLessThan(1e-6);
    }
    const ledger = new MemoryDisclosureLedger('host-0');
    const res = await runComponentSettled(
      spec,
      {},
      { guest: { data: dataset(g) }, 'host-0': { data: dataset(h) } },
      { pool, disclosure: { 'host-0': ledger } },
    );
    const err = rejection(res['host-0']);
    expect(err.code).toBe('TOO_FEW_ROWS');
    expect(err.message).toMatch(/12 aligned rows for 3 own and 10 partner features/);
    expect(err.message).toMatch(/max\(100, 10 × \(3 \+ 10\)\) = 130 rows/);
    expect(res['guest']!.status).toBe('rejected');
    // Refused before anything was revealed: nothing charged.
    expect(ledger.used('guest', 'pearson-columns')).toBe(0);
  });

  it('at the row minimum one job runs; repeating it with other guest columns on the same rows is refused by the host’s budget', async () => {
    const n = 130; // = 10 × (10 + 3): the smallest the rule allows
    const g = head(breast.guest, n);
    const h = columns(head(breast.host, n), [0, 1, 2]);
    const ledgers = {
      guest: new MemoryDisclosureLedger('guest'),
      'host-0': new MemoryDisclosureLedger('host-0'),
    };
    const first = await runComponentSettled(
      spec,
      {},
      { guest: { data: dataset(g) }, 'host-0': { data: dataset(h) } },
      { pool, disclosure: ledgers },
    );
    expect(first['guest']!.status).toBe('fulfilled');
    const m = reportOf(
      (first['guest'] as PromiseFulfilledResult<{ outputs: Record<string, PortValue> }>).value
        .outputs['report'],
    ).cross[0]!.matrix;
    expect(m).toHaveLength(10);
    // host-0's budget towards the guest: ⌊0.1 × 130⌋ = 13 equations per host column; 10 used.
    expect(ledgers['host-0'].used('guest', 'pearson-columns')).toBe(10);
    // The guest's towards host-0: the host learned 3 equations per guest column.
    expect(ledgers.guest.used('host-0', 'pearson-columns')).toBe(3);

    // Same rows, four more guest columns (here: derived ones, as an attacker would make them).
    const g2 = columns(g, [0, 1, 2, 3]);
    for (let i = 0; i < n; i++) g2.x.data[i * 4 + 3] = Math.sin(i) * 10;
    const second = await runComponentSettled(
      spec,
      {},
      { guest: { data: dataset(g2) }, 'host-0': { data: dataset(h) } },
      { pool, disclosure: ledgers },
    );
    const err = rejection(second['host-0']);
    expect(err.code).toBe('DISCLOSURE_BUDGET_EXCEEDED');
    expect(err.message).toMatch(/revealing 4 more pearson-columns to guest would make 14/);
    expect(err.details).toMatchObject({ used: 10, limit: 13, rows: 130 });
    expect(second['guest']!.status).toBe('rejected');
    expect(ledgers['host-0'].used('guest', 'pearson-columns')).toBe(10);
  });
});

describe('MemoryDisclosureLedger', () => {
  const charge = { partner: 'guest', kind: 'k', budgetPerRow: 0.1 };
  it('budgets on the smallest row count charged, and records nothing when it refuses', async () => {
    const l = new MemoryDisclosureLedger('host-0');
    await expect(l.charge({ ...charge, amount: 10, rows: 1000 })).resolves.toEqual({
      used: 10,
      limit: 100,
    });
    // A job on a 150-row subset: those rows' budget is 15, and 10 equations already touch them.
    await expect(l.charge({ ...charge, amount: 6, rows: 150 })).rejects.toMatchObject({
      code: 'DISCLOSURE_BUDGET_EXCEEDED',
    });
    expect(l.used('guest', 'k')).toBe(10);
    await expect(l.charge({ ...charge, amount: 5, rows: 150 })).resolves.toEqual({
      used: 15,
      limit: 15,
    });
    // Other partners and kinds have budgets of their own.
    await expect(
      l.charge({ ...charge, partner: 'host-1', amount: 15, rows: 150 }),
    ).resolves.toMatchObject({ used: 15 });
  });
});
