/**
 * The part a process plays in its node (issue 16 item 1). `all` is the single process of today:
 * API, data plane, scheduler and programs in one process, on PGlite or PostgreSQL. `api` and
 * `worker` are the processes of one node run as many: N API/data-plane replicas (one of them
 * leading the scheduler at a time) and M workers taking task executions from the queue, all
 * sharing the node's identity and one PostgreSQL database.
 */
import { FedGridError } from '../errors/errors.js';

export const NODE_ROLES = ['all', 'api', 'worker'] as const;
export type NodeRole = (typeof NODE_ROLES)[number];

/**
 * Reads a role from the command line or FEDGRID_ROLE (`source` names where it came from).
 * Undefined or empty: `all`.
 * @throws FedGridError VALIDATION_FAILED for any other value.
 */
export function parseNodeRole(value: string | undefined, source: string): NodeRole {
  if (value === undefined || value === '') return 'all';
  if ((NODE_ROLES as readonly string[]).includes(value)) return value as NodeRole;
  throw new FedGridError(
    'VALIDATION_FAILED',
    `${source}: unknown node role '${value}'; use one of ${NODE_ROLES.join(', ')} (all: one process, the default; api and worker: a node run as several processes on PostgreSQL)`,
    { field: 'role', allowed: [...NODE_ROLES] },
  );
}

/** Whether the role is one process among several of a node. */
export function isMultiProcess(role: NodeRole): boolean {
  return role !== 'all';
}
