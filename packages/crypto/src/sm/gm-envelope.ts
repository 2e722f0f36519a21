/**
 * Application-layer protection of the `gm` crypto suite (issue 13 item 4): node:crypto's TLS has
 * no SM cipher suites (GB/T 38636 TLCP), so TLS 1.3 stays the channel and every message between
 * two `gm` nodes is additionally
 *   - signed with the sender's SM2 identity key (GM/T 0003.2, default user ID unless the party
 *     names another) — the receiver keeps the signature as evidence (non-repudiation), and
 *   - encrypted with authenticated SM4 (SM4-CTR + HMAC-SM3, {@link sm4Seal}) under a per-direction
 *     key from an SM2 key exchange with key confirmation (GM/T 0003.3 §6.1, {@link gmSessionKeys}).
 *
 * Envelope layout (docs/protocols/gm-envelope.md):
 *   header   = "FGE1" (4) ‖ sequence number (8, big-endian, from 0 per direction)
 *   binding  = UTF-8 of session id, sender, receiver and context, each followed by a 0 byte
 *   signed   = "FedGrid-GM-envelope-v1" ‖ header ‖ binding ‖ SM3(payload)
 *   envelope = header ‖ sm4Seal(direction key, SM2 signature r‖s (64) ‖ payload, AAD = header ‖ binding)
 *
 * A receiver refuses, with a {@link GmEnvelopeError} naming the cause and changing no state:
 * malformed bytes, failed SM4/HMAC authentication (wrong key, another session, sender, receiver
 * or context, altered bytes), an SM2 signature that does not verify under the sender's
 * certified key (a partner holding the session key but forging or altering what it "said"),
 * a replayed sequence number, and — in `strict` ordering — any envelope other than the next one.
 */
import { SM2_DEFAULT_USER_ID } from './sm2-curve.js';
import { SM2_SIGNATURE_BYTES, sm2Sign, sm2Verify } from './sm2-sign.js';
import { sm3 } from './sm3.js';
import { SM4_SEAL_KEY_BYTES, sm4Open, sm4Seal } from './sm4.js';

const MAGIC = Uint8Array.of(0x46, 0x47, 0x45, 0x31); // "FGE1"
const HEADER_BYTES = MAGIC.length + 8;
const SIGN_PREFIX = new TextEncoder().encode('FedGrid-GM-envelope-v1');

/** Bytes the SM2 key exchange must derive for {@link gmSessionKeys}: two sealing keys. */
export const GM_EXCHANGE_KEY_BYTES = 2 * SM4_SEAL_KEY_BYTES;
/** Bytes an envelope adds to its payload: header 12 + SM4 IV 16 + signature 64 + HMAC tag 32. */
export const GM_ENVELOPE_OVERHEAD = HEADER_BYTES + 16 + SM2_SIGNATURE_BYTES + 32;

/** Why an envelope was refused. */
export type GmEnvelopeFailure =
  'MALFORMED' | 'AUTHENTICATION' | 'SIGNATURE' | 'REPLAY' | 'OUT_OF_ORDER';

/** A refused envelope; `reason` says why, the message says what to check. */
export class GmEnvelopeError extends Error {
  constructor(
    readonly reason: GmEnvelopeFailure,
    message: string,
  ) {
    super(message);
    this.name = 'GmEnvelopeError';
  }
}

/** The two directions' 32-byte sealing keys of one session. */
export interface GmSessionKeys {
  /** Seals what this party sends. */
  sendKey: Uint8Array;
  /** Opens what this party receives. */
  receiveKey: Uint8Array;
}

/**
 * Splits the SM2 key exchange's 64-byte key K into the two directions: K[0..32) protects
 * initiator → responder, K[32..64) responder → initiator (so no key ever seals both ways).
 * @param exchangeKey the `key` of sm2ExchangeInitiator/Responder with keyBytes = 64, after the
 *   peer's confirmation value was checked (sm2CheckConfirmation).
 * @throws RangeError when the key is not 64 bytes.
 */
export function gmSessionKeys(
  exchangeKey: Uint8Array,
  role: 'initiator' | 'responder',
): GmSessionKeys {
  if (exchangeKey.length !== GM_EXCHANGE_KEY_BYTES) {
    throw new RangeError(
      `GM session key must be ${GM_EXCHANGE_KEY_BYTES} bytes from the SM2 key exchange, got ${exchangeKey.length}`,
    );
  }
  const a = exchangeKey.slice(0, SM4_SEAL_KEY_BYTES);
  const b = exchangeKey.slice(SM4_SEAL_KEY_BYTES);
  return role === 'initiator' ? { sendKey: a, receiveKey: b } : { sendKey: b, receiveKey: a };
}

/** Names binding an envelope to one session and direction. */
export interface GmEnvelopeBinding {
  /** The session (e.g. a job session, or a contract's control-plane session). */
  sessionId: string;
  /** Sender's node id. */
  sender: string;
  /** Receiver's node id. */
  receiver: string;
}

function bindingBytes(b: GmEnvelopeBinding, context: string): Uint8Array {
  return new TextEncoder().encode(`${b.sessionId}\0${b.sender}\0${b.receiver}\0${context}\0`);
}

function header(seq: bigint): Uint8Array {
  const h = new Uint8Array(HEADER_BYTES);
  h.set(MAGIC, 0);
  new DataView(h.buffer).setBigUint64(MAGIC.length, seq);
  return h;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** What the sender signs (see the module comment). */
function signedBytes(head: Uint8Array, binding: Uint8Array, payload: Uint8Array): Uint8Array {
  return concat(SIGN_PREFIX, head, binding, sm3(payload));
}

/** The sending half of a session: seals envelopes with increasing sequence numbers. */
export class GmEnvelopeSealer {
  private next = 0n;

  /**
   * @param options.privateKey the sender's 32-byte SM2 identity key; `publicKey` its 65-byte
   *   public key (from its SM2 certificate); `id` its distinguishing ID (default
   *   1234567812345678).
   * @param options.key the session's `sendKey` (32 bytes).
   * @throws RangeError for a key that is not 32 bytes.
   */
  constructor(
    private readonly options: GmEnvelopeBinding & {
      privateKey: Uint8Array;
      publicKey: Uint8Array;
      id?: string;
      key: Uint8Array;
    },
  ) {
    if (options.key.length !== SM4_SEAL_KEY_BYTES) {
      throw new RangeError(`GM envelope key must be ${SM4_SEAL_KEY_BYTES} bytes`);
    }
  }

  /** Sequence number the next envelope will carry. */
  get sequence(): bigint {
    return this.next;
  }

  /**
   * Signs and encrypts one payload.
   * @param context what the payload is (e.g. `POST /v1/partner/jobs` or a channel tag); the
   *   receiver must name the same context to open it.
   * @returns the envelope, payload.length + {@link GM_ENVELOPE_OVERHEAD} bytes.
   */
  seal(payload: Uint8Array, context = ''): Uint8Array {
    const head = header(this.next);
    const binding = bindingBytes(this.options, context);
    const signature = sm2Sign(this.options.privateKey, signedBytes(head, binding, payload), {
      publicKey: this.options.publicKey,
      id: this.options.id ?? SM2_DEFAULT_USER_ID,
    });
    const sealed = sm4Seal(this.options.key, concat(signature, payload), concat(head, binding));
    this.next += 1n;
    return concat(head, sealed);
  }
}

/** An opened envelope. */
export interface GmOpenedEnvelope {
  payload: Uint8Array;
  sequence: bigint;
  /** The sender's SM2 signature r‖s over the signed bytes — keep it as evidence. */
  signature: Uint8Array;
}

/** The receiving half of a session: authenticates, verifies and orders envelopes. */
export class GmEnvelopeOpener {
  private next = 0n;
  private readonly seen = new Set<bigint>();
  private highest = -1n;

  /**
   * @param options.peerPublicKey the sender's 65-byte SM2 public key as its certificate (pinned
   *   in the contract) states it; `peerId` its distinguishing ID (default 1234567812345678).
   * @param options.key the session's `receiveKey` (32 bytes).
   * @param options.ordering `strict` (default): only the next sequence number is accepted, so a
   *   dropped, re-ordered or replayed envelope is refused (data-plane streams); `window`: any
   *   sequence number not seen before and within `window` of the highest seen is accepted
   *   (concurrent control-plane requests), replays are refused.
   * @param options.window @default 1024
   */
  constructor(
    private readonly options: GmEnvelopeBinding & {
      peerPublicKey: Uint8Array;
      peerId?: string;
      key: Uint8Array;
      ordering?: 'strict' | 'window';
      window?: number;
    },
  ) {
    if (options.key.length !== SM4_SEAL_KEY_BYTES) {
      throw new RangeError(`GM envelope key must be ${SM4_SEAL_KEY_BYTES} bytes`);
    }
  }

  /**
   * Opens one envelope. State changes only when every check passed.
   * @throws GmEnvelopeError (see the module comment for the reasons).
   */
  open(envelope: Uint8Array, context = ''): GmOpenedEnvelope {
    const from = this.options.sender;
    if (envelope.length < GM_ENVELOPE_OVERHEAD || !MAGIC.every((b, i) => envelope[i] === b)) {
      throw new GmEnvelopeError(
        'MALFORMED',
        `envelope from ${from} is not a GM envelope (${envelope.length} bytes; at least ${GM_ENVELOPE_OVERHEAD} starting "FGE1" expected)`,
      );
    }
    const head = envelope.subarray(0, HEADER_BYTES);
    const seq = new DataView(head.buffer, head.byteOffset, HEADER_BYTES).getBigUint64(MAGIC.length);
    const binding = bindingBytes(this.options, context);
    let inner: Uint8Array;
    try {
      inner = sm4Open(this.options.key, envelope.subarray(HEADER_BYTES), concat(head, binding));
    } catch {
      throw new GmEnvelopeError(
        'AUTHENTICATION',
        `envelope #${seq} from ${from} failed SM4/HMAC-SM3 authentication: altered bytes, another session key, or another session/sender/receiver/context than '${context}'`,
      );
    }
    const signature = inner.slice(0, SM2_SIGNATURE_BYTES);
    const payload = inner.slice(SM2_SIGNATURE_BYTES);
    const ok = sm2Verify(
      this.options.peerPublicKey,
      signedBytes(head, binding, payload),
      signature,
      { id: this.options.peerId ?? SM2_DEFAULT_USER_ID },
    );
    if (!ok) {
      throw new GmEnvelopeError(
        'SIGNATURE',
        `envelope #${seq} from ${from}: SM2 signature does not verify under the key in ${from}'s certificate; refused (a sender holding the session key cannot speak for ${from})`,
      );
    }
    this.accept(seq);
    return { payload, sequence: seq, signature };
  }

  private accept(seq: bigint): void {
    const from = this.options.sender;
    if ((this.options.ordering ?? 'strict') === 'strict') {
      if (seq < this.next) {
        throw new GmEnvelopeError(
          'REPLAY',
          `envelope #${seq} from ${from} was already received (next expected #${this.next}); replay refused`,
        );
      }
      if (seq > this.next) {
        throw new GmEnvelopeError(
          'OUT_OF_ORDER',
          `envelope #${seq} from ${from} arrived while #${this.next} was expected; re-ordered or missing envelopes are refused`,
        );
      }
      this.next += 1n;
      return;
    }
    const window = BigInt(this.options.window ?? 1024);
    if (this.seen.has(seq) || seq <= this.highest - window) {
      throw new GmEnvelopeError(
        'REPLAY',
        `envelope #${seq} from ${from} was already received or is older than the replay window; replay refused`,
      );
    }
    this.seen.add(seq);
    if (seq > this.highest) this.highest = seq;
    // Amortised O(1): forget numbers below the window only once the set holds two windows.
    if (BigInt(this.seen.size) > 2n * window)
      for (const s of this.seen) if (s <= this.highest - window) this.seen.delete(s);
  }
}
