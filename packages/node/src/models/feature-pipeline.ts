/**
 * A party's fitted feature pipeline of a training task: the fit-or-apply steps (encode, scale,
 * outliers — components declaring `applyFitted`) between the party's raw dataset and the task,
 * read from the training job's stored outputs on this node (where the model part itself is).
 * Batch prediction with a published model and online serving replay it on raw rows
 * (components' feature-pipeline.ts; docs/protocols/serving.md). Nothing here leaves the node.
 */
import type { Kysely } from 'kysely';
import { componentByCode, type FittedStep } from '@fedgrid/components';
import type { JobSpec } from '../jobs/job-spec.js';
import type { OutputStore } from '../jobs/outputs.js';
import type { Database } from '../storage/schema.js';
import { FedGridError } from '../errors/errors.js';

/** Follows at most this many upstream tasks (a job has at most 100). */
const MAX_DEPTH = 100;

/**
 * The upstream chain of `task`'s `data` input in `spec`: for each task on it, in the order the
 * data flowed (first step first), whether it is a replayable fitted transform. Tasks without a
 * `data` input end the chain (the job's dataset).
 */
export function dataChain(spec: Pick<JobSpec, 'tasks'>, task: string): JobSpec['tasks'] {
  const byName = new Map(spec.tasks.map((t) => [t.name, t]));
  const chain: JobSpec['tasks'] = [];
  let from = byName.get(task)?.inputs['data'];
  for (let depth = 0; from && depth < MAX_DEPTH; depth++) {
    const [name] = from.split('.');
    const t = name === undefined || name === 'job' ? undefined : byName.get(name);
    if (!t) break;
    chain.unshift(t);
    from = t.inputs['data'];
  }
  return chain;
}

export class FeaturePipelines {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly outputs: OutputStore,
  ) {}

  /**
   * `party`'s fitted steps for the model of task `task` of job `jobId`, in order (empty when the
   * task read the dataset directly, e.g. through PSI only).
   * @throws FedGridError NOT_FOUND when this node does not know the job, or a step's fitted
   *   model is not stored here (its outputs were deleted).
   */
  async of(jobId: string, task: string, party: string): Promise<FittedStep[]> {
    const r = await this.db
      .selectFrom('jobs')
      .select('spec')
      .where('id', '=', jobId)
      .executeTakeFirst();
    if (!r)
      throw new FedGridError('NOT_FOUND', `job ${jobId} (the model's training) is not known here`, {
        job: jobId,
      });
    const steps: FittedStep[] = [];
    for (const t of dataChain(r.spec as JobSpec, task)) {
      let spec;
      try {
        spec = componentByCode(t.component);
      } catch {
        continue;
      }
      if (!spec.applyFitted) continue;
      const v = await this.outputs.load(jobId, t.name, party, 'model');
      if (v.kind !== 'model')
        throw new FedGridError(
          'INTERNAL',
          `job ${jobId}: task '${t.name}' output 'model' on ${party} is a ${v.kind}`,
        );
      steps.push({ component: t.component, task: t.name, params: t.params, model: v.model });
    }
    return steps;
  }
}
