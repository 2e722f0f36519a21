/**
 * The model registry (模型互联协议, standard 001 §9; issue #4 item 8): the model parts this node
 * holds, their names, approval by the job's other parties, and publication for prediction.
 *
 * A vertical model is split: each party keeps only its own part (the guest its weights and the
 * intercept, each host its weights); the arbiter holds no part. Approving a model part means: the
 * partner confirms that this part exists, that it came out of the named task of a job the partner
 * took part in, and that its file has the stated SHA-256 digest — nothing more. No party ever
 * sends or sees another's parameters; only the digest crosses nodes.
 *
 * The approval round trip, for one model part and one digest (standard 001 §9 模型审批):
 *
 *   holder (requester)                                   partner (approver)
 *   request ── POST /v1/interconn/model-approvals ──────▶ pending (incoming)
 *   pending (outgoing)                                    approve | reject (admin)
 *   approved | rejected ◀── POST …/model-approvals/:id/decision ── (callback)
 *   sync ── GET /v1/interconn/model-approvals/:id ─────▶ status (fallback for a lost callback)
 *
 * The partners that must approve are the nodes of every other party of the task that produced
 * the model (for hetero-lr: the other part holders and the arbiter that coordinated training).
 * A model can be published only when each of them approved its current digest; a rerun that
 * changes the digest needs new approvals.
 *
 *   model: unapproved → pending → approved → published      (any partner rejects → rejected;
 *          a new request after a rejection → pending again; unpublish → approved)
 */
import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { roleOf } from '@fedgrid/components';
import { z } from 'zod';
import type { ContractService } from '../contracts/contracts.service.js';
import { errors, FedGridError } from '../errors/errors.js';
import { partyNodes, type JobSpecBody } from '../jobs/job-spec.js';
import type { PeerClient } from '../peers/peer-client.js';
import { json } from '../storage/schema.js';
import { matches, type Page, type PageQuery } from '../server/paging.js';
import { formatVersionRef, modelNameSchema } from './model-name.js';
import type { ModelVersionsRepo } from './model-versions.repo.js';
import type { ApprovalFilter, ApprovalRow, ModelRow, ModelsRepo } from './models.repo.js';

/** Partner → holder: please approve this model part (its digest). */
export const approvalRequestSchema = z.object({
  approvalId: z.string().min(3).max(200),
  modelId: z.string().min(1).max(400),
  modelName: z.string().max(200).default(''),
  digest: z.string().regex(/^[0-9a-f]{64}$/, 'SHA-256 digest as 64 lower-case hex digits'),
  jobId: z.string().min(1).max(200),
  task: z.string().min(1).max(100),
  projectId: z.string().max(200).nullable().default(null),
  party: z.string().min(1).max(40),
  component: z.string().min(1).max(100),
  algorithm: z.string().max(100).default(''),
  /** 0013: the task attempt that produced the part (a rerun counts up); absent from older nodes. */
  attempt: z.number().int().min(0).max(1_000_000).optional(),
  /**
   * 0013: the requesting party's own feature names, so that each party of a model version sees
   * the others' names (issue 12 item 1) — names only, never parameters.
   */
  features: z
    .array(
      z
        .string()
        .min(1)
        .max(200)
        // eslint-disable-next-line no-control-regex
        .regex(/^[^\u0000-\u001f\u007f]*$/, 'feature names hold no control characters'),
    )
    .max(10_000)
    .optional(),
});
export type ApprovalRequest = z.infer<typeof approvalRequestSchema>;

/** Approver → holder: the decision (callback). */
export const decisionSchema = z.object({
  status: z.enum(['approved', 'rejected']),
  digest: z.string().regex(/^[0-9a-f]{64}$/),
  reason: z.string().max(2000).nullable().default(null),
  decidedAt: z.string().datetime(),
});

/** Renaming a part moves its whole version to that name, as the name's next version. */
export const renameSchema = z.object({ name: modelNameSchema });
export const requestApprovalSchema = z.object({
  /** Only these partners (node ids); default: every partner without an approval or a pending request for the current digest. */
  partners: z.array(z.string().min(1).max(64)).max(64).optional(),
});
export const answerSchema = z.object({ reason: z.string().max(2000).optional() });

/** An approval's state as seen from the model's holder. */
export type PartnerApprovalStatus = 'none' | 'undelivered' | 'pending' | 'approved' | 'rejected';
export type ModelStatus = 'unapproved' | 'pending' | 'rejected' | 'approved' | 'published';

export interface ApprovalView {
  id: string;
  direction: 'outgoing' | 'incoming';
  modelId: string;
  modelName: string;
  requester: string;
  approver: string;
  jobId: string;
  task: string;
  projectId: string | null;
  party: string;
  component: string;
  algorithm: string;
  digest: string;
  /** The task attempt that produced the part (null: not said by the requester). */
  attempt: number | null;
  /** The requesting party's own feature names (null: not said). */
  features: string[] | null;
  /** undelivered (outgoing only) → pending → approved | rejected. */
  status: string;
  reason: string | null;
  decidedAt: string | null;
  decidedBy: string | null;
  /** Outgoing: why the request has not reached the partner; incoming: why the callback failed. */
  deliveryError: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ModelView {
  id: string;
  /** The named model this part's version belongs to. */
  name: string;
  /** The version's number within `name` (null only for a part saved before versions existed and not migrated). */
  version: number | null;
  /** `name@version`. */
  ref: string | null;
  /** The task attempt that produced the part (0: first run; a rerun counts up). */
  attempt: number;
  jobId: string;
  jobName: string | null;
  task: string;
  component: string;
  algorithm: string | null;
  projectId: string | null;
  flowId: string | null;
  party: string;
  role: string;
  /** SHA-256 of the model file. */
  digest: string;
  /** The model file, relative to the node's data directory. */
  file: string;
  /** Bytes, or null when the file is missing. */
  size: number | null;
  createdAt: string;
  status: ModelStatus;
  /** Approval of the current digest by each partner that must approve. */
  approval: {
    digest: string;
    partners: {
      node: string;
      status: PartnerApprovalStatus;
      approvalId: string | null;
      reason: string | null;
      decidedAt: string | null;
    }[];
  };
  published: { at: string; by: string; digest: string; current: boolean } | null;
}

/** An approval this node does not hold (in the direction the operation needs). */
const approvalNotFound = (id: string, direction?: 'incoming' | 'outgoing') =>
  new FedGridError(
    'NOT_FOUND',
    `${direction ? `${direction} ` : ''}model approval '${id}' does not exist on this node`,
    { approval: id },
  );

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

export function approvalView(r: ApprovalRow): ApprovalView {
  return {
    id: r.id,
    direction: r.direction as ApprovalView['direction'],
    modelId: r.model_id,
    modelName: r.model_name,
    requester: r.requester_node_id,
    approver: r.approver_node_id,
    jobId: r.job_id,
    task: r.task_name,
    projectId: r.project_id,
    party: r.party,
    component: r.component,
    algorithm: r.algorithm,
    digest: r.digest,
    attempt: r.attempt ?? null,
    features: (r.features as string[] | null) ?? null,
    status: r.status,
    reason: r.reason,
    decidedAt: iso(r.decided_at),
    decidedBy: r.decided_by,
    deliveryError: r.delivery_error,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

export interface ModelServiceDeps {
  selfNodeId: string;
  repo: ModelsRepo;
  dataDir: string;
  /** Reads the node's data files (opening sealed ones). @default node:fs readFile */
  readFile?: (path: string) => Promise<Buffer>;
  contracts: ContractService;
  peers: PeerClient;
  /** Versions of named models (renaming a part moves its version). */
  versions: ModelVersionsRepo;
}

export interface ModelListQuery extends Pick<PageQuery, 'page' | 'pageSize' | 'q' | 'exact'> {
  project?: string;
  job?: string;
  status?: ModelStatus;
}

export class ModelService {
  constructor(private readonly deps: ModelServiceDeps) {}

  private get self(): string {
    return this.deps.selfNodeId;
  }

  private async row(id: string): Promise<ModelRow> {
    const r = await this.deps.repo.getModel(id);
    if (!r) throw errors.notFound('model', id);
    return r;
  }

  private nameOf(r: ModelRow): string {
    return r.version_name ?? r.name ?? `${r.job_id}/${r.task_name}`;
  }

  /** Nodes that must approve a model part: those of the task's other parties. */
  async requiredPartners(r: Pick<ModelRow, 'job_id' | 'task_name'>): Promise<string[]> {
    const parties = await this.deps.repo.taskParties(r.job_id, r.task_name);
    let nodes: string[];
    if (parties) nodes = Object.values(parties).map((p) => p.node);
    else {
      const spec = await this.deps.repo.jobSpec(r.job_id);
      nodes = spec ? [...partyNodes(spec as unknown as JobSpecBody).values()] : [];
    }
    return [...new Set(nodes)].filter((n) => n !== this.self).sort();
  }

  /** Latest outgoing approval per partner for the model's current digest. */
  private async partnerStates(r: ModelRow): Promise<ModelView['approval']['partners']> {
    const required = await this.requiredPartners(r);
    const rows = await this.deps.repo.listApprovals({ direction: 'outgoing', modelId: r.id });
    return required.map((node) => {
      const a = rows.find((x) => x.approver_node_id === node && x.digest === r.digest);
      return {
        node,
        status: (a?.status ?? 'none') as PartnerApprovalStatus,
        approvalId: a?.id ?? null,
        reason: a?.reason ?? null,
        decidedAt: iso(a?.decided_at ?? null),
      };
    });
  }

  private async view(r: ModelRow): Promise<ModelView> {
    const partners = await this.partnerStates(r);
    const size = await stat(join(this.deps.dataDir, 'jobs', r.job_id, r.file)).then(
      (s) => s.size,
      () => null,
    );
    const publishedCurrent = !!r.published_at && r.published_digest === r.digest;
    const status: ModelStatus = publishedCurrent
      ? 'published'
      : partners.every((p) => p.status === 'approved')
        ? 'approved'
        : partners.some((p) => p.status === 'rejected')
          ? 'rejected'
          : partners.some((p) => p.status === 'pending' || p.status === 'undelivered')
            ? 'pending'
            : 'unapproved';
    return {
      id: r.id,
      name: this.nameOf(r),
      version: r.version,
      ref: r.version_name && r.version ? formatVersionRef(r.version_name, r.version) : null,
      attempt: r.attempt,
      jobId: r.job_id,
      jobName: r.job_name || null,
      task: r.task_name,
      component: r.component,
      algorithm: ((r.meta ?? {}) as { algorithm?: string }).algorithm ?? null,
      projectId: r.project_id,
      flowId: r.flow_id,
      party: r.party,
      role: roleOf(r.party),
      digest: r.digest,
      file: `jobs/${r.job_id}/${r.file}`,
      size,
      createdAt: new Date(r.created_at).toISOString(),
      status,
      approval: { digest: r.digest, partners },
      published: r.published_at
        ? {
            at: new Date(r.published_at).toISOString(),
            by: r.published_by ?? '',
            digest: r.published_digest ?? '',
            current: publishedCurrent,
          }
        : null,
    };
  }

  async list(q: ModelListQuery): Promise<Page<ModelView>> {
    const rows = (
      await this.deps.repo.listModels({
        ...(q.project ? { projectId: q.project } : {}),
        ...(q.job ? { jobId: q.job } : {}),
      })
    ).filter((r) => matches(this.nameOf(r), q) || matches(r.id, q));
    const start = (q.page - 1) * q.pageSize;
    if (q.status) {
      const all = (await Promise.all(rows.map((r) => this.view(r)))).filter(
        (v) => v.status === q.status,
      );
      return { items: all.slice(start, start + q.pageSize), total: all.length, ...pageOf(q) };
    }
    const items = await Promise.all(rows.slice(start, start + q.pageSize).map((r) => this.view(r)));
    return { items, total: rows.length, ...pageOf(q) };
  }

  async get(id: string): Promise<ModelView> {
    return this.view(await this.row(id));
  }

  /** The model with its content (this node's own part only). */
  async getWithContent(id: string): Promise<ModelView & { content: unknown }> {
    const r = await this.row(id);
    const content = JSON.parse(
      (
        await (this.deps.readFile ?? ((p: string) => readFile(p)))(
          join(this.deps.dataDir, 'jobs', r.job_id, r.file),
        )
      ).toString('utf8'),
    ) as unknown;
    return { ...(await this.view(r)), content };
  }

  /**
   * Names a part's version: the version (with every part of it this node holds) becomes the next
   * version of `name`. Naming it with its current name changes nothing.
   */
  async rename(id: string, name: string): Promise<ModelView> {
    const r = await this.row(id);
    if (r.version_name && r.version !== null && r.version_name !== name)
      await this.deps.versions.move(r.version_name, r.version, name);
    await this.deps.repo.updateModel(id, { name });
    return this.get(id);
  }

  // ── Approval: the holder's side ────────────────────────────────────────────────────────────

  private requestBody(a: ApprovalRow): ApprovalRequest {
    return {
      approvalId: a.id,
      modelId: a.model_id,
      modelName: a.model_name,
      digest: a.digest,
      jobId: a.job_id,
      task: a.task_name,
      projectId: a.project_id,
      party: a.party,
      component: a.component,
      algorithm: a.algorithm,
      ...(a.attempt !== null ? { attempt: a.attempt } : {}),
      ...(a.features ? { features: a.features as string[] } : {}),
    };
  }

  /** Sends (or re-sends: same id, idempotent on the partner) an approval request. */
  private async deliver(a: ApprovalRow): Promise<void> {
    try {
      const ans = await this.deps.peers.call<ApprovalView>(
        await this.deps.contracts.peerApi(a.approver_node_id),
        'POST',
        '/v1/interconn/model-approvals',
        this.requestBody(a),
      );
      await this.deps.repo.updateApproval(a.id, {
        status: ans.status,
        reason: ans.reason ?? null,
        decided_at: ans.decidedAt ?? null,
        decided_by: ans.decidedAt ? a.approver_node_id : null,
        delivery_error: null,
      });
    } catch (err) {
      await this.deps.repo.updateApproval(a.id, {
        delivery_error: (err as Error).message,
      });
    }
  }

  /**
   * Asks partners to approve the model's current digest. By default every partner that has
   * neither approved it nor got a pending request; a request that never reached its partner is
   * sent again with the same id. Partners that cannot be reached are reported per request
   * (status `undelivered`, `deliveryError`), not as a failure of the whole call.
   */
  async requestApproval(
    id: string,
    partners?: string[],
  ): Promise<{ model: ModelView; requests: ApprovalView[] }> {
    const r = await this.row(id);
    const required = await this.requiredPartners(r);
    if (required.length === 0) {
      throw errors.validation(
        `model ${id} has no partners to approve it: every party of task '${r.task_name}' ran on this node`,
      );
    }
    for (const p of partners ?? []) {
      if (!required.includes(p))
        throw errors.validation(
          `node '${p}' took no part in task '${r.task_name}' of job ${r.job_id}; the partners of this model are ${required.join(', ')}`,
          { partner: p },
        );
    }
    const states = await this.partnerStates(r);
    const targets = partners
      ? states.filter((s) => partners.includes(s.node))
      : states.filter((s) => s.status !== 'approved' && s.status !== 'pending');
    const out: ApprovalView[] = [];
    for (const s of targets) {
      let approvalId = s.approvalId;
      if (!approvalId || s.status === 'rejected' || s.status === 'none') {
        approvalId = `${this.self}:mapv-${randomUUID()}`;
        await this.deps.repo.insertApproval({
          id: approvalId,
          direction: 'outgoing',
          model_id: r.id,
          model_name: this.nameOf(r),
          requester_node_id: this.self,
          approver_node_id: s.node,
          job_id: r.job_id,
          task_name: r.task_name,
          project_id: r.project_id,
          party: r.party,
          component: r.component,
          algorithm: ((r.meta ?? {}) as { algorithm?: string }).algorithm ?? r.component,
          digest: r.digest,
          status: 'undelivered',
          attempt: r.attempt,
          features: featuresOf(r),
        });
      }
      const a = (await this.deps.repo.getApproval(approvalId)) as ApprovalRow;
      if (a.status !== 'approved') await this.deliver(a);
      out.push(approvalView((await this.deps.repo.getApproval(approvalId)) as ApprovalRow));
    }
    return { model: await this.view(r), requests: out };
  }

  /**
   * The fallback for a lost callback: asks the partner for the status of an outgoing approval
   * (and re-sends a request that never arrived).
   */
  async syncApproval(id: string): Promise<ApprovalView> {
    const a = await this.deps.repo.getApproval(id);
    if (!a || a.direction !== 'outgoing') throw approvalNotFound(id, 'outgoing');
    if (a.status === 'undelivered') {
      await this.deliver(a);
      return approvalView((await this.deps.repo.getApproval(id)) as ApprovalRow);
    }
    try {
      const ans = await this.deps.peers.call<{
        status: string;
        digest: string;
        reason: string | null;
        decidedAt: string | null;
      }>(
        await this.deps.contracts.peerApi(a.approver_node_id),
        'GET',
        `/v1/interconn/model-approvals/${encodeURIComponent(id)}`,
      );
      if (ans.digest !== a.digest) {
        throw new FedGridError(
          'CONFLICT',
          `node '${a.approver_node_id}' holds approval ${id} for digest ${ans.digest}, not ${a.digest}`,
        );
      }
      await this.deps.repo.updateApproval(id, {
        status: ans.status,
        reason: ans.reason,
        decided_at: ans.decidedAt,
        decided_by: ans.decidedAt ? a.approver_node_id : null,
        delivery_error: null,
      });
    } catch (err) {
      if (
        err instanceof FedGridError &&
        err.code === 'PEER_REFUSED' &&
        err.details?.['peerCode'] === 'NOT_FOUND'
      ) {
        // The partner never stored the request: send it again.
        await this.deliver(a);
      } else if (err instanceof FedGridError && err.code === 'CONFLICT') {
        throw err;
      } else {
        await this.deps.repo.updateApproval(id, { delivery_error: (err as Error).message });
      }
    }
    return approvalView((await this.deps.repo.getApproval(id)) as ApprovalRow);
  }

  /** Syncs every undecided outgoing approval of a model's current digest. */
  async syncModel(id: string): Promise<{ model: ModelView; synced: ApprovalView[] }> {
    const r = await this.row(id);
    const synced: ApprovalView[] = [];
    for (const s of await this.partnerStates(r)) {
      if (s.approvalId && (s.status === 'pending' || s.status === 'undelivered'))
        synced.push(await this.syncApproval(s.approvalId));
    }
    return { model: await this.get(id), synced };
  }

  /** Holder: the partner's decision arrives (callback). */
  async onDecision(id: string, body: unknown, fromNode: string): Promise<{ ok: true }> {
    const d = decisionSchema.parse(body);
    const a = await this.deps.repo.getApproval(id);
    if (!a || a.direction !== 'outgoing' || a.approver_node_id !== fromNode)
      throw approvalNotFound(id, 'outgoing');
    if (d.digest !== a.digest)
      throw errors.validation(
        `approval ${id} is for digest ${a.digest}; the decision names ${d.digest}`,
      );
    await this.deps.repo.updateApproval(id, {
      status: d.status,
      reason: d.reason,
      decided_at: d.decidedAt,
      decided_by: fromNode,
      delivery_error: null,
    });
    return { ok: true };
  }

  // ── Approval: the partner's side ───────────────────────────────────────────────────────────

  /**
   * Partner: records a request to approve a model part of `fromNode`. Checks that the job is
   * known here, that `fromNode` hosts the named party in it, and that this node took part in the
   * task. Idempotent: the same approval id returns the stored record.
   */
  async receiveRequest(body: unknown, fromNode: string): Promise<ApprovalView> {
    const b = approvalRequestSchema.parse(body);
    if (!b.approvalId.startsWith(`${fromNode}:`))
      throw errors.validation(
        `approval ids are prefixed with the requesting node's id ('${fromNode}:…'); got '${b.approvalId}'`,
      );
    const existing = await this.deps.repo.getApproval(b.approvalId);
    if (existing) {
      if (
        existing.direction === 'incoming' &&
        existing.requester_node_id === fromNode &&
        existing.digest === b.digest &&
        existing.model_id === b.modelId
      )
        return approvalView(existing);
      throw errors.conflict(`approval ${b.approvalId} already exists with other content`);
    }
    const spec = (await this.deps.repo.jobSpec(b.jobId)) as unknown as
      (JobSpecBody & { id: string }) | undefined;
    if (!spec)
      throw new FedGridError(
        'NOT_FOUND',
        `job ${b.jobId} is not known on node '${this.self}'; only parties of a job can approve its models`,
        { job: b.jobId },
      );
    if (partyNodes(spec).get(b.party) !== fromNode)
      throw new FedGridError(
        'FORBIDDEN',
        `node '${fromNode}' does not hold party '${b.party}' of job ${b.jobId}`,
        { job: b.jobId, party: b.party },
      );
    const parties = await this.deps.repo.taskParties(b.jobId, b.task);
    if (!parties) throw errors.notFound('task', `${b.jobId}/${b.task}`);
    if (!(b.party in parties))
      throw errors.validation(`party '${b.party}' did not run task '${b.task}' of job ${b.jobId}`);
    if (!Object.values(parties).some((p) => p.node === this.self))
      throw new FedGridError(
        'FORBIDDEN',
        `node '${this.self}' took no part in task '${b.task}' of job ${b.jobId}; it cannot approve its models`,
      );
    const projectId = spec.projectId ?? null;
    if (b.projectId !== null && b.projectId !== projectId)
      throw errors.validation(
        `job ${b.jobId} belongs to project ${projectId ?? '(none)'} here, not ${b.projectId}`,
      );
    await this.deps.repo.insertApproval({
      id: b.approvalId,
      direction: 'incoming',
      model_id: b.modelId,
      model_name: b.modelName || `${b.jobId}/${b.task}`,
      requester_node_id: fromNode,
      approver_node_id: this.self,
      job_id: b.jobId,
      task_name: b.task,
      project_id: projectId,
      party: b.party,
      component: b.component,
      algorithm: b.algorithm,
      digest: b.digest,
      status: 'pending',
      attempt: b.attempt ?? null,
      features: b.features ? json(b.features) : null,
    });
    return approvalView((await this.deps.repo.getApproval(b.approvalId)) as ApprovalRow);
  }

  /** Partner: the status of an incoming approval, for its requester (fallback query). */
  async statusFor(
    id: string,
    fromNode: string,
  ): Promise<{
    id: string;
    status: string;
    digest: string;
    reason: string | null;
    decidedAt: string | null;
  }> {
    const a = await this.deps.repo.getApproval(id);
    if (!a || a.direction !== 'incoming' || a.requester_node_id !== fromNode)
      throw approvalNotFound(id, 'incoming');
    return {
      id,
      status: a.status,
      digest: a.digest,
      reason: a.reason,
      decidedAt: iso(a.decided_at),
    };
  }

  /**
   * Partner's admin: approves or rejects an incoming request and tells the requester (callback;
   * if it fails, the requester finds out by its status query). Answering again with the same
   * decision re-sends the callback; a different decision is refused.
   */
  async decide(
    id: string,
    status: 'approved' | 'rejected',
    reason: string | null,
    by: string,
  ): Promise<ApprovalView> {
    const a = await this.deps.repo.getApproval(id);
    if (!a || a.direction !== 'incoming') throw approvalNotFound(id, 'incoming');
    if (a.status !== 'pending' && a.status !== status)
      throw errors.conflict(
        `approval ${id} is already ${a.status}; ask the requester to send a new request`,
        { approval: id, status: a.status },
      );
    if (a.status === 'pending') {
      await this.deps.repo.updateApproval(id, {
        status,
        reason,
        decided_at: new Date(),
        decided_by: by,
      });
    }
    const cur = (await this.deps.repo.getApproval(id)) as ApprovalRow;
    try {
      await this.deps.peers.call(
        await this.deps.contracts.peerApi(a.requester_node_id),
        'POST',
        `/v1/interconn/model-approvals/${encodeURIComponent(id)}/decision`,
        {
          status: cur.status,
          digest: cur.digest,
          reason: cur.reason,
          decidedAt: iso(cur.decided_at),
        },
      );
      await this.deps.repo.updateApproval(id, { delivery_error: null });
    } catch (err) {
      await this.deps.repo.updateApproval(id, {
        delivery_error: `callback to '${a.requester_node_id}' failed: ${(err as Error).message}`,
      });
    }
    return approvalView((await this.deps.repo.getApproval(id)) as ApprovalRow);
  }

  // ── Both sides ─────────────────────────────────────────────────────────────────────────────

  async listApprovals(
    filter: ApprovalFilter,
    q: Pick<PageQuery, 'page' | 'pageSize'>,
  ): Promise<Page<ApprovalView>> {
    const all = (await this.deps.repo.listApprovals(filter)).map(approvalView);
    const start = (q.page - 1) * q.pageSize;
    return { items: all.slice(start, start + q.pageSize), total: all.length, ...pageOf(q) };
  }

  async getApproval(id: string): Promise<ApprovalView> {
    const a = await this.deps.repo.getApproval(id);
    if (!a) throw approvalNotFound(id);
    return approvalView(a);
  }

  // ── Publication ────────────────────────────────────────────────────────────────────────────

  /**
   * Publishes a model part for prediction.
   * @throws CONFLICT naming each partner whose approval of the current digest is missing,
   *   pending or was refused.
   */
  async publish(id: string, by: string): Promise<ModelView> {
    const r = await this.row(id);
    const v = await this.view(r);
    if (v.status === 'published') return v;
    const notApproved = v.approval.partners.filter((p) => p.status !== 'approved');
    if (notApproved.length) {
      const why = (p: (typeof notApproved)[number]) =>
        p.status === 'rejected'
          ? `rejected by '${p.node}'${p.reason ? ` (${p.reason})` : ''}`
          : p.status === 'pending'
            ? `still pending at '${p.node}'`
            : p.status === 'undelivered'
              ? `request not yet delivered to '${p.node}'`
              : `never requested from '${p.node}'`;
      const pick = (s: PartnerApprovalStatus[]) =>
        notApproved.filter((p) => s.includes(p.status)).map((p) => p.node);
      throw new FedGridError(
        'CONFLICT',
        `model ${id} cannot be published: its digest ${r.digest.slice(0, 16)}… is not approved by every partner: ${notApproved.map(why).join('; ')}. ` +
          'Request approval again (fedgrid model request-approval) and publish once every partner approved.',
        {
          model: id,
          digest: r.digest,
          rejected: pick(['rejected']),
          pending: pick(['pending', 'undelivered']),
          missing: pick(['none']),
        },
      );
    }
    await this.deps.repo.updateModel(id, {
      published_at: new Date(),
      published_by: by,
      published_digest: r.digest,
    });
    return this.get(id);
  }

  async unpublish(id: string): Promise<ModelView> {
    const r = await this.row(id);
    if (!r.published_at) throw errors.conflict(`model ${id} is not published`, { model: id });
    await this.deps.repo.updateModel(id, {
      published_at: null,
      published_by: null,
      published_digest: null,
    });
    return this.get(id);
  }
}

/** The part's own feature names as the approval request carries them (JSON), or null. */
function featuresOf(r: ModelRow): string | null {
  const f = ((r.meta ?? {}) as { features?: unknown }).features;
  return Array.isArray(f) ? json(f) : null;
}

function pageOf(q: Pick<PageQuery, 'page' | 'pageSize'>): { page: number; pageSize: number } {
  return { page: q.page, pageSize: q.pageSize };
}
