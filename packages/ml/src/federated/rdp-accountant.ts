/**
 * Rényi differential privacy accounting for the (sub)sampled Gaussian mechanism: DP-SGD steps or
 * DP-FedAvg rounds with Poisson sampling rate q and noise multiplier z.
 *
 * - RDP and composition: Mironov, "Rényi Differential Privacy", CSF 2017.
 * - Sampled Gaussian mechanism, integer orders: Mironov, Talwar, Zhang, "Rényi Differential
 *   Privacy of the Sampled Gaussian Mechanism", 2019 (arXiv:1908.10530), Section 3.3, the sum
 *   computed by TF-Privacy / Opacus as `_compute_log_a_int`.
 * - RDP → (ε, δ): Mironov 2017 Proposition 3 (`'classic'`) or the tighter Balle, Barthe,
 *   Gaboardi, Hsu, Sato, "Hypothesis Testing Interpretations and Rényi Differential Privacy",
 *   AISTATS 2020, Theorem 21 (`'balle2020'`, the default; also used by Opacus).
 */

/**
 * Default RDP orders: the integers 2 … 64 plus 80, 96, 128, 256, 512 (TF-Privacy's integer
 * orders; fractional orders below 2 are not supported and only matter for large ε).
 */
export const DEFAULT_RDP_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 63 }, (_, i) => i + 2),
  80,
  96,
  128,
  256,
  512,
]);

/** RDP-to-DP conversion rule used by {@link RdpAccountant.epsilon}. */
export type RdpConversion = 'classic' | 'balle2020';

/** JSON-serialisable state of {@link RdpAccountant}. */
export interface RdpAccountantState {
  version: 1;
  orders: number[];
  /** Accumulated RDP ε(α) per order, same length as `orders`. */
  rdp: number[];
}

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const hi = Math.max(a, b);
  return hi + Math.log1p(Math.exp(Math.min(a, b) - hi));
}

function checkOrder(order: number, where: string): void {
  if (!Number.isInteger(order) || order < 2 || order > 100_000) {
    throw new RangeError(
      `${where}: RDP order ${String(order)} must be an integer in 2 … 100000 (fractional orders ` +
        'are not supported)',
    );
  }
}

function checkMechanism(q: number, z: number, where: string): void {
  if (typeof q !== 'number' || !(q >= 0 && q <= 1)) {
    throw new RangeError(`${where}: sampleRate = ${String(q)} must be in [0, 1]`);
  }
  if (typeof z !== 'number' || !Number.isFinite(z) || z <= 0) {
    throw new RangeError(
      `${where}: noiseMultiplier = ${String(z)} must be finite and > 0 (noise std / L2 sensitivity)`,
    );
  }
}

/**
 * RDP of one step of the sampled Gaussian mechanism at integer order α (Mironov, Talwar, Zhang
 * 2019, Section 3.3): `ε(α) = log(A_α) / (α − 1)` with
 *
 *   A_α = Σ_{i=0}^{α} C(α, i) (1 − q)^(α−i) q^i exp((i² − i) / (2z²)),
 *
 * evaluated in log space. q = 1 gives the Gaussian mechanism's `α / (2z²)`; q = 0 gives 0.
 *
 * @param sampleRate Poisson sampling probability q ∈ [0, 1] (of an example or a client).
 * @param noiseMultiplier z > 0: noise standard deviation divided by the L2 sensitivity.
 * @param order integer α ≥ 2.
 * @throws RangeError on out-of-range arguments or when z is so small that ε(α) overflows.
 */
export function sampledGaussianRdp(
  sampleRate: number,
  noiseMultiplier: number,
  order: number,
): number {
  checkMechanism(sampleRate, noiseMultiplier, 'sampledGaussianRdp');
  checkOrder(order, 'sampledGaussianRdp');
  const q = sampleRate;
  const z2 = noiseMultiplier * noiseMultiplier;
  let rdp: number;
  if (q === 0) rdp = 0;
  else if (q === 1) rdp = order / (2 * z2);
  else {
    const logQ = Math.log(q);
    const log1mQ = Math.log1p(-q);
    let logA = -Infinity;
    let logBinom = 0;
    for (let i = 0; i <= order; i++) {
      if (i > 0) logBinom += Math.log(order - i + 1) - Math.log(i);
      logA = logAdd(logA, logBinom + i * logQ + (order - i) * log1mQ + (i * i - i) / (2 * z2));
    }
    rdp = logA / (order - 1);
  }
  if (!Number.isFinite(rdp)) {
    throw new RangeError(
      `sampledGaussianRdp: RDP at order ${order} overflows for noiseMultiplier ${noiseMultiplier}: ` +
        'use a larger noise multiplier or smaller orders',
    );
  }
  return Math.max(rdp, 0);
}

/**
 * Accumulates RDP over steps (composition: RDP adds up per order, Mironov 2017 Proposition 1) and
 * converts it to (ε, δ)-DP.
 */
export class RdpAccountant {
  private readonly orders: number[];
  private readonly rdp: Float64Array;

  /**
   * @param orders integer RDP orders ≥ 2, distinct; default {@link DEFAULT_RDP_ORDERS}.
   * @throws RangeError on an empty list, a non-integer or < 2 order, or duplicates.
   */
  constructor(orders: readonly number[] = DEFAULT_RDP_ORDERS) {
    if (!Array.isArray(orders) || orders.length === 0) {
      throw new RangeError('RdpAccountant: orders must be a non-empty array of integers ≥ 2');
    }
    for (const a of orders) checkOrder(a, 'RdpAccountant');
    if (new Set(orders).size !== orders.length) {
      throw new RangeError('RdpAccountant: orders contain duplicates');
    }
    this.orders = [...orders];
    this.rdp = new Float64Array(orders.length);
  }

  /**
   * Records `steps` applications of the sampled Gaussian mechanism.
   *
   * @param noiseMultiplier z > 0 (std of the noise / L2 sensitivity of the sum).
   * @param sampleRate q ∈ [0, 1]: per-step Poisson sampling probability (1 = everyone). q < 1
   *   credits privacy amplification by subsampling, which holds only if the adversary does not
   *   know who was sampled (Balle, Barthe & Gaboardi, NeurIPS 2018): draw the sample from a
   *   CSPRNG held by the party that adds the noise, never from a public seed — or pass 1.
   * @param steps integer ≥ 0, default 1.
   * @throws RangeError on out-of-range arguments.
   */
  step(args: { noiseMultiplier: number; sampleRate: number; steps?: number }): void {
    const { noiseMultiplier, sampleRate, steps = 1 } = args ?? ({} as typeof args);
    checkMechanism(sampleRate, noiseMultiplier, 'RdpAccountant.step');
    if (!Number.isInteger(steps) || steps < 0) {
      throw new RangeError(`RdpAccountant.step: steps = ${String(steps)} must be an integer ≥ 0`);
    }
    for (let k = 0; k < this.orders.length; k++) {
      const r = sampledGaussianRdp(sampleRate, noiseMultiplier, this.orders[k] as number);
      this.rdp[k] = (this.rdp[k] as number) + steps * r;
    }
  }

  /** Accumulated RDP per order, parallel to {@link RdpAccountant.state}'s `orders`. */
  rdpValues(): { order: number; rdp: number }[] {
    return this.orders.map((order, k) => ({ order, rdp: this.rdp[k] as number }));
  }

  /**
   * The smallest ε over the orders such that the composition so far is (ε, δ)-DP.
   *
   * - `'balle2020'` (default): `ε = rdp + log((α−1)/α) − (log δ + log α)/(α − 1)` (Balle et al.
   *   2020, Theorem 21);
   * - `'classic'`: `ε = rdp + log(1/δ)/(α − 1)` (Mironov 2017, Proposition 3), as in
   *   TF-Privacy's `get_privacy_spent` until 2021 (use it to reproduce published numbers).
   *
   * @param delta δ ∈ (0, 1).
   * @returns ε ≥ 0 and the order attaining it (ε = 0 when nothing was recorded).
   * @throws RangeError when δ is not in (0, 1) or the conversion is unknown.
   */
  epsilon(
    delta: number,
    conversion: RdpConversion = 'balle2020',
  ): { epsilon: number; order: number } {
    if (typeof delta !== 'number' || !(delta > 0 && delta < 1)) {
      throw new RangeError(`RdpAccountant.epsilon: delta = ${String(delta)} must be in (0, 1)`);
    }
    if (conversion !== 'classic' && conversion !== 'balle2020') {
      throw new RangeError(
        `RdpAccountant.epsilon: conversion '${String(conversion)}' is unknown: use 'balle2020' or 'classic'`,
      );
    }
    if (this.rdp.every((r) => r === 0)) {
      return { epsilon: 0, order: Math.max(...this.orders) };
    }
    const logDelta = Math.log(delta);
    let best = Infinity;
    let bestOrder = this.orders[0] as number;
    for (let k = 0; k < this.orders.length; k++) {
      const a = this.orders[k] as number;
      const r = this.rdp[k] as number;
      const eps =
        conversion === 'classic'
          ? r - logDelta / (a - 1)
          : r + Math.log1p(-1 / a) - (logDelta + Math.log(a)) / (a - 1);
      if (eps < best) {
        best = eps;
        bestOrder = a;
      }
    }
    return { epsilon: Math.max(best, 0), order: bestOrder };
  }

  /** JSON-serialisable state. */
  state(): RdpAccountantState {
    return { version: 1, orders: [...this.orders], rdp: Array.from(this.rdp) };
  }

  /**
   * Rebuilds from {@link RdpAccountant.state}.
   *
   * @throws RangeError on a malformed state (bad orders, lengths differ, RDP not finite ≥ 0).
   */
  static restore(state: RdpAccountantState): RdpAccountant {
    if (typeof state !== 'object' || state === null || state.version !== 1) {
      throw new RangeError('RdpAccountant.restore: expected a state object with version 1');
    }
    const acc = new RdpAccountant(state.orders);
    if (!Array.isArray(state.rdp) || state.rdp.length !== state.orders.length) {
      throw new RangeError('RdpAccountant.restore: rdp must have one entry per order');
    }
    state.rdp.forEach((r, k) => {
      if (typeof r !== 'number' || !Number.isFinite(r) || r < 0) {
        throw new RangeError(
          `RdpAccountant.restore: rdp[${k}] = ${String(r)} must be finite and ≥ 0`,
        );
      }
      acc.rdp[k] = r;
    });
    return acc;
  }
}
