/**
 * The node's disclosure ledger (docs/protocols/README.md, "Disclosure budgets"): as a data owner,
 * this node counts what each component revealed about each of its datasets to each partner node
 * across jobs, and refuses a task that would pass the component's budget. Programs see it as the
 * components-layer `DisclosureLedger` capability, bound here to one party of one task, to the
 * dataset that party brought to the job and to the partners' node ids (trust is keyed by node,
 * never by a party name that differs from job to job).
 */
import {
  budgetExceeded,
  disclosureLimit,
  type DisclosureBalance,
  type DisclosureCharge,
  type DisclosureLedger,
} from '@fedgrid/components';
import type { Logger } from 'pino';
import type { DatasetService } from '../datasets/datasets.service.js';
import { FedGridError } from '../errors/errors.js';
import { partyNodes, type JobSpec } from '../jobs/job-spec.js';
import type { DisclosuresRepo } from './disclosures.repo.js';

export interface DisclosureServiceDeps {
  selfNodeId: string;
  repo: DisclosuresRepo;
  datasets: Pick<DatasetService, 'get'>;
  log: Logger;
}

export class DisclosureService {
  constructor(private readonly deps: DisclosureServiceDeps) {}

  /**
   * The ledger for `party`'s program of `taskName`, or undefined when that party brought no
   * dataset of this node to the job (an arbiter, an edge): it then owns no rows to protect.
   */
  ledgerFor(spec: JobSpec, taskName: string, party: string): DisclosureLedger | undefined {
    const datasetRef = spec.datasets[party];
    if (!datasetRef) return undefined;
    const nodes = partyNodes(spec);
    return {
      charge: async (request: DisclosureCharge): Promise<DisclosureBalance> => {
        if (!Number.isInteger(request.amount) || request.amount < 0)
          throw new RangeError(
            `a disclosure charge must be a whole number ≥ 0, not ${request.amount}`,
          );
        const partnerNodeId = nodes.get(request.partner);
        if (!partnerNodeId)
          throw new FedGridError(
            'VALIDATION_FAILED',
            `job ${spec.id} has no party '${request.partner}' to charge a disclosure to`,
          );
        const dataset = await this.deps.datasets.get(datasetRef);
        const owner = `${party} (node ${this.deps.selfNodeId}, dataset ${dataset.name})`;
        const out = await this.deps.repo.charge({
          jobId: spec.id,
          taskName,
          party,
          partner: request.partner,
          partnerNodeId,
          datasetId: dataset.id,
          kind: request.kind,
          amount: request.amount,
          rows: request.rows,
          budgetPerRow: request.budgetPerRow,
        });
        const limit = disclosureLimit(out.minRows, request.budgetPerRow);
        if (out.status === 'refused') {
          this.deps.log.warn(
            { job: spec.id, task: taskName, party, partnerNodeId, dataset: dataset.id, ...out },
            'disclosure budget exceeded: task refused',
          );
          throw budgetExceeded(request, out.used, out.minRows, owner);
        }
        return { used: out.used, limit };
      },
    };
  }

  /** Running totals (for operators and auditors), optionally of one dataset. */
  budgets(datasetId?: string) {
    return this.deps.repo.budgets(datasetId);
  }

  /** The charges behind the totals, optionally of one dataset. */
  charges(datasetId?: string) {
    return this.deps.repo.charges(datasetId);
  }
}
