/**
 * Grants (授权): a data owner lets a partner node use one of its datasets — for any job of the
 * partner, for one job, or for the jobs of one project; optionally until a date, a number of
 * times, and metered (every use recorded for billing). Issue #3 item 3, issue #4 item 9;
 * standard 001 §数据集互联协议 (数据集授权, 数据集权限撤销).
 *
 * Enforcement, on the owner's node:
 *   - when a partner's job is accepted: {@link GrantService.consume} finds a usable grant, counts
 *     one use and records which grant the job consumed (job_grants);
 *   - when each task of that job starts: {@link GrantService.assertUsable} checks that grant
 *     again (revoked or expired since → the task does not start).
 * Expired, revoked and used-up grants fail with GRANT_EXPIRED / GRANT_REVOKED / GRANT_USED_UP
 * naming the grant.
 *
 * The grantee is told of every new grant and revocation (POST /v1/interconn/grant-notices) and
 * keeps a copy (received grants); when that notice is lost it asks the owner
 * (GET /v1/interconn/grants, {@link GrantService.syncReceived}).
 *
 *   grant:  active ──revoke──▶ revoked
 *           active ──(expiresAt passes)──▶ expired      (computed, not stored)
 *           active ──(uses reach maxUses)──▶ used-up    (computed, not stored)
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { ContractService } from '../contracts/contracts.service.js';
import { errors, FedGridError } from '../errors/errors.js';
import type { PeerClient } from '../peers/peer-client.js';
import type { Page } from '../server/paging.js';
import type { Database } from '../storage/schema.js';
import { GrantsRepo, type GrantRow, type ReceivedGrantRow, type UsageRow } from './grants.repo.js';

/** The terms of a grant (and of a grant application). */
export const grantTermsShape = {
  /** Only for this job of the grantee. */
  jobId: z.string().min(1).max(200).optional(),
  /** Only for jobs of this project. */
  projectId: z.string().min(1).max(200).optional(),
  expiresAt: z.string().datetime({ offset: true }).optional(),
  maxUses: z.number().int().positive().optional(),
  /** Record every use (job accepted, task started) for billing. */
  metered: z.boolean().optional(),
};

export const createGrantSchema = z.object({
  dataset: z.string().min(1),
  grantee: z.string().min(1),
  ...grantTermsShape,
});
export type CreateGrantInput = z.input<typeof createGrantSchema>;

export type GrantScope = 'any' | 'job' | 'project';

export interface GrantView {
  id: string;
  datasetId: string;
  /** The dataset's current name (null once the dataset is deleted). */
  datasetName: string | null;
  grantee: string;
  /** any: every job of the grantee; job: `jobId` only; project: jobs of `projectId`. */
  scope: GrantScope;
  jobId: string | null;
  projectId: string | null;
  expiresAt: string | null;
  maxUses: number | null;
  uses: number;
  metered: boolean;
  /** active, revoked, expired or used-up. */
  status: string;
  /** The application this grant answers (null: granted proactively). */
  applicationId: string | null;
  /** Whether the grantee was told of the grant's last change (sent / failed / none). */
  notice: { status: string; error: string | null };
  createdAt: string;
  revokedAt: string | null;
  revokeReason: string | null;
}

/** What an owner tells a grantee about a grant (notice, and the answer to the fallback query). */
export const grantNoticeSchema = z.object({
  id: z.string().min(1).max(300),
  datasetId: z.string().min(1).max(300),
  datasetName: z.string().max(300),
  jobId: z.string().nullable(),
  projectId: z.string().nullable(),
  expiresAt: z.string().datetime({ offset: true }).nullable(),
  maxUses: z.number().int().nullable(),
  uses: z.number().int().min(0),
  metered: z.boolean(),
  /** The stored status: active or revoked (expiry and use count are for the grantee to judge). */
  status: z.enum(['active', 'revoked']),
  applicationId: z.string().nullable(),
  createdAt: z.string().datetime({ offset: true }),
  revokedAt: z.string().datetime({ offset: true }).nullable(),
});
export type GrantNotice = z.infer<typeof grantNoticeSchema>;

/** The grantee's copy of a grant a partner gave it. */
export interface ReceivedGrantView {
  id: string;
  owner: string;
  datasetId: string;
  datasetName: string;
  scope: GrantScope;
  jobId: string | null;
  projectId: string | null;
  expiresAt: string | null;
  maxUses: number | null;
  /** Uses as of the last notice or sync (the owner counts). */
  uses: number;
  metered: boolean;
  /** active, revoked, expired, used-up, or deleted (the owner no longer has it). */
  status: string;
  applicationId: string | null;
  grantedAt: string;
  revokedAt: string | null;
  /** When this node last heard about the grant. */
  receivedAt: string;
}

export interface UsageView {
  id: number;
  grantId: string;
  datasetId: string;
  grantee: string;
  jobId: string;
  task: string | null;
  party: string | null;
  /** job-accepted or job-rerun (the counted uses), or task-started. */
  event: string;
  rows: number;
  at: string;
}

const iso = (d: Date | string | null): string | null => (d ? new Date(d).toISOString() : null);

function scopeOf(jobId: string | null, projectId: string | null): GrantScope {
  return jobId ? 'job' : projectId ? 'project' : 'any';
}

/** Status as seen now: stored 'revoked', else computed expiry and use count. */
export function effectiveStatus(r: {
  status: string;
  expires_at: Date | string | null;
  max_uses: number | null;
  uses: number;
}): string {
  if (r.status !== 'active') return r.status;
  if (r.expires_at !== null && new Date(r.expires_at) <= new Date()) return 'expired';
  if (r.max_uses !== null && r.uses >= r.max_uses) return 'used-up';
  return 'active';
}

function view(r: GrantRow): GrantView {
  return {
    id: r.id,
    datasetId: r.dataset_id,
    datasetName: r.dataset_name,
    grantee: r.grantee_node_id,
    scope: scopeOf(r.job_id, r.project_id),
    jobId: r.job_id,
    projectId: r.project_id,
    expiresAt: iso(r.expires_at),
    maxUses: r.max_uses,
    uses: r.uses,
    metered: r.metered,
    status: effectiveStatus(r),
    applicationId: r.application_id,
    notice: { status: r.notice_status, error: r.notice_error },
    createdAt: new Date(r.created_at).toISOString(),
    revokedAt: iso(r.revoked_at),
    revokeReason: r.revoke_reason,
  };
}

function notice(r: GrantRow): GrantNotice {
  return {
    id: r.id,
    datasetId: r.dataset_id,
    datasetName: r.dataset_name ?? r.dataset_id,
    jobId: r.job_id,
    projectId: r.project_id,
    expiresAt: iso(r.expires_at),
    maxUses: r.max_uses,
    uses: r.uses,
    metered: r.metered,
    status: r.status === 'revoked' ? 'revoked' : 'active',
    applicationId: r.application_id,
    createdAt: new Date(r.created_at).toISOString(),
    revokedAt: iso(r.revoked_at),
  };
}

function receivedView(r: ReceivedGrantRow): ReceivedGrantView {
  return {
    id: r.id,
    owner: r.owner_node_id,
    datasetId: r.dataset_id,
    datasetName: r.dataset_name,
    scope: scopeOf(r.job_id, r.project_id),
    jobId: r.job_id,
    projectId: r.project_id,
    expiresAt: iso(r.expires_at),
    maxUses: r.max_uses,
    uses: r.uses,
    metered: r.metered,
    status: effectiveStatus(r),
    applicationId: r.application_id,
    grantedAt: new Date(r.granted_at).toISOString(),
    revokedAt: iso(r.revoked_at),
    receivedAt: new Date(r.received_at).toISOString(),
  };
}

function usageView(r: UsageRow): UsageView {
  return {
    id: Number(r.id),
    grantId: r.grant_id,
    datasetId: r.dataset_id,
    grantee: r.grantee_node_id,
    jobId: r.job_id,
    task: r.task_name,
    party: r.party,
    event: r.event,
    rows: r.rows,
    at: new Date(r.at).toISOString(),
  };
}

/** Checks that terms name at most one of job and project. */
export function checkTerms(t: {
  jobId?: string | undefined;
  projectId?: string | undefined;
}): void {
  if (t.jobId && t.projectId) {
    throw errors.validation(
      'a grant is for one job (jobId) or for the jobs of one project (projectId), not both; leave one out',
      { field: 'projectId' },
    );
  }
}

/** Partner calls; set by {@link GrantService.connect} when the node starts. */
export interface GrantNetwork {
  nodeId: string;
  contracts: ContractService;
  peers: PeerClient;
}

export class GrantService {
  readonly repo: GrantsRepo;
  private net?: GrantNetwork;
  private readonly revokeListeners: ((grantId: string, reason: string) => Promise<void>)[] = [];

  constructor(
    db: Kysely<Database>,
    private readonly resolveDataset: (idOrName: string) => Promise<{ id: string }>,
  ) {
    this.repo = new GrantsRepo(db);
  }

  /**
   * Gives the service this node's id and its partner connections: grant ids are then prefixed
   * with the node id, and grantees are told of new and revoked grants.
   */
  connect(net: GrantNetwork): void {
    this.net = net;
  }

  private get nodeId(): string | undefined {
    return this.net?.nodeId;
  }

  /** The network, or a clear error when the service runs without one (tests, tools). */
  network(): GrantNetwork {
    if (!this.net)
      throw new FedGridError('INTERNAL', 'grant service is not connected to the partner network');
    return this.net;
  }

  /**
   * Grants `grantee` the use of a dataset (proactive grant, or the owner confirming an
   * application) and tells the grantee. A failed notice does not undo the grant: it is recorded
   * (`notice.status: failed`) and the grantee can ask (GET /v1/interconn/grants).
   * @throws FedGridError NOT_FOUND (dataset), VALIDATION_FAILED (terms).
   */
  async create(input: CreateGrantInput, opts: { applicationId?: string } = {}): Promise<GrantView> {
    const inp = createGrantSchema.parse(input);
    checkTerms(inp);
    if (this.nodeId && inp.grantee === this.nodeId)
      throw errors.validation(`a node does not need a grant for its own dataset`, {
        field: 'grantee',
      });
    const ds = await this.resolveDataset(inp.dataset);
    const id = this.nodeId ? `${this.nodeId}:grant-${randomUUID()}` : `grant-${randomUUID()}`;
    await this.repo.insertGrant({
      id,
      dataset_id: ds.id,
      grantee_node_id: inp.grantee,
      job_id: inp.jobId ?? null,
      project_id: inp.projectId ?? null,
      expires_at: inp.expiresAt ?? null,
      max_uses: inp.maxUses ?? null,
      uses: 0,
      status: 'active',
      metered: inp.metered ?? false,
      application_id: opts.applicationId ?? null,
    });
    if (this.net) await this.notify(id);
    return this.get(id);
  }

  async get(id: string): Promise<GrantView> {
    const r = await this.repo.getGrant(id);
    if (!r) throw errors.notFound('grant', id);
    return view(r);
  }

  async list(
    filter: { dataset?: string; grantee?: string; status?: string } = {},
  ): Promise<GrantView[]> {
    const datasetId = filter.dataset ? (await this.resolveDataset(filter.dataset)).id : undefined;
    const rows = await this.repo.listGrants({
      ...(datasetId ? { datasetId } : {}),
      ...(filter.grantee ? { grantee: filter.grantee } : {}),
    });
    const views = rows.map(view);
    return filter.status ? views.filter((g) => g.status === filter.status) : views;
  }

  /**
   * Registers what happens to the jobs using a grant when it is revoked (the jobs service ends
   * them: revocation takes effect during a task, see docs/SECURITY.md).
   */
  onRevoke(listener: (grantId: string, reason: string) => Promise<void>): void {
    this.revokeListeners.push(listener);
  }

  /** Jobs that consumed grant `grantId`. */
  jobsOf(grantId: string): Promise<string[]> {
    return this.repo.jobsOfGrant(grantId);
  }

  /**
   * Revokes a grant, ends the running jobs that use it, and tells the grantee.
   * @throws CONFLICT when already revoked.
   */
  async revoke(id: string, reason?: string): Promise<GrantView> {
    const g = await this.get(id);
    if (g.status === 'revoked')
      throw new FedGridError('CONFLICT', `grant ${id} is already revoked`, { grant: id });
    await this.repo.updateGrant(id, {
      status: 'revoked',
      revoked_at: new Date(),
      revoke_reason: reason ?? null,
    });
    for (const l of this.revokeListeners) await l(id, reason ?? 'revoked');
    if (this.net) await this.notify(id);
    return this.get(id);
  }

  /** Active (unexpired, not used-up) grants of a dataset. */
  async activeFor(datasetId: string): Promise<GrantView[]> {
    return (await this.repo.listGrants({ datasetId }))
      .map(view)
      .filter((g) => g.status === 'active');
  }

  /**
   * Tells the grantee the grant's current terms and status (POST /v1/interconn/grant-notices)
   * and records whether that worked. Never throws for a partner failure.
   */
  async notify(id: string): Promise<GrantView> {
    const r = await this.repo.getGrant(id);
    if (!r) throw errors.notFound('grant', id);
    const net = this.network();
    try {
      await net.peers.call(
        await net.contracts.peerApi(r.grantee_node_id),
        'POST',
        '/v1/interconn/grant-notices',
        notice(r),
      );
      await this.repo.updateGrant(id, { notice_status: 'sent', notice_error: null });
    } catch (err) {
      await this.repo.updateGrant(id, {
        notice_status: 'failed',
        notice_error: (err as Error).message,
      });
    }
    return this.get(id);
  }

  private refusal(
    g: GrantView,
    datasetId: string,
    grantee: string,
    context: Record<string, string>,
  ): FedGridError {
    const code =
      g.status === 'revoked'
        ? 'GRANT_REVOKED'
        : g.status === 'expired'
          ? 'GRANT_EXPIRED'
          : 'GRANT_USED_UP';
    const why =
      g.status === 'revoked'
        ? `was revoked${g.revokedAt ? ` at ${g.revokedAt}` : ''}${g.revokeReason ? ` (${g.revokeReason})` : ''}`
        : g.status === 'expired'
          ? `expired at ${g.expiresAt}`
          : `is used up (${g.uses} of ${g.maxUses} uses)`;
    const where = context['rerun']
      ? `; a rerun of job ${context['job']} recomputes on the data and counts as another use`
      : context['task']
        ? `; task '${context['task']}' of job ${context['job']} cannot start`
        : context['job']
          ? `; job ${context['job']} cannot use it`
          : '';
    return new FedGridError(
      code,
      `grant ${g.id} of dataset ${g.datasetName ?? datasetId} to '${grantee}' ${why}${where}; ask the owner for a new grant (fedgrid grant apply)`,
      { grant: g.id, dataset: datasetId, grantee, status: g.status, ...context },
    );
  }

  /**
   * Finds a usable grant of `datasetId` to `grantee` for `jobId` and consumes one use,
   * atomically; records which grant the job consumed (job_grants) and, for a metered grant, the
   * use. Calling it again for the same job and dataset consumes nothing more.
   * @param ctx.projectId the job's project (project-scoped grants serve only its jobs); read
   *   from the stored job when not given.
   * @throws FedGridError GRANT_MISSING / GRANT_EXPIRED / GRANT_REVOKED / GRANT_USED_UP naming the grant.
   */
  async consume(
    datasetId: string,
    grantee: string,
    jobId: string,
    ctx: { projectId?: string | undefined } = {},
  ): Promise<GrantView> {
    const projectId = ctx.projectId ?? (await this.repo.jobProject(jobId));
    return this.repo.db.transaction().execute(async (trx) => {
      const already = await this.repo.jobGrant(jobId, datasetId, grantee, trx);
      if (already) {
        const r = await this.repo.getGrant(already, trx);
        if (r) {
          const g = view(r);
          if (g.status === 'revoked' || g.status === 'expired')
            throw this.refusal(g, datasetId, grantee, { job: jobId });
          return g;
        }
      }
      const views = (await this.repo.candidates(trx, datasetId, grantee, jobId, projectId)).map(
        view,
      );
      // The most specific usable grant: this job, then this project, then any job.
      const rank = (g: GrantView) => (g.scope === 'job' ? 0 : g.scope === 'project' ? 1 : 2);
      const usable = views
        .filter((g) => g.status === 'active')
        .sort((a, b) => rank(a) - rank(b))[0];
      if (!usable) {
        const last = views[0];
        if (last) throw this.refusal(last, datasetId, grantee, { job: jobId });
        throw new FedGridError(
          'GRANT_MISSING',
          `node '${grantee}' has no grant to use dataset ${datasetId}${projectId ? ` in project ${projectId}` : ''}; the owner must grant it (fedgrid grant create), or the node applies (fedgrid grant apply)`,
          { dataset: datasetId, grantee, job: jobId },
        );
      }
      await this.repo.addUse(trx, usable.id);
      await this.repo.recordJobGrant(trx, { jobId, datasetId, grantee, grantId: usable.id });
      if (usable.metered) {
        const ds = await this.repo.datasetRows(datasetId, trx);
        await this.repo.addUsage(
          {
            grantId: usable.id,
            datasetId,
            grantee,
            jobId,
            task: null,
            party: null,
            event: 'job-accepted',
            rows: ds?.rows ?? 0,
          },
          trx,
        );
      }
      return { ...usable, uses: usable.uses + 1 };
    });
  }

  /**
   * An online use of a dataset outside any job (a partner's online PIR request): the grantee
   * must hold an active grant of the dataset that is neither job- nor project-scoped; one use
   * is counted on it, and recorded in its usage when metered (`event`, `ref` in place of a job
   * id), in one transaction.
   * @param ref names the request in the usage record (never its content).
   * @throws FedGridError GRANT_MISSING / GRANT_EXPIRED / GRANT_REVOKED / GRANT_USED_UP naming the grant.
   */
  async consumeOnline(
    datasetId: string,
    grantee: string,
    use: { event: 'pir-query'; ref: string; rows: number },
  ): Promise<GrantView> {
    return this.repo.db.transaction().execute(async (trx) => {
      const views = (await this.repo.candidates(trx, datasetId, grantee, '', undefined))
        .map(view)
        .filter((g) => g.scope === 'any');
      const usable = views.find((g) => g.status === 'active');
      if (!usable) {
        const last = views[0];
        if (last) throw this.refusal(last, datasetId, grantee, { use: use.event });
        throw new FedGridError(
          'GRANT_MISSING',
          `node '${grantee}' has no grant to use dataset ${datasetId} outside a job (${use.event}); the owner must grant it (fedgrid grant create, without job or project), or the node applies (fedgrid grant apply)`,
          { dataset: datasetId, grantee },
        );
      }
      await this.repo.addUse(trx, usable.id);
      if (usable.metered) {
        await this.repo.addUsage(
          {
            grantId: usable.id,
            datasetId,
            grantee,
            jobId: use.ref,
            task: null,
            party: null,
            event: use.event,
            rows: use.rows,
          },
          trx,
        );
      }
      return { ...usable, uses: usable.uses + 1 };
    });
  }

  /**
   * A rerun of an accepted job recomputes on the owner's data: it counts one more use of the
   * grant the job consumed (and records it when metered), atomically.
   * @throws FedGridError GRANT_USED_UP / GRANT_REVOKED / GRANT_EXPIRED naming the grant;
   *   GRANT_MISSING when the job consumed no grant of this dataset.
   */
  async consumeRerun(jobId: string, datasetId: string, grantee: string): Promise<GrantView> {
    return this.repo.db.transaction().execute(async (trx) => {
      const id = await this.repo.jobGrant(jobId, datasetId, grantee, trx);
      const r = id ? await this.repo.getGrant(id, trx) : undefined;
      if (!r) {
        throw new FedGridError(
          'GRANT_MISSING',
          `job ${jobId} holds no grant of dataset ${datasetId} for '${grantee}'; a rerun cannot use it`,
          { dataset: datasetId, grantee, job: jobId },
        );
      }
      const g = view(r);
      if (g.status !== 'active')
        throw this.refusal(g, datasetId, grantee, { job: jobId, rerun: 'true' });
      await this.repo.addUse(trx, g.id);
      if (g.metered) {
        const ds = await this.repo.datasetRows(datasetId, trx);
        await this.repo.addUsage(
          {
            grantId: g.id,
            datasetId,
            grantee,
            jobId,
            task: null,
            party: null,
            event: 'job-rerun',
            rows: ds?.rows ?? 0,
          },
          trx,
        );
      }
      return { ...g, uses: g.uses + 1 };
    });
  }

  /**
   * The task-start check, on the dataset owner's node: before a party of `jobId` that reads
   * `dataset` (id or name) starts a task, the grant the job consumed must still be neither
   * revoked nor expired (a job that consumed the last use may still run all its tasks). A job
   * without a recorded grant (accepted before grants were recorded) consumes one now. A metered
   * grant records the use when `use.task` is given. No grant is needed when `grantee` is this
   * node itself (its own dataset); then it returns null.
   * @throws FedGridError GRANT_REVOKED / GRANT_EXPIRED / GRANT_USED_UP / GRANT_MISSING naming
   *   the grant, job and task; NOT_FOUND when the dataset is gone.
   */
  async assertUsable(
    jobId: string,
    dataset: string,
    granteeNodeId: string,
    use: { task?: string; party?: string; rows?: number } = {},
  ): Promise<GrantView | null> {
    if (this.nodeId && granteeNodeId === this.nodeId) return null;
    const ds = await this.repo.datasetRows(dataset);
    if (!ds) throw errors.notFound('dataset', dataset);
    const context = { job: jobId, ...(use.task ? { task: use.task } : {}) };
    const grantId = await this.repo.jobGrant(jobId, ds.id, granteeNodeId);
    let g: GrantView;
    if (grantId) {
      const r = await this.repo.getGrant(grantId);
      if (!r) {
        throw new FedGridError(
          'GRANT_REVOKED',
          `grant ${grantId} of dataset ${ds.name} to '${granteeNodeId}' no longer exists; task '${use.task ?? '?'}' of job ${jobId} cannot start`,
          { grant: grantId, dataset: ds.id, grantee: granteeNodeId, ...context },
        );
      }
      g = view(r);
      if (g.status === 'revoked' || g.status === 'expired')
        throw this.refusal(g, ds.id, granteeNodeId, context);
    } else {
      try {
        g = await this.consume(ds.id, granteeNodeId, jobId);
      } catch (err) {
        if (err instanceof FedGridError && err.code.startsWith('GRANT_') && use.task) {
          throw new FedGridError(err.code, `${err.message} (task '${use.task}' of job ${jobId})`, {
            ...err.details,
            task: use.task,
          });
        }
        throw err;
      }
    }
    if (g.metered && use.task) {
      await this.repo.addUsage({
        grantId: g.id,
        datasetId: ds.id,
        grantee: granteeNodeId,
        jobId,
        task: use.task,
        party: use.party ?? null,
        event: 'task-started',
        rows: use.rows ?? ds.rows,
      });
    }
    return g;
  }

  /**
   * Recorded uses of a grant (metered grants record every use). Usage outlives the grant: rows
   * of a grant deleted with its dataset are still listed.
   */
  async usage(
    grantId: string,
  ): Promise<{ grant: GrantView | null; items: UsageView[]; rows: number }> {
    const r = await this.repo.getGrant(grantId);
    const items = (await this.repo.usages(grantId)).map(usageView);
    if (!r && items.length === 0) throw errors.notFound('grant', grantId);
    return { grant: r ? view(r) : null, items, rows: items.reduce((s, u) => s + u.rows, 0) };
  }

  // Partner (owner) side of the grantee's queries.

  /** Every grant this node gave `caller` (any status), as notices. */
  async noticesFor(caller: string): Promise<GrantNotice[]> {
    return (await this.repo.listGrants({ grantee: caller })).map(notice);
  }

  /** One grant given to `caller`. @throws NOT_FOUND unless it exists and was given to the caller. */
  async noticeFor(caller: string, id: string): Promise<GrantNotice> {
    const r = await this.repo.getGrant(id);
    if (!r || r.grantee_node_id !== caller) throw errors.notFound('grant', id);
    return notice(r);
  }

  /** Notice of a grant by id (for the application answer). */
  async noticeOf(id: string): Promise<GrantNotice> {
    const r = await this.repo.getGrant(id);
    if (!r) throw errors.notFound('grant', id);
    return notice(r);
  }

  // Grantee side.

  /**
   * A partner told us about a grant it gave us (new, revoked, or answering our query); stores or
   * updates our copy. When it answers one of our pending applications, that application is
   * confirmed too.
   */
  async onNotice(owner: string, body: unknown): Promise<ReceivedGrantView> {
    const n = grantNoticeSchema.parse(body);
    await this.repo.upsertReceived({
      owner_node_id: owner,
      id: n.id,
      dataset_id: n.datasetId,
      dataset_name: n.datasetName,
      job_id: n.jobId,
      project_id: n.projectId,
      expires_at: n.expiresAt,
      max_uses: n.maxUses,
      uses: n.uses,
      metered: n.metered,
      status: n.status,
      application_id: n.applicationId,
      granted_at: n.createdAt,
      revoked_at: n.revokedAt,
    });
    if (n.applicationId) {
      const app = await this.repo.getApplication(n.applicationId);
      if (app && app.direction === 'outgoing' && app.owner_node_id === owner) {
        await this.repo.updateApplication(
          app.id,
          { status: 'confirmed', grant_id: n.id, answered_at: new Date() },
          'pending',
        );
      }
    }
    const row = (await this.repo.listReceived({ owner })).find((r) => r.id === n.id);
    return receivedView(row as ReceivedGrantRow);
  }

  async listReceived(
    f: { owner?: string; dataset?: string; status?: string } = {},
  ): Promise<ReceivedGrantView[]> {
    const views = (
      await this.repo.listReceived({
        ...(f.owner ? { owner: f.owner } : {}),
        ...(f.dataset ? { datasetId: f.dataset } : {}),
      })
    ).map(receivedView);
    return views.filter(
      (g) => (!f.status || g.status === f.status) && (!f.dataset || g.datasetId === f.dataset),
    );
  }

  /**
   * The fallback for lost notices: asks `owner` for every grant it gave this node and updates
   * our copies; grants the owner no longer has (dataset deleted) become `deleted`.
   */
  async syncReceived(owner: string): Promise<ReceivedGrantView[]> {
    const net = this.network();
    const api = await net.contracts.peerApi(owner);
    const seen = new Set<string>();
    for (let page = 1; ; page++) {
      const r = await net.peers.call<Page<GrantNotice>>(
        api,
        'GET',
        `/v1/interconn/grants?page=${page}&pageSize=1000`,
      );
      for (const n of r.items) {
        await this.onNotice(owner, n);
        seen.add(n.id);
      }
      if (page * r.pageSize >= r.total || r.items.length === 0) break;
    }
    const gone = (await this.repo.listReceived({ owner }))
      .filter((g) => !seen.has(g.id) && g.status !== 'deleted')
      .map((g) => g.id);
    await this.repo.markReceived(owner, gone, 'deleted');
    return this.listReceived({ owner });
  }
}
