/**
 * The plaintext twin of the federated job: the same CSV files joined on the id column in one
 * place (which federation exists to avoid — this is for comparison only), the same rows as PSI
 * finds, the same hyper-parameters, the exact logistic loss.
 */
import { importCsv } from '@fedgrid/node';
import {
  binaryMetrics,
  hstack,
  predictProba,
  selectFrameRows,
  trainLogisticRegression,
  type BinaryMetrics,
  type Frame,
  type LogisticRegressionParams,
} from '@fedgrid/ml';

export interface BaselineResult {
  metrics: BinaryMetrics;
  rows: number;
  features: number;
  epochs: number;
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

export async function plaintextBaseline(
  files: { guest: string; hosts: string[]; id: string; label: string },
  params: LogisticRegressionParams,
): Promise<BaselineResult> {
  const t0 = performance.now();
  const guest = (
    await importCsv({ path: files.guest, idColumn: files.id, labelColumn: files.label })
  ).frame;
  const hosts = await Promise.all(
    files.hosts.map(async (p) => (await importCsv({ path: p, idColumn: files.id })).frame),
  );
  const joined = joinOnIds(guest, hosts);
  const labels = (joined.labels as Float64Array).map((v) => (v === -1 ? 0 : v));
  const trained = trainLogisticRegression(joined.x, labels, params);
  const scores = predictProba(trained.model, joined.x);
  return {
    metrics: binaryMetrics(labels, scores),
    rows: joined.ids.length,
    features: joined.x.cols,
    epochs: trained.epochs,
    seconds: (performance.now() - t0) / 1000,
  };
}
