/**
 * Horizontal linear models (FATE HomoLR / Flower's logistic-regression example): logistic
 * regression for two classes, softmax regression for more, linear regression for real labels —
 * trained locally by mini-batch SGD (localSgd) from the global parameters every round.
 */
import { linearParamCount, localSgd, predictLinear, type LinearTask } from '@fedgrid/ml';
import { z } from 'zod';
import type { HomoModelKind, LocalModel } from '../homo/model.js';
import { homoRoundParams } from '../homo/params.js';
import {
  evaluatePredictions,
  modelColumns,
  predictionsOf,
  tabularHello,
  tabularSetup,
  targets,
} from '../homo/tabular.js';

export const homoLinearParams = homoRoundParams.extend({
  /** L2 strength α on the weights (never the intercepts). */
  alpha: z.number().min(0).default(0.01),
});
export type HomoLinearParams = z.infer<typeof homoLinearParams>;

/** The model part every party of a homo-lr / homo-linr job stores (the full model). */
export interface HomoLinearModel {
  algorithm: string;
  task: LinearTask;
  featureNames: string[];
  classes?: number[];
  /** Flat parameters, layout of localSgd: per class [w_1 … w_d, b]. */
  params: number[];
}

/** @param classification homo-lr (true) or homo-linr (false). */
export function linearKind(
  algorithm: string,
  classification: boolean,
): HomoModelKind<HomoLinearParams> {
  return {
    algorithm,
    hello: (frame) => tabularHello(frame, classification),
    setup: (hellos) =>
      tabularSetup(hellos, classification, (task, features, classes) =>
        linearParamCount(task, features, classes),
      ),
    init: async (setup) => new Float64Array(setup.parameterCount),
    local: async (frame, setup, p): Promise<LocalModel> => {
      const y = targets(frame, setup);
      const classes = setup.classes?.length ?? 1;
      return {
        parameterCount: setup.parameterCount,
        fit: async (global, round) => {
          const res = localSgd(frame.x, y, global, {
            task: setup.task,
            classes,
            epochs: p.localEpochs,
            batchSize: p.batchSize,
            learningRate: p.learningRate,
            alpha: p.alpha,
            ...(p.proximalMu > 0 ? { proximal: { mu: p.proximalMu, global } } : {}),
            seed: (p.seed * 1_000_003 + round) >>> 0,
          });
          return { params: res.params, loss: res.loss[res.loss.length - 1] ?? 0 };
        },
        evaluate: async (params) =>
          evaluatePredictions(setup, y, predictLinear(setup.task, params, frame.x, classes)),
      };
    },
    predict: async (part, frame) => {
      const m = part as unknown as HomoLinearModel;
      const x = modelColumns(frame, m.featureNames);
      const k = m.classes?.length ?? 1;
      const out = predictLinear(m.task, Float64Array.from(m.params), x, k);
      return predictionsOf(m.task, frame, out, m.classes);
    },
    modelPart: (setup, global) => ({
      algorithm,
      task: setup.task,
      featureNames: setup.featureNames,
      ...(setup.classes ? { classes: setup.classes } : {}),
      params: [...global],
    }),
  };
}
