/**
 * Datasets (样本管理): registering a local CSV validates it completely, writes a binary snapshot
 * and only then records it — a bad file leaves nothing behind. Issue #3 item 3.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely, Selectable } from 'kysely';
import type { Frame } from '@fedgrid/ml';
import { z } from 'zod';
import { errors, FedGridError } from '../errors/errors.js';
import { NodeFiles } from '../storage/files.js';
import { json, type Database, type DatasetsTable } from '../storage/schema.js';
import { openDatasetFile, type DatasetFilePolicy } from './dataset-files.js';
import { DECLARED_COLUMN_TYPES } from './column-types.js';
import {
  importTable,
  type ColumnSummary,
  type LabelSummary,
  type TableImportOptions,
} from './csv-import.js';
import { sourceKind, sourceSpecSchema, type SourceSpec } from './sources/registry.js';
import type { SourceContext } from './sources/source.js';
import { readSnapshot, writeSnapshot } from './snapshot.js';

const datasetName = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,100}$/, '1–100 characters of A–Z, a–z, 0–9, ".", "_", "-"');

/**
 * Who sees a dataset: `public` — every contracted partner, and (later) the public directory and
 * invitations; `partners` — contracted partners only; `private` — nobody but this node (and the
 * partners it grants it to).
 */
export const visibilitySchema = z.enum(['private', 'partners', 'public']);
export type Visibility = z.infer<typeof visibilitySchema>;

export const registerDatasetSchema = z
  .object({
    name: datasetName,
    /** A CSV file (PATH_MAX on Linux): the same as `source: { kind: 'csv', path }`. */
    path: z.string().min(1).max(4096).optional(),
    /** Where the rows come from: a file of some format, a database table or query. */
    source: sourceSpecSchema.optional(),
    idColumn: z.string().min(1).max(256).default('id'),
    labelColumn: z.string().min(1).max(256).optional(),
    description: z.string().max(2000).default(''),
    visibility: visibilitySchema.default('private'),
    /**
     * Column types by column name (numeric, categorical, boolean, datetime, or ignore to leave
     * the column out); columns not named are detected from the first rows (column-types.ts).
     * They apply to every source kind.
     */
    columnTypes: z
      .record(z.string().min(1).max(256), z.enum(DECLARED_COLUMN_TYPES))
      .refine((r) => Object.keys(r).length <= 10_000, 'at most 10000 declared column types')
      .optional(),
  })
  .refine((v) => (v.path === undefined) !== (v.source === undefined), {
    message: 'give either path (a CSV file) or source (exactly one)',
    path: ['source'],
  });
export type RegisterDatasetInput = z.input<typeof registerDatasetSchema>;

export const updateDatasetSchema = z
  .object({
    name: datasetName.optional(),
    description: z.string().max(2000).optional(),
    visibility: visibilitySchema.optional(),
  })
  .strict();
export type UpdateDatasetInput = z.input<typeof updateDatasetSchema>;

export interface DatasetView {
  id: string;
  name: string;
  description: string;
  /** The file's real path, or how a database source is named (`postgres host:port/db table t`). */
  sourcePath: string;
  /** What was read: the file's SHA-256, or of the rows' canonical text (sources/source.ts). */
  sourceSha256: string;
  /** The source spec (never a password: only where it is kept). */
  source: SourceSpec;
  idColumn: string;
  labelColumn: string | null;
  rows: number;
  features: ColumnSummary[];
  label: LabelSummary | null;
  visibility: string;
  createdAt: string;
  updatedAt: string | null;
}

/**
 * What a partner may learn about a dataset it can see: no file path, file hash, statistics,
 * label distribution or data — only the shape needed to plan a job.
 */
export interface PartnerDatasetView {
  id: string;
  owner: string;
  name: string;
  description: string;
  visibility: string;
  rows: number;
  idColumn: string;
  /** The label column's name (null: the dataset has no label). */
  labelColumn: string | null;
  /**
   * Names and types only (integer, float, categorical, boolean, datetime): never a category's
   * values, statistics or missing counts.
   */
  features: { name: string; type: string }[];
  createdAt: string;
  updatedAt: string | null;
}

type Row = Selectable<DatasetsTable>;

function view(r: Row): DatasetView {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    sourcePath: r.source_path,
    sourceSha256: r.source_sha256,
    source: (r.source_spec as SourceSpec | null) ?? { kind: 'csv', path: r.source_path },
    idColumn: r.id_column,
    labelColumn: r.label_column,
    rows: r.rows,
    features: r.features as ColumnSummary[],
    label: (r.label_summary as LabelSummary | null) ?? null,
    visibility: r.visibility,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: r.updated_at ? new Date(r.updated_at).toISOString() : null,
  };
}

/** The partner view of a dataset (see {@link PartnerDatasetView}). */
export function partnerView(d: DatasetView, owner: string): PartnerDatasetView {
  return {
    id: d.id,
    owner,
    name: d.name,
    description: d.description,
    visibility: d.visibility,
    rows: d.rows,
    idColumn: d.idColumn,
    labelColumn: d.labelColumn,
    features: d.features.map((f) => ({ name: f.name, type: f.type })),
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

/** Called before a dataset's visibility changes; throws to refuse the change. */
export type VisibilityCheck = (dataset: DatasetView, to: Visibility) => Promise<void>;

export class DatasetService {
  private readonly dir: string;
  private readonly cache = new Map<string, Promise<Frame>>();
  private readonly visibilityChecks: VisibilityCheck[] = [];

  /**
   * @param policy which files {@link register} may read (default: none — registration is refused
   *   until data directories are configured).
   * @param files how snapshots are written (complete, fsynced, private)
   *   @default a NodeFiles on `dataDir`
   */
  constructor(
    private readonly db: Kysely<Database>,
    dataDir: string,
    private readonly policy: DatasetFilePolicy = { allowedDirs: [] },
    private readonly files: NodeFiles = new NodeFiles({ dataDir }),
  ) {
    this.dir = join(dataDir, 'datasets');
  }

  /**
   * Registers a CSV file.
   * @throws FedGridError VALIDATION_FAILED (bad input), CONFLICT (name taken),
   *   DATASET_PATH_NOT_ALLOWED (outside the node's data directories, symlinks resolved),
   *   DATASET_FILE_UNREADABLE, CSV_INVALID (with file/line/column/field problems), STORAGE_FULL,
   *   STORAGE_UNAVAILABLE (the snapshot could not be written; nothing is recorded).
   */
  async register(input: RegisterDatasetInput): Promise<DatasetView> {
    const inp = registerDatasetSchema.parse(input);
    if (
      await this.db
        .selectFrom('datasets')
        .select('id')
        .where('name', '=', inp.name)
        .executeTakeFirst()
    ) {
      throw errors.conflict(
        `a dataset named '${inp.name}' is already registered; choose another name`,
        { name: inp.name },
      );
    }
    const spec = inp.source ?? { kind: 'csv', path: inp.path as string };
    const {
      imported,
      where,
      spec: stored,
    } = await this.read(spec, {
      idColumn: inp.idColumn,
      ...(inp.labelColumn ? { labelColumn: inp.labelColumn } : {}),
      ...(inp.columnTypes ? { columnTypes: inp.columnTypes } : {}),
    });
    const id = `ds-${randomUUID()}`;
    await this.files.mkdir(this.dir);
    const snapshot = join(this.dir, `${id}.fgds`);
    // Complete and fsynced before the record commits: a registered dataset always has its data.
    await writeSnapshot(snapshot, imported.frame, (p, parts) => this.files.write(p, parts));
    try {
      await this.db
        .insertInto('datasets')
        .values({
          id,
          name: inp.name,
          description: inp.description,
          source_path: where,
          source_sha256: imported.sha256,
          source_spec: json(stored),
          id_column: inp.idColumn,
          label_column: inp.labelColumn ?? null,
          features: json(imported.features),
          label_summary: imported.label ? json(imported.label) : null,
          rows: imported.frame.ids.length,
          visibility: inp.visibility,
          snapshot_file: `${id}.fgds`,
        })
        .execute();
    } catch (err) {
      await rm(snapshot, { force: true });
      if (/unique|duplicate/i.test((err as Error).message)) {
        throw errors.conflict(
          `a dataset named '${inp.name}' is already registered; choose another name`,
          { name: inp.name },
        );
      }
      throw err;
    }
    return this.get(id);
  }

  /** What a source may use of this node: files under the data directories, the environment. */
  private sourceContext(): SourceContext {
    return { openFile: (p) => openDatasetFile(p, this.policy), env: process.env };
  }

  /**
   * Reads and validates a whole source.
   * @throws FedGridError VALIDATION_FAILED (bad spec), the source's errors, CSV_INVALID.
   */
  private async read(spec: SourceSpec, table: TableImportOptions) {
    const kind = sourceKind(spec.kind);
    if (!kind) throw errors.validation(`unknown source kind '${spec.kind}'`);
    const parsed = kind.schema.safeParse(spec);
    if (!parsed.success)
      throw errors.validation(
        `source: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'spec'}: ${i.message}`).join('; ')}`,
      );
    const reader = await kind.open(parsed.data, this.sourceContext());
    const imported = await importTable(reader, table);
    return { imported, where: reader.where, spec: parsed.data as SourceSpec };
  }

  async list(filter: { visibility?: string | string[] } = {}): Promise<DatasetView[]> {
    let q = this.db.selectFrom('datasets').selectAll();
    const vis = filter.visibility;
    if (vis !== undefined) q = q.where('visibility', 'in', Array.isArray(vis) ? vis : [vis]);
    return (await q.orderBy('created_at', 'desc').orderBy('id').execute()).map(view);
  }

  /** Adds a check run before any visibility change (e.g. the directory's: offered ones stay public). */
  addVisibilityCheck(check: VisibilityCheck): void {
    this.visibilityChecks.push(check);
  }

  /**
   * Changes a dataset's name, description or visibility (the data itself never changes: register
   * a new dataset for new data).
   * @throws NOT_FOUND, CONFLICT (name taken, or a visibility check refused), VALIDATION_FAILED
   *   (nothing to change).
   */
  async update(idOrName: string, input: UpdateDatasetInput): Promise<DatasetView> {
    const inp = updateDatasetSchema.parse(input);
    const ds = await this.get(idOrName);
    if (inp.name === undefined && inp.description === undefined && inp.visibility === undefined)
      throw errors.validation('nothing to change: give name, description or visibility');
    if (inp.visibility !== undefined && inp.visibility !== ds.visibility)
      for (const check of this.visibilityChecks) await check(ds, inp.visibility);
    if (inp.name !== undefined && inp.name !== ds.name) {
      const taken = await this.db
        .selectFrom('datasets')
        .select('id')
        .where((eb) =>
          eb.or([eb('name', '=', inp.name as string), eb('id', '=', inp.name as string)]),
        )
        .executeTakeFirst();
      if (taken)
        throw errors.conflict(
          `a dataset named '${inp.name}' is already registered; choose another name`,
          { name: inp.name },
        );
    }
    try {
      await this.db
        .updateTable('datasets')
        .set({
          ...(inp.name !== undefined ? { name: inp.name } : {}),
          ...(inp.description !== undefined ? { description: inp.description } : {}),
          ...(inp.visibility !== undefined ? { visibility: inp.visibility } : {}),
          updated_at: new Date(),
        })
        .where('id', '=', ds.id)
        .execute();
    } catch (err) {
      if (/unique|duplicate/i.test((err as Error).message))
        throw errors.conflict(
          `a dataset named '${inp.name}' is already registered; choose another name`,
          { name: inp.name },
        );
      throw err;
    }
    return this.get(ds.id);
  }

  /**
   * Deletes a dataset's record (its grants go with it) and snapshot. The checks (jobs using it,
   * active grants) are the caller's: see DatasetSharingService.remove.
   */
  async remove(id: string): Promise<void> {
    const ds = await this.get(id);
    await this.db.deleteFrom('datasets').where('id', '=', ds.id).execute();
    this.cache.delete(ds.id);
    await rm(join(this.dir, `${ds.id}.fgds`), { force: true });
  }

  async get(id: string): Promise<DatasetView> {
    const r = await this.db
      .selectFrom('datasets')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', id), eb('name', '=', id)]))
      .executeTakeFirst();
    if (!r) throw errors.notFound('dataset', id);
    return view(r);
  }

  /** The dataset's rows in memory (cached per process). */
  async load(id: string): Promise<Frame> {
    const ds = await this.get(id);
    let f = this.cache.get(ds.id);
    if (!f) {
      f = readSnapshot(join(this.dir, `${ds.id}.fgds`), (p) => this.files.read(p)).catch(
        (err: Error) => {
          this.cache.delete(ds.id);
          throw new FedGridError(
            'INTERNAL',
            `dataset ${ds.name}: cannot read its snapshot: ${err.message}`,
          );
        },
      );
      this.cache.set(ds.id, f);
    }
    return f;
  }
}
