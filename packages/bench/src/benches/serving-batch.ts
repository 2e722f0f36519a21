/**
 * `serving.batch`: federated batch prediction of a 30,000-row HeteroLR batch (FATE's
 * default_credit hetero split) after PSI, guest and host as two OS processes over the gRPC data
 * plane with mutual TLS (bench/src/cluster.ts). The new ids are first aligned by ECDH-PSI (timed
 * separately, `psi_seconds`); then the generic `predict` component runs the predict program
 * hetero-lr declares (the host sends masked partial scores, the guest sums and applies σ). Rows
 * scored per second of wall time; issue 12 targets ≥ 50,000 rows/s.
 */
import { hstack, matVec, SeededRandom, sigmoid, type Frame } from '@fedgrid/ml';
import type { ModelPart, PortValue } from '@fedgrid/components';
import type { FederatedCluster } from '../cluster.js';
import { median } from '../measure.js';
import { result, sig, type BenchResult } from '../report.js';

export interface ServingBatchOptions {
  guestCsv: string;
  hostCsv: string;
  idColumn?: string;
  labelColumn?: string;
  /** Timed prediction runs (the median is reported). @default 3 */
  repeats?: number;
  log?: (line: string) => void;
}

/** A HeteroLR model part over `frame`'s columns with seeded weights (the scores' values do not change the work). */
function modelPart(frame: Frame, rand: SeededRandom, guest: boolean): ModelPart {
  return {
    algorithm: 'hetero-lr',
    featureNames: frame.featureNames,
    weights: frame.featureNames.map(() => (rand.next() - 0.5) * 0.2),
    ...(guest ? { intercept: 0.1 } : {}),
  };
}

/**
 * Runs PSI once and the prediction `repeats` times; checks every score against σ(X·w + b) on the
 * joined rows (≤ 1e-8) before reporting.
 * @throws Error when PSI or a score is wrong (a benchmark of a wrong result is worthless).
 */
export async function benchServingBatch(
  cluster: FederatedCluster,
  opts: ServingBatchOptions,
): Promise<BenchResult[]> {
  const { importCsv } = await import('@fedgrid/node');
  const idColumn = opts.idColumn ?? 'id';
  const guestRaw = (
    await importCsv({ path: opts.guestCsv, idColumn, labelColumn: opts.labelColumn ?? 'y' })
  ).frame;
  const hostRaw = (await importCsv({ path: opts.hostCsv, idColumn })).frame;
  const psi = await cluster.run({
    component: 'psi-ecdh',
    parties: ['guest', 'host-0'],
    inputs: {
      guest: { data: { kind: 'dataset', frame: guestRaw } },
      'host-0': { data: { kind: 'dataset', frame: hostRaw } },
    },
    returnOutputs: true,
  });
  const aligned = (party: string): Frame => {
    const v = psi.parties[party]?.outputs?.['data'];
    if (v?.kind !== 'dataset') throw new Error(`PSI returned no aligned rows on ${party}`);
    return v.frame;
  };
  const guest = aligned('guest');
  const host = aligned('host-0');
  if (guest.ids.join() !== host.ids.join()) throw new Error('PSI: guest and host rows differ');
  const rows = guest.ids.length;
  opts.log?.(`serving.batch: PSI aligned ${rows} rows in ${sig(psi.seconds, 4)} s`);

  const rand = new SeededRandom(12);
  const gModel = modelPart(guest, rand, true);
  const hModel = modelPart(host, rand, false);
  const inputs: Record<string, Record<string, PortValue>> = {
    guest: { data: { kind: 'dataset', frame: guest }, model: { kind: 'model', model: gModel } },
    'host-0': { data: { kind: 'dataset', frame: host }, model: { kind: 'model', model: hModel } },
  };
  const w = Float64Array.from([
    ...(gModel['weights'] as number[]),
    ...(hModel['weights'] as number[]),
  ]);
  const expected = matVec(hstack(guest.x, host.x), w, 0.1).map(sigmoid);

  const times: number[] = [];
  const guestSeconds: number[] = [];
  for (let r = 0; r < (opts.repeats ?? 3); r++) {
    const run = await cluster.run({
      component: 'predict',
      parties: ['guest', 'host-0'],
      inputs,
      returnOutputs: true,
    });
    const out = run.parties.guest?.outputs?.['predictions'];
    if (out?.kind !== 'predictions' || out.predictions.ids.length !== rows)
      throw new Error(`predict returned no predictions for ${rows} rows`);
    let maxDiff = 0;
    out.predictions.scores.forEach(
      (s, i) => (maxDiff = Math.max(maxDiff, Math.abs(s - (expected[i] as number)))),
    );
    if (!(maxDiff <= 1e-8)) throw new Error(`federated scores differ from plaintext by ${maxDiff}`);
    times.push(run.seconds);
    guestSeconds.push(run.parties.guest?.seconds ?? NaN);
    opts.log?.(
      `serving.batch run ${r + 1}: ${rows} rows in ${sig(run.seconds, 4)} s (${Math.round(rows / run.seconds).toLocaleString('en')} rows/s)`,
    );
  }
  const seconds = median(times);
  return [
    result('serving.batch', { algorithm: 'hetero-lr', rows }, seconds, rows, 'rows', {
      psi_seconds: sig(psi.seconds, 4),
      psi_rows_per_side: { guest: guestRaw.ids.length, host: hostRaw.ids.length },
      runs_seconds: times.map((t) => sig(t, 4)),
      // The first run pays for a cold channel and JIT; later jobs on a running node do not.
      first_run_seconds: sig(times[0] as number, 4),
      first_run_per_second: Math.round(rows / (times[0] as number)),
      guest_program_seconds: sig(median(guestSeconds), 4),
      features: { guest: guest.x.cols, host: host.x.cols },
      processes: 2,
      transport: 'gRPC over mutual TLS',
    }),
  ];
}
