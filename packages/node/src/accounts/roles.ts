/**
 * Built-in roles, the three-officer separation, custom-role rules and the console menu — all
 * derived from the permission catalogue (server/permissions.ts), so that a new route's
 * permission lands in the right officer's domain by its name.
 *
 * Three-officer separation (三员分立, customary for systems under GB/T 22239 level 3 and the
 * standards' 000 §7.10 operations module): the system administrator runs the platform
 * (partners, datasets, flows, jobs, models); the security administrator manages users, roles and
 * permissions only; the audit administrator reads the audit log only. No role and no user may
 * hold permissions of two of these domains.
 */
import { FedGridError } from '../errors/errors.js';
import { LOCAL_PERMISSIONS, PERMISSIONS, type Permission } from '../server/permissions.js';

/** The three officers' domains. Every local permission but `session:own` is in exactly one. */
export type Domain = 'platform' | 'security' | 'audit';

/** The domain of a local permission (`session:own`, common to every user, has none). */
export function domainOf(p: Permission): Domain | undefined {
  if (p === 'session:own') return undefined;
  if (p === 'audit:read') return 'audit';
  if (p.startsWith('user:') || p.startsWith('role:')) return 'security';
  return 'platform';
}

/** The domains a set of permissions touches. */
export function domainsOf(perms: Iterable<Permission>): Set<Domain> {
  const out = new Set<Domain>();
  for (const p of perms) {
    const d = domainOf(p);
    if (d) out.add(d);
  }
  return out;
}

const platform = LOCAL_PERMISSIONS.filter((p) => domainOf(p) === 'platform');
const reads = (prefixes: string[]) =>
  platform.filter((p) => p.endsWith(':read') && prefixes.includes(p.split(':')[0]!));

export interface RoleDef {
  name: string;
  description: string;
  permissions: Permission[];
  builtin: boolean;
}

/** The built-in roles. Every one includes `session:own` (the user centre). */
export const BUILTIN_ROLES: readonly RoleDef[] = [
  {
    name: 'system-admin',
    description:
      'system administrator: runs the platform — node, partners, datasets, grants, projects, flows, jobs, models, components',
    permissions: [...platform, 'session:own'],
  },
  {
    name: 'security-admin',
    description: 'security administrator: users, roles and permissions only',
    permissions: ['user:read', 'user:manage', 'role:read', 'role:manage', 'session:own'],
  },
  {
    name: 'audit-admin',
    description: 'audit administrator: reads the audit log only',
    permissions: ['audit:read', 'session:own'],
  },
  {
    name: 'data-operator',
    description: 'registers datasets and manages their grants and invitations',
    permissions: [
      ...reads(['node', 'contract', 'dataset', 'grant', 'invitation', 'project', 'component']),
      'dataset:register',
      'grant:create',
      'grant:revoke',
      'invitation:manage',
      'session:own',
    ],
  },
  {
    name: 'modeler',
    description: 'builds projects and flows, runs jobs, uses models',
    permissions: [
      ...reads([
        'node',
        'contract',
        'dataset',
        'grant',
        'project',
        'flow',
        'job',
        'model',
        'component',
      ]),
      'project:manage',
      'flow:manage',
      'job:manage',
      'model:predict',
      'pir:query',
      'session:own',
    ],
  },
  {
    name: 'approver',
    description: 'answers contract, grant, flow and model approvals and partners’ ad-hoc jobs',
    permissions: [
      ...reads([
        'node',
        'contract',
        'dataset',
        'grant',
        'project',
        'flow',
        'job',
        'job-permission',
        'model',
      ]),
      'contract:answer',
      'grant:answer',
      'flow:manage',
      'model:manage',
      'job-permission:manage',
      'session:own',
    ],
  },
  {
    name: 'read-only',
    description: 'reads the platform’s state (not users, roles or the audit log)',
    permissions: [...platform.filter((p) => p.endsWith(':read')), 'session:own'],
  },
].map((r) => ({ ...r, permissions: r.permissions as Permission[], builtin: true }));

/** Role names: lower case letters, digits and dashes. */
export const ROLE_NAME = /^[a-z][a-z0-9-]{1,39}$/;

/**
 * Checks a custom role's permissions: known local ones, within one officer's domain.
 * @throws FedGridError VALIDATION_FAILED naming the offending permission(s).
 */
export function checkRolePermissions(perms: readonly string[]): Permission[] {
  const unknown = perms.filter((p) => !(LOCAL_PERMISSIONS as readonly string[]).includes(p));
  if (unknown.length)
    throw new FedGridError(
      'VALIDATION_FAILED',
      `permissions: ${unknown.join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not in the catalogue of local permissions (see GET /v1/roles/permissions)`,
      { field: 'permissions', unknown },
    );
  const domains = domainsOf(perms as Permission[]);
  if (domains.size > 1)
    throw new FedGridError(
      'VALIDATION_FAILED',
      `permissions: a role may not span the ${[...domains].join(' and ')} domains (three-officer separation: platform, security and audit permissions are held by different people)`,
      { field: 'permissions', domains: [...domains] },
    );
  return [...new Set(perms as Permission[])];
}

/** One entry of the console menu. */
export interface MenuItem {
  key: string;
  title: string;
  path: string;
  /** Shown when the user holds this permission. */
  permission: Permission;
  children?: MenuItem[];
}

/** The console's menu; each leaf appears when its permission is held (000 §7.10). */
const MENU: readonly MenuItem[] = [
  { key: 'node', title: 'Node', path: '/node', permission: 'node:read' },
  {
    key: 'contracts',
    title: 'Partners and contracts',
    path: '/contracts',
    permission: 'contract:read',
  },
  { key: 'datasets', title: 'Datasets', path: '/datasets', permission: 'dataset:read' },
  { key: 'grants', title: 'Grants', path: '/grants', permission: 'grant:read' },
  { key: 'invitations', title: 'Invitations', path: '/invitations', permission: 'invitation:read' },
  { key: 'projects', title: 'Projects', path: '/projects', permission: 'project:read' },
  { key: 'flows', title: 'Flows', path: '/flows', permission: 'flow:read' },
  { key: 'jobs', title: 'Jobs', path: '/jobs', permission: 'job:read' },
  {
    key: 'job-permissions',
    title: 'Partner job permissions',
    path: '/job-permissions',
    permission: 'job-permission:read',
  },
  { key: 'models', title: 'Models', path: '/models', permission: 'model:read' },
  { key: 'components', title: 'Components', path: '/components', permission: 'component:read' },
  { key: 'users', title: 'Users', path: '/users', permission: 'user:read' },
  { key: 'roles', title: 'Roles', path: '/roles', permission: 'role:read' },
  { key: 'audit', title: 'Audit log', path: '/audit', permission: 'audit:read' },
  { key: 'me', title: 'User centre', path: '/me', permission: 'session:own' },
];

/** The menu entries visible with `perms`. */
export function menuFor(perms: ReadonlySet<Permission>): MenuItem[] {
  return MENU.filter((m) => perms.has(m.permission));
}

/** The permission catalogue as the API lists it. */
export function catalogue(): { name: Permission; description: string; domain: Domain | null }[] {
  return LOCAL_PERMISSIONS.map((p) => ({
    name: p,
    description: PERMISSIONS[p],
    domain: domainOf(p) ?? null,
  }));
}
