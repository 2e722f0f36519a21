/** `fedgrid demo` — flags as in CONTRACTS.md, plus training overrides. */
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { reportError } from '../output.js';
import { CREDIT_DIR, SAMPLE_DIR } from '../demo/samples.js';

const num = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`expected a number, got '${v}'`);
  return n;
};

/**
 * `--data NAME`: the bundled files, id and label of a named data set (and its held-out share
 * unless --holdout is given).
 * @throws Error for an unknown name, or --data together with --guest/--host.
 */
function bundledData(o: Record<string, unknown>) {
  const name = o['data'] as string | undefined;
  if (name === undefined) return {};
  if (name !== 'german-credit')
    throw new Error(`--data ${name}: unknown (bundled data sets: german-credit)`);
  if (o['host'] !== undefined || o['guest'] !== join(SAMPLE_DIR, 'breast_hetero_guest.csv'))
    throw new Error('--data names the files itself; leave out --guest and --host');
  return {
    guest: join(CREDIT_DIR, 'german_credit_guest.csv'),
    hosts: [join(CREDIT_DIR, 'german_credit_host.csv')],
    id: 'id',
    label: 'bad',
    holdout: (o['holdout'] as number | undefined) ?? 0.3,
  };
}

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'run the main job (vertical LR) across separate guest, host and arbiter node processes on bundled or your own data; --mode horizontal runs three client nodes and an aggregator on the bundled steel-plant data; --mode mpc runs the emissions-statistics scenario (PSI, then MPC statistics and ranking with an arbiter as dealer) on bundled EPA/BEA data',
    )
    .option('--mode <mode>', 'vertical, horizontal or mpc', 'vertical')
    .option('--secagg', 'horizontal: secure aggregation (SecAgg) of the clients’ updates')
    .option('--rounds <n>', 'horizontal: federated rounds', num)
    .option(
      '--guest <path>',
      'CSV of the label-holding party',
      join(SAMPLE_DIR, 'breast_hetero_guest.csv'),
    )
    .option(
      '--host <path>',
      'CSV of a feature-providing party (repeat for more hosts)',
      (v: string, acc: string[] | undefined) => [...(acc ?? []), v],
    )
    .option(
      '--data <name>',
      "bundled data instead of --guest/--host/--id/--label: 'german-credit' (UCI German credit, 13 string columns, split bank/partner; implies --holdout 0.3 unless given)",
    )
    .option('--id <name>', 'id column present in every file', 'id')
    .option('--label <name>', 'label column in the guest file', 'y')
    .option(
      '--algorithm <name>',
      'the algorithm to train, e.g. hetero-lr, hetero-linr, hetero-poisson (an unknown name lists them all); horizontal: homo-nn (default) or homo-lr',
      'hetero-lr',
    )
    .option(
      '--task <task>',
      'binary, multiclass or regression (inferred from the label column by default)',
    )
    .option(
      '--out <dir>',
      'where report.json and the model/prediction files go',
      './fedgrid-demo-out',
    )
    .option(
      '--workdir <dir>',
      'keep node directories here (default: a temporary folder, removed afterwards)',
    )
    .option('--keep', 'keep the temporary node directories')
    .option(
      '--holdout <fraction>',
      'hold this share of rows (by SHA-256 of the id) out of training and score them afterwards with the published model, e.g. 0.2',
      num,
    )
    .option('--max-iter <n>', 'epochs', num)
    .option('--batch-size <n>', 'rows per mini-batch (≤ 0: full batch)', num)
    .option('--learning-rate <x>', 'step size', num)
    .option('--alpha <x>', 'regularisation strength', num)
    .option('--penalty <p>', 'l2, l1 or none')
    .option('--optimizer <name>', 'sgd, rmsprop or adam')
    .option('--key-bits <n>', 'Paillier modulus bits (2048, 3072, 4096)', num)
    .option(
      '--param <key=value>',
      'any parameter of the algorithm (repeatable; JSON values, e.g. --param maxDepth=4 --param exposure=\'"years"\')',
      (v: string, acc: Record<string, unknown> | undefined) => {
        const eq = v.indexOf('=');
        if (eq <= 0) throw new Error(`--param ${v}: expected key=value`);
        const raw = v.slice(eq + 1);
        let value: unknown = raw;
        try {
          value = JSON.parse(raw);
        } catch {
          // a bare string
        }
        return { ...(acc ?? {}), [v.slice(0, eq)]: value };
      },
    )
    .addOption(
      new Option(
        '--suite <suite>',
        "the nodes' crypto suite: international, or gm (SM2 identities, SM2-signed and SM4-sealed partner calls and data plane, SM3 audit chains)",
      )
        .choices(['international', 'gm'])
        .default('international'),
    )
    .option(
      '--database-url <url>',
      'run the nodes on this PostgreSQL database (a schema each, dropped afterwards) instead of embedded PGlite',
    )
    .action(async (o: Record<string, unknown>) => {
      try {
        const params = Object.fromEntries(
          (
            [
              'maxIter',
              'batchSize',
              'learningRate',
              'alpha',
              'penalty',
              'optimizer',
              'keyBits',
            ] as const
          )
            .filter((k) => o[k] !== undefined)
            .map((k) => [k, o[k]]),
        );
        Object.assign(params, (o['param'] as Record<string, unknown> | undefined) ?? {});
        // Exit (and so stop the node processes, see launchNode) on Ctrl-C or SIGTERM.
        for (const [signal, code] of [
          ['SIGINT', 130],
          ['SIGTERM', 143],
        ] as const)
          process.once(signal, () => process.exit(code));
        if (o['mode'] === 'horizontal') {
          if (o['rounds'] !== undefined) params['rounds'] = o['rounds'];
          if (o['secagg']) params['secureAggregation'] = { enabled: true };
          const { runHorizontalDemo } = await import('../demo/run-horizontal.js');
          await runHorizontalDemo({
            algorithm: o['algorithm'] === 'hetero-lr' ? 'homo-nn' : (o['algorithm'] as string),
            out: o['out'] as string,
            params,
            ...(o['workdir'] ? { workdir: o['workdir'] as string } : {}),
            ...(o['keep'] ? { keep: true } : {}),
            ...(o['databaseUrl'] ? { databaseUrl: o['databaseUrl'] as string } : {}),
            suite: o['suite'] as 'international' | 'gm',
          });
          return;
        }
        if (o['mode'] === 'mpc') {
          const { runMpcDemo } = await import('../demo/run-mpc.js');
          await runMpcDemo({
            out: o['out'] as string,
            ...(o['workdir'] ? { workdir: o['workdir'] as string } : {}),
            ...(o['keep'] ? { keep: true } : {}),
            ...(o['databaseUrl'] ? { databaseUrl: o['databaseUrl'] as string } : {}),
          });
          return;
        }
        if (o['mode'] !== 'vertical')
          throw new Error(`--mode ${String(o['mode'])}: use vertical, horizontal or mpc`);
        const { runDemo } = await import('../demo/run-demo.js');
        const data = bundledData(o);
        await runDemo({
          guest: o['guest'] as string,
          hosts: (o['host'] as string[] | undefined) ?? [
            join(SAMPLE_DIR, 'breast_hetero_host.csv'),
          ],
          id: o['id'] as string,
          label: o['label'] as string,
          ...data,
          algorithm: o['algorithm'] as string,
          out: o['out'] as string,
          params,
          ...(o['task'] ? { task: o['task'] as string } : {}),
          ...(o['holdout'] !== undefined ? { holdout: o['holdout'] as number } : {}),
          ...(o['workdir'] ? { workdir: o['workdir'] as string } : {}),
          ...(o['keep'] ? { keep: true } : {}),
          ...(o['databaseUrl'] ? { databaseUrl: o['databaseUrl'] as string } : {}),
          suite: o['suite'] as 'international' | 'gm',
        });
      } catch (err) {
        reportError(err);
      }
    });
}
