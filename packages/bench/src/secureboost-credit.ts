/**
 * The SecureBoost acceptance run: FATE's default_credit hetero split (30,000 rows, 13 + 10
 * features), 30 trees of depth 3, learning rate 0.3, 2048-bit keys, guest and host as two OS
 * processes over the gRPC data plane (bench/src/cluster.ts). Reports the training time, the AUC
 * of federated prediction on the training rows, the plaintext twin's AUC with the same
 * settings, and the machine load (other people's processes inflate the time).
 *
 *   node packages/bench/dist/secureboost-credit.js [--trees 30] [--depth 3] [--lr 0.3]
 *        [--key-bits 2048] [--rows N] [--out result.json]
 */
import { writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gbdtParams, parseSecureBoostParams } from '@fedgrid/components';
import { auc, hstack, predictGbdt, trainGbdt } from '@fedgrid/ml';
import { loadHeteroPair } from './benches/secureboost.js';
import { withCluster } from './cluster.js';
import { machineInfo, round, sig } from './report.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

function log(line: string): void {
  process.stderr.write(`[secureboost-credit ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      trees: { type: 'string', default: '30' },
      depth: { type: 'string', default: '3' },
      lr: { type: 'string', default: '0.3' },
      'key-bits': { type: 'string', default: '2048' },
      rows: { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
  });
  const raw = {
    trees: Number(values.trees),
    maxDepth: Number(values.depth),
    learningRate: Number(values.lr),
    keyBits: Number(values['key-bits']),
  };
  parseSecureBoostParams(raw); // fail early on bad flags
  const load1Start = loadavg()[0] ?? 0;
  const { guest, host } = await loadHeteroPair(
    join(REPO, 'examples/data/fate/default_credit_hetero_guest.csv'),
    join(REPO, 'examples/data/fate/default_credit_hetero_host.csv'),
    'id',
    'y',
    values.rows ? Number(values.rows) : undefined,
  );
  const rows = guest.ids.length;
  log(
    `${rows} rows, ${guest.x.cols} + ${host.x.cols} features, ${JSON.stringify(raw)}, load ${load1Start.toFixed(2)}`,
  );
  const cores = availableParallelism();
  const fed = await withCluster(
    { parties: ['guest', 'host-0'], threads: cores },
    async (cluster) => {
      const train = await cluster.run({
        component: 'secureboost',
        params: raw,
        inputs: {
          guest: { data: { kind: 'dataset', frame: guest } },
          'host-0': { data: { kind: 'dataset', frame: host } },
        },
        returnOutputs: true,
        onProgress: (party, d) => {
          if (party === 'guest' && typeof d.round === 'number')
            log(
              `tree ${d.round}: ${sig(Number(d.seconds), 4)} s, loss ${sig(Number(d.loss), 6)}, load ${(loadavg()[0] ?? 0).toFixed(2)}`,
            );
        },
      });
      const model = (party: string) => {
        const v = train.parties[party]?.outputs?.['model'];
        if (v?.kind !== 'model') throw new Error(`${party} returned no model`);
        return v;
      };
      const predict = await cluster.run({
        component: 'secureboost-predict',
        inputs: {
          guest: { data: { kind: 'dataset', frame: guest }, model: model('guest') },
          'host-0': { data: { kind: 'dataset', frame: host }, model: model('host-0') },
        },
        returnOutputs: true,
      });
      const pv = predict.parties['guest']?.outputs?.['predictions'];
      if (pv?.kind !== 'predictions') throw new Error('the guest returned no predictions');
      return { train, predict, predictions: pv.predictions };
    },
  );
  const y = guest.labels as Float64Array;
  const fedAuc = auc(
    y.map((v) => (v === 1 ? 1 : 0)),
    fed.predictions.scores,
  );
  const x = hstack(guest.x, host.x);
  const tp = gbdtParams(parseSecureBoostParams(raw), 'binary');
  const t0 = performance.now();
  const twin = trainGbdt(x, y, tp);
  const twinSeconds = (performance.now() - t0) / 1000;
  const twinAuc = auc(y, predictGbdt(twin.model, x).scores);
  const exact = trainGbdt(x, y, { ...tp, gradientFracBits: undefined });
  const exactAuc = auc(y, predictGbdt(exact.model, x).scores);
  const summary = fed.train.parties['guest']?.summary ?? {};
  const report = {
    machine: {
      ...machineInfo(),
      load1_start: round(load1Start, 2),
      load1_end: round(loadavg()[0] ?? 0, 2),
    },
    params: { rows, features: guest.x.cols + host.x.cols, ...raw },
    seconds: {
      train: sig(fed.train.seconds, 4),
      predict: sig(fed.predict.seconds, 4),
      twin_train: sig(twinSeconds, 4),
    },
    cpu: fed.train.cpu,
    auc: {
      federated: sig(fedAuc, 8),
      twin: sig(twinAuc, 8),
      twin_double_precision: sig(exactAuc, 8),
      difference: sig(fedAuc - twinAuc, 4),
      sklearn_reference: 0.7995,
    },
    guest_summary: {
      decryptions: summary['decryptions'],
      bucketSums: summary['bucketSums'],
      ciphertextsSent: summary['ciphertextsSent'],
      encryptSeconds: summary['encryptSeconds'],
      hostSplits: summary['hostSplits'],
    },
    verdict: {
      within_5_minutes: fed.train.seconds <= 300,
      auc_within_0_01: Math.abs(fedAuc - twinAuc) <= 0.01,
    },
  };
  const text = `${JSON.stringify(report, null, 2)}\n`;
  process.stdout.write(text);
  if (values.out) await writeFile(values.out, text);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `secureboost-credit: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
