/**
 * SSHE-LR set-up, the same on both parties: each generates its OWN Paillier key pair, announces
 * {rows, weight columns, public key}, checks the peer's, prepares pooled operations under both
 * keys, and secret-shares its initial (zero) weights: it keeps −r and sends r, r uniform in the
 * ring, so that neither party ever holds a weight of the other in the clear.
 */
import {
  generatePaillierKeyPair,
  PaillierEvaluator,
  publicKeyFromJson,
  publicKeyToJson,
  type PaillierKeyPair,
  type PaillierPublicKey,
  type PooledPaillier,
} from '@fedgrid/crypto';
import { recvMessage, sendMessage, type PartyName } from '@fedgrid/federation';
import { ComponentError, type ProgramContext } from '../spec.js';
import type { HeteroSsheLrParams } from './params.js';
import { tag, type SetupHeader } from './protocol.js';
import { packRing, randomRingVector, ring, unpackRing } from './ring.js';

/** This party's key pair, with pooled encryption/decryption and in-thread evaluation under it. */
export interface OwnKey {
  keys: PaillierKeyPair;
  pub: PaillierPublicKey;
  pp: PooledPaillier;
  ev: PaillierEvaluator;
}

/** The peer's public key, with pooled encryption (of masks) and evaluation under it. */
export interface PeerKey {
  pub: PaillierPublicKey;
  pp: PooledPaillier;
  ev: PaillierEvaluator;
}

export interface Setup {
  own: OwnKey;
  peer: PeerKey;
  /** Columns of the peer's weight vector. */
  peerCols: number;
  /** This party's shares of its own weights (−r). */
  wOwn: bigint[];
  /** This party's shares of the peer's weights (the peer's r). */
  wPeer: bigint[];
}

/**
 * @throws ComponentError ROWS_MISMATCH when the peer has another number of aligned rows;
 *   PARAMS_MISMATCH when its key length is not the agreed keyBits.
 */
export async function setUp(
  ctx: ProgramContext<HeteroSsheLrParams>,
  peer: PartyName,
  rows: number,
  cols: number,
): Promise<Setup> {
  const ch = ctx.channel;
  const p = ctx.params;
  const keys = await generatePaillierKeyPair(p.keyBits);
  const mine: SetupHeader = { rows, cols, publicKey: publicKeyToJson(keys.publicKey) };
  const [, msg] = await Promise.all([
    sendMessage(ch, peer, tag.setup, mine),
    recvMessage<SetupHeader>(ch, peer, tag.setup),
  ]);
  const theirs = msg.header;
  if (theirs.rows !== rows) {
    throw new ComponentError(
      'ROWS_MISMATCH',
      `${ctx.party} has ${rows} aligned rows, ${peer} has ${theirs.rows}; run PSI first so that rows align`,
      { rows, peerRows: theirs.rows },
    );
  }
  const peerPub = publicKeyFromJson(theirs.publicKey);
  if (peerPub.bits !== p.keyBits) {
    throw new ComponentError(
      'PARAMS_MISMATCH',
      `${peer}'s Paillier key has ${peerPub.bits} bits, expected ${p.keyBits}`,
    );
  }
  if (!Number.isInteger(theirs.cols) || theirs.cols < 1) {
    throw new ComponentError('PROTOCOL', `${peer} announced ${theirs.cols} weight columns`);
  }
  const [ownPp, peerPp] = await Promise.all([
    ctx.crypto.paillier(keys.publicKey, p.tableWindow),
    ctx.crypto.paillier(peerPub, p.tableWindow),
  ]);
  const r = randomRingVector(cols);
  const [, sharesMsg] = await Promise.all([
    sendMessage(ch, peer, tag.shares, { count: cols }, [packRing(r)]),
    recvMessage(ch, peer, tag.shares),
  ]);
  return {
    own: { keys, pub: keys.publicKey, pp: ownPp, ev: new PaillierEvaluator(keys.publicKey) },
    peer: { pub: peerPub, pp: peerPp, ev: new PaillierEvaluator(peerPub) },
    peerCols: theirs.cols,
    wOwn: r.map((v) => ring(-v)),
    wPeer: unpackRing(sharesMsg.blobs[0], theirs.cols),
  };
}
