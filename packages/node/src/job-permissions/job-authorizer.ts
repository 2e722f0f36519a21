/**
 * The owner's decision on a partner's job (see jobs/job-authority.ts): a job of a project runs
 * an approved flow (the flows service decides), any other job needs a job permission covering
 * the roles and components of this node's parties and the datasets they read.
 */
import { componentByCode } from '@fedgrid/components';
import type { DatasetService } from '../datasets/datasets.service.js';
import type { FlowService } from '../flows/flows.service.js';
import type { JobAuthorizer } from '../jobs/job-authority.js';
import { taskParties, type JobSpec } from '../jobs/job-spec.js';
import type { JobPermissionService, PartyNeed } from './job-permissions.service.js';

export function jobAuthorizer(deps: {
  flows: FlowService;
  permissions: JobPermissionService;
  datasets: DatasetService;
}): JobAuthorizer {
  const needsOf = async (spec: JobSpec, localParties: string[]): Promise<PartyNeed[]> =>
    Promise.all(
      localParties.map(async (party) => {
        const ref = spec.datasets[party];
        return {
          party,
          components: [
            ...new Set(
              spec.tasks
                .filter((t) => taskParties(spec, componentByCode(t.component)).includes(party))
                .map((t) => t.component),
            ),
          ],
          ...(ref ? { dataset: (await deps.datasets.get(ref)).id } : {}),
        };
      }),
    );
  return {
    async authorize(spec, from, localParties) {
      if (spec.flowId || spec.projectId) return deps.flows.authorizeJob(spec, from);
      const p = await deps.permissions.covering(from, spec.id, await needsOf(spec, localParties));
      return { kind: 'permission', permissionId: p.id };
    },
    async recheck(authority, spec) {
      if (authority.kind === 'flow') await deps.flows.recheckJob(authority, spec);
      else if (authority.kind === 'permission')
        await deps.permissions.assertActive(authority.permissionId, spec.id);
    },
  };
}
