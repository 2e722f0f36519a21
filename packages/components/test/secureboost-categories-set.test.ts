/**
 * SecureBoost set splits on categorical columns (issue 17, `categoricalSplit: 'set'`, the
 * default): LightGBM-style — one bin per category, categories ordered by G/(H + catSmooth), the
 * best prefix sent left; for a host's column the guest orders the host's bins and the host maps
 * the chosen bins to its category names. UCI German credit (examples/data/credit), guest and host
 * over the in-memory transport with 2048-bit keys; rows i % 3 = 0 are held out.
 *
 * Checked: the federated model equals its plaintext twin (trainGbdt with `categories`) to 1e-12
 * on the held-out rows, with set splits on both parties; a training set whose category codes are
 * permuted (levels rotated) gives the same model — set splits do not depend on code order,
 * threshold splits do; validation during training routes by category name (the held-out rows
 * are given in the rotated coding: the in-job validation loss equals the loss of batch
 * prediction, and routing them by code would not); batch = online serving (1e-9); held-out AUC
 * of set splits ≥ that of threshold splits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '@fedgrid/crypto';
import {
  ComponentError,
  parseSecureBoostParams,
  secureBoost,
  secureBoostPredict,
  servingFor,
  withLevels,
  type ComponentSpec,
  type ModelPart,
  type PortValue,
  type Predictions,
  type ProgramResult,
  type SbGuestModel,
  type SbHostModel,
} from '@fedgrid/components';
import { auc, hstack, logloss, predictGbdt, trainGbdt, type Frame } from '@fedgrid/ml';
import { importCsv } from '@fedgrid/node';
import { runComponent, runComponentSettled } from './harness.js';

const GUEST = 'examples/data/credit/german_credit_guest.csv';
const HOST = 'examples/data/credit/german_credit_host.csv';
const PARAMS = { trees: 10, maxDepth: 3, objective: 'binary' };

type Models = { guest: SbGuestModel; host: SbHostModel };

let pool: CryptoPool;
/** Training rows (i % 3 ≠ 0) and held-out rows, each party, in the file's coding. */
let train: { guest: Frame; host: Frame };
let held: { guest: Frame; host: Frame };
/** The held-out rows in the rotated coding. */
let heldRot: { guest: Frame; host: Frame };
let setRun: { models: Models; summary: Record<string, unknown> };
let setRotModels: Models;
let thresholdModels: Models;

const dataset = (frame: Frame): PortValue => ({ kind: 'dataset', frame });
const modelOf = (r: ProgramResult | undefined) =>
  (r?.outputs['model'] as Extract<PortValue, { kind: 'model' }>).model;

function rowsOf(f: Frame, pick: (i: number) => boolean): Frame {
  const rows: number[] = [];
  for (let i = 0; i < f.x.rows; i++) if (pick(i)) rows.push(i);
  const cols = f.x.cols;
  const data = new Float64Array(rows.length * cols);
  rows.forEach((r, k) => data.set(f.x.data.subarray(r * cols, (r + 1) * cols), k * cols));
  return {
    ids: rows.map((r) => f.ids[r] as string),
    x: { rows: rows.length, cols, data },
    featureNames: f.featureNames.slice(),
    ...(f.columnTypes ? { columnTypes: f.columnTypes } : {}),
    ...(f.labels ? { labels: Float64Array.from(rows, (r) => f.labels![r] as number) } : {}),
  };
}

/**
 * `f` recoded: every categorical column's first level moves to the end (levels rotated by one,
 * code c → (c − 1) mod k), so that its codes are no longer in the same order.
 */
function rotated(f: Frame): Frame {
  const { rows, cols } = f.x;
  const data = f.x.data.slice();
  const columnTypes: NonNullable<Frame['columnTypes']> = { ...f.columnTypes };
  f.featureNames.forEach((name, j) => {
    const t = f.columnTypes?.[name];
    if (t?.type !== 'categorical') return;
    const k = t.levels.length;
    columnTypes[name] = { type: 'categorical', levels: [...t.levels.slice(1), t.levels[0]!] };
    for (let i = 0; i < rows; i++) {
      const v = data[i * cols + j] as number;
      if (!Number.isNaN(v)) data[i * cols + j] = (v - 1 + k) % k;
    }
  });
  return { ...f, x: { rows, cols, data }, columnTypes };
}

async function trainFed(
  params: Record<string, unknown>,
  data: { guest: Frame; host: Frame },
  validate?: { guest: Frame; host: Frame },
): Promise<{ models: Models; summary: Record<string, unknown> }> {
  const res = await runComponent(
    secureBoost as unknown as ComponentSpec<unknown>,
    params,
    {
      guest: {
        data: dataset(data.guest),
        ...(validate ? { validate: dataset(validate.guest) } : {}),
      },
      'host-0': {
        data: dataset(data.host),
        ...(validate ? { validate: dataset(validate.host) } : {}),
      },
    },
    { pool, hosts: 1 },
  );
  return {
    models: {
      guest: modelOf(res['guest']) as unknown as SbGuestModel,
      host: modelOf(res['host-0']) as unknown as SbHostModel,
    },
    summary: res['guest']?.summary as Record<string, unknown>,
  };
}

async function predict(data: { guest: Frame; host: Frame }, m: Models): Promise<Predictions> {
  const out = await runComponent(
    secureBoostPredict as unknown as ComponentSpec<unknown>,
    {},
    {
      guest: {
        data: dataset(data.guest),
        model: { kind: 'model', model: m.guest as unknown as ModelPart },
      },
      'host-0': {
        data: dataset(data.host),
        model: { kind: 'model', model: m.host as unknown as ModelPart },
      },
    },
    { pool, hosts: 1 },
  );
  return (out['guest']?.outputs['predictions'] as Extract<PortValue, { kind: 'predictions' }>)
    .predictions;
}

/** Per column of the joined table: its number of categories when categorical. */
function categoriesOf(g: Frame, h: Frame): (number | undefined)[] {
  const types = { ...g.columnTypes, ...h.columnTypes };
  return [...g.featureNames, ...h.featureNames].map((name) => {
    const t = types[name];
    return t?.type === 'categorical' ? t.levels.length : undefined;
  });
}

function twinParams(extra: Record<string, unknown> = {}) {
  const p = parseSecureBoostParams({ ...PARAMS, ...extra });
  return {
    objective: 'binary' as const,
    trees: p.trees,
    maxDepth: p.maxDepth,
    learningRate: p.learningRate,
    minChildWeight: p.minChildWeight,
    minSampleSplit: p.minSampleSplit,
    lambda: p.lambda,
    gamma: p.gamma,
    bins: p.bins,
    subsample: p.subsample,
    colsample: p.colsample,
    seed: p.seed,
    earlyStoppingRounds: p.earlyStoppingRounds,
    catSmooth: p.catSmooth,
    maxCatToOnehot: p.maxCatToOnehot,
    gradientFracBits: p.fracBits,
  };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

/** A model with each split's category lists as sorted sets (independent of the level order). */
function canonical(m: Models): unknown {
  const sides = (s: Record<string, unknown>) => {
    const out: Record<string, unknown> = { ...s };
    for (const k of ['leftCategories', 'rightCategories'])
      if (Array.isArray(out[k])) out[k] = (out[k] as string[]).slice().sort();
    return out;
  };
  return {
    guest: {
      ...m.guest,
      trees: m.guest.trees.map((t) => ({ ...t, nodes: t.nodes.map((n) => sides(n)) })),
    },
    host: { ...m.host, splits: m.host.splits.map((s) => sides(s as Record<string, unknown>)) },
  };
}

beforeAll(async () => {
  pool = new CryptoPool({ threads: 1 });
  const g = (await importCsv({ path: GUEST, idColumn: 'id', labelColumn: 'bad' })).frame;
  const h = (await importCsv({ path: HOST, idColumn: 'id' })).frame;
  expect(h.ids).toEqual(g.ids);
  const out = (i: number) => i % 3 === 0;
  train = { guest: rowsOf(g, (i) => !out(i)), host: rowsOf(h, (i) => !out(i)) };
  held = { guest: rowsOf(g, out), host: rowsOf(h, out) };
  heldRot = { guest: rotated(held.guest), host: rotated(held.host) };
  setRun = await trainFed(PARAMS, train, heldRot);
  setRotModels = (
    await trainFed(PARAMS, { guest: rotated(train.guest), host: rotated(train.host) })
  ).models;
  thresholdModels = (await trainFed({ ...PARAMS, categoricalSplit: 'threshold' }, train)).models;
}, 600_000);
afterAll(async () => {
  await pool?.close();
});

describe('secureboost set splits on categorical columns', () => {
  it('equals its plaintext twin, with set splits on both parties', async () => {
    const { guest: gm, host: hm } = setRun.models;
    const twin = trainGbdt(hstack(train.guest.x, train.host.x), train.guest.labels!, twinParams(), {
      categories: categoriesOf(train.guest, train.host),
    });
    const fed = await predict(heldRot, setRun.models);
    const x = hstack(held.guest.x, held.host.x);
    expect(maxAbsDiff(fed.scores, predictGbdt(twin.model, x).scores)).toBeLessThanOrEqual(1e-12);
    // Each set split names a partition of its column's levels, the left side non-empty.
    const check = (f: Frame, s: { feature: string; leftCategories?: string[] }) => {
      const t = f.columnTypes?.[s.feature];
      expect(t?.type).toBe('categorical');
      const r = s as unknown as {
        leftCategories: string[];
        rightCategories: string[];
        threshold?: number;
      };
      expect(r.threshold).toBeUndefined();
      expect(r.leftCategories.length).toBeGreaterThan(0);
      expect([...r.leftCategories, ...r.rightCategories].sort()).toEqual(
        (t as { levels: string[] }).levels.slice().sort(),
      );
    };
    const guestSets = gm.trees.flatMap((t) =>
      t.nodes.filter((n) => !('leaf' in n) && n.owner === 'guest' && 'categorySet' in n),
    );
    const hostSets = hm.splits.filter((s) => s.categorySet);
    for (const n of guestSets) check(train.guest, n as { feature: string });
    for (const s of hostSets) check(train.host, s);
    expect(guestSets.length).toBeGreaterThan(0);
    expect(hostSets.length).toBeGreaterThan(0);
    // Some set splits send a non-contiguous set of codes left (a threshold could not).
    const gaps = hostSets.some((s) => {
      const levels = (train.host.columnTypes?.[s.feature] as { levels: string[] }).levels;
      const codes = s.leftCategories!.map((c) => levels.indexOf(c));
      return codes.at(-1)! - codes[0]! + 1 !== codes.length;
    });
    expect(gaps).toBe(true);
    // The guest's part names no host category nor feature.
    const text = JSON.stringify(gm);
    for (const name of Object.keys(train.host.columnTypes ?? {})) expect(text).not.toContain(name);
    const guestLevels = new Set(
      Object.values(train.guest.columnTypes ?? {}).flatMap((t) =>
        t.type === 'categorical' ? t.levels : [],
      ),
    );
    for (const s of hostSets)
      for (const c of [...s.leftCategories!, ...s.rightCategories!])
        if (!guestLevels.has(c)) expect(text).not.toContain(JSON.stringify(c));
  });

  it('gives the same model when the training codes are permuted; threshold splits do not', async () => {
    expect(canonical(setRotModels)).toEqual(canonical(setRun.models));
    const a = await predict(held, setRun.models);
    const b = await predict(heldRot, setRotModels);
    expect(maxAbsDiff(a.scores, b.scores)).toBe(0);
    // The threshold twin on permuted codes is a different model.
    const x = hstack(train.guest.x, train.host.x);
    const xr = hstack(rotated(train.guest).x, rotated(train.host).x);
    const p = twinParams({ categoricalSplit: 'threshold' });
    const t1 = predictGbdt(trainGbdt(x, train.guest.labels!, p).model, x).scores;
    const t2 = predictGbdt(trainGbdt(xr, train.guest.labels!, p).model, xr).scores;
    expect(maxAbsDiff(t1, t2)).toBeGreaterThan(1e-3);
  });

  it('routes validation rows by name during training: in-job loss = batch loss; online = batch', async () => {
    const history = setRun.summary['validationLossHistory'] as number[];
    expect(history).toHaveLength(PARAMS.trees);
    const batch = await predict(heldRot, setRun.models);
    const labels = heldRot.guest.labels!;
    const inJob = history.at(-1)!;
    expect(Math.abs(inJob - logloss(labels, batch.scores))).toBeLessThanOrEqual(1e-9);
    // The same rows in the training coding score the same; routed by code, the rotated coding
    // would not (the twin routes raw codes).
    expect(maxAbsDiff((await predict(held, setRun.models)).scores, batch.scores)).toBe(0);
    const twin = trainGbdt(hstack(train.guest.x, train.host.x), train.guest.labels!, twinParams(), {
      categories: categoriesOf(train.guest, train.host),
    });
    const byCode = predictGbdt(twin.model, hstack(heldRot.guest.x, heldRot.host.x)).scores;
    expect(Math.abs(logloss(labels, byCode) - inJob)).toBeGreaterThan(1e-3);
    // Online serving, row by row in the rotated coding.
    const program = servingFor('secureboost')!;
    const sHost = program.host(setRun.models.host as unknown as ModelPart);
    const sGuest = program.guest(setRun.models.guest as unknown as ModelPart);
    const lookup = (f: Frame, i: number) =>
      withLevels((name) => {
        const j = f.featureNames.indexOf(name);
        return j < 0 ? undefined : (f.x.data[i * f.x.cols + j] as number);
      }, f.columnTypes);
    let worst = 0;
    for (let i = 0; i < heldRot.guest.x.rows; i++) {
      const partial = sHost.partial(lookup(heldRot.host, i));
      const score = sGuest.combine(lookup(heldRot.guest, i), new Map([['host-0', partial]]));
      worst = Math.max(worst, Math.abs(score.score - (batch.scores[i] as number)));
    }
    expect(worst).toBeLessThanOrEqual(1e-9);
  });

  it('scores held-out rows at least as well as threshold splits (AUC)', async () => {
    const labels = held.guest.labels!;
    const setAuc = auc(labels, (await predict(held, setRun.models)).scores);
    const thresholdAuc = auc(labels, (await predict(held, thresholdModels)).scores);
    console.info(
      `German credit held-out AUC (${held.guest.x.rows} rows): set ${setAuc.toFixed(4)}, threshold ${thresholdAuc.toFixed(4)}`,
    );
    expect(setAuc).toBeGreaterThanOrEqual(thresholdAuc);
    expect(setAuc).toBeGreaterThan(0.75);
  });

  it('too few rows per category: a clear refusal naming the set-split fix', async () => {
    // 40 rows, 2 numeric bins: a host column of k categories needs 10 × (k + 1) rows at the root
    // (its k bins do not follow 'bins').
    const first = (i: number) => i < 40;
    const settled = await runComponentSettled(
      secureBoost as unknown as ComponentSpec<unknown>,
      { ...PARAMS, trees: 1, bins: 2 },
      {
        guest: { data: dataset(rowsOf(train.guest, first)) },
        'host-0': { data: dataset(rowsOf(train.host, first)) },
      },
      { pool },
    );
    expect(settled['guest']?.status).toBe('rejected');
    const host = settled['host-0'];
    expect(host?.status).toBe('rejected');
    const err = (host as PromiseRejectedResult).reason as ComponentError;
    expect(err).toBeInstanceOf(ComponentError);
    expect(err.code).toBe('TOO_FEW_ROWS');
    expect(err.message).toMatch(/split by category sets.*'categoricalSplit' to 'threshold'/);
  });
});
