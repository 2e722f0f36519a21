/**
 * SM2 key exchange (GM/T 0003.3-2012 §6.1, GB/T 32918.3-2016): two parties with long-term SM2
 * key pairs and distinguishing IDs each contribute an ephemeral point R = r·G and derive the same
 * key K = KDF(x_U ‖ y_U ‖ ZA ‖ ZB, klen) with the SM3 KDF, plus the optional key confirmation
 * S_B / S_A. Roles: A is the initiator, B the responder.
 *
 *   A → B : R_A
 *   B → A : R_B, S_B = SM3(0x02 ‖ y_V ‖ SM3(x_V ‖ ZA ‖ ZB ‖ x1 ‖ y1 ‖ x2 ‖ y2))
 *   A → B : S_A = SM3(0x03 ‖ y_U ‖ SM3(x_U ‖ ZA ‖ ZB ‖ x1 ‖ y1 ‖ x2 ‖ y2))
 *
 * Each party learns the peer's ephemeral point and the agreed key; an eavesdropper learns the
 * ephemeral points only. The curve arithmetic is @noble/curves; the steps are written here.
 */
import { timingSafeEqual } from 'node:crypto';
import {
  bigToBytes,
  bytesToBig,
  decodeSm2Point,
  SM2_DEFAULT_USER_ID,
  SM2_P256,
  sm2Za,
  type Sm2Curve,
  type Sm2Point,
} from './sm2-curve.js';
import { randomScalarIn, sm2PrivateScalar } from './sm2-sign.js';
import { sm3, sm3Kdf } from './sm3.js';

/** One party's long-term identity in the exchange. */
export interface Sm2ExchangeParty {
  /** Own 32-byte private key (only for `self`). */
  privateKey?: Uint8Array;
  /** 65-byte public key. */
  publicKey: Uint8Array;
  /** Distinguishing ID; default {@link SM2_DEFAULT_USER_ID}. */
  id?: string | Uint8Array;
}

/** An ephemeral key pair r, R = r·G (R as 65 bytes). Keep `secret` private; use it once. */
export interface Sm2Ephemeral {
  secret: Uint8Array;
  point: Uint8Array;
}

/** Inputs shared by both roles. */
export interface Sm2ExchangeInput {
  self: Sm2ExchangeParty & { privateKey: Uint8Array };
  peer: Sm2ExchangeParty;
  /** Own ephemeral pair from {@link sm2Ephemeral}. */
  ephemeral: Sm2Ephemeral;
  /** The peer's ephemeral point R (65 or 33 bytes). */
  peerEphemeral: Uint8Array;
  /** Bytes of key to derive (klen / 8). */
  keyBytes: number;
}

/** Result of one side's computation. */
export interface Sm2ExchangeResult {
  /** The agreed key. */
  key: Uint8Array;
  /** The confirmation value this side sends (S_B for the responder, S_A for the initiator). */
  confirmation: Uint8Array;
  /** The confirmation value this side expects from the peer (S_A / S_B). */
  expectedConfirmation: Uint8Array;
}

/** A fresh ephemeral pair r ∈ [1, n−1], R = r·G (A1–A3 / B1–B3). */
export function sm2Ephemeral(curve: Sm2Curve = SM2_P256): Sm2Ephemeral {
  const r = randomScalarIn(1n, curve.n - 1n);
  return { secret: bigToBytes(r, curve.bytes), point: curve.Point.BASE.multiply(r).toBytes(false) };
}

/** x̄ = 2^w + (x mod 2^w), w = ⌈⌈log₂ n⌉ / 2⌉ − 1 (A4 / B3). */
function xBar(curve: Sm2Curve, x: bigint): bigint {
  const w = BigInt(Math.ceil(curve.n.toString(2).length / 2) - 1);
  return (1n << w) + (x & ((1n << w) - 1n));
}

function derive(
  curve: Sm2Curve,
  input: Sm2ExchangeInput,
  role: 'initiator' | 'responder',
): Sm2ExchangeResult {
  const { n, bytes } = curve;
  const d = sm2PrivateScalar(input.self.privateKey, curve);
  const selfPub = decodeSm2Point(input.self.publicKey, curve);
  if (!curve.Point.BASE.multiply(d).equals(selfPub)) {
    throw new RangeError('SM2 key exchange: own public key does not belong to own private key');
  }
  const peerPub = decodeSm2Point(input.peer.publicKey, curve);
  const r = bytesToBig(input.ephemeral.secret);
  if (r < 1n || r >= n) throw new RangeError('SM2 key exchange: ephemeral secret out of range');
  const ownR = curve.Point.BASE.multiply(r);
  let peerR: Sm2Point;
  try {
    peerR = decodeSm2Point(input.peerEphemeral, curve); // A6 / B4: R on the curve
  } catch (e) {
    throw new RangeError(`SM2 key exchange: peer ephemeral point: ${(e as Error).message}`);
  }
  const t = (d + xBar(curve, ownR.toAffine().x) * r) % n; // A5 / B3
  const shared = peerPub.add(peerR.multiply(xBar(curve, peerR.toAffine().x))).multiply(t); // A7 / B5 (h = 1)
  if (shared.is0()) throw new Error('SM2 key exchange failed: shared point is the identity');
  const { x, y } = shared.toAffine();
  const xU = bigToBytes(x, bytes);
  const yU = bigToBytes(y, bytes);
  const zSelf = sm2Za(selfPub, input.self.id ?? SM2_DEFAULT_USER_ID, curve);
  const zPeer = sm2Za(peerPub, input.peer.id ?? SM2_DEFAULT_USER_ID, curve);
  const [zA, zB] = role === 'initiator' ? [zSelf, zPeer] : [zPeer, zSelf];
  const [rA, rB] = role === 'initiator' ? [ownR, peerR] : [peerR, ownR];
  const a = rA.toAffine();
  const b = rB.toAffine();
  const key = sm3Kdf(Uint8Array.of(...xU, ...yU, ...zA, ...zB), input.keyBytes); // A8 / B6
  const inner = sm3(
    xU,
    zA,
    zB,
    bigToBytes(a.x, bytes),
    bigToBytes(a.y, bytes),
    bigToBytes(b.x, bytes),
    bigToBytes(b.y, bytes),
  );
  const s2 = sm3(Uint8Array.of(0x02), yU, inner); // S_B / S_1
  const s3 = sm3(Uint8Array.of(0x03), yU, inner); // S_A / S_2
  return role === 'initiator'
    ? { key, confirmation: s3, expectedConfirmation: s2 }
    : { key, confirmation: s2, expectedConfirmation: s3 };
}

/**
 * The initiator's (A's) side: A4–A10 once R_B has arrived.
 * @throws RangeError for malformed keys or points; Error if the result is the identity.
 */
export function sm2ExchangeInitiator(
  input: Sm2ExchangeInput,
  curve: Sm2Curve = SM2_P256,
): Sm2ExchangeResult {
  return derive(curve, input, 'initiator');
}

/**
 * The responder's (B's) side: B3–B7 once R_A has arrived.
 * @throws RangeError for malformed keys or points; Error if the result is the identity.
 */
export function sm2ExchangeResponder(
  input: Sm2ExchangeInput,
  curve: Sm2Curve = SM2_P256,
): Sm2ExchangeResult {
  return derive(curve, input, 'responder');
}

/**
 * Checks a received confirmation value (A9 / B10) in constant time.
 * @throws Error('SM2 key exchange confirmation mismatch …') when they differ.
 */
export function sm2CheckConfirmation(expected: Uint8Array, received: Uint8Array): void {
  if (received.length !== expected.length || !timingSafeEqual(expected, received)) {
    throw new Error(
      'SM2 key exchange confirmation mismatch: the peer derived a different key (wrong identity, id or tampered message)',
    );
  }
}
