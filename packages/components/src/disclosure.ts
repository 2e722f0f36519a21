/**
 * Disclosure budgets: what a data owner has revealed about its own rows to each partner, across
 * jobs. Some results are linear equations in the owner's values (hetero-pearson's
 * R = Z_gᵀ·Z_h/n): one job is safe when there are far fewer equations than rows, but a partner can
 * repeat the job on the same rows with other columns of its own and stack the equations until it
 * can solve them. The owner's node therefore keeps a ledger per (partner node, dataset, kind) and
 * refuses a job that would take the cumulative amount past a budget proportional to the rows
 * (docs/protocols/README.md, "Disclosure budgets"). Programs reach it through
 * `ProgramContext.disclosure`; the node's implementation lives in packages/node/src/disclosures.
 */
import type { PartyName } from '@fedgrid/federation';
import {
  ComponentError,
  type DisclosureBalance,
  type DisclosureCharge,
  type DisclosureLedger,
} from './spec.js';

/**
 * Fewest rows behind any aggregate a data owner reveals in the clear to another party: a bin's,
 * a cluster's, a client's update. Ten follows the threshold rule of statistical disclosure control
 * (published cells of fewer than 10 rows — CMS: 11 — are suppressed), the rule hetero-binning's
 * MIN_BIN_ROWS applies to its bins (docs/protocols/README.md, "Minimum sizes").
 */
export const MIN_AGGREGATE_ROWS = 10;

/** The budget for `rows` rows: ⌊budgetPerRow × rows⌋ (an epsilon absorbs float error). */
export function disclosureLimit(rows: number, budgetPerRow: number): number {
  return Math.floor(rows * budgetPerRow + 1e-9);
}

/**
 * The error every ledger throws when a charge does not fit.
 * @param used units charged before this request; `minRows` the smallest row count of the budget.
 */
export function budgetExceeded(
  request: DisclosureCharge,
  used: number,
  minRows: number,
  owner: string,
): ComponentError {
  const limit = disclosureLimit(minRows, request.budgetPerRow);
  return new ComponentError(
    'DISCLOSURE_BUDGET_EXCEEDED',
    `${owner}: revealing ${request.amount} more ${request.kind} to ${request.partner} would make ${used + request.amount} on these rows, over the owner's budget of ${limit} (${request.budgetPerRow} × ${minRows} rows, the smallest aligned row count charged); stacked across jobs these equations would let the partner solve for the owner's values — run on more rows or on another dataset`,
    {
      partner: request.partner,
      kind: request.kind,
      amount: request.amount,
      used,
      limit,
      rows: minRows,
    },
  );
}

/**
 * An in-memory ledger (unit tests, benchmarks): one per owner party, keyed by partner and kind,
 * so that several runs of a component share it the way a node's table would.
 */
export class MemoryDisclosureLedger implements DisclosureLedger {
  private readonly entries = new Map<string, { used: number; minRows: number }>();

  /** @param owner named in refusals, e.g. the party name. */
  constructor(private readonly owner = 'data owner') {}

  charge(request: DisclosureCharge): Promise<DisclosureBalance> {
    const key = `${request.partner}\u0000${request.kind}`;
    const prev = this.entries.get(key) ?? { used: 0, minRows: Infinity };
    const minRows = Math.min(prev.minRows, request.rows);
    const limit = disclosureLimit(minRows, request.budgetPerRow);
    if (prev.used + request.amount > limit) {
      return Promise.reject(budgetExceeded(request, prev.used, minRows, this.owner));
    }
    const used = prev.used + request.amount;
    this.entries.set(key, { used, minRows });
    return Promise.resolve({ used, limit });
  }

  /** Units charged so far for (partner, kind). */
  used(partner: PartyName, kind: string): number {
    return this.entries.get(`${partner}\u0000${kind}`)?.used ?? 0;
  }
}
