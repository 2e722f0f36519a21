/**
 * The node's project answers (GET /v1/projects, /v1/projects/:id, the member and sync routes,
 * GET /v1/partners/:node/projects), shared by the CLI and the console. Written by hand beside the
 * generated `schema.ts`: the node does not declare response schemas yet, so these mirror
 * packages/node/src/projects/projects.service.ts (`ProjectView`, `ProjectPage`, `ProjectWire`).
 * One copy here instead of one per caller is what keeps them from drifting apart.
 */
import type { Page } from './page.js';

/** A node's membership of a project. */
export type ProjectMemberStatus = 'invited' | 'accepted' | 'rejected' | 'removed';

/** One invited node as the owner records it. */
export interface ProjectMemberView {
  nodeId: string;
  status: ProjectMemberStatus;
  /** Why the node rejected (null otherwise). */
  reason: string | null;
  invitedAt: string;
  answeredAt: string | null;
  updatedAt: string;
}

/** Whether a partner was told of a change (update sync, member removal, deletion). */
export interface ProjectDelivery {
  node: string;
  ok: boolean;
  error?: string;
}

/** One project on this node (GET /v1/projects/:id). */
export interface ProjectView {
  id: string;
  name: string;
  description: string;
  /** `vertical`, `horizontal`, `statistics`, `transfer` or `other`. */
  type: string;
  owner: string;
  /** `active` or `deleted`. */
  status: string;
  version: number;
  /** `owner`: this node's project; `member`: a partner's project this node was invited to. */
  role: 'owner' | 'member';
  /** This node's membership of a partner's project (null for its own projects). */
  membership: ProjectMemberStatus | null;
  /** On the owner: every invited node; on a member's copy: as last synced by the owner. */
  members: ProjectMemberView[];
  /** Member copy: why the last callback to the owner failed. */
  syncError: string | null;
  createdAt: string;
  updatedAt: string;
  /** Answers of update, delete and member removal: which partners were told. */
  sync?: ProjectDelivery[];
}

/** GET /v1/projects: a page of projects with counts over every match. */
export interface ProjectPage extends Page<ProjectView> {
  stats?: {
    byType: Record<string, number>;
    byRole: { owner: number; member: number };
    byStatus?: Record<string, number>;
  };
}

/** A partner's project as the partner shares it (GET /v1/partners/:node/projects[/:id]). */
export interface SharedProjectView {
  id: string;
  owner: string;
  name: string;
  description: string;
  type: string;
  /** `active` or `deleted`. */
  status: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  members: { nodeId: string; status: ProjectMemberStatus }[];
}
