/**
 * Application-layer protection of control-plane calls between two `gm` nodes (issue 13 item 4;
 * docs/protocols/gm-suite.md). TLS 1.3 (pinned certificates) stays the channel; on top:
 *
 *   1. Handshake (once per pair of running nodes, renewed after a restart): the caller (A) and
 *      the callee (B) run the SM2 key exchange with key confirmation (GM/T 0003.3 §6.1) with
 *      their SM2 identity keys — the ones their contract pins — over two partner routes:
 *        A → B  POST /v1/interconn/gm/handshake  { sessionId, ephemeral R_A }
 *        B → A  { ephemeral R_B, confirmation S_B }
 *        A → B  POST /v1/interconn/gm/confirm    { sessionId, confirmation S_A }
 *      giving 64 bytes: one SM4-CTR + HMAC-SM3 key per direction.
 *   2. Every request then carries `x-fedgrid-gm-session` and an envelope (crypto/sm/gm-envelope):
 *      the JSON body (or nothing) SM2-signed by A and SM4-sealed, bound to the session, both node
 *      ids and `METHOD path` — in the body (`application/x-fedgrid-gm`) or, without a body, in
 *      the `x-fedgrid-gm-envelope` header (base64). B answers with an envelope bound to the
 *      request's sequence number, so an answer cannot be swapped between requests.
 *
 * Requests use a replay window (concurrent requests may overtake each other; a replay is
 * refused); answers are matched to their request by sequence number.
 */
import { randomUUID } from 'node:crypto';
import {
  GM_EXCHANGE_KEY_BYTES,
  GmEnvelopeError,
  GmEnvelopeOpener,
  GmEnvelopeSealer,
  gmSessionKeys,
  readSm2Certificate,
  sm2CheckConfirmation,
  sm2Ephemeral,
  sm2ExchangeInitiator,
  sm2ExchangeResponder,
  type Sm2ExchangeResult,
} from '@fedgrid/crypto';
import { z } from 'zod';
import { FedGridError } from '../errors/errors.js';

/** Header naming the session of a protected request. */
export const GM_SESSION_HEADER = 'x-fedgrid-gm-session';
/** Header carrying the envelope of a protected request without a body (base64). */
export const GM_ENVELOPE_HEADER = 'x-fedgrid-gm-envelope';
/** Content type of a protected body (request or answer). */
export const GM_CONTENT_TYPE = 'application/x-fedgrid-gm';

/** The node's own SM2 identity. */
export interface GmSelf {
  nodeId: string;
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

/** What a caller knows of a gm partner: its node id and SM2 certificate (pinned by the contract). */
export interface GmPeer {
  nodeId: string;
  sm2CertPem: string;
}

export const gmHandshakeSchema = z.object({
  sessionId: z.string().uuid(),
  ephemeral: z.string().regex(/^[A-Za-z0-9_-]{40,200}$/),
});
export const gmConfirmSchema = z.object({
  sessionId: z.string().uuid(),
  confirmation: z.string().regex(/^[A-Za-z0-9_-]{40,60}$/),
});

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64url'));

function fail(message: string, details: Record<string, unknown> = {}): FedGridError {
  return new FedGridError('GM_PROTECTION_FAILED', message, details);
}

function publicKeyOf(peer: GmPeer): Uint8Array {
  return readSm2Certificate(peer.sm2CertPem).publicKey;
}

interface ClientSession {
  id: string;
  sealer: GmEnvelopeSealer;
  receiveKey: Uint8Array;
  peerPublicKey: Uint8Array;
}

interface ServerSession {
  id: string;
  peerNodeId: string;
  fingerprint: string;
  confirmed: boolean;
  expected: Uint8Array;
  opener: GmEnvelopeOpener;
  sendKey: Uint8Array;
}

/** A protected request ready to send, and how to open its answer. */
export interface ProtectedRequest {
  headers: Record<string, string>;
  body?: Buffer;
  /**
   * Opens the answer. Answers with status ≥ 400 that are not envelopes (refused before the
   * session was known) are passed through; any other unprotected answer is refused.
   * @throws FedGridError GM_PROTECTION_FAILED.
   */
  openAnswer(status: number, contentType: string | undefined, body: Buffer): Buffer;
}

/** A raw (unprotected) JSON call to a partner route, used for the handshake itself. */
export type RawCall = (method: string, path: string, body: unknown) => Promise<unknown>;

/** Sessions and sealing for one node; one instance per running node. */
export class GmProtection {
  private readonly client = new Map<string, Promise<ClientSession>>();
  private readonly server = new Map<string, ServerSession>();

  constructor(private readonly self: GmSelf) {}

  // ---- caller side ----

  /**
   * Seals one request to `peer`, running the handshake first if there is no session yet.
   * @throws FedGridError GM_PROTECTION_FAILED when the handshake fails (the peer's confirmation
   *   does not match: it does not hold the SM2 key its contract pins).
   */
  async protect(
    peer: GmPeer,
    method: string,
    path: string,
    body: unknown,
    raw: RawCall,
  ): Promise<ProtectedRequest> {
    let pending = this.client.get(peer.nodeId);
    if (!pending) {
      pending = this.handshake(peer, raw);
      this.client.set(peer.nodeId, pending);
      pending.catch(() => this.client.delete(peer.nodeId));
    }
    const s = await pending;
    const seq = s.sealer.sequence;
    const payload = body === undefined ? new Uint8Array(0) : Buffer.from(JSON.stringify(body));
    const envelope = s.sealer.seal(payload, `${method} ${path}`);
    const headers: Record<string, string> = { [GM_SESSION_HEADER]: s.id };
    let out: Buffer | undefined;
    if (body === undefined) headers[GM_ENVELOPE_HEADER] = Buffer.from(envelope).toString('base64');
    else {
      out = Buffer.from(envelope);
      headers['content-type'] = GM_CONTENT_TYPE;
    }
    const answerOpener = () =>
      new GmEnvelopeOpener({
        sessionId: s.id,
        sender: peer.nodeId,
        receiver: this.self.nodeId,
        peerPublicKey: s.peerPublicKey,
        key: s.receiveKey,
        ordering: 'window',
      });
    return {
      headers,
      ...(out ? { body: out } : {}),
      openAnswer: (status, contentType, answer) => {
        if (!contentType?.startsWith(GM_CONTENT_TYPE)) {
          if (status >= 400) {
            // A refused session (e.g. the partner restarted): hand shake again next time.
            if (/GM_PROTECTION_FAILED/.test(answer.toString('utf8'))) this.forget(peer.nodeId);
            return answer;
          }
          throw fail(
            `node '${peer.nodeId}' answered ${method} ${path} without SM2/SM4 protection although the contract runs the gm suite; answer refused`,
            { peer: peer.nodeId },
          );
        }
        try {
          return Buffer.from(
            answerOpener().open(answer, `ANSWER ${seq} ${method} ${path}`).payload,
          );
        } catch (err) {
          throw fail(
            `answer of node '${peer.nodeId}' to ${method} ${path} refused: ${(err as Error).message}`,
            { peer: peer.nodeId },
          );
        }
      },
    };
  }

  /** Drops the session with `nodeId` (the next call hands shake again). */
  forget(nodeId: string): void {
    this.client.delete(nodeId);
  }

  private async handshake(peer: GmPeer, raw: RawCall): Promise<ClientSession> {
    const peerPublicKey = publicKeyOf(peer);
    const id = randomUUID();
    const ephemeral = sm2Ephemeral();
    const answer = z.object({ ephemeral: z.string(), confirmation: z.string() }).safeParse(
      await raw('POST', '/v1/interconn/gm/handshake', {
        sessionId: id,
        ephemeral: b64(ephemeral.point),
      }),
    );
    if (!answer.success)
      throw fail(`node '${peer.nodeId}' answered the SM2 key exchange with something else`);
    let result: Sm2ExchangeResult;
    try {
      result = sm2ExchangeInitiator({
        self: { privateKey: this.self.privateKey, publicKey: this.self.publicKey },
        peer: { publicKey: peerPublicKey },
        ephemeral,
        peerEphemeral: unb64(answer.data.ephemeral),
        keyBytes: GM_EXCHANGE_KEY_BYTES,
      });
      sm2CheckConfirmation(result.expectedConfirmation, unb64(answer.data.confirmation));
    } catch (err) {
      throw fail(
        `SM2 key exchange with node '${peer.nodeId}' failed: ${(err as Error).message}; it does not hold the SM2 key of the certificate its contract pins`,
        { peer: peer.nodeId },
      );
    }
    await raw('POST', '/v1/interconn/gm/confirm', {
      sessionId: id,
      confirmation: b64(result.confirmation),
    });
    const keys = gmSessionKeys(result.key, 'initiator');
    return {
      id,
      peerPublicKey,
      receiveKey: keys.receiveKey,
      sealer: new GmEnvelopeSealer({
        sessionId: id,
        sender: this.self.nodeId,
        receiver: peer.nodeId,
        ...this.self,
        key: keys.sendKey,
      }),
    };
  }

  // ---- callee side ----

  /**
   * Responder's half of the SM2 key exchange (B1–B9) for a contracted gm partner.
   * @throws FedGridError GM_PROTECTION_FAILED for a malformed ephemeral point or a reused id.
   */
  respond(
    peer: GmPeer & { fingerprint: string },
    body: unknown,
  ): { ephemeral: string; confirmation: string } {
    const h = gmHandshakeSchema.parse(body);
    if (this.server.has(h.sessionId)) throw fail(`GM session ${h.sessionId} exists already`);
    const ephemeral = sm2Ephemeral();
    const peerPublicKey = publicKeyOf(peer);
    let result: Sm2ExchangeResult;
    try {
      result = sm2ExchangeResponder({
        self: { privateKey: this.self.privateKey, publicKey: this.self.publicKey },
        peer: { publicKey: peerPublicKey },
        ephemeral,
        peerEphemeral: unb64(h.ephemeral),
        keyBytes: GM_EXCHANGE_KEY_BYTES,
      });
    } catch (err) {
      throw fail(`SM2 key exchange from node '${peer.nodeId}' refused: ${(err as Error).message}`);
    }
    const keys = gmSessionKeys(result.key, 'responder');
    // Bounded: at most 4 sessions per partner are kept (the newest).
    const mine = [...this.server.values()].filter((s) => s.peerNodeId === peer.nodeId);
    for (const old of mine.slice(0, Math.max(0, mine.length - 3))) this.server.delete(old.id);
    this.server.set(h.sessionId, {
      id: h.sessionId,
      peerNodeId: peer.nodeId,
      fingerprint: peer.fingerprint,
      confirmed: false,
      expected: result.expectedConfirmation,
      sendKey: keys.sendKey,
      opener: new GmEnvelopeOpener({
        sessionId: h.sessionId,
        sender: peer.nodeId,
        receiver: this.self.nodeId,
        peerPublicKey,
        key: keys.receiveKey,
        ordering: 'window',
      }),
    });
    return { ephemeral: b64(ephemeral.point), confirmation: b64(result.confirmation) };
  }

  /**
   * Checks the caller's confirmation S_A (B10); only then does the session open requests.
   * @throws FedGridError GM_PROTECTION_FAILED (unknown session, another node's, or a mismatch —
   *   the session is dropped then).
   */
  confirm(peer: { nodeId: string; fingerprint: string }, body: unknown): void {
    const c = gmConfirmSchema.parse(body);
    const s = this.sessionFor(c.sessionId, peer.fingerprint);
    try {
      sm2CheckConfirmation(s.expected, unb64(c.confirmation));
    } catch (err) {
      this.server.delete(s.id);
      throw fail(`GM session ${s.id} of node '${peer.nodeId}': ${(err as Error).message}`);
    }
    s.confirmed = true;
  }

  private sessionFor(id: string, fingerprint: string): ServerSession {
    const s = this.server.get(id);
    if (!s || s.fingerprint !== fingerprint)
      throw fail(
        `GM session ${id} is not known here for this certificate (the node restarted, or the session is another node's); hand shake again (POST /v1/interconn/gm/handshake)`,
      );
    return s;
  }

  /**
   * Opens a protected request: checks SM4/HMAC authentication, the SM2 signature of the
   * partner's pinned key and the replay window.
   * @returns the payload (JSON text or empty) and a function sealing the answer.
   * @throws FedGridError GM_PROTECTION_FAILED naming the failed check.
   */
  openRequest(
    sessionId: string,
    fingerprint: string,
    method: string,
    path: string,
    envelope: Uint8Array,
  ): { payload: Buffer; sealAnswer(answer: Buffer): Buffer } {
    const s = this.sessionFor(sessionId, fingerprint);
    if (!s.confirmed)
      throw fail(`GM session ${sessionId} was never confirmed (POST /v1/interconn/gm/confirm)`);
    let opened;
    try {
      opened = s.opener.open(envelope, `${method} ${path}`);
    } catch (err) {
      if (err instanceof GmEnvelopeError)
        throw fail(`request ${method} ${path} refused (${err.reason}): ${err.message}`, {
          reason: err.reason,
          peer: s.peerNodeId,
        });
      throw err;
    }
    const sealer = new GmEnvelopeSealer({
      sessionId,
      sender: this.self.nodeId,
      receiver: s.peerNodeId,
      ...this.self,
      key: s.sendKey,
    });
    return {
      payload: Buffer.from(opened.payload),
      sealAnswer: (answer) =>
        Buffer.from(sealer.seal(answer, `ANSWER ${opened.sequence} ${method} ${path}`)),
    };
  }
}
