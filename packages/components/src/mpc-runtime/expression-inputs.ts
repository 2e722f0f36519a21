/**
 * What an expression-driven MPC component (mpc-expression, mpc-ranking) starts with: the parsed
 * expression, the parties, this party's table, and every column the expression names resolved
 * to its owner after the parties exchanged their schemas (names and types only).
 */
import { input, type ProgramContext } from '../spec.js';
import { expressionColumns, parseExpression } from './expression.js';
import { exchangeSchemas, localTable, resolveColumn } from './schema.js';
import { mpcParties } from './session.js';

/**
 * @param text the user's expression (validated here: EXPRESSION_SYNTAX, EXPRESSION_OPERATOR).
 * @returns `names` (party order: guest first), `me` (this party's index), `table` (this party's
 *   rows × columns), `schemas`, `refs` (column references in the expression, in order), `cols`
 *   (each reference resolved), `n` (rows), `timeoutMs`.
 * @throws ComponentError COLUMN_UNKNOWN for a column no party has, MPC_TIMEOUT, PROTOCOL.
 */
export async function expressionInputs(
  ctx: ProgramContext<{ timeoutSeconds: number }>,
  text: string,
) {
  const expr = parseExpression(text);
  const names = mpcParties(ctx);
  const me = names.indexOf(ctx.party);
  const { frame } = input(ctx, 'data', 'dataset');
  const table = localTable(frame, true);
  const timeoutMs = ctx.params.timeoutSeconds * 1000;
  const schemas = await exchangeSchemas(ctx, names, table, 'vertical', timeoutMs);
  const refs = expressionColumns(expr);
  const cols = refs.map((r) => resolveColumn(r, names, schemas, 'vertical'));
  return { expr, names, me, table, timeoutMs, schemas, refs, cols, n: table.ids.length };
}
