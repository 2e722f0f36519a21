/** {@link ModArith} on the native kernels (OpenSSL BN or AVX-512 IFMA Montgomery arithmetic). */
import { bitLength, writeBigUintLE } from './bytes.js';
import type { FixedBaseTable, ModArith, ModBackend } from './mod-arith.js';
import { checkTableShape } from './mod-arith-portable.js';
import type { NativeBinding, NativeModCtx } from './native.js';

function toLE(x: bigint, width: number): Uint8Array {
  const out = new Uint8Array(width);
  writeBigUintLE(x, width, out);
  return out;
}

export class NativeModArith implements ModArith {
  readonly bits: number;
  readonly width: number;
  readonly backend: ModBackend;
  private readonly ctx: NativeModCtx;

  constructor(
    private readonly native: NativeBinding,
    readonly modulus: bigint,
  ) {
    if (modulus < 3n || (modulus & 1n) === 0n) {
      throw new RangeError('modulus must be an odd integer ≥ 3');
    }
    this.bits = bitLength(modulus);
    this.width = Math.ceil(this.bits / 8);
    this.ctx = native.modCreate(toLE(modulus, this.width));
    this.backend = native.modInfo(this.ctx).backend === 'ifma' ? 'native-ifma' : 'native-openssl';
  }

  mul(a: Uint8Array, b: Uint8Array): Uint8Array {
    const out = new Uint8Array(a.length);
    this.native.modMul(this.ctx, a, b, out);
    return out;
  }

  pow(bases: Uint8Array, exponent: bigint): Uint8Array {
    if (exponent < 0n) throw new RangeError('pow: negative exponent');
    const out = new Uint8Array(bases.length);
    const eBytes = Math.max(1, Math.ceil(bitLength(exponent) / 8));
    this.native.modPow(this.ctx, bases, toLE(exponent, eBytes), out);
    return out;
  }

  fixedBaseTableSize(expBits: number, window: number): number {
    checkTableShape(expBits, window);
    return this.native.modFixedBaseTableSize(this.ctx, expBits, window);
  }

  fixedBaseTable(base: bigint, expBits: number, window: number, into?: Uint8Array): FixedBaseTable {
    const size = this.fixedBaseTableSize(expBits, window);
    const data = into ?? new Uint8Array(size);
    if (data.length !== size) throw new RangeError(`table needs ${size} bytes, got ${data.length}`);
    this.native.modFixedBaseTableInit(
      this.ctx,
      toLE(base % this.modulus, this.width),
      expBits,
      window,
      data,
    );
    return { data, expBits, window };
  }

  fixedBasePow(table: FixedBaseTable, exps: Uint8Array): Uint8Array {
    const eb = Math.ceil(table.expBits / 8);
    if (exps.length % eb !== 0)
      throw new RangeError(`exps must be n × ${eb} bytes, got ${exps.length}`);
    const out = new Uint8Array((exps.length / eb) * this.width);
    this.native.modFixedBasePow(this.ctx, table.data, table.expBits, table.window, exps, out);
    return out;
  }

  multiExp(bases: Uint8Array, exps: Int32Array, columns: number): Uint8Array {
    const out = new Uint8Array(columns * this.width);
    this.native.modMultiExp(this.ctx, bases, exps, columns, out);
    return out;
  }
}
