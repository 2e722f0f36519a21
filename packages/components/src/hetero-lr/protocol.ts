/**
 * Shared pieces of the coordinated HeteroLR protocol (see docs/protocols/hetero-lr.md):
 * key set-up, message tags, masking of encrypted gradients, and fixed-point scale alignment.
 */
import {
  bitLength,
  decodeFixed,
  encodeFixed,
  packBigUints,
  PaillierEvaluator,
  publicKeyFromJson,
  randomBits,
  unpackBigUints,
  type PaillierPublicKey,
  type PlaintextRing,
  type PooledPaillier,
} from '@fedgrid/crypto';
import { recvMessage } from '@fedgrid/federation';
import { ComponentError, type ProgramContext } from '../spec.js';
import { MASK_BITS, type HeteroLrParams } from './params.js';

/**
 * Message tags of one model's training; `prefix` keeps the models of a multiclass (one-vs-rest)
 * fit apart (`c0/`, `c1/`, …; empty for a single model).
 */
export function tags(prefix = '') {
  return {
    m: (e: number, b: number) => `${prefix}${e}/${b}/m`,
    u: (e: number, b: number) => `${prefix}${e}/${b}/u`,
    /** HeteroPoisson: the host's [[e^u]]. */
    expU: (e: number, b: number) => `${prefix}${e}/${b}/exp-u`,
    /** HeteroPoisson: the guest's [[d]] = [[μ − y]]. */
    d: (e: number, b: number) => `${prefix}${e}/${b}/d`,
    lossPart: (e: number, b: number) => `${prefix}${e}/${b}/loss-part`,
    grad: (e: number, b: number) => `${prefix}${e}/${b}/grad`,
    epoch: (e: number) => `${prefix}${e}/epoch`,
  };
}
export type Tags = ReturnType<typeof tags>;

/** Tags of the set-up, once per task. */
export const tag = { pubkey: 'pubkey', meta: 'meta' };

/** The guest's set-up message to hosts and arbiter. */
export interface MetaHeader {
  rows: number;
  /** Models trained one after the other: 1, or the classes of a one-vs-rest fit. @default 1 */
  models?: number;
}

/** Tag prefix of model k of `count`. */
export const modelPrefix = (k: number, count: number): string => (count > 1 ? `c${k}/` : '');

/**
 * Guest/host set-up: receives the arbiter's public key, checks its length, and prepares pooled
 * encryption (with the h_s table) and in-thread evaluation under it.
 */
export async function receiveKey(
  ctx: ProgramContext<HeteroLrParams>,
  arbiter: string,
): Promise<{ pub: PaillierPublicKey; pp: PooledPaillier; ev: PaillierEvaluator }> {
  const pub = publicKeyFromJson((await recvMessage(ctx.channel, arbiter, tag.pubkey)).header);
  if (pub.bits !== ctx.params.keyBits) {
    throw new ComponentError(
      'PARAMS_MISMATCH',
      `arbiter key has ${pub.bits} bits, expected ${ctx.params.keyBits}`,
    );
  }
  const pp = await ctx.crypto.paillier(pub, ctx.params.tableWindow);
  return { pub, pp, ev: new PaillierEvaluator(pub) };
}

/** Header of a masked-gradient message to the arbiter. */
export interface GradHeader {
  /** Number of gradient ciphertexts (the guest appends one loss ciphertext after them). */
  count: number;
  withLoss: boolean;
}

/** Arbiter's per-epoch verdict. */
export interface EpochHeader {
  stop: boolean;
  /** Stopped because the loss converged (not because maxIter was reached). */
  converged?: boolean;
  loss?: number;
  /** Why the arbiter judged the loss diverged; every party then fails with DIVERGED. */
  diverged?: string;
}

/** The error every party of a coordinated GLM throws when the arbiter reports divergence. */
export function divergedError(reason: string): ComponentError {
  return new ComponentError(
    'DIVERGED',
    `training diverged: ${reason}; lower learningRate (or keep standardize: true, the default)`,
    { reason },
  );
}

/** Ring values returned by the arbiter: count × nBytes little-endian. */
export function ringWidth(key: PaillierPublicKey): number {
  return Math.ceil(key.bits / 8);
}

/** Encodes reals at per-entry fractional bits and maps them into Z_n. */
export function encodeRing(
  ring: PlaintextRing,
  values: ArrayLike<number>,
  fracBits: ArrayLike<number> | number,
): bigint[] {
  return Array.from({ length: values.length }, (_, j) =>
    ring.toRing(
      encodeFixed(
        values[j] as number,
        typeof fracBits === 'number' ? fracBits : (fracBits[j] as number),
      ),
    ),
  );
}

/**
 * Adds fresh uniform masks ρ_j < 2^MASK_BITS to encrypted values (so that the arbiter decrypts
 * only G + ρ) and returns the masked ciphertexts with the masks.
 */
export function maskCiphertexts(
  ev: PaillierEvaluator,
  cts: Uint8Array,
): { masked: Uint8Array; masks: bigint[] } {
  const count = cts.length / ev.publicKey.cipherBytes;
  const masks = Array.from({ length: count }, () => randomBits(MASK_BITS));
  return { masked: ev.addPlainRing(cts, masks), masks };
}

/** Removes masks from decrypted ring values and decodes reals at per-entry scales. */
export function unmask(
  ring: PlaintextRing,
  decrypted: Uint8Array,
  masks: bigint[],
  fracBits: ArrayLike<number>,
): Float64Array {
  const vals = unpackBigUints(decrypted, Math.ceil(bitLength(ring.n) / 8));
  if (vals.length !== masks.length) {
    throw new ComponentError(
      'PROTOCOL',
      `arbiter returned ${vals.length} values for ${masks.length} masked gradients`,
    );
  }
  return Float64Array.from(vals, (v, j) => {
    const g = ring.fromRing((((v - (masks[j] as bigint)) % ring.n) + ring.n) % ring.n);
    return decodeFixed(g, fracBits[j] as number);
  });
}

/** Re-scales ciphertexts from `from` to `to` fractional bits (to ≥ from) by multiplying by 2^(to−from). */
export function alignScale(
  ev: PaillierEvaluator,
  ct: Uint8Array,
  from: number,
  to: number,
): Uint8Array {
  if (to < from)
    throw new RangeError(`cannot lower a ciphertext's scale from ${from} to ${to} bits`);
  if (to === from) return ct;
  const count = ct.length / ev.publicKey.cipherBytes;
  return ev.mulScalar(ct, new Array<bigint>(count).fill(1n << BigInt(to - from)));
}

/** Multiplies a list of same-length ciphertext batches element-wise (sums their plaintexts). */
export function sumCiphertexts(ev: PaillierEvaluator, parts: Uint8Array[]): Uint8Array {
  let acc = parts[0] as Uint8Array;
  for (let k = 1; k < parts.length; k++) acc = ev.add(acc, parts[k] as Uint8Array);
  return acc;
}

export { packBigUints };
