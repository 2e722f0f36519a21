/**
 * Lift and gain tables of a binary scorer (FATE evaluation's "lift" and "gain" curves): rows
 * ranked by descending score and cut into `bins` equal-size groups (deciles by default).
 */

export interface LiftGainRow {
  /** 1-based group, highest scores first. */
  bin: number;
  /** Rows in the group. */
  rows: number;
  /** Positives (label 1) in the group. */
  positives: number;
  /** Lowest score in the group. */
  minScore: number;
  /** Fraction of all rows up to and including this group. */
  cumulativeRowShare: number;
  /** Gain: fraction of all positives captured up to and including this group. */
  gain: number;
  /** Lift: the group's positive rate over the overall positive rate. */
  lift: number;
  /** Cumulative lift: gain / cumulativeRowShare. */
  cumulativeLift: number;
}

/**
 * @param labels 0/1 labels; @param scores predicted P(y = 1), one per label.
 * @throws RangeError if lengths differ, are zero, or `bins` is not a positive integer.
 */
export function liftGainTable(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  bins = 10,
): LiftGainRow[] {
  const n = labels.length;
  if (n === 0 || scores.length !== n)
    throw new RangeError(`need equal, non-zero lengths, got ${n} and ${scores.length}`);
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be ≥ 1, got ${bins}`);
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (scores[b] as number) - (scores[a] as number),
  );
  let totalPos = 0;
  for (let i = 0; i < n; i++) totalPos += labels[i] === 1 ? 1 : 0;
  const rate = totalPos / n;
  const out: LiftGainRow[] = [];
  let seen = 0;
  let seenPos = 0;
  const groups = Math.min(bins, n);
  for (let g = 0; g < groups; g++) {
    const end = Math.round(((g + 1) * n) / groups);
    let pos = 0;
    let minScore = Infinity;
    for (let k = seen; k < end; k++) {
      const i = order[k] as number;
      pos += labels[i] === 1 ? 1 : 0;
      minScore = Math.min(minScore, scores[i] as number);
    }
    const rows = end - seen;
    seen = end;
    seenPos += pos;
    const share = seen / n;
    const gain = totalPos ? seenPos / totalPos : 0;
    out.push({
      bin: g + 1,
      rows,
      positives: pos,
      minScore,
      cumulativeRowShare: share,
      gain,
      lift: rate ? pos / rows / rate : 0,
      cumulativeLift: share ? gain / share : 0,
    });
  }
  return out;
}
