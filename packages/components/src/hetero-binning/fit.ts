/**
 * Local binning of one party's columns: quantile, equal-width or the initial quantile bins of
 * chi-merge for numeric columns, one bin per code for categorical ones; missing values (NaN) in
 * an extra last bin when a column has any.
 */
import {
  categoricalColumns,
  chiMerge,
  distinctValues,
  mergedCuts,
  equalWidthCuts,
  frameColumn,
  quantileCuts,
  sortedColumn,
  type FeatureBins,
  type Frame,
} from '@fedgrid/ml';
import { ComponentError } from '../spec.js';
import type { HeteroBinningParams } from './params.js';

export interface ColumnToBin {
  name: string;
  /** Column index in the frame. */
  index: number;
  categorical: boolean;
}

/**
 * The columns a party bins, from the per-party `columns` and `categorical` lists (a party
 * missing from `categorical` uses its frame's categorical column types).
 * @throws ComponentError COLUMN_UNKNOWN naming a listed column the frame lacks; CATEGORY_INVALID
 *   when a categorical column holds non-integer values.
 */
export function columnsToBin(frame: Frame, p: HeteroBinningParams, party: string): ColumnToBin[] {
  const index = new Map(frame.featureNames.map((f, j) => [f, j]));
  const check = (name: string, list: string): number => {
    const j = index.get(name);
    if (j === undefined) {
      throw new ComponentError(
        'COLUMN_UNKNOWN',
        `${party}: ${list} lists '${name}', which is not a feature column (columns: ${frame.featureNames.join(', ')})`,
        { party, column: name },
      );
    }
    return j;
  };
  // A party not listed bins the columns its dataset registered as categorical one bin per
  // category (their codes); numeric columns as numbers.
  const categorical = new Set(p.categorical[party] ?? categoricalColumns(frame));
  for (const c of categorical) check(c, 'categorical');
  const names =
    p.columns[party] ??
    (p.onlyCategorical ? frame.featureNames.filter((n) => categorical.has(n)) : frame.featureNames);
  const out = names.map((name) => ({
    name,
    index: check(name, 'columns'),
    categorical: categorical.has(name),
  }));
  for (const c of out) {
    if (!c.categorical) continue;
    const column = frameColumn(frame, c.index);
    for (let i = 0; i < column.length; i++) {
      const v = column[i] as number;
      if (!Number.isNaN(v) && !Number.isInteger(v)) {
        throw new ComponentError(
          'CATEGORY_INVALID',
          `${party}: categorical column '${c.name}' has the non-integer value ${v} (row ${i}); categories must be integer codes`,
          { party, column: c.name, row: i },
        );
      }
    }
  }
  return out;
}

/**
 * Bins of one column before any label-driven merging.
 * @param numericBins bins for a numeric column (binNum, or chiInitBins for chi-merge).
 */
export function initialBins(
  frame: Frame,
  c: ColumnToBin,
  method: HeteroBinningParams['method'],
  numericBins: number,
): FeatureBins {
  const rows = frame.ids.length;
  const sorted = sortedColumn(frameColumn(frame, c.index), rows, 1, 0);
  const missingBin = sorted.length < rows;
  if (c.categorical) return { kind: 'categorical', categories: distinctValues(sorted), missingBin };
  const cuts =
    method === 'equal-width'
      ? equalWidthCuts(sorted, numericBins)
      : quantileCuts(sorted, numericBins);
  return { kind: 'numeric', cuts, missingBin };
}

/**
 * 0/1 labels from {0, 1} or {−1, 1}.
 * @throws ComponentError LABELS_MISSING / LABELS_NOT_BINARY.
 */
export function binaryLabels(frame: Frame): Float64Array {
  if (!frame.labels) {
    throw new ComponentError(
      'LABELS_MISSING',
      'the guest dataset has no label column; WOE binning needs binary labels (register the dataset with --label)',
    );
  }
  const values = [...new Set(frame.labels)].sort((a, b) => a - b);
  const ok =
    values.length <= 2 &&
    values.every((v) => v === 0 || v === 1 || v === -1) &&
    !(values.includes(-1) && values.includes(0));
  if (!ok) {
    throw new ComponentError(
      'LABELS_NOT_BINARY',
      `label '${frame.labelName}' has values ${values.slice(0, 10).join(', ')}${values.length > 10 ? ', …' : ''}; WOE/IV need binary labels 0/1 (or −1/1)`,
      { values: values.slice(0, 20) },
    );
  }
  return values.includes(-1) ? frame.labels.map((v) => (v === -1 ? 0 : 1)) : frame.labels;
}

/**
 * Label-driven part of binning: ChiMerge of a numeric column's regular bins (the missing bin
 * stays apart), for method 'chi-merge'; other bins are returned unchanged.
 * @param events, nonEvents per bin of `bins` (the missing bin last).
 */
export function mergeBins(
  bins: FeatureBins,
  events: number[],
  nonEvents: number[],
  p: HeteroBinningParams,
): { bins: FeatureBins; events: number[]; nonEvents: number[] } {
  if (p.method !== 'chi-merge' || bins.kind !== 'numeric') return { bins, events, nonEvents };
  const r = bins.cuts.length + 1;
  const merged = chiMerge(events.slice(0, r), nonEvents.slice(0, r), {
    maxBins: p.binNum,
    threshold: p.chiThreshold,
  });
  return {
    bins: {
      kind: 'numeric',
      cuts: mergedCuts(bins.cuts, merged.ends),
      missingBin: bins.missingBin,
    },
    events: [...merged.events, ...events.slice(r)],
    nonEvents: [...merged.nonEvents, ...nonEvents.slice(r)],
  };
}

/** Bins per numeric column before merging: binNum, or chiInitBins for chi-merge. */
export function numericBinsFor(p: HeteroBinningParams): number {
  return p.method === 'chi-merge' ? p.chiInitBins : p.binNum;
}
