/**
 * The binning model part each party keeps (JSON): its own features' bins, WOE and IV, and the
 * transform of a frame by it.
 */
import {
  assignBins,
  binCount,
  frameColumn,
  replaceFrameColumns,
  type FeatureBins,
  type Frame,
} from '@fedgrid/ml';
import { ComponentError, type ModelPart } from '../spec.js';

export interface BinnedFeature {
  name: string;
  bins: FeatureBins;
  /** Rows per bin (the missing bin last, when present). */
  counts: number[];
  /** Label-1 and label-0 rows per bin: only on the guest (the label holder). */
  events?: number[];
  nonEvents?: number[];
  woe: number[];
  ivPerBin: number[];
  iv: number;
  /**
   * A categorical feature of a column registered as categorical: the category of each of
   * `bins.categories` (by the fitted frame's levels). Applying the model then matches rows by
   * category, not by code, so that rows coded by another table's levels (serving, batch
   * prediction on a refreshed dataset) land in the right bin. The owner's data: it stays on its
   * node with the model part.
   */
  levels?: string[];
}

export interface BinningModel extends ModelPart {
  algorithm: 'hetero-binning';
  role: 'guest' | 'host';
  method: string;
  adjustmentFactor: number;
  features: BinnedFeature[];
}

/**
 * `features` with the category of each categorical bin recorded (see {@link BinnedFeature.levels})
 * where `frame` types the column as categorical.
 */
export function withCategoryNames(features: BinnedFeature[], frame: Frame): BinnedFeature[] {
  return features.map((f) => {
    const t = frame.columnTypes?.[f.name];
    if (f.bins.kind !== 'categorical' || t?.type !== 'categorical') return f;
    return { ...f, levels: f.bins.categories.map((c) => t.levels[c] ?? String(c)) };
  });
}

/**
 * The bin of each row of column `j` of `frame` for a feature fitted with category names: the
 * row's category (by the frame's own levels) looked up among the fitted ones; a category not
 * fitted → −1, missing → the missing bin (or −1 without one).
 */
function binsByCategory(
  f: BinnedFeature & { levels: string[]; bins: { kind: 'categorical' } },
  own: readonly string[],
  column: Float64Array,
): Int32Array {
  const rows = column.length;
  const byName = new Map(f.levels.map((l, k) => [l, k]));
  const miss = f.bins.missingBin ? f.bins.categories.length : -1;
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = column[i] as number;
    out[i] = Number.isNaN(v) ? miss : (byName.get(own[v] ?? String(v)) ?? -1);
  }
  return out;
}

/** Reads a binning model part. @throws ComponentError MODEL_INVALID for anything else. */
export function asBinningModel(model: ModelPart): BinningModel {
  const features = (model as { features?: unknown }).features;
  if (model.algorithm !== 'hetero-binning' || !Array.isArray(features)) {
    throw new ComponentError(
      'MODEL_INVALID',
      `expected a hetero-binning model part, got algorithm '${model.algorithm}'`,
    );
  }
  return model as BinningModel;
}

/**
 * The frame with binned columns replaced by their WOE values or bin indices (other columns and
 * the labels unchanged). A value in no bin (a category unseen in training) gets WOE 0 / bin −1.
 * @throws ComponentError FEATURE_MISSING when a binned feature is absent from the frame.
 */
export function transformFrame(
  frame: Frame,
  model: BinningModel,
  transform: 'woe' | 'bin' | 'none',
): Frame {
  if (transform === 'none') return frame;
  const rows = frame.ids.length;
  const index = new Map(frame.featureNames.map((f, j) => [f, j]));
  const replaced = new Map<string, Float64Array>();
  for (const f of model.features) {
    const j = index.get(f.name);
    if (j === undefined) {
      throw new ComponentError(
        'FEATURE_MISSING',
        `binned feature '${f.name}' is absent from the data`,
        {
          feature: f.name,
        },
      );
    }
    const column = frameColumn(frame, j);
    const own = frame.columnTypes?.[f.name];
    const bins =
      f.levels && f.bins.kind === 'categorical' && own?.type === 'categorical'
        ? binsByCategory(
            f as BinnedFeature & { levels: string[]; bins: { kind: 'categorical' } },
            own.levels,
            column,
          )
        : assignBins(f.bins, column, rows, 1, 0);
    if (f.woe.length !== binCount(f.bins)) {
      throw new ComponentError(
        'MODEL_INVALID',
        `feature '${f.name}': ${f.woe.length} WOE values for ${binCount(f.bins)} bins`,
      );
    }
    const out = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      const b = bins[i] as number;
      out[i] = transform === 'bin' ? b : b < 0 ? 0 : (f.woe[b] as number);
    }
    replaced.set(f.name, out);
  }
  // Only the binned columns are new (column-backed in, column-backed out); WOE values and bin
  // indices are numbers, whatever the binned column's type was.
  return replaceFrameColumns(frame, replaced);
}
