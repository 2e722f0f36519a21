/**
 * Model references: a task input that names a stored, published model instead of an upstream
 * task output, so that a job can score new data with a model trained by an earlier job (standard
 * 000 §7.7 a, batch prediction; issue 12 item 2).
 *
 *   inputs: { model: 'model:<ref>', data: 'psi.data' }
 *
 * where `<ref>` is, on each party's own node and for that party's own part:
 *   - `<model id>`      a model part id (`model-<job>-<task>-<party>`; another party's id of the
 *                       same training names the same training, so one spelling serves all);
 *   - `<name>` or `<name>@latest`  this party's part of the newest version of that model;
 *   - `<name>@<n>`      this party's part of version n (model-versions.service.ts: every training
 *                       output is a numbered version of a named model; every party derives the
 *                       same name from the same job spec, so the numbers agree unless someone
 *                       renamed a version on one node — the guest's origin check then refuses the
 *                       job with MODEL_MISMATCH rather than score with parts of different runs).
 *
 * Each party resolves the reference locally — no party learns anything about another's part —
 * and refuses (before accepting the job, and again before the task starts) unless its part
 *   - is **published** for its current digest (models.service.ts: every partner approved it), and
 *   - was trained by the same parties: the training job's guest and hosts are this job's guest and
 *     hosts, node by node, and the part is this party's (host-0's part is used by host-0).
 * A partner job naming a model is therefore refused on the owner's node when the model is not
 * published there or belongs to other parties, whatever the job's authority (flow approval or job
 * permission) says.
 */
import type { Kysely } from 'kysely';
import { FedGridError } from '../errors/errors.js';
import type { Database } from '../storage/schema.js';

/** The prefix that marks a task input as a model reference. */
export const MODEL_REF_PREFIX = 'model:';

/** What may follow the prefix: an id or a name (no spaces), optionally `@<version>` or `@latest`. */
const REF_RE = /^([A-Za-z0-9][A-Za-z0-9._/:-]{0,399}?)(?:@([1-9][0-9]{0,8}|latest))?$/;

/** A parsed reference: a name or id, and the version asked for (undefined: the newest). */
export interface ModelRef {
  /** The text after `model:`. */
  text: string;
  nameOrId: string;
  version?: number;
}

/** Whether a task input refers to a stored model (`model:…`) rather than a task output. */
export function isModelRef(input: string): boolean {
  return input.startsWith(MODEL_REF_PREFIX);
}

/**
 * Parses `model:<id>`, `model:<name>` or `model:<name>@<n>`.
 * @throws FedGridError VALIDATION_FAILED saying what is wrong and how to write it.
 */
export function parseModelRef(input: string): ModelRef {
  const text = input.slice(MODEL_REF_PREFIX.length);
  const m = REF_RE.exec(text);
  if (!isModelRef(input) || !m)
    throw new FedGridError(
      'VALIDATION_FAILED',
      `'${input}' is not a model reference: write model:<model id>, model:<name>, model:<name>@latest or model:<name>@<version> (version a positive integer)`,
      { ref: input },
    );
  return {
    text,
    nameOrId: m[1] as string,
    ...(m[2] && m[2] !== 'latest' ? { version: Number(m[2]) } : {}),
  };
}

/** The stored model part a reference resolved to. */
export interface ResolvedModel {
  id: string;
  jobId: string;
  task: string;
  party: string;
  digest: string;
  /** The file under the job's output folder; its port name is `<task>.<party>.<port>.json`. */
  file: string;
  /** The output port the part was saved under (usually `model`). */
  port: string;
  /** Whether its current digest is published. */
  published: boolean;
}

/**
 * Finds `party`'s own part for `ref` in this node's models table.
 * @throws FedGridError NOT_FOUND naming the reference, the party, and what exists.
 */
export async function resolveModelRef(
  db: Kysely<Database>,
  ref: ModelRef,
  party: string,
): Promise<ResolvedModel> {
  const rows = await db
    .selectFrom('models')
    .selectAll()
    .where('party', '=', party)
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc')
    .execute();
  // Another party's id of the same training: model-<job>-<task>-<party name>, exactly.
  const sameTraining = (id: string, r: (typeof rows)[number]) => {
    const prefix = `model-${r.job_id}-${r.task_name}-`;
    return (
      id.startsWith(prefix) && /^(guest|host-\d+|arbiter|edge-\d+)$/.test(id.slice(prefix.length))
    );
  };
  let row: (typeof rows)[number] | undefined;
  if (ref.version === undefined)
    row =
      rows.find((r) => r.id === ref.nameOrId) ?? rows.find((r) => sameTraining(ref.nameOrId, r));
  if (!row) {
    const named = rows
      .filter((r) => r.version_name === ref.nameOrId && r.version !== null)
      .sort((a, b) => (a.version as number) - (b.version as number));
    row =
      ref.version === undefined
        ? named[named.length - 1]
        : named.find((r) => r.version === ref.version);
    if (!row && named.length > 0)
      throw new FedGridError(
        'NOT_FOUND',
        `model '${ref.text}': this node holds versions ${named.map((r) => r.version).join(', ')} of '${ref.nameOrId}' for ${party} (fedgrid model versions ${ref.nameOrId} lists them)`,
        { ref: ref.text, party, versions: named.map((r) => r.version) },
      );
  }
  if (!row)
    throw new FedGridError(
      'NOT_FOUND',
      `model '${ref.text}': this node holds no model part of that id or name for ${party}; list the versions with fedgrid model versions (GET /v1/model-versions)`,
      { ref: ref.text, party },
    );
  const prefix = `${row.task_name}.${row.party}.`;
  const port =
    row.file.startsWith(prefix) && row.file.endsWith('.json')
      ? row.file.slice(prefix.length, -'.json'.length)
      : 'model';
  return {
    id: row.id,
    jobId: row.job_id,
    task: row.task_name,
    party: row.party,
    digest: row.digest,
    file: row.file,
    port,
    published: !!row.published_at && row.published_digest === row.digest,
  };
}

/**
 * Checks that a resolved part may be used by a prediction job whose parties are `jobParties`
 * (party name → node id): published, and trained by the same guest and hosts.
 * @param trainingParties the training job's party name → node id (undefined: job unknown here)
 * @throws FedGridError FORBIDDEN saying which rule failed and how to fix it.
 */
export function checkModelForJob(
  model: ResolvedModel,
  ref: ModelRef,
  jobParties: ReadonlyMap<string, string>,
  trainingParties: ReadonlyMap<string, string> | undefined,
): void {
  if (!model.published)
    throw new FedGridError(
      'FORBIDDEN',
      `model '${ref.text}' (${model.id}) is not published on this node: only a published model may score data; have the partners approve it and publish it (POST /v1/models/${model.id}/publish)`,
      { ref: ref.text, model: model.id },
    );
  const scoring = (m: ReadonlyMap<string, string>) =>
    [...m].filter(([p]) => p === 'guest' || p.startsWith('host-'));
  const want = trainingParties ? scoring(trainingParties) : [];
  const have = scoring(jobParties);
  const same =
    trainingParties !== undefined &&
    want.length === have.length &&
    want.every(([p, n]) => jobParties.get(p) === n);
  if (!same)
    throw new FedGridError(
      'FORBIDDEN',
      `model '${ref.text}' (${model.id}) was trained by ${want.map(([p, n]) => `${p}=${n}`).join(', ') || 'a job this node does not know'}; this job's parties are ${have.map(([p, n]) => `${p}=${n}`).join(', ')}: a model scores data only for the parties that trained it, in the same roles`,
      { ref: ref.text, model: model.id },
    );
}
