/**
 * The plaintext twin of the federated job: the same CSV files joined on the id column in one
 * place (which federation exists to avoid — this is for comparison only), the same rows as PSI
 * finds, the same one-hot encoding of categorical columns as the demo's encode task, the same
 * hyper-parameters, the exact loss (no Taylor approximation).
 */
import type { PredictionTask } from '@fedgrid/components';
import {
  applyEncoding,
  categoricalColumns,
  DivergedError,
  fitCategories,
  hstack,
  selectFrameRows,
  type FittedCategories,
  type Frame,
} from '@fedgrid/ml';
import { importCsv } from '@fedgrid/node';
import type { DemoAlgorithm } from './algorithms.js';

export interface BaselineResult {
  /** On the joined training rows. */
  metrics: Record<string, number>;
  /** On the joined held-out files, when they were given. */
  heldout?: { rows: number; metrics: Record<string, number> };
  rows: number;
  features: number;
  epochs?: number;
  seconds: number;
}

/** Rows of the guest (in its order) whose id is in every host file — the PSI result. */
export function joinOnIds(guest: Frame, hosts: Frame[]): Frame {
  const hostIndex = hosts.map((h) => new Map(h.ids.map((id, i) => [id, i])));
  const keep: number[] = [];
  const seen = new Set<string>();
  guest.ids.forEach((id, i) => {
    if (!seen.has(id) && hostIndex.every((m) => m.has(id))) keep.push(i);
    seen.add(id);
  });
  let joined = selectFrameRows(guest, keep);
  hosts.forEach((h, k) => {
    const rows = keep.map((i) => hostIndex[k]!.get(guest.ids[i] as string) as number);
    const part = selectFrameRows(h, rows);
    joined = {
      ...joined,
      x: hstack(joined.x, part.x),
      featureNames: [...joined.featureNames, ...part.featureNames.map((f) => `host${k}.${f}`)],
    };
  });
  return joined;
}

/**
 * Each party's categories, one-hot encoded as the demo's `encode` task does (the categories
 * fitted on the training files; a category first seen in held-out files is an all-zero row).
 */
export type PartyEncodings = FittedCategories[][];

/** Most categories of one column the demo one-hot encodes (the encode component's default). */
const MAX_CATEGORIES = 100;

function encoded(
  frame: Frame,
  fitted: FittedCategories[] | undefined,
): {
  frame: Frame;
  fitted: FittedCategories[];
} {
  const f = fitted ?? fitCategories(frame, categoricalColumns(frame), MAX_CATEGORIES);
  return { frame: f.length ? applyEncoding(frame, f, 'one-hot', 'ignore') : frame, fitted: f };
}

/**
 * The parties' files joined on the id column (guest label kept), categorical columns one-hot
 * encoded per party (with `encodings` when given: the training files' categories).
 */
async function joinFiles(
  files: { guest: string; hosts: string[]; id: string; label: string },
  encodings?: PartyEncodings,
): Promise<{ joined: Frame; encodings: PartyEncodings }> {
  const guest = encoded(
    (await importCsv({ path: files.guest, idColumn: files.id, labelColumn: files.label })).frame,
    encodings?.[0],
  );
  const hosts = await Promise.all(
    files.hosts.map(async (p, k) =>
      encoded((await importCsv({ path: p, idColumn: files.id })).frame, encodings?.[k + 1]),
    ),
  );
  return {
    joined: joinOnIds(
      guest.frame,
      hosts.map((h) => h.frame),
    ),
    encodings: [guest.fitted, ...hosts.map((h) => h.fitted)],
  };
}

/**
 * The plaintext twin of a demo run: the files joined on the id column, the algorithm's plaintext
 * model with the same parameters, its metrics on the joined rows — and, when `heldout` files are
 * given, on those files joined the same way.
 */
export async function plaintextBaseline(
  files: { guest: string; hosts: string[]; id: string; label: string },
  algorithm: DemoAlgorithm,
  params: Record<string, unknown>,
  task: PredictionTask,
  heldout?: { guest: string; hosts: string[] },
): Promise<BaselineResult> {
  const t0 = performance.now();
  const { joined, encodings } = await joinFiles(files);
  let run;
  try {
    run = algorithm.baseline(joined, params, task);
  } catch (e) {
    if (e instanceof DivergedError)
      throw new Error(`the plaintext twin diverged too: ${e.message}`, { cause: e });
    throw e;
  }
  const test = heldout ? (await joinFiles({ ...files, ...heldout }, encodings)).joined : undefined;
  return {
    metrics: run.metricsOn(joined),
    ...(test ? { heldout: { rows: test.ids.length, metrics: run.metricsOn(test) } } : {}),
    rows: joined.ids.length,
    features: joined.x.cols,
    ...(run.epochs !== undefined ? { epochs: run.epochs } : {}),
    seconds: (performance.now() - t0) / 1000,
  };
}
