/**
 * The plaintext twin of the federated job: the same CSV files joined on the id column in one
 * place (which federation exists to avoid — this is for comparison only), the same rows as PSI
 * finds, the same hyper-parameters, the exact loss (no Taylor approximation).
 */
import type { PredictionTask } from '@fedgrid/components';
import { DivergedError, hstack, selectFrameRows, type Frame } from '@fedgrid/ml';
import { importCsv } from '@fedgrid/node';
import type { DemoAlgorithm } from './algorithms.js';

export interface BaselineResult {
  metrics: Record<string, number>;
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
 * The plaintext twin of a demo run: the files joined on the id column, the algorithm's plaintext
 * model with the same parameters, its metrics on the joined rows.
 */
export async function plaintextBaseline(
  files: { guest: string; hosts: string[]; id: string; label: string },
  algorithm: DemoAlgorithm,
  params: Record<string, unknown>,
  task: PredictionTask,
): Promise<BaselineResult> {
  const t0 = performance.now();
  const guest = (
    await importCsv({ path: files.guest, idColumn: files.id, labelColumn: files.label })
  ).frame;
  const hosts = await Promise.all(
    files.hosts.map(async (p) => (await importCsv({ path: p, idColumn: files.id })).frame),
  );
  const joined = joinOnIds(guest, hosts);
  let run;
  try {
    run = algorithm.baseline(joined, params, task);
  } catch (e) {
    if (e instanceof DivergedError)
      throw new Error(`the plaintext twin diverged too: ${e.message}`, { cause: e });
    throw e;
  }
  return {
    metrics: run.metrics,
    rows: joined.ids.length,
    features: joined.x.cols,
    ...(run.epochs !== undefined ? { epochs: run.epochs } : {}),
    seconds: (performance.now() - t0) / 1000,
  };
}
