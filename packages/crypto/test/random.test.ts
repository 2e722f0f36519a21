/** securePermutation: a permutation of 0 … n−1, Fisher–Yates over the injected draw. */
import { describe, expect, it } from 'vitest';
import { securePermutation } from '@fedgrid/crypto';

describe('securePermutation', () => {
  it('returns a permutation of 0 … n−1 (n = 0, 1, 1000)', () => {
    expect(Array.from(securePermutation(0))).toEqual([]);
    expect(Array.from(securePermutation(1))).toEqual([0]);
    const p = Array.from(securePermutation(1000));
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    // P(identity) = 1/1000!.
    expect(p).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('is Fisher–Yates over the draw: bound i + 1 for i = n − 1 … 1', () => {
    const bounds: number[] = [];
    // Always the last slot: no swap, the identity.
    const p = securePermutation(5, (bound) => (bounds.push(bound), bound - 1));
    expect(Array.from(p)).toEqual([0, 1, 2, 3, 4]);
    expect(bounds).toEqual([5, 4, 3, 2]);
    // Always slot 0: a rotation, p = [1, 2, 3, 4, 0].
    expect(Array.from(securePermutation(5, () => 0))).toEqual([1, 2, 3, 4, 0]);
  });

  it('refuses a length that is not an integer in 0 … 2^32 − 1', () => {
    for (const n of [-1, 1.5, NaN, 2 ** 32]) expect(() => securePermutation(n)).toThrow(RangeError);
  });
});
