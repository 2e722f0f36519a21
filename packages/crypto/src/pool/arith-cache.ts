/**
 * Per-thread cache of modular arithmetic contexts by modulus, for the worker-thread kernels whose
 * tasks carry only a modulus (histogram-tasks.ts, inner-product-task.ts): a context (Montgomery
 * constants, native handle) is built once per thread and modulus, not once per task.
 */
import type { ModArith } from '../kernels/mod-arith.js';
import { createModArith } from '../kernels/select.js';

const ariths = new Map<string, ModArith>();

/**
 * The arithmetic modulo `modulus` (hexadecimal, e.g. a Paillier n²), built on first use.
 * @throws SyntaxError when `modulus` is not hexadecimal; RangeError for a modulus no backend takes.
 */
export function arithFor(modulus: string): ModArith {
  let a = ariths.get(modulus);
  if (!a) {
    a = createModArith(BigInt(`0x${modulus}`));
    ariths.set(modulus, a);
  }
  return a;
}
