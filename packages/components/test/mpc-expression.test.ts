/**
 * mpc-expression between the guest, host-0 and the arbiter (dealer): values equal the plaintext
 * float64 evaluation within the fixed-point error bounds of docs/protocols/mpc.md, comparisons
 * are exact, and unknown columns, unsupported operators and malformed expressions are refused
 * with the position and what is supported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '@fedgrid/crypto';
import {
  mpcExpression,
  parseExpression,
  type ComponentSpec,
  type PortValue,
  type ProgramResult,
} from '@fedgrid/components';
import type { Frame } from '@fedgrid/ml';
import { rng, runComponent, runComponentSettled } from './harness.js';

const spec = mpcExpression as ComponentSpec<unknown>;
let pool: CryptoPool;
beforeAll(() => {
  pool = new CryptoPool({ threads: 1 });
});
afterAll(async () => {
  await pool?.close();
});

function frame(ids: string[], names: string[], cols: number[][]): Frame {
  const n = ids.length;
  const data = new Float64Array(n * names.length);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < names.length; j++) data[i * names.length + j] = cols[j]![i]!;
  return { ids, x: { rows: n, cols: names.length, data }, featureNames: names };
}

const N = 64;
const r = rng(21);
const ids = Array.from({ length: N }, (_, i) => `e${String(i).padStart(3, '0')}`);
const a = ids.map((_, i) => (i === 0 ? 0 : (r() - 0.5) * 2000)); // guest
const b = ids.map(() => (r() - 0.3) * 50); // guest
const c = ids.map(() => 0.5 + r() * 900); // host, positive (divisor, sqrt)
const d = ids.map((_, i) => (i % 5 === 0 ? a[i]! : (r() - 0.5) * 2000)); // host; equal to a on every 5th row
const inputs: Record<string, Record<string, PortValue>> = {
  guest: { data: { kind: 'dataset', frame: frame(ids, ['a', 'b'], [a, b]) } },
  'host-0': {
    data: {
      kind: 'dataset',
      frame: frame([...ids].reverse(), ['c', 'd'], [[...c].reverse(), [...d].reverse()]),
    },
  },
};

async function run(
  expression: string,
  extra: Record<string, unknown> = {},
): Promise<Record<string, ProgramResult>> {
  return runComponent(spec, { expression, ...extra }, inputs, { pool, arbiter: true });
}
function values(out: Record<string, ProgramResult>): Float64Array {
  const v = out['guest']?.outputs['data'] as { frame: Frame };
  expect(v.frame.ids).toEqual(ids);
  return v.frame.x.data;
}
const U = 2 ** -20;

describe('mpc-expression', () => {
  it('linear terms and constants: within the encoding error of the inputs', async () => {
    const v = values(await run('a + 2 * c - d / 4 + 3.5 - -b'));
    v.forEach((x, i) =>
      expect(Math.abs(x - (a[i]! + 2 * c[i]! - d[i]! / 4 + 3.5 + b[i]!))).toBeLessThanOrEqual(
        8 * U,
      ),
    );
  });

  it('products and quotients of columns of two parties: within (|x|+|y|+4)·2^-20 and the reciprocal bound', async () => {
    const out = await run('a * b', { name: 'ab' });
    values(out).forEach((x, i) =>
      expect(Math.abs(x - a[i]! * b[i]!)).toBeLessThanOrEqual(
        (Math.abs(a[i]!) + Math.abs(b[i]!) + 4) * U,
      ),
    );
    expect(out['host-0']?.outputs['data']).toBeUndefined();
    values(await run('b / c')).forEach((x, i) => {
      const want = b[i]! / c[i]!;
      expect(Math.abs(x - want)).toBeLessThanOrEqual(
        Math.abs(want) * 2 ** -14 + (16 + Math.abs(b[i]!)) * U * 4,
      );
    });
  });

  it('comparisons, min/max and equality are exact', async () => {
    values(await run('a < d')).forEach((x, i) => expect(x).toBe(a[i]! < d[i]! ? 1 : 0));
    values(await run('a >= d')).forEach((x, i) => expect(x).toBe(a[i]! >= d[i]! ? 1 : 0));
    values(await run('a == d')).forEach((x, i) => expect(x).toBe(i % 5 === 0 ? 1 : 0));
    values(await run('max(a, d) - min(a, d)')).forEach((x, i) =>
      expect(Math.abs(x - Math.abs(a[i]! - d[i]!))).toBeLessThanOrEqual(2 * U),
    );
  });

  it('sqrt and abs; sum revealed as an aggregate only', async () => {
    values(await run('sqrt(c) + abs(a)')).forEach((x, i) =>
      expect(Math.abs(x - (Math.sqrt(c[i]!) + Math.abs(a[i]!)))).toBeLessThanOrEqual(
        Math.sqrt(c[i]!) * 2 ** -16 + 10 * U,
      ),
    );
    const out = await run('a + d', { output: 'sum' });
    const rep = (out['guest']?.outputs['report'] as unknown as { report: { sum: number } }).report;
    const want = a.reduce((s, x, i) => s + x + d[i]!, 0);
    expect(Math.abs(rep.sum - want)).toBeLessThanOrEqual(2 * N * U);
    expect((out['guest']?.outputs['data'] as { frame: Frame }).frame.ids).toEqual([]);
  });

  it('three parties (guest, host-0, host-1): a column of each in one expression', async () => {
    const e = ids.map(() => (r() - 0.5) * 100);
    const three = {
      ...inputs,
      'host-1': { data: { kind: 'dataset', frame: frame(ids, ['e'], [e]) } },
    } as Record<string, Record<string, PortValue>>;
    const out = await runComponent(spec, { expression: 'a - c * e + (b >= e)' }, three, {
      pool,
      hosts: 2,
      arbiter: true,
    });
    values(out).forEach((x, i) => {
      const want = a[i]! - c[i]! * e[i]! + (b[i]! >= e[i]! ? 1 : 0);
      expect(Math.abs(x - want)).toBeLessThanOrEqual((Math.abs(c[i]!) + Math.abs(e[i]!) + 8) * U);
    });
    expect(out['host-1']?.outputs['data']).toBeUndefined();
  });

  it('refuses unknown columns and unsupported operators with the position and what is supported', async () => {
    const reason = async (expression: string) => {
      const s = await runComponentSettled(spec, { expression }, inputs, { pool, arbiter: true });
      expect(s['guest']!.status).toBe('rejected');
      return (s['guest'] as PromiseRejectedResult).reason as Error & { code: string };
    };
    let e = await reason('a + e');
    expect(e.code).toBe('COLUMN_UNKNOWN');
    expect(e.message).toMatch(/unknown column 'e' \(columns: guest: a, b; host-0: c, d\)/);
    e = await reason('c * 2 + d');
    expect(e.code).toBe('DISCLOSURE');
    expect(e.message).toMatch(/uses only host-0's columns; revealing it row by row/);
    e = await reason('a % c');
    expect(e.code).toBe('EXPRESSION_OPERATOR');
    expect(e.message).toMatch(
      /position 3: unsupported operator '%' \(supported: \+ - \* \/ < <= > >= == != /,
    );
    for (const [src, code, msg] of [
      ['a ^ 2', 'EXPRESSION_OPERATOR', /unsupported operator '\^'/],
      ['a && c', 'EXPRESSION_OPERATOR', /unsupported operator '&&'/],
      ['a ** 2', 'EXPRESSION_OPERATOR', /unsupported operator '\*\*'/],
      ['log(a)', 'EXPRESSION_OPERATOR', /unsupported function 'log'/],
      ['(a + c', 'EXPRESSION_SYNTAX', /missing '\)'/],
      ['a / 0', 'EXPRESSION_SYNTAX', /division by the constant 0/],
      ['max(a)', 'EXPRESSION_SYNTAX', /max takes 2 arguments, got 1/],
      ['a +', 'EXPRESSION_SYNTAX', /ends where a value is expected/],
    ] as const)
      expect(() => parseExpression(src)).toThrow(
        expect.objectContaining({ code, message: expect.stringMatching(msg) }),
      );
    expect(parseExpression('`host-0:c` * 2')).toEqual({
      op: '*',
      a: { op: 'col', ref: 'host-0:c' },
      b: { op: 'num', value: 2 },
    });
  });
});
