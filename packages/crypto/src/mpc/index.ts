export * from './ring.js';
export * from './prg.js';
export * from './messages.js';
export * from './dealer.js';
export * from './material.js';
export * from './party.js';
export * from './runner.js';
export * from './stats.js';
