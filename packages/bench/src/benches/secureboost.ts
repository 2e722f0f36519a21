/**
 * `secureboost.tree`: one boosting round (= one tree, binary) of SecureBoost on FATE's
 * default_credit hetero split with guest and host as two OS processes over the gRPC data plane
 * (bench/src/cluster.ts), and `secureboost.tree@plaintext`: one tree of the plaintext twin
 * (trainGbdt on the joined rows, same hyper-parameters, same bins) in this process.
 */
import { availableParallelism } from 'node:os';
import { gbdtParams, parseSecureBoostParams } from '@fedgrid/components';
import {
  binMatrix,
  hstack,
  selectFrameRows,
  trainGbdt,
  type Frame,
  type GbdtModel,
} from '@fedgrid/ml';
import type { FederatedCluster } from '../cluster.js';
import { CpuProbe } from '../cpu.js';
import { measureForSync, type Budget } from '../measure.js';
import { cpuFields, result, sig, type BenchResult } from '../report.js';
import { alignToGuest } from './hetero-lr.js';

export interface SecureBoostBenchOptions {
  guestCsv: string;
  hostCsv: string;
  idColumn?: string;
  labelColumn?: string;
  keyBits?: 2048 | 3072 | 4096;
  /** Use only the first `rows` guest rows (development runs). */
  rows?: number;
  /** Tree depth. @default 3 */
  maxDepth?: number;
  /** Budget of the plaintext-twin measurement. */
  plaintext: Budget;
  log?: (line: string) => void;
}

/** Reads a guest/host CSV pair, host rows aligned to the guest's ids. */
export async function loadHeteroPair(
  guestCsv: string,
  hostCsv: string,
  idColumn = 'id',
  labelColumn = 'y',
  rows?: number,
): Promise<{ guest: Frame; host: Frame }> {
  const { importCsv } = await import('@fedgrid/node');
  let guest = (await importCsv({ path: guestCsv, idColumn, labelColumn })).frame;
  if (rows !== undefined && rows < guest.ids.length)
    guest = selectFrameRows(
      guest,
      Array.from({ length: rows }, (_, i) => i),
    );
  const host = alignToGuest(guest, (await importCsv({ path: hostCsv, idColumn })).frame);
  return { guest, host };
}

/** The number of splits and leaves of a model, for a consistency check. */
function shape(trees: { nodes: unknown[] }[]): number[] {
  return trees.map((t) => t.nodes.length);
}

/**
 * Runs two rounds (trees: 2) on `cluster` (parties guest, host-0) and reports the second (the
 * first also pays for key generation and the encryption table); checks the federated trees
 * against the twin's; then times one tree of the twin.
 */
export async function benchSecureBoost(
  cluster: FederatedCluster,
  opts: SecureBoostBenchOptions,
): Promise<BenchResult[]> {
  const log = opts.log ?? (() => {});
  const keyBits = opts.keyBits ?? 2048;
  const { guest, host } = await loadHeteroPair(
    opts.guestCsv,
    opts.hostCsv,
    opts.idColumn,
    opts.labelColumn,
    opts.rows,
  );
  const rows = guest.ids.length;
  const features = guest.x.cols + host.x.cols;
  const params = { rows, features, key_bits: keyBits };
  const raw = { trees: 2, maxDepth: opts.maxDepth ?? 3, keyBits };

  const run = await cluster.run({
    component: 'secureboost',
    params: raw,
    parties: ['guest', 'host-0'],
    inputs: {
      guest: { data: { kind: 'dataset', frame: guest } },
      'host-0': { data: { kind: 'dataset', frame: host } },
    },
    returnOutputs: true,
    onProgress: (party, d) => {
      if (party === 'guest' && typeof d.round === 'number')
        log(
          `secureboost tree ${d.round}: ${sig(Number(d.seconds), 4)} s, loss ${sig(Number(d.loss), 6)}`,
        );
    },
  });
  const g = run.parties.guest;
  const roundEvent = (round: number) => {
    const ev = g?.progress.find((e) => e.data.stage === 'train' && e.data.round === round);
    if (!ev || typeof ev.data.seconds !== 'number')
      throw new Error(
        `the guest reported no time for tree ${round} (summary: ${JSON.stringify(g?.summary)})`,
      );
    return { seconds: ev.data.seconds, cpu: ev.cpu };
  };
  const e1 = roundEvent(1);
  const e2 = roundEvent(2);
  const cores = availableParallelism();

  // The twin: same rows joined, same hyper-parameters and fixed-point rounding: same trees.
  const x = hstack(guest.x, host.x);
  const y = guest.labels as Float64Array;
  const tp = gbdtParams(parseSecureBoostParams(raw), 'binary');
  const twin = trainGbdt(x, y, tp);
  const fedModel = g?.outputs?.['model'];
  const fedTrees =
    fedModel?.kind === 'model' ? (fedModel.model['trees'] as { nodes: unknown[] }[]) : undefined;
  const fedLoss = g?.summary?.['lossHistory'] as number[] | undefined;
  if (
    !fedTrees ||
    JSON.stringify(shape(fedTrees)) !== JSON.stringify(shape((twin.model as GbdtModel).trees)) ||
    !fedLoss ||
    fedLoss.some((l, i) => Math.abs(l - (twin.history.train[i] as number)) > 1e-9)
  )
    throw new Error(
      `federated trees/losses ${JSON.stringify(fedLoss)} do not match the plaintext twin's ${JSON.stringify(twin.history.train)}`,
    );
  const binned = binMatrix(x, tp.bins);
  const one = { ...tp, trees: 1 };
  trainGbdt(x, y, one, { binned }); // warm-up
  const plain = measureForSync(opts.plaintext, () => {
    trainGbdt(x, y, one, { binned });
    return 1;
  });
  const plainTree = plain.seconds / plain.ops;
  const summary = g?.summary ?? {};
  return [
    result('secureboost.tree', params, e2.seconds, 1, 'trees', {
      first_tree_seconds: sig(e1.seconds, 4),
      run_seconds: sig(run.seconds, 4),
      processes: 2,
      ...cpuFields(CpuProbe.between(e1.cpu, e2.cpu), e2.seconds, cores),
      run_cpu_seconds_by_party: Object.fromEntries(
        Object.entries(run.parties).map(([p, o]) => [p, sig(o.cpuSeconds, 4)]),
      ),
      threads_per_party: cluster.threads,
      max_depth: raw.maxDepth,
      ciphertexts_per_tree: rows,
      decryptions_per_tree: sig(Number(summary['decryptions']) / 2, 4),
      bucket_sums_per_decryption: sig(
        Number(summary['bucketSums']) / Number(summary['decryptions']),
        4,
      ),
      encrypt_seconds_per_tree: sig(Number(summary['encryptSeconds']) / 2, 4),
      vs_plaintext_slowdown: sig(e2.seconds / plainTree, 4),
    }),
    result('secureboost.tree@plaintext', params, plainTree, 1, 'trees', {
      threads: 1,
      trees_timed: plain.ops,
      ...cpuFields(plain.cpu, plain.seconds, 1),
    }),
  ];
}
