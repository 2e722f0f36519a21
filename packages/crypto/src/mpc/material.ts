/**
 * Sources of correlated randomness for the online phase: {@link DealerMaterial} (shares from a
 * seed plus the dealer's corrections) and {@link PaillierTriples} (dealer-free two-party
 * multiplication triples from Paillier encryption, Gilboa-style: each party's cross product
 * a_i·b_j is computed under the other party's key).
 *
 * Every method is a protocol step run by all parties in the same order; each takes exactly one
 * communication round (dealer mode) or two (Paillier mode).
 */
import { randomBytes } from 'node:crypto';
import {
  DEALER_REQUEST_WORDS,
  MaterialKind,
  checkRequest,
  correctionWords,
  drawPerm,
  drawShares,
  type PermShare,
} from './dealer.js';
import {
  MpcProtocolError,
  bytesRing,
  localWork,
  ringBytes,
  type Outbox,
  type Proto,
} from './messages.js';
import { paillierCrossTerms } from './paillier-cross.js';
import { RingPrg } from './prg.js';
import type { Ring } from './ring.js';
import { PaillierEncryptor } from '../paillier/encryptor.js';
import { PaillierDecryptor } from '../paillier/decryptor.js';
import { PaillierEvaluator } from '../paillier/evaluator.js';
import type { PaillierPrivateKey, PaillierPublicKey } from '../paillier/keys.js';

/** What a source needs of its party: identity and one-round exchange. */
export interface MaterialHost {
  readonly id: number;
  readonly parties: number;
  exchange(
    what: string,
    out: Outbox,
    expectBytes: (number | undefined)[],
  ): Proto<(Uint8Array | undefined)[]>;
}

/** This party's shares of a batch of correlated randomness. */
export interface MaterialSource {
  /** Whether comparisons, truncation masks and matrix triples are available (dealer mode). */
  readonly full: boolean;
  /** Beaver triples: [a], [b], [c = a·b] over Z_{2^64}, n each. */
  triples(host: MaterialHost, n: number): Proto<[Ring, Ring, Ring]>;
  /** Boolean AND triples on 64-bit words: XOR shares of a, b, c = a ∧ b. */
  andTriples(host: MaterialHost, n: number): Proto<[Ring, Ring, Ring]>;
  /** Truncation masks: [r] uniform, [(r mod 2^63) >> f], [r >> 63]. */
  truncMasks(host: MaterialHost, n: number, f: number): Proto<[Ring, Ring, Ring]>;
  /** daBits: a random bit as XOR share (bit 0) and as additive share. */
  daBits(host: MaterialHost, n: number): Proto<[Ring, Ring]>;
  /** Matrix triple: [U] n×k, [V] k×m, [W = U·V] n×m. */
  matTriple(host: MaterialHost, n: number, k: number, m: number): Proto<[Ring, Ring, Ring]>;
  /**
   * Permutation correlation for `n` rows × `w` columns permuted by party `j` (the oblivious
   * shuffle): π and Δ at j, masks a_k, b_k elsewhere, Δ + Σ b_k = π(Σ a_k).
   */
  permutation(host: MaterialHost, n: number, j: number, w: number): Proto<PermShare>;
}

/**
 * Dealer mode: party i expands its shares from `seed` (shared with the dealer); the last party
 * also requests the correction words from the dealer (party index P in the outbox).
 */
export class DealerMaterial implements MaterialSource {
  readonly full = true;
  readonly #prg: RingPrg;

  /** @param seed this party's 32-byte seed, known to the dealer. */
  constructor(seed: Uint8Array) {
    this.#prg = new RingPrg(seed);
  }

  *#draw(host: MaterialHost, kind: MaterialKind, d: [number, number, number]): Proto<Ring[]> {
    checkRequest(kind, d);
    const P = host.parties;
    const last = host.id === P - 1;
    const shares = drawShares(this.#prg, kind, d, last);
    const out: Outbox = [];
    const expect: (number | undefined)[] = [];
    if (last) {
      const req = new BigUint64Array(DEALER_REQUEST_WORDS);
      req[0] = BigInt(kind);
      d.forEach((x, i) => (req[i + 1] = BigInt(x)));
      out[P] = ringBytes(req);
      expect[P] = correctionWords(kind, d) * 8;
    }
    const inbox = yield* host.exchange(`dealer material kind ${kind}`, out, expect);
    if (!last) return shares;
    const corr = bytesRing(inbox[P]!);
    if (kind === MaterialKind.Trunc) {
      const n = d[0];
      return [...shares, corr.subarray(0, n), corr.subarray(n)];
    }
    return [...shares, corr];
  }

  *triples(host: MaterialHost, n: number): Proto<[Ring, Ring, Ring]> {
    return (yield* this.#draw(host, MaterialKind.Triple, [n, 0, 0])) as [Ring, Ring, Ring];
  }
  *andTriples(host: MaterialHost, n: number): Proto<[Ring, Ring, Ring]> {
    return (yield* this.#draw(host, MaterialKind.And, [n, 0, 0])) as [Ring, Ring, Ring];
  }
  *truncMasks(host: MaterialHost, n: number, f: number): Proto<[Ring, Ring, Ring]> {
    return (yield* this.#draw(host, MaterialKind.Trunc, [n, f, 0])) as [Ring, Ring, Ring];
  }
  *daBits(host: MaterialHost, n: number): Proto<[Ring, Ring]> {
    return (yield* this.#draw(host, MaterialKind.DaBit, [n, 0, 0])) as [Ring, Ring];
  }
  *matTriple(host: MaterialHost, n: number, k: number, m: number): Proto<[Ring, Ring, Ring]> {
    return (yield* this.#draw(host, MaterialKind.MatMul, [n, k, m])) as [Ring, Ring, Ring];
  }
  *permutation(host: MaterialHost, n: number, j: number, w: number): Proto<PermShare> {
    const d: [number, number, number] = [n, j, w];
    checkRequest(MaterialKind.Perm, d);
    const P = host.parties;
    const last = host.id === P - 1;
    const share = drawPerm(this.#prg, n, j, w, host.id, last);
    const out: Outbox = [];
    const expect: (number | undefined)[] = [];
    if (last) {
      const req = new BigUint64Array(DEALER_REQUEST_WORDS);
      req[0] = BigInt(MaterialKind.Perm);
      d.forEach((x, i) => (req[i + 1] = BigInt(x)));
      out[P] = ringBytes(req);
      expect[P] = correctionWords(MaterialKind.Perm, d) * 8;
    }
    const inbox = yield* host.exchange(`dealer material kind ${MaterialKind.Perm}`, out, expect);
    if (last) share.out = bytesRing(inbox[P]!);
    return share;
  }
}

/** The low 64 bits of each plaintext, as little-endian words. */
export function low64(ms: readonly bigint[]): Uint8Array {
  const out = new BigUint64Array(ms.length);
  for (let i = 0; i < ms.length; i++) out[i] = BigInt.asUintN(64, ms[i]!);
  return ringBytes(out);
}

/** Statistical masking margin (bits) of the Paillier cross-product mask. */
const SIGMA = 40;

/**
 * Dealer-free two-party triples from Paillier (Gilboa's product-sharing over an additively
 * homomorphic scheme, as in SPU's semi2k "without TTP" beaver with HE / MP-SPDZ's HighGear
 * idea reduced to semi-honest): party 0 holds a Paillier key pair and sends [[a0]], [[b0]];
 * party 1 answers [[a0·b1 + b0·a1 + ρ]] with ρ uniform in [0, 2^{129+σ}) (σ = 40), which hides
 * the cross terms statistically; party 0 decrypts and reduces mod 2^64, party 1 keeps −ρ.
 * Only triples are available in this mode (no comparison material): chosen over OT extension
 * because the fast Paillier code exists and is tested, and OT extension would be new code.
 */
export class PaillierTriples implements MaterialSource {
  readonly full = false;
  readonly #prg: RingPrg;
  readonly #publicKey: PaillierPublicKey;
  readonly #privateKey: PaillierPrivateKey | undefined;
  // Built on first inline use only: a runtime that runs the work elsewhere never needs them.
  #enc: PaillierEncryptor | undefined;
  #ev: PaillierEvaluator | undefined;
  #dec: PaillierDecryptor | undefined;

  /**
   * @param publicKey party 0's Paillier public key (≥ 2048 bits).
   * @param privateKey party 0's private key; given to party 0 only.
   * @param seed 32-byte seed of this party's triple shares (random when omitted; tests fix it).
   */
  constructor(publicKey: PaillierPublicKey, privateKey?: PaillierPrivateKey, seed?: Uint8Array) {
    this.#prg = new RingPrg(seed ?? randomBytes(32));
    if (publicKey.bits < 2048)
      throw new RangeError(
        `dealer-free triples need a Paillier key of ≥ 2048 bits, got ${publicKey.bits}`,
      );
    this.#publicKey = publicKey;
    this.#privateKey = privateKey;
  }

  #encryptor(): PaillierEncryptor {
    return (this.#enc ??= PaillierEncryptor.create(this.#publicKey));
  }
  #evaluator(): PaillierEvaluator {
    return (this.#ev ??= new PaillierEvaluator(this.#publicKey));
  }

  /**
   * n triples in two rounds. The Paillier operations are {@link LocalWork} steps (encryption
   * and decryption by party 0, the cross terms by party 1): the runtime runs them inline or
   * spreads them over threads and processes; the shares are the same either way.
   */
  *triples(host: MaterialHost, n: number): Proto<[Ring, Ring, Ring]> {
    if (host.parties !== 2) throw new RangeError('Paillier triples are a two-party protocol');
    const a = this.#prg.next(n);
    const b = this.#prg.next(n);
    const c = new BigUint64Array(n);
    for (let i = 0; i < n; i++) c[i] = a[i]! * b[i]!;
    const w = this.#publicKey.cipherBytes;
    if (host.id === 0) {
      const privateKey = this.#privateKey;
      if (!privateKey) throw new RangeError('party 0 needs the Paillier private key');
      const values = [...a, ...b];
      const cts = yield* localWork(
        'paillier triples: encrypt a0, b0',
        { op: 'paillierEncryptRing', publicKey: this.#publicKey, values },
        () => this.#encryptor().encryptRing(values),
      );
      yield* host.exchange('paillier triples: [[a0]], [[b0]]', [undefined, cts], []);
      const inbox = yield* host.exchange('paillier triples: cross terms', [], [undefined, n * w]);
      const reply = inbox[1]!;
      const low = yield* localWork(
        'paillier triples: decrypt the cross terms',
        { op: 'paillierDecryptLow64', privateKey, cts: reply },
        () => {
          this.#dec ??= new PaillierDecryptor(privateKey);
          return low64(this.#dec.decryptRing(reply));
        },
      );
      if (low.length !== n * 8)
        throw new MpcProtocolError(`decrypted cross terms: ${low.length / 8} words, want ${n}`);
      const cross = bytesRing(low);
      for (let i = 0; i < n; i++) c[i] = c[i]! + cross[i]!;
      return [a, b, c];
    }
    const inbox = yield* host.exchange(
      'paillier triples: [[a0]], [[b0]]',
      [],
      [2 * n * w, undefined],
    );
    const got = inbox[0]!;
    const rho = Array.from({ length: n }, () => {
      const r = this.#prg.next(3);
      return r[0]! | (r[1]! << 64n) | ((r[2]! & ((1n << BigInt(129 + SIGMA - 128)) - 1n)) << 128n);
    });
    const reply = yield* localWork(
      'paillier triples: cross terms',
      { op: 'paillierGilboaCross', publicKey: this.#publicKey, cts: got, a, b, rho },
      () => paillierCrossTerms(this.#encryptor(), this.#evaluator(), got, a, b, rho),
    );
    if (reply.length !== n * w)
      throw new MpcProtocolError(`cross terms: ${reply.length / w} ciphertexts, want ${n}`);
    for (let i = 0; i < n; i++) c[i] = c[i]! - rho[i]!;
    yield* host.exchange('paillier triples: cross terms', [reply], []);
    return [a, b, c];
  }

  #unsupported(what: string): never {
    throw new RangeError(
      `${what} needs dealer material; the dealer-free (Paillier) mode provides multiplication triples only`,
    );
  }
  // eslint-disable-next-line require-yield
  *andTriples(): Proto<[Ring, Ring, Ring]> {
    this.#unsupported('comparison (AND triples)');
  }
  // eslint-disable-next-line require-yield
  *truncMasks(): Proto<[Ring, Ring, Ring]> {
    this.#unsupported('truncation masks');
  }
  // eslint-disable-next-line require-yield
  *daBits(): Proto<[Ring, Ring]> {
    this.#unsupported('comparison (daBits)');
  }
  // eslint-disable-next-line require-yield
  *matTriple(): Proto<[Ring, Ring, Ring]> {
    this.#unsupported('matrix triples');
  }
  // eslint-disable-next-line require-yield
  *permutation(): Proto<PermShare> {
    this.#unsupported('the oblivious shuffle (permutation correlations)');
  }
}

export { MpcProtocolError };
