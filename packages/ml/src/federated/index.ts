export * from './aggregate.js';
export * from './robust.js';
export * from './server-optimizer.js';
export * from './secure-random.js';
export * from './dp.js';
export * from './adaptive-clipping.js';
export * from './rdp-accountant.js';
export * from './contribution.js';
