/**
 * The V8 flags a node process starts with (server/process-flags.ts, issue 12): which of them a
 * process lacks, read from its command line and NODE_OPTIONS as Node reads them.
 */
import { describe, expect, it } from 'vitest';
import { NODE_PROCESS_V8_FLAGS, missingV8Flags } from '../dist/server/process-flags.js';

describe('node process V8 flags', () => {
  it('doubles the young generation', () => {
    expect(NODE_PROCESS_V8_FLAGS).toContain('--max-semi-space-size=32');
  });

  it('are all missing from a process started with none', () => {
    expect(missingV8Flags([], '')).toEqual([...NODE_PROCESS_V8_FLAGS]);
    expect(missingV8Flags(['--enable-source-maps'], '--import=x.mjs')).toEqual([
      ...NODE_PROCESS_V8_FLAGS,
    ]);
  });

  it('count as given on the command line or in NODE_OPTIONS, in either spelling, with any value', () => {
    expect(missingV8Flags(['--max-semi-space-size=32'], '')).toEqual([]);
    expect(missingV8Flags([], '--import=x.mjs  --max-semi-space-size=64')).toEqual([]);
    expect(missingV8Flags(['--max_semi_space_size=16'], '')).toEqual([]);
  });
});
