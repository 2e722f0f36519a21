/**
 * Task outputs stay on the party that produced them: datasets and predictions as binary
 * snapshots, models and reports as JSON, under the node's data directory, indexed in the
 * task_outputs table; models are also registered with their SHA-256 digest.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { PortValue } from '@fedgrid/components';
import { FedGridError } from '../errors/errors.js';
import { readSnapshot, writeSnapshot } from '../datasets/snapshot.js';
import { json, type Database } from '../storage/schema.js';

export class OutputStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dataDir: string,
  ) {}

  private dir(jobId: string): string {
    return join(this.dataDir, 'jobs', jobId);
  }

  /** Persists one output of a task on `party`. */
  async save(
    jobId: string,
    taskName: string,
    party: string,
    name: string,
    value: PortValue,
    component: string,
  ): Promise<void> {
    const dir = this.dir(jobId);
    await mkdir(dir, { recursive: true });
    const base = `${taskName}.${party}.${name}`;
    let file: string;
    let meta: Record<string, unknown>;
    if (value.kind === 'dataset') {
      file = `${base}.fgds`;
      await writeSnapshot(join(dir, file), value.frame);
      meta = { rows: value.frame.ids.length, features: value.frame.featureNames.length };
    } else if (value.kind === 'predictions') {
      file = `${base}.fgds`;
      const p = value.predictions;
      await writeSnapshot(join(dir, file), {
        ids: p.ids,
        x: { rows: p.ids.length, cols: 1, data: p.scores },
        featureNames: ['score'],
        ...(p.labels ? { labels: p.labels, labelName: 'label' } : {}),
      });
      meta = { rows: p.ids.length };
    } else {
      file = `${base}.json`;
      const body = JSON.stringify(value.kind === 'model' ? value.model : value.report, null, 1);
      const tmp = join(dir, `${file}.tmp`);
      await writeFile(tmp, body, { mode: 0o600 });
      await rename(tmp, join(dir, file));
      meta = {};
      if (value.kind === 'model') {
        const digest = createHash('sha256').update(body).digest('hex');
        meta = { digest };
        await this.db
          .insertInto('models')
          .values({
            id: `model-${jobId}-${taskName}-${party}`,
            job_id: jobId,
            task_name: taskName,
            component,
            party,
            digest,
            file,
            meta: json({ algorithm: value.model.algorithm }),
          })
          .onConflict((oc) => oc.column('id').doUpdateSet({ digest, file }))
          .execute();
      }
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

  /** Loads an output of an earlier task on `party`. @throws NOT_FOUND if it was never produced. */
  async load(jobId: string, taskName: string, party: string, name: string): Promise<PortValue> {
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
    if (row.kind === 'dataset') return { kind: 'dataset', frame: await readSnapshot(path) };
    if (row.kind === 'predictions') {
      const f = await readSnapshot(path);
      return {
        kind: 'predictions',
        predictions: { ids: f.ids, scores: f.x.data, ...(f.labels ? { labels: f.labels } : {}) },
      };
    }
    const body = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    return row.kind === 'model'
      ? { kind: 'model', model: body as { algorithm: string } }
      : { kind: 'report', report: body };
  }

  /** Outputs of a job on this node. */
  list(jobId: string) {
    return this.db.selectFrom('task_outputs').selectAll().where('job_id', '=', jobId).execute();
  }
}
