/** Keyword private information retrieval (OPRF-based); see docs/protocols/pir.md. */
export * from './hash-to-curve.js';
export * from './oprf.js';
export * from './table.js';
export * from './query.js';
