/** Regression metrics: mse, rmse, mae, r2, explained_variance. */

export interface RegressionMetrics {
  mse: number;
  rmse: number;
  mae: number;
  r2: number;
  explained_variance: number;
}

/** @throws RangeError if lengths differ or are zero. */
export function regressionMetrics(
  y: ArrayLike<number>,
  pred: ArrayLike<number>,
): RegressionMetrics {
  const n = y.length;
  if (n === 0 || pred.length !== n)
    throw new RangeError(`need equal, non-zero lengths, got ${n} and ${pred.length}`);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i] as number;
  mean /= n;
  let sse = 0;
  let sae = 0;
  let sst = 0;
  let errMean = 0;
  for (let i = 0; i < n; i++) {
    const e = (y[i] as number) - (pred[i] as number);
    sse += e * e;
    sae += Math.abs(e);
    sst += ((y[i] as number) - mean) ** 2;
    errMean += e;
  }
  errMean /= n;
  let errVar = 0;
  for (let i = 0; i < n; i++) errVar += ((y[i] as number) - (pred[i] as number) - errMean) ** 2;
  const mse = sse / n;
  return {
    mse,
    rmse: Math.sqrt(mse),
    mae: sae / n,
    r2: sst ? 1 - sse / sst : NaN,
    explained_variance: sst ? 1 - errVar / sst : NaN,
  };
}
