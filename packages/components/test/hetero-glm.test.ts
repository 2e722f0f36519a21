/**
 * The coordinated GLMs besides binary HeteroLR — HeteroLinR, HeteroPoisson and one-vs-rest
 * multiclass HeteroLR — against their plaintext twins (trainGlm on the joined table, same
 * hyper-parameters): weights, intercepts and loss histories match up to fixed-point precision,
 * and federated prediction scores what the twin scores.
 *
 * Data: FATE's motor split (800 rows; guest 4 features + motor_speed, host 7 features). The
 * Poisson counts and the multiclass labels are derived from it (stated where made).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '@fedgrid/crypto';
import {
  ComponentError,
  evaluation,
  heteroLinR,
  heteroLinRParams,
  heteroLr,
  heteroLrParams,
  heteroLrPredict,
  heteroPoisson,
  lrParams,
  type ComponentSpec,
  type ModelPart,
  type PortValue,
  type Predictions,
  type ProgramResult,
} from '@fedgrid/components';
import {
  LINEAR,
  POISSON,
  SeededRandom,
  TAYLOR_LOGISTIC,
  hstack,
  matVec,
  multiclassMetrics,
  regressionMetrics,
  trainGlm,
  type Frame,
} from '@fedgrid/ml';
import { importCsv } from '@fedgrid/node';
import { runComponent, runComponentSettled } from './harness.js';

let pool: CryptoPool;
let guest: Frame;
let host: Frame;

beforeAll(async () => {
  pool = new CryptoPool({ threads: 2 });
  guest = (
    await importCsv({
      path: 'examples/data/fate/motor_hetero_guest.csv',
      idColumn: 'idx',
      labelColumn: 'motor_speed',
    })
  ).frame;
  host = (await importCsv({ path: 'examples/data/fate/motor_hetero_host.csv', idColumn: 'idx' }))
    .frame;
  // The files list the same ids in the same order: the join is a column stack.
  expect(host.ids).toEqual(guest.ids);
});
afterAll(async () => {
  await pool?.close();
});

const dataset = (frame: Frame): PortValue => ({ kind: 'dataset', frame });
const withLabels = (f: Frame, labels: Float64Array): Frame => ({ ...f, labels });

function columns(frame: Frame, cols: number[]): Frame {
  const data = new Float64Array(frame.x.rows * cols.length);
  for (let i = 0; i < frame.x.rows; i++)
    cols.forEach((c, k) => (data[i * cols.length + k] = frame.x.data[i * frame.x.cols + c]!));
  return {
    ids: frame.ids.slice(),
    x: { rows: frame.x.rows, cols: cols.length, data },
    featureNames: cols.map((c) => frame.featureNames[c]!),
  };
}

/** The first `n` rows of a frame (labels too). */
function head(frame: Frame, n: number): Frame {
  return {
    ...frame,
    ids: frame.ids.slice(0, n),
    x: { rows: n, cols: frame.x.cols, data: frame.x.data.slice(0, n * frame.x.cols) },
    ...(frame.labels ? { labels: frame.labels.slice(0, n) } : {}),
  };
}

function modelOf(r: ProgramResult | undefined): ModelPart {
  const v = r?.outputs['model'];
  expect(v?.kind).toBe('model');
  return (v as Extract<PortValue, { kind: 'model' }>).model;
}

function expectClose(a: ArrayLike<number>, e: ArrayLike<number>, tol: number, what: string): void {
  expect(a.length, `${what}: length`).toBe(e.length);
  for (let j = 0; j < e.length; j++)
    expect(
      Math.abs(a[j]! - e[j]!),
      `${what}[${j}]: federated ${a[j]}, plaintext ${e[j]}`,
    ).toBeLessThanOrEqual(tol * (1 + Math.abs(e[j]!)));
}

async function train(
  spec: ComponentSpec<unknown>,
  params: Record<string, unknown>,
  g: Frame,
  hosts: Frame[],
) {
  const inputs: Record<string, Record<string, PortValue>> = { guest: { data: dataset(g) } };
  hosts.forEach((h, k) => (inputs[`host-${k}`] = { data: dataset(h) }));
  const results = await runComponent(spec, params, inputs, {
    pool,
    hosts: hosts.length,
    arbiter: true,
  });
  return {
    results,
    guestModel: modelOf(results['guest']),
    hostModels: hosts.map((_, k) => modelOf(results[`host-${k}`])),
  };
}

async function predict(g: Frame, hosts: Frame[], guestModel: ModelPart, hostModels: ModelPart[]) {
  const inputs: Record<string, Record<string, PortValue>> = {
    guest: { data: dataset(g), model: { kind: 'model', model: guestModel } },
  };
  hosts.forEach(
    (h, k) =>
      (inputs[`host-${k}`] = {
        data: dataset(h),
        model: { kind: 'model', model: hostModels[k]! },
      }),
  );
  const r = await runComponent(heteroLrPredict as ComponentSpec<unknown>, {}, inputs, {
    pool,
    hosts: hosts.length,
  });
  return (r['guest']?.outputs['predictions'] as Extract<PortValue, { kind: 'predictions' }>)
    .predictions;
}

/**
 * The model's intercept in original units: the guest's plus each host's share (each party
 * standardises its own columns, so a host's part carries the intercept share of its centring).
 */
function totalIntercept(g: ModelPart, hosts: ModelPart[]): number {
  return hosts.reduce(
    (s, h) => s + ((h['intercept'] as number | undefined) ?? 0),
    g['intercept'] as number,
  );
}

/** Measured federated/plaintext differences are ~1e−7; the tolerance leaves room. */
const TOL = 1e-5;

describe('hetero-linr (motor, motor_speed)', () => {
  // Step for step against the twin: a per-coordinate rule (the default 'newton' is block-wise in
  // the federation and one block in the twin, so they meet only at the optimum: tested below).
  it('one host: weights, intercept, loss history and predictions match the plaintext twin', async () => {
    const params = {
      maxIter: 8,
      batchSize: 256,
      learningRate: 0.1,
      penalty: 'l2',
      alpha: 0.01,
      optimizer: 'sgd',
    };
    const fed = await train(heteroLinR as ComponentSpec<unknown>, params, guest, [host]);
    const lp = lrParams(heteroLinRParams.parse(params));
    const twin = trainGlm(hstack(guest.x, host.x), guest.labels!, lp, LINEAR);
    const dg = guest.x.cols;
    expect(fed.guestModel).toMatchObject({ algorithm: 'hetero-linr', family: 'linear' });
    expectClose(
      fed.guestModel['weights'] as number[],
      twin.model.weights.subarray(0, dg),
      TOL,
      'guest w',
    );
    expectClose(
      fed.hostModels[0]!['weights'] as number[],
      twin.model.weights.subarray(dg),
      TOL,
      'host w',
    );
    expectClose(
      [totalIntercept(fed.guestModel, fed.hostModels)],
      [twin.model.intercept],
      TOL,
      'intercept (guest + host shares)',
    );
    expectClose(
      fed.results['guest']!.summary!['lossHistory'] as number[],
      twin.lossHistory,
      TOL,
      'loss',
    );
    expect(twin.lossHistory[7]!).toBeLessThan(twin.lossHistory[0]!);

    const p = await predict(guest, [host], fed.guestModel, fed.hostModels);
    expect(p.task).toBe('regression');
    const twinPred = matVec(hstack(guest.x, host.x), twin.model.weights, twin.model.intercept);
    expectClose(p.scores, twinPred, 1e-4, 'predictions');
    const ev = await runComponent(
      evaluation as ComponentSpec<unknown>,
      {},
      { guest: { predictions: { kind: 'predictions', predictions: p } } },
      { pool },
    );
    const report = (ev['guest']!.outputs['report'] as Extract<PortValue, { kind: 'report' }>)
      .report;
    const metrics = report['metrics'] as { mse: number; r2: number };
    const plain = regressionMetrics(guest.labels!, twinPred);
    expect(Math.abs(metrics.mse - plain.mse) / plain.mse).toBeLessThan(1e-4);
    expect(metrics.r2).toBeGreaterThan(0.5);
  });

  it('two hosts (the host columns split 4 + 3)', async () => {
    const h0 = columns(host, [0, 1, 2, 3]);
    const h1 = columns(host, [4, 5, 6]);
    const params = { maxIter: 3, batchSize: 300, learningRate: 0.1, optimizer: 'sgd' };
    const fed = await train(heteroLinR as ComponentSpec<unknown>, params, guest, [h0, h1]);
    const twin = trainGlm(
      hstack(hstack(guest.x, h0.x), h1.x),
      guest.labels!,
      lrParams(heteroLinRParams.parse(params)),
      LINEAR,
    );
    const w = twin.model.weights;
    expectClose(fed.guestModel['weights'] as number[], w.subarray(0, 4), TOL, 'guest w');
    expectClose(fed.hostModels[0]!['weights'] as number[], w.subarray(4, 8), TOL, 'host-0 w');
    expectClose(fed.hostModels[1]!['weights'] as number[], w.subarray(8), TOL, 'host-1 w');
  });

  it(
    'defaults (block-diagonal Newton, two hosts): the loss falls every epoch to the ridge optimum',
    {
      timeout: 600_000,
    },
    async () => {
      // 300 rows keep the ~20 Paillier epochs short; the convergence rate does not depend on n.
      const g = head(guest, 300);
      const h0 = columns(head(host, 300), [0, 1, 2, 3]);
      const h1 = columns(head(host, 300), [4, 5, 6]);
      const fed = await train(heteroLinR as ComponentSpec<unknown>, {}, g, [h0, h1]);
      const x = hstack(hstack(g.x, h0.x), h1.x);
      // The twin with every column in one Newton block: the exact ridge solution.
      const twin = trainGlm(x, g.labels!, lrParams(heteroLinRParams.parse({})), LINEAR);
      const losses = fed.results['guest']!.summary!['lossHistory'] as number[];
      for (let t = 1; t < losses.length; t++) expect(losses[t]!).toBeLessThan(losses[t - 1]!);
      expect(losses.length).toBeLessThan(50); // stopped on the tolerance
      const p = await predict(g, [h0, h1], fed.guestModel, fed.hostModels);
      const mse = regressionMetrics(g.labels!, p.scores).mse;
      const optimum = regressionMetrics(
        g.labels!,
        matVec(x, twin.model.weights, twin.model.intercept),
      ).mse;
      expect(mse).toBeGreaterThanOrEqual(optimum * (1 - 1e-9));
      expect(mse / optimum - 1).toBeLessThan(0.01);
    },
  );

  it('a non-finite label is refused naming the row', async () => {
    const labels = guest.labels!.slice();
    labels[12] = NaN;
    const settled = await runComponentSettled(
      heteroLinR as ComponentSpec<unknown>,
      {},
      { guest: { data: dataset(withLabels(guest, labels)) }, 'host-0': { data: dataset(host) } },
      { pool, arbiter: true },
    );
    const r = settled['guest']!;
    expect(r.status).toBe('rejected');
    const err = (r as PromiseRejectedResult).reason as ComponentError;
    expect(err.code).toBe('LABELS_INVALID');
    expect(err.message).toMatch(/row 12/);
  });
});

describe('hetero-linr on raw columns of very different scales', () => {
  // The motor label ×1000 and one host column ×10⁴: raw scales a user's CSV may well have.
  const scaled = (f: Frame, col: number, k: number): Frame => ({
    ...f,
    x: {
      ...f.x,
      data: f.x.data.map((v, i) => (i % f.x.cols === col ? v * k : v)),
    },
  });
  // Built lazily: the motor frames load in beforeAll.
  let rawGuest: Frame;
  let rawHost: Frame;
  beforeAll(() => {
    rawGuest = withLabels(
      guest,
      guest.labels!.map((v) => 1000 * v + 5000),
    );
    rawHost = scaled(host, 0, 1e4);
  });

  it('without standardisation the step runs away: every party fails with DIVERGED, none succeeds', async () => {
    const settled = await runComponentSettled(
      heteroLinR as ComponentSpec<unknown>,
      { standardize: false, maxIter: 10, keyBits: 2048, optimizer: 'sgd', batchSize: 512 },
      { guest: { data: dataset(rawGuest) }, 'host-0': { data: dataset(rawHost) } },
      { pool, arbiter: true },
    );
    // The arbiter judges the loss and tells everyone; whoever fails first ends the session, so
    // a party may see the session end with another's DIVERGED error as the cause.
    for (const party of ['guest', 'host-0', 'arbiter']) {
      const r = settled[party]!;
      expect(r.status, party).toBe('rejected');
      const err = (r as PromiseRejectedResult).reason as ComponentError;
      expect(err.message, party).toMatch(/training diverged/);
    }
    expect(((settled['guest'] as PromiseRejectedResult).reason as Error).message).toMatch(
      /the loss (rose|became)/,
    );
  });

  it('with the default standardisation it matches the plaintext twin, in original units', async () => {
    const params = { maxIter: 5, optimizer: 'sgd', batchSize: 512 };
    const fed = await train(heteroLinR as ComponentSpec<unknown>, params, rawGuest, [rawHost]);
    const twin = trainGlm(
      hstack(rawGuest.x, rawHost.x),
      rawGuest.labels!,
      lrParams(heteroLinRParams.parse(params)),
      LINEAR,
    );
    expectClose(
      fed.guestModel['weights'] as number[],
      twin.model.weights.subarray(0, 4),
      TOL,
      'guest w',
    );
    expectClose(
      fed.hostModels[0]!['weights'] as number[],
      twin.model.weights.subarray(4),
      TOL,
      'host w',
    );
    expectClose(
      [totalIntercept(fed.guestModel, fed.hostModels)],
      [twin.model.intercept],
      TOL,
      'intercept',
    );
    // Federated prediction (each party applies its own part, the host adds its share) = the twin's.
    const p = await predict(rawGuest, [rawHost], fed.guestModel, fed.hostModels);
    const z = matVec(hstack(rawGuest.x, rawHost.x), twin.model.weights, twin.model.intercept);
    expectClose(p.scores, z, TOL, 'predictions');
  });
});

/** Counts drawn from a Poisson model on two real motor features (seeded): μ = e^{0.4·pm − 0.3·coolant + 0.2}. */
function poissonCounts(): Float64Array {
  const rng = new SeededRandom(5);
  const pm = guest.featureNames.indexOf('pm');
  const coolant = host.featureNames.indexOf('coolant');
  return Float64Array.from(guest.ids, (_, i) => {
    const mu = Math.exp(
      0.4 * guest.x.data[i * guest.x.cols + pm]! -
        0.3 * host.x.data[i * host.x.cols + coolant]! +
        0.2,
    );
    let k = 0;
    let p = 1;
    const l = Math.exp(-mu);
    for (;;) {
      p *= rng.next();
      if (p <= l) return k;
      k++;
    }
  });
}

describe('hetero-poisson (motor features, Poisson counts)', () => {
  it('matches the plaintext twin, and prediction is e^z', async () => {
    const y = poissonCounts();
    const params = { maxIter: 6, batchSize: -1, learningRate: 0.2, penalty: 'none' };
    const fed = await train(heteroPoisson as ComponentSpec<unknown>, params, withLabels(guest, y), [
      host,
    ]);
    const twin = trainGlm(
      hstack(guest.x, host.x),
      y,
      lrParams(heteroLrParams.parse(params)),
      POISSON,
    );
    expect(fed.guestModel).toMatchObject({ algorithm: 'hetero-poisson', family: 'poisson' });
    expectClose(
      fed.guestModel['weights'] as number[],
      twin.model.weights.subarray(0, 4),
      TOL,
      'guest w',
    );
    expectClose(
      fed.hostModels[0]!['weights'] as number[],
      twin.model.weights.subarray(4),
      TOL,
      'host w',
    );
    expectClose(
      [totalIntercept(fed.guestModel, fed.hostModels)],
      [twin.model.intercept],
      TOL,
      'intercept (guest + host shares)',
    );
    expectClose(
      fed.results['guest']!.summary!['lossHistory'] as number[],
      twin.lossHistory,
      TOL,
      'loss',
    );
    const p = await predict(withLabels(guest, y), [host], fed.guestModel, fed.hostModels);
    const z = matVec(hstack(guest.x, host.x), twin.model.weights, twin.model.intercept);
    expectClose(p.scores, z.map(Math.exp), 1e-4, 'μ');
  });

  it('an exposure column is an offset, not a feature, in training and in prediction', async () => {
    const y = poissonCounts();
    // Exposure 1, 2 or 3 per row (seeded), as an extra guest column.
    const rng = new SeededRandom(9);
    const t = Float64Array.from(guest.ids, () => 1 + Math.floor(rng.next() * 3));
    const cols = guest.x.cols + 1;
    const data = new Float64Array(guest.x.rows * cols);
    for (let i = 0; i < guest.x.rows; i++) {
      data.set(guest.x.data.subarray(i * guest.x.cols, (i + 1) * guest.x.cols), i * cols);
      data[i * cols + cols - 1] = t[i]!;
    }
    const g: Frame = {
      ...guest,
      labels: y,
      x: { rows: guest.x.rows, cols, data },
      featureNames: [...guest.featureNames, 'years'],
    };
    const params = {
      maxIter: 4,
      batchSize: -1,
      learningRate: 0.1,
      penalty: 'none',
      exposure: 'years',
    };
    const fed = await train(heteroPoisson as ComponentSpec<unknown>, params, g, [host]);
    const offset = t.map(Math.log);
    const twin = trainGlm(
      hstack(guest.x, host.x),
      y,
      lrParams(heteroLrParams.parse(params)),
      POISSON,
      {
        offset,
      },
    );
    expect(fed.guestModel['featureNames']).toEqual(guest.featureNames);
    expect(fed.guestModel['exposure']).toBe('years');
    expectClose(
      fed.guestModel['weights'] as number[],
      twin.model.weights.subarray(0, 4),
      TOL,
      'guest w',
    );
    const p = await predict(g, [host], fed.guestModel, fed.hostModels);
    const z = matVec(hstack(guest.x, host.x), twin.model.weights, twin.model.intercept);
    expectClose(
      p.scores,
      z.map((v, i) => Math.exp(v + offset[i]!)),
      1e-4,
      'μ·t',
    );
  });

  it('two hosts are refused (HOSTS_UNSUPPORTED), and negative counts (LABELS_INVALID)', async () => {
    const h0 = columns(host, [0, 1, 2]);
    const h1 = columns(host, [3, 4, 5, 6]);
    const two = await runComponentSettled(
      heteroPoisson as ComponentSpec<unknown>,
      {},
      {
        guest: { data: dataset(withLabels(guest, poissonCounts())) },
        'host-0': { data: dataset(h0) },
        'host-1': { data: dataset(h1) },
      },
      { pool, hosts: 2, arbiter: true },
    );
    expect((two['guest'] as PromiseRejectedResult).reason).toMatchObject({
      code: 'HOSTS_UNSUPPORTED',
    });
    const neg = await runComponentSettled(
      heteroPoisson as ComponentSpec<unknown>,
      {},
      { guest: { data: dataset(guest) }, 'host-0': { data: dataset(host) } },
      { pool, arbiter: true },
    );
    // motor_speed has negative values: not counts.
    expect((neg['guest'] as PromiseRejectedResult).reason).toMatchObject({
      code: 'LABELS_INVALID',
    });
  });
});

/** Three classes: motor_speed below its 1/3 quantile → 0, below its 2/3 quantile → 1, else 2. */
function tertiles(): Float64Array {
  const s = Array.from(guest.labels!).sort((a, b) => a - b);
  const q1 = s[Math.floor(s.length / 3)]!;
  const q2 = s[Math.floor((2 * s.length) / 3)]!;
  return guest.labels!.map((v) => (v < q1 ? 0 : v < q2 ? 1 : 2));
}

describe('hetero-lr one-vs-rest (motor_speed tertiles)', () => {
  it('trains one model per class equal to the plaintext twins, and predicts the argmax class', async () => {
    const y = tertiles();
    const params = { maxIter: 3, batchSize: 400 };
    const fed = await train(heteroLr as ComponentSpec<unknown>, params, withLabels(guest, y), [
      host,
    ]);
    expect(fed.guestModel['classes']).toEqual([0, 1, 2]);
    const lp = lrParams(heteroLrParams.parse(params));
    const x = hstack(guest.x, host.x);
    const twins = [0, 1, 2].map((c) =>
      trainGlm(
        x,
        y.map((v) => (v === c ? 1 : 0)),
        lp,
        TAYLOR_LOGISTIC,
      ),
    );
    const gw = fed.guestModel['weights'] as number[][];
    const hw = fed.hostModels[0]!['weights'] as number[][];
    const gb = fed.guestModel['intercept'] as number[];
    const hb = fed.hostModels[0]!['intercept'] as number[];
    twins.forEach((tw, c) => {
      expectClose(gw[c]!, tw.model.weights.subarray(0, 4), TOL, `class ${c} guest w`);
      expectClose(hw[c]!, tw.model.weights.subarray(4), TOL, `class ${c} host w`);
      expectClose([gb[c]! + hb[c]!], [tw.model.intercept], TOL, `class ${c} intercept`);
    });
    const p: Predictions = await predict(
      withLabels(guest, y),
      [host],
      fed.guestModel,
      fed.hostModels,
    );
    expect(p.task).toBe('multiclass');
    expect(p.classes).toEqual([0, 1, 2]);
    // The twin's argmax of σ(z_c).
    const zs = twins.map((tw) => matVec(x, tw.model.weights, tw.model.intercept));
    const twinPred = Float64Array.from(guest.ids, (_, i) => {
      let best = 0;
      for (let c = 1; c < 3; c++) if (zs[c]![i]! > zs[best]![i]!) best = c;
      return best;
    });
    expect(Array.from(p.scores)).toEqual(Array.from(twinPred));
    for (let i = 0; i < 5; i++) {
      const row = Array.from(p.probabilities!.subarray(i * 3, i * 3 + 3));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
    // Better than chance (⅓) on this learnable split.
    expect(multiclassMetrics(y, twinPred).accuracy).toBeGreaterThan(0.5);
  });

  it('real-valued labels are refused with a pointer to hetero-linr', async () => {
    const settled = await runComponentSettled(
      heteroLr as ComponentSpec<unknown>,
      {},
      { guest: { data: dataset(guest) }, 'host-0': { data: dataset(host) } },
      { pool, arbiter: true },
    );
    const err = (settled['guest'] as PromiseRejectedResult).reason as ComponentError;
    expect(err).toBeInstanceOf(ComponentError);
    expect(err.code).toBe('LABELS_NOT_CLASSES');
    expect(err.message).toMatch(/hetero-linr/);
  });
});
