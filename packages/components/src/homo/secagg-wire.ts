/**
 * SecAgg messages as JSON message headers: the crypto package's messages with every byte string
 * as base64 (keys, encrypted shares and revealed shares are small; masked inputs travel as blobs).
 */
import type {
  AdvertiseMsg,
  EncryptedShare,
  ShareKeysMsg,
  UnmaskMsg,
  UnmaskRequest,
} from '@fedgrid/crypto';
import { ComponentError } from '../spec.js';

/** The server's answer to a client that is no longer part of the round. */
export interface OutOfRound {
  out: true;
}

export interface WireAdvertise {
  id: number;
  cPk: string;
  sPk: string;
}
export interface WireShares {
  id: number;
  shares: { from: number; to: number; ciphertext: string }[];
}
export interface WireUnmask {
  id: number;
  skShares: { of: number; value: string }[];
  bShares: { of: number; value: string }[];
}
export type WireRoster = { roster: WireAdvertise[] } | OutOfRound;
export type WireUnmaskRequest = UnmaskRequest | OutOfRound;

const b64 = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64');
function bytes(s: unknown, what: string): Uint8Array {
  if (typeof s !== 'string')
    throw new ComponentError('PROTOCOL', `secure aggregation: ${what} is not base64`);
  return new Uint8Array(Buffer.from(s, 'base64'));
}

export const encodeAdvertise = (m: AdvertiseMsg): WireAdvertise => ({
  id: m.id,
  cPk: b64(m.cPk),
  sPk: b64(m.sPk),
});
export const decodeAdvertise = (m: WireAdvertise): AdvertiseMsg => ({
  id: m.id,
  cPk: bytes(m.cPk, 'cPk'),
  sPk: bytes(m.sPk, 'sPk'),
});
export const encodeShares = (m: ShareKeysMsg): WireShares => ({
  id: m.id,
  shares: m.shares.map((s) => ({ from: s.from, to: s.to, ciphertext: b64(s.ciphertext) })),
});
export const decodeShares = (m: WireShares): ShareKeysMsg => ({
  id: m.id,
  shares: (m.shares ?? []).map((s): EncryptedShare => ({
    from: s.from,
    to: s.to,
    ciphertext: bytes(s.ciphertext, 'share'),
  })),
});
export const encodeUnmask = (m: UnmaskMsg): WireUnmask => ({
  id: m.id,
  skShares: m.skShares.map((s) => ({ of: s.of, value: b64(s.value) })),
  bShares: m.bShares.map((s) => ({ of: s.of, value: b64(s.value) })),
});
export const decodeUnmask = (m: WireUnmask): UnmaskMsg => ({
  id: m.id,
  skShares: (m.skShares ?? []).map((s) => ({ of: s.of, value: bytes(s.value, 'share') })),
  bShares: (m.bShares ?? []).map((s) => ({ of: s.of, value: bytes(s.value, 'share') })),
});
