/**
 * FedGrid's benchmark suite: `npm run bench -- --out DIR [--only name1,name2] [--quick]`.
 * Writes DIR/bench.json (shape in docs/BENCHMARKS.md) after every group, so that a partial run
 * still leaves its figures; exits non-zero if any group failed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { withCluster } from './cluster.js';
import { benchDatasetImport, IMPORT_FORMATS, type ImportFormat } from './benches/dataset-import.js';
import { benchFedAvgRound, benchSecAggRound } from './benches/fedavg.js';
import { benchHeteroLr, benchHeteroLrScale } from './benches/hetero-lr.js';
import { benchMpc } from './benches/mpc.js';
import { benchPaillier } from './benches/paillier.js';
import { benchPir } from './benches/pir.js';
import { benchPirOnline } from './benches/pir-online.js';
import { benchPsi, benchPsiScale } from './benches/psi.js';
import { benchSm } from './benches/sm.js';
import { benchSecureBoost } from './benches/secureboost.js';
import { benchServingBatch } from './benches/serving-batch.js';
import { benchServing, type ServingBenchOptions } from './benches/serving.js';
import { benchX25519Raw } from './benches/x25519.js';
import { machineInfo, round, type BenchReport, type BenchResult } from './report.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const USAGE = `usage: npm run bench -- --out DIR [--only NAME[,NAME…]] [--quick]
  --out DIR     where bench.json goes (default ./bench-out)
  --only LIST   run only the groups producing these entries (prefixes work: psi, pir, paillier, x25519, sm2, sm4, hetero_lr, secureboost, fedavg, secagg, serving, mpc, dataset);
                mpc_large (sort of 2^20 values, statistics on 10^6 rows), psi_scale (PSI at 2^22 per side
                with 1 and 2 workers per party), psi_2p24 (PSI at 2^24 per side) and hetero_lr_scale
                (one HeteroLR epoch on 10^6 × 50 with 1 and 2 workers) and pir_online (pir.query between two
                node processes at 10^6 × 64 B: table build, paged download, single queries) run only when named
  --quick       smaller sizes and budgets, for development (figures not comparable)
  --dataset-import-rows LIST  table sizes for dataset.import (default 1000000; 10000000 for the issue's 10^7 figure)
  --dataset-import-formats LIST  file formats for dataset.import: csv, jsonl (default csv);
                each imported snapshot is then read (dataset.read) as a row-major and a column-backed frame,
                and run through missing-values and scale (dataset.preprocess) in both layouts
  --psi-sm2-n LIST  set sizes for psi.ecdh.sm2 (default 262144, the target size; --quick 1024)
  --hetero-scale-rows N    rows of hetero_lr_scale (default 1000000)
  --hetero-scale-epochs N  epochs of hetero_lr_scale, the last reported (default 1: includes key generation)
  --serving-rates LIST     offered rates of serving.online, requests/s (default 250,500,1000,2000)
  --serving-step-seconds N seconds per serving.online step (default 5; the issue's figure: 20)
  --serving-algorithms LIST  serving.online models: hetero-lr, secureboost (default both)`;

interface Group {
  id: string;
  /** Entry names the group produces (for --only). */
  entries: string[];
  /** Runs only when --only names its id exactly (too long for the regular run). */
  optIn?: boolean;
  run(): Promise<BenchResult[]>;
}

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

function selected(group: Group, only: string[] | undefined): boolean {
  if (group.optIn) return only?.includes(group.id) ?? false;
  if (!only) return true;
  return only.some(
    (t) => t === group.id || group.entries.some((e) => e.startsWith(t) || t.startsWith(e)),
  );
}

function groups(
  quick: boolean,
  sm2PsiSizes: number[] | undefined,
  only?: string[],
  importRows?: number[],
  importFormats?: ImportFormat[],
  heteroScaleRows?: number,
  heteroScaleEpochs?: number,
  serving: Pick<ServingBenchOptions, 'rates' | 'stepSeconds' | 'algorithms'> = {},
): Group[] {
  const cores = availableParallelism();
  return [
    {
      id: 'x25519',
      entries: ['x25519.raw'],
      run: async () => {
        const out: BenchResult[] = [];
        for (const threads of [...new Set([cores, 1])]) {
          const r = await benchX25519Raw(threads, quick ? 0.5 : 1, quick ? 1 : 3);
          log(
            `x25519.raw threads=${threads}: ${r.per_second.toLocaleString('en')} scalar multiplications/s`,
          );
          out.push(r);
        }
        return out;
      },
    },
    {
      id: 'paillier',
      entries: ['paillier.encrypt', 'paillier.decrypt', 'paillier.mul_scalar'],
      run: async () => [
        ...(await benchPaillier({
          keyBits: 2048,
          batch: 512,
          ours: { minSeconds: quick ? 0.5 : 2.5, rounds: quick ? 1 : 5 },
          peer: quick
            ? { minSeconds: 1, minOps: 5, rounds: 1 }
            : { minSeconds: 5, minOps: 20, rounds: 5 },
          pooled: {
            threads: cores,
            batch: 4096,
            budget: { minSeconds: quick ? 0.5 : 3, rounds: quick ? 1 : 3 },
          },
          log,
        })),
        // Extra: ours at 3072 bits (single-threaded).
        ...(await benchPaillier({
          keyBits: 3072,
          batch: 256,
          ours: { minSeconds: quick ? 0.3 : 1.5, rounds: quick ? 1 : 3 },
          log,
        })),
      ],
    },
    {
      id: 'psi',
      entries: ['psi.ecdh.x25519', 'psi.ecdh.sm2'],
      run: () =>
        withCluster({ parties: ['guest', 'host-0'], threads: cores }, async (cluster) => {
          const out: BenchResult[] = [];
          const wanted = (name: string) =>
            !only || only.some((t) => t === 'psi' || name.startsWith(t) || t.startsWith(name));
          if (wanted('psi.ecdh.x25519')) {
            for (const n of quick ? [2 ** 12, 2 ** 14] : [2 ** 16, 2 ** 18]) {
              const r = await benchPsi(cluster, n, quick ? 1 : 3);
              log(
                `psi.ecdh.x25519 n=${n}: ${r.seconds} s, ${r.per_second.toLocaleString('en')} elements/s per side`,
              );
              out.push(r);
            }
          }
          if (wanted('psi.ecdh.sm2')) {
            // The target size 2^18 by default: with the native SM2 kernel it takes ≈ 15 s on a quiet
            // machine (docs/BENCHMARKS.md, national suite).
            for (const n of sm2PsiSizes ?? (quick ? [2 ** 10] : [2 ** 18])) {
              const r = await benchPsi(cluster, n, 1, 'sm2');
              log(
                `psi.ecdh.sm2 n=${n}: ${r.seconds} s, ${r.per_second.toLocaleString('en')} elements/s per side`,
              );
              out.push(r);
            }
          }
          return out;
        }),
    },
    {
      // Worker scale-out (issue 16): a fresh pair of party processes per run, so that each peak
      // RSS belongs to one run. Minutes per run at 2^22: opt-in (the regular run stays < 10 min).
      id: 'psi_scale',
      entries: ['psi.ecdh.x25519'],
      optIn: true,
      run: async () => {
        const out: BenchResult[] = [];
        for (const workers of [1, 2]) {
          const r = await benchPsiScale({ n: quick ? 2 ** 16 : 2 ** 22, workers, log });
          log(
            `psi.ecdh.x25519 n=${String(r.params['n'])} workers=${workers}: ${r.seconds} s, ${r.per_second.toLocaleString('en')} elements/s per side, peak RSS guest ${String(r['guest_peak_rss_mb'])} MiB, host ${String(r['host_peak_rss_mb'])} MiB`,
          );
          out.push(r);
        }
        return out;
      },
    },
    {
      id: 'psi_2p24',
      entries: ['psi.ecdh.x25519'],
      optIn: true,
      run: async () => {
        const r = await benchPsiScale({
          n: quick ? 2 ** 18 : 2 ** 24,
          workers: 1,
          threads: cores,
          log,
        });
        log(
          `psi.ecdh.x25519 n=${String(r.params['n'])} workers=1 threads=${cores}: ${r.seconds} s, ${r.per_second.toLocaleString('en')} elements/s per side, peak RSS guest ${String(r['guest_peak_rss_mb'])} MiB, host ${String(r['host_peak_rss_mb'])} MiB`,
        );
        return [r];
      },
    },
    {
      id: 'sm',
      entries: ['sm2.sign', 'sm2.verify', 'sm4.encrypt'],
      run: async () => {
        const out = benchSm({ minSeconds: quick ? 0.3 : 2 });
        for (const r of out) log(`${r.name}: ${r.per_second.toLocaleString('en')} ${r.unit}/s`);
        return out;
      },
    },
    {
      id: 'pir',
      entries: ['pir.query'],
      run: () => {
        const r = benchPir({
          rows: quick ? 2 ** 16 : 1_000_000,
          labelBytes: 64,
          queries: quick ? 20 : 100,
          batch: quick ? 64 : 1024,
        });
        log(
          `pir.query rows=${String(r.params['rows'])}: setup ${String(r['setup_seconds'])} s, ${String(r['latency_ms_p50'])} ms per query, server CPU ${String(r['server_cpu_seconds'])} s per query`,
        );
        return Promise.resolve([r]);
      },
    },
    {
      // Two node processes, a 10^6-row dataset registered and the table built: minutes here.
      id: 'pir_online',
      entries: ['pir.query'],
      optIn: true,
      run: async () => {
        const r = await benchPirOnline({
          rows: quick ? 2 ** 16 : 1_000_000,
          labelBytes: 64,
          queries: quick ? 20 : 100,
          log,
        });
        log(
          `pir.query online rows=${String(r.params['rows'])}: setup ${String(r['setup_seconds'])} s, download ${String(r['download_seconds'])} s (${String(r['table_bytes'])} bytes), ${String(r['latency_ms_p50'])} ms per query, peak RSS guest ${String(r['guest_peak_rss_mb'])} MiB, host ${String(r['host_peak_rss_mb'])} MiB`,
        );
        return [r];
      },
    },
    {
      id: 'hetero_lr',
      entries: ['hetero_lr.epoch'],
      run: () =>
        withCluster(
          { parties: ['guest', 'host-0', 'arbiter'], threads: cores },
          async (cluster) => {
            const out = await benchHeteroLr(cluster, {
              guestCsv: join(REPO, 'examples/data/fate/default_credit_hetero_guest.csv'),
              hostCsv: join(REPO, 'examples/data/fate/default_credit_hetero_host.csv'),
              keyBits: 2048,
              ...(quick ? { rows: 4096 } : {}),
              plaintext: { minSeconds: quick ? 0.3 : 1 },
              log,
            });
            for (const r of out) log(`${r.name}: ${r.seconds} s per epoch`);
            return out;
          },
        ),
    },
    {
      // Worker scale-out (issue 16): one epoch on 10^6 × 50 with real 2048-bit Paillier takes
      // many minutes per run on this machine, so it runs only when named (figures in BENCHMARKS.md).
      id: 'hetero_lr_scale',
      entries: ['hetero_lr.epoch'],
      optIn: true,
      run: async () => {
        const out: BenchResult[] = [];
        for (const workers of [1, 2]) {
          const r = await benchHeteroLrScale({
            rows: quick ? 4096 : (heteroScaleRows ?? 1_000_000),
            features: 50,
            keyBits: 2048,
            workers,
            epochs: heteroScaleEpochs ?? (quick ? 2 : 1),
            log,
          });
          log(
            `hetero_lr.epoch rows=${String(r.params['rows'])} workers=${workers}: ${r.seconds} s per epoch, peak RSS ${String(r['peak_rss_mb'])} MiB`,
          );
          out.push(r);
        }
        return out;
      },
    },
    {
      id: 'aggregation',
      entries: ['fedavg.round', 'secagg.round'],
      run: async () => {
        const out: BenchResult[] = [];
        const parameters = quick ? 10_000 : 100_000;
        for (const dropout of [0, 0.3]) {
          const c = { clients: 50, parameters, dropout };
          const plain = benchFedAvgRound(c);
          const secure = benchSecAggRound(c);
          log(
            `aggregation 50 clients × ${parameters} dropout ${dropout}: fedavg server ${plain.server_seconds} s; secagg client ${secure.client_seconds} s, server ${secure.server_seconds} s`,
          );
          out.push(plain, { ...secure, ratio_to_fedavg: round(secure.seconds / plain.seconds) });
        }
        return out;
      },
    },
    {
      id: 'serving_batch',
      entries: ['serving.batch'],
      run: () =>
        withCluster({ parties: ['guest', 'host-0'], threads: cores }, async (cluster) => {
          const out = await benchServingBatch(cluster, {
            guestCsv: join(REPO, 'examples/data/fate/default_credit_hetero_guest.csv'),
            hostCsv: join(REPO, 'examples/data/fate/default_credit_hetero_host.csv'),
            repeats: quick ? 1 : 3,
            log,
          });
          for (const r of out)
            log(
              `serving.batch rows=${String(r.params['rows'])}: ${r.per_second.toLocaleString('en')} rows/s (PSI ${String(r['psi_seconds'])} s, separately)`,
            );
          return out;
        }),
    },
    {
      id: 'secureboost',
      entries: ['secureboost.tree'],
      run: () =>
        withCluster({ parties: ['guest', 'host-0'], threads: cores }, async (cluster) => {
          const out = await benchSecureBoost(cluster, {
            guestCsv: join(REPO, 'examples/data/fate/default_credit_hetero_guest.csv'),
            hostCsv: join(REPO, 'examples/data/fate/default_credit_hetero_host.csv'),
            keyBits: 2048,
            ...(quick ? { rows: 4096 } : {}),
            plaintext: { minSeconds: quick ? 0.3 : 1 },
            log,
          });
          for (const r of out) log(`${r.name}: ${r.seconds} s per tree`);
          return out;
        }),
    },
    {
      id: 'mpc',
      entries: ['mpc.mul', 'mpc.compare', 'mpc.sort', 'mpc.stats'],
      run: () =>
        benchMpc({
          mulBatch: quick ? 10_000 : 100_000,
          compareBatch: quick ? 4096 : 65_536,
          sortSizes: quick ? [2 ** 12] : [2 ** 16],
          statsRows: quick ? 2_000 : 10_000,
          dealerFreeBatch: quick ? 32 : 256,
          budget: { minSeconds: quick ? 0.5 : 3, rounds: quick ? 1 : 3 },
          log,
        }),
    },
    {
      id: 'mpc_large',
      entries: ['mpc.sort', 'mpc.stats'],
      optIn: true,
      run: () =>
        benchMpc({
          mulBatch: 0,
          compareBatch: 0,
          sortSizes: [2 ** 20],
          statsRows: 1_000_000,
          budget: { minSeconds: 1, rounds: 1 },
          log,
        }),
    },
    {
      id: 'dataset_import',
      entries: ['dataset.import', 'dataset.read', 'dataset.preprocess'],
      run: () =>
        benchDatasetImport({
          rows: importRows ?? [quick ? 100_000 : 1_000_000],
          ...(importFormats ? { formats: importFormats } : {}),
          // The snapshot read by components as a row-major frame (before the column view) and
          // column-backed (after): issue 17's "components read without copying whole frames".
          readLayouts: ['rows', 'columns'],
          // And run through scaling and missing-value filling as a task, in both layouts.
          preprocessSteps: ['missing-values', 'scale'],
          log,
        }),
    },
    {
      id: 'serving',
      entries: ['serving.online'],
      run: () =>
        benchServing({
          guestCsv: join(REPO, 'examples/data/fate/default_credit_hetero_guest.csv'),
          hostCsv: join(REPO, 'examples/data/fate/default_credit_hetero_host.csv'),
          ...(quick ? { stepSeconds: 2, trees: 5, rates: [250, 1000] } : {}),
          ...serving,
          log,
        }),
    },
  ];
}

const SERVING_ALGORITHMS = ['hetero-lr', 'secureboost'] as const;

/** The serving.online options given on the command line (absent ones keep the bench's defaults). */
function servingOptions(
  rates: string | undefined,
  stepSeconds: string | undefined,
  algorithms: string | undefined,
  positive: (flag: string, v: string | undefined) => number | undefined,
): Pick<ServingBenchOptions, 'rates' | 'stepSeconds' | 'algorithms'> {
  const step = positive('serving-step-seconds', stepSeconds);
  return {
    ...(rates !== undefined
      ? {
          rates: rates.split(',').map((v) => positive('serving-rates', v.trim()) as number),
        }
      : {}),
    ...(step !== undefined ? { stepSeconds: step } : {}),
    ...(algorithms !== undefined
      ? {
          algorithms: algorithms.split(',').map((v) => {
            const a = v.trim() as (typeof SERVING_ALGORITHMS)[number];
            if (!SERVING_ALGORITHMS.includes(a))
              throw new Error(
                `--serving-algorithms takes ${SERVING_ALGORITHMS.join(', ')} separated by commas, got ${JSON.stringify(v)}`,
              );
            return a;
          }),
        }
      : {}),
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: 'bench-out' },
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'psi-sm2-n': { type: 'string' },
      'dataset-import-rows': { type: 'string' },
      'dataset-import-formats': { type: 'string' },
      'hetero-scale-rows': { type: 'string' },
      'hetero-scale-epochs': { type: 'string' },
      'serving-rates': { type: 'string' },
      'serving-step-seconds': { type: 'string' },
      'serving-algorithms': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const outDir = resolve(values.out);
  const only = values.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const sm2PsiSizes = values['psi-sm2-n']?.split(',').map((v) => {
    const n = Number(v.trim());
    if (!Number.isInteger(n) || n < 2) {
      throw new Error(
        `--psi-sm2-n takes set sizes ≥ 2 separated by commas, got ${JSON.stringify(v)}`,
      );
    }
    return n;
  });
  const importRows = values['dataset-import-rows']?.split(',').map((v) => {
    const n = Number(v.trim());
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`--dataset-import-rows takes row counts ≥ 1, got ${JSON.stringify(v)}`);
    return n;
  });
  const importFormats = values['dataset-import-formats']?.split(',').map((v) => {
    const f = v.trim() as ImportFormat;
    if (!IMPORT_FORMATS.includes(f))
      throw new Error(
        `--dataset-import-formats takes ${IMPORT_FORMATS.join(', ')} separated by commas, got ${JSON.stringify(v)}`,
      );
    return f;
  });
  const positive = (flag: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`--${flag} takes an integer ≥ 1, got ${JSON.stringify(v)}`);
    return n;
  };
  const all = groups(
    values.quick,
    sm2PsiSizes,
    only,
    importRows,
    importFormats,
    positive('hetero-scale-rows', values['hetero-scale-rows']),
    positive('hetero-scale-epochs', values['hetero-scale-epochs']),
    servingOptions(
      values['serving-rates'],
      values['serving-step-seconds'],
      values['serving-algorithms'],
      positive,
    ),
  );
  const chosen = all.filter((g) => selected(g, only));
  if (chosen.length === 0) {
    throw new Error(
      `--only ${values.only} matches no benchmark (known: ${all.flatMap((g) => g.entries).join(', ')})`,
    );
  }
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, 'bench.json');
  const t0 = performance.now();
  const report: BenchReport = {
    machine: machineInfo(),
    results: [],
    started_at: new Date().toISOString(),
    quick: values.quick,
    complete: false,
  };
  const errors: { group: string; message: string }[] = [];
  const save = async () => {
    report.machine.load1_end = round(loadavg()[0] ?? 0, 2);
    report.total_seconds = round((performance.now() - t0) / 1000, 1);
    if (errors.length) report.errors = errors;
    await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  };
  log(
    `machine: ${report.machine.cpu}, ${report.machine.cores} cores, node ${report.machine.node}, x25519 ${String(report.machine.x25519_backend)}, mod-arith ${String(report.machine.mod_arith_backend)}, sm2 ${String(report.machine.sm2_backend)}`,
  );
  for (const g of chosen) {
    const tg = performance.now();
    log(`${g.id}: start`);
    try {
      report.results.push(...(await g.run()));
      log(`${g.id}: done in ${round((performance.now() - tg) / 1000, 1)} s`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      errors.push({ group: g.id, message });
      log(`${g.id}: FAILED: ${err instanceof Error && err.stack ? err.stack : message}`);
    }
    await save();
  }
  report.complete = errors.length === 0;
  await save();
  process.stdout.write(table(report.results));
  process.stdout.write(
    `\nwrote ${file} in ${report.total_seconds as number} s${errors.length ? `; ${errors.length} group(s) FAILED: ${errors.map((e) => e.group).join(', ')}` : ''}\n`,
  );
  return errors.length ? 1 : 0;
}

/** A plain-text table of the results. */
function table(results: BenchResult[]): string {
  const rows = results.map((r) => [
    r.name,
    JSON.stringify(r.params),
    String(r.seconds),
    r.per_second.toLocaleString('en'),
    r.unit,
  ]);
  const head = ['name', 'params', 'seconds', 'per_second', 'unit'];
  const widths = head.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] as string).length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd() + '\n';
  return line(head) + rows.map(line).join('');
}

// Ctrl-C or a kill: exit, which kills the party processes (see cluster.ts).
for (const [sig, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const) {
  process.once(sig, () => process.exit(code));
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    process.exit(2);
  },
);
