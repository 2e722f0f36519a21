/**
 * Native X25519 batch kernel (packages/crypto/native/x25519.c, x25519_ifma.c) against RFC 7748
 * and node:crypto, for both backends: the AVX-512 IFMA kernel and OpenSSL (selected per call
 * with FEDGRID_NATIVE_IFMA=0). Needs the pool to be 'forks' (see vitest.config.ts): the addon
 * reads the real process environment, which process.env writes reach only on a main thread.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeBinding, nativeLoadError, type NativeBinding } from '@fedgrid/crypto';

type Backend = 'ifma' | 'openssl';

const ENV = 'FEDGRID_NATIVE_IFMA';
const P = (1n << 255n) - 19n;
const ZERO32 = new Uint8Array(32);

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string =>
  Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');

/** Little-endian 32 bytes of x < 2^256. */
function le(x: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.length * 32);
  parts.forEach((p, i) => out.set(p, 32 * i));
  return out;
}

function chunk(b: Uint8Array, i: number): Uint8Array {
  return b.subarray(32 * i, 32 * i + 32);
}

// ---------------------------------------------------------------------------------------------
// Reference: node:crypto (OpenSSL EVP), all-zero results (refused by OpenSSL) as zeros.

const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');

function privateKeyOf(scalar: Uint8Array): KeyObject {
  return createPrivateKey({
    key: Buffer.concat([PKCS8_X25519, scalar]),
    format: 'der',
    type: 'pkcs8',
  });
}

function refOne(priv: KeyObject, u: Uint8Array): Uint8Array {
  const publicKey = createPublicKey({
    key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(u).toString('base64url') },
    format: 'jwk',
  });
  try {
    return new Uint8Array(diffieHellman({ privateKey: priv, publicKey }));
  } catch {
    return new Uint8Array(32); // OpenSSL refuses the all-zero shared secret
  }
}

function refBatch(scalar: Uint8Array, points: Uint8Array): Uint8Array {
  const priv = privateKeyOf(scalar);
  const out = new Uint8Array(points.length);
  for (let i = 0; i < points.length / 32; i++) out.set(refOne(priv, chunk(points, i)), 32 * i);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Test data (RFC 7748 §5.2, §6.1; libsodium's / RFC 7748's low-order points).

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
const ITER_1 = '422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079';
const ITER_1000 = '684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51';
const RFC_6_1 = {
  alicePriv: '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a',
  alicePub: '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
  bobPriv: '5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb',
  bobPub: 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f',
  shared: '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742',
};
const BASE = le(9n);

/** Points of order 1, 2, 4, 8 (u = 0, p - 1, 1, the two order-8 u), their non-canonical
 * encodings below 2^255 (p, p + 1), and all of them with bit 255 set. */
const LOW_ORDER: Uint8Array[] = (() => {
  const us = [
    0n,
    1n,
    P - 1n,
    P,
    P + 1n,
    325606250916557431795983626356110631294008115727848805560023387167927233504n,
    39382357235489614581723060781553021112529911719440698176882885853963445705823n,
  ];
  const out: Uint8Array[] = [];
  for (const u of us) {
    out.push(le(u));
    out.push(le(u | (1n << 255n)));
  }
  return out;
})();

// ---------------------------------------------------------------------------------------------
// Binding and backend selection.

const nb: NativeBinding | null = nativeBinding();
const nativeDisabled = process.env.FEDGRID_NATIVE === '0';

function cpuHasIfma(): boolean | undefined {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    return /\bavx512ifma\b/.test(info) && /\bavx512vl\b/.test(info) && /\bavx512f\b/.test(info);
  } catch {
    return undefined; // not Linux: trust the addon's own probe below
  }
}

function withBackend<T>(backend: Backend, fn: () => T): T {
  const saved = process.env[ENV];
  if (backend === 'openssl') process.env[ENV] = '0';
  else delete process.env[ENV];
  try {
    return fn();
  } finally {
    if (saved === undefined) delete process.env[ENV];
    else process.env[ENV] = saved;
  }
}

const addonIfma = nb ? withBackend('ifma', () => nb.x25519Info().backend === 'ifma') : false;
const cpuIfma = cpuHasIfma();
const ifmaAvailable = cpuIfma ?? addonIfma;

describe('native binding', () => {
  it.skipIf(nativeDisabled)('loads (set FEDGRID_NATIVE=0 to skip the native tests)', () => {
    expect(nativeLoadError()).toBeUndefined();
    expect(nb).not.toBeNull();
  });

  it.skipIf(!nb)('dispatches to IFMA exactly when the CPU has AVX-512 IFMA', () => {
    expect(addonIfma).toBe(ifmaAvailable);
    expect(withBackend('openssl', () => nb!.x25519Info().backend)).toBe('openssl');
  });
});

// Shared random data and node:crypto references, computed once for both backends.
interface Pair {
  k: Uint8Array;
  u: Uint8Array;
  ref: Uint8Array;
}
let pairs: Pair[] = [];
let batchScalar: Uint8Array = new Uint8Array(32);
let batchPoints: Uint8Array = new Uint8Array(0);
let batchRef: Uint8Array = new Uint8Array(0);

beforeAll(() => {
  if (!nb) return;
  pairs = [];
  for (let i = 0; i < 2000; i++) {
    const k = new Uint8Array(randomBytes(32));
    const u = new Uint8Array(randomBytes(32));
    pairs.push({ k, u, ref: refOne(privateKeyOf(k), u) });
  }
  batchScalar = new Uint8Array(randomBytes(32));
  batchPoints = new Uint8Array(randomBytes(1000 * 32));
  batchRef = refBatch(batchScalar, batchPoints);
});

function suite(backend: Backend): void {
  const skip = !nb || (backend === 'ifma' && !ifmaAvailable);
  const title =
    backend === 'ifma' && nb && !ifmaAvailable
      ? 'x25519Batch [ifma] (skipped: this CPU lacks AVX-512 IFMA/VL)'
      : `x25519Batch [${backend}]`;

  describe.skipIf(skip)(title, () => {
    let saved: string | undefined;
    beforeAll(() => {
      saved = process.env[ENV];
      if (backend === 'openssl') process.env[ENV] = '0';
      else delete process.env[ENV];
    });
    afterAll(() => {
      if (saved === undefined) delete process.env[ENV];
      else process.env[ENV] = saved;
    });

    const x = (k: Uint8Array, points: Uint8Array): Uint8Array => {
      const out = new Uint8Array(points.length);
      nb!.x25519Batch(k, points, out);
      return out;
    };

    it('selects the requested backend', () => {
      expect(nb!.x25519Info()).toEqual({ backend });
    });

    it('RFC 7748 §5.2 single test vectors', () => {
      for (const v of RFC_5_2) expect(toHex(x(hex(v.k), hex(v.u)))).toBe(v.out);
    });

    it('RFC 7748 §5.2 iterated vector, 1 and 1,000 iterations', () => {
      let k = BASE;
      let u = BASE;
      for (let i = 1; i <= 1000; i++) {
        const r = x(k, u);
        u = k;
        k = r;
        if (i === 1) expect(toHex(k)).toBe(ITER_1);
      }
      expect(toHex(k)).toBe(ITER_1000);
    });

    it('RFC 7748 §6.1 Diffie-Hellman', () => {
      const v = RFC_6_1;
      expect(toHex(x(hex(v.alicePriv), BASE))).toBe(v.alicePub);
      expect(toHex(x(hex(v.bobPriv), BASE))).toBe(v.bobPub);
      expect(toHex(x(hex(v.alicePriv), hex(v.bobPub)))).toBe(v.shared);
      expect(toHex(x(hex(v.bobPriv), hex(v.alicePub)))).toBe(v.shared);
    });

    it('2,000 random (scalar, u) pairs match node:crypto', () => {
      let mismatches = 0;
      for (const p of pairs) if (toHex(x(p.k, p.u)) !== toHex(p.ref)) mismatches++;
      expect(mismatches).toBe(0);
    });

    it('ignores bit 255 of u', () => {
      const k = new Uint8Array(randomBytes(32));
      const priv = privateKeyOf(k);
      const us: Uint8Array[] = [];
      for (let i = 0; i < 24; i++) {
        const u = new Uint8Array(randomBytes(32));
        u[31] = (u[31] ?? 0) | 0x80;
        us.push(u);
      }
      const got = x(k, concat(us));
      us.forEach((u, i) => {
        const masked = u.slice();
        masked[31] = (masked[31] ?? 0) & 0x7f;
        expect(toHex(chunk(got, i))).toBe(toHex(x(k, masked)));
        expect(toHex(chunk(got, i))).toBe(toHex(refOne(priv, u)));
      });
    });

    it('accepts non-canonical u in [p, 2^255) as u - p', () => {
      const k = new Uint8Array(randomBytes(32));
      const priv = privateKeyOf(k);
      const us: Uint8Array[] = [];
      for (let i = 0n; i < 19n; i++) us.push(le(P + i), le((P + i) | (1n << 255n)));
      const got = x(k, concat(us));
      us.forEach((u, j) => {
        const canonical = le(BigInt(j >> 1));
        expect(toHex(chunk(got, j))).toBe(toHex(x(k, canonical)));
        expect(toHex(chunk(got, j))).toBe(toHex(refOne(priv, u)));
      });
    });

    it('low-order points give 32 zero bytes, also inside a batch of normal points', () => {
      for (let t = 0; t < 4; t++) {
        const k = new Uint8Array(randomBytes(32));
        // Alone, and interleaved with random points at varying positions (a zero z must not
        // disturb the other lanes or the shared inversion of its group).
        expect(toHex(x(k, concat(LOW_ORDER)))).toBe(toHex(new Uint8Array(32 * LOW_ORDER.length)));
        const parts: Uint8Array[] = [];
        const low = new Set<number>();
        for (const lo of LOW_ORDER) {
          for (let r = 0; r < t + 3; r++) parts.push(new Uint8Array(randomBytes(32)));
          low.add(parts.length);
          parts.push(lo);
        }
        while (parts.length < 200) parts.push(new Uint8Array(randomBytes(32)));
        const points = concat(parts);
        const got = x(k, points);
        const ref = refBatch(k, points);
        expect(toHex(got)).toBe(toHex(ref));
        for (const i of low) expect(chunk(got, i)).toEqual(ZERO32);
      }
    });

    it.each([0, 1, 7, 8, 9, 1000])('batch of %i points (tail handling, no stray writes)', (n) => {
      // out is a view in the middle of a larger buffer: the bytes around it must stay put.
      const backing = new Uint8Array(32 * n + 64).fill(0xa5);
      const out = backing.subarray(32, 32 + 32 * n);
      const points = batchPoints.slice(0, 32 * n);
      nb!.x25519Batch(batchScalar, points, out);
      expect(toHex(out)).toBe(toHex(batchRef.subarray(0, 32 * n)));
      expect(backing.subarray(0, 32).every((b) => b === 0xa5)).toBe(true);
      expect(backing.subarray(32 + 32 * n).every((b) => b === 0xa5)).toBe(true);
      expect(toHex(points)).toBe(toHex(batchPoints.subarray(0, 32 * n))); // input untouched
    });

    it('works in place and with overlapping views', () => {
      const n = 300;
      const buf = batchPoints.slice(0, 32 * n);
      nb!.x25519Batch(batchScalar, buf, buf);
      expect(toHex(buf)).toBe(toHex(batchRef.subarray(0, 32 * n)));

      for (const shift of [-64, -32, 32, 96]) {
        const backing = new Uint8Array(32 * n + 256);
        const points = backing.subarray(128, 128 + 32 * n);
        points.set(batchPoints.subarray(0, 32 * n));
        const out = backing.subarray(128 + shift, 128 + shift + 32 * n);
        nb!.x25519Batch(batchScalar, points, out);
        expect(toHex(out)).toBe(toHex(batchRef.subarray(0, 32 * n)));
      }
      // The scalar may alias the output.
      const k = batchScalar.slice();
      const one = batchPoints.slice(0, 32);
      nb!.x25519Batch(k, one, k);
      expect(toHex(k)).toBe(toHex(batchRef.subarray(0, 32)));
    });

    it('commutes on hashed points: X(a, X(b, H)) = X(b, X(a, H))', () => {
      const ids = Array.from({ length: 256 }, (_, i) => `user-${i}@fedgrid.example`);
      const h = concat(ids.map((id) => new Uint8Array(createHash('sha256').update(id).digest())));
      const a = new Uint8Array(randomBytes(32));
      const b = new Uint8Array(randomBytes(32));
      const ab = x(a, x(b, h));
      const ba = x(b, x(a, h));
      expect(toHex(ab)).toBe(toHex(ba));
      expect(toHex(x(a, h))).toBe(toHex(refBatch(a, h)));
    });

    it('rejects bad arguments with TypeError / RangeError', () => {
      const f = nb!.x25519Batch as unknown as (...args: unknown[]) => void;
      const k = new Uint8Array(32);
      const pts = new Uint8Array(64);
      const out = new Uint8Array(64);
      expect(() => f()).toThrow(TypeError);
      expect(() => f(k, pts)).toThrow(TypeError);
      expect(() => f(Array.from(k), pts, out)).toThrow(/scalar must be a Uint8Array/);
      expect(() => f('k'.repeat(32), pts, out)).toThrow(TypeError);
      expect(() => f(new Uint16Array(16), pts, out)).toThrow(TypeError);
      expect(() => f(k, new Float64Array(8), out)).toThrow(/points must be a Uint8Array/);
      expect(() => f(k, pts, new Int8Array(64))).toThrow(/out must be a Uint8Array/);
      expect(() => f(k, pts, null)).toThrow(TypeError);
      expect(() => f(new Uint8Array(31), pts, out)).toThrow(RangeError);
      expect(() => f(new Uint8Array(33), pts, out)).toThrow(/scalar must be exactly 32 bytes/);
      expect(() => f(k, new Uint8Array(33), new Uint8Array(33))).toThrow(/multiple of 32/);
      expect(() => f(k, pts, new Uint8Array(32))).toThrow(RangeError);
      expect(() => f(k, pts, new Uint8Array(96))).toThrow(/same length/);
      expect(() => f(k, new Uint8Array(0), new Uint8Array(0))).not.toThrow();
      expect(() => f(k, pts, Buffer.alloc(64))).not.toThrow(); // a Buffer is a Uint8Array
    });
  });
}

suite('ifma');
suite('openssl');

describe.skipIf(!nb || !ifmaAvailable)('x25519Batch across backends and threads', () => {
  it('IFMA and OpenSSL agree on 4,096 random points', () => {
    const k = new Uint8Array(randomBytes(32));
    const points = new Uint8Array(randomBytes(4096 * 32));
    const viaIfma = new Uint8Array(points.length);
    const viaOpenssl = new Uint8Array(points.length);
    withBackend('ifma', () => nb!.x25519Batch(k, points, viaIfma));
    withBackend('openssl', () => nb!.x25519Batch(k, points, viaOpenssl));
    expect(toHex(viaIfma)).toBe(toHex(viaOpenssl));
  });

  it('is thread-safe: two worker threads at once give the main-thread results', async () => {
    const addon = fileURLToPath(new URL('../build/Release/fedgrid_native.node', import.meta.url));
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const b = require(workerData.addon);
      const out = new Uint8Array(workerData.points.length);
      for (let r = 0; r < 3; r++) b.x25519Batch(workerData.k, workerData.points, out);
      parentPort.postMessage({ backend: b.x25519Info().backend, out });
    `;
    const jobs = [0, 1].map(() => ({
      k: new Uint8Array(randomBytes(32)),
      points: new Uint8Array(randomBytes(2048 * 32)),
    }));
    // The addon reads the process environment, shared by all threads: keep the IFMA
    // selection in place until both workers are done.
    const saved = process.env[ENV];
    delete process.env[ENV];
    let results: { backend: string; out: Uint8Array }[];
    try {
      results = await Promise.all(
        jobs.map(
          (job) =>
            new Promise<{ backend: string; out: Uint8Array }>((resolve, reject) => {
              const w = new Worker(code, { eval: true, workerData: { addon, ...job } });
              w.once('message', (m: { backend: string; out: Uint8Array }) => {
                resolve(m);
                void w.terminate();
              });
              w.once('error', reject);
            }),
        ),
      );
    } finally {
      if (saved !== undefined) process.env[ENV] = saved;
    }
    results.forEach((r, i) => {
      const job = jobs[i]!;
      expect(r.backend).toBe('ifma');
      const expected = new Uint8Array(job.points.length);
      withBackend('ifma', () => nb!.x25519Batch(job.k, job.points, expected));
      expect(toHex(r.out)).toBe(toHex(expected));
    });
  });
});
