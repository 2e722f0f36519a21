/**
 * Projects (项目): a cooperation space holding nodes, datasets, flows and models. Interconnection
 * standard 001 §8 project protocol (项目创建、查询、更新、删除); issue #4 item 4.
 *
 *   owner                                         partner (contracted)
 *   create ─▶ active (own project)
 *   invite ── POST /v1/interconn/projects ───────▶ copy: active, membership invited
 *   member row: invited                            accept | reject (its admin)
 *          ◀── POST …/projects/:id/answer ───────  membership accepted | rejected   (callback)
 *   sync   ── GET  …/projects/:id/membership ────▶ (fallback when the callback was lost)
 *   update ── PUT  …/projects/:id ───────────────▶ copy updated (newest version wins)
 *   remove ── DELETE …/projects/:id/membership ──▶ membership removed
 *   delete ── DELETE …/projects/:id ─────────────▶ copy deleted
 *
 * Partner routes are only reachable over a pinned, active, unexpired contract (the auth hook);
 * this service checks ownership and membership on top.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import { queryBoolean } from '../server/query-boolean.js';
import type { ContractService } from '../contracts/contracts.service.js';
import { errors, FedGridError } from '../errors/errors.js';
import type { PeerClient } from '../peers/peer-client.js';
import { matches, pageOf, type Page, type PageQuery } from '../server/paging.js';
import type { MemberRow, ProjectRow, ProjectsRepo } from './projects.repo.js';

export const PROJECT_TYPES = ['vertical', 'horizontal', 'statistics', 'transfer', 'other'] as const;
export const MEMBER_STATUSES = ['invited', 'accepted', 'rejected', 'removed'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

const name = z.string().trim().min(1, 'a project needs a name').max(200);
const description = z.string().max(2000);
const type = z.enum(PROJECT_TYPES);

export const createProjectSchema = z.object({
  name,
  description: description.default(''),
  type: type.default('other'),
});
export type CreateProjectInput = z.input<typeof createProjectSchema>;

export const updateProjectSchema = z
  .object({ name: name.optional(), description: description.optional(), type: type.optional() })
  .refine((v) => v.name !== undefined || v.description !== undefined || v.type !== undefined, {
    message: 'nothing to update: give name, description or type',
  });
export type UpdateProjectInput = z.input<typeof updateProjectSchema>;

export const inviteSchema = z.object({ node: z.string().min(1).max(64) });
export const reasonSchema = z.object({ reason: z.string().max(2000).optional() });

export const projectListQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(1000).default(100),
  q: z.string().max(200).optional(),
  exact: queryBoolean.optional(),
  /** 'owner': this node's own projects; 'member': partners' projects this node was invited to. */
  role: z.enum(['owner', 'member', 'all']).default('all'),
  /** Project status; 'all' includes deleted projects. */
  status: z.enum(['active', 'deleted', 'all']).default('active'),
  /** This node's membership (member copies only), e.g. 'invited' for pending invitations. */
  membership: z.enum(MEMBER_STATUSES).optional(),
});
export type ProjectListQuery = z.infer<typeof projectListQuerySchema>;

/** A project as the owner sends it to members (the partner routes' wire form). */
export const projectWireSchema = z.object({
  id: z.string().min(1).max(200),
  owner: z.string().min(1).max(64),
  name: z.string().min(1).max(200),
  description: z.string().max(2000),
  type: z.string().min(1).max(64),
  status: z.enum(['active', 'deleted']),
  version: z.number().int().min(1),
  createdAt: z.string().datetime(),
  updatedAt: z.string().datetime(),
  members: z
    .array(z.object({ nodeId: z.string().min(1).max(64), status: z.enum(MEMBER_STATUSES) }))
    .max(1000),
});
export type ProjectWire = z.infer<typeof projectWireSchema>;

/** Owner → partner: an invitation (`retry`: the owner has no answer to an earlier one yet). */
export const invitationSchema = projectWireSchema.extend({ retry: z.boolean().default(false) });

/** Member → owner: the member's answer to an invitation. */
export const membershipAnswerSchema = z.object({
  status: z.enum(['accepted', 'rejected']),
  reason: z.string().max(2000).optional(),
});

export interface ProjectMemberView {
  nodeId: string;
  status: MemberStatus;
  reason: string | null;
  invitedAt: string;
  answeredAt: string | null;
  updatedAt: string;
}

export interface ProjectView {
  id: string;
  name: string;
  description: string;
  type: string;
  owner: string;
  /** 'active' | 'deleted'. */
  status: string;
  version: number;
  /** 'owner': this node's project; 'member': a partner's project this node was invited to. */
  role: 'owner' | 'member';
  /** This node's membership of a partner's project (null for own projects). */
  membership: MemberStatus | null;
  /** On the owner: every invited node; on a member's copy: as last synced by the owner. */
  members: ProjectMemberView[];
  /** Member copy: why the last callback to the owner failed. */
  syncError: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Whether a partner was told of a change (update sync, removal, deletion). */
export interface Delivery {
  node: string;
  ok: boolean;
  error?: string;
}

/** The answer of a member's status query (the fallback of the answer callback). */
export interface MembershipStatus {
  projectId: string;
  nodeId: string;
  status: MemberStatus;
  reason: string | null;
  answeredAt: string | null;
}

export interface ProjectPage extends Page<ProjectView> {
  /** Counts over every match (not just this page). */
  stats: {
    byType: Record<string, number>;
    byRole: { owner: number; member: number };
    byStatus: Record<string, number>;
  };
}

export interface ProjectServiceDeps {
  selfNodeId: string;
  repo: ProjectsRepo;
  contracts: ContractService;
  peers: PeerClient;
  log: Logger;
}

const iso = (d: Date | string) => new Date(d).toISOString();
const isoOrNull = (d: Date | string | null) => (d ? iso(d) : null);
const enc = encodeURIComponent;

function memberView(m: MemberRow): ProjectMemberView {
  return {
    nodeId: m.node_id,
    status: m.status as MemberStatus,
    reason: m.reason,
    invitedAt: iso(m.invited_at),
    answeredAt: isoOrNull(m.answered_at),
    updatedAt: iso(m.updated_at),
  };
}

export class ProjectService {
  constructor(private readonly deps: ProjectServiceDeps) {}

  private get self(): string {
    return this.deps.selfNodeId;
  }

  private async call<T>(node: string, method: string, path: string, body?: unknown): Promise<T> {
    return this.deps.peers.call<T>(await this.deps.contracts.peerApi(node), method, path, body);
  }

  private view(r: ProjectRow, members: MemberRow[]): ProjectView {
    const owner = r.owner_node_id === this.self;
    const mine = members.find((m) => m.node_id === this.self);
    return {
      id: r.id,
      name: r.name,
      description: r.description,
      type: r.type,
      owner: r.owner_node_id,
      status: r.status,
      version: r.version,
      role: owner ? 'owner' : 'member',
      membership: owner ? null : ((mine?.status as MemberStatus | undefined) ?? null),
      members: members.filter((m) => m.node_id !== r.owner_node_id).map(memberView),
      syncError: r.sync_error,
      createdAt: iso(r.created_at),
      updatedAt: iso(r.updated_at),
    };
  }

  private wire(r: ProjectRow, members: MemberRow[]): ProjectWire {
    return {
      id: r.id,
      owner: r.owner_node_id,
      name: r.name,
      description: r.description,
      type: r.type,
      status: r.status as ProjectWire['status'],
      version: r.version,
      createdAt: iso(r.created_at),
      updatedAt: iso(r.updated_at),
      members: members.map((m) => ({ nodeId: m.node_id, status: m.status as MemberStatus })),
    };
  }

  private async row(id: string): Promise<ProjectRow> {
    const r = await this.deps.repo.get(id);
    if (!r) throw errors.notFound('project', id);
    return r;
  }

  /** An active project this node owns. @throws NOT_FOUND, FORBIDDEN (not the owner), CONFLICT (deleted). */
  private async ownedActive(id: string, action: string): Promise<ProjectRow> {
    const r = await this.row(id);
    if (r.owner_node_id !== this.self) {
      throw new FedGridError(
        'FORBIDDEN',
        `project ${id} is owned by node '${r.owner_node_id}'; only its owner can ${action} it`,
        { project: id, owner: r.owner_node_id },
      );
    }
    if (r.status !== 'active')
      throw errors.conflict(`project ${id} is ${r.status}; it cannot be changed`, { project: id });
    return r;
  }

  async get(id: string): Promise<ProjectView> {
    const r = await this.row(id);
    return this.view(r, await this.deps.repo.members(id));
  }

  /** Creates a project owned by this node. */
  async create(input: CreateProjectInput): Promise<ProjectView> {
    const inp = createProjectSchema.parse(input);
    const id = `${this.self}:prj-${randomUUID()}`;
    await this.deps.repo.insert({
      id,
      owner_node_id: this.self,
      name: inp.name,
      description: inp.description,
      type: inp.type,
      status: 'active',
      version: 1,
      sync_error: null,
    });
    return this.get(id);
  }

  /** Own projects and partners' projects this node holds, filtered and paged, with counts. */
  /** @param visible which projects the caller may see (its scopes; default all) */
  async list(
    q: ProjectListQuery,
    visible: (p: { id: string; name: string }) => boolean = () => true,
  ): Promise<ProjectPage> {
    const rows = await this.deps.repo.list();
    const members = await this.deps.repo.membersOf(rows.map((r) => r.id));
    const all = rows
      .map((r) => this.view(r, members.get(r.id) ?? []))
      .filter(
        (v) =>
          visible(v) &&
          (q.status === 'all' || v.status === q.status) &&
          (q.role === 'all' || v.role === q.role) &&
          (!q.membership || v.membership === q.membership) &&
          (matches(v.name, q) || (q.q !== undefined && v.id === q.q)),
      );
    const count = (key: (v: ProjectView) => string) =>
      all.reduce<Record<string, number>>((acc, v) => {
        acc[key(v)] = (acc[key(v)] ?? 0) + 1;
        return acc;
      }, {});
    return {
      ...pageOf(all, q),
      stats: {
        byType: count((v) => v.type),
        byRole: {
          owner: all.filter((v) => v.role === 'owner').length,
          member: all.filter((v) => v.role === 'member').length,
        },
        byStatus: count((v) => v.status),
      },
    };
  }

  /** Sends the project's current content to every invited or accepted member. */
  private async pushToMembers(
    r: ProjectRow,
    members: MemberRow[],
    method: 'PUT' | 'DELETE',
  ): Promise<Delivery[]> {
    const body = method === 'PUT' ? this.wire(r, members) : undefined;
    const targets = members.filter((m) => m.status === 'invited' || m.status === 'accepted');
    return Promise.all(
      targets.map(async (m) => {
        try {
          await this.call(m.node_id, method, `/v1/interconn/projects/${enc(r.id)}`, body);
          return { node: m.node_id, ok: true };
        } catch (err) {
          this.deps.log.warn({ err, project: r.id, node: m.node_id }, 'project sync failed');
          return { node: m.node_id, ok: false, error: (err as Error).message };
        }
      }),
    );
  }

  /**
   * Updates an own project and sends the new version to its invited and accepted members (a
   * member that misses it can pull it with {@link refresh}).
   */
  async update(id: string, input: UpdateProjectInput): Promise<ProjectView & { sync: Delivery[] }> {
    const patch = updateProjectSchema.parse(input);
    const r = await this.ownedActive(id, 'update');
    await this.deps.repo.update(id, {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.type !== undefined ? { type: patch.type } : {}),
      version: r.version + 1,
    });
    const updated = await this.row(id);
    const members = await this.deps.repo.members(id);
    const sync = await this.pushToMembers(updated, members, 'PUT');
    return { ...this.view(updated, members), sync };
  }

  /**
   * Deletes an own project (it stays readable with status 'deleted') and tells its members,
   * whose copies become deleted. Deleting again re-sends the notice.
   */
  async delete(id: string): Promise<ProjectView & { sync: Delivery[] }> {
    const r = await this.row(id);
    if (r.owner_node_id !== this.self) {
      throw new FedGridError(
        'FORBIDDEN',
        `project ${id} is owned by node '${r.owner_node_id}'; only its owner can delete it`,
        { project: id, owner: r.owner_node_id },
      );
    }
    if (r.status !== 'deleted') await this.deps.repo.update(id, { status: 'deleted' });
    const deleted = await this.row(id);
    const members = await this.deps.repo.members(id);
    const sync = await this.pushToMembers(deleted, members, 'DELETE');
    return { ...this.view(deleted, members), sync };
  }

  /**
   * Invites a contracted partner into an own project: the partner stores the project with
   * membership 'invited' until its admin answers. Inviting again re-sends the invitation (and
   * picks up an answer whose callback was lost).
   * @throws FORBIDDEN when there is no active contract with `node`; CONFLICT when it is already
   *   a member.
   */
  async invite(id: string, node: string): Promise<ProjectView> {
    const r = await this.ownedActive(id, 'invite nodes into');
    if (node === this.self) throw errors.validation(`node '${node}' owns project ${id}`);
    const existing = await this.deps.repo.member(id, node);
    if (existing?.status === 'accepted') {
      throw errors.conflict(`node '${node}' is already a member of project ${id}`, {
        project: id,
        node,
      });
    }
    const api = await this.deps.contracts.peerApi(node);
    const members = (await this.deps.repo.members(id)).filter((m) => m.node_id !== node);
    const now = new Date();
    const invited: MemberRow = {
      project_id: id,
      node_id: node,
      status: 'invited',
      reason: null,
      invited_at: now,
      answered_at: null,
      updated_at: now,
    };
    const res = await this.deps.peers.call<{ membership: MemberStatus; reason?: string | null }>(
      api,
      'POST',
      '/v1/interconn/projects',
      { ...this.wire(r, [...members, invited]), retry: existing?.status === 'invited' },
    );
    const answered = res.membership === 'accepted' || res.membership === 'rejected';
    await this.deps.repo.putMember({
      ...invited,
      status: answered ? res.membership : 'invited',
      reason: answered ? (res.reason ?? null) : null,
      answered_at: answered ? now : null,
    });
    return this.get(id);
  }

  /** Removes a member from an own project and tells it (best effort). */
  async removeMember(id: string, node: string): Promise<ProjectView & { sync: Delivery[] }> {
    await this.ownedActive(id, 'remove members from');
    const m = await this.deps.repo.member(id, node);
    if (!m || m.status === 'removed' || m.status === 'rejected') {
      throw errors.notFound('member', node);
    }
    await this.deps.repo.putMember({ ...m, status: 'removed', reason: 'removed by the owner' });
    let delivery: Delivery = { node, ok: true };
    try {
      await this.call(node, 'DELETE', `/v1/interconn/projects/${enc(id)}/membership`);
    } catch (err) {
      delivery = { node, ok: false, error: (err as Error).message };
    }
    return { ...(await this.get(id)), sync: [delivery] };
  }

  /**
   * Owner: asks a member for its membership status (the fallback when its answer callback was
   * lost) and records an answer found there.
   */
  async syncMember(
    id: string,
    node: string,
  ): Promise<ProjectMemberView & { remote: MembershipStatus }> {
    await this.ownedActive(id, 'query members of');
    const m = await this.deps.repo.member(id, node);
    if (!m) throw errors.notFound('member', node);
    const remote = await this.call<MembershipStatus>(
      node,
      'GET',
      `/v1/interconn/projects/${enc(id)}/membership`,
    );
    if (m.status === 'invited' && (remote.status === 'accepted' || remote.status === 'rejected')) {
      await this.deps.repo.putMember({
        ...m,
        status: remote.status,
        reason: remote.reason,
        answered_at: remote.answeredAt ?? new Date(),
      });
    }
    return { ...memberView((await this.deps.repo.member(id, node)) as MemberRow), remote };
  }

  /**
   * Member: accepts or rejects an invitation and tells the owner. Answering again with the same
   * answer re-sends the callback (e.g. after it failed; see `syncError`).
   */
  async answer(id: string, status: 'accepted' | 'rejected', reason?: string): Promise<ProjectView> {
    const r = await this.row(id);
    if (r.owner_node_id === this.self) {
      throw errors.validation(
        `project ${id} is this node's own project; there is nothing to answer`,
      );
    }
    if (r.status !== 'active') {
      throw errors.conflict(`project ${id} was ${r.status} by its owner`, { project: id });
    }
    const mine = await this.deps.repo.member(id, this.self);
    if (!mine || (mine.status !== 'invited' && mine.status !== status)) {
      throw errors.conflict(
        `this node's membership of project ${id} is ${mine?.status ?? 'unknown'}; only an invitation can be ${status}`,
        { project: id, membership: mine?.status },
      );
    }
    if (mine.status === 'invited') {
      await this.deps.repo.putMember({
        ...mine,
        status,
        reason: reason ?? null,
        answered_at: new Date(),
      });
    }
    try {
      await this.call(r.owner_node_id, 'POST', `/v1/interconn/projects/${enc(id)}/answer`, {
        status,
        ...(reason ? { reason } : mine.reason ? { reason: mine.reason } : {}),
      });
      await this.deps.repo.update(id, { sync_error: null, updated_at: r.updated_at });
    } catch (err) {
      // The owner can still learn the answer by querying it (syncMember).
      await this.deps.repo.update(id, {
        sync_error: `callback to the owner failed: ${(err as Error).message}`,
        updated_at: r.updated_at,
      });
    }
    return this.get(id);
  }

  /** Member: fetches the owner's current version of a project (when an update sync was missed). */
  async refresh(id: string): Promise<ProjectView> {
    const r = await this.row(id);
    if (r.owner_node_id === this.self) return this.get(id);
    const wire = projectWireSchema.parse(
      await this.call(r.owner_node_id, 'GET', `/v1/interconn/projects/${enc(id)}`),
    );
    await this.apply(r, wire);
    return this.get(id);
  }

  /** The projects a partner shares with this node (proxied to the partner). */
  async partnerList(node: string, q: PageQuery): Promise<Page<ProjectWire>> {
    const qs = new URLSearchParams({ page: String(q.page), pageSize: String(q.pageSize) });
    if (q.q) qs.set('q', q.q);
    if (q.exact) qs.set('exact', 'true');
    return this.call<Page<ProjectWire>>(node, 'GET', `/v1/interconn/projects?${qs}`);
  }

  /** One project a partner shares with this node (proxied to the partner). */
  async partnerGet(node: string, id: string): Promise<ProjectWire> {
    return this.call<ProjectWire>(node, 'GET', `/v1/interconn/projects/${enc(id)}`);
  }

  // ---- Partner side (called over a pinned contract; `from` is the calling node) ----

  /** Applies an owner's version of a project to the local copy (newest version wins). */
  private async apply(r: ProjectRow, wire: ProjectWire): Promise<void> {
    if (wire.version >= r.version) {
      await this.deps.repo.update(r.id, {
        name: wire.name,
        description: wire.description,
        type: wire.type,
        status: r.status === 'deleted' ? 'deleted' : wire.status,
        version: wire.version,
        updated_at: wire.updatedAt,
      });
      await this.deps.repo.replaceOtherMembers(
        r.id,
        this.self,
        wire.members.map((m) => ({ project_id: r.id, node_id: m.nodeId, status: m.status })),
      );
    }
  }

  /** An owner invites this node: store (or refresh) the copy with membership 'invited'. */
  async onInvite(
    body: unknown,
    from: string,
  ): Promise<{ projectId: string; membership: MemberStatus; reason?: string | null }> {
    const { retry, ...wire } = invitationSchema.parse(body);
    if (wire.owner !== from || !wire.id.startsWith(`${from}:prj-`)) {
      throw new FedGridError(
        'FORBIDDEN',
        `node '${from}' can only invite into its own projects (ids '${from}:prj-…'), not ${wire.id} of '${wire.owner}'`,
        { project: wire.id },
      );
    }
    if (wire.status !== 'active') throw errors.validation(`project ${wire.id} is ${wire.status}`);
    const existing = await this.deps.repo.get(wire.id);
    if (!existing) {
      await this.deps.repo.insert(
        {
          id: wire.id,
          owner_node_id: from,
          name: wire.name,
          description: wire.description,
          type: wire.type,
          status: 'active',
          version: wire.version,
          sync_error: null,
          created_at: wire.createdAt,
          updated_at: wire.updatedAt,
        },
        wire.members
          .filter((m) => m.nodeId !== this.self)
          .map((m) => ({ project_id: wire.id, node_id: m.nodeId, status: m.status }))
          .concat([{ project_id: wire.id, node_id: this.self, status: 'invited' }]),
      );
      return { projectId: wire.id, membership: 'invited' };
    }
    if (existing.owner_node_id !== from) throw errors.conflict(`project ${wire.id} exists here`);
    if (existing.status === 'deleted') await this.deps.repo.update(wire.id, { status: 'active' });
    await this.apply({ ...existing, status: 'active' }, wire);
    const mine = await this.deps.repo.member(wire.id, this.self);
    // A retried invitation keeps an answer already given (and reports it, so that the owner
    // learns an answer whose callback was lost); a new one after a rejection or removal starts over.
    if (retry && mine && (mine.status === 'accepted' || mine.status === 'rejected')) {
      return { projectId: wire.id, membership: mine.status as MemberStatus, reason: mine.reason };
    }
    await this.deps.repo.putMember({
      project_id: wire.id,
      node_id: this.self,
      status: 'invited',
      reason: null,
      invited_at: new Date(),
      answered_at: null,
    });
    return { projectId: wire.id, membership: 'invited' };
  }

  /** The active projects this node owns in which `from` is invited or a member. */
  async sharedWith(from: string, q: PageQuery): Promise<Page<ProjectWire>> {
    const rows = (await this.deps.repo.ownedWithMember(this.self, from, ['invited', 'accepted']))
      .filter((r) => r.status === 'active')
      .filter((r) => matches(r.name, q) || (q.q !== undefined && r.id === q.q));
    const members = await this.deps.repo.membersOf(rows.map((r) => r.id));
    return pageOf(
      rows.map((r) => this.wire(r, members.get(r.id) ?? [])),
      q,
    );
  }

  /** One project, to its owner or to a node invited into it. @throws FORBIDDEN otherwise. */
  async sharedGet(id: string, from: string): Promise<ProjectWire> {
    const r = await this.deps.repo.get(id);
    const refuse = () =>
      new FedGridError('FORBIDDEN', `project '${id}' is not shared with node '${from}'`, {
        project: id,
        node: from,
      });
    if (!r) throw refuse();
    const members = await this.deps.repo.members(id);
    if (r.owner_node_id === this.self) {
      const m = members.find((x) => x.node_id === from);
      if (!m || (m.status !== 'invited' && m.status !== 'accepted')) throw refuse();
    } else if (r.owner_node_id !== from) {
      throw refuse();
    }
    return this.wire(r, members);
  }

  /** The owner sends an updated version. */
  async onUpdate(id: string, body: unknown, from: string): Promise<{ version: number }> {
    const wire = projectWireSchema.parse(body);
    if (wire.id !== id) throw errors.validation(`body is project ${wire.id}, the path says ${id}`);
    const r = await this.copyOwnedBy(id, from);
    await this.apply(r, wire);
    return { version: (await this.row(id)).version };
  }

  /** The owner deleted the project. */
  async onDelete(id: string, from: string): Promise<void> {
    await this.copyOwnedBy(id, from);
    await this.deps.repo.update(id, { status: 'deleted' });
  }

  /** The owner removed this node from the project. */
  async onRemoved(id: string, from: string): Promise<void> {
    await this.copyOwnedBy(id, from);
    const mine = await this.deps.repo.member(id, this.self);
    await this.deps.repo.putMember({
      project_id: id,
      node_id: this.self,
      status: 'removed',
      reason: `removed by ${from}`,
      ...(mine ? { invited_at: mine.invited_at, answered_at: mine.answered_at } : {}),
    });
  }

  /** The owner asks for this node's membership (fallback of the answer callback). */
  async membershipFor(id: string, from: string): Promise<MembershipStatus> {
    await this.copyOwnedBy(id, from);
    const mine = await this.deps.repo.member(id, this.self);
    if (!mine) throw errors.notFound('member', this.self);
    return {
      projectId: id,
      nodeId: this.self,
      status: mine.status as MemberStatus,
      reason: mine.reason,
      answeredAt: isoOrNull(mine.answered_at),
    };
  }

  /** A member answers an invitation (callback). */
  async onAnswer(id: string, body: unknown, from: string): Promise<void> {
    const a = membershipAnswerSchema.parse(body);
    const r = await this.deps.repo.get(id);
    if (!r || r.owner_node_id !== this.self) throw errors.notFound('project', id);
    const m = await this.deps.repo.member(id, from);
    if (!m) {
      throw new FedGridError('FORBIDDEN', `node '${from}' was not invited into project ${id}`, {
        project: id,
        node: from,
      });
    }
    if (m.status === a.status) return;
    if (m.status !== 'invited') {
      throw errors.conflict(
        `node '${from}' is ${m.status} in project ${id}; only an invitation can be answered`,
        { project: id, node: from, membership: m.status },
      );
    }
    await this.deps.repo.putMember({
      ...m,
      status: a.status,
      reason: a.reason ?? null,
      answered_at: new Date(),
    });
  }

  private async copyOwnedBy(id: string, from: string): Promise<ProjectRow> {
    const r = await this.deps.repo.get(id);
    if (!r || r.owner_node_id !== from || r.owner_node_id === this.self) {
      throw errors.notFound('project', id);
    }
    return r;
  }

  // ---- For flows ----

  /**
   * The nodes taking part in an active project: its owner and its accepted members. On a
   * member's copy this node must have accepted, and the member list is asked of the owner (the
   * local copy is used when the owner cannot be reached).
   * @throws NOT_FOUND, CONFLICT (deleted), FORBIDDEN (this node has not accepted).
   */
  async participants(id: string): Promise<{ project: ProjectView; nodes: Set<string> }> {
    const project = await this.get(id);
    if (project.status !== 'active') {
      throw errors.conflict(`project ${id} is ${project.status}`, { project: id });
    }
    let members: { nodeId: string; status: string }[] = project.members;
    if (project.role === 'member') {
      if (project.membership !== 'accepted') {
        throw new FedGridError(
          'FORBIDDEN',
          `this node's membership of project ${id} is ${project.membership}; accept the invitation first (fedgrid project accept ${id})`,
          { project: id, membership: project.membership },
        );
      }
      try {
        const wire = await this.partnerGet(project.owner, id);
        if (wire.status !== 'active') {
          throw errors.conflict(`project ${id} is ${wire.status}`, { project: id });
        }
        members = wire.members;
      } catch (err) {
        if (err instanceof FedGridError && err.code === 'CONFLICT') throw err;
        this.deps.log.warn({ err, project: id }, 'owner unreachable; using the local member list');
        members = [...project.members, { nodeId: this.self, status: 'accepted' }];
      }
    }
    return {
      project,
      nodes: new Set([
        project.owner,
        ...members.filter((m) => m.status === 'accepted').map((m) => m.nodeId),
      ]),
    };
  }
}
