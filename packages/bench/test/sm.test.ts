/** The SM primitive benches produce the contract's entries (names, params, units, fields). */
import { describe, expect, it } from 'vitest';
import { benchSm } from '@fedgrid/bench';

describe('benchSm', () => {
  it('reports sm2.sign, sm2.verify and sm4.encrypt with the contract fields', () => {
    const out = benchSm({ minSeconds: 0.01, signBytes: 64, sm4Bytes: 4096 });
    expect(out.map((r) => r.name)).toEqual(['sm2.sign', 'sm2.verify', 'sm4.encrypt']);
    expect(out.map((r) => r.unit)).toEqual(['operations', 'operations', 'bytes']);
    expect(out[0]?.params).toEqual({ bytes: 64 });
    expect(out[2]?.params).toEqual({ bytes: 4096 });
    for (const r of out) {
      expect(r.seconds).toBeGreaterThan(0);
      expect(r.per_second).toBeGreaterThan(0);
    }
    expect(out[0]?.count).toBeGreaterThanOrEqual(20);
    expect((out[2]?.count as number) % 4096).toBe(0);
    expect(out[2]?.['mb_per_second']).toBeGreaterThan(0);
  });
});
