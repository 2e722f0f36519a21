/**
 * The algorithms `fedgrid demo --algorithm` runs: for each, the tasks it handles, whether it needs
 * an arbiter, its parameter schema, the flow after PSI (train → predict → evaluate), and its
 * plaintext twin on the joined table (same hyper-parameters) for the comparison. Adding an
 * algorithm to the demo (and to `npm run bench:quality`) is one entry here.
 */
import {
  gbdtParams,
  heteroLinRParams,
  heteroLrParams,
  heteroPoissonParams,
  heteroSsheLrParams,
  lrParams,
  ssheLrParams,
  secureBoostParams,
  type PredictionTask,
} from '@fedgrid/components';
import {
  LINEAR,
  LOGISTIC,
  POISSON,
  binaryMetrics,
  multiclassMetrics,
  predictGbdt,
  predictGlm,
  regressionMetrics,
  trainGbdt,
  trainGlm,
  type Frame,
} from '@fedgrid/ml';
import type { z } from 'zod';

/** One task of a flow, as `POST /v1/jobs` takes it. */
export interface FlowTask {
  name: string;
  component: string;
  inputs: Record<string, string>;
  params?: Record<string, unknown>;
}

/** A trained plaintext model: its metrics on any joined table, with the report's key names. */
export interface BaselineRun {
  /** Metrics on `frame` (the training rows, or held-out rows joined the same way). */
  metricsOn(frame: Frame): Record<string, number>;
  epochs?: number;
}

export interface DemoAlgorithm {
  code: string;
  tasks: PredictionTask[];
  arbiter: boolean;
  /** Most hosts the algorithm takes. @default Infinity */
  maxHosts?: number;
  params: z.ZodType<Record<string, unknown>>;
  /** The Paillier key length the parameters ask for. */
  keyBits(params: Record<string, unknown>): number;
  /** Tasks after PSI; the prediction task is named `predict`, the evaluation `evaluate`. */
  flow(params: Record<string, unknown>, task: PredictionTask): FlowTask[];
  /** Trains the plaintext twin on the joined table (guest features first, then each host's). */
  baseline(joined: Frame, params: Record<string, unknown>, task: PredictionTask): BaselineRun;
}

/** The report's metric keys per task (CONTRACTS.md). */
export const METRIC_KEYS: Record<PredictionTask, string[]> = {
  binary: ['auc', 'ks', 'accuracy', 'precision', 'recall', 'f1', 'logloss'],
  multiclass: ['accuracy', 'f1_macro', 'precision_macro', 'recall_macro', 'f1_micro'],
  regression: ['mse', 'rmse', 'mae', 'r2', 'explained_variance'],
};

/** Keeps the report's keys of a metrics object. */
export function pickMetrics(task: PredictionTask, m: object): Record<string, number> {
  const all = m as Record<string, number>;
  return Object.fromEntries(METRIC_KEYS[task].map((k) => [k, all[k] as number]));
}

const linearFlow =
  (train: string) =>
  (params: Record<string, unknown>): FlowTask[] => [
    { name: 'train', component: train, inputs: { data: 'psi.data' }, params },
    {
      name: 'predict',
      component: 'hetero-lr-predict',
      inputs: { data: 'psi.data', model: 'train.model' },
    },
    { name: 'evaluate', component: 'evaluation', inputs: { predictions: 'predict.predictions' } },
  ];

/** Exact logistic regression (one model, or one-vs-rest per class) on the joined table. */
function logisticBaseline(joined: Frame, params: Record<string, unknown>, task: PredictionTask) {
  const lp = lrParams(heteroLrParams.parse(params));
  const y = binaryLabels(joined);
  if (task === 'binary') {
    const t = trainGlm(joined.x, y, lp, LOGISTIC);
    return {
      metricsOn: (f: Frame) =>
        pickMetrics(task, binaryMetrics(binaryLabels(f), predictGlm(t.model, f.x, LOGISTIC))),
      epochs: t.epochs,
    };
  }
  const classes = [...new Set(y)].sort((a, b) => a - b);
  const models = classes.map(
    (c) =>
      trainGlm(
        joined.x,
        y.map((v) => (v === c ? 1 : 0)),
        lp,
        LOGISTIC,
      ).model,
  );
  return {
    metricsOn: (f: Frame) => {
      const scores = models.map((m) => predictGlm(m, f.x, LOGISTIC));
      const predicted = Array.from({ length: f.x.rows }, (_, i) => {
        let best = 0;
        for (let c = 1; c < classes.length; c++)
          if ((scores[c]?.[i] as number) > (scores[best]?.[i] as number)) best = c;
        return classes[best] as number;
      });
      return pickMetrics(task, multiclassMetrics(binaryLabels(f), predicted));
    },
  };
}

/** The frame's labels with FATE's −1 negative class read as 0. */
const binaryLabels = (f: Frame) => (f.labels as Float64Array).map((v) => (v === -1 ? 0 : v));

export const DEMO_ALGORITHMS: DemoAlgorithm[] = [
  {
    code: 'hetero-lr',
    tasks: ['binary', 'multiclass'],
    arbiter: true,
    params: heteroLrParams,
    keyBits: (p) => p['keyBits'] as number,
    flow: linearFlow('hetero-lr'),
    baseline: logisticBaseline,
  },
  {
    code: 'hetero-linr',
    tasks: ['regression'],
    arbiter: true,
    params: heteroLinRParams,
    keyBits: (p) => p['keyBits'] as number,
    flow: linearFlow('hetero-linr'),
    baseline: (joined, params) => {
      const t = trainGlm(
        joined.x,
        joined.labels as Float64Array,
        lrParams(heteroLinRParams.parse(params)),
        LINEAR,
      );
      return {
        metricsOn: (f: Frame) =>
          pickMetrics(
            'regression',
            regressionMetrics(f.labels as Float64Array, predictGlm(t.model, f.x, LINEAR)),
          ),
        epochs: t.epochs,
      };
    },
  },
  {
    code: 'hetero-poisson',
    tasks: ['regression'],
    arbiter: true,
    maxHosts: 1,
    params: heteroPoissonParams,
    keyBits: (p) => p['keyBits'] as number,
    flow: linearFlow('hetero-poisson'),
    baseline: (joined, params) => {
      const p = heteroPoissonParams.parse(params);
      // The exposure column is the offset log(exposure), not a feature.
      const split = (f: Frame): { x: Frame['x']; offset?: Float64Array } => {
        if (!p.exposure) return { x: f.x };
        const j = f.featureNames.indexOf(p.exposure);
        if (j < 0) throw new Error(`exposure column '${p.exposure}' is not in the guest file`);
        const { rows, cols } = f.x;
        const offset = new Float64Array(rows);
        const data = new Float64Array(rows * (cols - 1));
        for (let i = 0; i < rows; i++) {
          offset[i] = Math.log(f.x.data[i * cols + j] as number);
          let o = i * (cols - 1);
          for (let c = 0; c < cols; c++) if (c !== j) data[o++] = f.x.data[i * cols + c] as number;
        }
        return { x: { rows, cols: cols - 1, data }, offset };
      };
      const { x, offset } = split(joined);
      const t = trainGlm(
        x,
        joined.labels as Float64Array,
        lrParams(p),
        POISSON,
        offset ? { offset } : {},
      );
      return {
        metricsOn: (f: Frame) => {
          const s = split(f);
          return pickMetrics(
            'regression',
            regressionMetrics(
              f.labels as Float64Array,
              predictGlm(t.model, s.x, POISSON, s.offset),
            ),
          );
        },
        epochs: t.epochs,
      };
    },
  },
];

/** SSHE-LR: two parties, no arbiter; the twin is exact logistic regression with its parameters. */
DEMO_ALGORITHMS.push({
  code: 'hetero-sshe-lr',
  tasks: ['binary'],
  arbiter: false,
  maxHosts: 1,
  params: heteroSsheLrParams as unknown as z.ZodType<Record<string, unknown>>,
  keyBits: (p) => p['keyBits'] as number,
  flow: linearFlow('hetero-sshe-lr'),
  baseline: (joined, params) => {
    const y = binaryLabels(joined);
    const t = trainGlm(joined.x, y, ssheLrParams(heteroSsheLrParams.parse(params)), LOGISTIC);
    return {
      metricsOn: (f: Frame) =>
        pickMetrics('binary', binaryMetrics(binaryLabels(f), predictGlm(t.model, f.x, LOGISTIC))),
      epochs: t.epochs,
    };
  },
});

/** SecureBoost: psi → secureboost → secureboost-predict → evaluation; the twin is @fedgrid/ml's GBDT. */
DEMO_ALGORITHMS.push({
  code: 'secureboost',
  tasks: ['binary', 'multiclass', 'regression'],
  arbiter: false,
  params: secureBoostParams,
  keyBits: (p) => p['keyBits'] as number,
  // The demo resolves the task from the label (or --task); the objective is that task.
  flow: (params, task): FlowTask[] => [
    {
      name: 'train',
      component: 'secureboost',
      inputs: { data: 'psi.data' },
      params: { ...params, objective: task },
    },
    {
      name: 'predict',
      component: 'secureboost-predict',
      inputs: { data: 'psi.data', model: 'train.model' },
    },
    { name: 'evaluate', component: 'evaluation', inputs: { predictions: 'predict.predictions' } },
  ],
  baseline: (joined, params, task) => {
    const p = secureBoostParams.parse(params);
    // Class labels read FATE's −1 as 0; a regression label is a value.
    const labels = (f: Frame) =>
      task === 'regression' ? (f.labels as Float64Array) : binaryLabels(f);
    const t = trainGbdt(joined.x, labels(joined), gbdtParams(p, task));
    const metricsOn = (f: Frame) => {
      const y = labels(f);
      const pred = predictGbdt(t.model, f.x);
      const metrics =
        task === 'binary'
          ? binaryMetrics(y, pred.scores)
          : task === 'multiclass'
            ? multiclassMetrics(
                y,
                Array.from(pred.scores, (k) => t.model.classes[k] as number),
              )
            : regressionMetrics(y, pred.scores);
      return pickMetrics(task, metrics);
    };
    return { metricsOn, epochs: t.rounds };
  },
});

/** @throws Error naming the algorithms the demo knows. */
export function demoAlgorithm(code: string): DemoAlgorithm {
  const a = DEMO_ALGORITHMS.find((x) => x.code === code);
  if (!a)
    throw new Error(
      `--algorithm ${code}: unknown (choose one of ${DEMO_ALGORITHMS.map((x) => x.code).join(', ')})`,
    );
  return a;
}

/**
 * The task of a label column (CONTRACTS.md): two distinct values → binary; 3–20 distinct
 * integers → multiclass; anything else → regression.
 */
export function inferTask(label: { type: string; distinct: number }): PredictionTask {
  if (label.distinct === 2) return 'binary';
  if (label.type === 'integer' && label.distinct >= 3 && label.distinct <= 20) return 'multiclass';
  return 'regression';
}
