/**
 * `psi.ecdh.x25519` / `psi.ecdh.sm2`: a whole ECDH-PSI run, guest and host as two OS processes talking over the
 * gRPC data plane with mutual TLS, on synthetic ids with a known overlap.
 */
import { availableParallelism } from 'node:os';
import type { Frame } from '@fedgrid/ml';
import { SeededRandom } from '@fedgrid/ml';
import { withCluster, type FederatedCluster } from '../cluster.js';
import { median } from '../measure.js';
import { cpuFields, result, sig, type BenchResult } from '../report.js';

/** Ids of two parties with `overlap` in common, each side in its own random order. */
export function psiIds(
  n: number,
  overlap: number,
  seed = 1,
): { guest: string[]; host: string[]; common: Set<string> } {
  if (!Number.isInteger(overlap) || overlap < 0 || overlap > n)
    throw new RangeError(`overlap must be in [0, ${n}]`);
  const shuffled = (start: number, s: number) =>
    Array.from(new SeededRandom(s).permutation(n), (i) => `id-${start + i}`);
  const guest = shuffled(0, seed);
  const host = shuffled(n - overlap, seed + 1);
  const common = new Set(Array.from({ length: overlap }, (_, i) => `id-${n - overlap + i}`));
  return { guest, host, common };
}

/** A frame of ids with one dummy feature column. */
export function idFrame(ids: string[]): Frame {
  return {
    ids,
    x: { rows: ids.length, cols: 1, data: new Float64Array(ids.length) },
    featureNames: ['dummy'],
  };
}

/**
 * Runs PSI `repeats` times on `cluster` (which must have parties guest and host-0) with n ids per
 * side and 50 % overlap, checks every result (both sides must hold exactly the common ids, in the
 * same order) and reports the run of median time. `curve` picks the suite (entry
 * `psi.ecdh.<curve>`).
 * @throws Error when an intersection is wrong (a benchmark of a wrong result is worthless).
 */
export async function benchPsi(
  cluster: FederatedCluster,
  n: number,
  repeats = 1,
  curve: 'x25519' | 'sm2' = 'x25519',
): Promise<BenchResult> {
  const runs: BenchResult[] = [];
  for (let r = 0; r < repeats; r++) runs.push(await psiOnce(cluster, n, r + 1, curve));
  const times = runs.map((r) => r.seconds);
  const mid =
    runs.find((r) => r.seconds === median(times)) ??
    [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)];
  return { ...(mid as BenchResult), runs: runs.length, runs_seconds: times };
}

async function psiOnce(
  cluster: FederatedCluster,
  n: number,
  seed: number,
  curve: 'x25519' | 'sm2',
): Promise<BenchResult> {
  const overlap = Math.floor(n / 2);
  const { guest, host, common } = psiIds(n, overlap, seed * 2);
  const run = await cluster.run({
    component: 'psi-ecdh',
    params: { curve },
    parties: ['guest', 'host-0'],
    inputs: {
      guest: { data: { kind: 'dataset', frame: idFrame(guest) } },
      'host-0': { data: { kind: 'dataset', frame: idFrame(host) } },
    },
    returnOutputs: true,
  });
  const g = run.parties.guest;
  const h = run.parties['host-0'];
  const gOut = g?.outputs?.data;
  const hOut = h?.outputs?.data;
  if (gOut?.kind !== 'dataset' || hOut?.kind !== 'dataset')
    throw new Error('PSI returned no aligned datasets');
  const gIds = gOut.frame.ids;
  const hIds = hOut.frame.ids;
  if (gIds.length !== overlap || g?.summary?.intersection !== overlap) {
    throw new Error(
      `PSI of ${n} ids per side found ${gIds.length} (summary: ${String(g?.summary?.intersection)}) common ids, expected ${overlap}`,
    );
  }
  if (!gIds.every((id) => common.has(id)))
    throw new Error('PSI output contains ids that are not in both sets');
  if (hIds.length !== gIds.length || hIds.some((id, i) => id !== gIds[i])) {
    throw new Error('PSI outputs of guest and host are not aligned row by row');
  }
  return result(`psi.ecdh.${curve}`, { n }, run.seconds, n, 'elements', {
    overlap,
    intersection: gIds.length,
    processes: 2,
    ...cpuFields(run.cpu, run.seconds, availableParallelism()),
    threads_per_party: cluster.threads,
    guest_program_seconds: sig(g?.seconds ?? NaN, 4),
    host_program_seconds: sig(h?.seconds ?? NaN, 4),
  });
}

export interface PsiScaleOptions {
  /** Ids per side (50 % overlap). */
  n: number;
  /**
   * Worker processes per party (issue 16): more than 1 splits the party's PSI batches across
   * processes through PostgreSQL (FEDGRID_POSTGRES_URL).
   */
  workers: number;
  /** Crypto threads per process. @default 1 */
  threads?: number;
  /** Extra psi-ecdh parameters. @default { buckets: ⌈n / 2^20⌉ } */
  params?: Record<string, unknown>;
  seed?: number;
  log?: (line: string) => void;
}

/**
 * `psi.ecdh.x25519 {n, workers}`: one PSI run in a fresh pair of party processes (so that each
 * process's peak RSS belongs to this run alone), each party with `workers` worker processes of
 * `threads` crypto threads (extra processes take chunks of its batches through PostgreSQL, as a
 * node's workers do; field `threads_per_process`). The parties
 * generate their ids themselves (16M ids would cost more to send over IPC than the run) and report
 * digests of their outputs, which are checked here: the guest's output has exactly the `n/2`
 * common ids and the host's has the same ids in the same order.
 * Extra fields: `peak_rss_mb` (the larger party process), `guest_peak_rss_mb`, `host_peak_rss_mb`.
 * @throws Error when the intersection is wrong.
 */
export async function benchPsiScale(options: PsiScaleOptions): Promise<BenchResult> {
  const { n, workers } = options;
  const threads = options.threads ?? 1;
  const overlap = Math.floor(n / 2);
  const seed = options.seed ?? 7;
  // On a saturated machine a party process took over 60 s to start (load 25 on 2 cores): allow 5 min.
  return withCluster(
    {
      parties: ['guest', 'host-0'],
      threads,
      workerProcesses: workers,
      ...scaleOutDatabase(workers),
      startTimeoutMs: 300_000,
    },
    async (cluster) => {
      const run = await cluster.run({
        component: 'psi-ecdh',
        params: {
          curve: 'x25519',
          buckets: Math.max(1, Math.ceil(n / 2 ** 20)),
          ...options.params,
        },
        parties: ['guest', 'host-0'],
        inputs: { guest: {}, 'host-0': {} },
        synthetic: {
          guest: { data: { kind: 'psi-ids', n, overlap, seed, side: 'guest' } },
          'host-0': { data: { kind: 'psi-ids', n, overlap, seed, side: 'host' } },
        },
        digestOutputs: true,
        // The harness's default 30 minutes stopped a 2^24 run on a saturated machine.
        timeoutMs: 2 * 3600_000,
        onProgress: (party, data) => {
          if (party === 'guest' && data['step'] === 'bucket' && options.log) {
            const b = Number(data['bucket']);
            const of = Number(data['buckets']);
            if (b % Math.max(1, Math.floor(of / 8)) === 0)
              options.log(`psi n=${n} workers=${workers}: bucket ${b + 1}/${of}`);
          }
        },
      });
      const g = run.parties['guest'];
      const h = run.parties['host-0'];
      const gd = g?.digests?.['data'];
      const hd = h?.digests?.['data'];
      if (!gd || !hd) throw new Error('PSI returned no aligned datasets');
      if (gd.rows !== overlap || gd.outsideCommon !== 0)
        throw new Error(
          `PSI of ${n} ids per side found ${gd.rows} rows (${String(gd.outsideCommon)} outside the common ids), expected ${overlap}`,
        );
      if (hd.rows !== gd.rows || hd.idsSha256 !== gd.idsSha256)
        throw new Error('PSI outputs of guest and host are not aligned row by row');
      const gRss = g?.peakRssMb ?? NaN;
      const hRss = h?.peakRssMb ?? NaN;
      return result('psi.ecdh.x25519', { n, workers }, run.seconds, n, 'elements', {
        overlap,
        intersection: gd.rows,
        processes: 2,
        peak_rss_mb: Math.max(gRss, hRss),
        guest_peak_rss_mb: gRss,
        host_peak_rss_mb: hRss,
        buckets: Number(g?.summary?.['buckets'] ?? 1),
        ...cpuFields(run.cpu, run.seconds, availableParallelism()),
        worker_processes_per_party: workers,
        threads_per_process: threads,
        ...(workers > 1
          ? {
              guest_batch_chunks: g?.summary?.['batch_chunks'],
              host_batch_chunks: h?.summary?.['batch_chunks'],
              batch_workers_peak_rss_mb: [
                ...((g?.summary?.['batch_workers_peak_rss_mb'] as number[] | undefined) ?? []),
                ...((h?.summary?.['batch_workers_peak_rss_mb'] as number[] | undefined) ?? []),
              ],
            }
          : {}),
        guest_program_seconds: sig(g?.seconds ?? NaN, 4),
        host_program_seconds: sig(h?.seconds ?? NaN, 4),
      });
    },
  );
}

/**
 * The PostgreSQL a party of several worker processes shares its batches through.
 * @throws Error when `workers` > 1 and FEDGRID_POSTGRES_URL is not set.
 */
export function scaleOutDatabase(workers: number): { databaseUrl?: string } {
  if (workers <= 1) return {};
  const url = process.env['FEDGRID_POSTGRES_URL'];
  if (!url)
    throw new Error(
      `workers=${workers} runs extra worker processes per party, which share batches through PostgreSQL: set FEDGRID_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test)`,
    );
  return { databaseUrl: url };
}
