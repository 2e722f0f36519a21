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

/** A plaintext model's metrics on the joined rows, with the report's key names. */
export interface BaselineRun {
  metrics: Record<string, number>;
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
  /** The plaintext twin on the joined table (guest features first, then each host's). */
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
  const y = (joined.labels as Float64Array).map((v) => (v === -1 ? 0 : v));
  if (task === 'binary') {
    const t = trainGlm(joined.x, y, lp, LOGISTIC);
    return {
      metrics: pickMetrics(task, binaryMetrics(y, predictGlm(t.model, joined.x, LOGISTIC))),
      epochs: t.epochs,
    };
  }
  const classes = [...new Set(y)].sort((a, b) => a - b);
  const scores = classes.map((c) =>
    predictGlm(
      trainGlm(
        joined.x,
        y.map((v) => (v === c ? 1 : 0)),
        lp,
        LOGISTIC,
      ).model,
      joined.x,
      LOGISTIC,
    ),
  );
  const predicted = Array.from(y, (_, i) => {
    let best = 0;
    for (let c = 1; c < classes.length; c++)
      if ((scores[c]?.[i] as number) > (scores[best]?.[i] as number)) best = c;
    return classes[best] as number;
  });
  return { metrics: pickMetrics(task, multiclassMetrics(y, predicted)) };
}

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
        metrics: pickMetrics(
          'regression',
          regressionMetrics(joined.labels as Float64Array, predictGlm(t.model, joined.x, LINEAR)),
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
      let x = joined.x;
      let offset: Float64Array | undefined;
      if (p.exposure) {
        const j = joined.featureNames.indexOf(p.exposure);
        if (j < 0) throw new Error(`exposure column '${p.exposure}' is not in the guest file`);
        offset = new Float64Array(x.rows);
        const data = new Float64Array(x.rows * (x.cols - 1));
        for (let i = 0; i < x.rows; i++) {
          offset[i] = Math.log(x.data[i * x.cols + j] as number);
          let o = i * (x.cols - 1);
          for (let c = 0; c < x.cols; c++)
            if (c !== j) data[o++] = x.data[i * x.cols + c] as number;
        }
        x = { rows: x.rows, cols: x.cols - 1, data };
      }
      const y = joined.labels as Float64Array;
      const t = trainGlm(x, y, lrParams(p), POISSON, offset ? { offset } : {});
      return {
        metrics: pickMetrics(
          'regression',
          regressionMetrics(y, predictGlm(t.model, x, POISSON, offset)),
        ),
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
    const y = (joined.labels as Float64Array).map((v) => (v === -1 ? 0 : v));
    const t = trainGlm(joined.x, y, ssheLrParams(heteroSsheLrParams.parse(params)), LOGISTIC);
    return {
      metrics: pickMetrics('binary', binaryMetrics(y, predictGlm(t.model, joined.x, LOGISTIC))),
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
    const y = (joined.labels as Float64Array).map((v) => (v === -1 ? 0 : v));
    const p = secureBoostParams.parse(params);
    const t = trainGbdt(joined.x, y, gbdtParams(p, task));
    const pred = predictGbdt(t.model, joined.x);
    const metrics =
      task === 'binary'
        ? binaryMetrics(y, pred.scores)
        : task === 'multiclass'
          ? multiclassMetrics(
              y,
              Array.from(pred.scores, (k) => t.model.classes[k] as number),
            )
          : regressionMetrics(y, pred.scores);
    return { metrics: pickMetrics(task, metrics), epochs: t.rounds };
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
