/**
 * Online serving of the linear models (HeteroLR binary and one-vs-rest, HeteroLinR,
 * HeteroPoisson, SSHE-LR), FATE-Serving style: a host answers the partial linear predictor of its
 * own weights on its own row, u_h = x_h·w_h + b_h (one per class for one-vs-rest); the guest adds
 * its own z_g = x_g·w_g + b_g and applies the mean function (σ, identity, exp). The sum is
 * formed in Z_2^64 fixed point exactly as the batch program (hetero-lr-predict) forms it, so an
 * online score equals the in-job prediction of the same row bit for bit when the columns match.
 *
 * What it reveals: the host's partial score u_h for the requested id goes to the guest in the
 * clear (as in FATE-Serving; the batch program masks it only when there are two or more hosts).
 * docs/protocols/serving.md. Guest-only (degraded) scores leave a missing host's u_h out, i.e.
 * take u_h = 0: for standardised features that is the host's average contribution.
 */
import { toRing64, fromRing64 } from './masks.js';
import { linearPart, linearScores, type LinearFamilyName, type LinearPart } from './predict.js';
import { ComponentError, type ModelPart } from '../spec.js';
import type {
  FeatureLookup,
  ServingGuest,
  ServingHost,
  ServingPartial,
  ServingProgram,
  ServingScore,
} from '../serving.js';

/** The model's features and its weights in the model's own order. */
function prepare(model: ModelPart, party: string): { names: string[]; part: LinearPart } {
  const names = model['featureNames'];
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string'))
    throw new ComponentError('MODEL_INVALID', `${party}: the model part has no feature names`);
  const family: LinearFamilyName =
    model.algorithm === 'hetero-linr'
      ? 'linear'
      : model.algorithm === 'hetero-poisson'
        ? 'poisson'
        : 'logistic';
  // The weights laid out in the model's own column order (no rows: only the names are read).
  const columns = {
    ids: [],
    featureNames: names as string[],
    x: { rows: 0, cols: names.length, data: new Float64Array(0) },
  };
  return { names: names as string[], part: linearPart(model, columns, party, family) };
}

/** z = b + Σ_j x_j·w_j in the model's feature order (the batch program's order of summation). */
function linearPredictors(
  names: readonly string[],
  part: LinearPart,
  row: FeatureLookup,
  party: string,
): Float64Array {
  const x = names.map((f) => {
    const v = row(f);
    if (v === undefined)
      throw new ComponentError(
        'FEATURE_MISSING',
        `${party}: no value for feature '${f}' of the model`,
        { party, feature: f },
      );
    return v;
  });
  return Float64Array.from(part.w, (w, k) => {
    let s = part.b[k] ?? 0;
    for (let j = 0; j < x.length; j++) s += (x[j] as number) * (w[j] as number);
    return s;
  });
}

function host(model: ModelPart): ServingHost {
  const party = typeof model['party'] === 'string' ? model['party'] : 'host';
  const { names, part } = prepare(model, party);
  return {
    features: names,
    partial: (row) => ({ u: Array.from(linearPredictors(names, part, row, party)) }),
  };
}

/** A host's partial: exactly one finite number per model (class). */
function readPartial(h: string, p: ServingPartial, models: number): Float64Array {
  const u = p['u'];
  if (
    !Array.isArray(u) ||
    u.length !== models ||
    u.some((v) => typeof v !== 'number' || !Number.isFinite(v))
  )
    throw new ComponentError(
      'PARTIAL_INVALID',
      `${h} answered a partial that is not ${models} finite number(s)`,
      { host: h },
    );
  return Float64Array.from(u as number[]);
}

function guest(model: ModelPart): ServingGuest {
  const { names, part } = prepare(model, 'guest');
  const task =
    part.family === 'logistic' ? (part.w.length > 1 ? 'multiclass' : 'binary') : 'regression';
  return {
    task,
    features: part.exposure ? [...names, part.exposure] : names,
    combine(row, partials): ServingScore {
      const zg = linearPredictors(names, part, row, 'guest');
      const total = Array.from(zg, (v) => toRing64(Float64Array.of(v)));
      for (const [h, p] of partials) {
        const u = toRing64(readPartial(h, p, zg.length));
        total.forEach((t, k) => (t[0] = BigInt.asIntN(64, (t[0] as bigint) + (u[k] as bigint))));
      }
      const z = total.map((t) => fromRing64(t));
      if (part.exposure) {
        const t = row(part.exposure);
        if (t === undefined || !(t > 0))
          throw new ComponentError(
            'EXPOSURE_INVALID',
            `guest: exposure '${part.exposure}' is ${String(t)}; it must be given and > 0`,
            { field: part.exposure },
          );
        z.forEach((zk) => (zk[0] = (zk[0] as number) + Math.log(t)));
      }
      const p = linearScores(part, z, { ids: [''] });
      const score = p.scores[0] as number;
      if (p.task === 'multiclass') {
        const classes = p.classes ?? [];
        return {
          task: 'multiclass',
          score,
          label: classes[score] ?? score,
          classes,
          probabilities: Array.from(p.probabilities ?? []),
        };
      }
      if (p.task === 'binary') return { task: 'binary', score, label: score >= 0.5 ? 1 : 0 };
      return { task: 'regression', score };
    },
  };
}

/** Online serving of every linear model part (HeteroLR, HeteroLinR, HeteroPoisson, SSHE-LR). */
export const linearServing: ServingProgram = {
  algorithms: ['hetero-lr', 'hetero-linr', 'hetero-poisson', 'hetero-sshe-lr'],
  host,
  guest,
};
