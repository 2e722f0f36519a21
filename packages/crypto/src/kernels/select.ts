/** Picks the fastest available {@link ModArith} implementation for a modulus. */
import type { ModArith } from './mod-arith.js';
import { NativeModArith } from './mod-arith-native.js';
import { PortableModArith } from './mod-arith-portable.js';
import { nativeBinding } from './native.js';

/**
 * Modular arithmetic modulo `modulus`: native when the addon loaded, portable BigInt otherwise.
 * @param prefer force `'portable'` (e.g. to cross-check results).
 */
export function createModArith(modulus: bigint, prefer?: 'portable'): ModArith {
  const native = prefer === 'portable' ? null : nativeBinding();
  return native ? new NativeModArith(native, modulus) : new PortableModArith(modulus);
}

/** The backend {@link createModArith} picks in this thread (probed with the prime 2^521 − 1). */
export function modArithBackend(): ModArith['backend'] {
  return createModArith((1n << 521n) - 1n).backend;
}
