/** Messages between {@link CryptoPool} and its worker threads (structured-cloned). */
import type { PaillierPrivateKeyJson, PaillierPublicKeyJson } from '../paillier/keys.js';

export interface X25519Task {
  scalar: Uint8Array;
  points: Uint8Array;
}

/** SM2 x-only multiplication (see ecdh/sm2.ts); `points` are n × 32-byte x-coordinates. */
export type Sm2MultiplyTask = X25519Task;

/** Builds and encodes a keyword-PIR table (pir/table.ts) on one worker thread. */
export interface PirTableTask {
  /** 32-byte OPRF key. */
  key: Uint8Array;
  /** n distinct keywords. */
  keys: readonly string[];
  /** n × labelBytes bytes. */
  labels: Uint8Array;
  labelBytes: number;
}

export interface HashMultiplyTask {
  scalar: Uint8Array;
  ids: string[];
}

export interface PaillierKeyRef {
  publicKey: PaillierPublicKeyJson;
  /** Fixed-base table for h_s on a SharedArrayBuffer, filled by `paillierBuildTable`. */
  table: Uint8Array;
  window: number;
}

export type BuildTableTask = PaillierKeyRef;

export interface EncryptTask extends PaillierKeyRef {
  values: Float64Array;
  fracBits: number;
}

export interface EncryptRingTask extends PaillierKeyRef {
  /** Plaintexts in [0, n) as count × nBytes little-endian bytes. */
  ring: Uint8Array;
}

export interface CiphertextsTask extends PaillierKeyRef {
  cts: Uint8Array;
}

export interface AddTask extends PaillierKeyRef {
  a: Uint8Array;
  b: Uint8Array;
}

export interface MultiExpTask extends PaillierKeyRef {
  cts: Uint8Array;
  exps: Int32Array;
  columns: number;
}

/** Gilboa cross terms of a range of triples (mpc/paillier-cross.ts). */
export interface GilboaCrossTask extends PaillierKeyRef {
  /** [[a0]] then [[b0]] of the range: 2n × cipherBytes bytes. */
  cts: Uint8Array;
  a: BigUint64Array;
  b: BigUint64Array;
  /** The masks, n × CROSS_RHO_BYTES little-endian bytes. */
  rho: Uint8Array;
}

export interface DecryptTask {
  privateKey: PaillierPrivateKeyJson;
  cts: Uint8Array;
}
