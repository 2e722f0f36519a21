/**
 * The pieces of bucketed PSI on their own: the public bucket hash, the partition (distinct ids,
 * first occurrence, grouped by bucket), the secret per-bucket permutation and the point index.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  bucketWire,
  DUMMY_ROW,
  fnv1aUtf8,
  partitionIds,
  securePermutationYielding,
} from '../src/psi-ecdh/buckets.js';
import { PointIndex } from '../src/psi-ecdh/point-index.js';

describe('fnv1aUtf8', () => {
  it('is FNV-1a-32 of the UTF-8 bytes (published test vectors, and non-ASCII via Buffer)', () => {
    expect(fnv1aUtf8('')).toBe(0x811c9dc5);
    expect(fnv1aUtf8('a')).toBe(0xe40c292c);
    expect(fnv1aUtf8('foobar')).toBe(0xbf9cf968);
    const reference = (s: string) => {
      let h = 0x811c9dc5;
      for (const b of Buffer.from(s, 'utf8')) h = Math.imul(h ^ b, 0x01000193) >>> 0;
      return h;
    };
    for (const s of ['é', '東京', '🙂x', 'a\u0301', '𝔘𝔫𝔦', 'ü-1\u07ff\u0800\uffff'])
      expect(fnv1aUtf8(s)).toBe(reference(s));
  });
});

describe('partitionIds', () => {
  it('keeps each distinct id once (first occurrence), in row order within its bucket', async () => {
    const ids = ['b', 'a', 'c', 'a', 'd', 'b', 'e', 'f', 'c', 'g'];
    for (const buckets of [1, 3, 64]) {
      const p = await partitionIds(ids, buckets);
      expect(p.unique).toBe(7);
      const rows = Array.from(p.rows);
      expect([...rows].sort((x, y) => x - y)).toEqual([0, 1, 2, 4, 6, 7, 9]);
      let largest = 0;
      for (let b = 0; b < buckets; b++) {
        const inB = rows.slice(p.offsets[b], p.offsets[b + 1]);
        expect(inB).toEqual([...inB].sort((x, y) => x - y));
        for (const r of inB) expect(buckets === 1 ? 0 : fnv1aUtf8(ids[r]!) % buckets).toBe(b);
        largest = Math.max(largest, inB.length);
      }
      expect(p.largest).toBe(largest);
    }
  });

  it('an empty table has empty buckets', async () => {
    const p = await partitionIds([], 5);
    expect(p.unique).toBe(0);
    expect(p.largest).toBe(0);
    expect(Array.from(p.offsets)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('refuses a bucket count outside 1 … 65536', async () => {
    await expect(partitionIds(['a'], 0)).rejects.toThrow(/buckets must be an integer/);
    await expect(partitionIds(['a'], 70_000)).rejects.toThrow(/buckets must be an integer/);
  });
});

describe('securePermutationYielding and bucketWire', () => {
  it('returns a permutation (n = 0, 1, 200,000)', async () => {
    expect(Array.from(await securePermutationYielding(0))).toEqual([]);
    expect(Array.from(await securePermutationYielding(1))).toEqual([0]);
    const p = await securePermutationYielding(200_000);
    const seen = new Uint8Array(200_000);
    for (const v of p) seen[v] = (seen[v] ?? 0) + 1;
    expect(seen.every((c) => c === 1)).toBe(true);
  });

  it('draws every permutation of 3 about equally often (6 × 1500 expected of 9000)', async () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 9000; i++) {
      const k = Array.from(await securePermutationYielding(3)).join('');
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    // σ ≈ 35: the bounds are more than 10σ away from 1500.
    for (const c of counts.values()) {
      expect(c).toBeGreaterThan(1100);
      expect(c).toBeLessThan(1900);
    }
  });

  it('bucketWire places every row once and pads with dummies', async () => {
    const rows = Uint32Array.from([4, 9, 17]);
    const wire = await bucketWire(rows, 5);
    expect(wire.length).toBe(5);
    expect(Array.from(wire).filter((r) => r === DUMMY_ROW).length).toBe(2);
    expect(
      Array.from(wire)
        .filter((r) => r !== DUMMY_ROW)
        .sort((a, b) => a - b),
    ).toEqual([4, 9, 17]);
  });
});

describe('PointIndex', () => {
  it('finds every indexed point at its position and nothing else', () => {
    const width = 7;
    const count = 5000;
    const points = new Uint8Array(randomBytes(count * width)); // 56-bit points: no repeats
    // Force shared hash prefixes: points 1 and 2 differ only in their last byte.
    points.set(points.subarray(width, 2 * width), 2 * width);
    points[3 * width - 1] = (points[2 * width - 1]! + 1) & 0xff;
    const index = new PointIndex(points, width);
    expect(index.size).toBe(count);
    for (let j = 0; j < count; j++) expect(index.find(points, j * width)).toBe(j);
    const other = Uint8Array.from(points.subarray(0, width));
    other[width - 1] = (other[width - 1]! + 1) & 0xff;
    expect(index.find(other, 0)).toBe(-1);
    expect(new PointIndex(new Uint8Array(0), 6).find(other, 0)).toBe(-1);
  });

  it('refuses a width out of 4 … 32 or a ragged buffer', () => {
    expect(() => new PointIndex(new Uint8Array(6), 3)).toThrow(/4 … 32/);
    expect(() => new PointIndex(new Uint8Array(10), 6)).toThrow(/not a multiple/);
  });
});
