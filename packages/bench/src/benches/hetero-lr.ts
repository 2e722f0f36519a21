/**
 * `hetero_lr.epoch`: one epoch of coordinated HeteroLR on FATE's default_credit hetero split with
 * guest, host and arbiter as three OS processes over the gRPC data plane, and
 * `hetero_lr.epoch@plaintext`: one epoch of the plaintext twin on the joined rows.
 */
import { availableParallelism } from 'node:os';
import { heteroLrParams, lrParams } from '@fedgrid/components';
import { hstack, selectFrameRows, trainLogisticRegression, type Frame } from '@fedgrid/ml';
import { withCluster, type FederatedCluster } from '../cluster.js';
import { CpuProbe } from '../cpu.js';
import { measureForSync, type Budget } from '../measure.js';
import { cpuFields, result, sig, type BenchResult } from '../report.js';
import { scaleOutDatabase } from './psi.js';

export interface HeteroLrBenchOptions {
  guestCsv: string;
  hostCsv: string;
  idColumn?: string;
  labelColumn?: string;
  keyBits?: 2048 | 3072 | 4096;
  /** Use only the first `rows` guest rows (development runs). */
  rows?: number;
  /** Budget of the plaintext-twin measurement. */
  plaintext: Budget;
  /**
   * Also run the two epochs under the gm suite's data-plane protection and report
   * `hetero_lr.epoch` with `suite: 'gm'` (its overhead over this run). @default true
   */
  gm?: boolean;
  log?: (line: string) => void;
}

/** The host frame reordered to the guest's ids. @throws Error if an id is missing on the host. */
export function alignToGuest(guest: Frame, host: Frame): Frame {
  const index = new Map(host.ids.map((id, i) => [id, i]));
  const rows = guest.ids.map((id) => {
    const i = index.get(id);
    if (i === undefined) throw new Error(`guest id '${id}' is missing from the host file`);
    return i;
  });
  return selectFrameRows(host, rows);
}

/**
 * Runs two epochs (maxIter 2, tol 0) on `cluster` (parties guest, host-0, arbiter) and reports
 * the second (the first also pays for key generation and table building); then times the
 * plaintext twin on the same joined rows with the same hyper-parameters.
 */
export async function benchHeteroLr(
  cluster: FederatedCluster,
  opts: HeteroLrBenchOptions,
): Promise<BenchResult[]> {
  const log = opts.log ?? (() => {});
  const keyBits = opts.keyBits ?? 2048;
  const { importCsv } = await import('@fedgrid/node');
  const idColumn = opts.idColumn ?? 'id';
  let guest = (
    await importCsv({ path: opts.guestCsv, idColumn, labelColumn: opts.labelColumn ?? 'y' })
  ).frame;
  if (opts.rows !== undefined && opts.rows < guest.ids.length)
    guest = selectFrameRows(
      guest,
      Array.from({ length: opts.rows }, (_, i) => i),
    );
  const host = alignToGuest(guest, (await importCsv({ path: opts.hostCsv, idColumn })).frame);
  const rows = guest.ids.length;
  const features = guest.x.cols + host.x.cols;
  const params = { rows, features, key_bits: keyBits };
  const raw = { maxIter: 2, tol: 0, keyBits };

  const twoEpochs = async (gm: boolean) => {
    const run = await cluster.run({
      component: 'hetero-lr',
      params: raw,
      parties: ['guest', 'host-0', 'arbiter'],
      gm,
      inputs: {
        guest: { data: { kind: 'dataset', frame: guest } },
        'host-0': { data: { kind: 'dataset', frame: host } },
      },
      onProgress: (party, d) => {
        if (party === 'guest' && typeof d.epoch === 'number')
          log(
            `hetero_lr${gm ? ' (gm)' : ''} epoch ${d.epoch}: ${sig(Number(d.seconds), 4)} s, loss ${sig(Number(d.loss), 6)}`,
          );
      },
    });
    const g = run.parties.guest;
    const epochEvent = (epoch: number) => {
      const ev = g?.progress.find((e) => e.data.stage === 'train' && e.data.epoch === epoch);
      if (!ev || typeof ev.data.seconds !== 'number') {
        throw new Error(
          `the guest reported no time for epoch ${epoch} (summary: ${JSON.stringify(g?.summary)})`,
        );
      }
      return { seconds: ev.data.seconds, cpu: ev.cpu };
    };
    const e1 = epochEvent(1);
    const e2 = epochEvent(2);
    return {
      run,
      e1,
      e2,
      first: e1.seconds,
      second: e2.seconds,
      fedLoss: g?.summary?.lossHistory as number[] | undefined,
    };
  };
  const { run, e1, e2, first, second, fedLoss } = await twoEpochs(false);
  const cores = availableParallelism();

  // The plaintext twin: the same rows joined, the same hyper-parameters, the Taylor loss.
  const x = hstack(guest.x, host.x);
  const y = (guest.labels as Float64Array).map((v) => (v === -1 ? 0 : v));
  const lp = lrParams(heteroLrParams.parse(raw));
  const twin = trainLogisticRegression(x, y, lp, { taylor: true });
  // Same arithmetic up to fixed-point and quantisation error: the losses must agree closely.
  if (
    !fedLoss ||
    fedLoss.length !== 2 ||
    fedLoss.some(
      (l, i) => !(Math.abs(l - (twin.lossHistory[i] as number)) <= 1e-3 * Math.abs(l) + 1e-6),
    )
  ) {
    throw new Error(
      `federated losses ${JSON.stringify(fedLoss)} do not match the plaintext twin's ${JSON.stringify(twin.lossHistory)}`,
    );
  }
  const one = { ...lp, maxIter: 1 };
  trainLogisticRegression(x, y, one, { taylor: true }); // warm-up
  const plain = measureForSync(opts.plaintext, () => {
    trainLogisticRegression(x, y, one, { taylor: true });
    return 1;
  });
  const plainEpoch = plain.seconds / plain.ops;
  // The same two epochs with the gm suite's data-plane protection (SM2 key exchange, every
  // payload SM2-signed and SM4-sealed): the results must be identical, only the time may differ.
  const gm = opts.gm === false ? undefined : await twoEpochs(true);
  if (gm && JSON.stringify(gm.fedLoss) !== JSON.stringify(fedLoss))
    throw new Error(
      `gm losses ${JSON.stringify(gm.fedLoss)} differ from the international run's ${JSON.stringify(fedLoss)}`,
    );
  return [
    result('hetero_lr.epoch', params, second, 1, 'epochs', {
      row_features_per_core_second: Math.round((rows * features) / (second * cores)),
      first_epoch_seconds: sig(first, 4),
      run_seconds: sig(run.seconds, 4),
      processes: 3,
      // CPU of the four processes (coordinator, guest, host, arbiter) and of others during epoch 2.
      ...cpuFields(CpuProbe.between(e1.cpu, e2.cpu), second, cores),
      run_cpu_seconds_by_party: Object.fromEntries(
        Object.entries(run.parties).map(([p, o]) => [p, sig(o.cpuSeconds, 4)]),
      ),
      threads_per_party: cluster.threads,
      batch_size: lp.batchSize,
      loss_history: fedLoss.map((l) => sig(l, 8)),
      vs_plaintext_slowdown: sig(second / plainEpoch, 4),
    }),
    ...(gm
      ? [
          result('hetero_lr.epoch', { ...params, suite: 'gm' }, gm.second, 1, 'epochs', {
            first_epoch_seconds: sig(gm.first, 4),
            run_seconds: sig(gm.run.seconds, 4),
            international_seconds: sig(second, 4),
            gm_overhead: sig(gm.second / second - 1, 4),
            ...cpuFields(CpuProbe.between(gm.e1.cpu, gm.e2.cpu), gm.second, cores),
            loss_history: (gm.fedLoss ?? []).map((l) => sig(l, 8)),
          }),
        ]
      : []),
    result('hetero_lr.epoch@plaintext', params, plainEpoch, 1, 'epochs', {
      threads: 1,
      epochs_timed: plain.ops,
      ...cpuFields(plain.cpu, plain.seconds, 1),
      loss_history: twin.lossHistory.map((l) => sig(l, 8)),
    }),
  ];
}

export interface HeteroLrScaleOptions {
  rows: number;
  /** Features in total: the guest holds ⌊features/2⌋, the host the rest. */
  features: number;
  keyBits: 2048 | 3072 | 4096;
  /**
   * Worker processes per party (issue 16): more than 1 splits the party's Paillier encryption
   * batches across processes through PostgreSQL (FEDGRID_POSTGRES_URL).
   */
  workers: number;
  /** Crypto threads per process. @default 1 */
  threads?: number;
  /**
   * Epochs to run; the last one is reported. With 1 the figure includes key generation and the
   * fixed-base table (`first_epoch: true`). @default 2
   */
  epochs?: number;
  log?: (line: string) => void;
}

/**
 * `hetero_lr.epoch {rows, features, key_bits, workers}`: HeteroLR in fresh guest, host and arbiter
 * processes, each party with `workers` worker processes of `threads` crypto threads (field
 * `threads_per_process`): the Paillier encryption of the residuals and the encrypted-gradient
 * inner products (the host's Xᵀ·[[d]], split by rows) are split across the processes through
 * PostgreSQL as a node's workers split them; the arbiter's decryptions stay on the threads of the
 * party process (its private key stays there), on synthetic vertically split rows generated in
 * the parties. Extra fields: `peak_rss_mb` (the largest party process) and the peak of each;
 * with several workers `batch_chunks` (per party: chunks run in the party process, in a worker,
 * taken back) and `batch_chunks_by_kind` (the same per crypto task kind).
 * @throws Error when the guest reports no epoch time.
 */
export async function benchHeteroLrScale(opts: HeteroLrScaleOptions): Promise<BenchResult> {
  const { rows, features, keyBits, workers } = opts;
  const threads = opts.threads ?? 1;
  const epochs = opts.epochs ?? 2;
  const guestCols = Math.floor(features / 2);
  return withCluster(
    {
      parties: ['guest', 'host-0', 'arbiter'],
      threads,
      workerProcesses: workers,
      ...scaleOutDatabase(workers),
      startTimeoutMs: 300_000,
    },
    async (cluster) => {
      const run = await cluster.run({
        component: 'hetero-lr',
        params: { maxIter: epochs, tol: 0, keyBits },
        parties: ['guest', 'host-0', 'arbiter'],
        inputs: { guest: {}, 'host-0': {} },
        // One 10^6 × 50 epoch needs ≈ 13 min of both cores; allow a loaded machine 4 hours.
        timeoutMs: 4 * 3600_000,
        synthetic: {
          guest: { data: { kind: 'lr-rows', rows, cols: guestCols, seed: 11, labels: true } },
          'host-0': {
            data: { kind: 'lr-rows', rows, cols: features - guestCols, seed: 12, labels: false },
          },
        },
        onProgress: (party, d) => {
          if (party === 'guest' && typeof d.epoch === 'number')
            opts.log?.(
              `hetero_lr rows=${rows} features=${features} workers=${workers} epoch ${d.epoch}: ${sig(Number(d.seconds), 4)} s`,
            );
        },
      });
      const g = run.parties.guest;
      const ev = g?.progress.find((e) => e.data.stage === 'train' && e.data.epoch === epochs);
      if (!ev || typeof ev.data.seconds !== 'number')
        throw new Error(`the guest reported no time for epoch ${epochs}`);
      const prev = g?.progress.find((e) => e.data.stage === 'train' && e.data.epoch === epochs - 1);
      const seconds = ev.data.seconds;
      const rss = Object.fromEntries(
        Object.entries(run.parties).map(([p, o]) => [
          `${p.replace('-0', '')}_peak_rss_mb`,
          o.peakRssMb ?? NaN,
        ]),
      );
      return result(
        'hetero_lr.epoch',
        { rows, features, key_bits: keyBits, workers },
        seconds,
        1,
        'epochs',
        {
          first_epoch: epochs === 1,
          processes: 3,
          worker_processes_per_party: workers,
          threads_per_process: threads,
          ...(workers > 1
            ? {
                batch_chunks: Object.fromEntries(
                  Object.entries(run.parties).map(([p, o]) => [p, o.summary?.['batch_chunks']]),
                ),
                // Per kind: the guest's and host's Paillier encryption (paillierEncrypt) and
                // encrypted-gradient inner products (paillierInnerProduct), per party.
                batch_chunks_by_kind: Object.fromEntries(
                  Object.entries(run.parties).map(([p, o]) => [
                    p,
                    o.summary?.['batch_chunks_by_kind'],
                  ]),
                ),
              }
            : {}),
          peak_rss_mb: Math.max(...Object.values(rss)),
          ...rss,
          row_features_per_core_second: Math.round(
            (rows * features) / (seconds * availableParallelism()),
          ),
          ...(prev
            ? cpuFields(CpuProbe.between(prev.cpu, ev.cpu), seconds, availableParallelism())
            : {}),
          run_cpu_seconds_by_party: Object.fromEntries(
            Object.entries(run.parties).map(([p, o]) => [p, sig(o.cpuSeconds, 4)]),
          ),
        },
      );
    },
  );
}
