/**
 * The component spec of a horizontal training algorithm: guest and hosts are the clients (they
 * hold rows with the same columns, and labels), the arbiter is the aggregation server — FATE's
 * roles for homo components. Every client ends with the full model.
 */
import type { z } from 'zod';
import type { ComponentSpec } from '../spec.js';
import { homoClient } from './client.js';
import { homoEdge } from './edge.js';
import type { HomoModelKind } from './model.js';
import type { HomoRoundParams } from './params.js';
import { homoPredictDeclaration } from './predict.js';
import { homoServer } from './server.js';

export function homoComponent<P extends HomoRoundParams>(opts: {
  version: string;
  name: string;
  description: string;
  reference: string;
  params: z.ZodType<P>;
  kind: HomoModelKind<P>;
}): ComponentSpec<P> {
  const client = homoClient(opts.kind);
  return {
    code: opts.kind.algorithm,
    version: opts.version,
    name: opts.name,
    description: opts.description,
    reference: opts.reference,
    roles: ['guest', 'arbiter'],
    params: opts.params,
    inputs: [
      {
        name: 'data',
        kind: 'dataset',
        roles: ['guest', 'host'],
        description:
          "the client's training rows: the same feature columns on every client, and labels",
      },
    ],
    outputs: [
      {
        name: 'model',
        kind: 'model',
        roles: ['guest', 'host'],
        description: 'the full global model (every client holds it)',
      },
      {
        name: 'report',
        kind: 'report',
        roles: ['arbiter'],
        description:
          'per-round history: sampled, aggregated, dropped and rejected clients, federated evaluation, (ε, δ)',
      },
    ],
    predict: homoPredictDeclaration(opts.kind),
    programs: {
      guest: client,
      host: client,
      arbiter: homoServer(opts.kind),
      edge: homoEdge(opts.kind),
    },
  };
}
