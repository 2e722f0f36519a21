/**
 * The server of secure aggregation (Bonawitz et al., CCS 2017, Fig. 4, semi-honest variant;
 * SecAgg+ neighbourhoods of Bell et al., CCS 2020), as a state machine. Stages, each closed by
 * the call after the arrow: advertise (receiveAdvertise …) → roster; share keys
 * (receiveShareKeys …) → routeShares; masked inputs (receiveMasked …) → unmaskRequest;
 * unmasking (receiveUnmask …) → finish. Late messages of a closed stage are refused.
 */
import { randomBytes } from 'node:crypto';
import { X25519_BYTES } from '../ecdh/x25519.js';
import { secAggGraph } from './graph.js';
import { agreeMany, pairMaskSeed, publicKeyOf } from './keys.js';
import type {
  AdvertiseMsg,
  EncryptedShare,
  ShareKeysMsg,
  UnmaskMsg,
  UnmaskRequest,
} from './messages.js';
import { SecAggAbortError, checkThreshold } from './params.js';
import { addMask, addInto } from './prg.js';
import {
  SHAMIR_SHARE_BYTES,
  combineWithCoefficients,
  lagrangeAtZero,
  lagrangeWithout,
  type ShamirShare,
} from './shamir.js';
import { ENCRYPTED_SHARE_BYTES } from './share-cipher.js';

/** Options of {@link SecAggServer}. */
export interface SecAggServerOptions {
  /** The ids of the clients selected for the round (distinct integers in [0, 2^32 − 2]). */
  clients: readonly number[];
  /** Reconstruction threshold t: k/2 < t ≤ k for every client's neighbour count k. */
  threshold: number;
  /** SecAgg+ neighbours per client k; undefined or 0 = all other clients (classic SecAgg). */
  neighbours?: number;
  /** Vector length L (words). */
  length: number;
  /** Round/session label bound into every derived key; the same for all parties. Default ''. */
  round?: string;
  /** 32 bytes fixing the SecAgg+ graph; default random. */
  seed?: Uint8Array;
}

/** The result of a round. */
export interface SecAggResult {
  /** Σ_{u ∈ included} x_u mod 2^32, L words. */
  sum: Uint32Array;
  /** U3: ascending ids of the clients whose inputs are in the sum. */
  included: number[];
}

type Stage = 'advertise' | 'share' | 'masked' | 'unmask' | 'done';

function sorted(ids: Iterable<number>): number[] {
  return [...ids].sort((a, b) => a - b);
}

/** The server of one secure-aggregation round. */
export class SecAggServer {
  readonly threshold: number;
  readonly length: number;
  readonly round: string;
  private readonly graph: Map<number, number[]>;
  private stage: Stage = 'advertise';
  private adverts = new Map<number, AdvertiseMsg>();
  /** Sender → its encrypted shares (U2 once the share stage is closed). */
  private shares = new Map<number, EncryptedShare[]>();
  private u2 = new Set<number>();
  /** Client → the neighbours in U2 that hold its shares. */
  private holders = new Map<number, Set<number>>();
  private masked = new Set<number>();
  private u3 = new Set<number>();
  private dropped = new Set<number>();
  private total: Uint32Array;
  private skShares = new Map<number, ShamirShare[]>();
  private bShares = new Map<number, ShamirShare[]>();
  private unmasked = new Set<number>();

  /**
   * @throws RangeError on bad or repeated client ids, a bad neighbour count, length, seed or
   *   round label, or a threshold outside k/2 < t ≤ k (k = neighbours per client).
   */
  constructor(opts: SecAggServerOptions) {
    if (!Number.isSafeInteger(opts.length) || opts.length < 0)
      throw new RangeError(`length must be a non-negative integer, got ${opts.length}`);
    if (opts.round !== undefined && typeof opts.round !== 'string')
      throw new RangeError('round must be a string');
    if (opts.clients.length < 2)
      throw new RangeError(
        `secure aggregation needs at least 2 clients, got ${opts.clients.length}`,
      );
    this.graph = secAggGraph(
      opts.clients,
      opts.neighbours,
      opts.seed ?? new Uint8Array(randomBytes(32)),
    );
    let min = Infinity;
    let max = 0;
    for (const nb of this.graph.values()) {
      min = Math.min(min, nb.length);
      max = Math.max(max, nb.length);
    }
    checkThreshold(opts.threshold, min, max);
    this.threshold = opts.threshold;
    this.length = opts.length;
    this.round = opts.round ?? '';
    this.total = new Uint32Array(opts.length);
  }

  private expect(stage: Stage, call: string): void {
    if (this.stage !== stage)
      throw new Error(`SecAggServer: ${call} called in stage '${this.stage}', expected '${stage}'`);
  }

  /**
   * The masking-graph neighbours of a client (all other clients for classic SecAgg).
   * @returns ascending ids.
   * @throws RangeError if `id` is not a client of the round.
   */
  neighboursOf(id: number): number[] {
    const nb = this.graph.get(id);
    if (!nb) throw new RangeError(`client ${id} is not in this round`);
    return nb.slice();
  }

  /**
   * Round 0: records a client's public keys.
   * @throws RangeError for an unknown or repeated client or malformed keys; Error once the
   *   roster was sent.
   */
  receiveAdvertise(msg: AdvertiseMsg): void {
    this.expect('advertise', 'receiveAdvertise');
    if (!this.graph.has(msg.id)) throw new RangeError(`client ${msg.id} is not in this round`);
    if (this.adverts.has(msg.id)) throw new RangeError(`client ${msg.id} advertised twice`);
    for (const k of [msg.cPk, msg.sPk])
      if (!(k instanceof Uint8Array) || k.length !== X25519_BYTES)
        throw new RangeError(`client ${msg.id}: public keys must be ${X25519_BYTES} bytes`);
    this.adverts.set(msg.id, { id: msg.id, cPk: msg.cPk.slice(), sPk: msg.sPk.slice() });
  }

  /**
   * Closes round 0 (U1 = the clients that advertised) and returns the roster to forward.
   * @param id with an id: only the entries that client needs (itself and its neighbours);
   *   without: all of U1.
   * @returns advertisements in ascending id order.
   * @throws SecAggAbortError if fewer than t clients advertised; RangeError for an unknown id.
   */
  roster(id?: number): AdvertiseMsg[] {
    if (this.stage === 'advertise') {
      if (this.adverts.size < this.threshold)
        throw new SecAggAbortError(
          `only ${this.adverts.size} clients advertised keys, fewer than the threshold ${this.threshold}: abandon the round`,
        );
      this.stage = 'share';
    } else if (this.stage !== 'share') this.expect('share', 'roster');
    const want = id === undefined ? null : new Set([id, ...this.neighboursOf(id)]);
    return sorted(this.adverts.keys())
      .filter((v) => !want || want.has(v))
      .map((v) => this.adverts.get(v)!);
  }

  /**
   * Round 1: records a client's encrypted shares, which must address exactly its neighbours
   * in U1.
   * @throws RangeError for a client not in U1, a repeated message or a malformed share; Error
   *   before the roster was sent or once the shares were routed.
   */
  receiveShareKeys(msg: ShareKeysMsg): void {
    this.expect('share', 'receiveShareKeys');
    if (!this.adverts.has(msg.id))
      throw new RangeError(`client ${msg.id} did not advertise keys in this round`);
    if (this.shares.has(msg.id)) throw new RangeError(`client ${msg.id} sent its shares twice`);
    const want = new Set(this.graph.get(msg.id)!.filter((v) => this.adverts.has(v)));
    const seen = new Set<number>();
    for (const e of msg.shares) {
      if (e.from !== msg.id)
        throw new RangeError(`client ${msg.id} sent a share marked as from ${e.from}`);
      if (!want.has(e.to) || seen.has(e.to))
        throw new RangeError(
          `client ${msg.id} sent a share to ${e.to}, not a neighbour in U1 or repeated`,
        );
      if (!(e.ciphertext instanceof Uint8Array) || e.ciphertext.length !== ENCRYPTED_SHARE_BYTES)
        throw new RangeError(`share ${msg.id} → ${e.to} must be ${ENCRYPTED_SHARE_BYTES} bytes`);
      seen.add(e.to);
    }
    if (seen.size !== want.size)
      throw new RangeError(
        `client ${msg.id} sent ${seen.size} shares but has ${want.size} neighbours in U1`,
      );
    this.shares.set(
      msg.id,
      msg.shares.map((e) => ({ from: e.from, to: e.to, ciphertext: e.ciphertext.slice() })),
    );
  }

  /**
   * Closes round 1 (U2 = the clients that sent shares) and routes the shares among U2.
   * @returns for every client in U2, the shares addressed to it (from U2).
   * @throws SecAggAbortError if fewer than t clients are in U2, or some client's secrets
   *   would be held by fewer than t neighbours in U2.
   */
  routeShares(): Map<number, EncryptedShare[]> {
    this.expect('share', 'routeShares');
    this.u2 = new Set(this.shares.keys());
    if (this.u2.size < this.threshold)
      throw new SecAggAbortError(
        `only ${this.u2.size} clients shared their keys, fewer than the threshold ${this.threshold}: abandon the round`,
      );
    const out = new Map<number, EncryptedShare[]>(sorted(this.u2).map((v) => [v, []]));
    for (const u of sorted(this.u2)) {
      const holders = new Set<number>();
      for (const e of this.shares.get(u)!) {
        const box = out.get(e.to);
        if (box) {
          box.push(e);
          holders.add(e.to);
        }
      }
      if (holders.size < this.threshold)
        throw new SecAggAbortError(
          `client ${u}'s secrets are held by only ${holders.size} neighbours that shared keys, fewer than the threshold ${this.threshold}: abandon the round`,
        );
      this.holders.set(u, holders);
    }
    this.shares.clear();
    this.stage = 'masked';
    return out;
  }

  /**
   * Round 2: adds a client's masked input y to the running sum.
   * @param y L words.
   * @throws RangeError for a client not in U2, a repeated input or a wrong length; Error
   *   outside the masked-input stage.
   */
  receiveMasked(id: number, y: Uint32Array): void {
    this.expect('masked', 'receiveMasked');
    if (!this.u2.has(id)) throw new RangeError(`client ${id} did not share keys in this round`);
    if (this.masked.has(id)) throw new RangeError(`client ${id} sent its masked input twice`);
    if (!(y instanceof Uint32Array) || y.length !== this.length)
      throw new RangeError(
        `masked input of client ${id} must be a Uint32Array of ${this.length} words`,
      );
    addInto(this.total, y);
    this.masked.add(id);
  }

  /**
   * Closes round 2 (U3 = the clients that sent masked inputs) and returns the request to
   * send to every client in U3.
   * @throws SecAggAbortError if fewer than t clients are in U3, a needed secret has fewer
   *   than t holders in U3, or the masking graph restricted to U3 is disconnected (unmasking
   *   would then reveal the sum of each component, not only the total).
   */
  unmaskRequest(): UnmaskRequest {
    this.expect('masked', 'unmaskRequest');
    const u3 = this.masked;
    if (u3.size < this.threshold)
      throw new SecAggAbortError(
        `only ${u3.size} clients sent masked inputs, fewer than the threshold ${this.threshold}: abandon the round`,
      );
    const dropped = sorted(this.u2).filter((v) => !u3.has(v));
    const need = (v: number, what: string): void => {
      let n = 0;
      for (const h of this.holders.get(v)!) if (u3.has(h)) n++;
      if (n < this.threshold)
        throw new SecAggAbortError(
          `${what} of client ${v} is held by only ${n} clients that sent masked inputs, fewer than the threshold ${this.threshold}: abandon the round`,
        );
    };
    for (const v of dropped) if (this.graph.get(v)!.some((u) => u3.has(u))) need(v, 's^SK');
    for (const u of u3) need(u, 'b');
    // Connectivity of the surviving masking graph (always true for the complete graph).
    const start = sorted(u3)[0]!;
    const seen = new Set([start]);
    const stack = [start];
    while (stack.length > 0) {
      for (const v of this.graph.get(stack.pop()!)!)
        if (u3.has(v) && !seen.has(v)) {
          seen.add(v);
          stack.push(v);
        }
    }
    if (seen.size !== u3.size)
      throw new SecAggAbortError(
        `the masking graph of the ${u3.size} surviving clients is disconnected: unmasking would reveal partial sums; abandon the round (or use more neighbours)`,
      );
    this.u3 = new Set(u3);
    this.dropped = new Set(dropped);
    this.stage = 'unmask';
    return { dropped, survivors: sorted(u3) };
  }

  /**
   * Round 3: records a survivor's revealed shares.
   * @throws RangeError for a client not in U3, a repeated message, or a share the client
   *   does not hold or should not reveal; Error outside the unmasking stage.
   */
  receiveUnmask(msg: UnmaskMsg): void {
    this.expect('unmask', 'receiveUnmask');
    if (!this.u3.has(msg.id)) throw new RangeError(`client ${msg.id} is not a survivor`);
    if (this.unmasked.has(msg.id)) throw new RangeError(`client ${msg.id} unmasked twice`);
    const check = (of: number, value: Uint8Array, set: Set<number>, what: string): void => {
      if (!set.has(of) || !this.holders.get(of)!.has(msg.id))
        throw new RangeError(
          `client ${msg.id} revealed a ${what} share of ${of}, which it was not asked for`,
        );
      if (!(value instanceof Uint8Array) || value.length !== SHAMIR_SHARE_BYTES)
        throw new RangeError(
          `client ${msg.id}: revealed shares must be ${SHAMIR_SHARE_BYTES} bytes`,
        );
    };
    const sk = new Set<number>();
    const b = new Set<number>();
    for (const r of msg.skShares) {
      check(r.of, r.value, this.dropped, 's^SK');
      if (sk.has(r.of)) throw new RangeError(`client ${msg.id} revealed two shares of ${r.of}`);
      sk.add(r.of);
    }
    for (const r of msg.bShares) {
      check(r.of, r.value, this.u3, 'b');
      if (b.has(r.of)) throw new RangeError(`client ${msg.id} revealed two shares of ${r.of}`);
      b.add(r.of);
    }
    const add = (map: Map<number, ShamirShare[]>, of: number, value: Uint8Array): void => {
      const list = map.get(of) ?? [];
      list.push({ id: msg.id, threshold: this.threshold, value: value.slice() });
      map.set(of, list);
    };
    for (const r of msg.skShares) add(this.skShares, r.of, r.value);
    for (const r of msg.bShares) add(this.bShares, r.of, r.value);
    this.unmasked.add(msg.id);
  }

  /**
   * Closes round 3: rebuilds b_u for every u ∈ U3 and s_v^SK for every dropped v with a
   * neighbour in U3, removes the self-masks and the masks shared with dropped clients.
   * @returns Σ_{u∈U3} x_u mod 2^32 and U3.
   * @throws SecAggAbortError if some needed secret has fewer than t revealed shares; Error if
   *   a rebuilt s^SK does not match the advertised s^PK (inconsistent shares).
   */
  finish(): SecAggResult {
    this.expect('unmask', 'finish');
    // Lagrange coefficients: one O(t²) set G = the t + 1 smallest responders; any secret whose
    // holders include all of G but one member g uses G \ {g}, derived in O(t) (in classic
    // SecAgg that is every secret). Other holder sets (SecAgg+) are computed and cached.
    const responders = sorted(this.unmasked);
    const t = this.threshold;
    const G = responders.length > t ? responders.slice(0, t + 1) : null;
    const lambdaG = G ? lagrangeAtZero(G) : null;
    const derived = new Map<number, bigint[]>();
    const coeffCache = new Map<string, bigint[]>();
    const rebuild = (shares: ShamirShare[] | undefined, of: number, what: string): Uint8Array => {
      const list = shares ?? [];
      if (list.length < t)
        throw new SecAggAbortError(
          `only ${list.length} shares of ${what} of client ${of} arrived, fewer than the threshold ${t}: abandon the round`,
        );
      const byHolder = new Map(list.map((s) => [s.id, s]));
      if (G && lambdaG) {
        const missing = G.map((g, i) => (byHolder.has(g) ? -1 : i)).filter((i) => i >= 0);
        if (missing.length <= 1) {
          const drop = missing[0] ?? t; // all of G present: leave out its largest member
          let coeffs = derived.get(drop);
          if (!coeffs) {
            coeffs = lagrangeWithout(lambdaG, G, drop);
            derived.set(drop, coeffs);
          }
          const used = G.filter((_, i) => i !== drop).map((g) => byHolder.get(g)!);
          return combineWithCoefficients(coeffs, used);
        }
      }
      const used = [...list].sort((a, b) => a.id - b.id).slice(0, t);
      const key = used.map((s) => s.id).join(',');
      let coeffs = coeffCache.get(key);
      if (!coeffs) {
        coeffs = lagrangeAtZero(used.map((s) => s.id));
        coeffCache.set(key, coeffs);
      }
      return combineWithCoefficients(coeffs, used);
    };
    const needSk = sorted(this.dropped).filter((v) =>
      this.graph.get(v)!.some((u) => this.u3.has(u)),
    );
    const bs = sorted(this.u3).map((u) => [u, rebuild(this.bShares.get(u), u, 'b')] as const);
    const sks = needSk.map((v) => [v, rebuild(this.skShares.get(v), v, 's^SK')] as const);
    const sum = this.total;
    for (const [, b] of bs) addMask(sum, b, -1);
    for (const [v, sk] of sks) {
      const pk = this.adverts.get(v)!.sPk;
      if (!Buffer.from(publicKeyOf(sk)).equals(Buffer.from(pk)))
        throw new Error(`the rebuilt s^SK of client ${v} does not match its advertised s^PK`);
      const us = this.graph.get(v)!.filter((u) => this.u3.has(u));
      const shared = agreeMany(
        sk,
        us.map((u) => this.adverts.get(u)!.sPk),
      );
      // y_u carries +PRG(s_uv) if u < v and −PRG(s_uv) if u > v: take it out.
      us.forEach((u, i) =>
        addMask(sum, pairMaskSeed(this.round, u, v, shared[i]!), u < v ? -1 : 1),
      );
      sk.fill(0);
    }
    this.stage = 'done';
    this.total = new Uint32Array(0);
    return { sum, included: sorted(this.u3) };
  }
}
