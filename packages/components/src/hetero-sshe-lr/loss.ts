/**
 * The secure Taylor loss of one epoch (the same value as the plaintext twin's), revealed to both
 * parties once per epoch and nothing else. Per batch R, with z = X·w, d′ = z + 2 − 4y and the
 * gradient G = Xᵀ·d′ already shared:
 *
 *   8·L_R = Σ_i (8 ln 2 − 4·y′_i·z_i + z_i²) + 8|R|·(α/2)·‖w‖²
 *         = 8|R| ln 2 + w·G + 2·Σ z − 4·Σ y·z + 4|R|α·‖w‖²          (z·d′ = w·G)
 *
 * so no product of two per-row secrets is needed: w·G and ‖w‖² are inner products of length
 * cols, and Σ y·z^host is a sum of the host's encrypted error shares [[d′^host_i]] = [[z^host_i]]
 * that the guest already holds, over its rows with y = 1. Everything is an integer polynomial in
 * the shares, so computing over the integers and reducing mod 2^ℓ at the end is exact.
 *
 * Each party keeps a local part ℓ (its own shares only) and accumulates the cross terms of its
 * OWN coordinates under the PEER's key:
 *   [[w^peer_j]]^(G^own_j + 2c·w^own_j) · [[t_j]]^(w^own_j)
 * with [[w^peer_j]] the peer's packing base for k = 0 and [[t_j]] its own masked gradient
 * (t_j ≡ G^peer_j mod 2^ℓ). At the end of the epoch:
 *   host → guest  [[acc_h + ℓ_h + μ + 2^ℓ·ρ_h]]   the guest decrypts a (uniform: μ is)
 *   guest → host  [[acc_g + ℓ_g + a + 2^ℓ·ρ_g]]   the host decrypts 8·L·2^T + μ mod 2^ℓ
 *   host → guest  L (a float)
 * ρ (≥ σ bits above the carries) hides the integer carries above 2^ℓ of the accumulated
 * products; both ciphertexts carry a fresh encryption.
 */
import { encodeFixed, randomBits } from '@fedgrid/crypto';
import { recvMessage, sendMessage, type Channel, type PartyName } from '@fedgrid/federation';
import { FEATURE_SCALE_BITS } from './features.js';
import { bigInnerProduct } from './big-inner-product.js';
import { gradientBound } from './gradient.js';
import { expectCiphertexts, STAT_BITS, tag } from './protocol.js';
import {
  decodeRing,
  encodeRing,
  randomRingVector,
  ring,
  RING_BITS,
  type ShareParty,
} from './ring.js';
import type { OwnKey, PeerKey } from './setup.js';

/** What one batch contributes, seen from one party. */
export interface LossBatch {
  /** Rows of the batch. */
  rows: number;
  /** Shares (pre-update) of own and peer weights, and of own and peer gradients (scale F + S). */
  wOwn: readonly bigint[];
  wPeer: readonly bigint[];
  gOwn: readonly bigint[];
  gPeer: readonly bigint[];
  /** This party's shares of z (scale F), batch order. */
  z: readonly bigint[];
  /** The peer's packing bases (under the peer's key); the k = 0 base of column j is at j·K. */
  peerBases: Uint8Array;
  slots: number;
  /** The masked gradient ciphertexts this party sent (under the peer's key). */
  sentGrad: Uint8Array;
  /** Guest only: batch labels (0/1) and the host's [[d′^host]] (under the host's key). */
  labels?: Float64Array;
  peerD?: Uint8Array;
}

export class EpochLoss {
  private local = 0n;
  private readonly parts: Uint8Array[] = [];
  private maxBatch = 1;
  /** Products accumulated (for the carry bound). */
  private terms = 0;
  private readonly scale: number;
  private readonly ownPenalised: readonly boolean[];
  private readonly peerPenalised: readonly boolean[];

  /**
   * @param alpha the L2 strength (0 for no penalty).
   * @param penalised per coordinate of own and peer weights: whether the penalty applies.
   */
  constructor(
    private readonly party: ShareParty,
    private readonly peer: PeerKey,
    private readonly fracBits: number,
    private readonly quantBits: number,
    private readonly alpha: number,
    penalised: { own: readonly boolean[]; peer: readonly boolean[] },
  ) {
    this.scale = 2 * fracBits + FEATURE_SCALE_BITS;
    this.ownPenalised = penalised.own;
    this.peerPenalised = penalised.peer;
  }

  /** T: the fractional bits of the accumulated 8·L. */
  get lossScale(): number {
    return this.scale;
  }

  /** Adds one batch (before the weights are stepped). */
  async addBatch(b: LossBatch): Promise<void> {
    const F = this.fracBits;
    const zShift = BigInt(F + FEATURE_SCALE_BITS);
    const cPen = encodeRing(4 * b.rows * this.alpha, FEATURE_SCALE_BITS);
    this.maxBatch = Math.max(this.maxBatch, b.rows);
    let acc = 0n;
    const addOwnTerms = (w: readonly bigint[], g: readonly bigint[], pen: readonly boolean[]) => {
      w.forEach((wj, j) => {
        acc += wj * (g[j] as bigint);
        if (pen[j]) acc += cPen * wj * wj;
      });
    };
    addOwnTerms(b.wOwn, b.gOwn, this.ownPenalised);
    addOwnTerms(b.wPeer, b.gPeer, this.peerPenalised);
    let sumZ = 0n;
    for (const z of b.z) sumZ += z;
    acc += (2n * sumZ) << zShift;
    if (b.labels) {
      let sumYz = 0n;
      b.labels.forEach((y, i) => {
        if (y === 1) sumYz += b.z[i] as bigint;
      });
      acc -= (4n * sumYz) << zShift;
      acc += encodeFixed(8 * b.rows * Math.LN2, this.scale);
    }
    this.local = ring(this.local + acc);

    // Cross terms of own coordinates, under the peer's key.
    const ev = this.peer.ev;
    const w = this.peer.pub.cipherBytes;
    const cols = b.wOwn.length;
    const bases = new Uint8Array(cols * w);
    for (let j = 0; j < cols; j++)
      bases.set(b.peerBases.subarray(j * b.slots * w, (j * b.slots + 1) * w), j * w);
    const e1 = b.wOwn.map((wj, j) =>
      ring((b.gOwn[j] as bigint) + (this.ownPenalised[j] ? 2n * cPen * wj : 0n)),
    );
    const all = new Uint8Array(2 * cols * w);
    all.set(bases, 0);
    all.set(b.sentGrad, cols * w);
    this.parts.push(await bigInnerProduct(this.peer.pp, ev, all, [...e1, ...b.wOwn]));
    this.terms += 2 * cols;
    if (b.labels && b.peerD) {
      const picked: number[] = [];
      b.labels.forEach((y, i) => y === 1 && picked.push(i));
      const sel = new Uint8Array(picked.length * w);
      picked.forEach((i, k) => sel.set(b.peerD!.subarray(i * w, (i + 1) * w), k * w));
      this.parts.push(ev.mulScalar(ev.sum(sel), [-(4n << zShift)]));
      this.terms += 1;
    }
  }

  /** Bits of the integer carries above 2^ℓ that the masks must hide (+ σ). */
  private carryMaskBits(): number {
    const F = this.fracBits;
    const term =
      RING_BITS +
      Math.max(
        RING_BITS,
        gradientBound(this.maxBatch, this.quantBits) + STAT_BITS + 1,
        RING_BITS + Math.ceil(Math.log2(this.maxBatch)) + F + FEATURE_SCALE_BITS + 3,
      );
    // + the two ring elements added in the clear, + a sign bit.
    const total = term + Math.ceil(Math.log2(this.terms + 4)) + 1;
    return total - RING_BITS + STAT_BITS;
  }

  private accumulated(): Uint8Array {
    return this.parts.reduce((a, c) => this.peer.ev.add(a, c));
  }

  /**
   * The end-of-epoch exchange; both parties return the epoch's mean loss (`rows` = N).
   * @throws ComponentError PROTOCOL on malformed messages.
   */
  async reveal(
    ch: Channel,
    peerName: PartyName,
    own: OwnKey,
    epoch: number,
    rows: number,
  ): Promise<number> {
    const carry = (1n << BigInt(RING_BITS)) * randomBits(this.carryMaskBits());
    const acc = this.accumulated();
    if (this.party === 1) {
      const [mu] = randomRingVector(1) as [bigint];
      const add = await this.peer.pp.encryptRing([this.local + mu + carry]);
      await sendMessage(ch, peerName, tag.lossHost(epoch), {}, [this.peer.ev.add(acc, add)]);
      const back = await recvMessage(ch, peerName, tag.lossGuest(epoch));
      const ct = expectCiphertexts(back.blobs[0], 1, own.pub, 'loss');
      const [v] = await own.pp.decryptRing(own.keys.privateKey, ct);
      const total = ring(own.pp.ring.fromRing(v as bigint) - mu);
      const loss = decodeRing(total, this.scale) / (8 * rows);
      await sendMessage(ch, peerName, tag.loss(epoch), { loss });
      return loss;
    }
    const msg = await recvMessage(ch, peerName, tag.lossHost(epoch));
    const ct = expectCiphertexts(msg.blobs[0], 1, own.pub, 'loss part');
    const [v] = await own.pp.decryptRing(own.keys.privateKey, ct);
    const a = ring(own.pp.ring.fromRing(v as bigint));
    const add = await this.peer.pp.encryptRing([this.local + a + carry]);
    const [, done] = await Promise.all([
      sendMessage(ch, peerName, tag.lossGuest(epoch), {}, [this.peer.ev.add(acc, add)]),
      recvMessage<{ loss: number }>(ch, peerName, tag.loss(epoch)),
    ]);
    return done.header.loss;
  }
}
