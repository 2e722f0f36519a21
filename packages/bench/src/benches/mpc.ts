/**
 * `mpc.mul`, `mpc.compare`, `mpc.sort`, `mpc.stats`: the MPC engine of @fedgrid/crypto with all
 * parties (and the dealer) in this one process through the in-memory runner — one thread does
 * every party's work, the dealer's triple generation and the message passing, so a figure is
 * the throughput of the whole computation on one core. Each measurement first checks its result
 * against the plaintext, so a broken protocol cannot produce a figure.
 */
import {
  PaillierTriples,
  columnsStats,
  generatePaillierKeyPair,
  localDealerMpc,
  localMpc,
  mpcDecode,
  mpcEncode,
  quickSort,
  runLocal,
  statsFracBits,
  type ColumnStats,
  type LocalMpc,
  type MpcParty,
  type Proto,
  type Ring,
} from '@fedgrid/crypto';
import { measureForSync, measureRounds, timed, type Budget } from '../measure.js';
import { cpuFields, result, sig, type BenchResult } from '../report.js';

const MODE = { runner: 'in-memory, all parties and the dealer on one thread', ring: 'Z_2^64' };

/** Shares of `values` held by the parties (party 0 holds values − Σ others' random shares). */
function share(mpc: LocalMpc, values: Ring): Ring[] {
  const out = runLocal(mpc, (p) => p.input(0, p.id === 0 ? values : undefined, values.length));
  return out;
}

function reveal(mpc: LocalMpc, shares: Ring[]): Ring {
  return runLocal(mpc, (p) => p.revealTo(shares[p.id]!, 0))[0]!;
}

function randomRing(n: number, bits: number, seed: number): Ring {
  const out = new BigUint64Array(n);
  let s = BigInt(seed) | 1n;
  const mask = (1n << BigInt(bits)) - 1n;
  const half = 1n << BigInt(bits - 1);
  for (let i = 0; i < n; i++) {
    s = BigInt.asUintN(64, s * 6364136223846793005n + 1442695040888963407n);
    out[i] = BigInt.asUintN(64, ((s >> 11n) & mask) - half);
  }
  return out;
}

function check(what: string, ok: boolean): void {
  if (!ok)
    throw new Error(`${what}: wrong result; the benchmark would measure a broken computation`);
}

async function rate(
  name: string,
  params: Record<string, number | boolean>,
  mpc: LocalMpc,
  inputs: Ring[][],
  n: number,
  step: (p: MpcParty, x: Ring[]) => Proto<Ring>,
  budget: Budget & { rounds: number },
  unit: string,
): Promise<BenchResult> {
  const sample = mpc.parties[0]!;
  const before = sample.rounds;
  runLocal(mpc, (p) => step(p, inputs[p.id]!)); // warm-up, and the round count of one batch
  const roundsPerBatch = sample.rounds - before;
  const m = await measureRounds(budget, () => {
    runLocal(mpc, (p) => step(p, inputs[p.id]!));
    return n;
  });
  return result(name, params, m.seconds, m.ops, unit, {
    ...MODE,
    batch: n,
    rounds_per_batch: roundsPerBatch,
    ...cpuFields(m.cpu, m.seconds, 1),
    round_rates: m.rates.map((r) => sig(r, 4)),
  });
}

export interface MpcBenchOptions {
  /** Batch sizes. */
  mulBatch: number;
  compareBatch: number;
  /** Sort sizes (each one sort). */
  sortSizes: number[];
  /** Rows of the statistics run (4 columns). */
  statsRows: number;
  /** Measure the dealer-free (Paillier) triples too, with this batch. */
  dealerFreeBatch?: number;
  budget: Budget & { rounds: number };
  log?: (line: string) => void;
}

/** Runs the MPC benchmarks. */
export async function benchMpc(opts: MpcBenchOptions): Promise<BenchResult[]> {
  const log = opts.log ?? (() => {});
  const out: BenchResult[] = [];
  for (const parties of opts.mulBatch > 0 ? [2, 3] : []) {
    // mpc.mul: 64-bit ring multiplications (Beaver, dealer triples included in the time).
    const mpc = localDealerMpc(parties);
    const n = opts.mulBatch;
    const x = randomRing(n, 64, 1);
    const y = randomRing(n, 64, 2);
    const sx = share(mpc, x);
    const sy = share(mpc, y);
    const z = reveal(
      mpc,
      runLocal(mpc, (p) => p.mulRing(sx[p.id]!, sy[p.id]!)),
    );
    check(
      'mpc.mul',
      z.every((v, i) => v === BigInt.asUintN(64, x[i]! * y[i]!)),
    );
    const inputs = mpc.parties.map((_, i) => [sx[i]!, sy[i]!]);
    const r = await rate(
      'mpc.mul',
      { n, parties, dealer: true },
      mpc,
      inputs,
      n,
      (p, [a, b]) => p.mulRing(a!, b!),
      opts.budget,
      'operations',
    );
    log(`mpc.mul parties=${parties} dealer: ${r.per_second.toLocaleString('en')}/s`);
    out.push(r);
    // mpc.compare: [x < y] on 40-bit signed values (the fixed-point range).
    const c = opts.compareBatch;
    const cx = randomRing(c, 40, 3);
    const cy = randomRing(c, 40, 4);
    const scx = share(mpc, cx);
    const scy = share(mpc, cy);
    const lt = reveal(
      mpc,
      runLocal(mpc, (p) => p.lt(scx[p.id]!, scy[p.id]!)),
    );
    check(
      'mpc.compare',
      lt.every((v, i) => v === (BigInt.asIntN(64, cx[i]!) < BigInt.asIntN(64, cy[i]!) ? 1n : 0n)),
    );
    const cinputs = mpc.parties.map((_, i) => [scx[i]!, scy[i]!]);
    const rc = await rate(
      'mpc.compare',
      { n: c, parties, dealer: true },
      mpc,
      cinputs,
      c,
      (p, [a, b]) => p.lt(a!, b!),
      opts.budget,
      'operations',
    );
    log(`mpc.compare parties=${parties} dealer: ${rc.per_second.toLocaleString('en')}/s`);
    out.push(rc);
  }
  if (opts.dealerFreeBatch) {
    const keygen = await timed(() => generatePaillierKeyPair(2048));
    const { publicKey, privateKey } = keygen.value;
    const mpc = localMpc([
      new PaillierTriples(publicKey, privateKey),
      new PaillierTriples(publicKey),
    ]);
    const n = opts.dealerFreeBatch;
    const x = randomRing(n, 64, 5);
    const y = randomRing(n, 64, 6);
    const sx = share(mpc, x);
    const sy = share(mpc, y);
    const z = reveal(
      mpc,
      runLocal(mpc, (p) => p.mulRing(sx[p.id]!, sy[p.id]!)),
    );
    check(
      'mpc.mul dealer-free',
      z.every((v, i) => v === BigInt.asUintN(64, x[i]! * y[i]!)),
    );
    const r = await rate(
      'mpc.mul',
      { n, parties: 2, dealer: false },
      mpc,
      mpc.parties.map((_, i) => [sx[i]!, sy[i]!]),
      n,
      (p, [a, b]) => p.mulRing(a!, b!),
      { minSeconds: opts.budget.minSeconds, rounds: 1 },
      'operations',
    );
    log(`mpc.mul parties=2 dealer-free (Paillier 2048): ${r.per_second.toLocaleString('en')}/s`);
    out.push({
      ...r,
      triples: 'Paillier 2048-bit (Gilboa), party 0 holds the key',
      keygen_seconds: sig(keygen.seconds, 3),
    });
  }
  for (const n of opts.sortSizes) {
    const mpc = localDealerMpc(2);
    const x = randomRing(n, 40, 7);
    const sx = share(mpc, x);
    let res: { keys: Ring }[] = [];
    const before = mpc.parties[0]!.rounds;
    const t = measureForSync({ minSeconds: 0 }, () => {
      res = runLocal(mpc, (p) => quickSort(p, sx[p.id]!, [], 40));
      return 1;
    });
    const rounds = mpc.parties[0]!.rounds - before;
    const sorted = reveal(
      mpc,
      res.map((s) => s.keys),
    );
    const want = Array.from(x, (v) => BigInt.asIntN(64, v)).sort((a, b) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    check(
      'mpc.sort',
      want.every((v, i) => v === BigInt.asIntN(64, sorted[i]!)),
    );
    log(`mpc.sort n=${n}: ${sig(t.seconds, 4)} s`);
    out.push(
      result('mpc.sort', { n }, t.seconds, 1, 'sorts', {
        ...MODE,
        ...cpuFields(t.cpu, t.seconds, 1),
        parties: 2,
        dealer: true,
        network: 'oblivious shuffle, then quicksort with opened comparisons',
        rounds,
      }),
    );
  }
  if (opts.statsRows > 0) {
    const rows = opts.statsRows;
    const columns = 4;
    const bound = 1000;
    const f = statsFracBits(rows, bound);
    const mpc = localDealerMpc(2, { fracBits: f });
    // Two columns per party (vertically joined rows), values in [−1000, 1000].
    const cols = Array.from({ length: columns }, (_, j) =>
      Array.from(mpcDecode(randomRing(rows, 11 + f, 10 + j), f), (v) =>
        Math.max(-bound, Math.min(bound, v)),
      ),
    );
    const shared = cols.map((c, j) =>
      runLocal(mpc, (p) =>
        p.inputFixed(j < 2 ? 0 : 1, p.id === (j < 2 ? 0 : 1) ? c : undefined, rows),
      ),
    );
    const qs = [0.25, 0.5, 0.75];
    let all: (ColumnStats | undefined)[][] = [];
    const t = measureForSync({ minSeconds: 0 }, () => {
      all = runLocal(mpc, (p) =>
        columnsStats(
          p,
          shared.map((col) => col[p.id]!),
          qs,
          0,
        ),
      );
      return 1;
    });
    const got = all[0]!;
    cols.forEach((c, j) => {
      const enc = mpcDecode(mpcEncode(c, f), f);
      const mean = enc.reduce((s, v) => s + v, 0) / rows;
      check(
        'mpc.stats mean',
        Math.abs(got[j]!.mean - mean) <= 2 ** -32 * Math.max(1, Math.abs(mean)),
      );
      const sorted = Float64Array.from(enc).sort();
      const ulp = 2 ** -f;
      check('mpc.stats min/max', got[j]!.min === sorted[0] && got[j]!.max === sorted[rows - 1]);
      qs.forEach((q, k) => {
        const pos = q * (rows - 1);
        const lo = sorted[Math.floor(pos)]!;
        const hi = sorted[Math.min(Math.floor(pos) + 1, rows - 1)]!;
        const want = lo + (pos - Math.floor(pos)) * (hi - lo);
        check(
          'mpc.stats quantile',
          Math.abs(got[j]!.quantiles[k]! - want) <= (2 + (hi - lo) / ulp) * ulp,
        );
      });
    });
    log(`mpc.stats rows=${rows} columns=${columns}: ${sig(t.seconds, 4)} s`);
    out.push(
      result('mpc.stats', { rows, columns }, t.seconds, 1, 'runs', {
        ...MODE,
        ...cpuFields(t.cpu, t.seconds, 1),
        parties: 2,
        dealer: true,
        frac_bits: f,
        statistics: 'count, sum, mean, variance, std, min, max, quartiles per column',
        order_statistics:
          'one oblivious shuffle per column, then quickselect with opened comparisons',
      }),
    );
  }
  return out;
}
