export * from './spec.js';
export * from './registry.js';
export { psiEcdh } from './psi-ecdh/spec.js';
export { psiParams, compareBytes, type PsiParams } from './psi-ecdh/params.js';
export { heteroLr } from './hetero-lr/spec.js';
export { heteroLrParams, lrParams, type HeteroLrParams } from './hetero-lr/params.js';
export { heteroLrPredict } from './hetero-lr-predict/predict.js';
export { evaluation } from './evaluation/spec.js';
