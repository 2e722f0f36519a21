/** SecureBoost's public surface: the training and prediction components, parameters, model parts. */
export { secureBoost } from './spec.js';
export {
  secureBoostParams,
  parseSecureBoostParams,
  gbdtParams,
  type SecureBoostParams,
} from './params.js';
export {
  readGuestModel,
  readHostModel,
  type SbGuestModel,
  type SbHostModel,
  type SbNodeJson,
  type SbTreeJson,
  type SbImportance,
} from './model.js';
