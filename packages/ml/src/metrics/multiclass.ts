/**
 * Multiclass metrics (FATE's multi-class evaluation; scikit-learn's definitions): accuracy,
 * macro and micro precision, recall and f1, and the confusion matrix. Labels and predictions
 * are class values (any numbers); the classes are those seen in either, sorted.
 */

export interface MulticlassMetrics {
  accuracy: number;
  precision_macro: number;
  recall_macro: number;
  f1_macro: number;
  precision_micro: number;
  recall_micro: number;
  f1_micro: number;
}

export interface ConfusionMatrix {
  /** Class values, in the order of the rows and columns. */
  classes: number[];
  /** counts[actual][predicted]. */
  counts: number[][];
}

/** @throws RangeError if lengths differ or are zero. */
export function confusionMatrix(
  labels: ArrayLike<number>,
  predicted: ArrayLike<number>,
): ConfusionMatrix {
  const n = labels.length;
  if (n === 0 || predicted.length !== n)
    throw new RangeError(`need equal, non-zero lengths, got ${n} and ${predicted.length}`);
  const classes = [...new Set([...Array.from(labels), ...Array.from(predicted)])].sort(
    (a, b) => a - b,
  );
  const index = new Map(classes.map((c, k) => [c, k]));
  const counts = classes.map(() => new Array<number>(classes.length).fill(0));
  for (let i = 0; i < n; i++) {
    const row = counts[index.get(labels[i] as number) as number] as number[];
    const col = index.get(predicted[i] as number) as number;
    row[col] = (row[col] as number) + 1;
  }
  return { classes, counts };
}

/**
 * Accuracy and macro/micro averages. Per-class precision (recall) is 0 when a class is never
 * predicted (never present), as scikit-learn's zero_division=0. Micro precision = recall = f1 =
 * accuracy for single-label data.
 * @throws RangeError if lengths differ or are zero.
 */
export function multiclassMetrics(
  labels: ArrayLike<number>,
  predicted: ArrayLike<number>,
): MulticlassMetrics {
  const { classes, counts } = confusionMatrix(labels, predicted);
  const k = classes.length;
  let correct = 0;
  let p = 0;
  let r = 0;
  let f = 0;
  for (let c = 0; c < k; c++) {
    const tp = (counts[c] as number[])[c] as number;
    correct += tp;
    const actual = (counts[c] as number[]).reduce((a, b) => a + b, 0);
    let predictedC = 0;
    for (let a = 0; a < k; a++) predictedC += (counts[a] as number[])[c] as number;
    const pc = predictedC ? tp / predictedC : 0;
    const rc = actual ? tp / actual : 0;
    p += pc;
    r += rc;
    f += pc + rc ? (2 * pc * rc) / (pc + rc) : 0;
  }
  const accuracy = correct / labels.length;
  return {
    accuracy,
    precision_macro: p / k,
    recall_macro: r / k,
    f1_macro: f / k,
    precision_micro: accuracy,
    recall_micro: accuracy,
    f1_micro: accuracy,
  };
}
