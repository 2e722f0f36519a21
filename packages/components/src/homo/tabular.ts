/**
 * The parts every horizontal model over a table shares: the client's hello (row count, columns,
 * label values), the server's check that all clients hold the same columns, the task and class
 * list, and scoring a model's predictions on local rows.
 */
import type { Frame, Matrix } from '@fedgrid/ml';
import { selectColumns } from '../feature-selection/model.js';
import { ComponentError, type PredictionTask, type Predictions } from '../spec.js';
import type { ClientHello, LocalEvaluation, ModelSetup } from './model.js';

/** Rows, columns and (classification) distinct label values of a client's table. */
export function tabularHello(frame: Frame, classification: boolean): ClientHello {
  if (!frame.labels)
    throw new ComponentError(
      'LABELS_MISSING',
      'horizontal training needs a label column on every client; register the dataset with its label column',
    );
  if (frame.ids.length === 0)
    throw new ComponentError('EMPTY_DATA', 'the training data has no rows');
  const hello: ClientHello = { examples: frame.ids.length, featureNames: frame.featureNames };
  if (classification) {
    const values = [...new Set(frame.labels)].sort((a, b) => a - b);
    const bad = values.find((v) => !Number.isInteger(v));
    if (bad !== undefined)
      throw new ComponentError(
        'BAD_LABELS',
        `label value ${bad} is not an integer class; use a regression component (homo-linr) for real-valued labels`,
        { field: frame.labelName ?? 'label' },
      );
    hello.labelValues = values;
  }
  return hello;
}

/**
 * The hello all clients' columns agree with (names and order).
 * @throws ComponentError TOO_FEW_CLIENTS without hellos; SCHEMA_MISMATCH naming the client and
 *   column that differ.
 */
export function sameColumns(hellos: ReadonlyMap<string, ClientHello>): ClientHello {
  const [first, ...rest] = [...hellos];
  if (!first) throw new ComponentError('TOO_FEW_CLIENTS', 'no client said hello');
  const [firstName, ref] = first;
  for (const [name, h] of rest) {
    const n = Math.max(h.featureNames.length, ref.featureNames.length);
    for (let j = 0; j < n; j++)
      if (h.featureNames[j] !== ref.featureNames[j])
        throw new ComponentError(
          'SCHEMA_MISMATCH',
          `client ${name} has column '${h.featureNames[j] ?? '(none)'}' at feature ${j} where ${firstName} has '${ref.featureNames[j] ?? '(none)'}'; horizontal training needs the same feature columns in the same order on every client`,
          { client: name, column: j },
        );
  }
  return ref;
}

/**
 * The task every client trains: the clients' columns must agree (names and order); the classes
 * are the union of their label values (two classes 0/1: binary; more: multiclass).
 * @throws ComponentError SCHEMA_MISMATCH naming the client and column that differ.
 */
export function tabularSetup(
  hellos: ReadonlyMap<string, ClientHello>,
  classification: boolean,
  parameterCount: (task: PredictionTask, features: number, classes: number) => number,
): ModelSetup {
  const ref = sameColumns(hellos);
  const features = ref.featureNames.length;
  if (!classification)
    return {
      task: 'regression',
      featureNames: ref.featureNames,
      parameterCount: parameterCount('regression', features, 1),
    };
  const classes = [...new Set([...hellos.values()].flatMap((h) => h.labelValues ?? []))].sort(
    (a, b) => a - b,
  );
  if (classes.length < 2)
    throw new ComponentError(
      'BAD_LABELS',
      `all clients together hold only the class ${classes.join('')}; classification needs at least two`,
    );
  const binary = classes.length === 2 && classes[0] === 0 && classes[1] === 1;
  const task: PredictionTask = binary ? 'binary' : 'multiclass';
  return {
    task,
    featureNames: ref.featureNames,
    classes,
    parameterCount: parameterCount(task, features, classes.length),
  };
}

/** The local labels as model targets: class indices (classification) or the values. */
export function targets(frame: Frame, setup: ModelSetup): Float64Array {
  const labels = frame.labels as Float64Array;
  if (setup.task === 'regression') return labels;
  const index = new Map((setup.classes ?? []).map((c, k) => [c, k]));
  return labels.map((v) => index.get(v) as number);
}

/**
 * Loss and metrics of predictions on local rows: binary (P(y = 1) per row) → logloss, accuracy;
 * multiclass (rows × K probabilities) → cross-entropy, accuracy; regression → ½·MSE loss, mse.
 */
export function evaluatePredictions(
  setup: ModelSetup,
  y: Float64Array,
  pred: Float64Array,
): LocalEvaluation {
  const n = y.length;
  if (n === 0) return { examples: 0, loss: 0, metrics: {} };
  let loss = 0;
  let correct = 0;
  if (setup.task === 'regression') {
    for (let i = 0; i < n; i++) loss += ((pred[i] as number) - (y[i] as number)) ** 2;
    return { examples: n, loss: loss / (2 * n), metrics: { mse: loss / n } };
  }
  if (setup.task === 'binary') {
    for (let i = 0; i < n; i++) {
      const p = pred[i] as number;
      const yi = y[i] as number;
      loss -= Math.log(Math.max(yi === 1 ? p : 1 - p, 1e-15));
      if ((p >= 0.5 ? 1 : 0) === yi) correct++;
    }
  } else {
    const k = setup.classes?.length ?? 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < k; c++)
        if ((pred[i * k + c] as number) > (pred[i * k + best] as number)) best = c;
      const yi = y[i] as number;
      loss -= Math.log(Math.max(pred[i * k + yi] as number, 1e-15));
      if (best === yi) correct++;
    }
  }
  return { examples: n, loss: loss / n, metrics: { accuracy: correct / n } };
}

/**
 * The frame's columns in the model's order.
 * @throws ComponentError FEATURE_MISSING naming the first model column the frame lacks.
 */
export function modelColumns(frame: Frame, featureNames: readonly string[]): Matrix {
  return selectColumns(frame, featureNames).x;
}

/** Predictions of a model's raw output (binary P(y=1); multiclass rows × K; regression values). */
export function predictionsOf(
  task: PredictionTask,
  frame: Frame,
  out: Float64Array,
  classes?: number[],
): Predictions {
  const base = { ids: frame.ids, task, ...(frame.labels ? { labels: frame.labels } : {}) };
  if (task !== 'multiclass') return { ...base, scores: out };
  const k = classes?.length ?? 0;
  const scores = new Float64Array(frame.ids.length);
  for (let i = 0; i < scores.length; i++) {
    let best = 0;
    for (let c = 1; c < k; c++)
      if ((out[i * k + c] as number) > (out[i * k + best] as number)) best = c;
    scores[i] = best;
  }
  return { ...base, scores, classes: classes ?? [], probabilities: out };
}
