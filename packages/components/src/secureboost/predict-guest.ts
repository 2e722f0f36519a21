/**
 * SecureBoost prediction, guest (result party): collects every host's split masks, walks each
 * tree per row (its own splits on its own features, host splits by the host's bit), and turns
 * the raw scores into predictions: P(y = 1), the regression value, or per-class probabilities.
 */
import { recvMessage } from '@fedgrid/federation';
import { transformScores } from '@fedgrid/ml';
import { ComponentError, input, type ProgramContext, type ProgramResult } from '../spec.js';
import { levelsOf, splitRouter } from './categories.js';
import { readGuestModel, type SbNodeJson } from './model.js';
import { maskBit, splitMasks } from './routing.js';
import { requireNoInfinity } from './data-checks.js';
import type { RoutesHeader } from './predict-host.js';

type PredictParams = Record<string, never>;

type GuestNode = Extract<SbNodeJson, { owner: 'guest' }>;

export async function sbPredictGuest(ctx: ProgramContext<PredictParams>): Promise<ProgramResult> {
  const t0 = performance.now();
  const { frame } = input(ctx, 'data', 'dataset');
  const model = readGuestModel(input(ctx, 'model', 'model').model);
  requireNoInfinity(frame, ctx.party);
  const missing = model.hosts.filter((h) => !ctx.roles.hosts.includes(h));
  if (missing.length)
    throw new ComponentError(
      'ROLE_MISSING',
      `the model uses splits of ${missing.join(', ')}, which take no part in this prediction`,
      { hosts: missing },
    );
  const index = new Map(frame.featureNames.map((f, j) => [f, j]));
  const col = new Map<string, number>();
  for (const f of model.featureNames) {
    const j = index.get(f);
    if (j === undefined)
      throw new ComponentError(
        'FEATURE_MISSING',
        `${ctx.party}: the model uses feature '${f}', absent from the data`,
        { party: ctx.party, feature: f },
      );
    col.set(f, j);
  }
  const n = frame.ids.length;
  // masks[host][split id]
  const masks = new Map<string, Map<number, Uint8Array>>();
  await Promise.all(
    model.hosts.map(async (h) => {
      const m = await recvMessage<RoutesHeader>(ctx.channel, h, 'routes');
      if (m.header.rows !== n)
        throw new ComponentError(
          'ROWS_MISMATCH',
          `${h} routed ${m.header.rows} rows, the guest has ${n}; align rows with PSI first`,
          { host: h },
        );
      const parts = splitMasks(
        m.blobs[0],
        m.header.splits.map(() => n),
      );
      masks.set(h, new Map(m.header.splits.map((id, k) => [id, parts[k] as Uint8Array])));
    }),
  );
  const K = model.outputs;
  const raw = new Float64Array(n * K);
  for (let i = 0; i < n; i++) raw.set(model.baseScores, i * K);
  const { cols, data } = frame.x;
  for (const t of model.trees) {
    // Resolve each host node's mask and each guest node's router once per tree.
    const router = t.nodes.map((nd) =>
      !('leaf' in nd) && nd.owner === 'guest'
        ? splitRouter(nd as GuestNode, levelsOf(frame, (nd as GuestNode).feature), ctx.party)
        : undefined,
    );
    const nodeMask = t.nodes.map((nd) => {
      if ('leaf' in nd || nd.owner === 'guest') return undefined;
      const mk = masks.get(nd.owner)?.get((nd as { split: number }).split);
      if (!mk)
        throw new ComponentError(
          'MODEL_INVALID',
          `the guest model refers to split ${(nd as { split: number }).split} of ${nd.owner}, which its model part does not have`,
        );
      return mk;
    });
    for (let i = 0; i < n; i++) {
      let id = 0;
      let nd = t.nodes[0] as SbNodeJson;
      while (!('leaf' in nd)) {
        const left =
          nd.owner === 'guest'
            ? (router[id] as (v: number) => boolean)(
                data[i * cols + (col.get((nd as GuestNode).feature) as number)] as number,
              )
            : maskBit(nodeMask[id] as Uint8Array, i);
        id = left ? nd.left : nd.right;
        nd = t.nodes[id] as SbNodeJson;
      }
      raw[i * K + t.cls]! += nd.leaf;
    }
  }
  const out = transformScores(model.objective, raw, K);
  const task = model.task;
  let labels: Float64Array | undefined;
  if (frame.labels)
    labels = task === 'binary' ? frame.labels.map((v) => (v === 1 ? 1 : 0)) : frame.labels;
  return {
    outputs: {
      predictions: {
        kind: 'predictions',
        predictions: {
          ids: frame.ids,
          scores: out.scores,
          task,
          ...(labels ? { labels } : {}),
          ...(task === 'multiclass'
            ? { classes: model.classes.slice(), probabilities: out.probabilities }
            : {}),
        },
      },
    },
    summary: { rows: n, trees: model.trees.length, task, seconds: (performance.now() - t0) / 1000 },
  };
}
