/**
 * The binning model part each party keeps (JSON): its own features' bins, WOE and IV, and the
 * transform of a frame by it.
 */
import { asNumericColumns, assignBins, binCount, type FeatureBins, type Frame } from '@fedgrid/ml';
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
}

export interface BinningModel extends ModelPart {
  algorithm: 'hetero-binning';
  role: 'guest' | 'host';
  method: string;
  adjustmentFactor: number;
  features: BinnedFeature[];
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
  const { rows, cols } = frame.x;
  const data = frame.x.data.slice();
  const index = new Map(frame.featureNames.map((f, j) => [f, j]));
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
    const bins = assignBins(f.bins, frame.x.data, rows, cols, j);
    if (f.woe.length !== binCount(f.bins)) {
      throw new ComponentError(
        'MODEL_INVALID',
        `feature '${f.name}': ${f.woe.length} WOE values for ${binCount(f.bins)} bins`,
      );
    }
    for (let i = 0; i < rows; i++) {
      const b = bins[i] as number;
      data[i * cols + j] = transform === 'bin' ? b : b < 0 ? 0 : (f.woe[b] as number);
    }
  }
  // WOE values and bin indices are numbers, whatever the binned column's type was.
  return asNumericColumns(
    { ...frame, x: { rows, cols, data } },
    model.features.map((f) => f.name),
  );
}
