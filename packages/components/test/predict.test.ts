/**
 * Federated HeteroLR scoring (hetero-lr-predict) against σ(X·w + b) computed in plaintext on the
 * joined table, with one to three hosts. The pairwise masks cancel exactly in Z_2^64 (32
 * fractional bits), so the only error is fixed-point rounding of each partial score (≤ 2^−33).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '@fedgrid/crypto';
import { MemoryNetwork, type Transport } from '@fedgrid/federation';
import {
  ComponentError,
  componentByCode,
  heteroLrPredict,
  predictorFor,
  type ComponentSpec,
  type ModelPart,
  type PortValue,
  type ProgramResult,
} from '@fedgrid/components';
import type { Frame } from '@fedgrid/ml';
import { runComponent, runComponentSettled, rng } from './harness.js';

const predict = heteroLrPredict as ComponentSpec<unknown>;

let pool: CryptoPool;
beforeAll(() => {
  pool = new CryptoPool({ threads: 2 });
});
afterAll(async () => {
  await pool?.close();
});

interface Party {
  frame: Frame;
  model: ModelPart;
  /** Weight per column of `frame` (0 for columns the model does not use). */
  wByColumn: number[];
}

/**
 * A party with `d` random feature columns named `${prefix}0…`, and a model over those features
 * (optionally listing them in a different order than the data's columns).
 */
function makeParty(
  rand: () => number,
  ids: string[],
  prefix: string,
  d: number,
  role: 'guest' | 'host',
  opts: { shuffleModel?: boolean; labels?: boolean } = {},
): Party {
  const n = ids.length;
  const data = Float64Array.from({ length: n * d }, () => (rand() - 0.5) * 6);
  const names = Array.from({ length: d }, (_, j) => `${prefix}${j}`);
  const wByColumn = Array.from({ length: d }, () => (rand() - 0.5) * 2);
  const order = names.map((_, j) => j);
  if (opts.shuffleModel) order.reverse();
  const model: ModelPart = {
    algorithm: 'hetero-lr',
    role,
    featureNames: order.map((j) => names[j] as string),
    weights: order.map((j) => wByColumn[j] as number),
    ...(role === 'guest' ? { intercept: (rand() - 0.5) * 2 } : {}),
  };
  return {
    frame: {
      ids,
      x: { rows: n, cols: d, data },
      featureNames: names,
      ...(opts.labels
        ? { labels: Float64Array.from(ids, () => (rand() < 0.5 ? 0 : 1)), labelName: 'y' }
        : {}),
    },
    model,
    wByColumn,
  };
}

function partial(p: Party, i: number): number {
  let s = 0;
  for (let j = 0; j < p.frame.x.cols; j++)
    s += (p.frame.x.data[i * p.frame.x.cols + j] as number) * (p.wByColumn[j] as number);
  return s;
}

/** The plaintext reference: σ(z_g + b + Σ_k u_k), row by row. */
function plainScores(g: Party, hosts: Party[]): Float64Array {
  const b = g.model['intercept'] as number;
  return Float64Array.from(g.frame.ids, (_, i) => {
    const z = b + partial(g, i) + hosts.reduce((a, h) => a + partial(h, i), 0);
    return 1 / (1 + Math.exp(-z));
  });
}

function inputsOf(g: Party, hosts: Party[]): Record<string, Record<string, PortValue>> {
  const inputs: Record<string, Record<string, PortValue>> = {
    guest: { data: { kind: 'dataset', frame: g.frame }, model: { kind: 'model', model: g.model } },
  };
  hosts.forEach(
    (h, k) =>
      (inputs[`host-${k}`] = {
        data: { kind: 'dataset', frame: h.frame },
        model: { kind: 'model', model: h.model },
      }),
  );
  return inputs;
}

function predictionsOf(
  r: ProgramResult | undefined,
): Extract<PortValue, { kind: 'predictions' }>['predictions'] {
  const v = r?.outputs['predictions'];
  expect(v?.kind).toBe('predictions');
  return (v as Extract<PortValue, { kind: 'predictions' }>).predictions;
}

/** A memory network that records every payload a host pushes to the guest's node. */
class RecordingNetwork extends MemoryNetwork {
  readonly sent: { from: string; tag: string; data: Uint8Array }[] = [];
  override transport(fromNodeId: string): Transport {
    const inner = super.transport(fromNodeId);
    return {
      ...inner,
      push: async (nodeId, env) => {
        if (nodeId === 'guest')
          this.sent.push({ from: fromNodeId, tag: env.tag, data: env.data.slice() });
        return inner.push(nodeId, env);
      },
    };
  }
}

/** The 8 little-endian bytes of v in the 64-bit fixed-point ring (32 fractional bits). */
function ring64(v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(BigInt.asIntN(64, BigInt(Math.round(v * 2 ** 32))));
  return b;
}

const TOL = 1e-8;

async function checkScores(
  hostCount: number,
  seed: number,
  n = 300,
): Promise<{ network: RecordingNetwork; g: Party; hosts: Party[] }> {
  const rand = rng(seed);
  const ids = Array.from({ length: n }, (_, i) => `row-${i}`);
  const g = makeParty(rand, ids, 'g', 4, 'guest', { labels: true });
  const hosts = Array.from({ length: hostCount }, (_, k) =>
    makeParty(rand, ids, `h${k}_`, 3 + k, 'host', { shuffleModel: k % 2 === 1 }),
  );
  const network = new RecordingNetwork();
  const results = await runComponent(predict, {}, inputsOf(g, hosts), {
    pool,
    hosts: hostCount,
    network,
  });
  const preds = predictionsOf(results['guest']);
  const expected = plainScores(g, hosts);
  expect(preds.ids).toEqual(ids);
  expect(preds.scores.length).toBe(n);
  let maxDiff = 0;
  for (let i = 0; i < n; i++)
    maxDiff = Math.max(maxDiff, Math.abs((preds.scores[i] as number) - (expected[i] as number)));
  expect(maxDiff).toBeLessThanOrEqual(TOL);
  expect(Array.from(preds.labels ?? [])).toEqual(Array.from(g.frame.labels as Float64Array));
  // Scores span a real range (the reference is not trivially constant).
  expect(Math.min(...expected)).toBeLessThan(0.2);
  expect(Math.max(...expected)).toBeGreaterThan(0.8);
  // Hosts have no output.
  hosts.forEach((_, k) => expect(results[`host-${k}`]?.outputs['predictions']).toBeUndefined());
  return { network, g, hosts };
}

/** Whether the first rows of a host's raw (unmasked) partial score appear in what it sent. */
function rawPartialSent(network: RecordingNetwork, host: string, p: Party): boolean {
  const raw = Buffer.concat(Array.from({ length: 8 }, (_, i) => ring64(partial(p, i))));
  return network.sent.filter((s) => s.from === host).some((s) => Buffer.from(s.data).includes(raw));
}

describe('hetero-lr-predict vs plaintext σ(Xw + b)', () => {
  it('one host: scores match; its partial score reaches the guest as is (nothing to mask against)', async () => {
    const { network, hosts } = await checkScores(1, 11);
    // Positive control for the masking checks below: the detector finds an unmasked partial.
    expect(rawPartialSent(network, 'host-0', hosts[0] as Party)).toBe(true);
  });

  it('two hosts: scores match, and neither host sends its partial score unmasked', async () => {
    const { network, hosts } = await checkScores(2, 12);
    hosts.forEach((h, k) => expect(rawPartialSent(network, `host-${k}`, h)).toBe(false));
  });

  it('three hosts: scores match, and no host sends its partial score unmasked', async () => {
    const { network, hosts } = await checkScores(3, 13);
    hosts.forEach((h, k) => expect(rawPartialSent(network, `host-${k}`, h)).toBe(false));
  });

  it('prediction data with extra and reordered columns: weights are applied by feature name', async () => {
    const rand = rng(14);
    const n = 120;
    const ids = Array.from({ length: n }, (_, i) => `id${i}`);
    const g = makeParty(rand, ids, 'g', 3, 'guest');
    const h = makeParty(rand, ids, 'h', 4, 'host');
    // Host data for prediction: columns reversed plus an extra column the model does not use.
    const d = h.frame.x.cols;
    const cols = [...Array.from({ length: d }, (_, j) => d - 1 - j)];
    const data = new Float64Array(n * (d + 1));
    for (let i = 0; i < n; i++) {
      cols.forEach((c, k) => (data[i * (d + 1) + k] = h.frame.x.data[i * d + c] as number));
      data[i * (d + 1) + d] = 1e6; // would dominate every score if it were used
    }
    const reordered: Frame = {
      ids,
      x: { rows: n, cols: d + 1, data },
      featureNames: [...cols.map((c) => h.frame.featureNames[c] as string), 'unused'],
    };
    const inputs = inputsOf(g, [h]);
    (inputs['host-0'] as Record<string, PortValue>)['data'] = { kind: 'dataset', frame: reordered };
    const results = await runComponent(predict, {}, inputs, { pool, hosts: 1 });
    const preds = predictionsOf(results['guest']);
    const expected = plainScores(g, [h]);
    for (let i = 0; i < n; i++)
      expect(Math.abs((preds.scores[i] as number) - (expected[i] as number))).toBeLessThanOrEqual(
        TOL,
      );
    // No labels on the guest frame → none on the predictions.
    expect(preds.labels).toBeUndefined();
  });

  it('a host model with a feature missing in its data → FEATURE_MISSING, and every party stops', async () => {
    const rand = rng(15);
    const ids = Array.from({ length: 50 }, (_, i) => `id${i}`);
    const g = makeParty(rand, ids, 'g', 2, 'guest');
    const h0 = makeParty(rand, ids, 'a', 2, 'host');
    const h1 = makeParty(rand, ids, 'b', 3, 'host');
    h1.model = { ...h1.model, featureNames: ['b0', 'b1', 'not_in_data'] };
    const settled = await runComponentSettled(predict, {}, inputsOf(g, [h0, h1]), {
      pool,
      hosts: 2,
    });
    const r = settled['host-1'];
    expect(r?.status).toBe('rejected');
    const err = (r as PromiseRejectedResult).reason as ComponentError;
    expect(err).toBeInstanceOf(ComponentError);
    expect(err.code).toBe('FEATURE_MISSING');
    expect(err.message).toContain('not_in_data');
    // The guest cannot produce scores without that host's partial.
    expect(settled['guest']?.status).toBe('rejected');
  });

  it('a host scoring a different number of rows → ROWS_MISMATCH on the guest', async () => {
    const rand = rng(17);
    const ids = Array.from({ length: 30 }, (_, i) => `id${i}`);
    const g = makeParty(rand, ids, 'g', 2, 'guest');
    const h = makeParty(rand, ids.slice(0, 29), 'h', 2, 'host');
    const settled = await runComponentSettled(predict, {}, inputsOf(g, [h]), { pool, hosts: 1 });
    const r = settled['guest'];
    expect(r?.status).toBe('rejected');
    const err = (r as PromiseRejectedResult).reason as ComponentError;
    expect(err).toBeInstanceOf(ComponentError);
    expect(err.code).toBe('ROWS_MISMATCH');
  });

  it('a guest model with a feature missing in its data → FEATURE_MISSING', async () => {
    const rand = rng(16);
    const ids = Array.from({ length: 20 }, (_, i) => `id${i}`);
    const g = makeParty(rand, ids, 'g', 2, 'guest');
    const h = makeParty(rand, ids, 'h', 2, 'host');
    g.model = { ...g.model, featureNames: ['g0', 'gX'] };
    const settled = await runComponentSettled(predict, {}, inputsOf(g, [h]), { pool, hosts: 1 });
    const r = settled['guest'];
    expect(r?.status).toBe('rejected');
    const err = (r as PromiseRejectedResult).reason as ComponentError;
    expect(err).toBeInstanceOf(ComponentError);
    expect(err.code).toBe('FEATURE_MISSING');
    expect(err.message).toContain('gX');
  });
});

describe('the generic predict component dispatches through the training components’ declarations', () => {
  const generic = componentByCode('predict');

  it('every model kind of issue 12 has a declared predict program, found by its algorithm', () => {
    for (const algorithm of [
      'hetero-lr',
      'hetero-linr',
      'hetero-poisson',
      'hetero-sshe-lr',
      'secureboost',
      'homo-lr',
      'homo-linr',
      'homo-nn',
      'homo-kmeans',
    ])
      expect(predictorFor(algorithm)?.component).toBe(algorithm);
    expect(predictorFor('psi-ecdh')).toBeUndefined();
    // The aliases of earlier releases are the same dispatch under their old codes.
    for (const code of ['hetero-lr-predict', 'secureboost-predict', 'homo-predict'])
      expect(componentByCode(code).inputs.map((p) => p.name)).toEqual(['data', 'model']);
  });

  it('`predict` scores a hetero-lr model exactly like the hetero-lr-predict alias', async () => {
    const rand = rng(21);
    const ids = Array.from({ length: 40 }, (_, i) => `id${i}`);
    const g = makeParty(rand, ids, 'g', 2, 'guest');
    const h = makeParty(rand, ids, 'h', 3, 'host');
    const a = await runComponent(generic, {}, inputsOf(g, [h]), { pool, hosts: 1 });
    const b = await runComponent(predict, {}, inputsOf(g, [h]), { pool, hosts: 1 });
    expect(Array.from(predictionsOf(a['guest']).scores)).toEqual(
      Array.from(predictionsOf(b['guest']).scores),
    );
  });

  it('a model part no component declares → MODEL_KIND naming the algorithm', async () => {
    const rand = rng(22);
    const ids = Array.from({ length: 10 }, (_, i) => `id${i}`);
    const g = makeParty(rand, ids, 'g', 2, 'guest');
    const h = makeParty(rand, ids, 'h', 2, 'host');
    g.model = { ...g.model, algorithm: 'no-such-algorithm' };
    h.model = { ...h.model, algorithm: 'no-such-algorithm' };
    const settled = await runComponentSettled(generic, {}, inputsOf(g, [h]), { pool, hosts: 1 });
    const err = (settled['guest'] as PromiseRejectedResult).reason as ComponentError;
    expect(err.code).toBe('MODEL_KIND');
    expect(err.message).toContain('no-such-algorithm');
  });

  it('host and guest parts of different trainings → MODEL_MISMATCH before any score is used', async () => {
    const rand = rng(23);
    const ids = Array.from({ length: 10 }, (_, i) => `id${i}`);
    const g = makeParty(rand, ids, 'g', 2, 'guest');
    const h = makeParty(rand, ids, 'h', 2, 'host');
    const inputs = inputsOf(g, [h]);
    inputs['guest']!['model'] = {
      kind: 'model',
      model: g.model,
      origin: { jobId: 'j1', task: 'train' },
    };
    inputs['host-0']!['model'] = {
      kind: 'model',
      model: h.model,
      origin: { jobId: 'j2', task: 'train' },
    };
    const settled = await runComponentSettled(generic, {}, inputs, { pool, hosts: 1 });
    const err = (settled['guest'] as PromiseRejectedResult).reason as ComponentError;
    expect(err.code).toBe('MODEL_MISMATCH');
    expect(err.message).toContain('j2');
  });
});
