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
  /** The demo's --task where the label's inference would not give it (a count is regression). */
  task?: 'binary' | 'multiclass' | 'regression';
  /** Share of rows held out (default: the bench's HOLDOUT). */
  holdout?: number;
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

/**
 * A count task on default_credit: the label is the number of the six months (Apr–Sep 2005) with a
 * payment delayed by one month or more (PAY_k ≥ 1, 0…6), and the six repayment-status columns
 * (host x5…x9, guest x0) are removed from the features. The bundled files hold PAY_k standardised;
 * its levels are the integers −2…8 with −2, −1 and 0 always present, so `PAY_k ≥ 1` is "at least
 * the fourth smallest distinct value" (checked against UCI's raw file: all 30000 rows agree).
 */
const creditDelinquency: Files = async (s, work) => {
  const read = async (name: string) =>
    (await readFile(fate(s, name), 'utf8'))
      .trimEnd()
      .split('\n')
      .map((l) => l.split(','));
  const guest = await read('default_credit_hetero_guest.csv');
  const host = await read('default_credit_hetero_host.csv');
  const hostById = new Map(host.slice(1).map((r) => [r[0], r]));
  const rows = guest.slice(1).map((g) => {
    const h = hostById.get(g[0]);
    if (!h) throw new Error(`default_credit: id ${g[0]} is not in the host file`);
    return { g, h };
  });
  // [file, cell] of each PAY column: host x5…x9 are cells 6…10, guest x0 is cell 2.
  const pay: ['g' | 'h', number][] = [
    ['h', 6],
    ['h', 7],
    ['h', 8],
    ['h', 9],
    ['h', 10],
    ['g', 2],
  ];
  const at1 = pay.map(([f, c]) => {
    const levels = [...new Set(rows.map((r) => Number(r[f][c])))].sort((a, b) => a - b);
    return levels[3] as number;
  });
  const count = rows.map((r) => pay.filter(([f, c], k) => Number(r[f][c]) >= at1[k]!).length);
  const guestFile = join(work, 'credit-delinquency-guest.csv');
  const hostFile = join(work, 'credit-delinquency-host.csv');
  await writeFile(
    guestFile,
    [
      ['id', 'delinquent_months', ...guest[0]!.slice(3)].join(','),
      ...rows.map((r, i) => [r.g[0], count[i], ...r.g.slice(3)].join(',')),
    ].join('\n') + '\n',
  );
  await writeFile(
    hostFile,
    [host[0]!.slice(0, 6).join(','), ...rows.map((r) => r.h.slice(0, 6).join(','))].join('\n') +
      '\n',
  );
  return { guest: guestFile, hosts: [hostFile], id: 'id', label: 'delinquent_months' };
};

const AUC = { kind: 'absolute', value: 0.01 } as const;
const ACCURACY = { kind: 'absolute', value: 0.01 } as const;
const MSE = { kind: 'relative', value: 0.02 } as const;

type Files = QualityCase['files'];

/** A bundled hetero split as it is. */
const bundled =
  (name: string, id: string, label: string): Files =>
  async (s) => ({
    guest: fate(s, `${name}_hetero_guest.csv`),
    hosts: [fate(s, `${name}_hetero_host.csv`)],
    id,
    label,
  });

/** A bundled split whose host columns are dealt to two hosts at `cut`. */
const twoHosts =
  (name: string, id: string, label: string, cut: number, total: number): Files =>
  async (s, work) => {
    const dir = join(work, `${name}-2hosts`);
    await mkdir(dir, { recursive: true });
    return {
      guest: fate(s, `${name}_hetero_guest.csv`),
      hosts: await splitColumns(fate(s, `${name}_hetero_host.csv`), dir, [
        [0, cut],
        [cut, total],
      ]),
      id,
      label,
    };
  };

/** The motor split with motor_speed replaced by its tertile class. */
const motorClasses: Files = async (s, work) => ({
  guest: await tertileLabels(fate(s, 'motor_hetero_guest.csv'), join(work, 'motor-classes.csv')),
  hosts: [fate(s, 'motor_hetero_host.csv')],
  id: 'idx',
  label: 'speed_class',
});

/** The bundled German credit split (examples/data/credit): 13 string columns, categorical. */
const germanCredit: Files = async (s) => ({
  guest: join(s, '..', 'credit', 'german_credit_guest.csv'),
  hosts: [join(s, '..', 'credit', 'german_credit_host.csv')],
  id: 'id',
  label: 'bad',
});
const GERMAN = 'German credit, 13 categorical columns one-hot per party (1000 × 9 + 11)';

const BREAST = 'breast (569 × 10 + 20)';
const BREAST_2 = 'breast, two hosts (569 × 10 + 10 + 10)';
const CREDIT = 'default_credit (30000 × 13 + 10)';
const MOTOR = 'motor (800 × 4 + 7)';
const CREDIT_COUNT =
  'default_credit, months delinquent (0–6) as the count, repayment status removed (30000 × 12 + 5)';
const MOTOR_2 = 'motor, two hosts (800 × 4 + 4 + 3)';
const MOTOR_CLASSES = 'motor, motor_speed tertiles as 3 classes (800 × 4 + 7)';
const breast = bundled('breast', 'id', 'y');
const credit = bundled('default_credit', 'id', 'y');
const motor = bundled('motor', 'idx', 'motor_speed');
const SBT = { maxDepth: 3 };

export const QUALITY_CASES: QualityCase[] = [
  {
    id: 'breast-lr',
    dataset: BREAST,
    algorithm: 'hetero-lr',
    metric: 'auc',
    tolerance: AUC,
    params: {},
    files: breast,
  },
  {
    id: 'breast-lr-2hosts',
    dataset: BREAST_2,
    algorithm: 'hetero-lr',
    metric: 'auc',
    tolerance: AUC,
    params: {},
    files: twoHosts('breast', 'id', 'y', 10, 20),
  },
  {
    id: 'credit-lr',
    dataset: CREDIT,
    algorithm: 'hetero-lr',
    metric: 'auc',
    tolerance: AUC,
    params: {},
    files: credit,
  },
  {
    id: 'motor-lr-ovr',
    dataset: MOTOR_CLASSES,
    algorithm: 'hetero-lr',
    metric: 'accuracy',
    tolerance: ACCURACY,
    params: { maxIter: 30, batchSize: -1, learningRate: 0.3 },
    files: motorClasses,
  },
  {
    id: 'motor-linr',
    dataset: MOTOR,
    algorithm: 'hetero-linr',
    metric: 'mse',
    tolerance: MSE,
    params: {},
    files: motor,
  },
  {
    id: 'motor-linr-2hosts',
    dataset: MOTOR_2,
    algorithm: 'hetero-linr',
    metric: 'mse',
    tolerance: MSE,
    params: {},
    files: twoHosts('motor', 'idx', 'motor_speed', 4, 7),
  },
  {
    id: 'credit-poisson',
    dataset: CREDIT_COUNT,
    algorithm: 'hetero-poisson',
    task: 'regression',
    metric: 'mse',
    tolerance: MSE,
    // Ten epochs of 59 mini-batches: the default 30 take five minutes here for the same fit.
    params: { maxIter: 10 },
    files: creditDelinquency,
  },
  {
    id: 'german-lr',
    dataset: GERMAN,
    algorithm: 'hetero-lr',
    metric: 'auc',
    tolerance: AUC,
    holdout: 0.3,
    params: {},
    files: germanCredit,
  },
  {
    id: 'german-sbt',
    dataset: GERMAN,
    algorithm: 'secureboost',
    metric: 'auc',
    tolerance: AUC,
    holdout: 0.3,
    params: {},
    files: germanCredit,
  },
  {
    id: 'breast-sbt',
    dataset: BREAST,
    algorithm: 'secureboost',
    metric: 'auc',
    tolerance: AUC,
    params: { ...SBT, trees: 50, learningRate: 0.1 },
    files: breast,
  },
  {
    id: 'breast-sbt-2hosts',
    dataset: BREAST_2,
    algorithm: 'secureboost',
    metric: 'auc',
    tolerance: AUC,
    params: { ...SBT, trees: 20, learningRate: 0.1 },
    files: twoHosts('breast', 'id', 'y', 10, 20),
  },
  {
    id: 'credit-sbt',
    dataset: CREDIT,
    algorithm: 'secureboost',
    metric: 'auc',
    tolerance: AUC,
    params: { ...SBT, trees: 30, learningRate: 0.3 },
    files: credit,
  },
  {
    id: 'motor-sbt',
    dataset: MOTOR,
    algorithm: 'secureboost',
    metric: 'mse',
    tolerance: MSE,
    params: { ...SBT, trees: 30, learningRate: 0.3 },
    files: motor,
  },
  {
    id: 'motor-sbt-classes',
    dataset: MOTOR_CLASSES,
    algorithm: 'secureboost',
    metric: 'accuracy',
    tolerance: ACCURACY,
    params: { ...SBT, trees: 10, learningRate: 0.3 },
    files: motorClasses,
  },
  {
    id: 'breast-sshe',
    dataset: BREAST,
    algorithm: 'hetero-sshe-lr',
    metric: 'auc',
    tolerance: AUC,
    params: {},
    files: breast,
  },
  {
    id: 'credit-sshe',
    dataset: CREDIT,
    algorithm: 'hetero-sshe-lr',
    metric: 'auc',
    tolerance: AUC,
    params: {},
    files: credit,
  },
];
