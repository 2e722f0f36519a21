/**
 * Two-party SSHE-LR (hetero-sshe-lr) on FATE's breast split against its plaintext twin
 * (trainLogisticRegression with the Taylor loss on the joined table, same hyper-parameters).
 * The federated arithmetic is exact up to fixed point: features quantised to 24 bits per column
 * (at the public scale 2^−28), shares at 2^−32 with one truncation per product. Measured
 * differences on breast: weights ≤ 1e-8 absolute (≤ 3e-7 relative), losses ≤ 3e-10; the
 * tolerances below (REL 1e-5, ABS 1e-7 for weights; 1e-6 / 1e-8 for losses) leave ×10–100.
 *
 * Key length: every run uses 2048-bit Paillier keys (FedGrid's crypto refuses shorter ones),
 * one run 3072 bits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CryptoPool,
  generatePaillierKeyPair,
  PaillierEvaluator,
  publicKeyFromJson,
  randomBits,
  readBigUintLE,
} from '@fedgrid/crypto';
import { decodeMessage, MemoryNetwork, type Transport } from '@fedgrid/federation';
import {
  ComponentError,
  evaluation,
  heteroLrPredict,
  heteroSsheLr,
  heteroSsheLrParams,
  ssheLrParams,
  type ComponentSpec,
  type ModelPart,
  type PortValue,
  type ProgramResult,
} from '@fedgrid/components';
import {
  epochBatches,
  learningRateAt,
  matVec,
  Optimizer,
  matTVec,
  selectEntries,
  selectRows,
  trainLogisticRegression,
  type Frame,
  type LogisticRegressionParams,
  type Matrix,
} from '@fedgrid/ml';
import { importCsv } from '@fedgrid/node';
import { runComponent, runComponentSettled } from './harness.js';
import { secureFeatures, FEATURE_SCALE_BITS } from '../dist/hetero-sshe-lr/features.js';
import {
  maskedPackedProduct,
  packedBases,
  packLayout,
  unpackShares,
} from '../dist/hetero-sshe-lr/packed-product.js';
import { ring, RING_BITS, truncateShare } from '../dist/hetero-sshe-lr/ring.js';
import { STAT_BITS } from '../dist/hetero-sshe-lr/protocol.js';

const GUEST_CSV = 'examples/data/fate/breast_hetero_guest.csv';
const HOST_CSV = 'examples/data/fate/breast_hetero_host.csv';
const REL = 1e-5;
const ABS = 1e-7;
/** Runs of 2–5 epochs at 2048 bits take 10–40 s on the shared 2-core machine. */
const SLOW = 600_000;

const sshe = heteroSsheLr as ComponentSpec<unknown>;
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

/** The plaintext join, guest columns then host columns, host rows looked up by id. */
function joined(g: Frame, h: Frame): Matrix {
  const at = new Map(h.ids.map((id, i) => [id, i]));
  const cols = g.x.cols + h.x.cols;
  const data = new Float64Array(g.x.rows * cols);
  for (let i = 0; i < g.x.rows; i++) {
    const r = at.get(g.ids[i] as string);
    if (r === undefined) throw new Error(`id ${g.ids[i]} missing on the host`);
    data.set(g.x.data.subarray(i * g.x.cols, (i + 1) * g.x.cols), i * cols);
    data.set(h.x.data.subarray(r * h.x.cols, (r + 1) * h.x.cols), i * cols + g.x.cols);
  }
  return { rows: g.x.rows, cols, data };
}

const labels01 = (): Float64Array =>
  Float64Array.from(guest.labels as Float64Array, (v) => (v === 1 ? 1 : 0));

function modelOf(result: ProgramResult | undefined): ModelPart {
  const v = result?.outputs['model'];
  expect(v?.kind).toBe('model');
  return (v as Extract<PortValue, { kind: 'model' }>).model;
}

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

interface Run {
  results: Record<string, ProgramResult>;
  guestModel: ModelPart;
  hostModel: ModelPart;
  plain: ReturnType<typeof trainLogisticRegression>;
}

/** Trains federated (guest + one host) and plaintext, and compares everything. */
async function compareWithTwin(
  params: Record<string, unknown>,
  opts: { network?: MemoryNetwork; g?: Frame } = {},
): Promise<Run> {
  const results = await runComponent(
    sshe,
    params,
    { guest: { data: dataset(opts.g ?? guest) }, 'host-0': { data: dataset(host) } },
    { pool, hosts: 1, ...(opts.network ? { network: opts.network } : {}) },
  );
  const p = heteroSsheLrParams.parse(params);
  const plain = trainLogisticRegression(joined(guest, host), labels01(), ssheLrParams(p), {
    taylor: true,
  });
  const guestModel = modelOf(results['guest']);
  const hostModel = modelOf(results['host-0']);
  const dg = guest.x.cols;
  const w = plain.model.weights;
  expect(guestModel['algorithm']).toBe('hetero-sshe-lr');
  expect(guestModel['featureNames']).toEqual(guest.featureNames);
  expect(hostModel['featureNames']).toEqual(host.featureNames);
  expect(hostModel['intercept']).toBeUndefined();
  expectClose(guestModel['weights'] as number[], w.subarray(0, dg), REL, ABS, 'guest weights');
  expectClose(hostModel['weights'] as number[], w.subarray(dg), REL, ABS, 'host weights');
  expectClose([guestModel['intercept'] as number], [plain.model.intercept], REL, ABS, 'intercept');
  const gs = results['guest']?.summary ?? {};
  const hs = results['host-0']?.summary ?? {};
  expect(gs['epochs']).toBe(plain.epochs);
  expect(hs['epochs']).toBe(plain.epochs);
  expect(gs['converged']).toBe(plain.converged);
  if (p.computeLoss) {
    expectClose(gs['lossHistory'] as number[], plain.lossHistory, 1e-6, 1e-8, 'loss history');
    expect(hs['lossHistory']).toEqual(gs['lossHistory']);
  } else {
    expect(gs['lossHistory']).toEqual([]);
  }
  // The model moved away from zero: an all-zero comparison would prove nothing.
  expect(Math.max(...Array.from(w, Math.abs))).toBeGreaterThan(0.01);
  return { results, guestModel, hostModel, plain };
}

/** AUC by pair counting (ties ½): an independent reference. */
function pairAuc(y: ArrayLike<number>, s: ArrayLike<number>): number {
  let num = 0;
  let pairs = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 1) continue;
    for (let j = 0; j < y.length; j++) {
      if (y[j] !== 0) continue;
      pairs++;
      num += (s[i] as number) > (s[j] as number) ? 1 : s[i] === s[j] ? 0.5 : 0;
    }
  }
  return num / pairs;
}

/** A memory network that keeps every payload pushed, reassembled from its chunks. */
class RecordingNetwork extends MemoryNetwork {
  private readonly chunks = new Map<string, Uint8Array[]>();
  readonly messages: { src: string; dst: string; tag: string; data: Uint8Array }[] = [];
  override transport(fromNodeId: string): Transport {
    const inner = super.transport(fromNodeId);
    return {
      ...inner,
      push: async (nodeId, env) => {
        const key = `${env.src}>${env.dst}>${env.tag}`;
        const parts = this.chunks.get(key) ?? new Array<Uint8Array>(env.total);
        parts[env.seq] = env.data.slice();
        this.chunks.set(key, parts);
        if (parts.filter(Boolean).length === env.total) {
          this.messages.push({
            src: env.src,
            dst: env.dst,
            tag: env.tag,
            data: Buffer.concat(parts as Uint8Array[]),
          });
        }
        return inner.push(nodeId, env);
      },
    };
  }
}

/**
 * The plaintext run again, recording every per-row value of every batch: the quantities the
 * protocol must never send in the clear. `split` = the guest's column count.
 */
function trajectory(
  x: Matrix,
  y: Float64Array,
  p: LogisticRegressionParams,
  split: number,
): { guestSide: number[]; hostSide: number[] } {
  const size = x.cols + 1;
  const w = new Float64Array(size);
  const opt = new Optimizer(p, size, x.cols);
  const guestSide: number[] = [];
  const hostSide: number[] = [];
  for (let e = 0; e < p.maxIter; e++) {
    const lr = learningRateAt(p, e);
    for (const batch of epochBatches(x.rows, p.batchSize, p.seed, e)) {
      const xb = selectRows(x, batch);
      const yb = selectEntries(y, batch);
      const wg = Float64Array.from([...w.subarray(0, split)]);
      const wh = w.subarray(split, x.cols);
      const z = matVec(xb, w.subarray(0, x.cols), w[x.cols] as number);
      const d = z.map((zi, i) => 0.25 * zi + 0.5 - (yb[i] as number));
      for (let i = 0; i < xb.rows; i++) {
        const row = xb.data.subarray(i * x.cols, (i + 1) * x.cols);
        let zg = w[x.cols] as number;
        for (let j = 0; j < split; j++) zg += (row[j] as number) * (wg[j] as number);
        let zh = 0;
        for (let j = split; j < x.cols; j++) zh += (row[j] as number) * (wh[j - split] as number);
        const zi = z[i] as number;
        guestSide.push(zi, 0.5 + 0.25 * zi, d[i] as number, zg);
        hostSide.push(zh);
      }
      const g = new Float64Array(size);
      g.set(matTVec(xb, d).map((v) => v / batch.length));
      g[x.cols] = d.reduce((a, b) => a + b, 0) / batch.length;
      opt.step(w, g, lr);
    }
  }
  return { guestSide, hostSide };
}

/** Zeros (all scores before the first step) are public and match any zero padding. */
const nonZero = (v: number): boolean => Math.abs(v) > 1e-6;

/** Every 8-byte aligned window of a blob as a signed 64-bit fixed-point value at 2^−32. */
function fixedPointWindows(blob: Uint8Array): Float64Array {
  const n = Math.floor(blob.length / 8);
  const out = new Float64Array(n);
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  for (let k = 0; k < n; k++) out[k] = Number(dv.getBigInt64(k * 8, true)) / 2 ** 32;
  return out;
}

/** Whether any value lies within `tol` of a sorted target list. */
function hits(values: Float64Array, sortedTargets: Float64Array, tol: number): number[] {
  const found: number[] = [];
  for (const v of values) {
    let lo = 0;
    let hi = sortedTargets.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((sortedTargets[mid] as number) < v - tol) lo = mid + 1;
      else hi = mid;
    }
    if (lo < sortedTargets.length && Math.abs((sortedTargets[lo] as number) - v) <= tol)
      found.push(v);
  }
  return found;
}

describe('hetero-sshe-lr vs the plaintext twin (breast, Taylor loss, 2048-bit keys)', () => {
  it(
    'mini-batches of 512 (2 per epoch), sgd + l2: weights, intercept, loss per epoch and epochs match; predicted AUC ≥ 0.98 and equal to the twin’s',
    async () => {
      const { guestModel, hostModel, plain } = await compareWithTwin({ maxIter: 5 });
      const pr = await runComponent(
        heteroLrPredict as ComponentSpec<unknown>,
        {},
        {
          guest: { data: dataset(guest), model: { kind: 'model', model: guestModel } },
          'host-0': { data: dataset(host), model: { kind: 'model', model: hostModel } },
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
      const x = joined(guest, host);
      const scores = matVec(x, plain.model.weights, plain.model.intercept).map(
        (z) => 1 / (1 + Math.exp(-z)),
      );
      const plainAuc = pairAuc(labels01(), scores);
      expect(Math.abs(fedAuc - plainAuc)).toBeLessThanOrEqual(0.01);
      expect(plainAuc).toBeGreaterThanOrEqual(0.98);
      expect(fedAuc).toBeGreaterThanOrEqual(0.98);
    },
    SLOW,
  );

  it(
    'early stop on the securely computed loss: both stop before maxIter, after the same epochs as the twin',
    async () => {
      const { plain } = await compareWithTwin({ maxIter: 10, tol: 0.02, earlyStop: 'diff' });
      expect(plain.converged).toBe(true);
      expect(plain.epochs).toBeLessThan(10);
    },
    SLOW,
  );

  it(
    'no penalty, learning-rate decay (sqrt), no intercept, batches of 142 (the last of one row), loss off',
    async () => {
      const { guestModel } = await compareWithTwin({
        maxIter: 2,
        batchSize: 142,
        penalty: 'none',
        decay: 0.5,
        decaySqrt: true,
        fitIntercept: false,
        learningRate: 0.3,
        computeLoss: false,
        earlyStop: 'none',
      });
      expect(guestModel['intercept']).toBe(0);
    },
    SLOW,
  );

  it(
    'labels −1/1 train the same model as 0/1; 3072-bit keys, full batch',
    async () => {
      const pm = {
        ...guest,
        labels: Float64Array.from(guest.labels as Float64Array, (v) => (v === 1 ? 1 : -1)),
      };
      const { guestModel } = await compareWithTwin(
        { maxIter: 2, batchSize: -1, keyBits: 3072 },
        { g: pm },
      );
      expect(guestModel['keyBits']).toBe(3072);
    },
    SLOW,
  );
});

describe('hetero-sshe-lr: what travels', () => {
  it(
    'every training message is ciphertext (valid, re-randomised) or a uniform share; no value a party receives equals or approximates the other side’s weights, scores or errors',
    async () => {
      const net = new RecordingNetwork();
      const params = { maxIter: 3 };
      const { guestModel, hostModel } = await compareWithTwin(params, { network: net });
      const keyOf = (party: string) =>
        publicKeyFromJson(
          decodeMessage<{ publicKey: unknown }>(
            net.messages.find((m) => m.src === party && m.tag === 'setup')!.data,
          ).header.publicKey,
        );
      const keys = { guest: keyOf('guest'), 'host-0': keyOf('host-0') };
      // Under whose key each training blob is: the sender's (bases, d) or the receiver's (z, grad, loss).
      const senderKeyed = /\/(bases|d)$/;
      const receiverKeyed = /\/(z|grad)$|loss-(host|guest)$/;
      const p = ssheLrParams(heteroSsheLrParams.parse(params));
      const traj = trajectory(joined(guest, host), labels01(), p, guest.x.cols);
      const targets = {
        // What the host must not see: the guest's weights, and every z, σ̃(z), error, z_guest.
        'host-0': {
          exact: new Set([
            ...(guestModel['weights'] as number[]),
            guestModel['intercept'] as number,
          ]),
          rows: Float64Array.from(traj.guestSide.filter(nonZero)).sort(),
        },
        // What the guest must not see: the host's weights and its partial scores X_h·w_h.
        guest: {
          exact: new Set(hostModel['weights'] as number[]),
          rows: Float64Array.from(traj.hostSide.filter(nonZero)).sort(),
        },
      };
      let ciphertexts = 0;
      for (const msg of net.messages) {
        const { header, blobs } = decodeMessage<Record<string, unknown>>(msg.data);
        const t = targets[msg.dst as 'guest' | 'host-0'];
        // Headers: counts only (the loss, sent host → guest, is a revealed result).
        for (const [k, v] of Object.entries(header ?? {})) {
          if (typeof v !== 'number' || k === 'loss') continue;
          expect(t.exact.has(v), `${msg.tag}: header ${k}`).toBe(false);
          expect(hits(Float64Array.of(v), t.rows, 1e-9), `${msg.tag}: header ${k}`).toEqual([]);
        }
        for (const blob of blobs) {
          const floats = new Float64Array(
            new Uint8Array(blob).buffer,
            0,
            Math.floor(blob.length / 8),
          );
          for (const f of floats) expect(t.exact.has(f), `${msg.tag}: a float64`).toBe(false);
          expect(
            hits(fixedPointWindows(blob), t.rows, 2 ** -20),
            `${msg.tag}: fixed point`,
          ).toEqual([]);
          const keyed = senderKeyed.test(msg.tag)
            ? keys[msg.src as 'guest' | 'host-0']
            : receiverKeyed.test(msg.tag)
              ? keys[msg.dst as 'guest' | 'host-0']
              : undefined;
          if (!keyed) continue;
          expect(blob.length % keyed.cipherBytes, msg.tag).toBe(0);
          const seen = new Set<bigint>();
          for (let o = 0; o < blob.length; o += keyed.cipherBytes) {
            const c = readBigUintLE(blob, o, keyed.cipherBytes);
            expect(c < keyed.nSquared, `${msg.tag}: reduced mod n²`).toBe(true);
            // c ≡ 1 (mod n) would be (1 + m·n): a plaintext with no randomness.
            expect(c % keyed.n === 1n, `${msg.tag}: randomised`).toBe(false);
            expect(seen.has(c), `${msg.tag}: repeated ciphertext`).toBe(false);
            seen.add(c);
            ciphertexts++;
          }
        }
      }
      expect(ciphertexts).toBeGreaterThan(3000);
      const tags = new Set(net.messages.map((m) => m.tag.replace(/^\d+\/(\d+\/)?/, '')));
      expect([...tags].sort()).toEqual(
        [
          'bases',
          'd',
          'grad',
          'loss',
          'loss-guest',
          'loss-host',
          'reveal',
          'setup',
          'shares',
          'z',
        ].sort(),
      );
    },
    SLOW,
  );
});

/** Runs SSHE-LR expecting every party to fail (none left hanging). */
async function expectFailure(
  inputs: Record<string, Record<string, PortValue>>,
  hosts = 1,
  params: Record<string, unknown> = { maxIter: 1 },
): Promise<Record<string, PromiseSettledResult<ProgramResult>>> {
  const settled = await runComponentSettled(sshe, params, inputs, { pool, hosts });
  for (const [party, r] of Object.entries(settled))
    expect(r.status, `${party} should have failed`).toBe('rejected');
  return settled;
}

function reason(r: PromiseSettledResult<ProgramResult> | undefined): unknown {
  expect(r?.status).toBe('rejected');
  return (r as PromiseRejectedResult).reason;
}

describe('hetero-sshe-lr: refusals', () => {
  it('two hosts → HOSTS_UNSUPPORTED on every party, at once', async () => {
    const settled = await expectFailure(
      {
        guest: { data: dataset(guest) },
        'host-0': { data: dataset(host) },
        'host-1': { data: dataset(host) },
      },
      2,
    );
    expect(Object.keys(settled).sort()).toEqual(['guest', 'host-0', 'host-1']);
    for (const party of ['guest', 'host-0', 'host-1']) {
      const err = reason(settled[party]);
      expect(err).toBeInstanceOf(ComponentError);
      expect((err as ComponentError).code).toBe('HOSTS_UNSUPPORTED');
      expect((err as ComponentError).message).toContain('2 hosts');
    }
  });

  it('bad parameters are refused by the schema, naming the parameter', () => {
    const bad: [Record<string, unknown>, string, string][] = [
      [{ penalty: 'l1' }, 'penalty', 'L1'],
      [{ optimizer: 'adam' }, 'optimizer', 'sgd'],
      [{ keyBits: 1024 }, 'keyBits', '2048'],
      [{ earlyStop: 'diff', computeLoss: false }, 'computeLoss', 'computeLoss'],
      [{ fracBits: 60 }, 'fracBits', ''],
      [{ learningRate: 0 }, 'learningRate', ''],
    ];
    for (const [params, path, words] of bad) {
      const r = heteroSsheLrParams.safeParse(params);
      expect(r.success, JSON.stringify(params)).toBe(false);
      const issue = r.error?.issues[0];
      expect(issue?.path.join('.')).toBe(path);
      expect(issue?.message).toContain(words);
    }
    expect(heteroSsheLrParams.parse({}).keyBits).toBe(2048);
  });

  it('different row counts → ROWS_MISMATCH', async () => {
    const short: Frame = {
      ids: host.ids.slice(0, 500),
      x: { rows: 500, cols: host.x.cols, data: host.x.data.slice(0, 500 * host.x.cols) },
      featureNames: host.featureNames,
    };
    const settled = await expectFailure({
      guest: { data: dataset(guest) },
      'host-0': { data: dataset(short) },
    });
    const errs = [reason(settled['guest']), reason(settled['host-0'])];
    expect(errs.some((e) => e instanceof ComponentError && e.code === 'ROWS_MISMATCH')).toBe(true);
  });

  it('labels with 3 values → LABELS_NOT_BINARY; a huge feature → FEATURE_RANGE', async () => {
    const g = { ...guest, labels: (guest.labels as Float64Array).slice() };
    (g.labels as Float64Array)[3] = 2;
    let settled = await expectFailure({
      guest: { data: dataset(g) },
      'host-0': { data: dataset(host) },
    });
    expect((reason(settled['guest']) as ComponentError).code).toBe('LABELS_NOT_BINARY');
    const h = { ...host, x: { ...host.x, data: host.x.data.slice() } };
    h.x.data[7 * h.x.cols + 2] = 1e12;
    settled = await expectFailure({
      guest: { data: dataset(guest) },
      'host-0': { data: dataset(h) },
    });
    const err = reason(settled['host-0']) as ComponentError;
    expect(err.code).toBe('FEATURE_RANGE');
    expect(err.message).toContain(host.featureNames[2]);
  });
});

describe('hetero-sshe-lr building blocks', () => {
  it('secret-shared truncation: shares of ⌊x/2^s⌋ within one unit, the guest’s share uniform', () => {
    for (let t = 0; t < 2000; t++) {
      const mag = randomBits(100);
      const x = t % 2 === 0 ? mag : -mag;
      const s0 = randomBits(RING_BITS);
      const s1 = ring(x - s0);
      const back = BigInt.asIntN(
        RING_BITS,
        ring(truncateShare(s0, 60, 0) + truncateShare(s1, 60, 1)),
      );
      const want = x >> 60n; // floor
      expect(back - want >= -1n && back - want <= 1n, `x = ${x}`).toBe(true);
    }
  });

  it('features at the public scale: each entry within 2^−quantBits of its column maximum', () => {
    const x: Matrix = { rows: guest.x.rows, cols: guest.x.cols, data: guest.x.data };
    const f = secureFeatures(x, 24, true, guest.featureNames);
    expect(f.cols).toBe(guest.x.cols + 1);
    for (let j = 0; j < f.cols; j++) {
      let max = 0;
      for (let i = 0; i < x.rows; i++)
        max = Math.max(max, Math.abs(j < x.cols ? (x.data[i * x.cols + j] as number) : 1));
      for (let i = 0; i < x.rows; i++) {
        const v = j < x.cols ? (x.data[i * x.cols + j] as number) : 1;
        const q =
          ((f.exps[i * f.cols + j] as number) * 2 ** (f.baseFold[j] as number)) /
          2 ** FEATURE_SCALE_BITS;
        expect(Math.abs(q - v)).toBeLessThanOrEqual(max * 2 ** -24);
      }
    }
  });

  it(
    'masked packed product: shares add up to X·w exactly; the decrypting party’s slots are uniform whatever X is (KS test vs X = 0)',
    async () => {
      const keys = await generatePaillierKeyPair(2048);
      const pp = await pool.paillier(keys.publicKey, 6);
      const ev = new PaillierEvaluator(keys.publicKey);
      const own = { keys, pub: keys.publicKey, pp, ev };
      const peer = { pub: keys.publicKey, pp, ev };
      const rows = 64;
      const cols = 5;
      const xs = (zero: boolean): Matrix => ({
        rows,
        cols,
        data: Float64Array.from({ length: rows * cols }, (_, k) =>
          zero ? 0 : Math.sin(k * 7.3) * 3,
        ),
      });
      const layout = packLayout(2048, cols, 24);
      expect(layout.slots).toBeGreaterThanOrEqual(6);
      const all = Uint32Array.from({ length: rows }, (_, i) => i);
      const normalised: Record<string, number[]> = { x: [], zero: [] };
      for (const kind of ['x', 'zero'] as const) {
        const f = secureFeatures(xs(kind === 'zero'), 24, false, []);
        for (let rep = 0; rep < 40; rep++) {
          const w = Array.from({ length: cols }, () => randomBits(RING_BITS));
          const bases = await packedBases(own, w, layout);
          const { masked, shares } = await maskedPackedProduct(peer, bases, f, all, layout, 2);
          const packs = await pp.decryptRing(keys.privateKey, masked);
          const mine = unpackShares(packs, layout, rows);
          for (let r = 0; r < rows; r++) {
            let want = 0n;
            for (let j = 0; j < cols; j++)
              want +=
                BigInt(f.exps[r * cols + j] as number) *
                ((w[j] as bigint) << BigInt(f.baseFold[j] as number));
            expect(ring((mine[r] as bigint) + (shares[r] as bigint))).toBe(ring(want));
            // The raw slot integer, scaled to [0, 1) by its mask width 2^(bound+σ).
            const slot =
              ((packs[Math.floor(r / layout.slots)] as bigint) >>
                BigInt(layout.slotBits * (r % layout.slots))) &
              ((1n << BigInt(layout.slotBits)) - 1n);
            normalised[kind]!.push(Number(slot >> BigInt(layout.bound + STAT_BITS - 32)) / 2 ** 32);
          }
        }
      }
      // Two-sample Kolmogorov–Smirnov at α = 10⁻⁶ (2560 values each).
      const a = normalised['x']!.sort((u, v) => u - v);
      const b = normalised['zero']!.sort((u, v) => u - v);
      let i = 0;
      let j = 0;
      let dMax = 0;
      while (i < a.length && j < b.length) {
        if ((a[i] as number) <= (b[j] as number)) i++;
        else j++;
        dMax = Math.max(dMax, Math.abs(i / a.length - j / b.length));
      }
      const crit = Math.sqrt(-Math.log(1e-6 / 2) / 2) * Math.sqrt(2 / a.length);
      expect(dMax).toBeLessThan(crit);
      // And uniform on [0, 1): the mean of 2560 uniforms is 0.5 ± 0.03 (5σ).
      expect(Math.abs(a.reduce((s, v) => s + v, 0) / a.length - 0.5)).toBeLessThan(0.03);
    },
    SLOW,
  );
});
