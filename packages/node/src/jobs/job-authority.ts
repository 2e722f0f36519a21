/**
 * What a partner job was accepted under, and the parameter rules that follow from it. The data
 * owner's node is the authority on its own data (DESIGN.md, security model): it accepts a
 * partner's job only when
 *   - the job's DAG **and parameters** are those of a flow version it approved (the approval
 *     digest), parameters differing only where the approved flow made them `tunable`, or
 *   - a job permission (job-permissions/) explicitly covers an ad-hoc job: the roles this node
 *     plays and every component its parties run.
 * The authority is stored with the job; reruns and task starts are checked against it, never
 * against what the initiator sends at that moment.
 */
import { z } from 'zod';
import { canonicalJson } from '../storage/canonical-json.js';
import type { JobSpec } from './job-spec.js';

/** A parameter a job may set without a new approval: a numeric range, or a list of values. */
export const tunableRangeSchema = z.union([
  z
    .object({ min: z.number().optional(), max: z.number().optional() })
    .strict()
    .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, {
      message: 'min must not exceed max',
    }),
  z.object({ values: z.array(z.unknown()).min(1).max(1000) }).strict(),
]);
export type TunableRange = z.infer<typeof tunableRangeSchema>;

/** Per task name, per parameter name: what a job created from the flow may set. */
export const tunableSchema = z.record(z.string(), z.record(z.string(), tunableRangeSchema));
export type Tunable = z.infer<typeof tunableSchema>;

export type JobAuthority =
  /** This node initiated the job (its own user created it). */
  | { kind: 'own' }
  /** A flow version this node approved for the initiator. */
  | { kind: 'flow'; flowId: string; approvalId: string; digest: string }
  /** A job permission covering an ad-hoc job. */
  | { kind: 'permission'; permissionId: string };

/** Decides, on a partner's node, whether a job may run and keeps deciding during its life. */
export interface JobAuthorizer {
  /**
   * Decides whether to accept `spec` from `from`, whose local parties are `localParties`.
   * @throws FedGridError FORBIDDEN naming what is missing and how the owner can allow it.
   */
  authorize(spec: JobSpec, from: string, localParties: string[]): Promise<JobAuthority>;
  /**
   * Checks that `spec` (the accepted job, possibly with a rerun's parameters) still falls under
   * `authority`: the approval stands and the parameters are within it, or the permission is
   * still active. Called before reruns and task starts.
   * @throws FedGridError FORBIDDEN.
   */
  recheck(authority: JobAuthority, spec: JobSpec, localParties: string[]): Promise<void>;
}

function within(range: TunableRange, value: unknown): boolean {
  if ('values' in range) return range.values.some((v) => canonicalJson(v) === canonicalJson(value));
  return (
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (range.min === undefined || value >= range.min) &&
    (range.max === undefined || value <= range.max)
  );
}

/**
 * Parameters of `next` that differ from `approved` beyond what `tunable` allows, as messages
 * (empty: every parameter is the approved one or within its tunable range). Tasks are matched
 * by name; a task missing on either side is reported.
 */
export function paramViolations(
  approved: readonly { name: string; params?: Record<string, unknown> }[],
  next: readonly { name: string; params?: Record<string, unknown> }[],
  tunable: Tunable = {},
): string[] {
  const out: string[] = [];
  const byName = new Map(approved.map((t) => [t.name, t.params ?? {}]));
  for (const t of next) {
    const was = byName.get(t.name);
    if (!was) {
      out.push(`task '${t.name}' is not in the approved flow`);
      continue;
    }
    const now = t.params ?? {};
    for (const key of new Set([...Object.keys(was), ...Object.keys(now)])) {
      if (canonicalJson(was[key]) === canonicalJson(now[key])) continue;
      const range = tunable[t.name]?.[key];
      if (!range) {
        out.push(
          `task '${t.name}': parameter ${key} is ${canonicalJson(now[key])}, approved ${canonicalJson(was[key])}, and the flow does not make it tunable`,
        );
      } else if (!within(range, now[key])) {
        out.push(
          `task '${t.name}': parameter ${key} = ${canonicalJson(now[key])} is outside its approved range ${canonicalJson(range)}`,
        );
      }
    }
  }
  return out;
}

/** The graph of a job without parameters: parties, datasets, tasks' components and inputs. */
export function graphOf(spec: Pick<JobSpec, 'parties' | 'datasets' | 'tasks'>): string {
  return canonicalJson({
    parties: spec.parties,
    datasets: spec.datasets,
    tasks: spec.tasks.map((t) => ({ ...t, params: undefined })),
  });
}
