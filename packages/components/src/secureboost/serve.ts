/**
 * Online serving of SecureBoost models, FATE-Serving style: a host answers, for the requested
 * id, the direction (left / right) its own row takes at every split of its split table — one bit
 * per split, nothing about thresholds or features; the guest walks every tree, deciding its own
 * splits on its own features and the hosts' splits by their bits, and transforms the raw score
 * exactly as the batch program (secureboost-predict) does, so online and batch scores of the same
 * row are equal. A split on a categorical column routes by category name, reading the serving
 * table's category names (`FeatureLookup.levels`; categories.ts).
 *
 * What it reveals: the guest learns the host's decision at every host split for the requested id
 * (also at splits the path does not reach, as in FATE-Serving; the batch program reveals the same
 * masks for every aligned row). Guest-only (degraded) scores replace a missing host's decision by
 * both branches weighted by their training row counts (the expected leaf value under the
 * training distribution of that node). docs/protocols/serving.md.
 */
import { goesLeftRaw, transformScores } from '@fedgrid/ml';
import { ComponentError, type ModelPart } from '../spec.js';
import type {
  ServingGuest,
  ServingHost,
  ServingPartial,
  ServingProgram,
  ServingScore,
} from '../serving.js';
import { readGuestModel, readHostModel, type SbNodeJson, type SbTreeJson } from './model.js';
import { splitRouter, type RoutedSplit } from './categories.js';
import { makeMask, maskBit, maskBytes } from './routing.js';

/**
 * Each split's router (categories.ts), rebuilt only when the table's levels for its feature
 * change (a table's levels are one array per column, so rows of one table share them).
 */
function routerCache(party: string) {
  const cache = new Map<
    RoutedSplit,
    { levels: readonly string[] | undefined; left: (v: number) => boolean }
  >();
  return {
    get(s: RoutedSplit, levels: readonly string[] | undefined): (v: number) => boolean {
      if (!s.leftCategories && typeof s.threshold === 'number') {
        const threshold = s.threshold;
        return (v) => goesLeftRaw(v, threshold, s.missingLeft === true);
      }
      const hit = cache.get(s);
      if (hit && hit.levels === levels) return hit.left;
      const left = splitRouter(s, levels, party);
      cache.set(s, { levels, left });
      return left;
    },
  };
}

function host(model: ModelPart): ServingHost {
  const m = readHostModel(model);
  const party = typeof m.party === 'string' ? m.party : 'host';
  const features = [...new Set(m.splits.map((s) => s.feature))];
  const ids = m.splits.map((s) => s.id);
  const routers = routerCache(party);
  return {
    features,
    partial(row): ServingPartial {
      const x = new Map(
        features.map((f) => {
          const v = row(f);
          if (v === undefined)
            throw new ComponentError(
              'FEATURE_MISSING',
              `${party}: no value for feature '${f}' of the model`,
              { party, feature: f },
            );
          return [f, v];
        }),
      );
      const bits = makeMask(m.splits.length, (k) => {
        const s = m.splits[k]!;
        return routers.get(s, row.levels?.(s.feature))(x.get(s.feature) as number);
      });
      return { splits: ids, left: Buffer.from(bits).toString('base64') };
    },
  };
}

/** A host's partial: split id → goes left. */
function readPartial(h: string, p: ServingPartial): Map<number, boolean> {
  const splits = p['splits'];
  const left = p['left'];
  const bad = (why: string) =>
    new ComponentError('PARTIAL_INVALID', `${h} answered an invalid partial: ${why}`, { host: h });
  if (!Array.isArray(splits) || splits.some((s) => !Number.isInteger(s)))
    throw bad('splits is not a list of split ids');
  if (typeof left !== 'string') throw bad('left is not a base64 bit string');
  const bits = Buffer.from(left, 'base64');
  if (bits.length !== maskBytes(splits.length))
    throw bad(`${bits.length} bytes of decisions for ${splits.length} splits`);
  return new Map((splits as number[]).map((id, k) => [id, maskBit(bits, k)]));
}

type Decide = (nd: Exclude<SbNodeJson, { leaf: number }>) => boolean | undefined;

/** The leaf value of one tree; an undecided split takes both branches weighted by row counts. */
function treeValue(t: SbTreeJson, id: number, decide: Decide): number {
  const nd = t.nodes[id] as SbNodeJson;
  if ('leaf' in nd) return nd.leaf;
  const left = decide(nd);
  if (left !== undefined) return treeValue(t, left ? nd.left : nd.right, decide);
  const l = t.nodes[nd.left] as SbNodeJson;
  const r = t.nodes[nd.right] as SbNodeJson;
  const total = l.count + r.count;
  const wl = total > 0 ? l.count / total : 0.5;
  return wl * treeValue(t, nd.left, decide) + (1 - wl) * treeValue(t, nd.right, decide);
}

function guest(model: ModelPart): ServingGuest {
  const m = readGuestModel(model);
  const K = m.outputs;
  const routers = routerCache('guest');
  return {
    task: m.task,
    features: m.featureNames,
    hosts: m.hosts,
    combine(row, partials): ServingScore {
      const x = new Map<string, number>();
      for (const f of m.featureNames) {
        const v = row(f);
        if (v === undefined)
          throw new ComponentError('FEATURE_MISSING', `guest: no value for feature '${f}'`, {
            party: 'guest',
            feature: f,
          });
        if (v === Infinity || v === -Infinity)
          throw new ComponentError('FEATURE_INVALID', `guest: feature '${f}' is infinite`, {
            party: 'guest',
            feature: f,
          });
        x.set(f, v);
      }
      const decisions = new Map([...partials].map(([h, p]) => [h, readPartial(h, p)]));
      const decide: Decide = (nd) => {
        if (nd.owner === 'guest') {
          const g = nd as Extract<SbNodeJson, { owner: 'guest' }>;
          return routers.get(g, row.levels?.(g.feature))(x.get(g.feature) as number);
        }
        const d = decisions.get(nd.owner);
        if (!d) return undefined; // degraded: this host did not answer
        const split = (nd as { split: number }).split;
        const left = d.get(split);
        if (left === undefined)
          throw new ComponentError(
            'PARTIAL_INVALID',
            `${nd.owner} answered no decision for its split ${split}`,
            { host: nd.owner },
          );
        return left;
      };
      const raw = Float64Array.from(m.baseScores);
      for (const t of m.trees) raw[t.cls]! += treeValue(t, 0, decide);
      const out = transformScores(m.objective, raw, K);
      const score = out.scores[0] as number;
      if (m.task === 'multiclass')
        return {
          task: 'multiclass',
          score,
          label: m.classes[score] ?? score,
          classes: m.classes.slice(),
          probabilities: Array.from(out.probabilities ?? []),
        };
      if (m.task === 'binary') return { task: 'binary', score, label: score >= 0.5 ? 1 : 0 };
      return { task: 'regression', score };
    },
  };
}

/** Online serving of SecureBoost model parts (binary, multiclass, regression). */
export const secureBoostServing: ServingProgram = { algorithms: ['secureboost'], host, guest };
