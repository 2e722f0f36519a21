/** Neural networks (multi-layer perceptrons) on TensorFlow.js with the WASM backend, for horizontal federated learning. */
export { initMlpBackend } from './backend.js';
export type { MlpBackend } from './backend.js';
export { resolveMlpSpec, mlpLayerShapes, mlpParameterCount } from './spec.js';
export type { MlpActivation, MlpTask, MlpSpec, ResolvedMlpSpec, MlpLayerShape } from './spec.js';
export { glorotUniformInit } from './init.js';
export { createMlp } from './mlp.js';
export type { Mlp, MlpFitOptions, MlpFitResult } from './mlp.js';
