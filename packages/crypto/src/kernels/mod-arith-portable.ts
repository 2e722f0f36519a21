/**
 * Portable BigInt implementation of {@link ModArith}. It is the reference the native kernels
 * are tested against and the fallback where the addon is unavailable (about 4–20× slower).
 */
import { bitLength, packBigUints, readBigUintLE, unpackBigUints, writeBigUintLE } from './bytes.js';
import type { FixedBaseTable, ModArith } from './mod-arith.js';

/** Square-and-multiply with a 5-bit sliding window. */
export function modPow(base: bigint, exponent: bigint, m: bigint): bigint {
  if (m === 1n) return 0n;
  if (exponent < 0n) throw new RangeError('modPow: negative exponent');
  base %= m;
  if (exponent === 0n) return 1n;
  const w = 5;
  const tbl: bigint[] = [base];
  const b2 = (base * base) % m;
  for (let i = 1; i < 1 << (w - 1); i++) tbl.push(((tbl[i - 1] as bigint) * b2) % m);
  const bits = exponent.toString(2);
  let r = 1n;
  let i = 0;
  while (i < bits.length) {
    if (bits[i] === '0') {
      r = (r * r) % m;
      i++;
      continue;
    }
    let j = Math.min(i + w, bits.length);
    while (bits[j - 1] === '0') j--;
    const chunk = parseInt(bits.slice(i, j), 2);
    for (let k = i; k < j; k++) r = (r * r) % m;
    r = (r * (tbl[(chunk - 1) >> 1] as bigint)) % m;
    i = j;
  }
  return r;
}

/**
 * Modular inverse by the extended Euclidean algorithm.
 * @throws RangeError if gcd(a, m) ≠ 1.
 */
export function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [((a % m) + m) % m, m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new RangeError('value is not invertible modulo the modulus');
  return ((s0 % m) + m) % m;
}

export class PortableModArith implements ModArith {
  readonly bits: number;
  readonly width: number;
  readonly backend = 'portable' as const;

  constructor(readonly modulus: bigint) {
    if (modulus < 3n || (modulus & 1n) === 0n) {
      throw new RangeError('modulus must be an odd integer ≥ 3');
    }
    this.bits = bitLength(modulus);
    this.width = Math.ceil(this.bits / 8);
  }

  mul(a: Uint8Array, b: Uint8Array): Uint8Array {
    const w = this.width;
    const n = this.count(a, 'a');
    const single = b.length === w;
    if (!single && b.length !== a.length) {
      throw new RangeError(`b must hold 1 or ${n} elements of ${w} bytes, got ${b.length} bytes`);
    }
    const out = new Uint8Array(n * w);
    const bOne = single ? readBigUintLE(b, 0, w) : 0n;
    for (let i = 0; i < n; i++) {
      const x = readBigUintLE(a, i * w, w);
      const y = single ? bOne : readBigUintLE(b, i * w, w);
      writeBigUintLE((x * y) % this.modulus, w, out, i * w);
    }
    return out;
  }

  pow(bases: Uint8Array, exponent: bigint): Uint8Array {
    const w = this.width;
    const n = this.count(bases, 'bases');
    const out = new Uint8Array(n * w);
    for (let i = 0; i < n; i++) {
      writeBigUintLE(modPow(readBigUintLE(bases, i * w, w), exponent, this.modulus), w, out, i * w);
    }
    return out;
  }

  fixedBaseTableSize(expBits: number, window: number): number {
    checkTableShape(expBits, window);
    return Math.ceil(expBits / window) * (1 << window) * this.width;
  }

  fixedBaseTable(base: bigint, expBits: number, window: number, into?: Uint8Array): FixedBaseTable {
    const size = this.fixedBaseTableSize(expBits, window);
    const data = into ?? new Uint8Array(size);
    if (data.length !== size) throw new RangeError(`table needs ${size} bytes, got ${data.length}`);
    const m = this.modulus;
    const w = this.width;
    const positions = Math.ceil(expBits / window);
    const digits = 1 << window;
    let g = base % m; // base^(2^(window·k))
    for (let k = 0; k < positions; k++) {
      let acc = 1n;
      for (let d = 0; d < digits; d++) {
        writeBigUintLE(acc, w, data, (k * digits + d) * w);
        acc = (acc * g) % m;
      }
      g = acc; // g^(2^window)
    }
    return { data, expBits, window };
  }

  fixedBasePow(table: FixedBaseTable, exps: Uint8Array): Uint8Array {
    const eb = Math.ceil(table.expBits / 8);
    if (exps.length % eb !== 0) {
      throw new RangeError(`exps must be n × ${eb} bytes, got ${exps.length}`);
    }
    const n = exps.length / eb;
    const w = this.width;
    const digits = 1 << table.window;
    const positions = Math.ceil(table.expBits / table.window);
    const out = new Uint8Array(n * w);
    for (let i = 0; i < n; i++) {
      const e = readBigUintLE(exps, i * eb, eb);
      if (bitLength(e) > table.expBits) {
        throw new RangeError(`exponent ${i} has more than ${table.expBits} bits`);
      }
      let r = 1n;
      let rest = e;
      const mask = BigInt(digits - 1);
      for (let k = 0; k < positions && rest > 0n; k++) {
        const d = Number(rest & mask);
        rest >>= BigInt(table.window);
        if (d !== 0) r = (r * readBigUintLE(table.data, (k * digits + d) * w, w)) % this.modulus;
      }
      writeBigUintLE(r, w, out, i * w);
    }
    return out;
  }

  multiExp(bases: Uint8Array, exps: Int32Array, columns: number): Uint8Array {
    const n = this.count(bases, 'bases');
    if (!Number.isInteger(columns) || columns < 1 || exps.length !== n * columns) {
      throw new RangeError(`exps must hold ${n} × ${columns} exponents, got ${exps.length}`);
    }
    const m = this.modulus;
    const b = unpackBigUints(bases, this.width);
    const results: bigint[] = [];
    for (let j = 0; j < columns; j++) {
      let pos = 1n;
      let neg = 1n;
      for (let i = 0; i < n; i++) {
        const e = exps[i * columns + j] as number;
        if (e > 0) pos = (pos * modPow(b[i] as bigint, BigInt(e), m)) % m;
        else if (e < 0) neg = (neg * modPow(b[i] as bigint, BigInt(-e), m)) % m;
      }
      results.push(neg === 1n ? pos : (pos * modInverse(neg, m)) % m);
    }
    return packBigUints(results, this.width);
  }

  private count(batch: Uint8Array, name: string): number {
    if (batch.length % this.width !== 0) {
      throw new RangeError(`${name} must be n × ${this.width} bytes, got ${batch.length}`);
    }
    return batch.length / this.width;
  }
}

/** @throws RangeError for table shapes no backend supports. */
export function checkTableShape(expBits: number, window: number): void {
  if (!Number.isInteger(expBits) || expBits < 1 || expBits > 16384) {
    throw new RangeError(`expBits must be an integer in [1, 16384], got ${expBits}`);
  }
  if (!Number.isInteger(window) || window < 1 || window > 16) {
    throw new RangeError(`window must be an integer in [1, 16], got ${window}`);
  }
}
