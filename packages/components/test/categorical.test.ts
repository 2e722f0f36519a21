/**
 * Categorical columns through the components (issue 17 item 2), on the bundled UCI German credit
 * split (examples/data/credit: guest 5 string columns + 4 numbers and the label, host 8 string
 * columns + 3 numbers), registered with detected column types. Every party runs in this process
 * over the in-memory transport (harness.ts), with 2048-bit keys.
 *
 * Checked against plaintext computed here: the one-hot encoding of each party's categories;
 * hetero-binning of host categories one bin per category with WOE/IV from the guest's labels
 * (the federated target/WOE encoding); HeteroLR and SecureBoost on the encoded columns equal to
 * their plaintext twins on the joined encoded table; statistics count categories.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '@fedgrid/crypto';
import {
  encode,
  heteroBinning,
  heteroLr,
  heteroLrParams,
  lrParams,
  parseSecureBoostParams,
  secureBoost,
  secureBoostPredict,
  statistics,
  type BinningModel,
  type ComponentSpec,
  type ModelPart,
  type PortValue,
  type Predictions,
  type ProgramResult,
  type SbHostModel,
} from '@fedgrid/components';
import {
  auc,
  hstack,
  predictGbdt,
  trainGbdt,
  trainLogisticRegression,
  type Frame,
} from '@fedgrid/ml';
import { importCsv } from '@fedgrid/node';
import { runComponent } from './harness.js';

const GUEST = 'examples/data/credit/german_credit_guest.csv';
const HOST = 'examples/data/credit/german_credit_host.csv';

let pool: CryptoPool;
let guest: Frame;
let host: Frame;
/** Each party's frame after the encode component (one-hot). */
let guestEnc: Frame;
let hostEnc: Frame;

const dataset = (frame: Frame): PortValue => ({ kind: 'dataset', frame });
const frameOf = (r: ProgramResult | undefined) =>
  (r?.outputs['data'] as Extract<PortValue, { kind: 'dataset' }>).frame;
const modelOf = (r: ProgramResult | undefined) =>
  (r?.outputs['model'] as Extract<PortValue, { kind: 'model' }>).model;

beforeAll(async () => {
  pool = new CryptoPool({ threads: 1 });
  guest = (await importCsv({ path: GUEST, idColumn: 'id', labelColumn: 'bad' })).frame;
  host = (await importCsv({ path: HOST, idColumn: 'id' })).frame;
  // Both files list the same ids in the same order (what PSI would align).
  expect(host.ids).toEqual(guest.ids);
  const enc = await runComponent(
    encode as unknown as ComponentSpec<unknown>,
    {},
    { guest: { data: dataset(guest) }, 'host-0': { data: dataset(host) } },
    { pool },
  );
  guestEnc = frameOf(enc['guest']);
  hostEnc = frameOf(enc['host-0']);
}, 120_000);
afterAll(async () => {
  await pool?.close();
});

/** One-hot written out here: per column, categorical → one 0/1 column per observed code. */
function plainOneHot(f: Frame): { names: string[]; rows: number[][] } {
  const names: string[] = [];
  const makers: ((row: number) => number)[] = [];
  f.featureNames.forEach((name, j) => {
    const value = (i: number) => f.x.data[i * f.x.cols + j] as number;
    if (f.columnTypes?.[name]?.type !== 'categorical') {
      names.push(name);
      makers.push(value);
      return;
    }
    const codes = [...new Set(Array.from({ length: f.x.rows }, (_, i) => value(i)))].sort(
      (a, b) => a - b,
    );
    for (const c of codes) {
      names.push(`${name}=${c}`);
      makers.push((i) => (value(i) === c ? 1 : 0));
    }
  });
  return {
    names,
    rows: Array.from({ length: f.x.rows }, (_, i) => makers.map((m) => m(i))),
  };
}

const rowsOf = (f: Frame) =>
  Array.from({ length: f.x.rows }, (_, i) =>
    Array.from(f.x.data.subarray(i * f.x.cols, (i + 1) * f.x.cols)),
  );

describe('registration of the German credit split', () => {
  it('detects the 13 string columns as categorical and the numbers as numeric', () => {
    const cat = (f: Frame) =>
      f.featureNames.filter((n) => f.columnTypes?.[n]?.type === 'categorical');
    expect(cat(guest)).toEqual([
      'checking_status',
      'credit_history',
      'purpose',
      'savings',
      'other_installment_plans',
    ]);
    expect(cat(host)).toHaveLength(8);
    expect(guest.featureNames.length + host.featureNames.length).toBe(20);
    const purpose = guest.columnTypes?.['purpose'];
    expect(purpose?.type === 'categorical' && purpose.levels).toContain('radio/television');
  });
});

describe('encode (one-hot) on each party', () => {
  it('equals the one-hot encoding written out here; the encoded columns are numeric', () => {
    for (const [raw, enc] of [
      [guest, guestEnc],
      [host, hostEnc],
    ] as const) {
      const p = plainOneHot(raw);
      expect(enc.featureNames).toEqual(p.names);
      expect(rowsOf(enc)).toEqual(p.rows);
      expect(enc.ids).toEqual(raw.ids);
      expect(enc.columnTypes).toBeUndefined();
    }
    expect(guestEnc.x.cols).toBe(4 + 27);
    expect(hostEnc.x.cols).toBe(3 + 27);
  });
});

describe('hetero-binning: WOE/IV of a host’s categories against the guest’s label', () => {
  it('bins each registered categorical column one bin per category, WOE/IV equal plaintext', async () => {
    const res = await runComponent(
      heteroBinning as unknown as ComponentSpec<unknown>,
      { binNum: 5 },
      { guest: { data: dataset(guest) }, 'host-0': { data: dataset(host) } },
      { pool },
    );
    const hm = modelOf(res['host-0']) as unknown as BinningModel;
    const y = guest.labels as Float64Array;
    for (const f of hm.features) {
      const j = host.featureNames.indexOf(f.name);
      const type = host.columnTypes?.[f.name];
      expect(f.bins.kind).toBe(type?.type === 'categorical' ? 'categorical' : 'numeric');
      if (f.bins.kind !== 'categorical' || type?.type !== 'categorical') continue;
      // One bin per category present, codes ascending.
      expect(f.bins.categories).toEqual(type.levels.map((_, k) => k));
      const ev = new Array<number>(type.levels.length).fill(0);
      const ne = new Array<number>(type.levels.length).fill(0);
      for (let i = 0; i < host.x.rows; i++) {
        const c = host.x.data[i * host.x.cols + j] as number;
        if (y[i] === 1) ev[c]!++;
        else ne[c]!++;
      }
      const E = ev.reduce((s, v) => s + v, 0);
      const N = ne.reduce((s, v) => s + v, 0);
      let iv = 0;
      ev.forEach((e, b) => {
        const adj = e === 0 || ne[b] === 0 ? 0.5 : 0;
        const er = (e + adj) / E;
        const nr = ((ne[b] as number) + adj) / N;
        expect(Math.abs((f.woe[b] as number) - Math.log(er / nr))).toBeLessThan(1e-12);
        iv += (er - nr) * Math.log(er / nr);
      });
      expect(Math.abs(f.iv - iv)).toBeLessThan(1e-12);
    }
    // The WOE-transformed host output replaces each category by its WOE (target encoding).
    const out = frameOf(res['host-0']);
    // WOE values are numbers: no column of the output is typed categorical any more.
    expect(out.columnTypes).toBeUndefined();
    const j = out.featureNames.indexOf('housing');
    const f = hm.features.find((x) => x.name === 'housing') as BinningModel['features'][number];
    for (let i = 0; i < 20; i++)
      expect(out.x.data[i * out.x.cols + j]).toBe(
        f.woe[host.x.data[i * host.x.cols + host.featureNames.indexOf('housing')] as number],
      );
  }, 120_000);
});

describe('WOE (target) encoding of categories only', () => {
  it('onlyCategorical: the categorical columns become their WOE, the numbers pass unchanged', async () => {
    const res = await runComponent(
      heteroBinning as unknown as ComponentSpec<unknown>,
      { onlyCategorical: true, transform: 'woe' },
      { guest: { data: dataset(guest) }, 'host-0': { data: dataset(host) } },
      { pool },
    );
    for (const [party, raw] of [
      ['guest', guest],
      ['host-0', host],
    ] as const) {
      const m = modelOf(res[party]) as unknown as BinningModel;
      const cats = raw.featureNames.filter((n) => raw.columnTypes?.[n]?.type === 'categorical');
      expect(m.features.map((f) => f.name)).toEqual(cats);
      const out = frameOf(res[party]);
      expect(out.featureNames).toEqual(raw.featureNames);
      raw.featureNames.forEach((name, j) => {
        const f = m.features.find((x) => x.name === name);
        for (let i = 0; i < raw.x.rows; i++) {
          const v = raw.x.data[i * raw.x.cols + j] as number;
          expect(out.x.data[i * out.x.cols + j]).toBe(f ? f.woe[v] : v);
        }
      });
    }
  }, 120_000);
});

describe('trainers on the encoded categories', () => {
  const joined = () => hstack(guestEnc.x, hostEnc.x);
  const y = () => guest.labels as Float64Array;

  it('HeteroLR equals its plaintext twin (Taylor loss) on the joined one-hot table', async () => {
    const params = { maxIter: 5 };
    const res = await runComponent(
      heteroLr as unknown as ComponentSpec<unknown>,
      params,
      { guest: { data: dataset(guestEnc) }, 'host-0': { data: dataset(hostEnc) } },
      { pool, hosts: 1, arbiter: true },
    );
    const gm = modelOf(res['guest']) as ModelPart;
    const hm = modelOf(res['host-0']) as ModelPart;
    const plain = trainLogisticRegression(joined(), y(), lrParams(heteroLrParams.parse(params)), {
      taylor: true,
    });
    const w = [...(gm['weights'] as number[]), ...(hm['weights'] as number[])];
    const b = (gm['intercept'] as number) + ((hm['intercept'] as number | undefined) ?? 0);
    const scores = (weights: ArrayLike<number>, intercept: number) => {
      const x = joined();
      return Float64Array.from({ length: x.rows }, (_, i) => {
        let z = intercept;
        for (let k = 0; k < x.cols; k++)
          z += (x.data[i * x.cols + k] as number) * (weights[k] as number);
        return 1 / (1 + Math.exp(-z));
      });
    };
    const fed = scores(w, b);
    const twin = scores(plain.model.weights, plain.model.intercept);
    let worst = 0;
    fed.forEach((s, i) => (worst = Math.max(worst, Math.abs(s - (twin[i] as number)))));
    expect(worst).toBeLessThan(1e-5);
    expect(Math.abs(auc(y(), fed) - auc(y(), twin))).toBeLessThan(1e-4);
    expect(auc(y(), fed)).toBeGreaterThan(0.75);
  }, 300_000);

  it('SecureBoost splits "category c / the rest" on one-hot columns and equals its twin', async () => {
    const params = { trees: 3, maxDepth: 3, objective: 'binary' };
    const res = await runComponent(
      secureBoost as unknown as ComponentSpec<unknown>,
      params,
      { guest: { data: dataset(guestEnc) }, 'host-0': { data: dataset(hostEnc) } },
      { pool, hosts: 1 },
    );
    const gm = modelOf(res['guest']);
    const hm = modelOf(res['host-0']);
    const pred = await runComponent(
      secureBoostPredict as unknown as ComponentSpec<unknown>,
      {},
      {
        guest: { data: dataset(guestEnc), model: { kind: 'model', model: gm } },
        'host-0': { data: dataset(hostEnc), model: { kind: 'model', model: hm } },
      },
      { pool, hosts: 1 },
    );
    const fed = (
      pred['guest']?.outputs['predictions'] as Extract<PortValue, { kind: 'predictions' }>
    ).predictions as Predictions;
    const p = parseSecureBoostParams(params);
    const twin = trainGbdt(joined(), y(), {
      objective: 'binary',
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
      gradientFracBits: p.fracBits,
    });
    const tp = predictGbdt(twin.model, joined());
    let worst = 0;
    fed.scores.forEach((s, i) => (worst = Math.max(worst, Math.abs(s - (tp.scores[i] as number)))));
    expect(worst).toBeLessThanOrEqual(1e-12);
    // The host's splits on one-hot columns are "category c / the rest": threshold between 0 and 1.
    const hostSplits = (hm as unknown as SbHostModel).splits;
    const oneHot = hostSplits.filter((sp) => /=\d+$/.test(sp.feature));
    expect(oneHot.length).toBeGreaterThan(0);
    for (const sp of oneHot) expect(sp.threshold! >= 0 && sp.threshold! < 1).toBe(true);
  }, 300_000);
});

describe('statistics of categorical columns', () => {
  it('counts per category and the mode, no moments', async () => {
    const res = await runComponent(
      statistics as unknown as ComponentSpec<unknown>,
      {},
      { guest: { data: dataset(guest) }, 'host-0': { data: dataset(host) } },
      { pool },
    );
    const report = (res['host-0']?.outputs['report'] as Extract<PortValue, { kind: 'report' }>)
      .report as { features: Record<string, unknown>[] };
    const housing = report.features.find((f) => f['name'] === 'housing') as {
      type: string;
      categories: Record<string, number>;
      mode: string;
      count: number;
      mean?: unknown;
    };
    const j = host.featureNames.indexOf('housing');
    const t = host.columnTypes?.['housing'];
    const levels = t?.type === 'categorical' ? t.levels : [];
    const counts: Record<string, number> = Object.fromEntries(levels.map((l) => [l, 0]));
    for (let i = 0; i < host.x.rows; i++)
      counts[levels[host.x.data[i * host.x.cols + j] as number] as string]!++;
    expect(housing.type).toBe('categorical');
    expect(housing.categories).toEqual(counts);
    expect(housing.count).toBe(1000);
    expect(housing.mode).toBe('own');
    expect(housing.mean).toBeUndefined();
    const age = report.features.find((f) => f['name'] === 'age') as { mean: number };
    expect(typeof age.mean).toBe('number');
  }, 120_000);
});
