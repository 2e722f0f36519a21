/**
 * Grant applications (数据集授权申请, standard 001 §数据集互联协议): a node asks a partner for the
 * use of one of the partner's datasets, with the terms it wants (scope: any job of the
 * applicant, one job, or one project; expiry; maximum uses; metering).
 *
 *   applicant (grantee)                                owner
 *   apply  ── POST /v1/interconn/grant-applications ──▶ pending (incoming)
 *   pending (outgoing)
 *   cancel ── POST …/grant-applications/:id/cancel ───▶ cancelled      (only while pending)
 *                                                      confirm → grant created with those terms
 *          ◀── POST …/grant-applications/:id/answer ── confirmed | rejected   (callback)
 *          ◀── POST /v1/interconn/grant-notices ─────── (the grant itself, see GrantService)
 *   query  ── GET …/grant-applications/:id ───────────▶ status (+ grant): the fallback when the
 *                                                      callback was lost
 *
 * The applicant creates the id (`<applicant>:gapp-<uuid>`), so a retried application with the
 * same id returns the existing record. States: pending → confirmed | rejected | cancelled.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ContractService } from '../contracts/contracts.service.js';
import { errors, FedGridError } from '../errors/errors.js';
import type { PeerClient } from '../peers/peer-client.js';
import type { ApplicationRow } from './grants.repo.js';
import {
  checkTerms,
  grantNoticeSchema,
  grantTermsShape,
  type GrantScope,
  type GrantService,
} from './grants.service.js';

export const applySchema = z.object({
  /** The node that owns the dataset. */
  owner: z.string().min(1).max(64),
  /** The dataset's id (or name) on the owner's node. */
  dataset: z.string().min(1).max(300),
  ...grantTermsShape,
  /** Why the applicant needs the data (shown to the owner's admin). */
  reason: z.string().max(2000).default(''),
});
export type ApplyInput = z.input<typeof applySchema>;

/** What the applicant sends the owner. */
export const applicationRequestSchema = z.object({
  id: z.string().min(1).max(300),
  dataset: z.string().min(1).max(300),
  ...grantTermsShape,
  reason: z.string().max(2000).default(''),
});

/** The owner's answer (callback) and the answer to the status query. */
export const applicationAnswerSchema = z.object({
  id: z.string().min(1).max(300),
  status: z.enum(['pending', 'confirmed', 'rejected', 'cancelled']),
  statusReason: z.string().max(2000).nullable().default(null),
  datasetId: z.string().min(1).max(300),
  datasetName: z.string().max(300).nullable().default(null),
  grant: grantNoticeSchema.nullable().default(null),
});
export type ApplicationAnswer = z.infer<typeof applicationAnswerSchema>;

export interface ApplicationView {
  id: string;
  /** outgoing: this node applied; incoming: a partner applied for one of our datasets. */
  direction: 'outgoing' | 'incoming';
  applicant: string;
  owner: string;
  datasetId: string;
  datasetName: string | null;
  scope: GrantScope;
  jobId: string | null;
  projectId: string | null;
  expiresAt: string | null;
  maxUses: number | null;
  metered: boolean;
  reason: string;
  /** pending, confirmed, rejected or cancelled. */
  status: string;
  statusReason: string | null;
  /** The grant created on confirmation. */
  grantId: string | null;
  /** Owner side: whether the applicant was told of the answer (sent / failed). */
  callback: { status: string; error: string | null } | null;
  createdAt: string;
  updatedAt: string;
  answeredAt: string | null;
}

const iso = (d: Date | string | null): string | null => (d ? new Date(d).toISOString() : null);

function view(r: ApplicationRow): ApplicationView {
  return {
    id: r.id,
    direction: r.direction as ApplicationView['direction'],
    applicant: r.applicant_node_id,
    owner: r.owner_node_id,
    datasetId: r.dataset_id,
    datasetName: r.dataset_name,
    scope: r.job_id ? 'job' : r.project_id ? 'project' : 'any',
    jobId: r.job_id,
    projectId: r.project_id,
    expiresAt: iso(r.expires_at),
    maxUses: r.max_uses,
    metered: r.metered,
    reason: r.reason,
    status: r.status,
    statusReason: r.status_reason,
    grantId: r.grant_id,
    callback: r.callback_status ? { status: r.callback_status, error: r.callback_error } : null,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
    answeredAt: iso(r.answered_at),
  };
}

export interface GrantApplicationDeps {
  nodeId: string;
  grants: GrantService;
  contracts: ContractService;
  peers: PeerClient;
  /** The owner's dataset as a partner may see it (listed or already granted), else NOT_FOUND. */
  visibleDataset(caller: string, idOrName: string): Promise<{ id: string; name: string }>;
}

const enc = encodeURIComponent;

export class GrantApplicationService {
  constructor(private readonly deps: GrantApplicationDeps) {}

  private get repo() {
    return this.deps.grants.repo;
  }

  private async row(id: string): Promise<ApplicationRow> {
    const r = await this.repo.getApplication(id);
    if (!r) throw errors.notFound('grant application', id);
    return r;
  }

  async get(id: string): Promise<ApplicationView> {
    return view(await this.row(id));
  }

  async list(
    f: { direction?: string; status?: string; dataset?: string; peer?: string } = {},
  ): Promise<ApplicationView[]> {
    return (
      await this.repo.listApplications({
        ...(f.direction ? { direction: f.direction } : {}),
        ...(f.status ? { status: f.status } : {}),
        ...(f.dataset ? { datasetId: f.dataset } : {}),
        ...(f.peer ? { peer: f.peer } : {}),
      })
    ).map(view);
  }

  private state(r: ApplicationRow, want: 'incoming' | 'outgoing', action: string): void {
    if (r.direction !== want || r.status !== 'pending') {
      throw new FedGridError(
        'CONFLICT',
        `grant application ${r.id} is ${r.status} (${r.direction}); only a pending ${want} application can be ${action}${r.direction !== want ? (want === 'incoming' ? ' — the dataset owner answers it' : ' — the applicant cancels it') : ''}`,
        { application: r.id, status: r.status, direction: r.direction },
      );
    }
  }

  // Applicant side.

  /**
   * Applies to `owner` for the use of one of its datasets. The application is stored here only
   * once the owner has stored it.
   * @throws FedGridError FORBIDDEN (no contract), PEER_REFUSED (e.g. the owner does not show that
   *   dataset to us: NOT_FOUND), PEER_UNREACHABLE, VALIDATION_FAILED.
   */
  async apply(input: ApplyInput): Promise<ApplicationView> {
    const inp = applySchema.parse(input);
    checkTerms(inp);
    if (inp.owner === this.deps.nodeId)
      throw errors.validation('a node does not apply for its own dataset', { field: 'owner' });
    const api = await this.deps.contracts.peerApi(inp.owner);
    const id = `${this.deps.nodeId}:gapp-${randomUUID()}`;
    const answer = applicationAnswerSchema.parse(
      await this.deps.peers.call(api, 'POST', '/v1/interconn/grant-applications', {
        id,
        dataset: inp.dataset,
        ...(inp.jobId ? { jobId: inp.jobId } : {}),
        ...(inp.projectId ? { projectId: inp.projectId } : {}),
        ...(inp.expiresAt ? { expiresAt: inp.expiresAt } : {}),
        ...(inp.maxUses !== undefined ? { maxUses: inp.maxUses } : {}),
        ...(inp.metered !== undefined ? { metered: inp.metered } : {}),
        reason: inp.reason,
      }),
    );
    await this.repo.insertApplication({
      id,
      direction: 'outgoing',
      applicant_node_id: this.deps.nodeId,
      owner_node_id: inp.owner,
      dataset_id: answer.datasetId,
      dataset_name: answer.datasetName,
      job_id: inp.jobId ?? null,
      project_id: inp.projectId ?? null,
      expires_at: inp.expiresAt ?? null,
      max_uses: inp.maxUses ?? null,
      metered: inp.metered ?? false,
      reason: inp.reason,
      status: 'pending',
    });
    // The owner may already have answered (an automatic answer, or a retried application).
    if (answer.status !== 'pending') await this.applyAnswer(inp.owner, answer);
    return this.get(id);
  }

  /** Records the owner's answer (callback or query) on our outgoing application; idempotent. */
  private async applyAnswer(owner: string, a: ApplicationAnswer): Promise<ApplicationView> {
    const r = await this.row(a.id);
    if (r.direction !== 'outgoing' || r.owner_node_id !== owner)
      throw errors.notFound('grant application', a.id);
    if (a.grant) await this.deps.grants.onNotice(owner, a.grant);
    if (a.status !== 'pending' && r.status !== a.status) {
      await this.repo.updateApplication(r.id, {
        status: a.status,
        status_reason: a.statusReason,
        grant_id: a.grant?.id ?? r.grant_id,
        dataset_name: a.datasetName ?? r.dataset_name,
        answered_at: new Date(),
      });
    }
    return this.get(r.id);
  }

  /**
   * Cancels our pending application; the owner must agree that it is still pending (else its
   * real state is fetched and the cancellation refused).
   * @throws CONFLICT when not pending (here or at the owner), PEER_UNREACHABLE.
   */
  async cancel(id: string): Promise<ApplicationView> {
    const r = await this.row(id);
    this.state(r, 'outgoing', 'cancelled');
    const api = await this.deps.contracts.peerApi(r.owner_node_id);
    try {
      await this.deps.peers.call(
        api,
        'POST',
        `/v1/interconn/grant-applications/${enc(id)}/cancel`,
        {},
      );
    } catch (err) {
      if (err instanceof FedGridError && err.details?.['peerCode'] === 'CONFLICT') {
        const now = await this.query(id);
        throw new FedGridError(
          'CONFLICT',
          `grant application ${id} can no longer be cancelled: the owner '${r.owner_node_id}' has it ${now.status}`,
          { application: id, status: now.status },
        );
      }
      throw err;
    }
    await this.repo.updateApplication(
      id,
      { status: 'cancelled', status_reason: 'cancelled by the applicant', answered_at: new Date() },
      'pending',
    );
    return this.get(id);
  }

  /**
   * The status query (数据集授权查询): asks the owner for the application's state and records it.
   * The fallback when the owner's callback was lost.
   */
  async query(id: string): Promise<ApplicationView> {
    const r = await this.row(id);
    if (r.direction !== 'outgoing') {
      throw new FedGridError(
        'CONFLICT',
        `grant application ${id} is incoming: this node owns the dataset and knows its state`,
        { application: id },
      );
    }
    const api = await this.deps.contracts.peerApi(r.owner_node_id);
    const a = applicationAnswerSchema.parse(
      await this.deps.peers.call(api, 'GET', `/v1/interconn/grant-applications/${enc(id)}`),
    );
    return this.applyAnswer(r.owner_node_id, a);
  }

  /** Partner (owner) called back with its answer. */
  async onAnswer(owner: string, id: string, body: unknown): Promise<ApplicationView> {
    const a = applicationAnswerSchema.parse({ ...(body as object), id });
    return this.applyAnswer(owner, a);
  }

  // Owner side.

  private async answerOf(r: ApplicationRow): Promise<ApplicationAnswer> {
    return {
      id: r.id,
      // 'confirming' is the owner's short claim while it creates the grant.
      status: (r.status === 'confirming' ? 'pending' : r.status) as ApplicationAnswer['status'],
      statusReason: r.status_reason,
      datasetId: r.dataset_id,
      datasetName: r.dataset_name,
      grant: r.grant_id ? await this.deps.grants.noticeOf(r.grant_id).catch(() => null) : null,
    };
  }

  /** A partner applies (stored pending); a retried application returns the stored one. */
  async receive(applicant: string, body: unknown): Promise<ApplicationAnswer> {
    const req = applicationRequestSchema.parse(body);
    checkTerms(req);
    if (!req.id.startsWith(`${applicant}:`)) {
      throw errors.validation(
        `application ids are made by the applicant and start with its node id ('${applicant}:')`,
        { field: 'id' },
      );
    }
    const existing = await this.repo.getApplication(req.id);
    if (existing) {
      if (existing.direction !== 'incoming' || existing.applicant_node_id !== applicant)
        throw errors.conflict(`grant application ${req.id} already exists`);
      return this.answerOf(existing);
    }
    const ds = await this.deps.visibleDataset(applicant, req.dataset);
    await this.repo.insertApplication({
      id: req.id,
      direction: 'incoming',
      applicant_node_id: applicant,
      owner_node_id: this.deps.nodeId,
      dataset_id: ds.id,
      dataset_name: ds.name,
      job_id: req.jobId ?? null,
      project_id: req.projectId ?? null,
      expires_at: req.expiresAt ?? null,
      max_uses: req.maxUses ?? null,
      metered: req.metered ?? false,
      reason: req.reason,
      status: 'pending',
    });
    return this.answerOf(await this.row(req.id));
  }

  /** The applicant asks for the state of its application (status query). */
  async answerFor(applicant: string, id: string): Promise<ApplicationAnswer> {
    const r = await this.repo.getApplication(id);
    if (!r || r.direction !== 'incoming' || r.applicant_node_id !== applicant)
      throw errors.notFound('grant application', id);
    return this.answerOf(r);
  }

  /** The applicant cancels (only while pending). */
  async onCancel(applicant: string, id: string): Promise<ApplicationAnswer> {
    const r = await this.repo.getApplication(id);
    if (!r || r.direction !== 'incoming' || r.applicant_node_id !== applicant)
      throw errors.notFound('grant application', id);
    if (r.status === 'cancelled') return this.answerOf(r);
    this.state(r, 'incoming', 'cancelled');
    const done = await this.repo.updateApplication(
      id,
      {
        status: 'cancelled',
        status_reason: 'cancelled by the applicant',
        answered_at: new Date(),
      },
      'pending',
    );
    if (!done) this.state(await this.row(id), 'incoming', 'cancelled');
    return this.answerOf(await this.row(id));
  }

  /** Tells the applicant the answer; records whether that worked (the query is the fallback). */
  private async callback(id: string): Promise<void> {
    const r = await this.row(id);
    try {
      await this.deps.peers.call(
        await this.deps.contracts.peerApi(r.applicant_node_id),
        'POST',
        `/v1/interconn/grant-applications/${enc(id)}/answer`,
        await this.answerOf(r),
      );
      await this.repo.updateApplication(id, { callback_status: 'sent', callback_error: null });
    } catch (err) {
      await this.repo.updateApplication(id, {
        callback_status: 'failed',
        callback_error: (err as Error).message,
      });
    }
  }

  /**
   * Confirms a pending incoming application: creates the grant with the applied-for terms and
   * tells the applicant.
   * @throws CONFLICT when not pending, or when the applied-for expiry has already passed.
   */
  async confirm(id: string): Promise<ApplicationView> {
    const r = await this.row(id);
    this.state(r, 'incoming', 'confirmed');
    if (r.expires_at && new Date(r.expires_at) <= new Date()) {
      throw new FedGridError(
        'CONFLICT',
        `grant application ${id} asks for a grant until ${iso(r.expires_at)}, which has passed; reject it and let the applicant apply again`,
        { application: id, expiresAt: iso(r.expires_at) },
      );
    }
    // Claim the application first, so that a concurrent cancel or answer cannot also win.
    if (!(await this.repo.updateApplication(id, { status: 'confirming' }, 'pending')))
      this.state(await this.row(id), 'incoming', 'confirmed');
    let grantId: string;
    try {
      const g = await this.deps.grants.create(
        {
          dataset: r.dataset_id,
          grantee: r.applicant_node_id,
          ...(r.job_id ? { jobId: r.job_id } : {}),
          ...(r.project_id ? { projectId: r.project_id } : {}),
          ...(r.expires_at ? { expiresAt: iso(r.expires_at) as string } : {}),
          ...(r.max_uses !== null ? { maxUses: r.max_uses } : {}),
          metered: r.metered,
        },
        { applicationId: id },
      );
      grantId = g.id;
    } catch (err) {
      await this.repo.updateApplication(id, { status: 'pending' });
      throw err;
    }
    await this.repo.updateApplication(id, {
      status: 'confirmed',
      grant_id: grantId,
      answered_at: new Date(),
    });
    await this.callback(id);
    return this.get(id);
  }

  /** Rejects a pending incoming application and tells the applicant. */
  async reject(id: string, reason = 'rejected'): Promise<ApplicationView> {
    const r = await this.row(id);
    this.state(r, 'incoming', 'rejected');
    if (
      !(await this.repo.updateApplication(
        id,
        { status: 'rejected', status_reason: reason, answered_at: new Date() },
        'pending',
      ))
    )
      this.state(await this.row(id), 'incoming', 'rejected');
    await this.callback(id);
    return this.get(id);
  }

  /** Rejects every pending incoming application for a dataset (it is being deleted). */
  async rejectPendingFor(datasetId: string, reason: string): Promise<number> {
    const pending = await this.repo.listApplications({
      direction: 'incoming',
      status: 'pending',
      datasetId,
    });
    for (const a of pending) await this.reject(a.id, reason).catch(() => undefined);
    return pending.length;
  }
}
