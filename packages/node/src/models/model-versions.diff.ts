/**
 * What changed between two model versions (`fedgrid model diff`; issue 12 item 1): what they were
 * trained with, on which features, with which result. Pure: works on two version views.
 */
import type { ModelVersionView } from './model-versions.service.js';

export interface VersionDiff {
  from: string;
  to: string;
  /** True when nothing but times differs (same training setup, features and part digests). */
  same: boolean;
  /** Changed top-level facts: `component`, `algorithm`, `task`, `job`, `attempt`, `parties`. */
  fields: { field: string; from: unknown; to: unknown }[];
  /** Changed training parameters, by dotted path; `null` where a side does not set it. */
  params: { key: string; from: unknown; to: unknown }[];
  /** Per party present in either: feature names added and removed (`known`: both sides know). */
  features: { party: string; known: boolean; added: string[]; removed: string[] }[];
  /** Parties whose part digest differs. */
  digests: { party: string; from: string | null; to: string | null }[];
  /** Every metric of every evaluation task on either side, with `to − from`. */
  metrics: {
    task: string;
    metric: string;
    from: number | null;
    to: number | null;
    delta: number | null;
  }[];
}

function flatten(o: unknown, prefix: string, out: Map<string, unknown>): Map<string, unknown> {
  if (o && typeof o === 'object' && !Array.isArray(o) && Object.keys(o).length) {
    for (const [k, v] of Object.entries(o)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) out.set(prefix, o);
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Compares version `a` (from) with version `b` (to). */
export function diffVersions(a: ModelVersionView, b: ModelVersionView): VersionDiff {
  const fields: VersionDiff['fields'] = [];
  const field = (name: string, x: unknown, y: unknown) => {
    if (!same(x, y)) fields.push({ field: name, from: x, to: y });
  };
  field('component', a.component, b.component);
  field('algorithm', a.algorithm, b.algorithm);
  field('task', a.task, b.task);
  field('job', a.job.id, b.job.id);
  field('attempt', a.job.attempt, b.job.attempt);
  const nodes = (v: ModelVersionView) =>
    Object.fromEntries(v.parties.map((p) => [p.party, p.node]));
  field('parties', nodes(a), nodes(b));

  const pa = flatten(a.params, '', new Map());
  const pb = flatten(b.params, '', new Map());
  const params = [...new Set([...pa.keys(), ...pb.keys()])]
    .sort()
    .filter((k) => !same(pa.get(k) ?? null, pb.get(k) ?? null))
    .map((key) => ({ key, from: pa.get(key) ?? null, to: pb.get(key) ?? null }));

  const partyNames = [...new Set([...a.parties, ...b.parties].map((p) => p.party))];
  const features: VersionDiff['features'] = [];
  const digests: VersionDiff['digests'] = [];
  for (const party of partyNames) {
    const x = a.parties.find((p) => p.party === party);
    const y = b.parties.find((p) => p.party === party);
    if (!(x?.holdsPart ?? false) && !(y?.holdsPart ?? false)) continue;
    const fx = x?.features ?? null;
    const fy = y?.features ?? null;
    if (fx && fy) {
      const added = fy.filter((f) => !fx.includes(f));
      const removed = fx.filter((f) => !fy.includes(f));
      if (added.length || removed.length) features.push({ party, known: true, added, removed });
    } else if (!same(fx, fy)) features.push({ party, known: false, added: [], removed: [] });
    if ((x?.digest ?? null) !== (y?.digest ?? null))
      digests.push({ party, from: x?.digest ?? null, to: y?.digest ?? null });
  }

  const metrics: VersionDiff['metrics'] = [];
  const tasks = [...new Set([...a.evaluation, ...b.evaluation].map((e) => e.task))];
  for (const task of tasks) {
    const ma = a.evaluation.find((e) => e.task === task)?.metrics ?? {};
    const mb = b.evaluation.find((e) => e.task === task)?.metrics ?? {};
    for (const metric of [...new Set([...Object.keys(ma), ...Object.keys(mb)])]) {
      const from = ma[metric] ?? null;
      const to = mb[metric] ?? null;
      metrics.push({
        task,
        metric,
        from,
        to,
        delta: from !== null && to !== null ? to - from : null,
      });
    }
  }
  return {
    from: a.ref,
    to: b.ref,
    same:
      !fields.some((f) => f.field !== 'job' && f.field !== 'attempt') &&
      !params.length &&
      !features.length &&
      !digests.length,
    fields,
    params,
    features,
    digests,
    metrics,
  };
}
