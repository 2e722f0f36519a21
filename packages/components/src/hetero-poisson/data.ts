/** The guest's exposure column: split off the features, checked, as the offset log t. */
import type { Frame } from '@fedgrid/ml';
import { ComponentError } from '../spec.js';

/**
 * Removes column `name` from the frame's features and returns log t per row.
 * @throws ComponentError EXPOSURE_INVALID naming the column (absent) or the row (t ≤ 0 or missing).
 */
export function splitExposure(frame: Frame, name: string): { frame: Frame; offset: Float64Array } {
  const j = frame.featureNames.indexOf(name);
  if (j < 0)
    throw new ComponentError(
      'EXPOSURE_INVALID',
      `exposure column '${name}' is not among the guest's features (${frame.featureNames.slice(0, 8).join(', ')}${frame.featureNames.length > 8 ? ', …' : ''})`,
      { field: 'exposure' },
    );
  const { rows, cols, data } = frame.x;
  const offset = new Float64Array(rows);
  const rest = new Float64Array(rows * (cols - 1));
  for (let i = 0; i < rows; i++) {
    const t = data[i * cols + j] as number;
    if (!(t > 0))
      throw new ComponentError(
        'EXPOSURE_INVALID',
        `exposure '${name}' of row ${i} (id ${frame.ids[i]}) is ${t}; exposures must be > 0`,
        { field: 'exposure', row: i },
      );
    offset[i] = Math.log(t);
    let o = i * (cols - 1);
    for (let c = 0; c < cols; c++) if (c !== j) rest[o++] = data[i * cols + c] as number;
  }
  return {
    frame: {
      ...frame,
      x: { rows, cols: cols - 1, data: rest },
      featureNames: frame.featureNames.filter((_, c) => c !== j),
    },
    offset,
  };
}
