/**
 * Gradient packing (FATE's "gh packing"; docs/protocols/secureboost.md#packing): for every
 * sampled row the guest encrypts ONE plaintext holding g and h of every class,
 *
 *   P_i = Σ_k ( H_ik · 2^(k·w) + G_ik · 2^(k·w + hBits) ),   w = gBits + hBits,
 *   G_ik = round(g_ik · 2^F), H_ik = round(h_ik · 2^F)  (F = fracBits),
 *
 * as balanced signed digits, so that any sum of the P_i over a subset of the n sampled rows is
 * decoded digit by digit without carries between slots. The digit widths leave room for the
 * largest possible sum: gBits = bits(n · max|G|) + 2 (one bit of sign, one of margin), hBits
 * likewise. A bucket sum then takes slotBits = K·w bits, and the host packs perCiphertext =
 * ⌊bits(n/3) / slotBits⌋ of them into one ciphertext for decryption.
 */
import {
  bitLength,
  decodeFixed,
  slotCapacity,
  unpackMixedSlots,
  type PlaintextRing,
} from '@fedgrid/crypto';
import { ComponentError } from '../spec.js';
import type { RoundLayout } from './protocol.js';

export interface GradientLayout extends RoundLayout {
  outputs: number;
  gBits: number;
  hBits: number;
  fracBits: number;
}

/**
 * The layout for one round.
 * @param gInt,hInt K × N fixed-point integers (class-major), as doubles.
 * @param rows the sampled rows.
 * @param n the Paillier modulus.
 * @throws ComponentError PACKING_OVERFLOW if one bucket sum does not fit a plaintext.
 */
export function gradientLayout(
  gInt: Float64Array,
  hInt: Float64Array,
  rows: Uint32Array,
  outputs: number,
  fracBits: number,
  n: bigint,
): GradientLayout {
  const N = gInt.length / outputs;
  let maxG = 0;
  let maxH = 0;
  for (let k = 0; k < outputs; k++)
    for (let i = 0; i < rows.length; i++) {
      const r = k * N + (rows[i] as number);
      maxG = Math.max(maxG, Math.abs(gInt[r] as number));
      maxH = Math.max(maxH, Math.abs(hInt[r] as number));
    }
  const count = BigInt(rows.length);
  const gBits = bitLength(count * BigInt(maxG)) + 2;
  const hBits = bitLength(count * BigInt(maxH)) + 2;
  const slotBits = outputs * (gBits + hBits);
  const perCiphertext = slotCapacity(n, slotBits);
  if (perCiphertext < 1)
    throw new ComponentError(
      'PACKING_OVERFLOW',
      `secureboost: ${outputs} classes × (${gBits} + ${hBits}) bits per bucket sum exceed one ${bitLength(n)}-bit plaintext; lower 'fracBits' or raise 'keyBits'`,
      { field: 'fracBits', slotBits },
    );
  return { outputs, gBits, hBits, slotBits, perCiphertext, fracBits };
}

/** The digit widths of one bucket sum, least significant first: H_0, G_0, H_1, G_1, … */
export function digitWidths(layout: GradientLayout): number[] {
  const out: number[] = [];
  for (let k = 0; k < layout.outputs; k++) out.push(layout.hBits, layout.gBits);
  return out;
}

/** The packed plaintexts of `rows`, mapped into the ring [0, n). */
export function packRows(
  gInt: Float64Array,
  hInt: Float64Array,
  rows: Uint32Array,
  layout: GradientLayout,
  ring: PlaintextRing,
): bigint[] {
  const N = gInt.length / layout.outputs;
  const w = BigInt(layout.gBits + layout.hBits);
  const hb = BigInt(layout.hBits);
  const out = new Array<bigint>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as number;
    let acc = 0n;
    for (let k = layout.outputs - 1; k >= 0; k--) {
      const g = BigInt(gInt[k * N + r] as number);
      const h = BigInt(hInt[k * N + r] as number);
      acc = (acc << w) + (g << hb) + h;
    }
    out[i] = ring.toRing(acc);
  }
  return out;
}

/**
 * Splits one decrypted bucket sum into (G, H) per class, as reals.
 * @throws RangeError if a digit overflowed (cannot happen within the layout's bounds).
 */
export function decodeBucket(value: bigint, layout: GradientLayout): { G: number[]; H: number[] } {
  const d = unpackMixedSlots(value, digitWidths(layout));
  const G: number[] = [];
  const H: number[] = [];
  for (let k = 0; k < layout.outputs; k++) {
    H.push(decodeFixed(d[2 * k] as bigint, layout.fracBits));
    G.push(decodeFixed(d[2 * k + 1] as bigint, layout.fracBits));
  }
  return { G, H };
}
