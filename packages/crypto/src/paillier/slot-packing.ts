/**
 * Several signed integers in one Paillier plaintext ("slots"), and the homomorphic packing of
 * several ciphertexts into one ("cipher compression", FATE's SecureBoost; Cheng et al.,
 * arXiv:1901.08755, and the FATE 1.5+ `CipherCompressor`):
 *
 *   pack(v_0, …, v_{c−1}) = Σ_t v_t · 2^(t·s),   |v_t| < 2^(s−1)
 *
 * A packed value is decoded by balanced base-2^s digits (each digit taken in [−2^(s−1), 2^(s−1))),
 * which is exact for signed slots as long as every |v_t| < 2^(s−1) — a sum of many slot values
 * stays decodable when the slot width leaves room for it. Under encryption the same packing is
 * Horner's rule: [[acc]] ← [[acc]]^(2^s) · [[v_t]], s squarings per slot, so that one decryption
 * recovers c values.
 */
import { bitLength } from '../kernels/bytes.js';
import type { ModArith } from '../kernels/mod-arith.js';

function checkSlotBits(slotBits: number): void {
  if (!Number.isInteger(slotBits) || slotBits < 2 || slotBits > 65_536)
    throw new RangeError(`slot width must be an integer in [2, 65536] bits, got ${slotBits}`);
}

/**
 * How many slots of `slotBits` bits fit in one plaintext under modulus `n`, keeping the packed
 * value within the signed range ±⌊n/3⌋ that decryption accepts: ⌊bits(⌊n/3⌋) / slotBits⌋.
 */
export function slotCapacity(n: bigint, slotBits: number): number {
  checkSlotBits(slotBits);
  return Math.floor(bitLength(n / 3n) / slotBits);
}

/**
 * Σ_t values[t] · 2^(t·slotBits) (slot 0 is the least significant).
 * @throws RangeError if a value does not fit a signed slot (|v| ≥ 2^(slotBits−1)).
 */
export function packSlots(values: readonly bigint[], slotBits: number): bigint {
  checkSlotBits(slotBits);
  const s = BigInt(slotBits);
  const limit = 1n << (s - 1n);
  let acc = 0n;
  for (let t = values.length - 1; t >= 0; t--) {
    const v = values[t] as bigint;
    if (v >= limit || -v >= limit)
      throw new RangeError(
        `slot ${t} value of ${bitLength(v < 0n ? -v : v)} bits exceeds ±2^${slotBits - 1}`,
      );
    acc = (acc << s) + v;
  }
  return acc;
}

/**
 * Balanced digits of `packed`, slot widths given from the least significant: the inverse of
 * {@link packSlots} (and of its mixed-width generalisation).
 * @throws RangeError if `packed` has more than the listed digits (a slot overflowed).
 */
export function unpackMixedSlots(packed: bigint, widths: readonly number[]): bigint[] {
  const out = new Array<bigint>(widths.length);
  let v = packed;
  for (let t = 0; t < widths.length; t++) {
    const s = BigInt(widths[t] as number);
    const mask = (1n << s) - 1n;
    let d = v & mask; // two's-complement semantics: the low bits, also for negative v
    if (d >= 1n << (s - 1n)) d -= 1n << s;
    out[t] = d;
    v = (v - d) >> s;
  }
  if (v !== 0n)
    throw new RangeError(
      'packed value has more digits than its slots: a slot overflowed (use wider slots)',
    );
  return out;
}

/** The `count` slot values of a packed value (see {@link packSlots}). */
export function unpackSlots(packed: bigint, slotBits: number, count: number): bigint[] {
  checkSlotBits(slotBits);
  return unpackMixedSlots(packed, new Array<number>(count).fill(slotBits));
}

/**
 * Packs ciphertexts homomorphically, `perCiphertext` at a time: group g becomes
 * [[Σ_t m_{g·per+t} · 2^(t·slotBits)]] (the last group may hold fewer). Costs ≈ slotBits
 * squarings per packed ciphertext; the result decrypts to a value {@link unpackSlots} splits.
 * @param cts count × width bytes (width = arith.width, the modulus being n²).
 * @returns ⌈count / perCiphertext⌉ ciphertexts.
 * @throws RangeError on a bad slot width, group size or batch length.
 */
export function compressCiphertexts(
  arith: ModArith,
  cts: Uint8Array,
  slotBits: number,
  perCiphertext: number,
): Uint8Array {
  checkSlotBits(slotBits);
  const w = arith.width;
  if (cts.length % w !== 0)
    throw new RangeError(`ciphertext batch of ${cts.length} bytes is not a multiple of ${w}`);
  if (!Number.isInteger(perCiphertext) || perCiphertext < 1)
    throw new RangeError(`perCiphertext must be a positive integer, got ${perCiphertext}`);
  const count = cts.length / w;
  const groups = Math.ceil(count / perCiphertext);
  const out = new Uint8Array(groups * w);
  if (count === 0) return out;
  const shift = 1n << BigInt(slotBits);
  const started = new Uint8Array(groups);
  // Horner from the top slot down, batched over the groups that have slot t.
  for (let t = perCiphertext - 1; t >= 0; t--) {
    const cont: number[] = [];
    for (let g = 0; g < groups; g++) {
      const i = g * perCiphertext + t;
      if (i >= count) continue;
      if (started[g]) cont.push(g);
      else {
        out.set(cts.subarray(i * w, (i + 1) * w), g * w);
        started[g] = 1;
      }
    }
    if (cont.length === 0) continue;
    const acc = new Uint8Array(cont.length * w);
    const add = new Uint8Array(cont.length * w);
    cont.forEach((g, k) => {
      acc.set(out.subarray(g * w, (g + 1) * w), k * w);
      const i = g * perCiphertext + t;
      add.set(cts.subarray(i * w, (i + 1) * w), k * w);
    });
    const next = arith.mul(arith.pow(acc, shift), add);
    cont.forEach((g, k) => out.set(next.subarray(k * w, (k + 1) * w), g * w));
  }
  return out;
}
