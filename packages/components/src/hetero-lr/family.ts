/**
 * How the coordinated protocol (guest, hosts, arbiter; docs/protocols/hetero-lr.md) turns the
 * linear predictor z = z_g + Σ_k u_k into residuals and losses. Logistic (with the Taylor
 * approximation) and linear regression send the same messages and differ only in these terms;
 * every party of a task uses the component's family.
 *
 * With a residual scale k and a loss scale L, the guest sends [[m]], m = z_g + offset(y), so that
 * [[m + Σu]] = [[k · ∂loss/∂z]], and every party encrypts its part of
 *   L · loss(z, y) = c(y) + α(y) · z + z².
 */
export interface CoordinatedFamily {
  name: 'logistic' | 'linear';
  /** offset(y): the guest's per-row term, m = z_g + offset(y). */
  offset(y: number): number;
  /** k: the encrypted residual is k × ∂loss/∂z. */
  residualScale: number;
  /** L: parties encrypt L × the loss. */
  lossScale: number;
  /** c(y) in L·loss = c(y) + α(y)·z + z². */
  lossConst(y: number): number;
  /** α(y) in L·loss = c(y) + α(y)·z + z². */
  lossLinear(y: number): number;
}

/**
 * Taylor-approximated logistic loss ×8: 8·ln 2 − 4y′z + z² (y′ = 2y − 1), residual ×4:
 * z + 2 − 4y = 4·(σ̃(z) − y) with σ̃(z) = ½ + z/4 (Hardy et al. 2017; FATE HeteroLR).
 */
export const LOGISTIC_FAMILY: CoordinatedFamily = {
  name: 'logistic',
  offset: (y) => 2 - 4 * y,
  residualScale: 4,
  lossScale: 8,
  lossConst: () => 8 * Math.LN2,
  lossLinear: (y) => -4 * (2 * y - 1),
};

/** Squared error ×2: (z − y)² = y² − 2y·z + z², residual z − y (FATE HeteroLinR). */
export const LINEAR_FAMILY: CoordinatedFamily = {
  name: 'linear',
  offset: (y) => -y,
  residualScale: 1,
  lossScale: 2,
  lossConst: (y) => y * y,
  lossLinear: (y) => -2 * y,
};
