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

  /**
   * Charges a disclosure made outside any job (online PIR: keys a partner tested against a
   * dataset) to the same (dataset, partner node, kind) totals jobs charge.
   * @param ref a unique name for this request (charges are deduplicated per ref).
   * @throws FedGridError LIMIT_EXCEEDED (nothing charged) when the total would pass
   *   ⌊budgetPerRow × rows⌋.
   */
  async chargeOnline(request: {
    ref: string;
    partnerNodeId: string;
    datasetId: string;
    datasetName: string;
    kind: string;
    amount: number;
    rows: number;
    budgetPerRow: number;
  }): Promise<DisclosureBalance> {
    const out = await this.deps.repo.charge({
      jobId: request.ref,
      taskName: 'online',
      party: 'server',
      partner: request.partnerNodeId,
      partnerNodeId: request.partnerNodeId,
      datasetId: request.datasetId,
      kind: request.kind,
      amount: request.amount,
      rows: request.rows,
      budgetPerRow: request.budgetPerRow,
    });
    if (out.status === 'refused') {
      this.deps.log.warn(
        { partnerNodeId: request.partnerNodeId, dataset: request.datasetId, ...out },
        'disclosure budget exceeded: online request refused',
      );
      const limit = disclosureLimit(out.minRows, request.budgetPerRow);
      throw new FedGridError(
        'LIMIT_EXCEEDED',
        `node ${this.deps.selfNodeId}, dataset ${request.datasetName}: ${request.amount} more ${request.kind} from '${request.partnerNodeId}' would make ${out.used + request.amount}, over the owner's budget of ${limit} (${request.budgetPerRow} per row × ${out.minRows} rows) across all its requests and jobs`,
        { kind: request.kind, used: out.used, limit, amount: request.amount },
      );
    }
    return { used: out.used, limit: disclosureLimit(out.minRows, request.budgetPerRow) };
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
