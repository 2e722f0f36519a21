/**
 * The data dictionary (000 §7.10): the small fixed value lists a console shows in its filters
 * and forms. Each list is typed against the code that uses the values, so it cannot drift.
 */
import { visibilitySchema } from '../datasets/datasets.service.js';
import type { JobStatus, TaskStatus } from '../jobs/jobs.repo.js';

const JOB_STATES = [
  'pending',
  'queued',
  'running',
  'succeeded',
  'failed',
  'stopped',
] as const satisfies readonly JobStatus[];
const TASK_STATES = [
  'waiting',
  'running',
  'succeeded',
  'failed',
  'stopped',
] as const satisfies readonly TaskStatus[];

/** Key → list of {value, label}. `roles` is filled in from the node's roles. */
export function dictionary(roles: { name: string; description: string }[]) {
  const list = (values: readonly string[]) => values.map((v) => ({ value: v, label: v }));
  return {
    roles: roles.map((r) => ({ value: r.name, label: r.description })),
    jobStates: list(JOB_STATES),
    taskStates: list(TASK_STATES),
    grantStates: list(['active', 'revoked', 'expired', 'used-up']),
    contractStates: list(['pending', 'active', 'rejected', 'cancelled', 'terminated']),
    datasetVisibility: list(visibilitySchema.options),
    partyRoles: list(['guest', 'host', 'arbiter', 'edge']),
    tokenStates: list(['active', 'revoked', 'expired']),
  };
}
