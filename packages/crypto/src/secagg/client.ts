/**
 * The client of secure aggregation (Bonawitz et al., CCS 2017, Fig. 4, semi-honest variant;
 * SecAgg+ neighbourhoods of Bell et al., CCS 2020), as a state machine:
 * advertise → shareKeys → maskInput → unmask, each called once and in this order.
 */
import { randomBytes } from 'node:crypto';
import { X25519_BYTES } from '../ecdh/x25519.js';
import { agreeMany, generateKeyPair, pairMaskSeed, type X25519KeyPair } from './keys.js';
import type {
  AdvertiseMsg,
  EncryptedShare,
  RevealedShare,
  ShareKeysMsg,
  UnmaskMsg,
  UnmaskRequest,
} from './messages.js';
import { SecAggAbortError, checkThreshold } from './params.js';
import { addMask } from './prg.js';
import { checkId, shamirSplit } from './shamir.js';
import { decryptSharePair, encryptSharePair, type SharePair } from './share-cipher.js';

/** Options of {@link SecAggClient}. */
export interface SecAggClientOptions {
  /** This client's id, an integer in [0, 2^32 − 2], unique in the round. */
  id: number;
  /** Reconstruction threshold t (the server's); neighbours/2 < t ≤ neighbours. */
  threshold: number;
  /** Round/session label bound into every derived key; the same for all parties. Default ''. */
  round?: string;
}

type Stage = 'new' | 'advertised' | 'shared' | 'masked' | 'done';

function checkIdList(ids: readonly number[], what: string): Set<number> {
  if (!Array.isArray(ids)) throw new RangeError(`${what} must be an array of client ids`);
  const set = new Set<number>();
  for (const id of ids) {
    checkId(id, `${what} id`);
    if (set.has(id)) throw new RangeError(`${what}: client id ${id} appears twice`);
    set.add(id);
  }
  return set;
}

/** One client of a secure-aggregation round. */
export class SecAggClient {
  readonly id: number;
  readonly threshold: number;
  readonly round: string;
  private stage: Stage = 'new';
  private c: X25519KeyPair | undefined;
  private s: X25519KeyPair | undefined;
  /** The self-mask seed b. */
  private b: Uint8Array | undefined;
  /** Neighbours that advertised keys: id → keys. */
  private peers = new Map<number, AdvertiseMsg>();
  /** X25519(c^SK, c_v^PK) per peer. */
  private cShared = new Map<number, Uint8Array>();
  /** Share pairs of neighbours' secrets this client holds (neighbours in U2). */
  private held = new Map<number, SharePair>();

  /**
   * @throws RangeError on a bad id, threshold or round label.
   */
  constructor(opts: SecAggClientOptions) {
    checkId(opts.id, 'client id');
    if (!Number.isInteger(opts.threshold) || opts.threshold < 1)
      throw new RangeError(`threshold must be a positive integer, got ${opts.threshold}`);
    if (opts.round !== undefined && typeof opts.round !== 'string')
      throw new RangeError('round must be a string');
    this.id = opts.id;
    this.threshold = opts.threshold;
    this.round = opts.round ?? '';
  }

  private expect(stage: Stage, call: string): void {
    if (this.stage !== stage)
      throw new Error(
        `SecAggClient ${this.id}: ${call} called in stage '${this.stage}', expected '${stage}'`,
      );
  }

  /**
   * Round 0 (AdvertiseKeys): draws two fresh X25519 key pairs, (c^SK, c^PK) for share
   * encryption and (s^SK, s^PK) for masks.
   * @returns the public keys, to send to the server.
   * @throws Error if called twice.
   */
  advertise(): AdvertiseMsg {
    this.expect('new', 'advertise');
    this.c = generateKeyPair();
    this.s = generateKeyPair();
    this.stage = 'advertised';
    return { id: this.id, cPk: this.c.publicKey.slice(), sPk: this.s.publicKey.slice() };
  }

  /**
   * Round 1 (ShareKeys): draws the self-mask seed b (32 bytes), Shamir-shares b and s^SK with
   * threshold t among the neighbours that advertised, and encrypts each neighbour's pair of
   * shares under X25519(c^SK, c_v^PK) with AES-256-GCM.
   * @param roster the advertisements the server forwarded (U1), including this client's own.
   * @param neighbours this client's neighbours in the masking graph (the server's
   *   `neighboursOf(id)`); those missing from the roster are skipped.
   * @returns one encrypted share per neighbour in the roster, to send to the server.
   * @throws RangeError on a malformed roster or neighbour list, or if the threshold does not
   *   fit (t ≤ neighbours in the roster, t > neighbours/2); SecAggAbortError if fewer than t
   *   neighbours advertised.
   */
  shareKeys(roster: readonly AdvertiseMsg[], neighbours: readonly number[]): ShareKeysMsg {
    this.expect('advertised', 'shareKeys');
    const c = this.c!;
    const s = this.s!;
    const byId = new Map<number, AdvertiseMsg>();
    const keys = new Set<string>();
    for (const m of roster) {
      checkId(m.id, 'roster id');
      for (const k of [m.cPk, m.sPk])
        if (!(k instanceof Uint8Array) || k.length !== X25519_BYTES)
          throw new RangeError(`roster entry ${m.id}: public keys must be ${X25519_BYTES} bytes`);
      if (byId.has(m.id)) throw new RangeError(`roster lists client ${m.id} twice`);
      byId.set(m.id, m);
      for (const k of [m.cPk, m.sPk]) {
        const hex = Buffer.from(k).toString('hex');
        if (keys.has(hex)) throw new RangeError(`roster entry ${m.id} repeats a public key`);
        keys.add(hex);
      }
    }
    const own = byId.get(this.id);
    if (
      !own ||
      !Buffer.from(own.cPk).equals(Buffer.from(c.publicKey)) ||
      !Buffer.from(own.sPk).equals(Buffer.from(s.publicKey))
    )
      throw new RangeError(`roster does not carry client ${this.id}'s own advertised keys`);
    const nbSet = checkIdList(neighbours, 'neighbours');
    if (nbSet.has(this.id)) throw new RangeError('a client cannot be its own neighbour');
    checkThreshold(this.threshold, nbSet.size, nbSet.size);
    const live = [...nbSet].filter((v) => byId.has(v)).sort((a, b) => a - b);
    if (live.length < this.threshold)
      throw new SecAggAbortError(
        `client ${this.id}: only ${live.length} of its ${nbSet.size} neighbours advertised keys, fewer than the threshold ${this.threshold}`,
      );
    for (const v of live) this.peers.set(v, byId.get(v)!);
    const shared = agreeMany(
      c.secretKey,
      live.map((v) => byId.get(v)!.cPk),
    );
    live.forEach((v, i) => this.cShared.set(v, shared[i]!));
    const b = new Uint8Array(randomBytes(32));
    this.b = b;
    const bShares = shamirSplit(b, live, this.threshold);
    const skShares = shamirSplit(s.secretKey, live, this.threshold);
    const shares: EncryptedShare[] = live.map((v, i) => ({
      from: this.id,
      to: v,
      ciphertext: encryptSharePair(this.round, this.id, v, shared[i]!, {
        b: bShares[i]!.value,
        sk: skShares[i]!.value,
      }),
    }));
    this.stage = 'shared';
    return { id: this.id, shares };
  }

  /**
   * Round 2 (MaskedInputCollection): decrypts the shares addressed to this client (their
   * senders are the neighbours in U2) and returns
   * y = x + PRG(b) + Σ_{v∈U2∩N, u<v} PRG(s_{u,v}) − Σ_{v∈U2∩N, u>v} PRG(s_{u,v}) (mod 2^32).
   * Afterwards this client's own secrets are erased.
   * @param input x, L words (e.g. from {@link quantize}).
   * @param received the encrypted shares routed to this client.
   * @returns y, L words, to send to the server.
   * @throws RangeError on a malformed share or one not from a neighbour or not for this
   *   client; Error if a share fails authentication; SecAggAbortError if fewer than t
   *   neighbours survived ShareKeys.
   */
  maskInput(input: Uint32Array, received: readonly EncryptedShare[]): Uint32Array {
    this.expect('shared', 'maskInput');
    if (!(input instanceof Uint32Array)) throw new RangeError('input must be a Uint32Array');
    for (const e of received) {
      if (e.to !== this.id)
        throw new RangeError(
          `share from ${e.from} is addressed to ${e.to}, not to client ${this.id}`,
        );
      const shared = this.cShared.get(e.from);
      if (!shared)
        throw new RangeError(`share from client ${e.from}, which is not a neighbour in the roster`);
      if (this.held.has(e.from)) throw new RangeError(`two shares from client ${e.from}`);
      this.held.set(e.from, decryptSharePair(this.round, e.from, this.id, shared, e.ciphertext));
    }
    const u2 = [...this.held.keys()].sort((a, b) => a - b);
    if (u2.length < this.threshold)
      throw new SecAggAbortError(
        `client ${this.id}: only ${u2.length} neighbours survived ShareKeys, fewer than the threshold ${this.threshold}`,
      );
    const y = input.slice();
    addMask(y, this.b!, 1);
    const s = this.s!;
    const shared = agreeMany(
      s.secretKey,
      u2.map((v) => this.peers.get(v)!.sPk),
    );
    u2.forEach((v, i) =>
      addMask(y, pairMaskSeed(this.round, this.id, v, shared[i]!), this.id < v ? 1 : -1),
    );
    for (const k of [this.b!, s.secretKey, this.c!.secretKey]) k.fill(0);
    this.cShared.clear();
    this.stage = 'masked';
    return y;
  }

  /**
   * Round 3 (Unmasking): for each neighbour whose shares this client holds, reveals its share
   * of s^SK if it dropped, or of b if it survived, never both: the request is refused if a
   * client is listed both ways, and a second request is refused.
   * @param req the server's lists (U2 \ U3 and U3).
   * @returns the revealed shares, to send to the server.
   * @throws Error if a client is both dropped and surviving, this client is listed as dropped
   *   or not as a survivor, or unmask was already answered; SecAggAbortError if fewer than t
   *   survivors are listed.
   */
  unmask(req: UnmaskRequest): UnmaskMsg {
    if (this.stage === 'done')
      throw new Error(
        `SecAggClient ${this.id}: unmask already answered; refusing a second request`,
      );
    this.expect('masked', 'unmask');
    const dropped = checkIdList(req.dropped, 'dropped');
    const survivors = checkIdList(req.survivors, 'survivors');
    for (const v of dropped)
      if (survivors.has(v))
        throw new Error(
          `client ${this.id} refuses to unmask: client ${v} is listed as both dropped and surviving (revealing both of its secrets would expose its input)`,
        );
    if (dropped.has(this.id) || !survivors.has(this.id))
      throw new Error(`client ${this.id} refuses to unmask: it is not listed as a survivor`);
    if (survivors.size < this.threshold)
      throw new SecAggAbortError(
        `client ${this.id}: only ${survivors.size} survivors, fewer than the threshold ${this.threshold}`,
      );
    this.stage = 'done';
    const skShares: RevealedShare[] = [];
    const bShares: RevealedShare[] = [];
    for (const [v, pair] of [...this.held].sort((a, b) => a[0] - b[0])) {
      if (dropped.has(v)) skShares.push({ of: v, value: pair.sk.slice() });
      else if (survivors.has(v)) bShares.push({ of: v, value: pair.b.slice() });
    }
    this.held.clear();
    return { id: this.id, skShares, bShares };
  }
}
