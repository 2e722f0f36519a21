/**
 * Loads the native kernels (packages/crypto/build/Release/fedgrid_native.node, built by
 * node-gyp at `npm ci`). Set FEDGRID_NATIVE=0 to force the portable BigInt/node:crypto paths.
 */
import { createRequire } from 'node:module';

/** Opaque handle to a modulus prepared by the native module. */
export type NativeModCtx = { readonly __brand: 'NativeModCtx' };

/** The raw functions exported by the addon; see native/fedgrid.h for the contract. */
export interface NativeBinding {
  modCreate(modulusLE: Uint8Array): NativeModCtx;
  modInfo(ctx: NativeModCtx): { bits: number; bytes: number; backend: 'ifma' | 'openssl' };
  modMul(ctx: NativeModCtx, a: Uint8Array, b: Uint8Array, out: Uint8Array): void;
  modPow(ctx: NativeModCtx, bases: Uint8Array, expLE: Uint8Array, out: Uint8Array): void;
  modFixedBaseTableSize(ctx: NativeModCtx, expBits: number, window: number): number;
  modFixedBaseTableInit(
    ctx: NativeModCtx,
    baseLE: Uint8Array,
    expBits: number,
    window: number,
    table: Uint8Array,
  ): void;
  modFixedBasePow(
    ctx: NativeModCtx,
    table: Uint8Array,
    expBits: number,
    window: number,
    exps: Uint8Array,
    out: Uint8Array,
  ): void;
  modMultiExp(
    ctx: NativeModCtx,
    bases: Uint8Array,
    exps: Int32Array,
    columns: number,
    out: Uint8Array,
  ): void;
  x25519Batch(scalar: Uint8Array, points: Uint8Array, out: Uint8Array): void;
  x25519Info(): { backend: 'ifma' | 'openssl' };
  /**
   * out[i] = x(scalar · P_i) on the SM2 curve, big-endian (native/sm2.c). Returns −1, or the
   * index of the first x that is not a curve x-coordinate. Absent from addons built before it.
   */
  sm2MulX?(scalar: Uint8Array, xs: Uint8Array, out: Uint8Array): number;
  /** flags[i] = 1 if the big-endian xs[i] is an SM2 curve x-coordinate, else 0. */
  sm2XOnCurve?(xs: Uint8Array, flags: Uint8Array): void;
  /**
   * The SM2-PSI try-and-increment hash (ecdh/sm2.ts) of n ids given as concatenated UTF-8 with
   * end offsets; out receives n × 32 bytes.
   */
  sm2HashToX?(dst: Uint8Array, ids: Uint8Array, ends: Int32Array, out: Uint8Array): void;
  /**
   * The SM2 kernel the next call uses: `backend` 'ifma' (AVX-512 IFMA, 8 lanes) or 'portable'
   * (64-bit C), and which build of the portable kernel: 'bmi2-adx' where the CPU has both and
   * FEDGRID_NATIVE_BMI2 is not "0", else 'c'.
   */
  sm2Info?(): { backend: 'ifma' | 'portable'; portable: 'bmi2-adx' | 'c' };
}

let cached: NativeBinding | null | undefined;
let loadError: string | undefined;

/** The native binding, or null when it is disabled or could not be loaded. */
export function nativeBinding(): NativeBinding | null {
  if (cached !== undefined) return cached;
  if (process.env.FEDGRID_NATIVE === '0') {
    loadError = 'disabled by FEDGRID_NATIVE=0';
    cached = null;
    return cached;
  }
  try {
    const require = createRequire(import.meta.url);
    cached = require('../../build/Release/fedgrid_native.node') as NativeBinding;
  } catch (err) {
    loadError = (err as Error).message;
    cached = null;
  }
  return cached;
}

/** Why the native binding is unavailable (undefined when it loaded). */
export function nativeLoadError(): string | undefined {
  nativeBinding();
  return loadError;
}
