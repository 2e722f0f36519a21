export * from './quantile.js';
export * from './describe.js';
export * from './correlation.js';
export * from './bins.js';
export * from './chi-merge.js';
export * from './woe.js';
