/**
 * The architecture of a fully connected feed-forward network (multi-layer perceptron) and its
 * flat parameter layout, shared by every party of a horizontal federation so that aggregation
 * (FedAvg, McMahan et al. 2017; FedProx, Li et al. 2020) works on one vector.
 */

/** Hidden-layer non-linearity. */
export type MlpActivation = 'relu' | 'tanh' | 'sigmoid';

/** binary → sigmoid + binary cross-entropy; multiclass → softmax + categorical cross-entropy; regression → linear + MSE. */
export type MlpTask = 'binary' | 'multiclass' | 'regression';

export interface MlpSpec {
  /** Units per hidden layer, input side first (e.g. [32, 16]); [] gives a linear/logistic model. */
  hidden: number[];
  /** @default 'relu' */
  activation?: MlpActivation;
  task: MlpTask;
  /** multiclass only: number of classes K ≥ 2 (labels 0 … K−1). */
  classes?: number;
}

/** A validated spec with defaults filled in. */
export interface ResolvedMlpSpec {
  readonly hidden: readonly number[];
  readonly activation: MlpActivation;
  readonly task: MlpTask;
  /** Output units: 1 for binary and regression, K for multiclass. */
  readonly outputs: number;
}

/** One dense layer: kernel (fanIn × fanOut, row-major) then bias (fanOut). */
export interface MlpLayerShape {
  readonly fanIn: number;
  readonly fanOut: number;
}

const ACTIVATIONS: readonly MlpActivation[] = ['relu', 'tanh', 'sigmoid'];
const TASKS: readonly MlpTask[] = ['binary', 'multiclass', 'regression'];
/** Upper bound on units per layer and on inputs, to catch unit mistakes early. */
const MAX_UNITS = 1 << 16;

/**
 * Checks a spec and fills in defaults.
 * @throws RangeError naming the bad field: hidden units not integers in 1 … 65536, unknown
 *   activation or task, `classes` missing / < 2 / not an integer for multiclass, or given for
 *   another task.
 */
export function resolveMlpSpec(spec: MlpSpec): ResolvedMlpSpec {
  if (!Array.isArray(spec.hidden))
    throw new RangeError(
      'MlpSpec.hidden must be an array of units per hidden layer, e.g. [32, 16]',
    );
  spec.hidden.forEach((u, i) => {
    if (!Number.isInteger(u) || u < 1 || u > MAX_UNITS)
      throw new RangeError(
        `MlpSpec.hidden[${i}] = ${u}: units per layer must be an integer in 1 … ${MAX_UNITS}`,
      );
  });
  const activation = spec.activation ?? 'relu';
  if (!ACTIVATIONS.includes(activation))
    throw new RangeError(
      `MlpSpec.activation '${String(activation)}' is unknown: use ${ACTIVATIONS.join(', ')}`,
    );
  if (!TASKS.includes(spec.task))
    throw new RangeError(`MlpSpec.task '${String(spec.task)}' is unknown: use ${TASKS.join(', ')}`);
  let outputs = 1;
  if (spec.task === 'multiclass') {
    const k = spec.classes;
    if (k === undefined || !Number.isInteger(k) || k < 2 || k > MAX_UNITS)
      throw new RangeError(
        `MlpSpec.classes = ${String(k)}: a multiclass task needs an integer number of classes ≥ 2`,
      );
    outputs = k;
  } else if (spec.classes !== undefined) {
    throw new RangeError(
      `MlpSpec.classes applies only to task 'multiclass' (got classes = ${spec.classes} for '${spec.task}'): remove it`,
    );
  }
  return { hidden: [...spec.hidden], activation, task: spec.task, outputs };
}

/**
 * The dense layers of the network for `inputs` features: hidden layers in order, then the
 * output layer.
 * @throws RangeError if `inputs` is not an integer in 1 … 65536.
 */
export function mlpLayerShapes(spec: ResolvedMlpSpec, inputs: number): MlpLayerShape[] {
  if (!Number.isInteger(inputs) || inputs < 1 || inputs > MAX_UNITS)
    throw new RangeError(`inputs = ${inputs}: the number of features must be an integer ≥ 1`);
  const sizes = [inputs, ...spec.hidden, spec.outputs];
  const out: MlpLayerShape[] = [];
  for (let l = 0; l + 1 < sizes.length; l++)
    out.push({ fanIn: sizes[l] as number, fanOut: sizes[l + 1] as number });
  return out;
}

/**
 * Length of the flat parameter vector: Σ over layers of fanIn·fanOut + fanOut.
 * @throws RangeError as {@link resolveMlpSpec} and {@link mlpLayerShapes}.
 */
export function mlpParameterCount(spec: MlpSpec, inputs: number): number {
  return mlpLayerShapes(resolveMlpSpec(spec), inputs).reduce(
    (s, { fanIn, fanOut }) => s + fanIn * fanOut + fanOut,
    0,
  );
}
