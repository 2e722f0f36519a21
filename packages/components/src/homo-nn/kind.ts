/**
 * Horizontal neural networks: a multi-layer perceptron defined in the flow config (hidden layer
 * widths, activation), trained locally with TensorFlow.js on the WASM backend from the global
 * weights every round (FedAvg / FedProx over the flat weight vector; Keras weight order).
 */
import {
  createMlp,
  glorotUniformInit,
  initMlpBackend,
  mlpLayerShapes,
  mlpParameterCount,
  resolveMlpSpec,
  type Mlp,
  type MlpSpec,
} from '@fedgrid/ml';
import { z } from 'zod';
import type { HomoModelKind, LocalModel, ModelSetup } from '../homo/model.js';
import { homoRoundParams } from '../homo/params.js';
import {
  evaluatePredictions,
  modelColumns,
  predictionsOf,
  tabularHello,
  tabularSetup,
  targets,
} from '../homo/tabular.js';
import type { PredictionTask } from '../spec.js';

export const homoNnParams = homoRoundParams.extend({
  /** 'classification' (binary or softmax by the label values) or 'regression'. */
  task: z.enum(['classification', 'regression']).default('classification'),
  /** Units per hidden layer, input side first. */
  hidden: z.array(z.number().int().min(1).max(4096)).max(16).default([32, 16]),
  activation: z.enum(['relu', 'tanh', 'sigmoid']).default('relu'),
  /** Local optimiser (a fresh one each round). */
  optimizer: z.enum(['sgd', 'adam']).default('adam'),
  learningRate: z.number().positive().default(0.01),
});
export type HomoNnParams = z.infer<typeof homoNnParams>;

export interface HomoNnModel {
  algorithm: 'homo-nn';
  task: PredictionTask;
  featureNames: string[];
  classes?: number[];
  hidden: number[];
  activation: 'relu' | 'tanh' | 'sigmoid';
  /** Flat weights, per layer kernel (fanIn × fanOut, row-major) then bias. */
  params: number[];
}

function mlpSpec(
  task: PredictionTask,
  classes: number,
  hidden: number[],
  activation: HomoNnModel['activation'],
): MlpSpec {
  return { hidden, activation, task, ...(task === 'multiclass' ? { classes } : {}) };
}

function setupSpec(setup: ModelSetup, p: HomoNnParams): MlpSpec {
  return mlpSpec(setup.task, setup.classes?.length ?? 0, p.hidden, p.activation);
}

export const homoNnKind: HomoModelKind<HomoNnParams> = {
  algorithm: 'homo-nn',
  hello: (frame, p) => tabularHello(frame, p.task === 'classification'),
  setup: (hellos, p) =>
    tabularSetup(hellos, p.task === 'classification', (task, features, classes) =>
      mlpParameterCount(mlpSpec(task, classes, p.hidden, p.activation), features),
    ),
  init: async (setup, p) => {
    const spec = resolveMlpSpec(setupSpec(setup, p));
    return glorotUniformInit(mlpLayerShapes(spec, setup.featureNames.length), p.seed);
  },
  local: async (frame, setup, p): Promise<LocalModel> => {
    await initMlpBackend();
    const mlp: Mlp = createMlp(setupSpec(setup, p), frame.x.cols, p.seed);
    const y = targets(frame, setup);
    return {
      parameterCount: mlp.parameterCount,
      fit: async (global, round) => {
        mlp.setWeights(global);
        const res = await mlp.fit(frame.x, y, {
          epochs: p.localEpochs,
          batchSize: p.batchSize <= 0 ? frame.x.rows : p.batchSize,
          learningRate: p.learningRate,
          optimizer: p.optimizer,
          ...(p.proximalMu > 0 ? { proximal: { mu: p.proximalMu, global } } : {}),
          seed: (p.seed * 1_000_003 + round) >>> 0,
        });
        return { params: mlp.getWeights(), loss: res.loss[res.loss.length - 1] ?? 0 };
      },
      evaluate: async (params) => {
        mlp.setWeights(params);
        return evaluatePredictions(setup, y, mlp.predict(frame.x));
      },
      dispose: () => mlp.dispose(),
    };
  },
  modelPart: (setup, global, p) => ({
    algorithm: 'homo-nn',
    task: setup.task,
    featureNames: setup.featureNames,
    ...(setup.classes ? { classes: setup.classes } : {}),
    hidden: p.hidden,
    activation: p.activation,
    params: [...global],
  }),
  predict: async (part, frame) => {
    const m = part as unknown as HomoNnModel;
    const x = modelColumns(frame, m.featureNames);
    await initMlpBackend();
    const mlp = createMlp(
      mlpSpec(m.task, m.classes?.length ?? 0, m.hidden, m.activation),
      x.cols,
      0,
    );
    try {
      mlp.setWeights(Float64Array.from(m.params));
      return predictionsOf(m.task, frame, mlp.predict(x), m.classes);
    } finally {
      mlp.dispose();
    }
  },
};
