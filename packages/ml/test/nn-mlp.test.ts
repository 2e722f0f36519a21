/**
 * The tfjs MLP's plumbing: backend selection, the documented flat weight layout (checked against
 * a forward pass written here in plain JavaScript), exact get/set round trips, determinism per
 * seed, output shapes, input checks, and no tensor leaks across repeated local rounds.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom, createMlp, glorotUniformInit, initMlpBackend, matrix } from '@fedgrid/ml';
import type { Matrix } from '@fedgrid/ml';

function uniformMatrix(rows: number, cols: number, seed: number): Matrix {
  const r = new SeededRandom(seed);
  const d = new Float64Array(rows * cols);
  for (let i = 0; i < d.length; i++) d[i] = 2 * r.next() - 1;
  return matrix(rows, cols, d);
}

function float32Vector(n: number, seed: number): Float64Array {
  const r = new SeededRandom(seed);
  return Float64Array.from({ length: n }, () => Math.fround(r.next() - 0.5));
}

let backend: string;
beforeAll(async () => {
  backend = await initMlpBackend();
});

describe('initMlpBackend', () => {
  it('selects wasm, once', async () => {
    expect(backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(await initMlpBackend()).toBe('wasm');
  });
});

describe('weights', () => {
  it('start as the seeded Glorot initialisation, in the flat layout', () => {
    const m = createMlp({ hidden: [5, 4], task: 'multiclass', classes: 3 }, 3, 11);
    expect(m.parameterCount).toBe(3 * 5 + 5 + 5 * 4 + 4 + 4 * 3 + 3);
    const layers = [
      { fanIn: 3, fanOut: 5 },
      { fanIn: 5, fanOut: 4 },
      { fanIn: 4, fanOut: 3 },
    ];
    expect(m.getWeights()).toEqual(glorotUniformInit(layers, 11));
    m.dispose();
  });

  it('round-trip exactly through set/get', () => {
    const m = createMlp({ hidden: [8], task: 'binary' }, 4, 1);
    const w = float32Vector(m.parameterCount, 99);
    m.setWeights(w);
    expect(m.getWeights()).toEqual(w);
    const again = m.getWeights();
    m.setWeights(again);
    expect(m.getWeights()).toEqual(again);
    m.dispose();
  });

  it('setWeights rejects a wrong length or non-finite values', () => {
    const m = createMlp({ hidden: [8], task: 'binary' }, 4, 1);
    expect(() => m.setWeights(new Float64Array(m.parameterCount - 1))).toThrow(
      /got 48 parameters, the model has 49/,
    );
    expect(() => m.setWeights(new Float64Array(m.parameterCount + 1))).toThrow(RangeError);
    const bad = new Float64Array(m.parameterCount);
    bad[3] = Number.NaN;
    expect(() => m.setWeights(bad)).toThrow(/parameter 3 is NaN/);
    m.dispose();
  });

  it('follow the documented layout: per layer kernel (fanIn × fanOut row-major) then bias', () => {
    // A 3 → 2 (relu) → 1 regression net computed by hand from the flat vector.
    const m = createMlp({ hidden: [2], task: 'regression' }, 3, 5);
    const w = float32Vector(m.parameterCount, 7); // 3·2 + 2 + 2·1 + 1 = 11
    m.setWeights(w);
    const x = uniformMatrix(6, 3, 3);
    const got = m.predict(x);
    for (let r = 0; r < x.rows; r++) {
      let out = w[10]!;
      for (let j = 0; j < 2; j++) {
        let z = w[6 + j]!;
        for (let i = 0; i < 3; i++) z += x.data[r * 3 + i]! * w[i * 2 + j]!;
        out += Math.max(z, 0) * w[8 + j]!;
      }
      expect(got[r]).toBeCloseTo(out, 5);
    }
    m.dispose();
  });
});

describe('determinism', () => {
  it('same seed → identical weights, before and after identical training', async () => {
    const spec = { hidden: [6, 3], task: 'binary' as const, activation: 'tanh' as const };
    const a = createMlp(spec, 4, 123);
    const b = createMlp(spec, 4, 123);
    const c = createMlp(spec, 4, 124);
    expect(b.getWeights()).toEqual(a.getWeights());
    expect(c.getWeights()).not.toEqual(a.getWeights());
    const x = uniformMatrix(50, 4, 1);
    const y = Float64Array.from({ length: 50 }, (_, i) => (x.data[i * 4]! > 0 ? 1 : 0));
    const opts = { epochs: 3, batchSize: 8, learningRate: 0.1, seed: 9 };
    const ra = await a.fit(x, y, opts);
    const rb = await b.fit(x, y, opts);
    expect(rb.loss).toEqual(ra.loss);
    expect(b.getWeights()).toEqual(a.getWeights());
    // Another shuffle seed visits the rows in another order, so training ends elsewhere.
    const d = createMlp(spec, 4, 123);
    await d.fit(x, y, { ...opts, seed: 10 });
    expect(d.getWeights()).not.toEqual(a.getWeights());
    [a, b, c, d].forEach((m) => m.dispose());
  });
});

describe('predict', () => {
  const x = uniformMatrix(7, 3, 2);

  it('binary: one probability per row', () => {
    const m = createMlp({ hidden: [4], task: 'binary' }, 3, 1);
    const p = m.predict(x);
    expect(p.length).toBe(7);
    for (const v of p) expect(v > 0 && v < 1).toBe(true);
    m.dispose();
  });

  it('multiclass: rows × classes probabilities that sum to 1 per row', () => {
    const m = createMlp({ hidden: [4], task: 'multiclass', classes: 4 }, 3, 1);
    const p = m.predict(x);
    expect(p.length).toBe(7 * 4);
    for (let r = 0; r < 7; r++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += p[r * 4 + k]!;
      expect(s).toBeCloseTo(1, 5);
    }
    m.dispose();
  });

  it('regression: one value per row; no rows → empty', () => {
    const m = createMlp({ hidden: [], task: 'regression' }, 3, 1);
    expect(m.predict(x).length).toBe(7);
    expect(m.predict(matrix(0, 3)).length).toBe(0);
    m.dispose();
  });

  it('rejects a matrix with the wrong column count', () => {
    const m = createMlp({ hidden: [4], task: 'binary' }, 3, 1);
    expect(() => m.predict(uniformMatrix(2, 4, 1))).toThrow(
      /4 columns but the model was built for 3/,
    );
    m.dispose();
  });
});

describe('fit input checks', () => {
  const x = uniformMatrix(10, 2, 4);
  const m = () => createMlp({ hidden: [3], task: 'multiclass', classes: 3 }, 2, 1);
  const ok = { epochs: 1, batchSize: 4, learningRate: 0.1 };

  it('rejects bad labels, shapes and options', async () => {
    const model = m();
    const y = new Float64Array(10);
    await expect(model.fit(x, new Float64Array(9), ok)).rejects.toThrow(
      /9 labels but x has 10 rows/,
    );
    y[2] = 3;
    await expect(model.fit(x, y, ok)).rejects.toThrow(/row 2 has label 3/);
    y[2] = 0;
    await expect(model.fit(x, y, { ...ok, epochs: 0 })).rejects.toThrow(/epochs = 0/);
    await expect(model.fit(x, y, { ...ok, batchSize: 1.5 })).rejects.toThrow(/batchSize/);
    await expect(model.fit(x, y, { ...ok, learningRate: -1 })).rejects.toThrow(/learningRate/);
    await expect(
      model.fit(x, y, { ...ok, proximal: { mu: 1, global: new Float64Array(3) } }),
    ).rejects.toThrow(/proximal.global: got 3 parameters/);
    await expect(
      model.fit(x, y, { ...ok, proximal: { mu: -1, global: model.getWeights() } }),
    ).rejects.toThrow(/mu = -1/);
    model.dispose();
    expect(() => model.getWeights()).toThrow(/disposed/);
  });
});

describe('memory', () => {
  it('keeps the tensor count constant across repeated local rounds and frees all on dispose', async () => {
    const before = tf.memory().numTensors;
    const model = createMlp({ hidden: [8, 4], task: 'multiclass', classes: 3 }, 3, 2);
    const x = uniformMatrix(60, 3, 8);
    const y = Float64Array.from({ length: 60 }, (_, i) => i % 3);
    const global = model.getWeights();
    const counts: number[] = [];
    for (let round = 0; round < 4; round++) {
      await model.fit(x, y, {
        epochs: 2,
        batchSize: 16,
        learningRate: 0.01,
        optimizer: round % 2 === 0 ? 'adam' : 'sgd',
        proximal: { mu: 0.1, global },
        seed: round,
      });
      model.predict(x);
      model.setWeights(model.getWeights());
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    expect(counts[0]).toBe(before + 6); // 3 layers × (kernel, bias)
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
