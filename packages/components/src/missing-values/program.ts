/**
 * Missing values, guest and host alike. Column drops and fills are local to each party; only
 * `rows: 'drop'` talks: every party's rows with a gap are united at the guest and the union is
 * sent back, so that all parties drop the same rows (docs/protocols/preprocessing.md).
 */
import {
  applyFillValues,
  complementRows,
  dropColumns,
  fitFillValues,
  missingFractions,
  rowsWithMissing,
  selectFrameRows,
  type FillRule,
  type Frame,
} from '@fedgrid/ml';
import { unionOfPositions } from '../preprocess/aligned-rows.js';
import { requireColumns, requireJobParties, selectedColumns } from '../preprocess/columns.js';
import { withField } from '../preprocess/errors.js';
import { readFittedModel, requireModelColumns } from '../preprocess/fitted-model.js';
import {
  ComponentError,
  input,
  type FittedTransform,
  type ProgramContext,
  type ProgramResult,
} from '../spec.js';
import {
  missingValuesModel,
  missingValuesParams,
  type MissingValuesModel,
  type MissingValuesParams,
} from './params.js';

export const MISSING_VALUES_VERSION = '1.0.0';

interface ColumnPlan {
  column: string;
  rule: FillRule;
  dropColumnThreshold: number | undefined;
}

/** The columns this party handles (selection ∪ its overrides) with each one's effective rule. */
function plan(ctx: ProgramContext<MissingValuesParams>, frame: Frame): ColumnPlan[] {
  const p = ctx.params;
  requireJobParties(ctx, p.overrides, 'overrides');
  const own = p.overrides[ctx.party] ?? {};
  for (const c of Object.keys(own)) requireColumns(ctx, frame, [c], `overrides.${ctx.party}.${c}`);
  const selected = selectedColumns(ctx, frame, p.columns, 'columns');
  const columns = [...selected, ...Object.keys(own).filter((c) => !selected.includes(c))];
  return columns.map((column) => {
    const o = own[column] ?? {};
    return {
      column,
      rule: { strategy: o.strategy ?? p.strategy, value: o.value ?? p.value },
      dropColumnThreshold: o.dropColumnThreshold ?? p.dropColumnThreshold,
    };
  });
}

/** Fit mode: the columns to drop, and the rules of the others. */
function fitColumns(
  ctx: ProgramContext<MissingValuesParams>,
  frame: Frame,
): { dropped: MissingValuesModel['dropped']; kept: ColumnPlan[] } {
  const columns = plan(ctx, frame);
  const fractions = missingFractions(
    frame,
    columns.map((c) => c.column),
  );
  const dropped: MissingValuesModel['dropped'] = [];
  const kept: ColumnPlan[] = [];
  columns.forEach((c, k) => {
    const f = fractions[k] as number;
    if (c.dropColumnThreshold !== undefined && f > c.dropColumnThreshold)
      dropped.push({ column: c.column, missingFraction: f });
    else kept.push(c);
  });
  return { dropped, kept };
}

export async function missingValuesProgram(
  ctx: ProgramContext<MissingValuesParams>,
): Promise<ProgramResult> {
  const t0 = performance.now();
  const { frame } = input(ctx, 'data', 'dataset');
  const given = readFittedModel(ctx, 'missing-values', missingValuesModel);
  let dropped: MissingValuesModel['dropped'];
  let kept: ColumnPlan[] | undefined;
  if (given) {
    dropped = given.fitted.dropped;
    requireModelColumns(ctx, frame.featureNames, [
      ...dropped.map((d) => d.column),
      ...given.fitted.fills.map((f) => f.column),
    ]);
  } else {
    ({ dropped, kept } = fitColumns(ctx, frame));
  }
  let cur = dropColumns(
    frame,
    dropped.map((d) => d.column),
  );
  const handled = given ? given.fitted.fills.map((f) => f.column) : kept!.map((c) => c.column);

  const gaps = rowsWithMissing(cur, handled);
  if (ctx.params.rows === 'refuse' && gaps.length > 0) {
    const fractions = missingFractions(cur, handled);
    const k = fractions.findIndex((f) => f > 0);
    const missing = Math.round((fractions[k] as number) * cur.ids.length);
    throw new ComponentError(
      'MISSING_VALUES',
      `${ctx.party}: rows: column '${handled[k]}' has ${missing} missing values and rows is 'refuse'; fill them (rows: fill) or drop their rows (rows: drop)`,
      { party: ctx.party, field: 'rows', column: handled[k], missing },
    );
  }
  let droppedRows = 0;
  if (ctx.params.rows === 'drop') {
    const union = await unionOfPositions(ctx, 'missing-rows', cur.ids.length, gaps);
    cur = selectFrameRows(cur, complementRows(cur.ids.length, union));
    droppedRows = union.length;
  }
  const fills =
    given?.fitted.fills ??
    withField(ctx, 'columns', () =>
      fitFillValues(
        cur,
        kept!.map((c) => ({ column: c.column, rule: c.rule })),
      ),
    );
  const out = applyFillValues(cur, fills);
  return {
    outputs: {
      data: { kind: 'dataset', frame: out.frame },
      model: {
        kind: 'model',
        model: given?.model ?? {
          algorithm: 'missing-values',
          version: MISSING_VALUES_VERSION,
          dropped,
          fills,
        },
      },
    },
    summary: {
      mode: given ? 'apply' : 'fit',
      rows: out.frame.ids.length,
      droppedRows,
      droppedColumns: dropped.length,
      filled: out.filled.reduce((a, n) => a + n, 0),
      seconds: (performance.now() - t0) / 1000,
    },
  };
}

/**
 * Replays a fitted missing-values model on new rows of one party (serving, batch prediction):
 * drops the model's dropped columns and fills gaps with its fill values. With the training's
 * `rows: 'drop'` or `'refuse'` a row with a gap in a handled column cannot be scored as at
 * training (a single party cannot drop a row of a federated prediction): it is refused.
 * @throws ComponentError MODEL_INVALID, FEATURE_MISSING, MISSING_VALUES naming the column.
 */
export const missingValuesApplier: FittedTransform = (model, raw, frame, party) => {
  const fitted = missingValuesModel.safeParse(model);
  const params = missingValuesParams.safeParse(raw);
  if (model.algorithm !== 'missing-values' || !fitted.success || !params.success)
    throw new ComponentError(
      'MODEL_INVALID',
      `${party}: the fitted missing-values step is a '${model.algorithm}' model, malformed, or its parameters do not parse`,
      { party, algorithm: model.algorithm },
    );
  const ctx = { party } as ProgramContext<unknown>;
  const { dropped, fills } = fitted.data;
  requireModelColumns(ctx, frame.featureNames, [
    ...dropped.map((d) => d.column),
    ...fills.map((f) => f.column),
  ]);
  const cur = dropColumns(
    frame,
    dropped.map((d) => d.column),
  );
  const handled = fills.map((f) => f.column);
  if (params.data.rows !== 'fill') {
    const fractions = missingFractions(cur, handled);
    const k = fractions.findIndex((f) => f > 0);
    if (k >= 0)
      throw new ComponentError(
        'MISSING_VALUES',
        `${party}: column '${handled[k]}' is missing, and the training's missing-values step (rows: ${params.data.rows}) did not fill it`,
        { party, column: handled[k] },
      );
  }
  return applyFillValues(cur, fills).frame;
};
