/**
 * A flow (流程): a DAG of components — the same task list a job request has (`parties`,
 * `datasets`, `tasks`; see jobs/job-spec.ts) — plus its default runtime config (`priority`,
 * `timeoutSeconds`). Standard 001 §8 flow protocol: a flow's DAG and config are what partners
 * approve, identified by a SHA-256 digest of their canonical JSON.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../storage/canonical-json.js';
import { tunableSchema } from '../jobs/job-authority.js';
import { jobRequestSchema, validateJob, type JobSpecBody } from '../jobs/job-spec.js';

/** The DAG: parties, datasets per party and tasks, exactly as a job request has them. */
export const flowDagSchema = jobRequestSchema.pick({ parties: true, datasets: true, tasks: true });
export type FlowDag = z.infer<typeof flowDagSchema>;

/**
 * The runtime config a job created from the flow starts with, and the parameters a job may
 * change without a new approval (`tunable`: per task, per parameter, a numeric range or a list
 * of values). `tunable` is part of the approved digest: partners approve the ranges too.
 */
export const flowConfigSchema = jobRequestSchema
  .pick({ priority: true, timeoutSeconds: true })
  .extend({ tunable: tunableSchema.optional() });
export type FlowConfig = z.infer<typeof flowConfigSchema>;

const flowName = z.string().trim().min(1, 'a flow needs a name').max(200);

/** A new flow (the body of POST /v1/flows, and the fields of a flow file). */
export const createFlowSchema = flowDagSchema.extend({
  projectId: z.string().min(1).max(200),
  name: flowName,
  description: z.string().max(2000).default(''),
  config: flowConfigSchema.prefault({}),
});
export type CreateFlowInput = z.input<typeof createFlowSchema>;

/** A new version of a flow: any of its fields (parties, datasets and tasks replace the old ones). */
export const updateFlowSchema = z
  .object({
    name: flowName.optional(),
    description: z.string().max(2000).optional(),
    parties: flowDagSchema.shape.parties.optional(),
    datasets: z.record(z.string(), z.string()).optional(),
    tasks: flowDagSchema.shape.tasks.optional(),
    config: z
      .object({
        priority: z.number().int().min(-100).max(100).optional(),
        timeoutSeconds: z.number().int().positive().optional(),
        tunable: tunableSchema.optional(),
      })
      .optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), {
    message: 'nothing to update: give name, description, parties, datasets, tasks or config',
  });
export type UpdateFlowInput = z.input<typeof updateFlowSchema>;

/** Overrides for one job created from a flow. */
export const runFlowSchema = z.object({
  name: z.string().max(200).optional(),
  priority: z.number().int().min(-100).max(100).optional(),
  timeoutSeconds: z.number().int().positive().optional(),
  /** Per-task parameter overrides: { train: { maxIter: 5 } } (merged into the flow's params). */
  params: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
});
export type RunFlowInput = z.input<typeof runFlowSchema>;

export { canonicalJson };

/**
 * The approval digest: SHA-256 (lower-case hex) of `canonicalJson({ dag, config })`. Name and
 * description are not part of it, so renaming a flow keeps its approvals.
 */
export function flowDigest(dag: FlowDag, config: FlowConfig): string {
  return createHash('sha256').update(canonicalJson({ dag, config })).digest('hex');
}

/**
 * Checks a flow's DAG as a job request: known components, parameters, roles, inputs wired to
 * `job.dataset` or `<task>.<output>`, no cycles.
 * @throws FedGridError VALIDATION_FAILED naming the task and field.
 */
export function validateFlow(name: string, dag: FlowDag, config: FlowConfig): JobSpecBody {
  const spec = jobRequestSchema.parse({ name, ...dag, ...config });
  validateJob(spec);
  return spec;
}
