/**
 * The public X25519 wrappers x25519Batch / hashToPoints, on the native path (this process) and
 * on the portable node:crypto fallback (a child process started with FEDGRID_NATIVE=0: the
 * binding reads that variable once per process). References: RFC 7748 test vectors, an RFC 7748
 * §5 Montgomery ladder in BigInt written here, and SHA-256 from node:crypto over explicit UTF-8.
 */
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  hashToPoints,
  nativeBinding,
  nativeLoadError,
  x25519Backend,
  x25519Batch,
  X25519_BYTES,
} from '@fedgrid/crypto';

const P = 2n ** 255n - 19n;

function hex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'hex'));
}
function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
function leToBig(b: Uint8Array): bigint {
  let x = 0n;
  for (let i = b.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[i]!);
  return x;
}
function bigToLe(x: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}
function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** X25519 by the RFC 7748 §5 ladder, in BigInt. */
function x25519Ref(k: Uint8Array, u: Uint8Array): Uint8Array {
  const kb = k.slice();
  kb[0]! &= 248;
  kb[31]! &= 127;
  kb[31]! |= 64;
  const scalar = leToBig(kb);
  const ub = u.slice();
  ub[31]! &= 127;
  const x1 = leToBig(ub) % P;
  const m = (a: bigint) => ((a % P) + P) % P;
  let [x2, z2, x3, z3] = [1n, 0n, x1, 1n];
  let swap = 0n;
  for (let t = 254n; t >= 0n; t--) {
    const kt = (scalar >> t) & 1n;
    swap ^= kt;
    if (swap) [x2, x3, z2, z3] = [x3, x2, z3, z2];
    swap = kt;
    const A = m(x2 + z2);
    const AA = m(A * A);
    const B = m(x2 - z2);
    const BB = m(B * B);
    const E = m(AA - BB);
    const C = m(x3 + z3);
    const D = m(x3 - z3);
    const DA = m(D * A);
    const CB = m(C * B);
    x3 = m((DA + CB) ** 2n);
    z3 = m(x1 * m((DA - CB) ** 2n));
    x2 = m(AA * BB);
    z2 = m(E * m(AA + 121665n * E));
  }
  if (swap) [x2, x3, z2, z3] = [x3, x2, z3, z2];
  // z2^(p−2) by square-and-multiply
  let inv = 1n;
  let b = z2;
  for (let e = P - 2n; e > 0n; e >>= 1n) {
    if (e & 1n) inv = m(inv * b);
    b = m(b * b);
  }
  return bigToLe(m(x2 * inv));
}

const RFC_5_2 = [
  {
    k: 'a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4',
    u: 'e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c',
    out: 'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552',
  },
  {
    k: '4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d',
    u: 'e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493',
    out: '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957',
  },
];

/** Points that need care: low order (0, 1, p − 1, and the order-8 ones), non-canonical (≥ p), bit 255 set. */
const SPECIAL: Uint8Array[] = [
  0n,
  1n,
  P - 1n,
  P,
  P + 1n,
  P + 9n,
  325606250916557431795983626356110631294008115727848805560023387167927233504n,
  39382357235489614581723060781553021112529911719440698176882885853963445705823n,
  9n,
  9n | (1n << 255n),
  2n ** 255n - 1n,
].map(bigToLe);
const LOW_ORDER = new Set([0, 1, 2, 3, 4, 6, 7]);

const IDS = [
  '',
  'a',
  'alice@example.com',
  'é',
  'e\u0301',
  '用户-42',
  '😀🔐',
  'x'.repeat(1000),
  'user 7',
];
/** The same ids as explicit UTF-8 bytes (not produced by Node's encoder). */
const IDS_UTF8: number[][] = [
  [],
  [0x61],
  [...'alice@example.com'].map((c) => c.charCodeAt(0)),
  [0xc3, 0xa9],
  [0x65, 0xcc, 0x81],
  [0xe7, 0x94, 0xa8, 0xe6, 0x88, 0xb7, 0x2d, 0x34, 0x32],
  [0xf0, 0x9f, 0x98, 0x80, 0xf0, 0x9f, 0x94, 0x90],
  Array(1000).fill(0x78),
  [0x75, 0x73, 0x65, 0x72, 0x20, 0x37],
];

const native = nativeBinding();
const nativeDisabled = process.env.FEDGRID_NATIVE === '0';

describe('x25519Batch in this process', () => {
  it.skipIf(nativeDisabled)('uses the native binding (FEDGRID_NATIVE=0 skips)', () => {
    expect(native, `native addon not loaded: ${nativeLoadError() ?? ''}`).not.toBeNull();
    expect(x25519Backend()).toMatch(/^native-(ifma|openssl)$/);
  });

  it('RFC 7748 §5.2 vectors, in one batch with a shared scalar and one by one', () => {
    for (const v of RFC_5_2) {
      expect(toHex(x25519Batch(hex(v.k), hex(v.u)))).toBe(v.out);
      expect(toHex(x25519Ref(hex(v.k), hex(v.u)))).toBe(v.out); // the reference itself
    }
    const k = hex(RFC_5_2[0]!.k);
    const batch = x25519Batch(k, concat([hex(RFC_5_2[0]!.u), hex(RFC_5_2[1]!.u)]));
    expect(toHex(batch.subarray(0, 32))).toBe(RFC_5_2[0]!.out);
    expect(toHex(batch.subarray(32))).toBe(toHex(x25519Ref(k, hex(RFC_5_2[1]!.u))));
  });

  it('matches the BigInt ladder on random points and the special points (low-order → zeros)', () => {
    const scalar = new Uint8Array(randomBytes(32));
    const pts = [...SPECIAL, ...Array.from({ length: 40 }, () => new Uint8Array(randomBytes(32)))];
    const got = x25519Batch(scalar, concat(pts));
    expect(got.length).toBe(32 * pts.length);
    pts.forEach((u, i) => {
      const out = got.subarray(32 * i, 32 * i + 32);
      expect(toHex(out), `point ${i}`).toBe(toHex(x25519Ref(scalar, u)));
      if (LOW_ORDER.has(i)) expect(toHex(out)).toBe('00'.repeat(32));
    });
  });

  it('an empty batch gives an empty result; bad lengths throw RangeError', () => {
    const k = new Uint8Array(32);
    expect(x25519Batch(k, new Uint8Array(0)).length).toBe(0);
    expect(() => x25519Batch(new Uint8Array(31), new Uint8Array(32))).toThrow(RangeError);
    expect(() => x25519Batch(new Uint8Array(33), new Uint8Array(32))).toThrow(RangeError);
    expect(() => x25519Batch(k, new Uint8Array(33))).toThrow(RangeError);
    expect(X25519_BYTES).toBe(32);
  });
});

describe('hashToPoints', () => {
  it('is SHA-256 of each id’s UTF-8 bytes, in input order', () => {
    const pts = hashToPoints(IDS);
    expect(pts.length).toBe(32 * IDS.length);
    IDS_UTF8.forEach((bytes, i) => {
      const want = createHash('sha256').update(Uint8Array.from(bytes)).digest('hex');
      expect(toHex(pts.subarray(32 * i, 32 * i + 32)), JSON.stringify(IDS[i])).toBe(want);
    });
    // precomposed and decomposed é are different ids
    expect(toHex(pts.subarray(96, 128))).not.toBe(toHex(pts.subarray(128, 160)));
    expect(hashToPoints([]).length).toBe(0);
    expect(toHex(hashToPoints([...IDS].reverse()).subarray(0, 32))).toBe(
      toHex(pts.subarray(32 * (IDS.length - 1))),
    );
  });

  it('rejects ids that are not well-formed Unicode (lone surrogates) with RangeError', () => {
    const bad = [
      '\uD800',
      'a\uDC00b',
      '\uDC00\uD83D',
      'x\uD83D',
      '\uD83D\uDE00\uDE00',
      '\uD800\uD800\uDC00',
    ];
    for (const id of bad) {
      expect(() => hashToPoints(['ok', id]), JSON.stringify(id)).toThrow(RangeError);
    }
    // well-formed surrogate pairs are fine
    expect(() => hashToPoints(['\uD83D\uDE00', 'a\uDBFF\uDFFFb'])).not.toThrow();
  });

  it('accepts exactly the ids that survive a UTF-8 round trip, hashing their UTF-8 bytes', () => {
    // Random strings over code units that include both surrogate ranges.
    const units = [0x61, 0xe9, 0x4e2d, 0xd83d, 0xde00, 0xdbff, 0xdc00, 0xfffd, 0x0];
    let seed = 12345;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    let rejected = 0;
    for (let i = 0; i < 400; i++) {
      const id = String.fromCharCode(
        ...Array.from(
          { length: 1 + Math.floor(rand() * 5) },
          () => units[Math.floor(rand() * units.length)]!,
        ),
      );
      const wellFormed = Buffer.from(id, 'utf8').toString('utf8') === id;
      if (wellFormed) {
        const want = createHash('sha256').update(new TextEncoder().encode(id)).digest('hex');
        expect(toHex(hashToPoints([id])), JSON.stringify(id)).toBe(want);
      } else {
        rejected++;
        expect(() => hashToPoints([id]), JSON.stringify(id)).toThrow(RangeError);
      }
    }
    expect(rejected).toBeGreaterThan(50); // the sample exercises both outcomes
    expect(rejected).toBeLessThan(350);
  });

  it('hashed points work as X25519 inputs: X(a, X(b, H)) = X(b, X(a, H))', () => {
    const h = hashToPoints(IDS);
    const a = new Uint8Array(randomBytes(32));
    const b = new Uint8Array(randomBytes(32));
    expect(toHex(x25519Batch(a, x25519Batch(b, h)))).toBe(toHex(x25519Batch(b, x25519Batch(a, h))));
    expect(toHex(x25519Batch(a, h).subarray(0, 32))).toBe(toHex(x25519Ref(a, h.subarray(0, 32))));
  });
});

describe('portable fallback (child process with FEDGRID_NATIVE=0)', () => {
  it('gives the same results as this process and the BigInt ladder', () => {
    const scalar = new Uint8Array(randomBytes(32));
    const pts = [...SPECIAL, ...Array.from({ length: 60 }, () => new Uint8Array(randomBytes(32)))];
    const points = concat(pts);
    const entry = new URL('../dist/index.js', import.meta.url).href;
    const child = `
      import { readFileSync } from 'node:fs';
      const m = await import(process.env.FG_ENTRY);
      const input = JSON.parse(readFileSync(0, 'utf8'));
      const hex = (s) => new Uint8Array(Buffer.from(s, 'hex'));
      const out = (b) => Buffer.from(b).toString('hex');
      let badLength = '';
      try { m.x25519Batch(new Uint8Array(31), new Uint8Array(32)); } catch (e) { badLength = e.constructor.name; }
      process.stdout.write(JSON.stringify({
        backend: m.x25519Backend(),
        loadError: m.nativeLoadError(),
        batch: out(m.x25519Batch(hex(input.scalar), hex(input.points))),
        empty: m.x25519Batch(hex(input.scalar), new Uint8Array(0)).length,
        hashed: out(m.hashToPoints(input.ids)),
        hashMul: out(m.x25519Batch(hex(input.scalar), m.hashToPoints(input.ids))),
        badLength,
      }));
    `;
    const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', child], {
      env: { ...process.env, FEDGRID_NATIVE: '0', FG_ENTRY: entry },
      input: JSON.stringify({ scalar: toHex(scalar), points: toHex(points), ids: IDS }),
      encoding: 'utf8',
      timeout: 30_000,
    });
    const r = JSON.parse(stdout) as {
      backend: string;
      loadError: string;
      batch: string;
      empty: number;
      hashed: string;
      hashMul: string;
      badLength: string;
    };
    expect(r.backend).toBe('node-crypto');
    expect(r.loadError).toMatch(/FEDGRID_NATIVE=0/);
    expect(r.batch).toBe(toHex(x25519Batch(scalar, points)));
    expect(r.batch).toBe(pts.map((u) => toHex(x25519Ref(scalar, u))).join(''));
    expect(r.empty).toBe(0);
    expect(r.hashed).toBe(toHex(hashToPoints(IDS)));
    expect(r.hashMul).toBe(toHex(x25519Batch(scalar, hashToPoints(IDS))));
    expect(r.badLength).toBe('RangeError');
  });
});
