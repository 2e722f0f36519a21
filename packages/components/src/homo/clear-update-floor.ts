/**
 * A client's own minimum before an update leaves it in the clear (docs/protocols/homo-fedavg.md,
 * "Minimum sizes"). Without SecAgg the server (or the client's edge) sees each client's update,
 * a function of that client's rows alone: from one row's gradient the row can be read back, so an
 * update must aggregate at least {@link MIN_AGGREGATE_ROWS} rows, and a model kind whose update
 * carries per-group statistics (k-means: per-cluster sums and counts) must have at least that
 * many rows in every non-empty group. Under SecAgg only the sum over the round's clients is
 * revealed and no single client's update is seen, so nothing is checked.
 */
import { MIN_AGGREGATE_ROWS } from '../disclosure.js';
import { ComponentError } from '../spec.js';
import type { LocalFit } from './model.js';

/**
 * @param rows the client's training rows; `upstream` the party that would see the update.
 * @throws ComponentError TOO_FEW_ROWS naming the rows, the rule and the fixes.
 */
export function requireClearUpdateRows(
  party: string,
  rows: number,
  upstream: string,
  algorithm: string,
): void {
  if (rows >= MIN_AGGREGATE_ROWS) return;
  throw new ComponentError(
    'TOO_FEW_ROWS',
    `${party}: ${rows} training rows; without secure aggregation ${upstream} sees this client's ${algorithm} update, which from so few rows reveals them, so a client needs at least ${MIN_AGGREGATE_ROWS} rows — enable secureAggregation, or train on more rows (or leave this party out)`,
    { party, rows, minRows: MIN_AGGREGATE_ROWS, upstream },
  );
}

/**
 * @throws ComponentError GROUP_TOO_SMALL naming the group (e.g. "cluster 2"), its rows and fixes.
 */
export function requireClearGroupRows(
  party: string,
  fit: LocalFit,
  round: number,
  upstream: string,
  algorithm: string,
): void {
  const g = fit.smallestGroup;
  if (!g || g.rows >= MIN_AGGREGATE_ROWS) return;
  throw new ComponentError(
    'GROUP_TOO_SMALL',
    `${party} round ${round}: ${g.what} holds only ${g.rows} of this client's rows; without secure aggregation ${upstream} sees this client's ${algorithm} statistics per ${g.kind}, so every non-empty ${g.kind} needs at least ${MIN_AGGREGATE_ROWS} of them — enable secureAggregation, use fewer ${g.kind}s, or train on more rows`,
    { party, round, group: g.what, rows: g.rows, minRows: MIN_AGGREGATE_ROWS, upstream },
  );
}
