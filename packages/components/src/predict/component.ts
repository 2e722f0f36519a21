/**
 * The one predict component: it scores a model part with the predict program that the training
 * component which produced the part declares (ComponentSpec.predict, in that component's own
 * folder), found through the part's `algorithm`. Nothing here knows any algorithm. The component
 * codes of earlier releases (`hetero-lr-predict`, `secureboost-predict`, `homo-predict`) are
 * aliases of it, so flows written for them keep working.
 *
 * Before a federated program runs, every host tells the guest which training job and task its
 * model part came from, and the guest refuses parts of different trainings (their scores would
 * combine into nonsense). That is all a host adds; the declared program's own privacy properties
 * (masked partial scores, split decisions only) are unchanged.
 */
import { recvMessage, sendMessage } from '@fedgrid/federation';
import { z } from 'zod';
import {
  ComponentError,
  input,
  type ComponentSpec,
  type PredictDeclaration,
  type Program,
  type ProgramResult,
  type Role,
} from '../spec.js';
import { replayPipeline, type TransformLookup } from '../feature-pipeline.js';

export const predictParams = z.object({});
export type PredictParams = z.infer<typeof predictParams>;

/** A predict declaration and the training component that made it. */
export interface Predictor {
  component: string;
  declaration: PredictDeclaration;
}

/** Finds the predictor of a model part's `algorithm` (undefined: none declares it). */
export type PredictorLookup = (algorithm: string) => Predictor | undefined;

/** Every algorithm some component declares a predict program for, for error messages. */
export type PredictableAlgorithms = () => string[];

interface OriginHeader {
  origin: { jobId: string; task: string } | null;
}

function sameOrigin(a: OriginHeader['origin'], b: OriginHeader['origin']): boolean {
  return !a || !b || (a.jobId === b.jobId && a.task === b.task);
}

function dispatch(
  code: string,
  find: PredictorLookup,
  known: PredictableAlgorithms,
  transforms: TransformLookup,
): Program<PredictParams> {
  return async (given): Promise<ProgramResult> => {
    let ctx = given;
    const value = input(ctx, 'model', 'model');
    // A published model read by reference brings its party's fitted feature steps (encode,
    // scale …): the rows to score are raw, so they are replayed here, on this party alone.
    const data = ctx.inputs['data'];
    if (value.pipeline?.length && data?.kind === 'dataset')
      ctx = {
        ...ctx,
        inputs: {
          ...ctx.inputs,
          data: {
            kind: 'dataset',
            frame: replayPipeline(value.pipeline, data.frame, ctx.party, transforms),
          },
        },
      };
    const predictor = find(value.model.algorithm);
    if (!predictor)
      throw new ComponentError(
        'MODEL_KIND',
        `${code}: no component declares how to score models of '${value.model.algorithm}' (scorable: ${known().join(', ')})`,
        { algorithm: value.model.algorithm },
      );
    const { declaration } = predictor;
    if (declaration.mode === 'federated') {
      const origin = value.origin ?? null;
      if (ctx.role === 'host') {
        await sendMessage<OriginHeader>(ctx.channel, ctx.roles.guest, 'model-origin', { origin });
      } else if (ctx.role === 'guest') {
        for (const h of ctx.roles.hosts) {
          const m = await recvMessage<OriginHeader>(ctx.channel, h, 'model-origin');
          if (!sameOrigin(origin, m.header.origin))
            throw new ComponentError(
              'MODEL_MISMATCH',
              `${h}'s model part comes from job ${m.header.origin?.jobId} task ${m.header.origin?.task}, the guest's from job ${origin?.jobId} task ${origin?.task}; score with the parts of one training task`,
              { host: h },
            );
        }
      }
    }
    const program = declaration.programs[ctx.role];
    if (!program) return { outputs: {}, summary: { scored: false } };
    return program(ctx as never);
  };
}

function predictComponent(opts: {
  code: string;
  version: string;
  name: string;
  description: string;
  roles: Role[];
  predictionRoles: Role[];
  find: PredictorLookup;
  known: PredictableAlgorithms;
  transforms: TransformLookup;
}): ComponentSpec<PredictParams> {
  const program = dispatch(opts.code, opts.find, opts.known, opts.transforms);
  return {
    code: opts.code,
    version: opts.version,
    name: opts.name,
    description: opts.description,
    reference:
      'standard 000 §7.7 (prediction management); the training component’s predict declaration; docs/protocols/README.md',
    roles: opts.roles,
    params: predictParams,
    inputs: [
      {
        name: 'data',
        kind: 'dataset',
        roles: ['guest', 'host'],
        description: 'rows to score (vertical models: aligned by PSI)',
      },
      {
        name: 'model',
        kind: 'model',
        roles: ['guest', 'host'],
        description:
          'the party’s own model part: an upstream training output, or a published model (model:NAME@VERSION)',
      },
    ],
    outputs: [
      {
        name: 'predictions',
        kind: 'predictions',
        roles: opts.predictionRoles,
        description:
          'ids, scores (probabilities, classes or values) and labels if present; vertical models: the guest (result party) only',
      },
    ],
    programs: { guest: program, host: program },
  };
}

/**
 * The generic `predict` component and its aliases of earlier releases, dispatching through
 * `find`; `transforms` replays a published model's feature steps (feature-pipeline.ts).
 */
export function predictComponents(
  find: PredictorLookup,
  known: PredictableAlgorithms,
  transforms: TransformLookup,
): ComponentSpec<PredictParams>[] {
  const common = { find, known, transforms };
  return [
    predictComponent({
      ...common,
      code: 'predict',
      version: '1.0.0',
      name: 'Predict',
      description:
        'Batch scoring with any trained model: runs the predict program its training component declares (vertical models: hosts send only masked partial results, the guest alone gets predictions; horizontal models: each party scores its own rows alone).',
      roles: ['guest'],
      predictionRoles: ['guest', 'host'],
    }),
    predictComponent({
      ...common,
      code: 'hetero-lr-predict',
      version: '1.2.0',
      name: 'HeteroLR / HeteroLinR / HeteroPoisson prediction',
      description:
        'Alias of predict, kept for flows written for it: federated batch scoring with a linear model (HeteroLR, one-vs-rest HeteroLR, HeteroLinR, HeteroPoisson, SSHE-LR) — or any other declared model.',
      roles: ['guest', 'host'],
      predictionRoles: ['guest'],
    }),
    predictComponent({
      ...common,
      code: 'secureboost-predict',
      version: '1.1.0',
      name: 'SecureBoost prediction',
      description:
        'Alias of predict, kept for flows written for it: federated batch scoring with a SecureBoost model (hosts send which rows go left at their own splits and receive nothing).',
      roles: ['guest', 'host'],
      predictionRoles: ['guest'],
    }),
    predictComponent({
      ...common,
      code: 'homo-predict',
      version: '1.1.0',
      name: 'Homo predict',
      description:
        'Alias of predict, kept for flows written for it: each client scores its own rows locally with a horizontal model (homo-lr, homo-linr, homo-nn, homo-kmeans, …).',
      roles: ['guest'],
      predictionRoles: ['guest', 'host'],
    }),
  ];
}
