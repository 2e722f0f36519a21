/**
 * The cases of `npm run bench:quality`: every federated algorithm on the bundled FATE splits
 * (and splits derived from them at run time), each compared with its plaintext twin by the
 * demo's own report (CONTRACTS.md: `metrics` vs `baseline`).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface QualityCase {
  /** Short id for --only. */
  id: string;
  dataset: string;
  algorithm: string;
  /** The metric compared, and how: classification absolute (≤ 0.01), regression relative (≤ 2%). */
  metric: string;
  tolerance: { kind: 'absolute' | 'relative'; value: number };
  /** Parameter overrides (the same for the federated model and its twin). */
  params: Record<string, unknown>;
  /** Files and columns; prepared in `work` (derived splits are written there). */
  files(
    samples: string,
    work: string,
  ): Promise<{ guest: string; hosts: string[]; id: string; label: string }>;
}

const fate = (samples: string, name: string) => join(samples, name);

/** Splits a CSV's columns: the id column plus the columns [from, to) of the rest. */
async function splitColumns(
  src: string,
  dest: string,
  parts: [number, number][],
): Promise<string[]> {
  const lines = (await readFile(src, 'utf8')).trimEnd().split('\n');
  const out: string[] = [];
  for (const [k, [from, to]] of parts.entries()) {
    const file = join(dest, `${k}.csv`);
    await writeFile(
      file,
      lines
        .map((l) => {
          const cells = l.split(',');
          return [cells[0], ...cells.slice(1).slice(from, to)].join(',');
        })
        .join('\n') + '\n',
    );
    out.push(file);
  }
  return out;
}

/** Replaces the label column (the second) by class indices of its tertiles. */
async function tertileLabels(src: string, dest: string): Promise<string> {
  const lines = (await readFile(src, 'utf8')).trimEnd().split('\n');
  const values = lines.slice(1).map((l) => Number(l.split(',')[1]));
  const sorted = values.slice().sort((a, b) => a - b);
  const q1 = sorted[Math.floor(sorted.length / 3)] as number;
  const q2 = sorted[Math.floor((2 * sorted.length) / 3)] as number;
  const body = lines.slice(1).map((l, i) => {
    const cells = l.split(',');
    const v = values[i] as number;
    cells[1] = String(v < q1 ? 0 : v < q2 ? 1 : 2);
    return cells.join(',');
  });
  const header = lines[0]!.split(',');
  header[1] = 'speed_class';
  await writeFile(dest, [header.join(','), ...body].join('\n') + '\n');
  return dest;
}

const AUC = { kind: 'absolute', value: 0.01 } as const;
const ACCURACY = { kind: 'absolute', value: 0.01 } as const;
const MSE = { kind: 'relative', value: 0.02 } as const;

export const QUALITY_CASES: QualityCase[] = [
  {
    id: 'breast-lr',
    dataset: 'breast (569 × 10 + 20)',
    algorithm: 'hetero-lr',
    metric: 'auc',
    tolerance: AUC,
    params: {},
    files: async (s) => ({
      guest: fate(s, 'breast_hetero_guest.csv'),
      hosts: [fate(s, 'breast_hetero_host.csv')],
      id: 'id',
      label: 'y',
    }),
  },
  {
    id: 'breast-lr-2hosts',
    dataset: 'breast, two hosts (569 × 10 + 10 + 10)',
    algorithm: 'hetero-lr',
    metric: 'auc',
    tolerance: AUC,
    params: {},
    files: async (s, work) => {
      const dir = join(work, 'breast-2hosts');
      await mkdir(dir, { recursive: true });
      return {
        guest: fate(s, 'breast_hetero_guest.csv'),
        hosts: await splitColumns(fate(s, 'breast_hetero_host.csv'), dir, [
          [0, 10],
          [10, 20],
        ]),
        id: 'id',
        label: 'y',
      };
    },
  },
  {
    id: 'credit-lr',
    dataset: 'default_credit (30000 × 13 + 10)',
    algorithm: 'hetero-lr',
    metric: 'auc',
    tolerance: AUC,
    params: {},
    files: async (s) => ({
      guest: fate(s, 'default_credit_hetero_guest.csv'),
      hosts: [fate(s, 'default_credit_hetero_host.csv')],
      id: 'id',
      label: 'y',
    }),
  },
  {
    id: 'motor-lr-ovr',
    dataset: 'motor, motor_speed tertiles as 3 classes (800 × 4 + 7)',
    algorithm: 'hetero-lr',
    metric: 'accuracy',
    tolerance: ACCURACY,
    params: { maxIter: 30, batchSize: -1, learningRate: 0.3 },
    files: async (s, work) => ({
      guest: await tertileLabels(
        fate(s, 'motor_hetero_guest.csv'),
        join(work, 'motor-classes.csv'),
      ),
      hosts: [fate(s, 'motor_hetero_host.csv')],
      id: 'idx',
      label: 'speed_class',
    }),
  },
  {
    id: 'motor-linr',
    dataset: 'motor (800 × 4 + 7)',
    algorithm: 'hetero-linr',
    metric: 'mse',
    tolerance: MSE,
    params: {},
    files: async (s) => ({
      guest: fate(s, 'motor_hetero_guest.csv'),
      hosts: [fate(s, 'motor_hetero_host.csv')],
      id: 'idx',
      label: 'motor_speed',
    }),
  },
  {
    id: 'motor-linr-2hosts',
    dataset: 'motor, two hosts (800 × 4 + 4 + 3)',
    algorithm: 'hetero-linr',
    metric: 'mse',
    tolerance: MSE,
    params: {},
    files: async (s, work) => {
      const dir = join(work, 'motor-2hosts');
      await mkdir(dir, { recursive: true });
      return {
        guest: fate(s, 'motor_hetero_guest.csv'),
        hosts: await splitColumns(fate(s, 'motor_hetero_host.csv'), dir, [
          [0, 4],
          [4, 7],
        ]),
        id: 'idx',
        label: 'motor_speed',
      };
    },
  },
  {
    id: 'breast-sbt',
    dataset: 'breast (569 × 10 + 20)',
    algorithm: 'secureboost',
    metric: 'auc',
    tolerance: AUC,
    params: { trees: 50, maxDepth: 3, learningRate: 0.1 },
    files: async (s) => ({
      guest: fate(s, 'breast_hetero_guest.csv'),
      hosts: [fate(s, 'breast_hetero_host.csv')],
      id: 'id',
      label: 'y',
    }),
  },
  {
    id: 'breast-sbt-2hosts',
    dataset: 'breast, two hosts (569 × 10 + 10 + 10)',
    algorithm: 'secureboost',
    metric: 'auc',
    tolerance: AUC,
    params: { trees: 20, maxDepth: 3, learningRate: 0.1 },
    files: async (s, work) => {
      const dir = join(work, 'breast-2hosts-sbt');
      await mkdir(dir, { recursive: true });
      return {
        guest: fate(s, 'breast_hetero_guest.csv'),
        hosts: await splitColumns(fate(s, 'breast_hetero_host.csv'), dir, [
          [0, 10],
          [10, 20],
        ]),
        id: 'id',
        label: 'y',
      };
    },
  },
  {
    id: 'credit-sbt',
    dataset: 'default_credit (30000 × 13 + 10)',
    algorithm: 'secureboost',
    metric: 'auc',
    tolerance: AUC,
    params: { trees: 30, maxDepth: 3, learningRate: 0.3 },
    files: async (s) => ({
      guest: fate(s, 'default_credit_hetero_guest.csv'),
      hosts: [fate(s, 'default_credit_hetero_host.csv')],
      id: 'id',
      label: 'y',
    }),
  },
  {
    id: 'motor-sbt',
    dataset: 'motor (800 × 4 + 7)',
    algorithm: 'secureboost',
    metric: 'mse',
    tolerance: MSE,
    params: { trees: 30, maxDepth: 3, learningRate: 0.3 },
    files: async (s) => ({
      guest: fate(s, 'motor_hetero_guest.csv'),
      hosts: [fate(s, 'motor_hetero_host.csv')],
      id: 'idx',
      label: 'motor_speed',
    }),
  },
  {
    id: 'motor-sbt-classes',
    dataset: 'motor, motor_speed tertiles as 3 classes (800 × 4 + 7)',
    algorithm: 'secureboost',
    metric: 'accuracy',
    tolerance: ACCURACY,
    params: { trees: 10, maxDepth: 3, learningRate: 0.3 },
    files: async (s, work) => ({
      guest: await tertileLabels(
        fate(s, 'motor_hetero_guest.csv'),
        join(work, 'motor-classes-sbt.csv'),
      ),
      hosts: [fate(s, 'motor_hetero_host.csv')],
      id: 'idx',
      label: 'speed_class',
    }),
  },
  {
    id: 'breast-sshe',
    dataset: 'breast (569 × 10 + 20)',
    algorithm: 'hetero-sshe-lr',
    metric: 'auc',
    tolerance: AUC,
    params: {},
    files: async (s) => ({
      guest: fate(s, 'breast_hetero_guest.csv'),
      hosts: [fate(s, 'breast_hetero_host.csv')],
      id: 'id',
      label: 'y',
    }),
  },
  {
    id: 'credit-sshe',
    dataset: 'default_credit (30000 × 13 + 10)',
    algorithm: 'hetero-sshe-lr',
    metric: 'auc',
    tolerance: AUC,
    params: {},
    files: async (s) => ({
      guest: fate(s, 'default_credit_hetero_guest.csv'),
      hosts: [fate(s, 'default_credit_hetero_host.csv')],
      id: 'id',
      label: 'y',
    }),
  },
];
