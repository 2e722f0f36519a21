/**
 * The preprocessing components (missing-values, outliers, scale, encode, sample, split) on
 * FATE's breast split, aligned by a real ECDH-PSI run, with missing values and outliers
 * injected here. Every party runs in this process over the in-memory transport (harness.ts).
 *
 * Checked: outputs stay aligned (same ids in the same order on every party, each row still the
 * party's own input row with that id), results equal the plaintext computation done in the test
 * (fills, fences, scaling, encodings, fit on train → apply on test), stratified parts keep the
 * label ratio within one row per class, and bad parameters, unknown columns and unusable input
 * fail with a ComponentError naming the field — on every party, without hanging.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '@fedgrid/crypto';
import {
  ComponentError,
  encode,
  encodeParams,
  missingValues,
  missingValuesParams,
  outliers,
  outliersParams,
  psiEcdh,
  sample,
  sampleParams,
  scale,
  scaleParams,
  split,
  splitParams,
  type ComponentSpec,
  type ModelPart,
  type PortValue,
  type ProgramResult,
} from '@fedgrid/components';
import type { Frame } from '@fedgrid/ml';
import { importCsv } from '@fedgrid/node';
import { rng, runComponent, runComponentSettled } from './harness.js';

const GUEST_CSV = 'examples/data/fate/breast_hetero_guest.csv';
const HOST_CSV = 'examples/data/fate/breast_hetero_host.csv';

let pool: CryptoPool;
/** The PSI outputs (aligned, complete). */
let guestAligned: Frame;
let hostAligned: Frame;
/** The same with injected gaps and outliers. */
let guest: Frame;
let host: Frame;

// ---------------------------------------------------------------------------------------------
// Frames and plaintext helpers (independent of the library under test)

function copy(frame: Frame): Frame {
  return {
    ids: frame.ids.slice(),
    x: { rows: frame.x.rows, cols: frame.x.cols, data: frame.x.data.slice() },
    featureNames: frame.featureNames.slice(),
    ...(frame.labels ? { labels: frame.labels.slice(), labelName: frame.labelName } : {}),
  };
}

function rowsOf(frame: Frame, keep: (i: number) => boolean): Frame {
  const idx = frame.ids.map((_, i) => i).filter(keep);
  const cols = frame.x.cols;
  const data = new Float64Array(idx.length * cols);
  idx.forEach((i, k) => data.set(frame.x.data.subarray(i * cols, (i + 1) * cols), k * cols));
  return {
    ids: idx.map((i) => frame.ids[i]!),
    x: { rows: idx.length, cols, data },
    featureNames: frame.featureNames.slice(),
    ...(frame.labels
      ? { labels: Float64Array.from(idx, (i) => frame.labels![i]!), labelName: frame.labelName }
      : {}),
  };
}

function col(frame: Frame, name: string): number[] {
  const j = frame.featureNames.indexOf(name);
  if (j < 0) throw new Error(`no column ${name} in ${frame.featureNames.join(',')}`);
  return Array.from({ length: frame.x.rows }, (_, i) => frame.x.data[i * frame.x.cols + j]!);
}

function setCol(frame: Frame, name: string, values: number[]): void {
  const j = frame.featureNames.indexOf(name);
  values.forEach((v, i) => (frame.x.data[i * frame.x.cols + j] = v));
}

/** A frame with one column added at the end. */
function withColumn(frame: Frame, name: string, values: number[]): Frame {
  const cols = frame.x.cols + 1;
  const data = new Float64Array(frame.x.rows * cols);
  for (let i = 0; i < frame.x.rows; i++) {
    data.set(frame.x.data.subarray(i * frame.x.cols, (i + 1) * frame.x.cols), i * cols);
    data[i * cols + cols - 1] = values[i]!;
  }
  return {
    ...copy(frame),
    x: { rows: frame.x.rows, cols, data },
    featureNames: [...frame.featureNames, name],
  };
}

const observed = (v: number[]) => v.filter((x) => !Number.isNaN(x));
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const popStd = (v: number[]) => Math.sqrt(mean(v.map((x) => (x - mean(v)) ** 2)));
/** Type-7 quantile (NumPy's default), written out for the test. */
function quantile(v: number[], q: number): number {
  const s = v.slice().sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  return s[lo]! + (h - lo) * (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!);
}

/** Sets a random `fraction` of a column's entries to NaN (or multiplies them by `times`). */
function inject(frame: Frame, name: string, fraction: number, seed: number, times?: number): void {
  const r = rng(seed);
  setCol(
    frame,
    name,
    col(frame, name).map((v) => (r() < fraction ? (times === undefined ? NaN : v * times) : v)),
  );
}

// ---------------------------------------------------------------------------------------------
// Running components

const dataset = (frame: Frame): PortValue => ({ kind: 'dataset', frame });
const modelValue = (model: ModelPart): PortValue => ({ kind: 'model', model });

type Inputs = Record<string, Record<string, PortValue>>;

function inputsOf(frames: Record<string, Frame>, models?: Record<string, ModelPart>): Inputs {
  return Object.fromEntries(
    Object.entries(frames).map(([p, f]) => [
      p,
      { data: dataset(f), ...(models?.[p] ? { model: modelValue(models[p]) } : {}) },
    ]),
  );
}

async function run<P>(
  spec: ComponentSpec<P>,
  params: Record<string, unknown>,
  frames: Record<string, Frame>,
  models?: Record<string, ModelPart>,
): Promise<Record<string, ProgramResult>> {
  return runComponent(spec as unknown as ComponentSpec<unknown>, params, inputsOf(frames, models), {
    pool,
    hosts: Object.keys(frames).length - 1,
  });
}

function frameOut(r: Record<string, ProgramResult>, party: string, port = 'data'): Frame {
  const v = r[party]?.outputs[port];
  expect(v?.kind, `${party}.${port}`).toBe('dataset');
  return (v as Extract<PortValue, { kind: 'dataset' }>).frame;
}

function modelOut(r: Record<string, ProgramResult>, party: string): ModelPart {
  const v = r[party]?.outputs['model'];
  expect(v?.kind).toBe('model');
  return (v as Extract<PortValue, { kind: 'model' }>).model;
}

/**
 * Every party's output has the same ids in the same order, and each output row is the
 * party's input row with that id (features and labels copied whole, columns unchanged).
 */
function expectAligned(outs: Frame[], ins: Frame[]): void {
  for (const o of outs.slice(1)) expect(o.ids).toEqual(outs[0]!.ids);
  outs.forEach((o, k) => {
    const input = ins[k]!;
    const where = new Map(input.ids.map((id, i) => [id, i]));
    const cols = input.x.cols;
    expect(o.featureNames).toEqual(input.featureNames);
    o.ids.forEach((id, r) => {
      const i = where.get(id);
      expect(i, id).toBeDefined();
      expect(Array.from(o.x.data.subarray(r * cols, (r + 1) * cols))).toEqual(
        Array.from(input.x.data.subarray(i! * cols, (i! + 1) * cols)),
      );
      if (input.labels) expect(o.labels![r]).toBe(input.labels[i!]);
    });
    expect(o.labels === undefined).toBe(input.labels === undefined);
  });
}

/** Runs and expects `party` to fail with a ComponentError `code` naming `field`; none hangs. */
async function expectFailure<P>(
  spec: ComponentSpec<P>,
  params: Record<string, unknown>,
  inputs: Inputs,
  party: string,
  code: string,
  field?: string,
): Promise<Record<string, PromiseSettledResult<ProgramResult>>> {
  const settled = await runComponentSettled(
    spec as unknown as ComponentSpec<unknown>,
    params,
    inputs,
    {
      pool,
      hosts: Object.keys(inputs).length - 1,
    },
  );
  const r = settled[party];
  expect(r?.status, `${party} should fail`).toBe('rejected');
  const err = (r as PromiseRejectedResult).reason as ComponentError;
  expect(err).toBeInstanceOf(ComponentError);
  expect(err.code).toBe(code);
  if (field !== undefined) {
    expect(err.details?.['field']).toBe(field);
    expect(err.message).toContain(field);
  }
  return settled;
}

function labelCounts(frame: Frame): Map<number, number> {
  const m = new Map<number, number>();
  for (const y of frame.labels!) m.set(y, (m.get(y) ?? 0) + 1);
  return m;
}

beforeAll(async () => {
  pool = new CryptoPool({ threads: 2 });
  const g = (await importCsv({ path: GUEST_CSV, idColumn: 'id', labelColumn: 'y' })).frame;
  const h0 = (await importCsv({ path: HOST_CSV, idColumn: 'id' })).frame;
  // The host lists its rows in another order and lacks a few ids: PSI has work to do.
  const r = rng(11);
  const order = h0.ids.map((_, i) => i).sort(() => r() - 0.5);
  const h = rowsOf(h0, (i) => i % 97 !== 5);
  const shuffled = rowsOf(h, () => true);
  order
    .filter((i) => i < h.ids.length)
    .forEach((i, k) => {
      shuffled.ids[k] = h.ids[i]!;
      shuffled.x.data.set(h.x.data.subarray(i * h.x.cols, (i + 1) * h.x.cols), k * h.x.cols);
    });
  const psi = await run(psiEcdh, {}, { guest: g, 'host-0': shuffled });
  guestAligned = frameOut(psi, 'guest');
  hostAligned = frameOut(psi, 'host-0');
  expect(guestAligned.ids).toEqual(hostAligned.ids);
  expect(guestAligned.ids.length).toBe(569 - 6);

  guest = copy(guestAligned);
  host = copy(hostAligned);
  inject(guest, 'x0', 0.08, 1);
  inject(guest, 'x3', 0.05, 2);
  inject(guest, 'x3', 0.03, 3, 40);
  inject(host, 'x1', 0.06, 4);
  inject(host, 'x5', 0.04, 5, -30);
  inject(host, 'x7', 0.7, 6);
});
afterAll(async () => {
  await pool?.close();
});

// ---------------------------------------------------------------------------------------------

describe('missing-values', () => {
  it('fills each party’s gaps with its own fitted values and drops sparse columns', async () => {
    const r = await run(
      missingValues,
      {
        strategy: 'mean',
        dropColumnThreshold: 0.5,
        overrides: { guest: { x3: { strategy: 'median' } } },
      },
      { guest, 'host-0': host },
    );
    const g = frameOut(r, 'guest');
    const h = frameOut(r, 'host-0');
    expect(g.ids).toEqual(guest.ids);
    expect(h.ids).toEqual(host.ids);
    expect(g.featureNames).toEqual(guest.featureNames);
    expect(h.featureNames).toEqual(host.featureNames.filter((f) => f !== 'x7'));
    expect([...g.x.data, ...h.x.data].some(Number.isNaN)).toBe(false);
    expect(g.labels).toEqual(guest.labels);
    const expectFilled = (out: Frame, input: Frame, name: string, value: number) => {
      const before = col(input, name);
      const after = col(out, name);
      expect(before.some(Number.isNaN)).toBe(true);
      before.forEach((v, i) => expect(after[i]).toBe(Number.isNaN(v) ? value : v));
    };
    const gx0 = mean(observed(col(guest, 'x0')));
    const gx3 = quantile(observed(col(guest, 'x3')), 0.5);
    const hx1 = mean(observed(col(host, 'x1')));
    expectFilled(g, guest, 'x0', gx0);
    expectFilled(g, guest, 'x3', gx3);
    expectFilled(h, host, 'x1', hx1);
    const gm = modelOut(r, 'guest');
    expect(gm.algorithm).toBe('missing-values');
    expect(gm['dropped']).toEqual([]);
    expect(gm['fills']).toContainEqual({ column: 'x3', strategy: 'median', value: gx3 });
    const hm = modelOut(r, 'host-0');
    expect((hm['dropped'] as { column: string }[]).map((d) => d.column)).toEqual(['x7']);
    expect(hm['fills']).toContainEqual({ column: 'x1', strategy: 'mean', value: hx1 });
    expect(JSON.parse(JSON.stringify(hm))).toEqual(hm);
  });

  it('drops the union of all parties’ rows with gaps on every party (two hosts)', async () => {
    const host1 = copy(hostAligned);
    inject(host1, 'x9', 0.05, 21);
    const columns = { guest: ['x0', 'x3'], 'host-0': ['x1'], 'host-1': ['x9'] };
    const r = await run(
      missingValues,
      { columns, rows: 'drop' },
      { guest, 'host-0': host, 'host-1': host1 },
    );
    const gap = (f: Frame, names: string[], i: number) =>
      names.some((n) => Number.isNaN(col(f, n)[i]!));
    const keep = (i: number) =>
      !gap(guest, columns.guest, i) &&
      !gap(host, columns['host-0'], i) &&
      !gap(host1, columns['host-1'], i);
    const expected = guest.ids.filter((_, i) => keep(i));
    expect(expected.length).toBeLessThan(guest.ids.length - 60);
    const outs = ['guest', 'host-0', 'host-1'].map((p) => frameOut(r, p));
    expect(outs[0]!.ids).toEqual(expected);
    expectAligned(outs, [guest, host, host1]);
    expect(r['guest']!.summary?.['droppedRows']).toBe(guest.ids.length - expected.length);
  });

  it('refuses gaps with rows: refuse, naming the column, on the party that has them', async () => {
    const settled = await expectFailure(
      missingValues,
      { columns: { guest: ['x0'] }, rows: 'refuse' },
      inputsOf({ guest, 'host-0': host }),
      'guest',
      'MISSING_VALUES',
      'rows',
    );
    expect(
      ((settled['guest'] as PromiseRejectedResult).reason as ComponentError).details?.['column'],
    ).toBe('x0');
    expect(settled['host-0']?.status).toBe('fulfilled');
  });

  it('applies fill values fitted on other rows (train → test)', async () => {
    const train = (f: Frame) => rowsOf(f, (i) => i < 400);
    const test = (f: Frame) => rowsOf(f, (i) => i >= 400);
    const fit = await run(
      missingValues,
      { strategy: 'median' },
      { guest: train(guest), 'host-0': train(host) },
    );
    const models = { guest: modelOut(fit, 'guest'), 'host-0': modelOut(fit, 'host-0') };
    const applied = await run(
      missingValues,
      // Parameters that would fit differently are ignored when a model is connected.
      { strategy: 'mean' },
      { guest: test(guest), 'host-0': test(host) },
      models,
    );
    expect(applied['guest']!.summary?.['mode']).toBe('apply');
    expect(modelOut(applied, 'host-0')).toEqual(models['host-0']);
    const hx1 = quantile(observed(col(train(host), 'x1')), 0.5);
    const before = col(test(host), 'x1');
    const after = col(frameOut(applied, 'host-0'), 'x1');
    expect(before.some(Number.isNaN)).toBe(true);
    before.forEach((v, i) => expect(after[i]).toBe(Number.isNaN(v) ? hx1 : v));
  });
});

describe('outliers', () => {
  it('clips to k·IQR fences fitted from each party’s own quartiles', async () => {
    const r = await run(
      outliers,
      { columns: { guest: ['x3'], 'host-0': ['x5'] }, method: 'iqr', k: 1.5, action: 'clip' },
      { guest, 'host-0': host },
    );
    for (const [party, input, name] of [
      ['guest', guest, 'x3'],
      ['host-0', host, 'x5'],
    ] as const) {
      const v = observed(col(input, name));
      const q1 = quantile(v, 0.25);
      const q3 = quantile(v, 0.75);
      const lo = q1 - 1.5 * (q3 - q1);
      const hi = q3 + 1.5 * (q3 - q1);
      const [b] = modelOut(r, party)['bounds'] as {
        lower: number;
        upper: number;
        q1: number;
        q3: number;
      }[];
      expect(b).toMatchObject({ q1, q3, lower: lo, upper: hi });
      const out = col(frameOut(r, party), name);
      const inp = col(input, name);
      expect(inp.some((x) => x > hi || x < lo)).toBe(true);
      inp.forEach((x, i) => {
        if (Number.isNaN(x)) expect(Number.isNaN(out[i]!)).toBe(true);
        else expect(out[i]).toBe(Math.min(hi, Math.max(lo, x)));
      });
      expect(frameOut(r, party).ids).toEqual(input.ids);
    }
  });

  it('replaces |z| > t by the inliers’ mean', async () => {
    const r = await run(
      outliers,
      { columns: { guest: ['x3'] }, method: 'zscore', t: 3, action: 'mean' },
      { guest, 'host-0': host },
    );
    const v = observed(col(guest, 'x3'));
    const m = mean(v);
    const s = popStd(v);
    const inlier = (x: number) => Math.abs(x - m) <= 3 * s;
    const replacement = mean(v.filter(inlier));
    const out = col(frameOut(r, 'guest'), 'x3');
    let replaced = 0;
    col(guest, 'x3').forEach((x, i) => {
      if (Number.isNaN(x)) return;
      if (inlier(x)) expect(out[i]).toBe(x);
      else {
        replaced++;
        expect(out[i]).toBeCloseTo(replacement, 12);
      }
    });
    expect(replaced).toBeGreaterThan(3);
    // The host handles no column: unchanged.
    expect(frameOut(r, 'host-0').x.data).toEqual(host.x.data);
  });
});

describe('split', () => {
  it('stratified: aligned parts on every party, a partition, the label ratio within one row per class', async () => {
    const f = { train: 0.6, validate: 0.15, test: 0.25 };
    const r = await run(
      split,
      { ...f, stratified: true, seed: 7 },
      { guest: guestAligned, 'host-0': hostAligned },
    );
    const all: string[] = [];
    for (const part of ['train', 'validate', 'test'] as const) {
      expectAligned(
        [frameOut(r, 'guest', part), frameOut(r, 'host-0', part)],
        [guestAligned, hostAligned],
      );
      const g = frameOut(r, 'guest', part);
      all.push(...g.ids);
      for (const [y, n] of labelCounts(guestAligned))
        expect(Math.abs((labelCounts(g).get(y) ?? 0) - f[part] * n)).toBeLessThan(1);
    }
    expect(all.sort()).toEqual(guestAligned.ids.slice().sort());
  });

  it('random: reproducible with a seed, another seed another split, validate 0 empty', async () => {
    const frames = { guest: guestAligned, 'host-0': hostAligned };
    const a = await run(split, { train: 0.7, test: 0.3, seed: 1 }, frames);
    const b = await run(split, { train: 0.7, test: 0.3, seed: 1 }, frames);
    const c = await run(split, { train: 0.7, test: 0.3 }, frames);
    expect(frameOut(a, 'host-0', 'train').ids).toEqual(frameOut(b, 'guest', 'train').ids);
    expect(frameOut(c, 'guest', 'train').ids).not.toEqual(frameOut(a, 'guest', 'train').ids);
    expect(frameOut(c, 'guest', 'test').ids).toEqual(frameOut(c, 'host-0', 'test').ids);
    expect(frameOut(a, 'guest', 'train').ids.length).toBe(
      Math.round(0.7 * guestAligned.ids.length),
    );
    expect(frameOut(a, 'guest', 'validate').ids).toEqual([]);
    expect(frameOut(a, 'host-0', 'validate').x.rows).toBe(0);
  });
});

describe('sample', () => {
  it.each([
    ['downsample', {}],
    ['upsample', {}],
  ] as const)('%s balances the classes and keeps the hosts aligned', async (method, extra) => {
    const r = await run(
      sample,
      { method, seed: 3, ...extra },
      { guest: guestAligned, 'host-0': hostAligned },
    );
    const g = frameOut(r, 'guest');
    expectAligned([g, frameOut(r, 'host-0')], [guestAligned, hostAligned]);
    const counts = [...labelCounts(g).values()];
    const input = [...labelCounts(guestAligned).values()];
    expect(counts[0]).toBe(counts[1]);
    expect(counts[0]).toBe(method === 'upsample' ? Math.max(...input) : Math.min(...input));
  });

  it('stratified halves every class within one row; by-class counts are exact', async () => {
    const frames = { guest: guestAligned, 'host-0': hostAligned };
    const half = frameOut(
      await run(sample, { method: 'stratified', fraction: 0.5 }, frames),
      'guest',
    );
    for (const [y, n] of labelCounts(guestAligned))
      expect(Math.abs(labelCounts(half).get(y)! - n / 2)).toBeLessThanOrEqual(1);
    const r = await run(sample, { method: 'by-class', classCounts: { '1': 50 }, seed: 5 }, frames);
    const g = frameOut(r, 'guest');
    expectAligned([g, frameOut(r, 'host-0')], [guestAligned, hostAligned]);
    expect(labelCounts(g).get(1)).toBe(50);
    expect(labelCounts(g).get(0)).toBe(labelCounts(guestAligned).get(0));
  });

  it('random with replacement draws n rows, repeats adjacent, on every party', async () => {
    const r = await run(
      sample,
      { method: 'random', n: 800, replace: true, seed: 2 },
      { guest: guestAligned, 'host-0': hostAligned },
    );
    const g = frameOut(r, 'guest');
    expect(g.ids.length).toBe(800);
    expectAligned([g, frameOut(r, 'host-0')], [guestAligned, hostAligned]);
    const pos = new Map(guestAligned.ids.map((id, i) => [id, i]));
    const p = g.ids.map((id) => pos.get(id)!);
    expect(p.every((x, i) => i === 0 || p[i - 1]! <= x)).toBe(true);
  });
});

describe('fit on train, apply on test', () => {
  it('scale and encode models fitted on the train split equal the plaintext computation on the test split', async () => {
    // Pipeline: missing-values (fill) → split (stratified) → fit on train → apply on test.
    const filled = await run(
      missingValues,
      { dropColumnThreshold: 0.5 },
      { guest, 'host-0': host },
    );
    const parts = await run(
      split,
      { train: 0.75, test: 0.25, stratified: true, seed: 9 },
      {
        guest: frameOut(filled, 'guest'),
        'host-0': frameOut(filled, 'host-0'),
      },
    );
    const train = {
      guest: frameOut(parts, 'guest', 'train'),
      'host-0': frameOut(parts, 'host-0', 'train'),
    };
    const test = {
      guest: frameOut(parts, 'guest', 'test'),
      'host-0': frameOut(parts, 'host-0', 'test'),
    };

    const fit = await run(scale, { method: 'standard' }, train);
    const models = { guest: modelOut(fit, 'guest'), 'host-0': modelOut(fit, 'host-0') };
    const applied = await run(scale, { method: 'minmax' }, test, models);
    for (const p of ['guest', 'host-0'] as const) {
      const out = frameOut(applied, p);
      expect(out.ids).toEqual(test[p].ids);
      expect(modelOut(applied, p)).toEqual(models[p]);
      for (const name of train[p].featureNames) {
        const t = col(train[p], name);
        const m = mean(t);
        const s = popStd(t);
        const got = col(out, name);
        col(test[p], name).forEach((x, i) => expect(got[i]).toBeCloseTo((x - m) / s, 12));
        // And the fitted train data is standardised.
        const ft = col(frameOut(fit, p), name);
        expect(mean(ft)).toBeCloseTo(0, 12);
        expect(popStd(ft)).toBeCloseTo(1, 12);
      }
    }
    expect(frameOut(applied, 'guest').ids).toEqual(frameOut(applied, 'host-0').ids);

    // Encoding: a categorical column per party, binned from a feature by the test.
    const cuts = (v: number[]) => [0.25, 0.5, 0.75].map((q) => quantile(v, q));
    const code = (x: number, c: number[]) => c.filter((t) => x > t).length;
    const gc = cuts(col(train.guest, 'x0'));
    const hc = cuts(col(train['host-0'], 'x2'));
    const addCodes = (f: Frame, name: string, from: string, c: number[]) =>
      withColumn(
        f,
        name,
        col(f, from).map((x) => code(x, c)),
      );
    const trainCat = {
      guest: addCodes(train.guest, 'grade', 'x0', gc),
      'host-0': addCodes(train['host-0'], 'band', 'x2', hc),
    };
    const testCat = {
      guest: addCodes(test.guest, 'grade', 'x0', gc),
      'host-0': addCodes(test['host-0'], 'band', 'x2', hc),
    };
    const enc = await run(
      encode,
      { categorical: { guest: ['grade'], 'host-0': ['band'] } },
      trainCat,
    );
    const encModels = { guest: modelOut(enc, 'guest'), 'host-0': modelOut(enc, 'host-0') };
    expect(encModels.guest['columns']).toEqual([{ column: 'grade', categories: [0, 1, 2, 3] }]);
    const encTest = await run(encode, { categorical: { guest: ['grade'] } }, testCat, encModels);
    for (const [p, name] of [
      ['guest', 'grade'],
      ['host-0', 'band'],
    ] as const) {
      const out = frameOut(encTest, p);
      expect(out.featureNames).toEqual([
        ...test[p].featureNames,
        ...[0, 1, 2, 3].map((c) => `${name}=${c}`),
      ]);
      const codes = col(testCat[p], name);
      for (const c of [0, 1, 2, 3])
        expect(col(out, `${name}=${c}`)).toEqual(codes.map((v) => (v === c ? 1 : 0)));
    }

    // A category the train split never had: an error naming 'unseen', or an all-zero row.
    const odd = { ...testCat, 'host-0': copy(testCat['host-0']) };
    setCol(
      odd['host-0'],
      'band',
      col(odd['host-0'], 'band').map((v, i) => (i === 3 ? 9 : v)),
    );
    await expectFailure(
      encode,
      { categorical: 'all' },
      inputsOf(odd, encModels),
      'host-0',
      'UNSEEN_CATEGORY',
      'unseen',
    );
    const ignored = await run(encode, { categorical: 'all', unseen: 'ignore' }, odd, encModels);
    const h = frameOut(ignored, 'host-0');
    expect([0, 1, 2, 3].map((c) => col(h, `band=${c}`)[3])).toEqual([0, 0, 0, 0]);
  });
});

describe('bad parameters and input', () => {
  it('the parameter schemas reject bad values naming the field', () => {
    const path = (r: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
      r.error?.issues[0]?.path.join('.');
    expect(path(missingValuesParams.safeParse({ strategy: 'constant' }))).toBe('value');
    expect(
      path(
        missingValuesParams.safeParse({ overrides: { guest: { x1: { strategy: 'constant' } } } }),
      ),
    ).toBe('overrides.guest.x1.value');
    expect(path(missingValuesParams.safeParse({ dropColumnThreshold: 1.5 }))).toBe(
      'dropColumnThreshold',
    );
    expect(path(missingValuesParams.safeParse({ overrides: { arbiter: {} } }))).toMatch(
      /^overrides/,
    );
    expect(path(outliersParams.safeParse({ action: 'constant' }))).toBe('value');
    expect(path(outliersParams.safeParse({ k: -1 }))).toBe('k');
    expect(path(scaleParams.safeParse({ method: 'robust' }))).toBe('method');
    expect(path(scaleParams.safeParse({ columns: 'some' }))).toBe('columns');
    // Without a list: the columns each party registered as categorical.
    expect(encodeParams.parse({}).categorical).toBe('categorical');
    expect(path(encodeParams.safeParse({ categorical: 5 }))).toBe('categorical');
    expect(path(sampleParams.safeParse({ method: 'random' }))).toBe('fraction');
    expect(path(sampleParams.safeParse({ method: 'random', fraction: 0.5, n: 3 }))).toBe('n');
    expect(path(sampleParams.safeParse({ method: 'upsample', fraction: 0.5 }))).toBe('fraction');
    expect(path(sampleParams.safeParse({ method: 'by-class', classCounts: { one: 3 } }))).toMatch(
      /^classCounts/,
    );
    expect(path(splitParams.safeParse({ train: 0.7, validate: 0.2, test: 0.2 }))).toBe('test');
    expect(path(splitParams.safeParse({ train: 0, validate: 0.5, test: 0.5 }))).toBe('train');
    expect(missingValuesParams.safeParse({}).success).toBe(true);
    expect(splitParams.safeParse({ train: 0.5, validate: 0.25, test: 0.25 }).success).toBe(true);
  });

  it('unknown columns and parties fail with COLUMN_UNKNOWN / PARTY_UNKNOWN naming the field', async () => {
    const inputs = inputsOf({ guest, 'host-0': host });
    // A uniform list: every party must have the column.
    const s = await expectFailure(
      scale,
      { columns: ['x15'] },
      inputs,
      'guest',
      'COLUMN_UNKNOWN',
      'columns',
    );
    expect(s['host-0']?.status).toBe('fulfilled');
    const h = await expectFailure(
      outliers,
      { columns: { 'host-0': ['x99'] } },
      inputs,
      'host-0',
      'COLUMN_UNKNOWN',
      'columns.host-0',
    );
    expect(
      ((h['host-0'] as PromiseRejectedResult).reason as ComponentError).details?.['column'],
    ).toBe('x99');
    await expectFailure(
      scale,
      { columns: { 'host-3': ['x1'] } },
      inputs,
      'guest',
      'PARTY_UNKNOWN',
      'columns.host-3',
    );
    await expectFailure(
      missingValues,
      { overrides: { guest: { y: { strategy: 'median' } } } },
      inputs,
      'guest',
      'COLUMN_UNKNOWN',
      'overrides.guest.y',
    );
    await expectFailure(
      encode,
      { categorical: { guest: ['x1'] } },
      inputs,
      'guest',
      'NOT_INTEGER',
      'categorical',
    );
    // Filling a column that has no observed value at all.
    const empty = copy(host);
    setCol(
      empty,
      'x2',
      col(empty, 'x2').map(() => NaN),
    );
    await expectFailure(
      missingValues,
      {},
      inputsOf({ guest, 'host-0': empty }),
      'host-0',
      'COLUMN_EMPTY',
      'columns',
    );
  });

  it('row choices that cannot be made fail on the guest without leaving hosts hanging', async () => {
    const noLabels = { ...copy(guestAligned), labels: undefined, labelName: undefined };
    const s = await expectFailure(
      split,
      { stratified: true },
      inputsOf({ guest: noLabels, 'host-0': hostAligned }),
      'guest',
      'LABELS_MISSING',
      'stratified',
    );
    expect(s['host-0']?.status).toBe('rejected');
    await expectFailure(
      sample,
      { method: 'by-class', classCounts: { '7': 3 } },
      inputsOf({ guest: guestAligned, 'host-0': hostAligned }),
      'guest',
      'CLASS_UNKNOWN',
      'classCounts',
    );
    // Inputs that are not aligned: the host notices.
    await expectFailure(
      split,
      {},
      inputsOf({ guest: guestAligned, 'host-0': rowsOf(hostAligned, (i) => i > 0) }),
      'host-0',
      'NOT_ALIGNED',
    );
    await expectFailure(
      missingValues,
      { rows: 'drop' },
      inputsOf({ guest, 'host-0': rowsOf(host, (i) => i > 0) }),
      'guest',
      'NOT_ALIGNED',
    );
  });

  it('a connected model of another algorithm or for other columns is refused', async () => {
    const fit = await run(scale, {}, { guest: guestAligned, 'host-0': hostAligned });
    const models = { guest: modelOut(fit, 'guest'), 'host-0': modelOut(fit, 'host-0') };
    await expectFailure(
      outliers,
      {},
      inputsOf({ guest, 'host-0': host }, models),
      'guest',
      'MODEL_INVALID',
      'model',
    );
    const narrow = { guest: guestAligned, 'host-0': rowsOf(hostAligned, () => true) };
    const dropped = { ...narrow['host-0'], ...{} };
    const lacking = withColumn(
      guestAligned,
      'extra',
      guestAligned.ids.map(() => 1),
    );
    const fit2 = await run(scale, {}, { guest: lacking, 'host-0': dropped });
    await expectFailure(
      scale,
      {},
      inputsOf({ guest: guestAligned, 'host-0': hostAligned }, { guest: modelOut(fit2, 'guest') }),
      'guest',
      'FEATURE_MISSING',
      'model',
    );
  });
});
