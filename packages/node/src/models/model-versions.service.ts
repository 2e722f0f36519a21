/**
 * Model versions (issue 12 item 1; standard 000 §7.6 model management: versions, approval,
 * publication; standard 001 §9 模型互联协议). Every training output — one attempt of a task that
 * outputs a `model` — is a version of a named model: `credit@1`, `credit@2`, … A rerun of the
 * task (or another job under the same name) adds a version; it never replaces one.
 *
 * A version is described from this node's point of view:
 * - its own parts (`models` rows) with their digests and the partners' approvals of them;
 * - the other parties' parts as far as they told this node: their digest and feature names
 *   arrive with their request that this node approve their part (never their parameters);
 * - what it was trained with (component, algorithm, the task's parameters at that attempt);
 * - the evaluation reports of that run that scored it (on the result party only: a host holds
 *   no labels and sees no metrics);
 * - when it was created, approved (the last partner approval of the current digests), published
 *   and deployed.
 *
 * Versions are numbered on each node. Every party computes the same default name from the job
 * spec, so their numbers agree while nobody renames; the identity that holds across nodes is the
 * job, task and attempt, which every view carries.
 */
import { componentByCode, roleOf } from '@fedgrid/components';
import { errors, FedGridError } from '../errors/errors.js';
import { partyNodes, type JobSpecBody } from '../jobs/job-spec.js';
import type { Page, PageQuery } from '../server/paging.js';
import { formatVersionRef, parseVersionRef, type VersionRef } from './model-name.js';
import type { EvaluationEntry, ModelVersionsRepo, VersionRow } from './model-versions.repo.js';
import type { ModelService, ModelStatus, ModelView } from './models.service.js';
import type { ApprovalRow, ModelsRepo } from './models.repo.js';

/** One party of a version, as this node knows it. */
export interface VersionPartyView {
  /** `guest`, `host-0`, `arbiter`, … */
  party: string;
  role: string;
  node: string;
  /** Whether this party holds a part of the model (an arbiter does not). */
  holdsPart: boolean;
  /** `self`: this node holds the part; `partner`: another node does. */
  holder: 'self' | 'partner';
  /** This node's part id (own parts only). */
  modelId: string | null;
  /** The part's feature names: own ones, or as the partner sent them (null: not known here). */
  features: string[] | null;
  /** SHA-256 of the part: own, or as the partner asked this node to approve it (null: not known). */
  digest: string | null;
  /**
   * Who approved that digest. Own part: every partner that must approve it. A partner's part:
   * this node's own decision (the only one it knows).
   */
  approvals: { node: string; status: string; decidedAt: string | null }[];
}

export interface ModelVersionView {
  name: string;
  version: number;
  /** `name@version`. */
  ref: string;
  component: string;
  algorithm: string;
  /** `binary`, `multiclass`, `regression`, or null when nothing on this node says. */
  task: string | null;
  job: {
    id: string;
    name: string | null;
    /** The training task's name in the job. */
    task: string;
    /** The task attempt (0: first run; a rerun counts up). */
    attempt: number;
    projectId: string | null;
    flowId: string | null;
  };
  /** The training task's parameters at that attempt. */
  params: Record<string, unknown>;
  parties: VersionPartyView[];
  /** Evaluation reports of the same run that scored this version (result party only). */
  evaluation: EvaluationEntry[];
  /** Status of this node's parts together: the least advanced of them. */
  status: ModelStatus;
  createdAt: string;
  /** When the last partner approved the current digests (null: not every approval is in). */
  approvedAt: string | null;
  /** When every own part was published (null: not all are). */
  publishedAt: string | null;
  /** When the version was deployed for online prediction (null: not deployed). */
  deployedAt: string | null;
}

export interface VersionListQuery extends Pick<PageQuery, 'page' | 'pageSize'> {
  name?: string;
  job?: string;
}

export interface ModelVersionServiceDeps {
  selfNodeId: string;
  versions: ModelVersionsRepo;
  repo: ModelsRepo;
  models: ModelService;
}

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);
const latestOf = (xs: (string | null)[]) =>
  xs.length && xs.every((x) => x !== null)
    ? (xs as string[]).reduce((a, b) => (a > b ? a : b))
    : null;

/** The least advanced status of several parts. */
function combined(statuses: ModelStatus[]): ModelStatus {
  if (statuses.length && statuses.every((s) => s === 'published')) return 'published';
  if (statuses.includes('rejected')) return 'rejected';
  if (statuses.every((s) => s === 'approved' || s === 'published')) return 'approved';
  if (statuses.includes('pending')) return 'pending';
  return 'unapproved';
}

/** Whether a role's program of `component` outputs a model (read from the component's spec). */
function roleHoldsPart(component: string, role: string): boolean {
  try {
    return componentByCode(component).outputs.some(
      (o) => o.kind === 'model' && (o.roles as readonly string[]).includes(role),
    );
  } catch {
    return role !== 'arbiter';
  }
}

export class ModelVersionService {
  constructor(private readonly deps: ModelVersionServiceDeps) {}

  private async row(ref: VersionRef): Promise<VersionRow> {
    const r = await this.deps.versions.get(ref.name, ref.version);
    if (!r)
      throw new FedGridError(
        'NOT_FOUND',
        ref.version === 'latest'
          ? `model '${ref.name}' has no versions on this node (fedgrid model versions lists them)`
          : `model version ${formatVersionRef(ref.name, ref.version)} does not exist on this node (fedgrid model versions ${ref.name} lists its versions)`,
        { model: ref.name, version: ref.version },
      );
    return r;
  }

  /**
   * One version by reference: `name@version`, `name@latest` or a bare `name` (the newest).
   * @param field the request field the reference came from (named in a 400)
   * @throws VALIDATION_FAILED for a malformed reference; NOT_FOUND for an unknown one
   */
  async resolve(ref: string, field = 'ref'): Promise<ModelVersionView> {
    return this.view(await this.row(parseVersionRef(ref, field)));
  }

  /**
   * The version this node holds of one training run. Numbers are per node; the run (job, task,
   * attempt) is what a party names when it asks another party for its part of a version (batch
   * and online prediction).
   * @throws NOT_FOUND when this node holds no part of that run
   */
  async byRun(jobId: string, task: string, attempt: number): Promise<ModelVersionView> {
    const r = await this.deps.versions.getByRun(jobId, task, attempt);
    if (!r)
      throw new FedGridError(
        'NOT_FOUND',
        `node '${this.deps.selfNodeId}' holds no model part of task '${task}' (attempt ${attempt}) of job ${jobId}`,
        { job: jobId, task, attempt },
      );
    return this.view(r);
  }

  async get(name: string, version: number | 'latest'): Promise<ModelVersionView> {
    return this.view(await this.row({ name, version }));
  }

  async list(q: VersionListQuery): Promise<Page<ModelVersionView>> {
    const rows = await this.deps.versions.list({
      ...(q.name !== undefined ? { name: q.name } : {}),
      ...(q.job !== undefined ? { jobId: q.job } : {}),
    });
    const start = (q.page - 1) * q.pageSize;
    const items = await Promise.all(rows.slice(start, start + q.pageSize).map((r) => this.view(r)));
    return { items, total: rows.length, page: q.page, pageSize: q.pageSize };
  }

  /**
   * Records that a version was deployed for online prediction (`at`) or undeployed (`null`).
   * For the serving feature (issue 12 item 3); refused unless every own part is published.
   * @throws CONFLICT when a part is not published (deploying needs a published version)
   */
  async setDeployed(ref: string, at: Date | null): Promise<ModelVersionView> {
    const v = await this.resolve(ref);
    if (at && v.status !== 'published')
      throw errors.conflict(
        `model version ${v.ref} is ${v.status}, not published; publish it first (fedgrid model publish)`,
        { model: v.name, version: v.version, status: v.status },
      );
    await this.deps.versions.setDeployed(v.name, v.version, at);
    return this.get(v.name, v.version);
  }

  private async view(r: VersionRow): Promise<ModelVersionView> {
    const spec = (await this.deps.repo.jobSpec(r.job_id)) as
      (JobSpecBody & { name?: string; projectId?: string; flowId?: string }) | undefined;
    const ids = await this.deps.versions.partIds(r.name, r.version);
    const own: ModelView[] = await Promise.all(ids.map((id) => this.deps.models.get(id)));
    const ownMeta = new Map<string, { features?: string[]; task?: string }>();
    for (const id of ids) {
      const row = await this.deps.repo.getModel(id);
      if (row) ownMeta.set(row.party, (row.meta ?? {}) as { features?: string[]; task?: string });
    }
    const incoming = (
      await this.deps.repo.listApprovals({ direction: 'incoming', jobId: r.job_id })
    ).filter((a) => a.task_name === r.task_name);

    const parties = await this.partiesOf(r, spec);
    const views: VersionPartyView[] = [...parties].map(([party, node]) => {
      const role = roleOf(party);
      const mine = own.find((m) => m.party === party);
      if (mine)
        return {
          party,
          role,
          node,
          holdsPart: true,
          holder: 'self',
          modelId: mine.id,
          features: ownMeta.get(party)?.features ?? null,
          digest: mine.digest,
          approvals: mine.approval.partners.map((p) => ({
            node: p.node,
            status: p.status,
            decidedAt: p.decidedAt,
          })),
        };
      const asked = this.partnerRequest(incoming, party, r.attempt);
      return {
        party,
        role,
        node,
        holdsPart: roleHoldsPart(r.component, role),
        holder: node === this.deps.selfNodeId ? 'self' : 'partner',
        modelId: null,
        features: (asked?.features as string[] | null | undefined) ?? null,
        digest: asked?.digest ?? null,
        approvals: asked
          ? [{ node: this.deps.selfNodeId, status: asked.status, decidedAt: iso(asked.decided_at) }]
          : [],
      };
    });

    const evaluation = (r.evaluation ?? []) as EvaluationEntry[];
    const status = combined(own.map((m) => m.status));
    const decided = own.flatMap((m) => m.approval.partners.map((p) => p.decidedAt));
    return {
      name: r.name,
      version: r.version,
      ref: formatVersionRef(r.name, r.version),
      component: r.component,
      algorithm: r.algorithm,
      task:
        [...ownMeta.values()].find((m) => typeof m.task === 'string')?.task ??
        evaluation.find((e) => e.kind)?.kind ??
        null,
      job: {
        id: r.job_id,
        name: spec?.name || null,
        task: r.task_name,
        attempt: r.attempt,
        projectId: spec?.projectId ?? null,
        flowId: spec?.flowId ?? null,
      },
      params: (r.params ?? {}) as Record<string, unknown>,
      parties: views,
      evaluation,
      status,
      createdAt: new Date(r.created_at).toISOString(),
      approvedAt: status === 'approved' || status === 'published' ? latestOf(decided) : null,
      publishedAt: latestOf(own.map((m) => (m.published?.current ? m.published.at : null))),
      deployedAt: iso(r.deployed_at),
    };
  }

  /** Party → node of the training task (the task's own record, else the job's spec). */
  private async partiesOf(
    r: VersionRow,
    spec: JobSpecBody | undefined,
  ): Promise<Map<string, string>> {
    const parties = await this.deps.repo.taskParties(r.job_id, r.task_name);
    const m = parties
      ? new Map(Object.entries(parties).map(([p, v]) => [p, v.node]))
      : spec
        ? partyNodes(spec)
        : new Map<string, string>();
    return new Map([...m].sort(([a], [b]) => partyOrder(a) - partyOrder(b) || (a < b ? -1 : 1)));
  }

  /**
   * The partner's request that this node approve its part of this version: the one naming the
   * same attempt, else (a requester that does not say) the newest.
   */
  private partnerRequest(
    incoming: ApprovalRow[],
    party: string,
    attempt: number,
  ): ApprovalRow | undefined {
    const of = incoming.filter((a) => a.party === party);
    return of.find((a) => a.attempt === attempt) ?? of.find((a) => a.attempt === null);
  }
}

function partyOrder(p: string): number {
  return p === 'guest' ? 0 : p.startsWith('host') ? 1 : p === 'arbiter' ? 3 : 2;
}
