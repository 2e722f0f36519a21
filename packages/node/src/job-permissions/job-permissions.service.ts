/**
 * Job permissions (作业权限): the data owner's explicit, audited consent to a partner's **ad-hoc**
 * jobs — jobs that run no flow this node approved. Off by default: without a permission a
 * partner's job is accepted only when its DAG and parameters hash to a flow version this node
 * approved (see flows). A permission names the partner, the roles this node may play in its
 * jobs (`host`, `arbiter`, `edge`, …), the components that may run on this node's parties and,
 * optionally, the datasets they may read. Grants still govern each dataset's use (scope, expiry,
 * uses); a permission adds no data access. The shape follows FATE-Flow's permission model
 * (role, command, component, dataset) and DESIGN.md's security model: the owner runs a
 * computation only if it approved that DAG, or it falls under an explicit, audited setting.
 *
 *   permission: active ──revoke──▶ revoked
 *               active ──(expiresAt passes)──▶ expired   (computed)
 */
import { randomUUID } from 'node:crypto';
import { componentByCode, roleOf } from '@fedgrid/components';
import { z } from 'zod';
import { errors, FedGridError } from '../errors/errors.js';
import { JobPermissionsRepo, type JobPermissionRow } from './job-permissions.repo.js';

/** Roles a node can play in a job (party names without their index). */
export const JOB_ROLES = ['guest', 'host', 'arbiter', 'edge'] as const;

export const createJobPermissionSchema = z.object({
  /** The partner node whose ad-hoc jobs this permits. */
  partner: z.string().min(1).max(64),
  /** Roles this node may play in them. */
  roles: z.array(z.enum(JOB_ROLES)).min(1),
  /** Components that may run on this node's parties (codes, e.g. psi-ecdh, hetero-lr). */
  components: z.array(z.string().min(1).max(100)).min(1).max(200),
  /** Datasets (ids or names) the jobs may read; omitted: any dataset the partner holds a grant for. */
  datasets: z.array(z.string().min(1).max(300)).min(1).max(1000).optional(),
  expiresAt: z.string().datetime({ offset: true }).optional(),
  /** Why the permission was given (kept with it, shown in listings and the audit log). */
  note: z.string().max(2000).optional(),
});
export type CreateJobPermissionInput = z.input<typeof createJobPermissionSchema>;

export interface JobPermissionView {
  id: string;
  partner: string;
  roles: string[];
  components: string[];
  datasets: string[] | null;
  expiresAt: string | null;
  /** active, revoked or expired. */
  status: string;
  note: string;
  createdAt: string;
  revokedAt: string | null;
}

/** What one local party of an ad-hoc job needs: its role, the components it runs, its dataset. */
export interface PartyNeed {
  party: string;
  components: string[];
  /** Dataset id the party reads (none for an arbiter or edge). */
  dataset?: string;
}

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

function view(r: JobPermissionRow): JobPermissionView {
  const expired = r.expires_at !== null && new Date(r.expires_at) <= new Date();
  return {
    id: r.id,
    partner: r.partner_node_id,
    roles: r.roles as string[],
    components: r.components as string[],
    datasets: (r.datasets as string[] | null) ?? null,
    expiresAt: iso(r.expires_at),
    status: r.status === 'active' && expired ? 'expired' : r.status,
    note: r.note,
    createdAt: new Date(r.created_at).toISOString(),
    revokedAt: iso(r.revoked_at),
  };
}

export class JobPermissionService {
  readonly repo: JobPermissionsRepo;
  private readonly revokeListeners: ((id: string) => Promise<void>)[] = [];

  constructor(
    repo: JobPermissionsRepo,
    private readonly deps: {
      selfNodeId: string;
      /** Resolves a dataset id or name to its id. @throws NOT_FOUND */
      resolveDataset(idOrName: string): Promise<{ id: string }>;
    },
  ) {
    this.repo = repo;
  }

  /**
   * Permits `partner`'s ad-hoc jobs of the listed components in the listed roles.
   * @throws FedGridError VALIDATION_FAILED (unknown component, own node), NOT_FOUND (dataset).
   */
  async create(input: CreateJobPermissionInput): Promise<JobPermissionView> {
    const inp = createJobPermissionSchema.parse(input);
    if (inp.partner === this.deps.selfNodeId)
      throw errors.validation('a node needs no permission for its own jobs', { field: 'partner' });
    for (const c of inp.components) {
      try {
        componentByCode(c);
      } catch (err) {
        throw errors.validation(`components: ${(err as Error).message}`, {
          field: 'components',
          component: c,
        });
      }
    }
    const datasets = inp.datasets
      ? await Promise.all(inp.datasets.map(async (d) => (await this.deps.resolveDataset(d)).id))
      : null;
    const id = `${this.deps.selfNodeId}:perm-${randomUUID()}`;
    await this.repo.insert({
      id,
      partner: inp.partner,
      roles: [...new Set(inp.roles)],
      components: [...new Set(inp.components)],
      datasets: datasets ? [...new Set(datasets)] : null,
      expiresAt: inp.expiresAt ?? null,
      note: inp.note ?? '',
    });
    return this.get(id);
  }

  async get(id: string): Promise<JobPermissionView> {
    const r = await this.repo.get(id);
    if (!r) throw errors.notFound('job permission', id);
    return view(r);
  }

  async list(filter: { partner?: string; status?: string } = {}): Promise<JobPermissionView[]> {
    const views = (await this.repo.list(filter.partner)).map(view);
    return filter.status ? views.filter((v) => v.status === filter.status) : views;
  }

  /** Registers what happens to the jobs accepted under a permission when it is revoked. */
  onRevoke(listener: (id: string) => Promise<void>): void {
    this.revokeListeners.push(listener);
  }

  /**
   * Revokes a permission: the partner's unfinished ad-hoc jobs it covered end here, and no new
   * ones are accepted under it.
   */
  async revoke(id: string): Promise<JobPermissionView> {
    const p = await this.get(id);
    if (p.status === 'revoked') throw errors.conflict(`job permission ${id} is already revoked`);
    await this.repo.revoke(id);
    for (const l of this.revokeListeners) await l(id);
    return this.get(id);
  }

  /**
   * The active permission of `partner` that covers every local party's needs, or a FORBIDDEN
   * error saying what is missing and the command that would permit it.
   */
  async covering(partner: string, jobId: string, needs: PartyNeed[]): Promise<JobPermissionView> {
    const active = (await this.list({ partner })).filter((p) => p.status === 'active');
    const covers = (p: JobPermissionView) =>
      needs.every(
        (n) =>
          p.roles.includes(roleOf(n.party)) &&
          n.components.every((c) => p.components.includes(c)) &&
          (!n.dataset || p.datasets === null || p.datasets.includes(n.dataset)),
      );
    const found = active.find(covers);
    if (found) return found;
    const roles = [...new Set(needs.map((n) => roleOf(n.party)))];
    const components = [...new Set(needs.flatMap((n) => n.components))];
    throw new FedGridError(
      'FORBIDDEN',
      `job ${jobId} from '${partner}' runs no flow that node '${this.deps.selfNodeId}' approved, and no job permission covers it (roles ${roles.join(', ')}; components ${components.join(', ')}${active.length ? `; ${active.length} active permission(s) of '${partner}' cover less` : ''}). The owner approves the flow (fedgrid flow approve), or permits ad-hoc jobs: fedgrid permission create --to ${partner} --roles ${roles.join(',')} --components ${components.join(',')}`,
      { job: jobId, partner, roles, components },
    );
  }

  /** Whether permission `id` is still active (for task starts and reruns of jobs it covered). */
  async assertActive(id: string, jobId: string): Promise<void> {
    const p = await this.repo.get(id);
    const v = p ? view(p) : undefined;
    if (!v || v.status !== 'active') {
      throw new FedGridError(
        'FORBIDDEN',
        `job permission ${id}, under which job ${jobId} was accepted, is ${v?.status ?? 'gone'}; the job cannot continue here`,
        { permission: id, job: jobId },
      );
    }
  }
}
