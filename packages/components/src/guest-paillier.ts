/**
 * Set-up shared by the protocols in which the guest encrypts under its OWN Paillier key (no
 * arbiter): hetero-pearson and hetero-binning. The guest checks that every host has the same
 * number of aligned rows, generates a key pair and sends the public key; a host checks the
 * key length and prepares pooled operations under it.
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
import { broadcastMessage, recvMessage, sendMessage } from '@fedgrid/federation';
import { ComponentError, type ProgramContext } from './spec.js';

/** What every party announces before a guest-keyed protocol starts. */
export interface PartyMeta {
  rows: number;
  /** Feature columns the party brings. */
  features: number;
}

export interface GuestKeyParams {
  keyBits: number;
  tableWindow: number;
}

/**
 * Guest: exchanges {@link PartyMeta} with every host and checks the row counts.
 * @returns each host's meta, in `hosts` order.
 * @throws ComponentError ROWS_MISMATCH when a host's aligned rows differ from the guest's.
 */
export async function guestExchangeMeta(
  ctx: ProgramContext<unknown>,
  mine: PartyMeta,
): Promise<PartyMeta[]> {
  const { hosts } = ctx.roles;
  await broadcastMessage(ctx.channel, hosts, 'meta', mine);
  const theirs = await Promise.all(
    hosts.map((h) => recvMessage<PartyMeta>(ctx.channel, h, 'meta')),
  );
  return theirs.map((m, k) => {
    if (m.header.rows !== mine.rows) {
      throw new ComponentError(
        'ROWS_MISMATCH',
        `guest has ${mine.rows} aligned rows, ${hosts[k]} has ${m.header.rows}; run PSI first so that rows align`,
        { host: hosts[k], guestRows: mine.rows, hostRows: m.header.rows },
      );
    }
    return m.header;
  });
}

/** Host: the counterpart of {@link guestExchangeMeta}. @returns the guest's meta. */
export async function hostExchangeMeta(
  ctx: ProgramContext<unknown>,
  mine: PartyMeta,
): Promise<PartyMeta> {
  const { guest } = ctx.roles;
  await sendMessage(ctx.channel, guest, 'meta', mine);
  const m = (await recvMessage<PartyMeta>(ctx.channel, guest, 'meta')).header;
  if (m.rows !== mine.rows) {
    throw new ComponentError(
      'ROWS_MISMATCH',
      `${ctx.party} has ${mine.rows} aligned rows, the guest ${m.rows}; run PSI first`,
      { guestRows: m.rows, hostRows: mine.rows },
    );
  }
  return m;
}

/** Guest: a fresh key pair (keyBits), its public key sent to every host, pooled operations. */
export async function guestKey(
  ctx: ProgramContext<GuestKeyParams>,
): Promise<{ keys: PaillierKeyPair; pp: PooledPaillier }> {
  const keys = await generatePaillierKeyPair(ctx.params.keyBits);
  await broadcastMessage(ctx.channel, ctx.roles.hosts, 'pubkey', publicKeyToJson(keys.publicKey));
  const pp = await ctx.crypto.paillier(keys.publicKey, ctx.params.tableWindow);
  return { keys, pp };
}

/**
 * Host: receives the guest's public key.
 * @throws ComponentError PARAMS_MISMATCH when its length is not the agreed keyBits.
 */
export async function hostKey(
  ctx: ProgramContext<GuestKeyParams>,
): Promise<{ pub: PaillierPublicKey; pp: PooledPaillier; ev: PaillierEvaluator }> {
  const msg = await recvMessage(ctx.channel, ctx.roles.guest, 'pubkey');
  const pub = publicKeyFromJson(msg.header);
  if (pub.bits !== ctx.params.keyBits) {
    throw new ComponentError(
      'PARAMS_MISMATCH',
      `the guest's key has ${pub.bits} bits, expected ${ctx.params.keyBits}`,
    );
  }
  // Hosts only evaluate and re-randomise: a small fixed-base table is enough.
  const pp = await ctx.crypto.paillier(pub, Math.min(ctx.params.tableWindow, 6));
  return { pub, pp, ev: new PaillierEvaluator(pub) };
}

/**
 * Checks that a ciphertext blob holds exactly `count` ciphertexts of the key's size.
 * @throws ComponentError PROTOCOL otherwise.
 */
export function expectCiphertexts(
  blob: Uint8Array | undefined,
  count: number,
  pub: PaillierPublicKey,
  what: string,
): Uint8Array {
  if (!blob || blob.length !== count * pub.cipherBytes) {
    throw new ComponentError(
      'PROTOCOL',
      `${what}: expected ${count} ciphertexts of ${pub.cipherBytes} bytes, got ${blob?.length ?? 0} bytes`,
    );
  }
  return blob;
}
