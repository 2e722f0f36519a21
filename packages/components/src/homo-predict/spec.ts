/**
 * Horizontal prediction: every client scores its own rows with the full model it holds — no
 * messages at all (standard 000 §7.7 b–c). The model part names the algorithm that trained it.
 */
import { z } from 'zod';
import { linearKind } from '../homo-lr/kind.js';
import { homoNnKind } from '../homo-nn/kind.js';
import { kmeansKind } from '../homo-kmeans/kind.js';
import {
  ComponentError,
  input,
  type ComponentSpec,
  type Program,
  type ProgramResult,
} from '../spec.js';

const KINDS = [linearKind('homo-lr', true), linearKind('homo-linr', false), homoNnKind, kmeansKind];

export const homoPredictParams = z.object({});
export type HomoPredictParams = z.infer<typeof homoPredictParams>;

const predict: Program<HomoPredictParams> = async (ctx): Promise<ProgramResult> => {
  const t0 = performance.now();
  const { model } = input(ctx, 'model', 'model');
  const { frame } = input(ctx, 'data', 'dataset');
  const kind = KINDS.find((k) => k.algorithm === model.algorithm);
  if (!kind)
    throw new ComponentError(
      'MODEL_KIND',
      `homo-predict scores models of ${KINDS.map((k) => k.algorithm).join(', ')}; this model was trained by '${model.algorithm}'`,
    );
  const predictions = await kind.predict(model, frame);
  return {
    outputs: { predictions: { kind: 'predictions', predictions } },
    summary: { rows: frame.ids.length, seconds: (performance.now() - t0) / 1000 },
  };
};

export const homoPredict: ComponentSpec<HomoPredictParams> = {
  code: 'homo-predict',
  version: '1.0.0',
  name: 'Homo predict',
  description:
    'Horizontal prediction: each client scores its own rows locally with the full model from homo-lr, homo-linr, homo-nn or homo-kmeans (its cluster as the class).',
  reference: 'standard 000 §7.7 b–c; docs/protocols/homo-fedavg.md',
  roles: ['guest'],
  params: homoPredictParams,
  inputs: [
    { name: 'model', kind: 'model', roles: ['guest', 'host'], description: 'a horizontal model' },
    { name: 'data', kind: 'dataset', roles: ['guest', 'host'], description: 'rows to score' },
  ],
  outputs: [
    {
      name: 'predictions',
      kind: 'predictions',
      roles: ['guest', 'host'],
      description: "scores of the party's own rows (with labels when it holds them)",
    },
  ],
  programs: { guest: predict, host: predict },
};
