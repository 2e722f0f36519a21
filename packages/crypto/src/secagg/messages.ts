/**
 * The messages of secure aggregation (Bonawitz et al., CCS 2017, Fig. 4, semi-honest variant):
 * plain objects of numbers and Uint8Arrays (masked inputs are Uint32Arrays), so that callers
 * can send them over any channel with any encoding.
 */

/** Round 0, client → server (and the server's roster, server → clients). */
export interface AdvertiseMsg {
  /** The client's id. */
  id: number;
  /** c_u^PK: X25519 public key (32 bytes) for encrypting shares to this client. */
  cPk: Uint8Array;
  /** s_u^PK: X25519 public key (32 bytes) for the pairwise mask seeds. */
  sPk: Uint8Array;
}

/** One encrypted share pair (b_{from,to}, s^SK_{from,to}) from `from` to `to`. */
export interface EncryptedShare {
  from: number;
  to: number;
  /** AES-256-GCM ciphertext ‖ tag, 82 bytes. */
  ciphertext: Uint8Array;
}

/** Round 1, client → server: one encrypted share pair per neighbour. */
export interface ShareKeysMsg {
  id: number;
  shares: EncryptedShare[];
}

/** Round 3, server → surviving clients. */
export interface UnmaskRequest {
  /** U2 \ U3: clients that shared keys but sent no masked input (their masks are removed). */
  dropped: number[];
  /** U3: clients whose masked input is in the sum (their self-masks are removed). */
  survivors: number[];
}

/** One revealed share of the secret of client `of`. */
export interface RevealedShare {
  of: number;
  /** The share value, 33 bytes. */
  value: Uint8Array;
}

/** Round 3, client → server. */
export interface UnmaskMsg {
  id: number;
  /** Shares of s^SK of dropped neighbours. */
  skShares: RevealedShare[];
  /** Shares of b of surviving neighbours. */
  bShares: RevealedShare[];
}
