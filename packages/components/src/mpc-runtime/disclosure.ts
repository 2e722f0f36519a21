/**
 * Cross-job disclosure budget of the MPC components (docs/protocols/README.md, "Disclosure
 * budgets"): every aggregate the guest learns about a host's values — a group sum, a sum of
 * squares, an order statistic, a row's value, a ranked entity — is one linear equation (or one
 * value) in that host's rows. Over all jobs on the same dataset a partner may learn at most one
 * such unit per row: fewer equations than rows never solve every row.
 */
import type { ProgramContext } from '../spec.js';

/** Ledger kind of MPC aggregates revealed to a partner (one unit = one revealed number). */
export const MPC_DISCLOSURE_KIND = 'mpc-aggregates';
/** Units per row of the dataset, all jobs together. */
export const MPC_BUDGET_PER_ROW = 1;

/**
 * Charges the owner's ledger before the reveal (hosts only; the guest is the party that learns).
 * @param units numbers revealed to the guest that depend on this party's values.
 * @param rows the rows they are computed on.
 * @throws ComponentError DISCLOSURE_BUDGET_EXCEEDED from the ledger; nothing is revealed then.
 */
export async function chargeMpcReveal(
  ctx: ProgramContext<unknown>,
  units: number,
  rows: number,
): Promise<void> {
  if (!ctx.disclosure || ctx.party === ctx.roles.guest || units === 0) return;
  const b = await ctx.disclosure.charge({
    partner: ctx.roles.guest,
    kind: MPC_DISCLOSURE_KIND,
    amount: units,
    rows,
    budgetPerRow: MPC_BUDGET_PER_ROW,
  });
  ctx.log(
    'info',
    `disclosure budget: ${b.used} of ${b.limit} ${MPC_DISCLOSURE_KIND} used towards ${ctx.roles.guest}`,
    { ...b },
  );
}
