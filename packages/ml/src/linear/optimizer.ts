/**
 * Per-coordinate first-order optimisers with L1/L2 penalties. In vertical FL each party runs one
 * over its own weights with its own (unmasked) gradient; the intercept is the guest's last
 * coordinate and is never penalised.
 *
 * RMSprop: Tieleman & Hinton, COURSERA lecture 6.5 (2012). Adam: Kingma & Ba, ICLR 2015.
 * L1 with SGD uses the proximal (soft-threshold) step; with adaptive optimisers, a subgradient.
 *
 * 'newton' is block-diagonal (block-Jacobi) Newton: each party preconditions the gradient of its
 * own weights with the inverse of its own block of the Hessian, H_k = c·X_kᵀX_k/n + α·I (c the
 * loss's curvature in z: 1 for squared error, ¼ for the logistic loss — an upper bound, so the
 * step majorises), computed once from its own standardised columns: nothing about it leaves the
 * party. For a quadratic loss the eigenvalues of D⁻¹H (D the block diagonal of H) lie in (0, p)
 * for p blocks, so the damped step w ← w − 2/(p+1)·H_k⁻¹g_k shrinks every error component: the
 * loss decreases monotonically with full batches, whatever the scales and correlations
 * (Saad, Iterative Methods for Sparse Linear Systems, 2nd ed., §4.1 and §4.2, block Jacobi).
 */
import type { Matrix } from '../matrix.js';
import type { LogisticRegressionParams } from './params.js';

/** Above this many coordinates a party's Hessian block (size² doubles, size³ flops) is refused. */
export const NEWTON_MAX_COORDINATES = 2000;

export class Optimizer {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;
  /** 'newton': the inverse of this party's Hessian block (row-major size × size) and the damping. */
  private newton?: { inverse: Float64Array; damping: number };

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

  /**
   * 'newton': fixes this party's Hessian block from its own training columns `x` (rows × features,
   * standardised as trained on), plus a column of ones when this party holds the intercept
   * (`intercept`, the last coordinate). `curvature` is ∂²loss/∂z² (or an upper bound of it);
   * `parties` the number of parties holding weights (the guest and every host), which sets the
   * damping 2/(parties + 1). Call once before the first {@link step}.
   * @throws RangeError if the optimiser is not 'newton', the penalty is 'l1', the shape does not
   *   match `size`, there are more than {@link NEWTON_MAX_COORDINATES} coordinates, or the block
   *   is singular (a constant or duplicated column with no penalty).
   */
  precondition(x: Matrix, opts: { curvature: number; intercept: boolean; parties: number }): void {
    const { penalty, alpha, optimizer } = this.params;
    if (optimizer !== 'newton') throw new RangeError(`optimizer '${optimizer}' takes no Hessian`);
    if (penalty === 'l1')
      throw new RangeError(
        "optimizer 'newton' needs penalty 'l2' or 'none' (the L1 penalty has no Hessian); use optimizer 'sgd' for L1",
      );
    const size = x.cols + (opts.intercept ? 1 : 0);
    if (size !== this.size)
      throw new RangeError(`${size} coordinates from the data, ${this.size} in the optimiser`);
    if (size > NEWTON_MAX_COORDINATES)
      throw new RangeError(
        `optimizer 'newton' handles at most ${NEWTON_MAX_COORDINATES} columns per party (this party has ${size}); use optimizer 'adam' or select features first`,
      );
    const n = x.rows;
    const h = new Float64Array(size * size);
    const c = opts.curvature / Math.max(1, n);
    for (let i = 0; i < n; i++) {
      const row = x.data.subarray(i * x.cols, (i + 1) * x.cols);
      for (let a = 0; a < x.cols; a++) {
        const va = (row[a] as number) * c;
        if (va === 0) continue;
        for (let b = a; b < x.cols; b++)
          h[a * size + b] = (h[a * size + b] as number) + va * (row[b] as number);
        if (opts.intercept) h[a * size + x.cols] = (h[a * size + x.cols] as number) + va;
      }
    }
    if (opts.intercept) h[size * size - 1] = opts.curvature * (n > 0 ? 1 : 0);
    for (let a = 0; a < size; a++) {
      if (penalty === 'l2' && a < this.penalised)
        h[a * size + a] = (h[a * size + a] as number) + alpha;
      for (let b = 0; b < a; b++) h[a * size + b] = h[b * size + a] as number;
    }
    this.newton = {
      inverse: invertSpd(h, size),
      damping: 2 / (Math.max(1, opts.parties) + 1),
    };
  }

  /** Updates `w` in place with gradient `g` (of the data loss, penalty excluded) and step `lr`. */
  step(w: Float64Array, g: Float64Array, lr: number): void {
    const { penalty, alpha, optimizer } = this.params;
    this.t++;
    if (optimizer === 'newton') {
      if (!this.newton) throw new RangeError("optimizer 'newton': call precondition() first");
      const { inverse, damping } = this.newton;
      const grad = Float64Array.from(g);
      if (penalty === 'l2')
        for (let j = 0; j < this.penalised; j++)
          grad[j] = (grad[j] as number) + alpha * (w[j] as number);
      for (let a = 0; a < this.size; a++) {
        let s = 0;
        for (let b = 0; b < this.size; b++)
          s += (inverse[a * this.size + b] as number) * (grad[b] as number);
        w[a] = (w[a] as number) - damping * s;
      }
      return;
    }
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

/**
 * The inverse of a symmetric positive definite matrix (row-major n × n) by Cholesky
 * factorisation, A = LLᵀ, then A⁻¹ column by column.
 * @throws RangeError when `a` is not positive definite (a constant or repeated column without a
 *   penalty makes the Hessian block singular).
 */
export function invertSpd(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  const scale = Math.max(
    1e-300,
    ...Array.from({ length: n }, (_, i) => Math.abs(a[i * n + i] as number)),
  );
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j] as number;
      for (let k = 0; k < j; k++) s -= (l[i * n + k] as number) * (l[j * n + k] as number);
      if (i === j) {
        if (!(s > 1e-12 * scale))
          throw new RangeError(
            `the Hessian block is singular at coordinate ${i} (a constant or duplicated column with no penalty); use penalty 'l2' or drop the column`,
          );
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / (l[j * n + j] as number);
    }
  }
  const inv = new Float64Array(n * n);
  const col = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    // Solve L·u = e_c, then Lᵀ·v = u; v is column c of A⁻¹.
    for (let i = 0; i < n; i++) {
      let s = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) s -= (l[i * n + k] as number) * (col[k] as number);
      col[i] = s / (l[i * n + i] as number);
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = col[i] as number;
      for (let k = i + 1; k < n; k++) s -= (l[k * n + i] as number) * (inv[k * n + c] as number);
      inv[i * n + c] = s / (l[i * n + i] as number);
    }
  }
  return inv;
}
