/**
 * Coordinated HeteroLR (hetero-lr) on FATE's breast split against its plaintext twin
 * (trainLogisticRegression with the Taylor loss on the joined table, same hyper-parameters):
 * the federated arithmetic is exact up to fixed-point quantisation, so weights, intercept, loss
 * history and epochs must match. Plus prediction AUC, and input errors that must stop every
 * party without hanging.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '@fedgrid/crypto';
import {
  ComponentError,
  evaluation,
  heteroLr,
  heteroLrParams,
  heteroLrPredict,
  lrParams,
  type ComponentSpec,
  type ModelPart,
  type PortValue,
  type ProgramResult,
} from '@fedgrid/components';
import { trainLogisticRegression, type Frame, type Matrix } from '@fedgrid/ml';
import { importCsv } from '@fedgrid/node';
import { runComponent, runComponentSettled } from './harness.js';

const GUEST_CSV = 'examples/data/fate/breast_hetero_guest.csv';
const HOST_CSV = 'examples/data/fate/breast_hetero_host.csv';

let pool: CryptoPool;
let guest: Frame;
let host: Frame;

beforeAll(async () => {
  pool = new CryptoPool({ threads: 2 });
  guest = (await importCsv({ path: GUEST_CSV, idColumn: 'id', labelColumn: 'y' })).frame;
  host = (await importCsv({ path: HOST_CSV, idColumn: 'id' })).frame;
});
afterAll(async () => {
  await pool?.close();
});

const dataset = (frame: Frame): PortValue => ({ kind: 'dataset', frame });

/** The frame restricted to some feature columns (by index), rows unchanged. */
function columns(frame: Frame, cols: number[]): Frame {
  const data = new Float64Array(frame.x.rows * cols.length);
  for (let i = 0; i < frame.x.rows; i++) {
    cols.forEach(
      (c, k) => (data[i * cols.length + k] = frame.x.data[i * frame.x.cols + c] as number),
    );
  }
  return {
    ids: frame.ids.slice(),
    x: { rows: frame.x.rows, cols: cols.length, data },
    featureNames: cols.map((c) => frame.featureNames[c] as string),
  };
}

/** A copy of a frame (so that tests can corrupt it). */
function copy(frame: Frame): Frame {
  return {
    ids: frame.ids.slice(),
    x: { rows: frame.x.rows, cols: frame.x.cols, data: frame.x.data.slice() },
    featureNames: frame.featureNames.slice(),
    ...(frame.labels ? { labels: frame.labels.slice(), labelName: frame.labelName } : {}),
  };
}

/** First `n` rows of a frame. */
function head(frame: Frame, n: number): Frame {
  return {
    ids: frame.ids.slice(0, n),
    x: { rows: n, cols: frame.x.cols, data: frame.x.data.slice(0, n * frame.x.cols) },
    featureNames: frame.featureNames.slice(),
    ...(frame.labels ? { labels: frame.labels.slice(0, n), labelName: frame.labelName } : {}),
  };
}

/**
 * The plaintext join: for every guest row (in guest order), the guest's features, then each host's
 * features for the same id (looked up by id, independent of the hosts' row order).
 */
function joinByIds(g: Frame, hosts: Frame[]): Matrix {
  const lookups = hosts.map((h) => new Map(h.ids.map((id, i) => [id, i])));
  const cols = g.x.cols + hosts.reduce((a, h) => a + h.x.cols, 0);
  const data = new Float64Array(g.x.rows * cols);
  for (let i = 0; i < g.x.rows; i++) {
    let o = i * cols;
    for (let j = 0; j < g.x.cols; j++) data[o++] = g.x.data[i * g.x.cols + j] as number;
    hosts.forEach((h, k) => {
      const r = lookups[k]?.get(g.ids[i] as string);
      if (r === undefined) throw new Error(`id ${g.ids[i]} missing on host ${k}`);
      for (let j = 0; j < h.x.cols; j++) data[o++] = h.x.data[r * h.x.cols + j] as number;
    });
  }
  return { rows: g.x.rows, cols, data };
}

function modelOf(result: ProgramResult | undefined): ModelPart {
  const v = result?.outputs['model'];
  expect(v?.kind).toBe('model');
  return (v as Extract<PortValue, { kind: 'model' }>).model;
}

/** |a − b| ≤ rel·|b| + abs, elementwise, with a readable failure. */
function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rel: number,
  abs: number,
  what: string,
): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let j = 0; j < expected.length; j++) {
    const a = actual[j] as number;
    const e = expected[j] as number;
    expect(Number.isFinite(a), `${what}[${j}] = ${a}`).toBe(true);
    expect(Math.abs(a - e), `${what}[${j}]: federated ${a}, plaintext ${e}`).toBeLessThanOrEqual(
      rel * Math.abs(e) + abs,
    );
  }
}

/** Tolerances: measured federated/plaintext differences are ~1e-7 relative, ~1e-8 absolute. */
const REL = 1e-5;
const ABS = 1e-7;

interface FedRun {
  results: Record<string, ProgramResult>;
  guestModel: ModelPart;
  hostModels: ModelPart[];
}

async function trainFederated(
  params: Record<string, unknown>,
  hostFrames: Frame[],
  g: Frame = guest,
): Promise<FedRun> {
  const inputs: Record<string, Record<string, PortValue>> = { guest: { data: dataset(g) } };
  hostFrames.forEach((h, k) => (inputs[`host-${k}`] = { data: dataset(h) }));
  const results = await runComponent(heteroLr as ComponentSpec<unknown>, params, inputs, {
    pool,
    hosts: hostFrames.length,
    arbiter: true,
  });
  return {
    results,
    guestModel: modelOf(results['guest']),
    hostModels: hostFrames.map((_, k) => modelOf(results[`host-${k}`])),
  };
}

/** Trains federated and plaintext with the same parameters and compares everything. */
async function compareWithPlaintext(
  params: Record<string, unknown>,
  hostFrames: Frame[],
  fedGuest: Frame = guest,
): Promise<{ fed: FedRun; plain: ReturnType<typeof trainLogisticRegression> }> {
  const fed = await trainFederated(params, hostFrames, fedGuest);
  const lp = lrParams(heteroLrParams.parse(params));
  // The plaintext twin always sees 0/1 labels (positive class = 1).
  const y01 = Float64Array.from(guest.labels as Float64Array, (v) => (v === 1 ? 1 : 0));
  const plain = trainLogisticRegression(joinByIds(guest, hostFrames), y01, lp, { taylor: true });

  const dg = guest.x.cols;
  const w = plain.model.weights;
  // Guest: its own weights (first columns of the join) and the intercept.
  expect(fed.guestModel['algorithm']).toBe('hetero-lr');
  expect(fed.guestModel['featureNames']).toEqual(guest.featureNames);
  expectClose(fed.guestModel['weights'] as number[], w.subarray(0, dg), REL, ABS, 'guest weights');
  // The intercept in original units: the guest's plus each host's share (standardisation).
  const hostShares = fed.hostModels.map((m) => (m['intercept'] as number | undefined) ?? 0);
  expectClose(
    [hostShares.reduce((a, b) => a + b, fed.guestModel['intercept'] as number)],
    [plain.model.intercept],
    REL,
    ABS,
    'intercept',
  );
  // Each host: the columns it contributed, in order.
  let off = dg;
  hostFrames.forEach((h, k) => {
    const m = fed.hostModels[k] as ModelPart;
    expect(m['featureNames']).toEqual(h.featureNames);
    // Its share of the intercept, from centring its own columns (absent without standardisation).
    if (lp.standardize) expect(typeof m['intercept']).toBe('number');
    else expect(m['intercept']).toBeUndefined();
    expectClose(
      m['weights'] as number[],
      w.subarray(off, off + h.x.cols),
      REL,
      ABS,
      `host-${k} weights`,
    );
    off += h.x.cols;
  });
  expect(off).toBe(w.length);
  // Same epochs on every party, and the arbiter's loss history equals the plaintext one.
  const gs = fed.results['guest']?.summary ?? {};
  expect(gs['epochs']).toBe(plain.epochs);
  expect(gs['converged']).toBe(plain.converged);
  hostFrames.forEach((_, k) =>
    expect(fed.results[`host-${k}`]?.summary?.['epochs']).toBe(plain.epochs),
  );
  expect(fed.results['arbiter']?.summary?.['epochs']).toBe(plain.epochs);
  expectClose(gs['lossHistory'] as number[], plain.lossHistory, 1e-6, 1e-8, 'loss history');
  // The model actually moved away from zero (a trivial all-zero comparison would prove nothing).
  expect(Math.max(...Array.from(w, Math.abs))).toBeGreaterThan(0.01);
  return { fed, plain };
}

/** AUC by direct pair counting (ties count ½): an independent reference. */
function pairAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  let num = 0;
  let pairs = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < labels.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      const si = scores[i] as number;
      const sj = scores[j] as number;
      num += si > sj ? 1 : si === sj ? 0.5 : 0;
    }
  }
  return num / pairs;
}

describe('hetero-lr vs the plaintext twin (breast, Taylor loss)', () => {
  it('one host, mini-batches of 512 (2 per epoch), sgd + l2: weights, intercept, loss and epochs match', async () => {
    await compareWithPlaintext({ maxIter: 5 }, [host]);
  });

  it('two hosts (the host table split 10 + 10 columns)', async () => {
    const h0 = columns(
      host,
      Array.from({ length: 10 }, (_, j) => j),
    );
    const h1 = columns(
      host,
      Array.from({ length: 10 }, (_, j) => 10 + j),
    );
    await compareWithPlaintext({ maxIter: 4, batchSize: 300 }, [h0, h1]);
  });

  it("penalty 'l1' (proximal sgd step)", async () => {
    await compareWithPlaintext({ maxIter: 4, penalty: 'l1', alpha: 0.01 }, [host]);
  });

  it("optimizer 'adam'", async () => {
    await compareWithPlaintext({ maxIter: 4, optimizer: 'adam', learningRate: 0.05 }, [host]);
  });

  it('batchSize -1 (full batch)', async () => {
    await compareWithPlaintext({ maxIter: 5, batchSize: -1 }, [host]);
  });

  it("'rmsprop' with sqrt decay, no intercept, and a last mini-batch of a single row (569 = 4·142 + 1)", async () => {
    const { fed } = await compareWithPlaintext(
      {
        maxIter: 2,
        batchSize: 142,
        optimizer: 'rmsprop',
        decay: 0.5,
        decaySqrt: true,
        fitIntercept: false,
        learningRate: 0.05,
      },
      [host],
    );
    expect(fed.guestModel['intercept']).toBe(0);
  });

  it('labels −1/1 train the same model as 0/1', async () => {
    const pm = copy(guest);
    pm.labels = Float64Array.from(guest.labels as Float64Array, (v) => (v === 1 ? 1 : -1));
    await compareWithPlaintext({ maxIter: 3 }, [host], pm);
  });

  it('early stop: the loss converges before maxIter on both sides, after the same number of epochs', async () => {
    const { plain } = await compareWithPlaintext({ maxIter: 10, tol: 0.02, earlyStop: 'diff' }, [
      host,
    ]);
    // The test is only meaningful if the plaintext run really stopped early.
    expect(plain.converged).toBe(true);
    expect(plain.epochs).toBeLessThan(10);
  });

  it('predicted AUC (hetero-lr-predict + evaluation) equals the plaintext twin’s AUC and is ≥ 0.98', async () => {
    const { fed, plain } = await compareWithPlaintext({ maxIter: 5 }, [host]);
    const pr = await runComponent(
      heteroLrPredict as ComponentSpec<unknown>,
      {},
      {
        guest: { data: dataset(guest), model: { kind: 'model', model: fed.guestModel } },
        'host-0': {
          data: dataset(host),
          model: { kind: 'model', model: fed.hostModels[0] as ModelPart },
        },
      },
      { pool },
    );
    const preds = pr['guest']?.outputs['predictions'];
    expect(preds?.kind).toBe('predictions');
    const ev = await runComponent(
      evaluation as ComponentSpec<unknown>,
      {},
      { guest: { predictions: preds as PortValue } },
      { pool },
    );
    const report = (ev['guest']?.outputs['report'] as Extract<PortValue, { kind: 'report' }>)
      .report;
    const fedAuc = (report['metrics'] as { auc: number }).auc;

    // Plaintext twin: σ(X·w + b) on the joined table, AUC by pair counting.
    const x = joinByIds(guest, [host]);
    const scores = new Float64Array(x.rows);
    for (let i = 0; i < x.rows; i++) {
      let z = plain.model.intercept;
      for (let j = 0; j < x.cols; j++)
        z += (x.data[i * x.cols + j] as number) * (plain.model.weights[j] as number);
      scores[i] = 1 / (1 + Math.exp(-z));
    }
    const plainAuc = pairAuc(guest.labels as Float64Array, scores);
    expect(Math.abs(fedAuc - plainAuc)).toBeLessThanOrEqual(1e-6);
    expect(plainAuc).toBeGreaterThanOrEqual(0.98);
    expect(fedAuc).toBeGreaterThanOrEqual(0.98);
  });
});

/** Runs HeteroLR, expecting it to fail: every party must end (none left hanging). */
async function expectFailure(
  inputs: Record<string, Record<string, PortValue>>,
  opts: { hosts?: number; arbiter?: boolean } = {},
): Promise<Record<string, PromiseSettledResult<ProgramResult>>> {
  const settled = await runComponentSettled(
    heteroLr as ComponentSpec<unknown>,
    { maxIter: 2 },
    inputs,
    {
      pool,
      hosts: opts.hosts ?? 1,
      arbiter: opts.arbiter ?? true,
    },
  );
  for (const [party, r] of Object.entries(settled)) {
    expect(r.status, `${party} should have failed`).toBe('rejected');
  }
  return settled;
}

function reason(r: PromiseSettledResult<ProgramResult> | undefined): unknown {
  expect(r?.status).toBe('rejected');
  return (r as PromiseRejectedResult).reason;
}

function expectComponentError(err: unknown, code: string): void {
  expect(err).toBeInstanceOf(ComponentError);
  expect((err as ComponentError).code).toBe(code);
}

describe('hetero-lr: bad inputs reject the run on every party, without hanging', () => {
  it('labels 0, 1 and 2.5 → LABELS_NOT_CLASSES on the guest (integer classes train one-vs-rest)', async () => {
    const g = copy(guest);
    (g.labels as Float64Array)[7] = 2.5;
    const settled = await expectFailure({
      guest: { data: dataset(g) },
      'host-0': { data: dataset(host) },
    });
    const err = reason(settled['guest']);
    expectComponentError(err, 'LABELS_NOT_CLASSES');
    expect((err as ComponentError).message).toContain('0, 1, 2.5');
  });

  it('a NaN guest feature → MISSING_VALUES naming the feature', async () => {
    const g = copy(guest);
    g.x.data[5 * g.x.cols + 3] = NaN;
    const settled = await expectFailure({
      guest: { data: dataset(g) },
      'host-0': { data: dataset(host) },
    });
    const err = reason(settled['guest']);
    expectComponentError(err, 'MISSING_VALUES');
    expect((err as ComponentError).details?.['feature']).toBe(guest.featureNames[3]);
    expect((err as ComponentError).details?.['missing']).toBe(1);
  });

  it('a NaN host feature → MISSING_VALUES on the host', async () => {
    const h = copy(host);
    h.x.data[100 * h.x.cols + 17] = NaN;
    h.x.data[200 * h.x.cols + 17] = NaN;
    const settled = await expectFailure({
      guest: { data: dataset(guest) },
      'host-0': { data: dataset(h) },
    });
    const err = reason(settled['host-0']);
    expectComponentError(err, 'MISSING_VALUES');
    expect((err as ComponentError).details?.['feature']).toBe(host.featureNames[17]);
    expect((err as ComponentError).details?.['missing']).toBe(2);
  });

  it('guest and host with different row counts → ROWS_MISMATCH', async () => {
    const settled = await expectFailure({
      guest: { data: dataset(guest) },
      'host-0': { data: dataset(head(host, 500)) },
    });
    const errs = [reason(settled['guest']), reason(settled['host-0'])];
    // Both parties see the mismatch; at least one reports it (the other may be aborted first).
    expect(errs.some((e) => e instanceof ComponentError && e.code === 'ROWS_MISMATCH')).toBe(true);
    const g = errs[0];
    if (g instanceof ComponentError) {
      expect(g.code).toBe('ROWS_MISMATCH');
      expect(g.message).toContain('569');
      expect(g.message).toContain('500');
    }
  });

  it('no arbiter → ROLE_MISSING', async () => {
    const settled = await expectFailure(
      { guest: { data: dataset(guest) }, 'host-0': { data: dataset(host) } },
      { arbiter: false },
    );
    expect(Object.keys(settled).sort()).toEqual(['guest', 'host-0']);
    expectComponentError(reason(settled['guest']), 'ROLE_MISSING');
    expectComponentError(reason(settled['host-0']), 'ROLE_MISSING');
  });
});
