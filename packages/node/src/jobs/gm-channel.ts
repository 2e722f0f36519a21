/**
 * Data-plane protection of the `gm` suite (issue 13 item 4; docs/protocols/gm-suite.md): a
 * {@link Channel} decorator that, between parties on two different `gm` nodes, runs an SM2 key
 * exchange with key confirmation (GM/T 0003.3 §6.1) in-band on the task's channel, then sends
 * every payload as a GM envelope — SM2-signed by the sending node's identity key (the receiver
 * checks it against the key its contract pins: non-repudiation) and SM4-CTR + HMAC-SM3 sealed
 * under the agreed per-direction key, bound to the task session, both node ids and the message
 * tag (so an envelope moved to another tag, round or task is refused).
 *
 * Handshake (roles by party name: the smaller one initiates), on the channel's own tags:
 *   initiator → responder  `gm-hs/1`  R_A (65 bytes)
 *   responder → initiator  `gm-hs/2`  R_B (65) ‖ S_B (32)
 *   initiator → responder  `gm-hs/3`  S_A (32)
 * Parties on the same node, and peers whose contract does not run gm, pass through unchanged.
 */
import {
  GM_EXCHANGE_KEY_BYTES,
  GmEnvelopeError,
  GmEnvelopeOpener,
  GmEnvelopeSealer,
  gmSessionKeys,
  sm2CheckConfirmation,
  sm2Ephemeral,
  sm2ExchangeInitiator,
  sm2ExchangeResponder,
} from '@fedgrid/crypto';
import { ChannelError, type Channel, type PartyName } from '@fedgrid/federation';

/** What the decorator needs to know. */
export interface GmChannelOptions {
  /** This node's id and SM2 identity key. */
  selfNodeId: string;
  privateKey: Uint8Array;
  publicKey: Uint8Array;
  /** Node hosting each party of the session. */
  nodeOf(party: PartyName): string;
  /**
   * The SM2 public key a contract with `nodeId` pins (gm contracts), or undefined for a peer
   * whose messages pass unprotected (international contract).
   */
  peerKey(nodeId: string): Promise<Uint8Array | undefined>;
}

/** A refused data-plane message: the party's program fails with this error. */
export class GmChannelError extends ChannelError {
  constructor(message: string) {
    super('ERR_GM_PROTECTION', message);
    this.name = 'GmChannelError';
  }
}

interface PeerKeys {
  sealer: GmEnvelopeSealer;
  opener: GmEnvelopeOpener;
}

const HS1 = 'gm-hs/1';
const HS2 = 'gm-hs/2';
const HS3 = 'gm-hs/3';

export class GmChannel implements Channel {
  readonly session: string;
  readonly self: PartyName;
  readonly peers: readonly PartyName[];
  private readonly keys = new Map<PartyName, Promise<PeerKeys | undefined>>();

  constructor(
    private readonly inner: Channel,
    private readonly opts: GmChannelOptions,
  ) {
    this.session = inner.session;
    this.self = inner.self;
    this.peers = inner.peers;
  }

  async send(to: PartyName, tag: string, payload: Uint8Array): Promise<void> {
    const k = await this.keysFor(to);
    await this.inner.send(to, tag, k ? k.sealer.seal(payload, tag) : payload);
  }

  async recv(from: PartyName, tag: string): Promise<Uint8Array> {
    const k = await this.keysFor(from);
    const raw = await this.inner.recv(from, tag);
    if (!k) return raw;
    try {
      return k.opener.open(raw, tag).payload;
    } catch (err) {
      if (err instanceof GmEnvelopeError)
        throw new GmChannelError(
          `message '${tag}' from party ${from} (node ${this.opts.nodeOf(from)}) refused (${err.reason}): ${err.message}`,
        );
      throw err;
    }
  }

  private keysFor(peer: PartyName): Promise<PeerKeys | undefined> {
    let k = this.keys.get(peer);
    if (!k) {
      k = this.handshake(peer);
      this.keys.set(peer, k);
    }
    return k;
  }

  private async handshake(peer: PartyName): Promise<PeerKeys | undefined> {
    const peerNode = this.opts.nodeOf(peer);
    if (peerNode === this.opts.selfNodeId) return undefined;
    const peerPublicKey = await this.opts.peerKey(peerNode);
    if (!peerPublicKey) return undefined;
    const self = { privateKey: this.opts.privateKey, publicKey: this.opts.publicKey };
    const ephemeral = sm2Ephemeral();
    const initiator = this.self < peer;
    let key: Uint8Array;
    try {
      if (initiator) {
        await this.inner.send(peer, HS1, ephemeral.point);
        const answer = await this.inner.recv(peer, HS2);
        if (answer.length !== 65 + 32) throw new Error(`malformed answer (${answer.length} bytes)`);
        const r = sm2ExchangeInitiator({
          self,
          peer: { publicKey: peerPublicKey },
          ephemeral,
          peerEphemeral: answer.subarray(0, 65),
          keyBytes: GM_EXCHANGE_KEY_BYTES,
        });
        sm2CheckConfirmation(r.expectedConfirmation, answer.subarray(65));
        await this.inner.send(peer, HS3, r.confirmation);
        key = r.key;
      } else {
        const ra = await this.inner.recv(peer, HS1);
        const r = sm2ExchangeResponder({
          self,
          peer: { publicKey: peerPublicKey },
          ephemeral,
          peerEphemeral: ra,
          keyBytes: GM_EXCHANGE_KEY_BYTES,
        });
        const out = new Uint8Array(65 + 32);
        out.set(ephemeral.point, 0);
        out.set(r.confirmation, 65);
        await this.inner.send(peer, HS2, out);
        sm2CheckConfirmation(r.expectedConfirmation, await this.inner.recv(peer, HS3));
        key = r.key;
      }
    } catch (err) {
      if (err instanceof ChannelError) throw err;
      throw new GmChannelError(
        `SM2 key exchange with party ${peer} (node ${peerNode}) failed: ${(err as Error).message}; it does not hold the SM2 key its contract pins, or altered the exchange`,
      );
    }
    const keys = gmSessionKeys(key, initiator ? 'initiator' : 'responder');
    const binding = (sender: string, receiver: string) => ({
      sessionId: `${this.session}:${this.self < peer ? this.self : peer}|${this.self < peer ? peer : this.self}`,
      sender,
      receiver,
    });
    return {
      sealer: new GmEnvelopeSealer({
        ...binding(this.opts.selfNodeId, peerNode),
        privateKey: this.opts.privateKey,
        publicKey: this.opts.publicKey,
        key: keys.sendKey,
      }),
      opener: new GmEnvelopeOpener({
        ...binding(peerNode, this.opts.selfNodeId),
        peerPublicKey,
        key: keys.receiveKey,
        // Tags are received in the program's order, not the send order; each envelope is bound
        // to its tag, and a sequence number is accepted once.
        ordering: 'window',
        window: 1 << 16,
      }),
    };
  }
}
