/**
 * Flows (流程) and their approvals (流程审批), and jobs created from flows (作业创建).
 * Interconnection standard 001 §8 flow protocol and job creation; issue #4 items 5 and 6.
 *
 * A flow lives on the node that created it — the guest's node, which creates its jobs. Before a
 * job can be created from it, every partner node taking part in its parties approves the flow's
 * content, identified by its digest (SHA-256 of the canonical JSON of {dag, config}):
 *
 *   initiator                                          partner (in the flow's parties)
 *   request ── POST /v1/interconn/flow-approvals ────▶ pending (approval id, content, digest)
 *   pending                                            approve | reject (its admin)
 *           ◀── POST …/flow-approvals/:id/answer ────  approved | rejected            (callback)
 *   sync    ── GET  …/flow-approvals/:id ────────────▶ (fallback when the callback was lost)
 *   update (new digest): earlier approvals no longer count; pending ones are withdrawn
 *           ── POST …/flow-approvals/:id/withdraw ───▶ withdrawn
 *
 * Approval states (raw): pending → approved | rejected | withdrawn. On the initiator an approval
 * whose digest is not the flow's current one shows as 'invalidated'.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import { queryBoolean } from '../server/query-boolean.js';
import type { ContractService } from '../contracts/contracts.service.js';
import { errors, FedGridError } from '../errors/errors.js';
import { partyNodes } from '../jobs/job-spec.js';
import type { JobSpec } from '../jobs/job-spec.js';
import { graphOf, paramViolations, type JobAuthority } from '../jobs/job-authority.js';
import type { JobsService, JobView } from '../jobs/jobs.service.js';
import type { PeerClient } from '../peers/peer-client.js';
import type { ProjectService } from '../projects/projects.service.js';
import { matches, pageOf, type Page, type PageQuery } from '../server/paging.js';
import { json } from '../storage/schema.js';
import {
  flowConfigSchema,
  flowDagSchema,
  flowDigest,
  runFlowSchema,
  updateFlowSchema,
  validateFlow,
  type createFlowSchema,
  type FlowConfig,
  type FlowDag,
  type RunFlowInput,
  type UpdateFlowInput,
} from './flow-spec.js';
import type { ApprovalRow, FlowRow, FlowsRepo } from './flows.repo.js';

/** Initiator → partner: please approve this content. */
export const approvalRequestSchema = z.object({
  approvalId: z.string().min(1).max(200),
  projectId: z.string().min(1).max(200),
  flowId: z.string().min(1).max(200),
  flowVersion: z.number().int().min(1),
  name: z.string().min(1).max(200),
  description: z.string().max(2000).default(''),
  dag: flowDagSchema,
  config: flowConfigSchema,
  digest: z.string().regex(/^[0-9a-f]{64}$/, 'SHA-256 digest as 64 lower-case hex digits'),
});

/** Partner → initiator: the answer (callback). */
export const approvalAnswerSchema = z.object({
  status: z.enum(['approved', 'rejected']),
  reason: z.string().max(2000).optional(),
  digest: z.string().regex(/^[0-9a-f]{64}$/),
});

export const approvalListQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(1000).default(100),
  flowId: z.string().max(200).optional(),
  /** 'incoming': partners asked this node; 'outgoing': this node asked partners. */
  direction: z.enum(['incoming', 'outgoing']).optional(),
  status: z.enum(['pending', 'approved', 'rejected', 'withdrawn', 'invalidated']).optional(),
});
export type ApprovalListQuery = z.infer<typeof approvalListQuerySchema>;

export const flowListQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(1000).default(100),
  q: z.string().max(200).optional(),
  exact: queryBoolean.optional(),
  projectId: z.string().max(200).optional(),
  /** 'all' includes deleted flows. */
  status: z.enum(['active', 'deleted', 'all']).default('active'),
});
export type FlowListQuery = z.infer<typeof flowListQuerySchema>;

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn' | 'invalidated';

export interface ApprovalView {
  id: string;
  direction: 'incoming' | 'outgoing';
  flowId: string;
  projectId: string;
  initiator: string;
  approver: string;
  flowVersion: number;
  digest: string;
  /** Effective state: on the initiator, 'invalidated' once the flow's digest changed. */
  status: ApprovalStatus;
  /** The approver's decision as recorded: pending, approved, rejected or withdrawn. */
  decision: 'pending' | 'approved' | 'rejected' | 'withdrawn';
  reason: string | null;
  /** Outgoing: why the request did not reach the partner; incoming: why the callback failed. */
  deliveryError: string | null;
  /** What was (or is to be) approved. */
  content: { name: string; description: string; dag: FlowDag; config: FlowConfig };
  answeredAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface FlowApprovalSummary {
  digest: string;
  /** Every partner approved the current digest: a job can be created. */
  approved: boolean;
  partners: {
    node: string;
    status: 'approved' | 'pending' | 'rejected' | 'missing';
    approvalId: string | null;
    reason: string | null;
  }[];
}

export interface FlowView extends FlowDag {
  id: string;
  projectId: string;
  initiator: string;
  name: string;
  description: string;
  version: number;
  /** 'active' | 'deleted'. */
  status: string;
  config: FlowConfig;
  digest: string;
  approval: FlowApprovalSummary;
  createdAt: string;
  updatedAt: string;
}

export interface FlowServiceDeps {
  selfNodeId: string;
  repo: FlowsRepo;
  projects: ProjectService;
  contracts: ContractService;
  peers: PeerClient;
  jobs: JobsService;
  log: Logger;
}

const iso = (d: Date | string) => new Date(d).toISOString();
const enc = encodeURIComponent;

export class FlowService {
  constructor(private readonly deps: FlowServiceDeps) {}

  private get self(): string {
    return this.deps.selfNodeId;
  }

  private async call<T>(node: string, method: string, path: string, body?: unknown): Promise<T> {
    return this.deps.peers.call<T>(await this.deps.contracts.peerApi(node), method, path, body);
  }

  /** The partner nodes taking part in a DAG (every party's node but this one). */
  private partners(dag: FlowDag): string[] {
    return [...new Set(partyNodes(dag).values())].filter((n) => n !== this.self);
  }

  private approvalView(r: ApprovalRow, currentDigest?: string | null): ApprovalView {
    const decision = r.status as ApprovalView['decision'];
    const stale =
      r.direction === 'outgoing' && decision !== 'withdrawn' && currentDigest !== r.digest;
    return {
      id: r.id,
      direction: r.direction as ApprovalView['direction'],
      flowId: r.flow_id,
      projectId: r.project_id,
      initiator: r.initiator_node_id,
      approver: r.approver_node_id,
      flowVersion: r.flow_version,
      digest: r.digest,
      status: stale ? 'invalidated' : decision,
      decision,
      reason: r.reason,
      deliveryError: r.delivery_error,
      content: r.content as ApprovalView['content'],
      answeredAt: r.answered_at ? iso(r.answered_at) : null,
      createdAt: iso(r.created_at),
      updatedAt: iso(r.updated_at),
    };
  }

  /** The digest approvals of `row` must carry to count (null once it is deleted). */
  private currentDigest(row: FlowRow): string | null {
    return row.status === 'active' ? row.digest : null;
  }

  private summary(row: FlowRow, approvals: ApprovalRow[]): FlowApprovalSummary {
    const dag = row.dag as FlowDag;
    const partners = this.partners(dag).map((node) => {
      const current = approvals.filter(
        (a) => a.approver_node_id === node && a.digest === row.digest && a.status !== 'withdrawn',
      );
      // Newest first (the repository's order); an approval outranks a later pending request.
      const best =
        current.find((a) => a.status === 'approved') ??
        current.find((a) => a.status === 'pending') ??
        current[0];
      return {
        node,
        status: (best?.status ?? 'missing') as FlowApprovalSummary['partners'][number]['status'],
        approvalId: best?.id ?? null,
        reason: best?.reason ?? null,
      };
    });
    return {
      digest: row.digest,
      approved: row.status === 'active' && partners.every((p) => p.status === 'approved'),
      partners,
    };
  }

  private view(row: FlowRow, approvals: ApprovalRow[]): FlowView {
    const dag = row.dag as FlowDag;
    return {
      id: row.id,
      projectId: row.project_id,
      initiator: row.initiator_node_id,
      name: row.name,
      description: row.description,
      version: row.version,
      status: row.status,
      parties: dag.parties,
      datasets: dag.datasets,
      tasks: dag.tasks,
      config: row.config as FlowConfig,
      digest: row.digest,
      approval: this.summary(row, approvals),
      createdAt: iso(row.created_at),
      updatedAt: iso(row.updated_at),
    };
  }

  private async row(id: string): Promise<FlowRow> {
    const r = await this.deps.repo.get(id);
    if (!r) throw errors.notFound('flow', id);
    return r;
  }

  private async activeRow(id: string): Promise<FlowRow> {
    const r = await this.row(id);
    if (r.status !== 'active') {
      throw errors.conflict(`flow ${id} is ${r.status}`, { flow: id });
    }
    return r;
  }

  private async outgoing(flowId: string): Promise<ApprovalRow[]> {
    return this.deps.repo.listApprovals({ flowId, direction: 'outgoing' });
  }

  async get(id: string): Promise<FlowView> {
    const r = await this.row(id);
    return this.view(r, await this.outgoing(id));
  }

  /**
   * Checks that a DAG can be a flow of `projectId` created here: the guest is this node (it
   * creates the flow's jobs) and every party's node is the project's owner or an accepted member.
   */
  private async checkParties(projectId: string, dag: FlowDag): Promise<void> {
    const guest = dag.parties.guest.node;
    if (guest !== this.self) {
      throw errors.validation(
        `flows are created on the guest's node, which creates their jobs: this node is '${this.self}', the guest is '${guest}'`,
        { field: 'parties.guest.node' },
      );
    }
    const { nodes } = await this.deps.projects.participants(projectId);
    const outsiders = [...new Set(partyNodes(dag).values())].filter((n) => !nodes.has(n));
    if (outsiders.length) {
      throw errors.validation(
        `${outsiders.map((n) => `node '${n}'`).join(', ')} take${outsiders.length === 1 ? 's' : ''} part in the flow but ${outsiders.length === 1 ? 'is not a member' : 'are not members'} of project ${projectId} (members: ${[...nodes].join(', ')}); invite ${outsiders.length === 1 ? 'it' : 'them'} (fedgrid project invite) and have ${outsiders.length === 1 ? 'it' : 'them'} accept`,
        { project: projectId, nodes: outsiders },
      );
    }
  }

  /** Creates a flow in a project this node owns or has joined. */
  async create(input: z.infer<typeof createFlowSchema>): Promise<FlowView> {
    const { projectId, name, description, config, parties, datasets, tasks } = input;
    const dag: FlowDag = { parties, datasets, tasks };
    validateFlow(name, dag, config);
    await this.checkParties(projectId, dag);
    const id = `${this.self}:flow-${randomUUID()}`;
    await this.deps.repo.insert({
      id,
      project_id: projectId,
      initiator_node_id: this.self,
      name,
      description,
      version: 1,
      dag: json(dag),
      config: json(config),
      digest: flowDigest(dag, config),
      status: 'active',
    });
    return this.get(id);
  }

  async list(q: FlowListQuery): Promise<Page<FlowView>> {
    const rows = (
      await this.deps.repo.list({
        ...(q.projectId ? { projectId: q.projectId } : {}),
        ...(q.status !== 'all' ? { status: q.status } : {}),
      })
    ).filter((r) => matches(r.name, q) || (q.q !== undefined && r.id === q.q));
    const page = pageOf(rows, q);
    return {
      ...page,
      items: await Promise.all(
        page.items.map(async (r) => this.view(r, await this.outgoing(r.id))),
      ),
    };
  }

  /**
   * Saves a new version of a flow (jobs already created keep their own copy of the spec). A
   * change of the DAG or config changes the digest: earlier approvals stop counting and pending
   * requests are withdrawn from the partners.
   */
  async update(id: string, input: UpdateFlowInput): Promise<FlowView & { withdrawn: string[] }> {
    const patch = updateFlowSchema.parse(input);
    const r = await this.activeRow(id);
    if (r.initiator_node_id !== this.self) throw errors.notFound('flow', id);
    const cur = r.dag as FlowDag;
    const dag = flowDagSchema.parse({
      parties: patch.parties ?? cur.parties,
      datasets: patch.datasets ?? cur.datasets,
      tasks: patch.tasks ?? cur.tasks,
    });
    const config = flowConfigSchema.parse({ ...(r.config as FlowConfig), ...patch.config });
    const name = patch.name ?? r.name;
    validateFlow(name, dag, config);
    await this.checkParties(r.project_id, dag);
    const digest = flowDigest(dag, config);
    await this.deps.repo.update(id, {
      name,
      description: patch.description ?? r.description,
      dag: json(dag),
      config: json(config),
      digest,
      version: r.version + 1,
    });
    const withdrawn = digest === r.digest ? [] : await this.withdrawPending(id, digest);
    return { ...(await this.get(id)), withdrawn };
  }

  /** Deletes a flow (it stays readable with status 'deleted'); pending approvals are withdrawn. */
  async delete(id: string): Promise<FlowView & { withdrawn: string[] }> {
    const r = await this.row(id);
    if (r.status !== 'deleted') await this.deps.repo.update(id, { status: 'deleted' });
    const withdrawn = await this.withdrawPending(id, null);
    return { ...(await this.get(id)), withdrawn };
  }

  /** Withdraws pending outgoing approvals of other digests than `keep` (tells partners, best effort). */
  private async withdrawPending(flowId: string, keep: string | null): Promise<string[]> {
    const stale = (await this.outgoing(flowId)).filter(
      (a) => a.status === 'pending' && a.digest !== keep,
    );
    for (const a of stale) {
      await this.deps.repo.updateApproval(a.id, {
        status: 'withdrawn',
        reason: 'the flow changed or was deleted',
      });
      try {
        await this.call(
          a.approver_node_id,
          'POST',
          `/v1/interconn/flow-approvals/${enc(a.id)}/withdraw`,
          {},
        );
      } catch (err) {
        this.deps.log.warn({ err, approval: a.id }, 'could not withdraw a flow approval request');
      }
    }
    return stale.map((a) => a.id);
  }

  /**
   * Asks every partner in the flow's parties to approve its current content. A partner that
   * already approved this digest is not asked again; a pending request is re-sent with the
   * same approval id (idempotent on the partner).
   * @returns the approvals of the current digest, one per partner.
   */
  async requestApproval(flowId: string): Promise<{ items: ApprovalView[] }> {
    const r = await this.activeRow(flowId);
    const dag = r.dag as FlowDag;
    await this.checkParties(r.project_id, dag);
    const existing = await this.outgoing(flowId);
    const content = {
      name: r.name,
      description: r.description,
      dag,
      config: r.config as FlowConfig,
    };
    const ids: string[] = [];
    for (const node of this.partners(dag)) {
      const current = existing.filter((a) => a.approver_node_id === node && a.digest === r.digest);
      const approved = current.find((a) => a.status === 'approved');
      if (approved) {
        ids.push(approved.id);
        continue;
      }
      let id = current.find((a) => a.status === 'pending')?.id;
      if (!id) {
        id = `${this.self}:apv-${randomUUID()}`;
        await this.deps.repo.insertApproval({
          id,
          direction: 'outgoing',
          flow_id: flowId,
          project_id: r.project_id,
          initiator_node_id: this.self,
          approver_node_id: node,
          flow_version: r.version,
          digest: r.digest,
          content: json(content),
          status: 'pending',
          reason: null,
          delivery_error: null,
          answered_at: null,
        });
      }
      ids.push(id);
      try {
        const remote = await this.call<ApprovalView>(node, 'POST', '/v1/interconn/flow-approvals', {
          approvalId: id,
          projectId: r.project_id,
          flowId,
          flowVersion: r.version,
          ...content,
          digest: r.digest,
        });
        await this.recordRemote(id, remote);
      } catch (err) {
        await this.deps.repo.updateApproval(id, { delivery_error: (err as Error).message });
      }
    }
    const fresh = await this.outgoing(flowId);
    return {
      items: ids.map((id) =>
        this.approvalView(fresh.find((a) => a.id === id) as ApprovalRow, r.digest),
      ),
    };
  }

  /** Records what the partner says of an outgoing approval (after a request or a status query). */
  private async recordRemote(
    id: string,
    remote: Pick<ApprovalView, 'decision' | 'reason' | 'answeredAt' | 'digest'>,
  ): Promise<void> {
    const local = (await this.deps.repo.getApproval(id)) as ApprovalRow;
    const answered =
      local.status === 'pending' &&
      remote.digest === local.digest &&
      (remote.decision === 'approved' || remote.decision === 'rejected');
    await this.deps.repo.updateApproval(id, {
      delivery_error: null,
      ...(answered
        ? {
            status: remote.decision,
            reason: remote.reason,
            answered_at: remote.answeredAt ?? new Date(),
          }
        : {}),
    });
  }

  async listApprovals(q: ApprovalListQuery): Promise<Page<ApprovalView>> {
    const rows = await this.deps.repo.listApprovals({
      ...(q.flowId ? { flowId: q.flowId } : {}),
      ...(q.direction ? { direction: q.direction } : {}),
    });
    const digests = new Map<string, string | null>();
    for (const id of new Set(
      rows.filter((a) => a.direction === 'outgoing').map((a) => a.flow_id),
    )) {
      const f = await this.deps.repo.get(id);
      digests.set(id, f ? this.currentDigest(f) : null);
    }
    const views = rows
      .map((a) => this.approvalView(a, digests.get(a.flow_id)))
      .filter((v) => !q.status || v.status === q.status);
    return pageOf(views, q);
  }

  async getApproval(id: string): Promise<ApprovalView> {
    const a = await this.deps.repo.getApproval(id);
    if (!a) throw errors.notFound('approval', id);
    const f = a.direction === 'outgoing' ? await this.deps.repo.get(a.flow_id) : undefined;
    return this.approvalView(a, f ? this.currentDigest(f) : null);
  }

  /**
   * Partner: approves or rejects an incoming request and tells the initiator. Answering again
   * with the same answer re-sends the callback (e.g. after it failed; see `deliveryError`).
   */
  async answer(
    id: string,
    status: 'approved' | 'rejected',
    reason?: string,
  ): Promise<ApprovalView> {
    const a = await this.deps.repo.getApproval(id);
    if (!a || a.direction !== 'incoming') throw errors.notFound('approval', id);
    if (a.status === 'withdrawn') {
      throw errors.conflict(
        `approval ${id} was withdrawn by ${a.initiator_node_id} (the flow changed or was deleted); wait for a new request`,
        { approval: id },
      );
    }
    if (a.status !== 'pending' && a.status !== status) {
      throw errors.conflict(`approval ${id} is already ${a.status}`, { approval: id });
    }
    if (a.status === 'pending') {
      await this.deps.repo.updateApproval(id, {
        status,
        reason: reason ?? null,
        answered_at: new Date(),
      });
    }
    const answered = (await this.deps.repo.getApproval(id)) as ApprovalRow;
    try {
      await this.call(
        a.initiator_node_id,
        'POST',
        `/v1/interconn/flow-approvals/${enc(id)}/answer`,
        {
          status,
          digest: a.digest,
          ...(answered.reason ? { reason: answered.reason } : {}),
        },
      );
      await this.deps.repo.updateApproval(id, { delivery_error: null });
    } catch (err) {
      // The initiator can still learn the answer by querying it (syncApproval).
      await this.deps.repo.updateApproval(id, {
        delivery_error: `callback to ${a.initiator_node_id} failed: ${(err as Error).message}`,
      });
    }
    return this.getApproval(id);
  }

  /** Initiator: asks the partner for its answer (the fallback when the callback was lost). */
  async syncApproval(id: string): Promise<ApprovalView> {
    const a = await this.deps.repo.getApproval(id);
    if (!a || a.direction !== 'outgoing') throw errors.notFound('approval', id);
    const remote = await this.call<ApprovalView>(
      a.approver_node_id,
      'GET',
      `/v1/interconn/flow-approvals/${enc(id)}`,
    );
    await this.recordRemote(id, remote);
    return this.getApproval(id);
  }

  /**
   * Creates a job from the flow's current version with optional overrides, through the jobs
   * service (which has the partners accept it). Pending approvals are queried first (in case a
   * callback was lost).
   * @throws FORBIDDEN naming every partner whose approval of the current digest is missing.
   */
  async run(flowId: string, input: RunFlowInput): Promise<JobView> {
    const o = runFlowSchema.parse(input);
    const r = await this.activeRow(flowId);
    const dag = r.dag as FlowDag;
    const config = r.config as FlowConfig;
    await this.checkParties(r.project_id, dag);
    for (const p of this.summary(r, await this.outgoing(flowId)).partners) {
      if (p.status === 'pending' && p.approvalId) {
        await this.syncApproval(p.approvalId).catch((err: unknown) =>
          this.deps.log.warn({ err, approval: p.approvalId }, 'approval status query failed'),
        );
      }
    }
    const summary = this.summary(r, await this.outgoing(flowId));
    const missing = summary.partners.filter((p) => p.status !== 'approved');
    if (missing.length) {
      const what = missing
        .map((p) =>
          p.status === 'missing'
            ? `node '${p.node}' (never asked)`
            : `node '${p.node}' (${p.status}${p.reason ? `: ${p.reason}` : ''}; approval ${p.approvalId})`,
        )
        .join(', ');
      throw new FedGridError(
        'FORBIDDEN',
        `flow ${flowId} version ${r.version} (digest ${r.digest.slice(0, 12)}…) is not approved by ${what}; request approval (fedgrid flow request-approval ${flowId}) and have ${missing.length === 1 ? 'that partner' : 'those partners'} approve it`,
        { flow: flowId, digest: r.digest, missing },
      );
    }
    const names = new Set(dag.tasks.map((t) => t.name));
    for (const t of Object.keys(o.params)) {
      if (!names.has(t)) {
        throw errors.validation(
          `params override for task '${t}': the flow has no such task (tasks: ${[...names].join(', ')})`,
          { field: `params.${t}` },
        );
      }
    }
    const tasks = dag.tasks.map((t) =>
      o.params[t.name] ? { ...t, params: { ...t.params, ...o.params[t.name] } } : t,
    );
    // Unknown or invalid parameters are named as such first; then the approval's bounds.
    validateFlow(r.name, { ...dag, tasks }, config);
    const outside = paramViolations(dag.tasks, tasks, config.tunable ?? {});
    if (outside.length) {
      throw errors.validation(
        `flow ${flowId}: ${outside.join('; ')}. Partners approved these parameters; make them tunable in the flow (config.tunable) and have it approved again`,
        { field: 'params', differences: outside },
      );
    }
    return this.deps.jobs.create(
      {
        name: o.name ?? r.name,
        projectId: r.project_id,
        flowId,
        priority: o.priority ?? config.priority,
        timeoutSeconds: o.timeoutSeconds ?? config.timeoutSeconds,
        parties: dag.parties,
        datasets: dag.datasets,
        tasks,
      },
      { fromFlow: true },
    );
  }

  /**
   * Partner side of job acceptance: a job of a project must run a flow version this node
   * approved for the initiator, in that project, with this node and the initiator members of it
   * — the same parties, datasets and task graph, and the same parameters except where the
   * approved flow made them tunable (then within the approved ranges). A project-scoped grant
   * therefore serves only the project's approved flows.
   * @returns the authority the job runs under (the matching approval).
   * @throws FedGridError FORBIDDEN naming the flow and what differs.
   */
  async authorizeJob(spec: JobSpec, from: string): Promise<JobAuthority> {
    if (!spec.flowId || !spec.projectId) {
      throw new FedGridError(
        'FORBIDDEN',
        `job ${spec.id} names ${spec.projectId ? `project ${spec.projectId} but no flow` : `flow ${spec.flowId} but no project`}; a job of a project runs one of its approved flows`,
        { job: spec.id },
      );
    }
    let nodes: Set<string>;
    try {
      nodes = (await this.deps.projects.participants(spec.projectId)).nodes;
    } catch (err) {
      if (err instanceof FedGridError && err.code === 'NOT_FOUND') {
        throw new FedGridError(
          'FORBIDDEN',
          `job ${spec.id} runs in project ${spec.projectId}, which node '${this.self}' is not in`,
          { project: spec.projectId },
        );
      }
      throw err;
    }
    if (!nodes.has(from) || !nodes.has(this.self)) {
      throw new FedGridError(
        'FORBIDDEN',
        `job ${spec.id}: node '${nodes.has(from) ? this.self : from}' is not a member of project ${spec.projectId}`,
        { project: spec.projectId },
      );
    }
    const approved = (
      await this.deps.repo.listApprovals({
        flowId: spec.flowId,
        direction: 'incoming',
        status: 'approved',
      })
    ).filter((a) => a.initiator_node_id === from && a.project_id === spec.projectId);
    if (approved.length === 0) {
      throw new FedGridError(
        'FORBIDDEN',
        `job ${spec.id} runs flow ${spec.flowId}, which node '${this.self}' has not approved for '${from}' in project ${spec.projectId}`,
        { flow: spec.flowId },
      );
    }
    const graph = graphOf(spec);
    let differences: string[] = [];
    for (const a of approved) {
      const content = a.content as { dag: FlowDag; config: FlowConfig };
      if (graphOf(content.dag) !== graph) continue;
      const v = paramViolations(content.dag.tasks, spec.tasks, content.config.tunable ?? {});
      if (v.length === 0)
        return { kind: 'flow', flowId: spec.flowId, approvalId: a.id, digest: a.digest };
      differences = v;
    }
    throw new FedGridError(
      'FORBIDDEN',
      differences.length
        ? `job ${spec.id} says it runs flow ${spec.flowId}, but its parameters differ from every version node '${this.self}' approved: ${differences.join('; ')}`
        : `job ${spec.id} says it runs flow ${spec.flowId}, but its parties, datasets or task graph differ from every version node '${this.self}' approved`,
      { flow: spec.flowId, differences },
    );
  }

  /**
   * Before a rerun or a task start of a job accepted under approval `authority.approvalId`: the
   * approval still stands and `spec`'s parameters are within it.
   * @throws FedGridError FORBIDDEN.
   */
  async recheckJob(
    authority: { approvalId: string; flowId: string },
    spec: JobSpec,
  ): Promise<void> {
    const a = await this.deps.repo.getApproval(authority.approvalId);
    if (!a || a.direction !== 'incoming' || a.status !== 'approved') {
      throw new FedGridError(
        'FORBIDDEN',
        `approval ${authority.approvalId} of flow ${authority.flowId}, under which job ${spec.id} was accepted, is ${a?.status ?? 'gone'}`,
        { approval: authority.approvalId },
      );
    }
    const content = a.content as { dag: FlowDag; config: FlowConfig };
    const v = paramViolations(content.dag.tasks, spec.tasks, content.config.tunable ?? {});
    if (v.length) {
      throw new FedGridError(
        'FORBIDDEN',
        `job ${spec.id}: ${v.join('; ')}; change the flow and have node '${this.self}' approve it again`,
        { flow: authority.flowId, differences: v },
      );
    }
  }

  /** The jobs created from a flow, newest first. */
  async jobs(flowId: string, q: Pick<PageQuery, 'page' | 'pageSize'>): Promise<Page<JobView>> {
    await this.row(flowId);
    const { ids, total } = await this.deps.repo.jobIds(
      flowId,
      (q.page - 1) * q.pageSize,
      q.pageSize,
    );
    return {
      items: await Promise.all(ids.map((id) => this.deps.jobs.get(id))),
      total,
      page: q.page,
      pageSize: q.pageSize,
    };
  }

  // ---- Partner side (called over a pinned contract; `from` is the calling node) ----

  /** An initiator asks this node to approve a flow's content. Idempotent on the approval id. */
  async onApprovalRequest(body: unknown, from: string): Promise<ApprovalView> {
    const req = approvalRequestSchema.parse(body);
    // The digest covers the content as sent (before defaults are filled in), so that nodes whose
    // schemas differ in defaults still agree on it; that content is also what is stored.
    const raw = body as { dag: FlowDag; config: FlowConfig };
    if (!req.approvalId.startsWith(`${from}:apv-`) || !req.flowId.startsWith(`${from}:flow-`)) {
      throw new FedGridError(
        'FORBIDDEN',
        `node '${from}' can only ask approval of its own flows with its own approval ids ('${from}:flow-…', '${from}:apv-…')`,
        { flow: req.flowId, approval: req.approvalId },
      );
    }
    const digest = flowDigest(raw.dag, raw.config);
    if (digest !== req.digest) {
      throw errors.validation(
        `the flow's content hashes to ${digest}, but the request says ${req.digest}; the content was changed on the way or hashed differently`,
        { field: 'digest', expected: digest },
      );
    }
    if (!new Set(partyNodes(req.dag).values()).has(this.self)) {
      throw errors.validation(`node '${this.self}' takes no part in flow ${req.flowId}`, {
        flow: req.flowId,
      });
    }
    validateFlow(req.name, req.dag, req.config);
    let nodes: Set<string>;
    try {
      nodes = (await this.deps.projects.participants(req.projectId)).nodes;
    } catch (err) {
      if (err instanceof FedGridError && err.code === 'NOT_FOUND') {
        throw new FedGridError(
          'FORBIDDEN',
          `node '${this.self}' is not in project ${req.projectId}`,
          { project: req.projectId },
        );
      }
      throw err;
    }
    if (!nodes.has(from)) {
      throw new FedGridError(
        'FORBIDDEN',
        `node '${from}' is not a member of project ${req.projectId}`,
        { project: req.projectId, node: from },
      );
    }
    const existing = await this.deps.repo.getApproval(req.approvalId);
    if (existing) {
      if (
        existing.direction !== 'incoming' ||
        existing.initiator_node_id !== from ||
        existing.digest !== req.digest
      ) {
        throw errors.conflict(`approval ${req.approvalId} exists with other content`, {
          approval: req.approvalId,
        });
      }
      return this.approvalView(existing);
    }
    await this.deps.repo.insertApproval({
      id: req.approvalId,
      direction: 'incoming',
      flow_id: req.flowId,
      project_id: req.projectId,
      initiator_node_id: from,
      approver_node_id: this.self,
      flow_version: req.flowVersion,
      digest: req.digest,
      content: json({
        name: req.name,
        description: req.description,
        dag: raw.dag,
        config: raw.config,
      }),
      status: 'pending',
      reason: null,
      delivery_error: null,
      answered_at: null,
    });
    return this.getApproval(req.approvalId);
  }

  /** The initiator asks for this node's answer (fallback of the callback). */
  async approvalFor(id: string, from: string): Promise<ApprovalView> {
    const a = await this.deps.repo.getApproval(id);
    if (!a || a.direction !== 'incoming' || a.initiator_node_id !== from) {
      throw errors.notFound('approval', id);
    }
    return this.approvalView(a);
  }

  /** A partner answers (callback). */
  async onApprovalAnswer(id: string, body: unknown, from: string): Promise<void> {
    const ans = approvalAnswerSchema.parse(body);
    const a = await this.deps.repo.getApproval(id);
    if (!a || a.direction !== 'outgoing' || a.approver_node_id !== from) {
      throw errors.notFound('approval', id);
    }
    if (ans.digest !== a.digest) {
      throw errors.conflict(`approval ${id} is for digest ${a.digest}, not ${ans.digest}`, {
        approval: id,
      });
    }
    if (a.status === ans.status) return;
    if (a.status !== 'pending') {
      throw errors.conflict(
        `approval ${id} is ${a.status}${a.status === 'withdrawn' ? ' (the flow changed or was deleted)' : ''}`,
        { approval: id, status: a.status },
      );
    }
    await this.deps.repo.updateApproval(id, {
      status: ans.status,
      reason: ans.reason ?? null,
      answered_at: new Date(),
    });
  }

  /** The initiator withdrew a request (its flow changed or was deleted). */
  async onWithdrawn(id: string, from: string): Promise<void> {
    const a = await this.deps.repo.getApproval(id);
    if (!a || a.direction !== 'incoming' || a.initiator_node_id !== from) {
      throw errors.notFound('approval', id);
    }
    if (a.status === 'pending') {
      await this.deps.repo.updateApproval(id, {
        status: 'withdrawn',
        reason: `withdrawn by ${from}: the flow changed or was deleted`,
      });
    }
  }
}
