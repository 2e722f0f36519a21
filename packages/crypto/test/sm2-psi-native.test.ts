/**
 * The native SM2 x-only kernel (native/sm2.c) behind sm2MultiplyX / sm2HashToX, checked against
 * the BigInt SM2 group (@noble/curves, SM2_P256.Point), against node:crypto's OpenSSL path
 * (sm2MultiplyXNodeCrypto), and end to end as SM2-PSI double blinding. Every case runs on both
 * native backends: the 8-lane AVX-512 IFMA kernel (where the CPU has it) and the portable C one
 * (FEDGRID_NATIVE_IFMA=0, read by the addon on every call).
 */
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  bigToBytes,
  bytesToBig,
  generateSm2Scalar,
  isSm2X,
  nativeBinding,
  SM2_P256,
  SM2_PSI_DST,
  sm2Backend,
  sm2HashToX,
  sm2MultiplyX,
  sm2MultiplyXNodeCrypto,
} from '@fedgrid/crypto';

const { p, n } = SM2_P256;

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, q) => s + q.length, 0));
  let off = 0;
  for (const q of parts) {
    out.set(q, off);
    off += q.length;
  }
  return out;
}

/** x(k · P) with P = either point of x-coordinate x, in BigInt (noble). */
function refMultiply(k: bigint, x: bigint): bigint {
  const P = SM2_P256.Point.fromHex(
    Buffer.from(concat([Uint8Array.of(2), bigToBytes(x, 32)])).toString('hex'),
  );
  return P.multiply(k).toAffine().x;
}

/** Try-and-increment with SM3 and the BigInt Euler criterion, written out here. */
function refHashToX(id: string): bigint {
  for (let c = 0; ; c++) {
    const ctr = Buffer.alloc(4);
    ctr.writeUInt32BE(c);
    const d = createHash('sm3').update(SM2_PSI_DST).update(ctr).update(id, 'utf8').digest();
    const x = bytesToBig(d) % p;
    if (isSm2X(x)) return x;
  }
}

function xsOf(values: bigint[]): Uint8Array {
  return concat(values.map((v) => bigToBytes(v, 32)));
}

function valuesOf(bytes: Uint8Array): bigint[] {
  const out: bigint[] = [];
  for (let off = 0; off < bytes.length; off += 32)
    out.push(bytesToBig(bytes.subarray(off, off + 32)));
  return out;
}

/** A big-endian x < p that is not an SM2 x-coordinate. */
function offCurveX(): bigint {
  for (;;) {
    const x = bytesToBig(randomBytes(32)) % p;
    if (!isSm2X(x)) return x;
  }
}

function cpuHasBmi2Adx(): boolean {
  const info = readFileSync('/proc/cpuinfo', 'utf8');
  return /\bbmi2\b/.test(info) && /\badx\b/.test(info);
}

function cpuHasIfma(): boolean {
  const info = readFileSync('/proc/cpuinfo', 'utf8');
  return /\bavx512ifma\b/.test(info) && /\bavx512vl\b/.test(info) && /\bavx512f\b/.test(info);
}

/**
 * 'portable' is the portable kernel as dispatched (its BMI2/ADX build where the CPU has both);
 * 'portable-c' forces its baseline x86-64 build (FEDGRID_NATIVE_BMI2=0) — both builds of the
 * same C source must give the same bytes.
 */
type Backend = 'ifma' | 'portable' | 'portable-c';
const backends: Backend[] = cpuHasIfma()
  ? ['ifma', 'portable', 'portable-c']
  : ['portable', 'portable-c'];

function withBackend<T>(backend: Backend, fn: () => T): T {
  const saved = process.env.FEDGRID_NATIVE_IFMA;
  const savedBmi2 = process.env.FEDGRID_NATIVE_BMI2;
  if (backend === 'ifma') delete process.env.FEDGRID_NATIVE_IFMA;
  else process.env.FEDGRID_NATIVE_IFMA = '0';
  if (backend === 'portable-c') process.env.FEDGRID_NATIVE_BMI2 = '0';
  else delete process.env.FEDGRID_NATIVE_BMI2;
  try {
    return fn();
  } finally {
    if (saved === undefined) delete process.env.FEDGRID_NATIVE_IFMA;
    else process.env.FEDGRID_NATIVE_IFMA = saved;
    if (savedBmi2 === undefined) delete process.env.FEDGRID_NATIVE_BMI2;
    else process.env.FEDGRID_NATIVE_BMI2 = savedBmi2;
  }
}

describe('native SM2 x-only kernel', () => {
  it('is the backend in this build (node-gyp builds it at npm ci)', () => {
    expect(sm2Backend()).toBe('native');
    for (const b of backends)
      withBackend(b, () => {
        const info = nativeBinding()?.sm2Info?.();
        expect(info?.backend).toBe(b === 'ifma' ? 'ifma' : 'portable');
        if (b === 'portable-c') expect(info?.portable).toBe('c');
        if (b === 'portable' && cpuHasBmi2Adx()) expect(info?.portable).toBe('bmi2-adx');
      });
  });

  it.each(backends)(
    'equals the BigInt group for random and edge scalars, across batch boundaries (%s)',
    (backend) =>
      withBackend(backend, () => {
        const points = sm2HashToX(Array.from({ length: 70 }, (_, i) => `edge-${i}`)); // 70 > 2 × 32
        const xs = valuesOf(points);
        xs.push(SM2_P256.Gx);
        const input = xsOf(xs);
        const scalars = [1n, 2n, 3n, 15n, 16n, 17n, n - 1n, n - 2n, (n - 1n) / 2n, 2n ** 255n];
        for (let i = 0; i < 4; i++) scalars.push(bytesToBig(generateSm2Scalar()));
        for (const k of scalars) {
          const out = valuesOf(sm2MultiplyX(bigToBytes(k, 32), input));
          const want = xs.map((x) => refMultiply(k, x));
          expect(out, `k = ${k.toString(16)}`).toEqual(want);
        }
      }),
  );

  it('the BMI2/ADX assembly field arithmetic equals the C build and the BigInt group, on x at both ends of [0, p) and random points', () => {
    // Curve x's next to p and next to 0 drive the field add/sub/reduction of the lift and the
    // first additions through their wrap-around paths; random points and scalars cover the rest.
    const nearP: bigint[] = [];
    for (let x = p - 1n; nearP.length < 6; x--) if (isSm2X(x)) nearP.push(x);
    const nearZero: bigint[] = [];
    for (let x = 0n; nearZero.length < 6; x++) if (isSm2X(x)) nearZero.push(x);
    const random = valuesOf(sm2HashToX(Array.from({ length: 40 }, (_, i) => `asm-${i}`)));
    const xs = [...nearP, ...nearZero, ...random];
    const input = xsOf(xs);
    const scalars = [n - 1n - 2n ** 64n, 2n ** 192n + 1n, (1n << 224n) - 1n];
    for (let i = 0; i < 3; i++) scalars.push(bytesToBig(generateSm2Scalar()));
    for (const k of scalars) {
      const kb = bigToBytes(k, 32);
      const asm = withBackend('portable', () => sm2MultiplyX(kb, input));
      const c = withBackend('portable-c', () => sm2MultiplyX(kb, input));
      expect(asm, `k = ${k.toString(16)}`).toEqual(c);
      expect(valuesOf(asm), `k = ${k.toString(16)}`).toEqual(xs.map((x) => refMultiply(k, x)));
    }
    // membership (the square-root addition chain) on both builds, curve and non-curve x's
    const probe = [...xs, ...Array.from({ length: 20 }, () => offCurveX()), p - 2n, 2n];
    const want = Uint8Array.from(probe, (x) => (isSm2X(x) ? 1 : 0));
    for (const b of ['portable', 'portable-c'] as const) {
      const flags = new Uint8Array(probe.length);
      withBackend(b, () => nativeBinding()?.sm2XOnCurve?.(xsOf(probe), flags));
      expect(flags, b).toEqual(want);
    }
  });

  it.each(backends)(
    'signed 5-bit windows: the last window that must double (k = n − 6), scalars around n, small and window-edge scalars, negative digits (%s)',
    (backend) =>
      withBackend(backend, () => {
        // The portable kernel's Booth recoding: k = n − 6 is the one scalar whose last addition
        // adds a point to itself (n ≡ 3 mod 32, last digit −3). Also every k in [n − 40, n − 1]
        // and [1, 40] (top/low digits ±16, zero windows, "still O" until the last window), the
        // all-ones-window pattern (every digit −1 with a carry into the top window: 2^255 − 1 and
        // 2^254 − 1) and digits of ±16 in every window (Σ 16·32^i).
        const xs = [...valuesOf(sm2HashToX(['booth-a', 'booth-b'])), SM2_P256.Gx];
        const input = xsOf(xs);
        const scalars: bigint[] = [];
        for (let j = 1n; j <= 40n; j++) scalars.push(n - j, j);
        let sixteens = 0n;
        for (let i = 0n; i < 51n; i++) sixteens += 16n << (5n * i);
        scalars.push(2n ** 255n - 1n, 2n ** 254n - 1n, sixteens, n - sixteens, 2n ** 255n + 16n);
        for (const k of scalars) {
          const out = valuesOf(sm2MultiplyX(bigToBytes(k, 32), input));
          expect(out, `k = n − ${(n - k).toString()} / ${k.toString(16)}`).toEqual(
            xs.map((x) => refMultiply(k, x)),
          );
        }
      }),
  );

  it.each(backends)('k = 1 and k = n − 1 return the input x (x(−P) = x(P)) (%s)', (backend) =>
    withBackend(backend, () => {
      const input = sm2HashToX(['a', 'b', 'c']);
      expect(sm2MultiplyX(bigToBytes(1n, 32), input)).toEqual(input);
      expect(sm2MultiplyX(bigToBytes(n - 1n, 32), input)).toEqual(input);
    }),
  );

  it.each(backends)('equals the node:crypto (OpenSSL) path byte for byte (%s)', (backend) =>
    withBackend(backend, () => {
      const input = sm2HashToX(Array.from({ length: 100 }, (_, i) => `ossl-${i}`));
      const k = generateSm2Scalar();
      expect(sm2MultiplyX(k, input)).toEqual(sm2MultiplyXNodeCrypto(k, input));
    }),
  );

  it.each(backends)('handles an empty batch (%s)', (backend) =>
    withBackend(backend, () => {
      expect(sm2MultiplyX(generateSm2Scalar(), new Uint8Array(0))).toEqual(new Uint8Array(0));
      expect(sm2HashToX([])).toEqual(new Uint8Array(0));
    }),
  );

  it.each(backends)('names the first x that is not on the curve, including x ≥ p (%s)', (backend) =>
    withBackend(backend, () => {
      const good = valuesOf(sm2HashToX(['g0', 'g1', 'g2', 'g3']));
      const k = generateSm2Scalar();
      for (const bad of [offCurveX(), p, p + 1n, 2n ** 256n - 1n]) {
        const input = xsOf([good[0]!, good[1]!, bad, good[2]!, offCurveX()]);
        expect(() => sm2MultiplyX(k, input)).toThrow(/x-coordinate #2 is not on the SM2 curve/);
        expect(() => sm2MultiplyXNodeCrypto(k, input)).toThrow(
          /x-coordinate #2 is not on the SM2 curve/,
        );
      }
      // past the first group of 32
      const many = [...Array.from({ length: 40 }, () => good[3]!), offCurveX()];
      expect(() => sm2MultiplyX(k, xsOf(many))).toThrow(/x-coordinate #40 /);
    }),
  );

  it.each(backends)('rejects scalars outside [1, n−1] and malformed lengths (%s)', (backend) =>
    withBackend(backend, () => {
      const input = sm2HashToX(['x']);
      for (const k of [0n, n, n + 1n, 2n ** 256n - 1n]) {
        expect(() => sm2MultiplyX(bigToBytes(k, 32), input)).toThrow(/out of range/);
      }
      expect(() => sm2MultiplyX(new Uint8Array(31).fill(1), input)).toThrow(/32 bytes/);
      expect(() => sm2MultiplyX(generateSm2Scalar(), new Uint8Array(33))).toThrow(/n × 32 bytes/);
      const native = nativeBinding()!;
      expect(() => native.sm2MulX!(bigToBytes(n, 32), input, new Uint8Array(32))).toThrow(
        /\[1, n-1\]/,
      );
      expect(() => native.sm2MulX!(bigToBytes(1n, 32), input, new Uint8Array(64))).toThrow(
        /same length/,
      );
    }),
  );

  it.each(backends)('sm2XOnCurve agrees with the BigInt Euler criterion (%s)', (backend) =>
    withBackend(backend, () => {
      const xs = [0n, 1n, 3n, SM2_P256.Gx, p - 1n, p, p + 1n, 2n ** 256n - 1n];
      for (let i = 0; i < 200; i++) xs.push(bytesToBig(randomBytes(32)));
      const flags = new Uint8Array(xs.length);
      nativeBinding()!.sm2XOnCurve!(xsOf(xs), flags);
      expect(Array.from(flags)).toEqual(xs.map((x) => (isSm2X(x) ? 1 : 0)));
    }),
  );

  it.each(backends)('hashes ids exactly as the try-and-increment definition (%s)', (backend) =>
    withBackend(backend, () => {
      const ids = [
        '',
        'alice',
        '张三',
        '🙂',
        'x'.repeat(33),
        'y'.repeat(34),
        'z'.repeat(200),
        ...Array.from({ length: 60 }, (_, i) => `id-${i}`),
      ];
      expect(valuesOf(sm2HashToX(ids))).toEqual(ids.map(refHashToX));
    }),
  );

  it.each(backends)(
    'SM2-PSI double blinding commutes and finds exactly the common ids (%s)',
    (backend) =>
      withBackend(backend, () => {
        const guest = Array.from({ length: 90 }, (_, i) => `u${i}`);
        const host = Array.from({ length: 90 }, (_, i) => `u${i + 45}`);
        const a = generateSm2Scalar();
        const b = generateSm2Scalar();
        const guestOnce = sm2MultiplyX(a, sm2HashToX(guest));
        const hostOnce = sm2MultiplyX(b, sm2HashToX(host));
        const guestTwice = sm2MultiplyX(b, guestOnce);
        const hostTwice = sm2MultiplyX(a, hostOnce);
        // the same values as with OpenSSL doing every multiplication
        expect(guestTwice).toEqual(
          sm2MultiplyXNodeCrypto(b, sm2MultiplyXNodeCrypto(a, sm2HashToX(guest))),
        );
        const hostSet = new Set(valuesOf(hostTwice).map((v) => v.toString(16)));
        const common = guest.filter((_, i) => hostSet.has(valuesOf(guestTwice)[i]!.toString(16)));
        expect(common).toEqual(guest.slice(45));
      }),
  );
});

describe('node:crypto fallback (child process with FEDGRID_NATIVE=0)', () => {
  it('hashes and multiplies to the same bytes as the native kernels', () => {
    const ids = [
      '',
      'alice',
      '张三',
      'z'.repeat(200),
      ...Array.from({ length: 40 }, (_, i) => `c-${i}`),
    ];
    const scalar = generateSm2Scalar();
    const entry = new URL('../dist/index.js', import.meta.url).href;
    const child = `
      import { readFileSync } from 'node:fs';
      const m = await import(process.env.FG_ENTRY);
      const input = JSON.parse(readFileSync(0, 'utf8'));
      const hashed = m.sm2HashToX(input.ids);
      const k = new Uint8Array(Buffer.from(input.scalar, 'hex'));
      process.stdout.write(JSON.stringify({
        backend: m.sm2Backend(),
        hashed: Buffer.from(hashed).toString('hex'),
        multiplied: Buffer.from(m.sm2MultiplyX(k, hashed)).toString('hex'),
      }));
    `;
    const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', child], {
      env: { ...process.env, FEDGRID_NATIVE: '0', FG_ENTRY: entry },
      input: JSON.stringify({ ids, scalar: Buffer.from(scalar).toString('hex') }),
      encoding: 'utf8',
      timeout: 60_000,
    });
    const r = JSON.parse(stdout) as { backend: string; hashed: string; multiplied: string };
    expect(r.backend).toBe('node-crypto');
    const hashed = sm2HashToX(ids);
    expect(r.hashed).toBe(Buffer.from(hashed).toString('hex'));
    expect(r.multiplied).toBe(Buffer.from(sm2MultiplyX(scalar, hashed)).toString('hex'));
  });
});
