/**
 * Secure aggregation: Bonawitz et al., "Practical Secure Aggregation for Privacy-Preserving
 * Machine Learning" (CCS 2017), semi-honest variant, with the SecAgg+ neighbourhoods of Bell
 * et al., "Secure Single-Server Aggregation with (Poly)Logarithmic Overhead" (CCS 2020).
 * Pure and I/O-free; see docs/protocols/secagg.md.
 */
export { SecAggClient, type SecAggClientOptions } from './client.js';
export { SecAggServer, type SecAggServerOptions, type SecAggResult } from './server.js';
export type {
  AdvertiseMsg,
  EncryptedShare,
  ShareKeysMsg,
  UnmaskRequest,
  RevealedShare,
  UnmaskMsg,
} from './messages.js';
export { SecAggAbortError, checkThreshold, defaultThreshold } from './params.js';
export { secAggGraph } from './graph.js';
export { SECAGG_SEED_BYTES, expandSeed, addMask, addInto } from './prg.js';
export {
  SHAMIR_PRIME,
  SHAMIR_SECRET_BYTES,
  SHAMIR_SHARE_BYTES,
  MAX_SECAGG_ID,
  shamirSplit,
  shamirCombine,
  type ShamirShare,
} from './shamir.js';
export {
  DEFAULT_QUANTIZE_BITS,
  quantize,
  dequantizeSum,
  quantizationErrorBound,
  type QuantizeOptions,
} from './quantize.js';
export {
  simulateSecAggRound,
  type SimulateSecAggOptions,
  type SimulateSecAggResult,
} from './simulate.js';
