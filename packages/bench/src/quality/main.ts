/**
 * `npm run bench:quality [-- --out docs/QUALITY.md] [--only id,…] [--json FILE]`: trains every
 * federated algorithm with `fedgrid demo` (separate node processes, real PSI, real keys) and its
 * plaintext twin (same hyper-parameters, centrally on the joined rows), side by side, and writes
 * the quality table: dataset, algorithm, federated metric, plaintext metric, difference, seconds.
 * Exits 1 if any case is outside its tolerance or fails. `--render RUN.json [--seconds N]`
 * rewrites the table from a saved `--json` run without training again.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runDemo, type DemoReport } from 'fedgrid';
import { QUALITY_CASES, type QualityCase } from './cases.js';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const SAMPLES = join(REPO, 'examples/data/fate');

interface Outcome {
  case: QualityCase;
  report?: DemoReport;
  error?: string;
  sklearn?: SklearnResult;
}

/** packages/bench/scripts/sklearn_reference.py's answer for one case. */
interface SklearnResult {
  model: string;
  sklearn: string;
  rows: { train: number; heldout: number };
  train: Record<string, number>;
  heldout: Record<string, number>;
}

/** Share of every file's rows held out of training (`fedgrid demo --holdout`). */
const HOLDOUT = 0.2;

const SKLEARN_SCRIPT = join(REPO, 'packages/bench/scripts/sklearn_reference.py');

/**
 * A Python that can import scikit-learn ($FEDGRID_PYTHON, Debian's /usr/bin/python3, python3),
 * or undefined: the column then says so and nothing else depends on it.
 */
function findPython(): string | undefined {
  const candidates = [process.env['FEDGRID_PYTHON'], '/usr/bin/python3', 'python3'];
  return candidates.find(
    (py) => py && spawnSync(py, ['-c', 'import sklearn'], { stdio: 'ignore' }).status === 0,
  );
}

/** scikit-learn's counterpart on the pooled rows of the case's files (see the script). */
function sklearnReference(
  python: string,
  c: QualityCase,
  files: { guest: string; hosts: string[]; id: string; label: string },
  r: DemoReport,
): SklearnResult {
  const input = JSON.stringify({
    ...files,
    algorithm: c.algorithm,
    task: r.task,
    params: r.params,
    holdout: c.holdout ?? HOLDOUT,
  });
  const run = spawnSync(python, [SKLEARN_SCRIPT], { input, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`sklearn_reference.py: ${run.stderr.trim().slice(-300)}`);
  return JSON.parse(run.stdout) as SklearnResult;
}

/**
 * The issue-11 target against scikit-learn, on the training rows or (`heldout`) the held-out
 * rows: AUC and accuracy at most 0.01 below scikit-learn's, MSE at most 2% above. Doing better
 * than scikit-learn is no miss; the text says so (`yes, better`) where the gap exceeds the
 * tolerance the other way.
 */
export function sklearnTarget(
  c: QualityCase,
  r: DemoReport,
  sk: SklearnResult,
  rows: 'train' | 'heldout' = 'train',
): { text: string; ok: boolean } {
  const fed = (rows === 'train' ? r.metrics : r.heldout?.metrics)?.[c.metric];
  const ref = sk[rows][c.metric];
  if (ref === undefined || fed === undefined) return { text: '—', ok: true };
  const verdict = (worse: boolean, better: boolean) =>
    worse ? '**no**' : better ? 'yes, better' : 'yes';
  if (c.tolerance.kind === 'absolute') {
    const d = fed - ref;
    const ok = d >= -0.01;
    return { text: `${d >= 0 ? '+' : ''}${d.toFixed(4)} ${verdict(!ok, d > 0.01)}`, ok };
  }
  const d = (fed - ref) / ref;
  const ok = d <= 0.02;
  return {
    text: `${d >= 0 ? '+' : ''}${(d * 100).toFixed(2)}% ${verdict(!ok, d < -0.02)}`,
    ok,
  };
}

function log(line: string): void {
  process.stderr.write(`[quality ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

const fmt = (v: number | undefined, digits = 4) =>
  v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);

/** Difference and verdict of one case (absolute for classification, relative for regression). */
export function verdict(c: QualityCase, r: DemoReport): { diff: number; ok: boolean } {
  const fed = r.metrics[c.metric] as number;
  const plain = r.baseline[c.metric] as number;
  const diff = c.tolerance.kind === 'absolute' ? fed - plain : (fed - plain) / plain;
  return { diff, ok: Math.abs(diff) <= c.tolerance.value };
}

function markdown(outcomes: Outcome[], seconds: number, python: string | undefined): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const rows = outcomes.map((o) => {
    const c = o.case;
    if (!o.report)
      return `| ${c.dataset} | \`${c.algorithm}\` | ${c.metric} | failed: ${o.error?.replace(/\|/g, '/').slice(0, 120)} | | | | | | | | | | | | |`;
    const r = o.report;
    const { diff, ok } = verdict(c, r);
    const d =
      c.tolerance.kind === 'absolute'
        ? `${diff >= 0 ? '+' : ''}${diff.toFixed(4)}`
        : `${diff >= 0 ? '+' : ''}${(diff * 100).toFixed(2)}%`;
    const tol =
      c.tolerance.kind === 'absolute' ? `±${c.tolerance.value}` : `±${c.tolerance.value * 100}%`;
    const sk = o.sklearn;
    const target = sk ? sklearnTarget(c, r, sk).text : '—';
    const heldTarget = sk ? sklearnTarget(c, r, sk, 'heldout').text : '—';
    const h = r.heldout;
    return `| ${c.dataset} | \`${c.algorithm}\` (${r.task}) | ${c.metric} | ${fmt(r.metrics[c.metric])} | ${fmt(r.baseline[c.metric])} | ${d} | ${ok ? 'yes' : '**no**'} (${tol}) | ${fmt(sk?.train[c.metric])} | ${target} | ${fmt(h?.metrics[c.metric])} | ${fmt(h?.baseline[c.metric])} | ${fmt(sk?.heldout[c.metric])} | ${heldTarget} | ${r.intersection_size} / ${h?.rows ?? '—'} | ${fmt(r.seconds.train, 1)} / ${fmt(r.seconds.total, 1)} | ${fmt(r.seconds.baseline, 2)} |`;
  });
  const all = outcomes
    .filter((o) => o.report)
    .map((o) => {
      const r = o.report as DemoReport;
      const keys = Object.keys(r.metrics);
      const h = r.heldout;
      return `| \`${o.case.id}\` | ${keys.map((k) => `${k} ${fmt(r.metrics[k])} / ${fmt(r.baseline[k])}`).join('; ')} | ${h ? keys.map((k) => `${k} ${fmt(h.metrics[k])} / ${fmt(h.baseline[k])}`).join('; ') : '—'} |`;
    });
  return `# Quality: federated models against their plaintext twins

Every federated algorithm trained with \`fedgrid demo\` — guest, host(s) and arbiter as separate
node processes on loopback, ECDH-PSI, Paillier-2048 — next to its _plaintext twin_ (the same
algorithm, same hyper-parameters and step rule — for HeteroLR the exact logistic loss instead of
its Taylor approximation — trained centrally on the joined rows) and to _scikit-learn_'s
counterpart on the pooled rows with comparable settings (\`packages/bench/scripts/sklearn_reference.py\`:
StandardScaler + LogisticRegression with C = 1/(alpha·n), Ridge(alpha·n), PoissonRegressor(alpha),
HistGradientBoosting with the case's trees, rate and depth). Every case holds ${HOLDOUT * 100}% of
the rows out of training (\`fedgrid demo --holdout ${HOLDOUT}\`: a row is held out when the first
32 bits of SHA-256 of its id fall below ${HOLDOUT}·2^32 — the same rows in every party's file and in
the scikit-learn script). All three models are fitted on the remaining **training rows**; the
"train rows" columns score them on those rows (as FATE's quality benchmarks do), the "held-out"
columns on the held-out rows, which the federated model scores in a separate batch-prediction job
(PSI on the new ids, then the published model's \`predict\` task). Tolerances: twin (issue 5)
classification within 0.01 absolute, regression within 2% relative; scikit-learn (issue 11): AUC
and accuracy at most 0.01 below scikit-learn's, MSE at most 2% above it, on both row sets (a
model that does better is marked \`yes, better\`); the exit code follows the twin tolerance on
training rows. Raw CSV columns, no manual scaling: the linear models standardise
each party's columns inside the algorithm. ${python ? '' : '**scikit-learn was not available when this file was generated (columns —).**'}

Reproduce (about ${Math.ceil(seconds / 60)} minutes on this machine):

\`\`\`sh
npm ci
npm run bench:quality                       # rewrites docs/QUALITY.md
npm run bench:quality -- --only motor-linr  # one case (ids below)
\`\`\`

Machine: ${availableParallelism()} cores, ${cpu}, Node ${process.version}; generated ${new Date().toISOString().slice(0, 10)} in ${seconds.toFixed(0)} s.

| dataset | algorithm (task) | metric | federated (train rows) | plaintext twin (train rows) | difference | within tolerance | scikit-learn (train rows) | federated − scikit-learn: target met | federated (held-out) | plaintext twin (held-out) | scikit-learn (held-out) | held-out: federated − scikit-learn | rows: train / held-out | seconds federated: train / whole demo | seconds plaintext |
| --- | --- | --- | ---: | ---: | ---: | --- | ---: | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |
${rows.join('\n')}

The _whole demo_ includes starting three node processes, contracts, grants, PSI and federated
prediction. Derived splits are made at run time from the bundled files: the two-host cases give
each host some of the host file's columns; the multiclass case replaces motor_speed by its
tertile (3 classes); the count case labels each default_credit row with its months of delayed
payment (PAY_k ≥ 1 among the six repayment-status columns, 0–6) and drops those columns from
both parties' features.

## Where a target against scikit-learn is missed, and why

- \`motor-lr-ovr\` (accuracy), on training and held-out rows: HeteroLR's coordinated protocol
  trains on the Taylor approximation of the logistic loss (Paillier ciphertexts allow a
  polynomial of degree 2 in z), whose optimum is a least-squares classifier. On these rows the
  exact Taylor optimum (computed in numpy with the same α, one-vs-rest, on all 800 rows) scores
  accuracy 0.825 and the exact logistic optimum 0.900: no step rule closes that gap. For
  multiclass data use \`secureboost\` (0.99 on training rows, 1.00 held out here).
- Rows marked \`yes, better\` are no misses: SecureBoost on motor fits the training rows more
  tightly than HistGradientBoostingRegressor with the same trees, rate and depth (which
  regularises with its own defaults, e.g. min_samples_leaf = 20) and also scores the held-out
  rows better, so it does not over-fit.

## Every metric (federated / plaintext)

| case | training rows | held-out rows |
| --- | --- | --- |
${all.join('\n')}

Case ids: ${outcomes.map((o) => `\`${o.case.id}\``).join(', ')}.
`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: join(REPO, 'docs/QUALITY.md') },
      only: { type: 'string' },
      json: { type: 'string' },
      render: { type: 'string' },
      seconds: { type: 'string' },
    },
  });
  if (values.render) {
    // Re-render the table from a saved `--json` run (after a change to the table's wording or
    // verdicts) without training again; --seconds is that run's duration.
    const saved = JSON.parse(await readFile(values.render, 'utf8')) as {
      id: string;
      report?: DemoReport;
      error?: string;
      sklearn?: SklearnResult;
    }[];
    const outcomes = saved.map((o) => {
      const c = QUALITY_CASES.find((x) => x.id === o.id);
      if (!c) throw new Error(`--render ${values.render}: unknown case '${o.id}'`);
      return {
        case: c,
        ...(o.report ? { report: o.report } : {}),
        ...(o.error ? { error: o.error } : {}),
        ...(o.sklearn ? { sklearn: o.sklearn } : {}),
      };
    });
    const out = resolve(values.out as string);
    await writeFile(out, markdown(outcomes, Number(values.seconds ?? 0), 'recorded'));
    log(`rendered ${out} from ${values.render}`);
    return;
  }
  const only = values.only?.split(',').map((s) => s.trim());
  const cases = QUALITY_CASES.filter((c) => !only || only.includes(c.id));
  if (cases.length === 0)
    throw new Error(
      `--only ${values.only}: no such case (ids: ${QUALITY_CASES.map((c) => c.id).join(', ')})`,
    );
  const work = await mkdtemp(join(tmpdir(), 'fedgrid-quality-'));
  const python = findPython();
  if (!python)
    log('scikit-learn not importable (apt-get install python3-sklearn): its column stays empty');
  const t0 = performance.now();
  const outcomes: Outcome[] = [];
  try {
    for (const c of cases) {
      log(`${c.id}: ${c.algorithm} on ${c.dataset}`);
      try {
        const files = await c.files(SAMPLES, work);
        const report = await runDemo({
          ...files,
          algorithm: c.algorithm,
          ...(c.task ? { task: c.task } : {}),
          out: join(work, c.id),
          params: c.params,
          holdout: c.holdout ?? HOLDOUT,
          write: (line) => process.stderr.write(`  ${line}\n`),
        });
        const { diff, ok } = verdict(c, report);
        log(
          `${c.id}: ${c.metric} federated ${fmt(report.metrics[c.metric])}, plaintext ${fmt(report.baseline[c.metric])} (${ok ? 'within' : 'OUTSIDE'} tolerance, difference ${diff.toExponential(2)})`,
        );
        let sklearn: SklearnResult | undefined;
        if (python) {
          try {
            sklearn = sklearnReference(python, c, files, report);
            log(
              `${c.id}: scikit-learn ${sklearn.model}: ${c.metric} ${fmt(sklearn.train[c.metric])} (held-out ${fmt(sklearn.heldout[c.metric])}; federated held-out ${fmt(report.heldout?.metrics[c.metric])})`,
            );
          } catch (err) {
            log(`${c.id}: scikit-learn failed: ${(err as Error).message}`);
          }
        }
        outcomes.push({ case: c, report, ...(sklearn ? { sklearn } : {}) });
      } catch (err) {
        log(`${c.id}: failed: ${(err as Error).message}`);
        outcomes.push({ case: c, error: (err as Error).message });
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const seconds = (performance.now() - t0) / 1000;
  const out = resolve(values.out as string);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, markdown(outcomes, seconds, python));
  log(`wrote ${out} in ${seconds.toFixed(0)} s`);
  if (values.json)
    await writeFile(
      values.json,
      JSON.stringify(
        outcomes.map((o) => ({
          id: o.case.id,
          report: o.report,
          error: o.error,
          sklearn: o.sklearn,
        })),
        null,
        2,
      ),
    );
  const bad = outcomes.filter((o) => !o.report || !verdict(o.case, o.report).ok);
  if (bad.length) {
    log(`outside tolerance or failed: ${bad.map((o) => o.case.id).join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench:quality: ${err.message}\n`);
  process.exit(1);
});
