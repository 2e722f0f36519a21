/**
 * Predictions as CSV for the result party (`fedgrid job output … --csv`, the console's job page, `fedgrid predict
 * batch --out`): one row per scored id, columns
 *   id, score, label[, p_<class> …][, actual]
 * where `score` is P(y = 1) (binary), the predicted value (regression) or the probability of the
 * predicted class (multiclass); `label` is the predicted label (binary: 1 when score ≥ 0.5;
 * multiclass: the class value; regression: the value); `p_<class>` the per-class probabilities
 * (multiclass only); `actual` the true label when the result party holds labels.
 */

/** The JSON of GET /v1/jobs/:id/outputs/:task/:party/:name for a predictions output. */
export interface PredictionsOutput {
  kind: 'predictions';
  ids: string[];
  task: 'binary' | 'multiclass' | 'regression';
  scores: number[];
  labels?: number[];
  classes?: number[];
  /** rows × classes, row-major. */
  probabilities?: number[];
}

/** Quotes a cell when it holds a comma, quote or line break (RFC 4180). */
function cell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Full precision (shortest round-trip form), so a re-read CSV equals the stored scores. */
function num(v: number | undefined): string {
  return v === undefined || Number.isNaN(v) ? '' : String(v);
}

/**
 * The CSV text of a predictions output (header line first, `\n` line ends).
 * @throws Error when the value is not a predictions output or its arrays disagree in length.
 */
export function predictionsCsv(p: PredictionsOutput): string {
  if (p?.kind !== 'predictions' || !Array.isArray(p.ids) || !Array.isArray(p.scores))
    throw new Error(
      `this output is a ${String((p as { kind?: unknown })?.kind)}, not predictions: --csv exports the predictions of a predict task`,
    );
  const n = p.ids.length;
  if (p.scores.length !== n) throw new Error(`${p.scores.length} scores for ${n} ids`);
  const classes = p.task === 'multiclass' ? (p.classes ?? []) : [];
  const k = classes.length;
  if (k > 0 && p.probabilities?.length !== n * k)
    throw new Error(`multiclass predictions need ${n} × ${k} probabilities`);
  const header = ['id', 'score', 'label', ...classes.map((c) => `p_${c}`)];
  if (p.labels) header.push('actual');
  const lines = [header.join(',')];
  for (let i = 0; i < n; i++) {
    const s = p.scores[i] as number;
    let row: string[];
    if (k > 0) {
      const probs = p.probabilities!.slice(i * k, (i + 1) * k);
      row = [num(probs[s]), num(classes[s]), ...probs.map(num)];
    } else if (p.task === 'regression') row = [num(s), num(s)];
    else row = [num(s), s >= 0.5 ? '1' : '0'];
    lines.push(
      [cell(p.ids[i] as string), ...row, ...(p.labels ? [num(p.labels[i])] : [])].join(','),
    );
  }
  return lines.join('\n') + '\n';
}
