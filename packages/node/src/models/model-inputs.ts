/**
 * The node's side of model references (model-ref.ts): before it accepts or creates a job, each
 * node checks every reference its own parties will read; when a task starts, it resolves and
 * checks again (the part may have been unpublished meanwhile) and loads the part from the
 * training job's outputs, with its origin (training job and task) for the predict component's
 * check that all parties score with parts of one training.
 */
import type { Kysely } from 'kysely';
import { componentByCode, roleOf, type PortValue } from '@fedgrid/components';
import { partyNodes, type JobSpec } from '../jobs/job-spec.js';
import type { OutputStore } from '../jobs/outputs.js';
import type { Database } from '../storage/schema.js';
import { dataChain, FeaturePipelines } from './feature-pipeline.js';

/** Whether every task of `spec` reading `input` gets its data through a fitted feature step. */
function ownsFeatureSteps(spec: JobSpec, input: string): boolean {
  const readers = spec.tasks.filter((t) => Object.values(t.inputs).includes(input));
  return (
    readers.length > 0 &&
    readers.every((t) =>
      dataChain(spec, t.name).some((u) => {
        try {
          return componentByCode(u.component).applyFitted !== undefined;
        } catch {
          return false;
        }
      }),
    )
  );
}
import { checkModelForJob, isModelRef, parseModelRef, resolveModelRef } from './model-ref.js';

export class StoredModelInputs {
  private readonly pipelines: FeaturePipelines;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly outputs: OutputStore,
  ) {
    this.pipelines = new FeaturePipelines(db, outputs);
  }

  /** The training job's party name → node id, if this node knows the job. */
  private async trainingParties(jobId: string): Promise<Map<string, string> | undefined> {
    const r = await this.db
      .selectFrom('jobs')
      .select('spec')
      .where('id', '=', jobId)
      .executeTakeFirst();
    return r ? partyNodes(r.spec as JobSpec) : undefined;
  }

  /**
   * Resolves and checks `ref` for `party` of `spec`.
   * @throws FedGridError VALIDATION_FAILED (syntax), NOT_FOUND (no such part here), FORBIDDEN
   *   (not published, or trained by other parties).
   */
  private async resolve(spec: JobSpec, party: string, input: string) {
    const ref = parseModelRef(input);
    const model = await resolveModelRef(this.db, ref, party);
    checkModelForJob(model, ref, partyNodes(spec), await this.trainingParties(model.jobId));
    return model;
  }

  /**
   * Checks every model reference that `parties` (this node's parties of `spec`) will read.
   * @throws as {@link resolve}, for the first reference that fails.
   */
  async check(spec: JobSpec, parties: readonly string[]): Promise<void> {
    for (const t of spec.tasks) {
      const component = componentByCode(t.component);
      for (const port of component.inputs) {
        const input = t.inputs[port.name];
        if (!input || !isModelRef(input)) continue;
        for (const p of parties) {
          const role = roleOf(p);
          if (port.roles.includes(role) && component.programs[role])
            await this.resolve(spec, p, input);
        }
      }
    }
  }

  /**
   * Loads `party`'s own part for the reference `input` after checking it again, with its origin
   * and the party's fitted feature steps of the training (feature-pipeline.ts), which predict
   * replays on raw rows — unless the job runs feature steps of its own before the tasks reading
   * the reference (then the rows are already transformed, e.g. the demo's held-out job).
   */
  async load(spec: JobSpec, party: string, input: string): Promise<PortValue> {
    const model = await this.resolve(spec, party, input);
    const value = await this.outputs.load(model.jobId, model.task, party, model.port);
    if (value.kind !== 'model') return value;
    const pipeline = ownsFeatureSteps(spec, input)
      ? []
      : await this.pipelines.of(model.jobId, model.task, party);
    return {
      ...value,
      origin: { jobId: model.jobId, task: model.task },
      ...(pipeline.length ? { pipeline } : {}),
    };
  }
}
