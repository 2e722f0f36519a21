/**
 * What the CLI prints about a job: its tasks, and the metrics of its evaluation tasks, each with
 * the data it was computed on (the held-out rows of a split, or the rows the model was trained
 * on) — shown by `job show` and at the end of every `--wait`.
 */
import type { JobView, TaskView } from '@fedgrid/node';
import { table } from './output.js';

/** The rows an evaluation was computed on, traced through the job's task inputs. */
export interface EvaluatedData {
  /** Where the scored rows came from, as the job wrote it: `split.test`, `psi.data`, … */
  source: string;
  /**
   * `held-out`: the scored rows descend from a `test` or `validate` output and not from the
   * training task's input; `training`: they are the very rows the model was trained on;
   * `unknown`: neither can be told from the inputs.
   */
  kind: 'held-out' | 'training' | 'unknown';
  /** The task that trained the model scored, when the inputs say. */
  trainedBy?: string;
}

/** One evaluation task's report at one party (the result party, usually the guest). */
export interface EvaluationSummary {
  task: string;
  party: string;
  /** binary, multiclass or regression. */
  predictionTask: string;
  rows?: number;
  /** Numeric metrics only (curves, tables and matrices are in `--json`). */
  metrics: Record<string, number>;
  data?: EvaluatedData;
}

const HELD_OUT_PORTS = new Set(['test', 'validate']);

/** `a.b` → task `a`, output `b` (`job.dataset` has no producing task). */
function splitRef(ref: string): { task: string; port: string } | undefined {
  const dot = ref.indexOf('.');
  if (dot <= 0 || ref.slice(0, dot) === 'job') return undefined;
  return { task: ref.slice(0, dot), port: ref.slice(dot + 1) };
}

/**
 * Every reference a data reference descends from, itself first, following each producing task's
 * `data` input back to `job.dataset` (at most one step per task: a job is a DAG).
 */
function lineage(ref: string, byName: Map<string, TaskView>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (let r: string | undefined = ref; r !== undefined && !seen.has(r);) {
    seen.add(r);
    out.push(r);
    const at = splitRef(r);
    r = at ? byName.get(at.task)?.inputs?.['data'] : undefined;
  }
  return out;
}

/**
 * The data an evaluation task scored: its `predictions` input's producer and that producer's
 * `data` input, compared with the data of the task that produced the producer's `model` input.
 * Undefined when the job view carries no inputs (an older node).
 */
export function evaluatedData(job: JobView, evaluation: TaskView): EvaluatedData | undefined {
  const byName = new Map(job.tasks.map((t) => [t.name, t]));
  const predictionsRef = evaluation.inputs?.['predictions'];
  const predictor = predictionsRef ? splitRef(predictionsRef) : undefined;
  const predict = predictor ? byName.get(predictor.task) : undefined;
  const source = predict?.inputs?.['data'];
  if (!predict || !source) return undefined;
  const modelRef = predict.inputs['model'];
  const trainer = modelRef ? splitRef(modelRef) : undefined;
  const trainedOn = trainer ? byName.get(trainer.task)?.inputs?.['data'] : undefined;
  const scored = lineage(source, byName);
  const trained = trainedOn ? lineage(trainedOn, byName) : [];
  const kind =
    trainedOn !== undefined && source === trainedOn
      ? 'training'
      : scored.some((r) => HELD_OUT_PORTS.has(splitRef(r)?.port ?? '')) && !trained.includes(source)
        ? 'held-out'
        : 'unknown';
  return { source, kind, ...(trainer ? { trainedBy: trainer.task } : {}) };
}

/**
 * The evaluation reports of a job, in task order: every party summary that carries a prediction
 * task (`binary`, `multiclass`, `regression`) and a `metrics` object — what the evaluation
 * component reports, whichever task runs it.
 */
export function evaluationsOf(job: JobView): EvaluationSummary[] {
  const out: EvaluationSummary[] = [];
  for (const t of job.tasks) {
    const result = (t.result ?? {}) as Record<string, unknown>;
    for (const [party, summary] of Object.entries(result)) {
      const s = summary as { task?: unknown; rows?: unknown; metrics?: unknown } | null;
      if (!s || typeof s.task !== 'string' || typeof s.metrics !== 'object' || !s.metrics) continue;
      const metrics = Object.fromEntries(
        Object.entries(s.metrics as Record<string, unknown>).filter(
          (e): e is [string, number] => typeof e[1] === 'number',
        ),
      );
      const data = evaluatedData(job, t);
      out.push({
        task: t.name,
        party,
        predictionTask: s.task,
        ...(typeof s.rows === 'number' ? { rows: s.rows } : {}),
        metrics,
        ...(data ? { data } : {}),
      });
    }
  }
  return out;
}

/** `114 held-out rows (split.test, not used in training)` and the like. */
function rowsText(rows: number | undefined, data: EvaluatedData | undefined): string {
  const n = rows !== undefined ? `${rows} ` : '';
  if (!data) return `${n}rows`;
  if (data.kind === 'held-out') return `${n}held-out rows (${data.source}, not used in training)`;
  if (data.kind === 'training') return `${n}rows the model was trained on (${data.source})`;
  return `${n}rows (${data.source})`;
}

/** The order metrics are printed in (DESIGN.md's vocabulary); others follow as reported. */
const METRIC_ORDER = [
  'auc',
  'ks',
  'accuracy',
  'precision',
  'recall',
  'f1',
  'logloss',
  'mse',
  'rmse',
  'mae',
  'r2',
  'explained_variance',
];
const rank = (name: string) => {
  const k = METRIC_ORDER.indexOf(name);
  return k < 0 ? METRIC_ORDER.length : k;
};

/** A metric value: integers as they are, others to 4 decimals (NaN and ±∞ as words). */
function metricText(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Number.isInteger(v) ? String(v) : v.toFixed(4);
}

/**
 * The metrics block printed after a job, e.g.
 * ```
 * evaluation `evaluate` (binary) on guest: 114 held-out rows (split.test, not used in training)
 * metric    value
 * auc       0.9939
 * ```
 * Empty when the job has no evaluation report (yet).
 */
export function formatEvaluations(job: JobView): string {
  return evaluationsOf(job)
    .map((e) => {
      return [
        `evaluation \`${e.task}\` (${e.predictionTask}) on ${e.party}: ${rowsText(e.rows, e.data)}`,
        table([
          ['metric', 'value'],
          ...Object.entries(e.metrics)
            .sort(([a], [b]) => rank(a) - rank(b))
            .map(([k, v]) => [k, metricText(v)]),
        ]),
      ].join('\n');
    })
    .join('\n\n');
}

/** A job, its tasks with per-party states, its error and the metrics of its evaluations. */
export function describeJob(j: JobView): string {
  const lines = [`job ${j.id} ${j.name ? `(${j.name}) ` : ''}— ${j.status}`];
  if (j.error)
    lines.push(`error: ${(j.error as { message?: string }).message ?? JSON.stringify(j.error)}`);
  lines.push(
    table([
      ['task', 'component', 'status', 'parties'],
      ...j.tasks.map((t) => [
        t.name,
        t.component,
        t.status,
        Object.entries(t.parties)
          .map(([p, s]) => `${p}:${s.status}`)
          .join(' '),
      ]),
    ]),
  );
  const metrics = formatEvaluations(j);
  if (metrics) lines.push('', metrics);
  return lines.join('\n');
}
