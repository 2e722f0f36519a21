/**
 * MLP specs and flat layout: validation errors, layer shapes, parameter counts by hand, and the
 * seeded Glorot-uniform initialiser. None of this loads TensorFlow.js.
 */
import { describe, expect, it } from 'vitest';
import {
  createMlp,
  glorotUniformInit,
  mlpLayerShapes,
  mlpParameterCount,
  resolveMlpSpec,
} from '@fedgrid/ml';

describe('resolveMlpSpec', () => {
  it('fills in relu and the output units', () => {
    expect(resolveMlpSpec({ hidden: [32, 16], task: 'binary' })).toEqual({
      hidden: [32, 16],
      activation: 'relu',
      task: 'binary',
      outputs: 1,
    });
    expect(resolveMlpSpec({ hidden: [], task: 'multiclass', classes: 3 }).outputs).toBe(3);
    expect(resolveMlpSpec({ hidden: [4], task: 'regression', activation: 'tanh' }).outputs).toBe(1);
  });

  it('rejects bad specs with RangeErrors that name the field', () => {
    expect(() => resolveMlpSpec({ hidden: [32, 0], task: 'binary' })).toThrow(/hidden\[1\] = 0/);
    expect(() => resolveMlpSpec({ hidden: [2.5], task: 'binary' })).toThrow(RangeError);
    expect(() =>
      resolveMlpSpec({ hidden: [4], task: 'binary', activation: 'gelu' as 'relu' }),
    ).toThrow(/activation 'gelu'/);
    expect(() => resolveMlpSpec({ hidden: [4], task: 'ranking' as 'binary' })).toThrow(
      /task 'ranking'/,
    );
    expect(() => resolveMlpSpec({ hidden: [4], task: 'multiclass' })).toThrow(/classes/);
    expect(() => resolveMlpSpec({ hidden: [4], task: 'multiclass', classes: 1 })).toThrow(
      RangeError,
    );
    expect(() => resolveMlpSpec({ hidden: [4], task: 'binary', classes: 2 })).toThrow(
      /only to task 'multiclass'/,
    );
    expect(() => resolveMlpSpec({ hidden: 8 as unknown as number[], task: 'binary' })).toThrow(
      RangeError,
    );
  });
});

describe('layer shapes and parameter count', () => {
  it('lists hidden layers then the output layer', () => {
    const spec = resolveMlpSpec({ hidden: [32, 16], task: 'multiclass', classes: 3 });
    expect(mlpLayerShapes(spec, 9)).toEqual([
      { fanIn: 9, fanOut: 32 },
      { fanIn: 32, fanOut: 16 },
      { fanIn: 16, fanOut: 3 },
    ]);
  });

  it('counts kernels and biases', () => {
    // 9·32 + 32 + 32·16 + 16 + 16·3 + 3
    expect(mlpParameterCount({ hidden: [32, 16], task: 'multiclass', classes: 3 }, 9)).toBe(899);
    expect(mlpParameterCount({ hidden: [], task: 'binary' }, 5)).toBe(6);
    expect(() => mlpParameterCount({ hidden: [4], task: 'binary' }, 0)).toThrow(/inputs = 0/);
  });
});

describe('glorotUniformInit', () => {
  const layers = [
    { fanIn: 6, fanOut: 10 },
    { fanIn: 10, fanOut: 2 },
  ];

  it('draws kernels in ±√(6/(fanIn+fanOut)), zero biases, float32 values, same seed → same vector', () => {
    const w = glorotUniformInit(layers, 42);
    expect(w.length).toBe(6 * 10 + 10 + 10 * 2 + 2);
    const a1 = Math.sqrt(6 / 16);
    const a2 = Math.sqrt(6 / 12);
    for (let i = 0; i < 60; i++) expect(Math.abs(w[i]!)).toBeLessThanOrEqual(a1);
    for (let i = 60; i < 70; i++) expect(w[i]).toBe(0);
    for (let i = 70; i < 90; i++) expect(Math.abs(w[i]!)).toBeLessThanOrEqual(a2);
    for (let i = 90; i < 92; i++) expect(w[i]).toBe(0);
    for (const v of w) expect(Math.fround(v)).toBe(v);
    expect(glorotUniformInit(layers, 42)).toEqual(w);
    expect(glorotUniformInit(layers, 43)).not.toEqual(w);
  });
});

describe('createMlp before initMlpBackend', () => {
  it('throws telling to await initMlpBackend()', () => {
    expect(() => createMlp({ hidden: [4], task: 'binary' }, 3, 1)).toThrow(/initMlpBackend/);
  });

  it('checks the spec first', () => {
    expect(() => createMlp({ hidden: [-1], task: 'binary' }, 3, 1)).toThrow(RangeError);
  });
});
