/**
 * Per-coordinate first-order optimisers with L1/L2 penalties. In vertical FL each party runs one
 * over its own weights with its own (unmasked) gradient; the intercept is the guest's last
 * coordinate and is never penalised.
 *
 * RMSprop: Tieleman & Hinton, COURSERA lecture 6.5 (2012). Adam: Kingma & Ba, ICLR 2015.
 * L1 with SGD uses the proximal (soft-threshold) step; with adaptive optimisers, a subgradient.
 */
import type { LogisticRegressionParams } from './params.js';

export class Optimizer {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;

  /**
   * @param size number of coordinates.
   * @param penalised how many leading coordinates are penalised (the rest, e.g. an intercept,
   *   are not).
   */
  constructor(
    private readonly params: LogisticRegressionParams,
    readonly size: number,
    private readonly penalised = size,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** Updates `w` in place with gradient `g` (of the data loss, penalty excluded) and step `lr`. */
  step(w: Float64Array, g: Float64Array, lr: number): void {
    const { penalty, alpha, optimizer } = this.params;
    this.t++;
    const grad = Float64Array.from(g);
    for (let j = 0; j < this.penalised; j++) {
      if (penalty === 'l2') grad[j] = (grad[j] as number) + alpha * (w[j] as number);
      else if (penalty === 'l1' && optimizer !== 'sgd')
        grad[j] = (grad[j] as number) + alpha * Math.sign(w[j] as number);
    }
    for (let j = 0; j < this.size; j++) {
      const gj = grad[j] as number;
      let delta: number;
      if (optimizer === 'sgd') {
        delta = gj;
      } else if (optimizer === 'rmsprop') {
        this.v[j] = 0.99 * (this.v[j] as number) + 0.01 * gj * gj;
        delta = gj / (Math.sqrt(this.v[j] as number) + 1e-6);
      } else {
        this.m[j] = 0.9 * (this.m[j] as number) + 0.1 * gj;
        this.v[j] = 0.999 * (this.v[j] as number) + 0.001 * gj * gj;
        const mh = (this.m[j] as number) / (1 - 0.9 ** this.t);
        const vh = (this.v[j] as number) / (1 - 0.999 ** this.t);
        delta = mh / (Math.sqrt(vh) + 1e-8);
      }
      w[j] = (w[j] as number) - lr * delta;
    }
    if (penalty === 'l1' && optimizer === 'sgd') {
      const shrink = lr * alpha;
      for (let j = 0; j < this.penalised; j++) {
        const x = w[j] as number;
        w[j] = Math.sign(x) * Math.max(0, Math.abs(x) - shrink);
      }
    }
  }

  /** The penalty term added to the loss for weights `w`. */
  penaltyLoss(w: Float64Array): number {
    const { penalty, alpha } = this.params;
    let s = 0;
    for (let j = 0; j < this.penalised; j++) {
      const x = w[j] as number;
      s += penalty === 'l2' ? 0.5 * alpha * x * x : penalty === 'l1' ? alpha * Math.abs(x) : 0;
    }
    return s;
  }
}
