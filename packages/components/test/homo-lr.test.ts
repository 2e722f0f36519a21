/**
 * homo-lr / homo-linr in one process over the in-memory transport: the federated model against
 * the centralised one trained on the union of the clients' rows (FATE's homo splits, scored on
 * the held-out test file), resume from a checkpoint, sampling, late clients, poisoning with
 * robust aggregation, DP accounting and SecAgg (identical up to quantisation).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '@fedgrid/crypto';
import {
  ComponentError,
  homoComponent,
  homoLinearParams,
  homoLr,
  homoPredict,
  type ComponentSpec,
  type HomoLinearParams,
  type ModelPart,
  type PortValue,
  type Predictions,
  type ProgramResult,
  type RoundRecord,
} from '@fedgrid/components';
import { auc, localSgd, predictLinear, RdpAccountant, type Frame } from '@fedgrid/ml';
import { importCsv } from '@fedgrid/node';
import { linearKind } from '../src/homo-lr/kind.js';
import { HomoStrategy } from '../src/homo/strategy.js';
import { runComponent, runComponentSettled } from './harness.js';

const DATA = 'examples/data/fate';
let pool: CryptoPool;
const frames: Record<string, Frame> = {};

async function load(name: string): Promise<Frame> {
  frames[name] ??= (
    await importCsv({ path: `${DATA}/${name}.csv`, idColumn: 'id', labelColumn: 'y' })
  ).frame;
  return frames[name] as Frame;
}

beforeAll(async () => {
  pool = new CryptoPool({ threads: 2 });
  await Promise.all(
    [
      'breast_homo_guest',
      'breast_homo_host',
      'breast_homo_test',
      'default_credit_homo_guest',
      'default_credit_homo_host_1',
      'default_credit_homo_host_2',
      'default_credit_homo_test',
    ].map(load),
  );
  // Five clients: the three training files and the test file cut in two.
  const t = frames['default_credit_homo_test'] as Frame;
  const half = (lo: number, hi: number): Frame => ({
    ids: t.ids.slice(lo, hi),
    x: { rows: hi - lo, cols: t.x.cols, data: t.x.data.slice(lo * t.x.cols, hi * t.x.cols) },
    featureNames: t.featureNames,
    labels: (t.labels as Float64Array).slice(lo, hi),
  });
  frames['credit_a'] = half(0, 3000);
  frames['credit_b'] = half(3000, 6000);
  // Ten small clients (300 rows each) for client sampling under DP.
  for (let k = 0; k < 10; k++) frames[`credit_${k}`] = half(k * 300, (k + 1) * 300);
});
afterAll(() => pool.close());

const data = (f: Frame): Record<string, PortValue> => ({ data: { kind: 'dataset', frame: f } });

function clientInputs(files: string[]): Record<string, Record<string, PortValue>> {
  const parties = ['guest', ...files.slice(1).map((_, k) => `host-${k}`)];
  return Object.fromEntries(parties.map((p, k) => [p, data(frames[files[k] as string] as Frame)]));
}

/** Runs a horizontal component; returns every client's model and the arbiter's summary. */
async function train(
  spec: ComponentSpec<unknown>,
  files: string[],
  params: Record<string, unknown>,
  extra: {
    edges?: number;
    checkpoints?: Map<string, unknown>;
    onLog?: (p: string, l: string, m: string) => void;
  } = {},
) {
  const res = await runComponent(spec, params, clientInputs(files), {
    hosts: files.length - 1,
    arbiter: true,
    pool,
    ...extra,
  });
  const models = Object.fromEntries(
    Object.entries(res)
      .filter(([p]) => p !== 'arbiter' && !p.startsWith('edge-'))
      .map(([p, r]) => [p, (r.outputs['model'] as { model: ModelPart }).model]),
  );
  const report = (res['arbiter']?.outputs['report'] as { report: unknown }).report as {
    history: RoundRecord[];
    removed: string[];
  };
  return { models, arbiter: res['arbiter']?.summary ?? {}, report };
}

/** Test AUC of a model part, scored by homo-predict at the guest. */
async function testAuc(model: ModelPart, test: string): Promise<number> {
  const res = await runComponent(
    homoPredict as ComponentSpec<unknown>,
    {},
    { guest: { model: { kind: 'model', model }, ...data(frames[test] as Frame) } },
    { hosts: 0, pool },
  );
  const p = (res['guest']?.outputs['predictions'] as { predictions: Predictions }).predictions;
  return auc(p.labels as Float64Array, p.scores);
}

/** The centralised twin: the same local SGD on the union, one epoch per round. */
function centralAuc(files: string[], test: string, p: HomoLinearParams): number {
  const fs = files.map((f) => frames[f] as Frame);
  const cols = fs[0]!.x.cols;
  const rows = fs.reduce((a, f) => a + f.x.rows, 0);
  const x = { rows, cols, data: new Float64Array(rows * cols) };
  const y = new Float64Array(rows);
  let off = 0;
  for (const f of fs) {
    x.data.set(f.x.data, off * cols);
    y.set(f.labels as Float64Array, off);
    off += f.x.rows;
  }
  const res = localSgd(x, y, new Float64Array(cols + 1), {
    task: 'binary',
    epochs: p.rounds * p.localEpochs,
    batchSize: p.batchSize,
    learningRate: p.learningRate,
    alpha: p.alpha,
    seed: p.seed,
  });
  const t = frames[test] as Frame;
  return auc(t.labels as Float64Array, predictLinear('binary', res.params, t.x));
}

const BREAST = ['breast_homo_guest', 'breast_homo_host'];
const CREDIT = [
  'default_credit_homo_guest',
  'default_credit_homo_host_1',
  'default_credit_homo_host_2',
];
const lr = homoLr as ComponentSpec<unknown>;
/** Five clients: the three training files and the test file cut in two (built in beforeAll). */
const FIVE = [...CREDIT, 'credit_a', 'credit_b'];

describe('homo-lr: FedAvg against the centralised model', () => {
  it('breast_homo, 2 clients: every client holds the same model; test AUC within 0.01 of the centralised one', async () => {
    const params = { rounds: 10, localEpochs: 2, batchSize: 32, learningRate: 0.1 };
    const { models, arbiter } = await train(lr, BREAST, params);
    expect(models['guest']).toEqual(models['host-0']);
    const fed = await testAuc(models['guest'] as ModelPart, 'breast_homo_test');
    const central = centralAuc(BREAST, 'breast_homo_test', homoLinearParams.parse(params));
    expect(central).toBeGreaterThan(0.97);
    expect(Math.abs(fed - central)).toBeLessThanOrEqual(0.01);
    const history = arbiter['final'] as { round: number; aggregated: string[]; loss: number };
    expect(history.round).toBe(9);
    expect(history.aggregated).toEqual(['guest', 'host-0']);
  });

  it('default_credit_homo, 3 clients: test AUC within 0.01 of the centralised one', async () => {
    const params = { rounds: 5, localEpochs: 1, batchSize: 64, learningRate: 0.05 };
    const { models } = await train(lr, CREDIT, params);
    const fed = await testAuc(models['guest'] as ModelPart, 'default_credit_homo_test');
    const central = centralAuc(CREDIT, 'default_credit_homo_test', homoLinearParams.parse(params));
    expect(central).toBeGreaterThan(0.7);
    expect(Math.abs(fed - central)).toBeLessThanOrEqual(0.01);
  });

  it('FedProx and FedAdam train too (AUC within 0.02 of FedAvg)', async () => {
    const base = { rounds: 8, localEpochs: 2, batchSize: 32, learningRate: 0.1 };
    const avg = await testAuc((await train(lr, BREAST, base)).models['guest']!, 'breast_homo_test');
    for (const extra of [
      { proximalMu: 0.1 },
      { strategy: { name: 'fedadam', serverLearningRate: 0.05 } },
      { strategy: { name: 'fedyogi', serverLearningRate: 0.05 } },
    ]) {
      const m = (await train(lr, BREAST, { ...base, ...extra })).models['guest']!;
      expect(Math.abs((await testAuc(m, 'breast_homo_test')) - avg)).toBeLessThanOrEqual(0.02);
    }
  });
});

describe('homo-lr: the round loop', () => {
  it('resumes from the checkpoint after a crash and ends with exactly the uninterrupted model', async () => {
    const params = { rounds: 6, localEpochs: 1, batchSize: 32 };
    const full = (await train(lr, BREAST, params)).models['guest'];
    // A run whose arbiter dies while saving round 3's checkpoint …
    const store = new Map<string, unknown>();
    let saves = 0;
    const crashing = new Map<string, unknown>();
    const proxy = new Proxy(crashing, {
      get(target, prop) {
        if (prop === 'set')
          return (k: string, v: unknown) => {
            if (k === 'arbiter' && ++saves === 4) throw new Error('arbiter crashed');
            store.set(k, v);
            return target.set(k, v);
          };
        if (prop === 'get') return (k: string) => store.get(k);
        return Reflect.get(target, prop);
      },
    });
    const crashed = await runComponentSettled(lr, params, clientInputs(BREAST), {
      hosts: 1,
      arbiter: true,
      pool,
      checkpoints: proxy,
    });
    expect(crashed['arbiter']?.status).toBe('rejected');
    expect((store.get('arbiter') as { nextRound: number }).nextRound).toBe(3);
    // … and its rerun, which starts at round 3.
    const logs: string[] = [];
    const resumed = await train(lr, BREAST, params, {
      checkpoints: store,
      onLog: (p, _l, m) => p === 'arbiter' && logs.push(m),
    });
    expect(resumed.arbiter['resumedAt']).toBe(3);
    expect(logs.some((m) => m.includes('resuming from the checkpoint at round 3'))).toBe(true);
    expect(resumed.models['guest']).toEqual(full);
  });

  it('samples a fraction of the clients per round, at least minClients', async () => {
    const four = [...CREDIT, 'default_credit_homo_test'];
    const { report } = await train(lr, four, {
      rounds: 4,
      fraction: 0.5,
      minClients: 2,
      batchSize: 256,
    });
    const history = report.history;
    expect(history.map((h) => h.sampled.length)).toEqual([2, 2, 2, 2]);
    expect(new Set(history.flatMap((h) => h.sampled)).size).toBeGreaterThan(2);
  });

  it('refuses clients whose columns differ, naming the client and the column', async () => {
    const other = { ...(frames['breast_homo_host'] as Frame) };
    other.featureNames = other.featureNames.map((n, j) => (j === 3 ? 'x3_renamed' : n));
    const res = await runComponentSettled(
      lr,
      {},
      { guest: data(frames['breast_homo_guest'] as Frame), 'host-0': data(other) },
      { hosts: 1, arbiter: true, pool },
    );
    const err = (res['arbiter'] as PromiseRejectedResult).reason as Error;
    expect(err.message).toMatch(/client host-0 has column 'x3_renamed' at feature 3/);
  });
});

/**
 * homo-lr whose clients listed in `bad` misbehave: late in round 1 until `lateUntil` resolves,
 * or a poisoned update.
 */
function misbehaving(bad: Set<string>, how: { lateUntil?: Promise<void>; scale?: number }) {
  const base = linearKind('homo-lr', true);
  return homoComponent({
    version: '0.0.0',
    name: 'test',
    description: 'test',
    reference: 'test',
    params: homoLinearParams,
    kind: {
      ...base,
      local: async (frame, setup, p) => {
        const honest = await base.local(frame, setup, p);
        if (!bad.has(frame.ids[0] as string)) return honest;
        return {
          ...honest,
          fit: async (global, round) => {
            const fit = await honest.fit(global, round);
            if (how.lateUntil && round === 1) await how.lateUntil;
            if (how.scale === undefined) return fit;
            const s = how.scale;
            return {
              ...fit,
              params: fit.params.map(
                (v, i) => (global[i] as number) + s * (v - (global[i] as number)),
              ),
            };
          },
        };
      },
    },
  }) as ComponentSpec<unknown>;
}

describe('homo-lr: faults and attacks', () => {
  it('drops a client that misses the round deadline, logs a warning, and finishes', async () => {
    const late = frames['default_credit_homo_host_2']!.ids[0] as string;
    const logs: string[] = [];
    // The late client's round-1 update is held back until the arbiter has given up on it twice
    // (rounds 1 and 2): it misses those deadlines by construction, not by a race with the clock.
    // The deadline itself is generous, so that honest clients on a loaded machine never miss it.
    let release: () => void = () => {};
    const lateUntil = new Promise<void>((r) => (release = r));
    const { arbiter, report } = await train(
      misbehaving(new Set([late]), { lateUntil }),
      CREDIT,
      { rounds: 4, roundTimeoutSeconds: 5, batchSize: 512 },
      {
        onLog: (p, l, m) => {
          if (p !== 'arbiter' || l !== 'warn') return;
          logs.push(m);
          if (m.includes('strike 2 of 3')) release();
        },
      },
    );
    const history = report.history;
    // Late in round 1, and (still busy with round 1) in round 2; back in round 3.
    expect(history[1]?.dropped).toEqual(['host-1']);
    expect(history[1]?.aggregated).toEqual(['guest', 'host-0']);
    expect(history[2]?.dropped).toEqual(['host-1']);
    expect(history[3]?.aggregated).toContain('host-1');
    expect(
      logs.some((m) => m.includes('client host-1: no update within 5 s (strike 1 of 3)')),
    ).toBe(true);
    expect(arbiter['removed']).toEqual([]);
  });

  it('one of five clients sends sign-flipped ×10 updates: median, trimmed mean and Krum keep AUC within 0.02 of the clean run; admission flags it', async () => {
    const files = FIVE;
    const params = { rounds: 4, batchSize: 128, learningRate: 0.05, minClients: 3 };
    const clean = await testAuc(
      (await train(lr, files, params)).models['guest']!,
      'default_credit_homo_test',
    );
    const evil = new Set([frames['credit_b']!.ids[0] as string]);
    const attacked = misbehaving(evil, { scale: -10 });
    const poisoned = await testAuc(
      (await train(attacked, files, params)).models['guest']!,
      'default_credit_homo_test',
    );
    expect(clean - poisoned).toBeGreaterThan(0.02);
    for (const robust of [
      { aggregator: 'median' },
      { aggregator: 'trimmed-mean', trim: 0.2 },
      { aggregator: 'krum', byzantine: 1 },
    ]) {
      const m = (await train(attacked, files, { ...params, robust })).models['guest']!;
      expect(Math.abs((await testAuc(m, 'default_credit_homo_test')) - clean)).toBeLessThanOrEqual(
        0.02,
      );
    }
    const logs: string[] = [];
    const { report } = await train(
      attacked,
      files,
      { ...params, robust: { zScore: 3, maxStrikes: 2 } },
      { onLog: (p, l, m) => p === 'arbiter' && l === 'warn' && logs.push(m) },
    );
    const history = report;
    expect(history.history[0]?.flagged).toEqual(['host-3']);
    expect(history.removed).toEqual(['host-3']);
    expect(history.history.slice(2).every((h) => h.flagged.length === 0)).toBe(true);
    expect(logs.some((m) => m.startsWith('removed client host-3 after 2 strikes'))).toBe(true);
  });
});

describe('homo-lr: free riders', () => {
  it('a client that returns the global model unchanged is flagged every round and removed after maxStrikes', async () => {
    const lazy = new Set([frames['default_credit_homo_host_2']!.ids[0] as string]);
    const logs: string[] = [];
    const { report, arbiter } = await train(
      misbehaving(lazy, { scale: 0 }),
      CREDIT,
      { rounds: 4, batchSize: 512, robust: { minUpdateNorm: 1e-6, maxStrikes: 2 } },
      { onLog: (p, l, m) => p === 'arbiter' && l === 'warn' && logs.push(m) },
    );
    expect(report.history.map((h) => h.flagged)).toEqual([['host-1'], ['host-1'], [], []]);
    expect(report.history[2]?.sampled).toEqual(['guest', 'host-0']);
    expect(arbiter['removed']).toEqual(['host-1']);
    expect(logs[0]).toMatch(
      /client host-1: update rejected: update norm 0\.00e\+0 below 0\.000001: contributes nothing \(strike 1 of 2\)/,
    );
  });
});

describe('homo-lr: differential privacy', () => {
  it('server-side and client-side clipping (fixed and adaptive) report a growing ε; weak noise keeps the AUC', async () => {
    for (const [mode, adaptive] of [
      ['server', false],
      ['client', false],
      ['client', true],
    ] as const) {
      const { report, models } = await train(lr, CREDIT, {
        rounds: 4,
        batchSize: 128,
        learningRate: 0.05,
        dp: { mode, clipNorm: 0.5, noiseMultiplier: 0.1, adaptive },
      });
      if (adaptive) expect(report.history[3]?.clipNorm).not.toBe(0.5);
      const h = report.history;
      const eps = h.map((r) => r.epsilon);
      expect(eps.every((e) => e !== undefined && Number.isFinite(e) && e > 0)).toBe(true);
      for (let i = 1; i < eps.length; i++) expect(eps[i]).toBeGreaterThan(eps[i - 1] as number);
      expect(await testAuc(models['guest']!, 'default_credit_homo_test')).toBeGreaterThan(0.68);
    }
  });
});

describe('homo-lr: DP client sampling is secret', () => {
  const TEN = Array.from({ length: 10 }, (_, k) => `credit_${k}`);
  const names = ['guest', ...Array.from({ length: 9 }, (_, k) => `host-${k}`)];
  const strategyParams = (dp: 'off' | 'server') =>
    homoLinearParams.parse({ fraction: 0.5, minClients: 2, seed: 7, dp: { mode: dp } });

  it('without DP the sample is the seeded one (reproducible); under DP it comes from the injected source, not the seed', () => {
    const off = [0, 1].map(() => new HomoStrategy(strategyParams('off'), 10));
    const rounds = (s: HomoStrategy) => [0, 1, 2].map((r) => s.sample(r, names));
    expect(rounds(off[0]!)).toEqual(rounds(off[1]!));
    for (const sample of rounds(off[0]!)) expect(sample.length).toBe(5);
    // Fisher–Yates drawing slot 0 every time rotates the list: clients 1 … 5 are first.
    const injected = new HomoStrategy(strategyParams('server'), 10, undefined, () => 0);
    expect(injected.sample(0, names)).toEqual(names.slice(1, 6));
    expect(injected.sample(1, names)).toEqual(names.slice(1, 6));
  });

  it('under DP two strategies with the same seed draw different samples (CSPRNG)', () => {
    const [a, b] = [0, 1].map(() => new HomoStrategy(strategyParams('server'), 10));
    const draws = (s: HomoStrategy) => Array.from({ length: 20 }, (_, r) => s.sample(r, names));
    // 5 of 10 clients: P(20 equal rounds) = 252^−20.
    expect(draws(a!)).not.toEqual(draws(b!));
  });

  it('a DP job: same seed, different samples; ε is the subsampled Gaussian at q = m/N; clients see only their own membership', async () => {
    const params = {
      rounds: 3,
      fraction: 0.5,
      minClients: 2,
      batchSize: 128,
      learningRate: 0.05,
      dp: { mode: 'server', clipNorm: 0.5, noiseMultiplier: 1.1 },
    };
    const run = () =>
      runComponent(lr, params, clientInputs(TEN), { hosts: 9, arbiter: true, pool });
    const [one, two] = [await run(), await run()];
    const history = (res: Record<string, ProgramResult>) =>
      (
        (res['arbiter']?.outputs['report'] as { report: unknown }).report as {
          history: RoundRecord[];
        }
      ).history;
    const [h1, h2] = [history(one), history(two)];
    for (const h of [h1, h2]) expect(h.map((r) => r.sampled.length)).toEqual([5, 5, 5]);
    // P(three equal rounds) = 252^−3 if the sample were uniform and independent of the seed.
    expect(h1.map((r) => [...r.sampled].sort())).not.toEqual(h2.map((r) => [...r.sampled].sort()));
    const accountant = new RdpAccountant();
    for (const r of h1) {
      accountant.step({ noiseMultiplier: 1.1, sampleRate: 0.5 });
      expect(r.epsilon).toBe(accountant.epsilon(1e-5).epsilon);
    }
    for (const c of names) {
      const seen = (one[c]?.summary?.['history'] ?? []) as RoundRecord[];
      expect(seen.length).toBe(3);
      seen.forEach((r, i) => {
        expect(r.sampled).toEqual(h1[i]!.sampled.includes(c) ? [c] : []);
        expect(r.loss).toBeUndefined();
        expect(r.metrics).toBeUndefined();
        expect(r.epsilon).toBe(h1[i]!.epsilon);
      });
    }
  });
});

describe('homo-lr: secure aggregation', () => {
  it('SecAgg (3 clients) and SecAgg+ (5 clients, 2 neighbours each) give the plain FedAvg model up to quantisation', async () => {
    const params = { rounds: 3, batchSize: 256, learningRate: 0.05 };
    for (const [files, neighbours] of [
      [CREDIT, 0],
      [FIVE, 2],
    ] as const) {
      const plain = (await train(lr, files, params)).models['guest'] as unknown as {
        params: number[];
      };
      const { models, report } = await train(lr, files, {
        ...params,
        secureAggregation: { enabled: true, neighbours, clip: 2, bits: 24 },
      });
      const secure = models['guest'] as unknown as { params: number[] };
      // Per round each coordinate is off by at most 3 · 2·2/2^24 (stochastic rounding).
      const worst = Math.max(
        ...secure.params.map((v, i) => Math.abs(v - (plain.params[i] as number))),
      );
      expect(worst).toBeLessThan(3 * files.length * (4 / 2 ** 24));
      expect(worst).toBeGreaterThan(0);
      expect(report.history.every((h) => h.aggregated.length === files.length)).toBe(true);
    }
  });

  it('refuses SecAgg with a robust aggregator (the server sees no single update)', async () => {
    const res = await runComponentSettled(
      lr,
      { secureAggregation: { enabled: true }, robust: { aggregator: 'median' } },
      clientInputs(BREAST),
      { hosts: 1, arbiter: true, pool },
    );
    expect(((res['arbiter'] as PromiseRejectedResult).reason as Error).message).toMatch(
      /secureAggregation hides individual updates/,
    );
  });
});

describe('homo-lr: minimum rows per client', () => {
  const cut = (f: Frame, lo: number, hi: number): Frame => ({
    ids: f.ids.slice(lo, hi),
    x: { rows: hi - lo, cols: f.x.cols, data: f.x.data.slice(lo * f.x.cols, hi * f.x.cols) },
    featureNames: f.featureNames,
    labels: (f.labels as Float64Array).slice(lo, hi),
  });
  const inputsOf = (fs: Frame[]) =>
    Object.fromEntries(fs.map((f, k) => [k === 0 ? 'guest' : `host-${k - 1}`, data(f)]));

  it('a client of fewer than 10 rows refuses to send its update in the clear, and trains under SecAgg', async () => {
    const host = frames['breast_homo_host'] as Frame;
    const clients = [
      frames['breast_homo_guest'] as Frame,
      cut(host, 0, 6),
      cut(host, 6, host.ids.length),
    ];
    const clear = await runComponentSettled(lr, { rounds: 2, minClients: 3 }, inputsOf(clients), {
      hosts: 2,
      arbiter: true,
      pool,
    });
    const small = clear['host-0'];
    expect(small?.status).toBe('rejected');
    const err = (small as PromiseRejectedResult).reason as ComponentError;
    expect(err).toBeInstanceOf(ComponentError);
    expect(err.code).toBe('TOO_FEW_ROWS');
    expect(err.details).toMatchObject({ rows: 6, minRows: 10, upstream: 'arbiter' });
    expect(err.message).toMatch(/host-0: 6 training rows.*enable secureAggregation/);
    // Under SecAgg the arbiter sees only the sum of the three updates: no refusal.
    const secure = await runComponentSettled(
      lr,
      { rounds: 2, minClients: 3, secureAggregation: { enabled: true } },
      inputsOf(clients),
      { hosts: 2, arbiter: true, pool },
    );
    expect(Object.values(secure).map((r) => r.status)).toEqual(Array(4).fill('fulfilled'));
  });
});

describe('homo-lr: contribution evaluation', () => {
  it('a client with shuffled labels gets the lowest leave-one-out and Shapley value on the arbiter’s validation set', async () => {
    const g = frames['breast_homo_guest'] as Frame;
    // The same rows with labels flipped: updates that pull the model the wrong way.
    frames['breast_noise'] = {
      ...g,
      ids: g.ids.map((i) => `n${i}`),
      labels: (g.labels as Float64Array).map((y) => 1 - y),
    };
    const files = ['breast_homo_guest', 'breast_homo_host', 'breast_noise'];
    const res = await runComponent(
      lr,
      { rounds: 3, batchSize: 32, minClients: 3 },
      {
        ...clientInputs(files),
        arbiter: { validation: { kind: 'dataset', frame: frames['breast_homo_test'] as Frame } },
      },
      { hosts: 2, arbiter: true, pool },
    );
    const c = res['arbiter']?.summary?.['contributions'] as Record<
      string,
      { leaveOneOut: number; shapley: number; rounds: number }
    >;
    expect(Object.keys(c).sort()).toEqual(['guest', 'host-0', 'host-1']);
    expect(c['host-1']!.rounds).toBe(3);
    for (const k of ['leaveOneOut', 'shapley'] as const) {
      expect(c['host-1']![k]).toBeLessThan(0);
      expect(c['host-1']![k]).toBeLessThan(Math.min(c['guest']![k], c['host-0']![k]));
    }
    expect(c['guest']!.shapley).toBeGreaterThan(0);
  });
});

describe('homo-lr: contribution beyond exact Shapley', () => {
  it('twelve clients (one with flipped labels): GTG-Shapley estimates for all, the noisy one lowest', async () => {
    const g = frames['breast_homo_guest'] as Frame;
    const n = 12;
    const size = Math.floor(g.ids.length / n);
    const files = Array.from({ length: n }, (_, k) => {
      const name = `breast_part_${k}`;
      const rows = g.x.cols;
      const from = k * size;
      const labels = (g.labels as Float64Array).slice(from, from + size);
      frames[name] = {
        ...g,
        ids: g.ids.slice(from, from + size),
        x: { rows: size, cols: rows, data: g.x.data.slice(from * rows, (from + size) * rows) },
        labels: k === n - 1 ? labels.map((y) => 1 - y) : labels,
      };
      return name;
    });
    const res = await runComponent(
      lr,
      { rounds: 2, batchSize: 16, minClients: n },
      {
        ...clientInputs(files),
        arbiter: { validation: { kind: 'dataset', frame: frames['breast_homo_test'] as Frame } },
      },
      { hosts: n - 1, arbiter: true, pool },
    );
    const c = res['arbiter']?.summary?.['contributions'] as Record<
      string,
      { leaveOneOut: number; shapley?: number; rounds: number }
    >;
    const parties = Object.keys(c);
    expect(parties).toHaveLength(n);
    expect(parties.every((p) => typeof c[p]!.shapley === 'number')).toBe(true);
    const noisy = `host-${n - 2}`;
    expect(c[noisy]!.shapley).toBeLessThan(0);
    expect(c[noisy]!.shapley).toBeLessThan(
      Math.min(...parties.filter((p) => p !== noisy).map((p) => c[p]!.shapley!)),
    );
  });
});

describe('homo-lr: hierarchical FL (client → edge → cloud)', () => {
  const FOUR = [...CREDIT, 'credit_a'];
  const edges = [
    ['guest', 'host-0'],
    ['host-1', 'host-2'],
  ];
  const params = { rounds: 6, batchSize: 256, learningRate: 0.05 };

  it('with a cloud step every round it is exactly flat FedAvg', async () => {
    const flat = (await train(lr, FOUR, params)).models['guest'] as unknown as { params: number[] };
    const hier = (await train(lr, FOUR, { ...params, hierarchy: { edges, edgeRounds: 1 } })).models[
      'guest'
    ] as unknown as { params: number[] };
    hier.params.forEach((v, i) => expect(v).toBeCloseTo(flat.params[i] as number, 12));
  });

  it('edges aggregate for 3 rounds between cloud steps; the model stays within 0.01 AUC of flat FedAvg', async () => {
    const flat = await testAuc(
      (await train(lr, FOUR, params)).models['guest']!,
      'default_credit_homo_test',
    );
    const { models, report } = await train(lr, FOUR, {
      ...params,
      hierarchy: { edges, edgeRounds: 3 },
    });
    expect(report.history.map((h) => h.cloud)).toEqual([false, false, true, false, false, true]);
    expect(
      Math.abs((await testAuc(models['guest']!, 'default_credit_homo_test')) - flat),
    ).toBeLessThanOrEqual(0.01);
  });

  it('edge aggregators as their own parties (edge-0, edge-1) give exactly the model of the arbiter-side schedule', async () => {
    const hier = { ...params, hierarchy: { edges, edgeRounds: 3 } };
    const logical = (await train(lr, FOUR, hier)).models['guest'];
    const real = await train(lr, FOUR, hier, { edges: 2 });
    expect(real.models['guest']).toEqual(logical);
    expect(real.models['host-2']).toEqual(logical);
    // The cloud played 2 rounds with the two edges as its clients.
    expect(real.report.history.map((h) => h.aggregated)).toEqual([
      ['edge-0', 'edge-1'],
      ['edge-0', 'edge-1'],
    ]);
  });

  it('refuses edges that do not partition the clients', async () => {
    const res = await runComponentSettled(
      lr,
      { hierarchy: { edges: [['guest', 'host-0']] } },
      clientInputs(FOUR),
      { hosts: 3, arbiter: true, pool },
    );
    expect(((res['arbiter'] as PromiseRejectedResult).reason as Error).message).toMatch(
      /hierarchy.edges leaves out host-1, host-2/,
    );
  });
});
