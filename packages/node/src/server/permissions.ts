/**
 * The permission catalogue. Every route names the one permission it needs; one hook checks it.
 * A signed-in user holds the permissions of its roles (accounts/roles.ts), an API token the
 * subset it was issued with; the node's admin token is the bootstrap / break-glass credential
 * and holds every local permission; a contracted partner holds the `interconn:*` ones.
 */
export const PERMISSIONS = {
  'node:read': 'read this node’s identity, addresses and components',
  'node:update': 'change this node’s name, description or advertised addresses',
  'contract:read': 'list and inspect contracts and partners',
  'contract:propose': 'propose, cancel or check contracts',
  'contract:answer': 'confirm or reject contract proposals',
  'contract:terminate': 'terminate contracts',
  'dataset:read': 'list and inspect datasets (own and partners’)',
  'dataset:register': 'register, update or delete datasets',
  'grant:read': 'list grants and grant applications',
  'grant:create': 'grant partners the use of datasets, apply for grants',
  'grant:answer': 'confirm or reject grant applications',
  'grant:revoke': 'revoke grants',
  'invitation:read': 'list invitations and directory offers',
  'invitation:manage': 'create, modify, withdraw, publish and answer invitations',
  'project:read': 'list and inspect projects',
  'project:manage': 'create, update, delete and accept projects',
  'flow:read': 'list and inspect flows',
  'flow:manage': 'create, update and delete flows; request and answer approvals',
  'job:read': 'list and inspect jobs, tasks, events and logs',
  'job:manage': 'create, start, stop and rerun jobs and tasks',
  'job-permission:read': 'list and inspect permissions for partners’ ad-hoc jobs',
  'job-permission:manage': 'permit or revoke partners’ ad-hoc jobs',
  'model:read': 'list and inspect models',
  'model:manage': 'request, answer and publish model approvals; deploy and undeploy models',
  'model:predict': 'ask a deployed model for online predictions',
  'pir:query': 'look keys up in a partner’s PIR-enabled dataset (keyword PIR)',
  'component:read': 'list and inspect components',
  'component:manage': 'register and unregister components',
  'audit:read': 'read the audit log',
  'metrics:read': 'read the node’s operational metrics (GET /metrics, for Prometheus)',
  'user:read': 'list and inspect the node’s users and their roles',
  'user:manage': 'create, disable and change users, their roles and scopes; reset passwords',
  'role:read': 'list roles and the permission catalogue',
  'role:manage': 'create and delete custom roles',
  'session:own':
    'the user centre: one’s own profile, password, second factor, sessions and API tokens; the menu and data dictionary',
  'interconn:node': 'partner: node information, contracts, health',
  'interconn:data': 'partner: datasets, grants, invitations',
  'interconn:project': 'partner: projects, flows, approvals',
  'interconn:job': 'partner: jobs and tasks',
  'interconn:model': 'partner: model approvals',
  'interconn:serving': 'partner: online prediction partials of deployed models',
  'interconn:component': 'partner: public components',
  'interconn:pir': 'partner: online keyword PIR (encrypted tables, blinded key evaluations)',
  public: 'anyone (liveness, the API description)',
} as const;

export type Permission = keyof typeof PERMISSIONS;

/** Who is calling. */
export interface Principal {
  kind: 'admin' | 'user' | 'peer' | 'anonymous';
  /**
   * 'admin', the user's name, the partner's node id, or the TLS fingerprint (or IP) of an
   * unknown client.
   */
  id: string;
  /** A user: the permissions it holds through this session or API token. */
  permissions?: ReadonlySet<Permission>;
  /** A user: its id, the session or API token used, and whether it must change its password. */
  user?: {
    id: string;
    sessionId?: string;
    tokenId?: string;
    mustChangePassword: boolean;
    /** Set for a user restricted to some datasets and projects (ids or names). */
    scopes?: { datasets: string[]; projects: string[] };
  };
}

/** Every local (non-partner, non-public) permission: what the admin token holds. */
export const LOCAL_PERMISSIONS: readonly Permission[] = (
  Object.keys(PERMISSIONS) as Permission[]
).filter((p) => p !== 'public' && !p.startsWith('interconn:'));

/** Whether `principal` holds `permission`. */
export function allows(principal: Principal, permission: Permission): boolean {
  if (permission === 'public') return true;
  if (principal.kind === 'admin') return !permission.startsWith('interconn:');
  if (principal.kind === 'user') return principal.permissions?.has(permission) ?? false;
  if (principal.kind === 'peer') return permission.startsWith('interconn:');
  return false;
}
