/**
 * Local computation a protocol hands to its runtime instead of doing it inline: a step of the
 * protocol generator that is not a communication round (see {@link Proto}). The protocol yields
 * a {@link LocalWork} and is resumed with the work's bytes as `inbox[0]`.
 *
 * Why: the dealer-free triples' Paillier operations (messages.ts, material.ts) take milliseconds
 * per element, orders of magnitude more than anything else of the engine. Described as data,
 * they can run wherever the runtime chooses — inline ({@link LocalWork.compute}, the in-memory
 * {@link runLocal}), on the worker threads of a crypto pool, or in chunks on the other worker
 * processes of the node (@fedgrid/crypto pool/mpc-work-pool.ts) — while the engine stays
 * I/O-free and deterministic: the bytes are the same wherever the work ran, except the
 * randomisers of fresh Paillier ciphertexts (their plaintexts are the same).
 */
import type { PaillierPrivateKey, PaillierPublicKey } from '../paillier/keys.js';

/**
 * [[m_i]] for ring plaintexts m_i under the public key (party 0's [[a0]], [[b0]]).
 * Result: values.length × cipherBytes bytes.
 */
export interface PaillierEncryptWork {
  readonly op: 'paillierEncryptRing';
  readonly publicKey: PaillierPublicKey;
  /** Plaintexts in [0, 2^64) (ring shares). */
  readonly values: readonly bigint[];
}

/**
 * Gilboa's cross terms (party 1): [[a0_i·b1_i + b0_i·a1_i + ρ_i]] from [[a0]], [[b0]] under the
 * other party's public key. Result: n × cipherBytes bytes.
 */
export interface PaillierCrossWork {
  readonly op: 'paillierGilboaCross';
  readonly publicKey: PaillierPublicKey;
  /** [[a0]] then [[b0]]: 2n × cipherBytes bytes. */
  readonly cts: Uint8Array;
  /** This party's a1, b1 shares (n each). */
  readonly a: BigUint64Array;
  readonly b: BigUint64Array;
  /** The statistical masks ρ_i < 2^{129+σ} (n). */
  readonly rho: readonly bigint[];
}

/**
 * Decryption to the low 64 bits of each plaintext (party 0's cross terms). Needs the private
 * key, so it runs in the process that holds the key (never across processes).
 * Result: n × 8 bytes, little-endian words.
 */
export interface PaillierDecryptWork {
  readonly op: 'paillierDecryptLow64';
  readonly privateKey: PaillierPrivateKey;
  /** n × cipherBytes bytes. */
  readonly cts: Uint8Array;
}

/** What a {@link LocalWork} computes. */
export type MpcWorkRequest = PaillierEncryptWork | PaillierCrossWork | PaillierDecryptWork;

/** One step of local computation: what to compute, and how to compute it inline. */
export class LocalWork {
  /**
   * @param what the step, for errors and logs.
   * @param request the computation as data (for a runtime that runs it elsewhere).
   * @param compute the same computation, inline (the reference result).
   */
  constructor(
    readonly what: string,
    readonly request: MpcWorkRequest,
    readonly compute: () => Uint8Array,
  ) {}
}

/**
 * Runs local work for a runtime (e.g. on a crypto pool). Must return the bytes
 * {@link LocalWork.compute} would (up to the randomisers of fresh ciphertexts).
 */
export interface MpcWorkRunner {
  run(work: LocalWork): Promise<Uint8Array>;
}
