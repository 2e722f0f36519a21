/**
 * The modular-arithmetic kernel interface behind Paillier: batched multiplication,
 * exponentiation, fixed-base exponentiation (the DJN randomiser) and multi-exponentiation
 * (encrypted inner products). Two implementations share it: the native one (C, OpenSSL BN or
 * AVX-512 IFMA Montgomery arithmetic, see native/) and a portable BigInt one that is the
 * reference in tests and the fallback where the addon could not be built.
 *
 * Every batch is one Uint8Array of n numbers, each `width` bytes little-endian (see bytes.ts).
 */

/** Which implementation computes: native with AVX-512 IFMA, native with OpenSSL BN, or BigInt. */
export type ModBackend = 'native-ifma' | 'native-openssl' | 'portable';

/**
 * A table of precomputed powers of one fixed base, built by {@link ModArith.fixedBaseTable}.
 * Its byte layout belongs to the backend that built it; `data` may be backed by a
 * SharedArrayBuffer so that every worker thread of a process uses one copy.
 */
export interface FixedBaseTable {
  /** Backend-specific table bytes. */
  readonly data: Uint8Array;
  /** Largest exponent length, in bits, that the table supports. */
  readonly expBits: number;
  /** Window width in bits: the table holds ceil(expBits / window) · 2^window entries. */
  readonly window: number;
}

/** Modular arithmetic modulo one odd modulus M. */
export interface ModArith {
  /** The modulus M (odd, ≥ 3). */
  readonly modulus: bigint;
  /** Bit length of M. */
  readonly bits: number;
  /** Bytes per element in every batch: ceil(bits / 8). */
  readonly width: number;
  /** The implementation in use. */
  readonly backend: ModBackend;

  /**
   * Element-wise product: out[i] = a[i] · b[i] mod M, or a[i] · b mod M when `b` holds one
   * element. Inputs must be < M.
   * @param a n × width bytes.
   * @param b n × width bytes, or width bytes.
   * @returns n × width bytes.
   */
  mul(a: Uint8Array, b: Uint8Array): Uint8Array;

  /**
   * Element-wise power with one shared exponent: out[i] = bases[i]^exponent mod M.
   * @param bases n × width bytes, each < M.
   * @param exponent any non-negative integer.
   */
  pow(bases: Uint8Array, exponent: bigint): Uint8Array;

  /** Byte size of a fixed-base table for exponents of up to `expBits` bits and this window. */
  fixedBaseTableSize(expBits: number, window: number): number;

  /**
   * Precomputes base^(d · 2^(window·k)) for every window position k and digit d, so that a
   * power of `base` costs ceil(expBits / window) multiplications (Brickell–Gordon–McCurley–
   * Wilson fixed-base windowing; the DJN randomiser h_s^x of Damgård–Jurik–Nielsen 2010).
   * @param into optional destination of {@link fixedBaseTableSize} bytes (e.g. on a
   *   SharedArrayBuffer); allocated when omitted.
   */
  fixedBaseTable(base: bigint, expBits: number, window: number, into?: Uint8Array): FixedBaseTable;

  /**
   * out[i] = base^exps[i] mod M using a table from {@link fixedBaseTable} of this backend.
   * @param exps n × ceil(table.expBits / 8) bytes, each exponent little-endian.
   * @returns n × width bytes.
   */
  fixedBasePow(table: FixedBaseTable, exps: Uint8Array): Uint8Array;

  /**
   * Multi-exponentiation with signed exponents, column by column:
   * out[j] = Π_i bases[i]^exps[i·columns + j] mod M, for j < columns. A negative exponent
   * uses the inverse of the base. Used for encrypted inner products Xᵀ·[[d]].
   * @param bases N × width bytes, each a unit mod M.
   * @param exps N × columns signed 32-bit exponents, row-major.
   * @returns columns × width bytes.
   * @throws RangeError if a base with a negative exponent is not invertible mod M.
   */
  multiExp(bases: Uint8Array, exps: Int32Array, columns: number): Uint8Array;
}
