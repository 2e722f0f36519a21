import type { ComponentSpec } from '../spec.js';
import { statisticsParams, type StatisticsParams } from './params.js';
import { statisticsProgram } from './program.js';

export const statistics: ComponentSpec<StatisticsParams> = {
  code: 'statistics',
  version: '1.0.0',
  name: 'Statistics',
  description:
    'Per-column count, missing ratio, mean, std, min, max, quantiles, skewness, excess kurtosis and unique count, computed by each party on its own data; the report stays with its owner.',
  reference: 'FATE DataStatistics; standard 000 §7 (sample management: data profiling)',
  roles: ['guest', 'host'],
  params: statisticsParams,
  inputs: [
    {
      name: 'data',
      kind: 'dataset',
      roles: ['guest', 'host'],
      description: 'the party’s rows (NaN = missing)',
    },
  ],
  outputs: [
    {
      name: 'report',
      kind: 'report',
      roles: ['guest', 'host'],
      description: 'one entry per column, for its owner only',
    },
  ],
  programs: { guest: statisticsProgram, host: statisticsProgram },
  // Reads ids / single columns: column-backed frames, no row-major copy of the table.
  columnar: true,
};
