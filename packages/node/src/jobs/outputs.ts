/**
 * Task outputs stay on the party that produced them: datasets and predictions as binary
 * snapshots, models and reports as JSON, under the node's data directory, indexed in the
 * task_outputs table; models are also registered with their SHA-256 digest, as versions of named
 * models (issue 12 item 1).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { PortValue, PredictionTask } from '@fedgrid/components';
import { FedGridError } from '../errors/errors.js';
import {
  ColumnarSnapshotWriter,
  writeColumnarFrame,
  type FrameLayout,
  type PieceSealer,
} from '../datasets/columnar-snapshot.js';
import { readSnapshot, writeSnapshot } from '../datasets/snapshot.js';
import { modelTasksScoredBy } from '../models/evaluated-models.js';
import { ModelVersionsRepo } from '../models/model-versions.repo.js';
import { NodeFiles } from '../storage/files.js';
import { json, type Database } from '../storage/schema.js';

export class OutputStore {
  /**
   * @param files how outputs are written (complete, fsynced, private, before their record)
   *   @default a NodeFiles on `dataDir`
   */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dataDir: string,
    private readonly files: NodeFiles = new NodeFiles({ dataDir }),
  ) {
    this.versions = new ModelVersionsRepo(db);
  }

  private readonly versions: ModelVersionsRepo;

  /** How this node's snapshot pieces are sealed and opened (as its other data files). */
  private get pieces(): PieceSealer {
    return {
      seal: (d) => this.files.sealPiece(d),
      open: (d, p) => this.files.openPiece(d, p),
    };
  }

  /** An evaluation report (one with `metrics`) is recorded on the model versions it scored. */
  private async recordEvaluation(jobId: string, taskName: string, report: Record<string, unknown>) {
    const metrics = report['metrics'];
    if (!metrics || typeof metrics !== 'object' || Array.isArray(metrics)) return;
    const job = await this.db
      .selectFrom('jobs')
      .select('spec')
      .where('id', '=', jobId)
      .executeTakeFirst();
    const spec = job?.spec as Parameters<typeof modelTasksScoredBy>[0] | undefined;
    if (!spec?.tasks) return;
    const numbers = Object.fromEntries(
      Object.entries(metrics).filter(([, v]) => typeof v === 'number'),
    ) as Record<string, number>;
    await this.versions.recordEvaluation(jobId, modelTasksScoredBy(spec, taskName), {
      task: taskName,
      kind: typeof report['task'] === 'string' ? report['task'] : null,
      rows: typeof report['rows'] === 'number' ? report['rows'] : null,
      metrics: numbers,
    });
  }

  private dir(jobId: string): string {
    return join(this.dataDir, 'jobs', jobId);
  }

  /**
   * Persists one output of a task on `party`. A model output also becomes (a part of) a version
   * of a named model; a report with `metrics` is recorded on the versions it evaluated.
   * @param attempt the task attempt that produced it (0: the first run; a rerun counts up)
   */
  async save(
    jobId: string,
    taskName: string,
    party: string,
    name: string,
    value: PortValue,
    component: string,
    attempt = 0,
  ): Promise<void> {
    const dir = this.dir(jobId);
    await this.files.mkdir(dir);
    const write = (p: string, parts: readonly Uint8Array[]) => this.files.write(p, parts);
    const base = `${taskName}.${party}.${name}`;
    let file: string;
    let meta: Record<string, unknown>;
    if (value.kind === 'dataset') {
      file = `${base}.fgds`;
      const f = value.frame;
      // A column-backed frame (e.g. PSI's rows of a columnar dataset) is written as columns:
      // never made row-major here, and read back column by column downstream.
      if (f.columns)
        await writeColumnarFrame(
          await ColumnarSnapshotWriter.create(
            await this.files.openWriter(join(dir, file)),
            this.pieces,
            f.featureNames,
            f.labels ? (f.labelName ?? 'label') : undefined,
          ),
          f,
        );
      else await writeSnapshot(join(dir, file), f, write);
      meta = { rows: value.frame.ids.length, features: value.frame.featureNames.length };
    } else if (value.kind === 'predictions') {
      file = `${base}.fgds`;
      const p = value.predictions;
      // Columns: the score, then (multiclass) one probability per class.
      const classes = p.classes ?? [];
      const cols = 1 + (p.probabilities ? classes.length : 0);
      const data = new Float64Array(p.ids.length * cols);
      for (let i = 0; i < p.ids.length; i++) {
        data[i * cols] = p.scores[i] as number;
        for (let c = 1; c < cols; c++)
          data[i * cols + c] = p.probabilities![i * (cols - 1) + c - 1] as number;
      }
      await writeSnapshot(
        join(dir, file),
        {
          ids: p.ids,
          x: { rows: p.ids.length, cols, data },
          featureNames: ['score', ...(cols > 1 ? classes.map((c) => `p_${c}`) : [])],
          ...(p.labels ? { labels: p.labels, labelName: 'label' } : {}),
        },
        write,
      );
      meta = {
        rows: p.ids.length,
        task: p.task ?? 'binary',
        ...(p.classes ? { classes: p.classes } : {}),
      };
    } else if (value.kind === 'model') {
      // A rerun (attempt > 0) writes its own file: the earlier version keeps its part intact.
      file = attempt > 0 ? `${base}.a${attempt}.json` : `${base}.json`;
      const body = JSON.stringify(value.model, null, 1);
      await this.files.write(join(dir, file), body);
      const digest = createHash('sha256').update(body).digest('hex');
      meta = { digest };
      const m = value.model as Record<string, unknown>;
      const names = m['featureNames'];
      await this.versions.addPart({
        id: `model-${jobId}-${taskName}-${party}${attempt > 0 ? `-a${attempt}` : ''}`,
        jobId,
        task: taskName,
        party,
        attempt,
        component,
        algorithm: value.model.algorithm,
        digest,
        file,
        features:
          Array.isArray(names) && names.every((n) => typeof n === 'string')
            ? (names as string[])
            : null,
        task_kind: typeof m['task'] === 'string' ? m['task'] : null,
      });
    } else {
      file = `${base}.json`;
      await this.files.write(join(dir, file), JSON.stringify(value.report, null, 1));
      meta = {};
      await this.recordEvaluation(jobId, taskName, value.report);
    }
    await this.db
      .insertInto('task_outputs')
      .values({
        job_id: jobId,
        task_name: taskName,
        party,
        name,
        kind: value.kind,
        file,
        meta: json(meta),
      })
      .onConflict((oc) =>
        oc
          .columns(['job_id', 'task_name', 'party', 'name'])
          .doUpdateSet({ kind: value.kind, file, meta: json(meta) }),
      )
      .execute();
  }

  /**
   * Loads an output of an earlier task on `party`; a dataset as a row-major or column-backed
   * frame (`layout`, see FrameLayout). @throws NOT_FOUND if it was never produced.
   */
  async load(
    jobId: string,
    taskName: string,
    party: string,
    name: string,
    layout: FrameLayout = 'rows',
  ): Promise<PortValue> {
    const row = await this.db
      .selectFrom('task_outputs')
      .selectAll()
      .where('job_id', '=', jobId)
      .where('task_name', '=', taskName)
      .where('party', '=', party)
      .where('name', '=', name)
      .executeTakeFirst();
    if (!row)
      throw new FedGridError(
        'NOT_FOUND',
        `job ${jobId}: task '${taskName}' has no output '${name}' on ${party}`,
      );
    const path = join(this.dir(jobId), row.file);
    if (row.kind === 'dataset')
      return {
        kind: 'dataset',
        frame: await readSnapshot(path, (p) => this.files.read(p), this.pieces, layout),
      };
    if (row.kind === 'predictions') {
      const f = await readSnapshot(path, (p) => this.files.read(p), this.pieces);
      const meta = row.meta as { task?: PredictionTask; classes?: number[] };
      const cols = f.x.cols;
      const scores = new Float64Array(f.ids.length);
      const probabilities = cols > 1 ? new Float64Array(f.ids.length * (cols - 1)) : undefined;
      for (let i = 0; i < f.ids.length; i++) {
        scores[i] = f.x.data[i * cols] as number;
        for (let c = 1; c < cols; c++)
          probabilities![i * (cols - 1) + c - 1] = f.x.data[i * cols + c] as number;
      }
      return {
        kind: 'predictions',
        predictions: {
          ids: f.ids,
          scores,
          ...(f.labels ? { labels: f.labels } : {}),
          task: meta.task ?? 'binary',
          ...(meta.classes ? { classes: meta.classes } : {}),
          ...(probabilities ? { probabilities } : {}),
        },
      };
    }
    const body = JSON.parse((await this.files.read(path)).toString('utf8')) as Record<
      string,
      unknown
    >;
    return row.kind === 'model'
      ? {
          kind: 'model',
          model: body as { algorithm: string },
          origin: { jobId, task: taskName },
        }
      : { kind: 'report', report: body };
  }

  /** Outputs of a job on this node. */
  list(jobId: string) {
    return this.db.selectFrom('task_outputs').selectAll().where('job_id', '=', jobId).execute();
  }
}
