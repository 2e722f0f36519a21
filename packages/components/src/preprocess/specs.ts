/** The preprocessing components (standard 001 appendix A.1 table 2) and their parameter schemas. */
export { missingValues } from '../missing-values/spec.js';
export { missingValuesParams, type MissingValuesParams } from '../missing-values/params.js';
export { outliers } from '../outliers/spec.js';
export { outliersParams, type OutliersParams } from '../outliers/params.js';
export { scale } from '../scale/spec.js';
export { scaleParams, type ScaleParams } from '../scale/params.js';
export { encode } from '../encode/spec.js';
export { encodeParams, type EncodeParams } from '../encode/params.js';
export { sample } from '../sample/spec.js';
export { sampleParams, type SampleParams } from '../sample/params.js';
export { split } from '../split/spec.js';
export { splitParams, type SplitParams } from '../split/params.js';
export { columnSelection, type ColumnSelection } from './columns.js';
