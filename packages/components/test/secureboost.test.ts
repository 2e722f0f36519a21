/**
 * SecureBoost (secureboost, secureboost-predict) against its plaintext twin, trainGbdt on the
 * joined table with the same hyper-parameters and g, h rounded to the same fixed point
 * (gradientFracBits = fracBits): the protocol is lossless, so the federated trees must have the
 * same splits (feature, threshold) and the same leaf weights, and federated prediction the same
 * scores. Plus: several hosts, subsampling, multiclass, regression with early stopping, what the
 * host receives, and input errors.
 *
 * Every test uses real 2048-bit Paillier keys (the production length: FedGrid's crypto refuses
 * shorter ones), with few trees to stay at a few seconds each.
 * Data: FATE's breast split (569 rows, 10 + 20 features) and motor split (800 rows, 4 + 7
 * features). Multiclass: three classes from the tertiles of motor_speed (a real variable; the
 * bundled data has no multiclass label).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool, readBigUintLE, publicKeyFromJson } from '@fedgrid/crypto';
import { decodeMessage, MemoryNetwork, type Channel } from '@fedgrid/federation';
import {
  ComponentError,
  parseSecureBoostParams,
  roleOf,
  secureBoost,
  secureBoostPredict,
  type ComponentSpec,
  type ModelPart,
  type PortValue,
  type Predictions,
  type ProgramResult,
  type SbGuestModel,
  type SbHostModel,
} from '@fedgrid/components';
import {
  auc,
  hstack,
  predictGbdt,
  prepareObjective,
  regressionMetrics,
  selectFrameRows,
  trainGbdt,
  type Frame,
  type GbdtModel,
  type GbdtParams,
  type Matrix,
} from '@fedgrid/ml';
import { importCsv } from '@fedgrid/node';
import { jobRoles, runComponent, runComponentSettled } from './harness.js';

let pool: CryptoPool;
let breastGuest: Frame;
let breastHost: Frame;
let motorGuest: Frame;
let motorHost: Frame;

beforeAll(async () => {
  pool = new CryptoPool({ threads: 2 });
  breastGuest = (
    await importCsv({
      path: 'examples/data/fate/breast_hetero_guest.csv',
      idColumn: 'id',
      labelColumn: 'y',
    })
  ).frame;
  breastHost = (
    await importCsv({ path: 'examples/data/fate/breast_hetero_host.csv', idColumn: 'id' })
  ).frame;
  motorGuest = (
    await importCsv({
      path: 'examples/data/fate/motor_hetero_guest.csv',
      idColumn: 'idx',
      labelColumn: 'motor_speed',
    })
  ).frame;
  motorHost = (
    await importCsv({ path: 'examples/data/fate/motor_hetero_host.csv', idColumn: 'idx' })
  ).frame;
});
afterAll(async () => {
  await pool?.close();
});

const dataset = (frame: Frame): PortValue => ({ kind: 'dataset', frame });
const modelPort = (model: ModelPart): PortValue => ({ kind: 'model', model });

/** The frame restricted to some feature columns (by index), rows unchanged. */
function columns(frame: Frame, cols: number[]): Frame {
  const data = new Float64Array(frame.x.rows * cols.length);
  for (let i = 0; i < frame.x.rows; i++)
    cols.forEach(
      (c, k) => (data[i * cols.length + k] = frame.x.data[i * frame.x.cols + c] as number),
    );
  return {
    ids: frame.ids.slice(),
    x: { rows: frame.x.rows, cols: cols.length, data },
    featureNames: cols.map((c) => frame.featureNames[c] as string),
  };
}

/** Guest features then each host's, for every guest row, hosts looked up by id. */
function joinByIds(g: Frame, hosts: Frame[]): Matrix {
  let x = g.x;
  for (const h of hosts) {
    const index = new Map(h.ids.map((id, i) => [id, i]));
    const rows = g.ids.map((id) => {
      const r = index.get(id);
      if (r === undefined) throw new Error(`id ${id} missing on a host`);
      return r;
    });
    x = hstack(x, selectFrameRows(h, rows).x);
  }
  return x;
}

function modelOf(result: ProgramResult | undefined): ModelPart {
  const v = result?.outputs['model'];
  expect(v?.kind).toBe('model');
  return (v as Extract<PortValue, { kind: 'model' }>).model;
}

function predictionsOf(result: ProgramResult | undefined): Predictions {
  const v = result?.outputs['predictions'];
  expect(v?.kind).toBe('predictions');
  return (v as Extract<PortValue, { kind: 'predictions' }>).predictions;
}

interface Party {
  data: Frame;
  validate?: Frame;
}

async function train(
  guest: Party,
  hosts: Party[],
  params: Record<string, unknown>,
): Promise<{ guest: SbGuestModel; hosts: SbHostModel[]; results: Record<string, ProgramResult> }> {
  const inputs: Record<string, Record<string, PortValue>> = {
    guest: {
      data: dataset(guest.data),
      ...(guest.validate ? { validate: dataset(guest.validate) } : {}),
    },
  };
  hosts.forEach(
    (h, k) =>
      (inputs[`host-${k}`] = {
        data: dataset(h.data),
        ...(h.validate ? { validate: dataset(h.validate) } : {}),
      }),
  );
  const results = await runComponent(
    secureBoost as unknown as ComponentSpec<unknown>,
    params,
    inputs,
    { pool, hosts: hosts.length },
  );
  return {
    guest: modelOf(results['guest']) as SbGuestModel,
    hosts: hosts.map((_, k) => modelOf(results[`host-${k}`]) as SbHostModel),
    results,
  };
}

async function predict(
  guest: Frame,
  hosts: Frame[],
  models: { guest: SbGuestModel; hosts: SbHostModel[] },
): Promise<Predictions> {
  const inputs: Record<string, Record<string, PortValue>> = {
    guest: { data: dataset(guest), model: modelPort(models.guest) },
  };
  hosts.forEach(
    (h, k) =>
      (inputs[`host-${k}`] = {
        data: dataset(h),
        model: modelPort(models.hosts[k] as SbHostModel),
      }),
  );
  const out = await runComponent(
    secureBoostPredict as unknown as ComponentSpec<unknown>,
    {},
    inputs,
    { pool, hosts: hosts.length },
  );
  return predictionsOf(out['guest']);
}

/** The twin's parameters for raw component parameters (objective given explicitly). */
function twinParams(raw: Record<string, unknown>): GbdtParams {
  const p = parseSecureBoostParams(raw);
  return {
    objective: p.objective === 'auto' ? 'binary' : p.objective,
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

/**
 * Asserts that the federated trees are the twin's: same shape, each split on the same joined
 * column at the same threshold (host splits resolved through the host's split table, which only
 * the test holds next to the guest's part), same leaf weights and gains.
 */
function expectSameTrees(
  fed: { guest: SbGuestModel; hosts: SbHostModel[] },
  twin: GbdtModel,
  guestFrame: Frame,
  hostFrames: Frame[],
): number {
  const hostBase: number[] = [];
  let base = guestFrame.x.cols;
  for (const h of hostFrames) {
    hostBase.push(base);
    base += h.x.cols;
  }
  expect(fed.guest.trees.length).toBe(twin.trees.length);
  expect(fed.guest.baseScores).toEqual(twin.baseScores);
  let hostSplits = 0;
  fed.guest.trees.forEach((t, ti) => {
    const tt = twin.trees[ti]!;
    expect([t.round, t.cls]).toEqual([tt.round, tt.cls]);
    expect(t.nodes.length, `tree ${ti} size`).toBe(tt.nodes.length);
    t.nodes.forEach((nd, id) => {
      const tn = tt.nodes[id]!;
      const where = `tree ${ti} node ${id}`;
      if ('leaf' in nd) {
        expect(tn.kind, where).toBe('leaf');
        if (tn.kind === 'leaf') {
          expect(Math.abs(nd.leaf - tn.value), `${where} leaf`).toBeLessThanOrEqual(1e-12);
          expect(nd.count).toBe(tn.count);
        }
        return;
      }
      expect(tn.kind, where).toBe('split');
      if (tn.kind !== 'split') return;
      let column: number;
      let threshold: number;
      let missingLeft: boolean;
      if (nd.owner === 'guest') {
        const g = nd as Extract<typeof nd, { feature: string }>;
        column = guestFrame.featureNames.indexOf(g.feature);
        threshold = g.threshold!;
        missingLeft = g.missingLeft === true;
      } else {
        hostSplits++;
        const k = fed.guest.hosts.indexOf(nd.owner);
        const split = fed.hosts[k]!.splits.find((s) => s.id === (nd as { split: number }).split);
        expect(split, `${where}: host split id`).toBeDefined();
        column = (hostBase[k] as number) + hostFrames[k]!.featureNames.indexOf(split!.feature);
        threshold = split!.threshold!;
        missingLeft = split!.missingLeft === true;
      }
      expect(missingLeft, `${where} missing values' side`).toBe(tn.missingLeft === true);
      expect(column, `${where} column`).toBe(tn.feature);
      expect(threshold, `${where} threshold`).toBe(tn.threshold);
      expect([nd.left, nd.right]).toEqual([tn.left, tn.right]);
      expect(Math.abs(nd.gain - tn.gain)).toBeLessThanOrEqual(1e-9 * Math.abs(tn.gain));
    });
  });
  return hostSplits;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe('secureboost: binary, breast', () => {
  it('equals the plaintext twin: same splits, leaf weights and AUC', async () => {
    const params = { trees: 4, maxDepth: 3 };
    const fed = await train({ data: breastGuest }, [{ data: breastHost }], params);
    const x = joinByIds(breastGuest, [breastHost]);
    const twin = trainGbdt(x, breastGuest.labels!, twinParams(params));
    const hostSplits = expectSameTrees(fed, twin.model, breastGuest, [breastHost]);
    expect(hostSplits).toBeGreaterThan(0); // the host's features matter on this data

    const pred = await predict(breastGuest, [breastHost], fed);
    const tp = predictGbdt(twin.model, x);
    expect(pred.task).toBe('binary');
    expect(maxAbsDiff(pred.scores, tp.scores)).toBeLessThanOrEqual(1e-12);
    const fedAuc = auc(pred.labels!, pred.scores);
    expect(Math.abs(fedAuc - auc(breastGuest.labels!, tp.scores))).toBeLessThanOrEqual(1e-6);
    // and against the twin in full double precision (no fixed-point rounding of g and h)
    const exact = trainGbdt(x, breastGuest.labels!, {
      ...twinParams(params),
      gradientFracBits: undefined,
    });
    const ep = predictGbdt(exact.model, x);
    expect(Math.abs(fedAuc - auc(breastGuest.labels!, ep.scores))).toBeLessThanOrEqual(1e-6);
    expect(maxAbsDiff(pred.scores, ep.scores)).toBeLessThanOrEqual(1e-6);
    expect(fedAuc).toBeGreaterThan(0.98);

    const summary = fed.results['guest']?.summary ?? {};
    // cipher compression: many bucket sums per decryption
    expect(Number(summary['bucketSums']) / Number(summary['decryptions'])).toBeGreaterThan(10);
    expect(fed.guest.keyBits).toBe(2048);
    // JSON-serialisable model parts
    expect(JSON.parse(JSON.stringify(fed.guest))).toEqual(fed.guest);
    expect(JSON.parse(JSON.stringify(fed.hosts[0]))).toEqual(fed.hosts[0]);
  });

  it('with two hosts, row and column subsampling, equals the twin on the joined columns', async () => {
    const h0 = columns(breastHost, [...Array(10).keys()]);
    const h1 = columns(
      breastHost,
      [...Array(10).keys()].map((j) => j + 10),
    );
    // Rows are aligned (PSI output) on every party; the twin joins the columns by id.
    const params = { trees: 3, maxDepth: 3, subsample: 0.8, colsample: 0.7, seed: 11 };
    const fed = await train({ data: breastGuest }, [{ data: h0 }, { data: h1 }], params);
    const x = joinByIds(breastGuest, [h0, h1]);
    const twin = trainGbdt(x, breastGuest.labels!, twinParams(params));
    expectSameTrees(fed, twin.model, breastGuest, [h0, h1]);
    const used = new Set(
      fed.guest.trees.flatMap((t) => t.nodes.map((n) => ('leaf' in n ? 'leaf' : n.owner))),
    );
    expect(used.has('host-0') || used.has('host-1')).toBe(true);
    const pred = await predict(breastGuest, [h0, h1], fed);
    expect(maxAbsDiff(pred.scores, predictGbdt(twin.model, x).scores)).toBeLessThanOrEqual(1e-12);
  });
});

describe('secureboost: missing values', () => {
  /** A copy of `frame` with column `col` set to NaN on the rows `pick` selects. */
  function withMissing(frame: Frame, col: number, pick: (i: number) => boolean): Frame {
    const data = frame.x.data.slice();
    for (let i = 0; i < frame.x.rows; i++) if (pick(i)) data[i * frame.x.cols + col] = NaN;
    return { ...frame, x: { ...frame.x, data } };
  }

  it('learns where missing values go (guest and host features), exactly as the twin, and predicts NaN rows alike', async () => {
    const y = breastGuest.labels!;
    // Missingness that carries information (as it often does: an unfilled field), in one guest
    // and two host columns; and uninformative gaps in another host column.
    let g = withMissing(breastGuest, 0, (i) => y[i] === 1 && i % 3 === 0);
    g = withMissing(g, 1, (i) => i % 7 === 0);
    let h = withMissing(breastHost, 0, (i) => y[i] === 0 && i % 2 === 0);
    h = withMissing(h, 3, (i) => y[i] === 1 && i % 4 !== 0);
    h = withMissing(h, 5, (i) => i % 5 === 0);
    const params = { trees: 4, maxDepth: 3 };
    const fed = await train({ data: g }, [{ data: h }], params);
    const x = joinByIds(g, [h]);
    const twin = trainGbdt(x, y, twinParams(params));
    expectSameTrees(fed, twin.model, g, [h]);
    // Both sides' splits send missing values left somewhere (the default is right).
    const guestLeft = fed.guest.trees.some((t) =>
      t.nodes.some((n) => !('leaf' in n) && n.owner === 'guest' && 'missingLeft' in n),
    );
    expect(guestLeft).toBe(true);
    expect(fed.hosts[0]!.splits.some((s) => s.missingLeft)).toBe(true);
    expect(
      twin.model.trees.some((t) => t.nodes.some((n) => n.kind === 'split' && n.missingLeft)),
    ).toBe(true);

    const pred = await predict(g, [h], fed);
    const tp = predictGbdt(twin.model, x);
    expect(maxAbsDiff(pred.scores, tp.scores)).toBeLessThanOrEqual(1e-12);
    expect(auc(pred.labels!, pred.scores)).toBeGreaterThan(0.98);
    // Infinity is not a missing value: refused by feature and row.
    const inf = withMissing(h, 2, (i) => i === 4);
    inf.x.data[4 * inf.x.cols + 2] = Infinity;
    const bad = await runComponentSettled(
      secureBoost as unknown as ComponentSpec<unknown>,
      params,
      { guest: { data: dataset(g) }, 'host-0': { data: dataset(inf) } },
      { pool },
    );
    const reason = (bad['host-0'] as PromiseRejectedResult).reason as ComponentError;
    expect(reason.code).toBe('VALUE_INFINITE');
    expect(reason.message).toContain(`'${h.featureNames[2]}'`);
    expect(reason.message).toContain('row 4');
  });
});

describe('secureboost: multiclass and regression, motor', () => {
  /** 0 below the 1/3 quantile of motor_speed, 1 below the 2/3 quantile, else 2. */
  function tertiles(y: Float64Array): Float64Array {
    const s = Float64Array.from(y).sort();
    const a = s[Math.floor(s.length / 3)] as number;
    const b = s[Math.floor((2 * s.length) / 3)] as number;
    return y.map((v) => (v < a ? 0 : v < b ? 1 : 2));
  }

  it('multiclass (motor_speed tertiles): one tree per class per round, same as the twin', async () => {
    const labels = tertiles(motorGuest.labels!);
    const train600 = Array.from({ length: 600 }, (_, i) => i);
    const test200 = Array.from({ length: 200 }, (_, i) => 600 + i);
    const g = {
      ...selectFrameRows(motorGuest, train600),
      labels: Float64Array.from(train600, (i) => labels[i] as number),
    };
    const h = selectFrameRows(motorHost, train600);
    const params = { objective: 'multiclass', trees: 2, maxDepth: 3 };
    const fed = await train({ data: g }, [{ data: h }], params);
    expect(fed.guest.trees.map((t) => t.cls)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(fed.guest.classes).toEqual([0, 1, 2]);
    const twin = trainGbdt(joinByIds(g, [h]), g.labels, twinParams(params));
    expectSameTrees(fed, twin.model, g, [h]);

    // Prediction on the 200 held-out rows: per-class probabilities equal the twin's.
    const gt = {
      ...selectFrameRows(motorGuest, test200),
      labels: Float64Array.from(test200, (i) => labels[i] as number),
    };
    const ht = selectFrameRows(motorHost, test200);
    const pred = await predict(gt, [ht], fed);
    const tp = predictGbdt(twin.model, joinByIds(gt, [ht]));
    expect(pred.task).toBe('multiclass');
    expect(pred.classes).toEqual([0, 1, 2]);
    expect(maxAbsDiff(pred.probabilities!, tp.probabilities!)).toBeLessThanOrEqual(1e-12);
    expect(Array.from(pred.scores)).toEqual(Array.from(tp.scores));
    for (let i = 0; i < 200; i++) {
      const row = pred.probabilities!.subarray(i * 3, i * 3 + 3);
      expect(Math.abs(row[0]! + row[1]! + row[2]! - 1)).toBeLessThan(1e-12);
    }
    const accuracy =
      Array.from(pred.scores).filter((k, i) => pred.classes![k] === gt.labels[i]).length / 200;
    expect(accuracy).toBeGreaterThan(0.6);
  });

  it('regression with early stopping on validation rows: same rounds, trees and predictions', async () => {
    const tr = Array.from({ length: 600 }, (_, i) => i);
    const va = Array.from({ length: 200 }, (_, i) => 600 + i);
    const g = selectFrameRows(motorGuest, tr);
    const h = selectFrameRows(motorHost, tr);
    const gv = selectFrameRows(motorGuest, va);
    const hv = selectFrameRows(motorHost, va);
    // lr 1 overfits quickly: the validation loss stops improving after a few rounds.
    const params = { objective: 'regression', trees: 40, learningRate: 1, earlyStoppingRounds: 2 };
    const fed = await train({ data: g, validate: gv }, [{ data: h, validate: hv }], params);
    const twin = trainGbdt(joinByIds(g, [h]), g.labels!, twinParams(params), {
      validation: { x: joinByIds(gv, [hv]), y: gv.labels! },
    });
    expect(twin.rounds).toBeLessThan(twin.history.validation.length); // stopping did trigger
    expect(fed.guest.rounds).toBe(twin.rounds);
    const summary = fed.results['guest']?.summary ?? {};
    expect(summary['roundsTrained']).toBe(twin.history.validation.length);
    expect(
      maxAbsDiff(summary['validationLossHistory'] as number[], twin.history.validation),
    ).toBeLessThan(1e-12);
    expectSameTrees(fed, twin.model, g, [h]);
    // the host kept only the splits of the kept rounds
    const referenced = new Set(
      fed.guest.trees.flatMap((t) => t.nodes.flatMap((n) => ('split' in n ? [n.split] : []))),
    );
    expect(new Set(fed.hosts[0]!.splits.map((s) => s.id))).toEqual(referenced);

    const pred = await predict(gv, [hv], fed);
    const tp = predictGbdt(twin.model, joinByIds(gv, [hv]));
    expect(pred.task).toBe('regression');
    expect(maxAbsDiff(pred.scores, tp.scores)).toBeLessThanOrEqual(1e-12);
    expect(regressionMetrics(gv.labels!, pred.scores).r2).toBeGreaterThan(0.8);
  });
});

describe('secureboost: what the host sees', () => {
  it('receives only ciphertexts of the right size, integer headers and row masks — no g, h or labels', async () => {
    const params = { trees: 2, maxDepth: 2 };
    const roles = jobRoles(1, false);
    const parties = [roles.guest, ...roles.hosts];
    const network = new MemoryNetwork();
    const controller = new AbortController();
    const channels = network.channels(`tap-${Math.random()}`, parties, {
      livenessIntervalMs: 200,
      signal: controller.signal,
    });
    const received: { tag: string; bytes: Uint8Array }[] = [];
    const hostChannel = channels.get('host-0')!;
    const tapped: Channel = {
      session: hostChannel.session,
      self: hostChannel.self,
      peers: hostChannel.peers,
      send: (to, t, payload) => hostChannel.send(to, t, payload),
      recv: async (from, t) => {
        const bytes = await hostChannel.recv(from, t);
        received.push({ tag: t, bytes: bytes.slice() });
        return bytes;
      },
    };
    const hostFrame: Frame = breastHost; // the host's input has no labels at all
    expect(hostFrame.labels).toBeUndefined();
    const validated = secureBoost.params.parse(params);
    const results = await Promise.all(
      parties.map((party) =>
        secureBoost.programs[roleOf(party)]!({
          jobId: 'job-test',
          taskName: 'secureboost',
          party,
          role: roleOf(party),
          roles,
          params: validated,
          channel: party === 'host-0' ? tapped : channels.get(party)!,
          inputs: { data: dataset(party === 'guest' ? breastGuest : hostFrame) },
          crypto: pool,
          log: () => {},
          progress: () => {},
          signal: controller.signal,
        }),
      ),
    );
    expect(results).toHaveLength(2);

    const messages = received.map((m) => ({
      tag: m.tag,
      ...decodeMessage<Record<string, unknown>>(m.bytes),
    }));
    const setup = messages.find((m) => m.tag === 'setup')!;
    const pub = publicKeyFromJson(setup.header['publicKey']);
    const w = pub.cipherBytes;
    // Headers carry only integers and booleans: no real-valued g, h or label leaks there.
    const numbers: number[] = [];
    const walk = (v: unknown) => {
      if (typeof v === 'number') numbers.push(v);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    messages.filter((m) => m.tag !== 'setup').forEach((m) => walk(m.header));
    expect(numbers.length).toBeGreaterThan(0);
    expect(numbers.every((v) => Number.isInteger(v))).toBe(true);

    // Per round: one blob of exactly rows × cipherBytes, every block a valid ciphertext (< n²),
    // all distinct (fresh randomness).
    const rounds = messages.filter((m) => m.tag.endsWith('/round') && m.header['stop'] === false);
    expect(rounds).toHaveLength(2);
    const n = breastGuest.ids.length;
    for (const m of rounds) {
      expect(m.blobs).toHaveLength(1);
      expect(m.blobs[0]!.length).toBe(n * w);
      const seen = new Set<string>();
      for (let i = 0; i < n; i++) {
        const c = readBigUintLE(m.blobs[0]!, i * w, w);
        expect(c > 1n && c < pub.nSquared).toBe(true);
        seen.add(c.toString(16));
      }
      expect(seen.size).toBe(n);
    }
    // Nowhere in what the host received are the first round's g or h (as doubles or as the
    // fixed-point integers the guest encrypts) — g = p − y would give the labels away.
    const { objective, labels: y } = prepareObjective('binary', breastGuest.labels!);
    const raw = new Float64Array(n).fill(objective.initScores(y)[0]!);
    const g = new Float64Array(n);
    const h = new Float64Array(n);
    objective.gradients(y, raw, g, h); // exactly what the guest computes in round 1
    const needles = new Set<string>();
    for (let i = 0; i < n; i++)
      for (const v of [g[i]!, h[i]!]) {
        needles.add(Buffer.from(Float64Array.of(v).buffer).toString('hex'));
        needles.add(
          Buffer.from(BigInt64Array.of(BigInt(Math.round(v * 2 ** 32))).buffer).toString('hex'),
        );
      }
    const hay = received.map((m) => Buffer.from(m.bytes).toString('hex')).join('|');
    for (const needle of needles) expect(hay.includes(needle)).toBe(false);
  });
});

describe('secureboost: bad input', () => {
  it('names the bad parameter', () => {
    for (const [raw, field] of [
      [{ maxDepth: 0 }, 'maxDepth'],
      [{ keyBits: 1024 }, 'keyBits'],
      [{ subsample: 1.5 }, 'subsample'],
      [{ bins: 1 }, 'bins'],
      [{ objective: 'poisson' }, 'objective'],
    ] as const) {
      let err: unknown;
      try {
        parseSecureBoostParams(raw);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ComponentError);
      expect((err as ComponentError).code).toBe('PARAMS_INVALID');
      expect((err as ComponentError).details?.['field']).toBe(field);
      expect((err as ComponentError).message).toContain(field);
    }
  });

  async function failure(
    guest: Frame,
    host: Frame,
    params: Record<string, unknown>,
  ): Promise<ComponentError> {
    const settled = await runComponentSettled(
      secureBoost as unknown as ComponentSpec<unknown>,
      params,
      { guest: { data: dataset(guest) }, 'host-0': { data: dataset(host) } },
      { pool },
    );
    const g = settled['guest'];
    expect(g?.status).toBe('rejected');
    const err = (g as PromiseRejectedResult).reason as unknown;
    expect(err).toBeInstanceOf(ComponentError);
    expect(settled['host-0']?.status).toBe('rejected'); // and the host did not hang
    return err as ComponentError;
  }

  it('a host refuses fewer than 10 rows per bin of its features, before sending anything', async () => {
    const first = Array.from({ length: 200 }, (_, i) => i);
    const g = selectFrameRows(breastGuest, first);
    const h = selectFrameRows(breastHost, first);
    const refused = async (params: Record<string, unknown>) => {
      const settled = await runComponentSettled(
        secureBoost as unknown as ComponentSpec<unknown>,
        params,
        { guest: { data: dataset(g) }, 'host-0': { data: dataset(h) } },
        { pool },
      );
      expect(settled['guest']?.status).toBe('rejected'); // and the guest did not hang
      const host = settled['host-0'];
      expect(host?.status).toBe('rejected');
      return (host as PromiseRejectedResult).reason as ComponentError;
    };
    // 200 rows, 32 quantile bins: about 6 rows per bin, each bin's g/h sums go to the guest.
    const err = await refused({ trees: 1 });
    expect(err).toBeInstanceOf(ComponentError);
    expect(err.code).toBe('TOO_FEW_ROWS');
    expect(err.details).toMatchObject({ rows: 200, bins: 32, minRowsPerBin: 10 });
    expect(err.message).toMatch(
      /at least 10 rows per bin \(320 rows\).*lower 'bins' to at most 20/,
    );
    // Row subsampling shrinks the root the guest sees: each round's sample is checked too.
    const sub = await refused({ trees: 1, bins: 16, subsample: 0.5 });
    expect(sub.code).toBe('TOO_FEW_ROWS');
    expect(sub.message).toContain('round 0');
    // The fix the message names: 16 bins on 200 rows trains.
    const ok = await train({ data: g }, [{ data: h }], { trees: 1, bins: 16 });
    expect(ok.guest.trees.length).toBe(1);
  });

  it('early stopping without validation data names earlyStoppingRounds', async () => {
    const err = await failure(breastGuest, breastHost, { earlyStoppingRounds: 3 });
    expect(err.code).toBe('PARAMS_INVALID');
    expect(err.details?.['field']).toBe('earlyStoppingRounds');
  });

  it('labels that do not suit the objective, and misaligned rows', async () => {
    const err = await failure(motorGuest, motorHost, { objective: 'binary' });
    expect(err.code).toBe('LABELS_INVALID');
    expect(err.message).toContain('motor_speed');
    const short = selectFrameRows(
      breastHost,
      Array.from({ length: 500 }, (_, i) => i),
    );
    expect((await failure(breastGuest, short, {})).code).toBe('ROWS_MISMATCH');
  });
});
