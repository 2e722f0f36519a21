/**
 * Datasets (样本管理): registering a local CSV validates it completely, writes a binary snapshot
 * and only then records it — a bad file leaves nothing behind. Issue #3 item 3.
 */
import { randomUUID } from 'node:crypto';
import { open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Kysely, Selectable } from 'kysely';
import type { Frame } from '@fedgrid/ml';
import { z } from 'zod';
import { errors, FedGridError } from '../errors/errors.js';
import { NodeFiles } from '../storage/files.js';
import { json, type Database, type DatasetsTable } from '../storage/schema.js';
import { openDatasetFile, type DatasetFilePolicy } from './dataset-files.js';
import { DECLARED_COLUMN_TYPES, type DeclaredColumnType } from './column-types.js';
import {
  ColumnarSnapshotWriter,
  type FrameLayout,
  type PieceSealer,
  type SnapshotColumns,
} from './columnar-snapshot.js';
import {
  importTableToSnapshot,
  type ColumnSummary,
  type LabelSummary,
  type TableImportOptions,
} from './csv-import.js';
import { excerpt } from './excerpt.js';
import { sourceKind, sourceSpecSchema, type SourceSpec } from './sources/registry.js';
import type { SourceContext } from './sources/source.js';
import { readSnapshot, readSnapshotColumns } from './snapshot.js';
import {
  dictionarySchema,
  unknownColumns,
  type DataDictionary,
  type DictionaryEntry,
} from './data-dictionary.js';
import { csvOf, previewOf, type DatasetPreview } from './dataset-export.js';
import { receiveUpload } from './dataset-upload.js';

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
    /** false: the dataset takes no new job (running ones finish) until it is enabled again. */
    enabled: z.boolean().optional(),
    /** The data dictionary (replaces the previous one; {} clears it). */
    dictionary: dictionarySchema.optional(),
  })
  .strict();
export type UpdateDatasetInput = z.input<typeof updateDatasetSchema>;

/** File formats an upload may have (the file source kinds). */
export const uploadFormatSchema = z.enum(['csv', 'tsv', 'jsonl', 'xml', 'parquet']);

/** What accompanies an uploaded file (query string of POST /v1/datasets/upload). */
export const uploadDatasetSchema = z.object({
  name: datasetName,
  format: uploadFormatSchema.default('csv'),
  /** SHA-256 of the file (64 hex digits): the upload is kept only if it matches. */
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'the file’s SHA-256, 64 hex digits'),
  idColumn: z.string().min(1).max(256).default('id'),
  labelColumn: z.string().min(1).max(256).optional(),
  description: z.string().max(2000).default(''),
  visibility: visibilitySchema.default('private'),
  /**
   * Column types, as registration's `columnTypes`: in the query string one `type` parameter per
   * column, `COLUMN=TYPE` (e.g. `type=region%3Dcategorical&type=opened%3Ddatetime`).
   */
  type: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .describe('COLUMN=TYPE, repeated; TYPE one of numeric, categorical, boolean, datetime, ignore'),
});
export type UploadDatasetInput = z.input<typeof uploadDatasetSchema>;

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
  /** Bumped by each refresh from the source (1 at registration). */
  version: number;
  /** false: no new job may use the dataset. */
  enabled: boolean;
  /** The data dictionary: column → description, unit, values. */
  dictionary: DataDictionary;
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
   * Names and types (integer, float, categorical, boolean, datetime) — never a category's values,
   * statistics or missing counts — with the owner's dictionary entry (description, unit, values)
   * if the owner wrote one.
   */
  features: ({ name: string; type: string } & DictionaryEntry)[];
  /** Dictionary entries of the id and label columns. */
  dictionary: DataDictionary;
  version: number;
  enabled: boolean;
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
    version: r.version,
    enabled: r.enabled,
    dictionary: (r.dictionary as DataDictionary | null) ?? {},
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
    features: d.features.map((f) => ({ name: f.name, type: f.type, ...d.dictionary[f.name] })),
    dictionary: Object.fromEntries(
      [d.idColumn, d.labelColumn]
        .filter((c): c is string => c !== null && d.dictionary[c] !== undefined)
        .map((c) => [c, d.dictionary[c] as DictionaryEntry]),
    ),
    version: d.version,
    enabled: d.enabled,
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
    private readonly limits: {
      /** Largest upload accepted (bytes). @default 1 GiB */
      maxUploadBytes?: number;
    } = {},
  ) {
    this.dir = join(dataDir, 'datasets');
    this.uploads = join(dataDir, 'uploads');
  }

  private readonly uploads: string;

  /** Largest upload accepted (bytes). */
  get maxUploadBytes(): number {
    return this.limits.maxUploadBytes ?? 2 ** 30;
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
    const id = `ds-${randomUUID()}`;
    const read = await this.read(
      spec,
      {
        idColumn: inp.idColumn,
        ...(inp.labelColumn ? { labelColumn: inp.labelColumn } : {}),
        ...(inp.columnTypes ? { columnTypes: inp.columnTypes } : {}),
      },
      this.sourceContext(),
      join(this.dir, snapshotName(id, 1)),
    );
    return this.record(id, inp, read);
  }

  /**
   * Registers an uploaded file: `body` is streamed to a private temporary file (size-limited,
   * hashed), checked against the declared SHA-256, validated completely like a registered file,
   * and only then recorded; the temporary file is removed in every case (the snapshot keeps the
   * rows). An uploaded dataset has no source to refresh from: upload again under a new name.
   * @throws FedGridError VALIDATION_FAILED, CONFLICT (name taken), UPLOAD_TOO_LARGE,
   *   CHECKSUM_MISMATCH, CSV_INVALID, DATASET_SOURCE_INVALID, STORAGE_FULL.
   */
  async upload(body: Readable, input: UploadDatasetInput): Promise<DatasetView> {
    const parsed = uploadDatasetSchema.parse(input);
    // Checked before a byte of the body is received.
    const declared = uploadColumnTypes(parsed.type);
    const inp = { ...parsed, ...(declared ? { columnTypes: declared } : {}) };
    await this.assertNameFree(inp.name);
    const received = await receiveUpload(body, this.uploads, {
      maxBytes: this.maxUploadBytes,
      sha256: inp.sha256,
    });
    try {
      // Only the received file can be opened (it lies in the node's own directory, which
      // registration by path may never read).
      const ctx: SourceContext = {
        // Messages name the upload, never the node's temporary path.
        openFile: async () => ({
          handle: await open(received.path, 'r'),
          realPath: `upload:${inp.name}`,
        }),
        env: {},
      };
      const spec = { kind: inp.format, path: received.path };
      const id = `ds-${randomUUID()}`;
      const read = await this.read(
        spec,
        {
          idColumn: inp.idColumn,
          ...(inp.labelColumn ? { labelColumn: inp.labelColumn } : {}),
          ...(inp.columnTypes ? { columnTypes: inp.columnTypes } : {}),
        },
        ctx,
        join(this.dir, snapshotName(id, 1)),
      );
      return await this.record(id, inp, {
        ...read,
        where: `upload:${inp.name}`,
        spec: { kind: inp.format, uploaded: true, bytes: received.bytes },
      });
    } finally {
      await received.discard();
    }
  }

  private async assertNameFree(name: string): Promise<void> {
    if (
      await this.db.selectFrom('datasets').select('id').where('name', '=', name).executeTakeFirst()
    )
      throw errors.conflict(
        `a dataset named '${name}' is already registered; choose another name`,
        {
          name,
        },
      );
  }

  /** Records a dataset whose snapshot was written (a failed insert removes the snapshot). */
  private async record(
    id: string,
    inp: {
      name: string;
      description: string;
      idColumn: string;
      labelColumn?: string | undefined;
      visibility: string;
      columnTypes?: Record<string, DeclaredColumnType> | undefined;
    },
    read: Awaited<ReturnType<DatasetService['read']>>,
  ): Promise<DatasetView> {
    const { imported, where, spec: stored } = read;
    // Written (complete and fsynced) by read() before the record commits: a registered dataset
    // always has its data.
    const snapshot = join(this.dir, snapshotName(id, 1));
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
          column_types: inp.columnTypes ? json(inp.columnTypes) : null,
          features: json(imported.features),
          label_summary: imported.label ? json(imported.label) : null,
          rows: imported.rows,
          visibility: inp.visibility,
          snapshot_file: snapshotName(id, 1),
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

  /**
   * Reads the dataset's source again and records what it holds now as the next version: a new
   * snapshot, the version bumped, the summary and digest replaced. Jobs that already started keep
   * the version they recorded (see {@link pinVersions}); new jobs use the new one. The columns
   * (id, label, features) must be the same — a changed table is a new dataset.
   * @throws FedGridError NOT_FOUND, VALIDATION_FAILED (an uploaded dataset: nothing to read
   *   again), CONFLICT (columns changed), the source's errors; nothing changes on any error.
   */
  async refresh(idOrName: string): Promise<DatasetView> {
    const ds = await this.get(idOrName);
    if ((ds.source as { uploaded?: boolean }).uploaded)
      throw errors.validation(
        `dataset ${ds.name} was uploaded: it has no source to read again; upload the new file as a new dataset`,
      );
    const before = ds.features.map((f) => f.name);
    const changed = (after: number) =>
      errors.conflict(
        `the source of ${ds.name} now has other feature columns (${after < 0 ? 'one of them is gone' : `${after} instead of ${before.length}`}, or renamed or reordered); register it as a new dataset — nothing was changed`,
        { dataset: ds.id },
      );
    const version = ds.version + 1;
    const file = snapshotName(ds.id, version);
    let read: Awaited<ReturnType<DatasetService['read']>>;
    try {
      read = await this.read(
        ds.source,
        {
          idColumn: ds.idColumn,
          ...(ds.labelColumn ? { labelColumn: ds.labelColumn } : {}),
          columnTypes: await this.refreshTypes(ds),
        },
        this.sourceContext(),
        join(this.dir, file),
      );
    } catch (err) {
      // The registered types name every registered column: one missing from the source's
      // header is a changed table, as below, not a content error.
      const problems = (err as FedGridError).details?.['problems'] as
        { message: string }[] | undefined;
      if (
        err instanceof FedGridError &&
        err.code === 'CSV_INVALID' &&
        problems?.some((p) => p.message.endsWith('has a declared type but is not in the header'))
      )
        throw changed(-1);
      throw err;
    }
    const { imported } = read;
    const after = imported.features.map((f) => f.name);
    if (before.join('\u0000') !== after.join('\u0000')) {
      await rm(join(this.dir, file), { force: true });
      throw changed(after.length);
    }
    const updated = await this.db
      .updateTable('datasets')
      .set({
        version,
        snapshot_file: file,
        source_path: read.where,
        source_sha256: imported.sha256,
        features: json(imported.features),
        label_summary: imported.label ? json(imported.label) : null,
        rows: imported.rows,
        updated_at: new Date(),
      })
      // Two refreshes at once: only the one that saw the current version wins.
      .where('id', '=', ds.id)
      .where('version', '=', ds.version)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) {
      await rm(join(this.dir, file), { force: true });
      throw errors.conflict(`dataset ${ds.name} was refreshed meanwhile; try again`, {
        dataset: ds.id,
      });
    }
    return this.get(ds.id);
  }

  /**
   * The column types a refresh reads with: those the owner declared at registration (`ignore`
   * included), and every other feature pinned to the type it was detected as — so a new version
   * has the same columns in the same types (components and models rely on them), and a value
   * that no longer fits is reported at its line and column instead of silently turning a
   * numeric column categorical.
   */
  private async refreshTypes(ds: DatasetView): Promise<Record<string, DeclaredColumnType>> {
    const row = await this.db
      .selectFrom('datasets')
      .select('column_types')
      .where('id', '=', ds.id)
      .executeTakeFirstOrThrow();
    const declared = (row.column_types ?? {}) as Record<string, DeclaredColumnType>;
    const pinned: Record<string, DeclaredColumnType> = {};
    for (const f of ds.features)
      pinned[f.name] = f.type === 'integer' || f.type === 'float' ? 'numeric' : f.type;
    return { ...pinned, ...declared };
  }

  /**
   * The first rows of the owner's dataset (at most 100), from its snapshot. For the owner's users
   * only: the route needs a local permission and is audited; no partner route returns rows.
   */
  async preview(idOrName: string, rows = 20): Promise<DatasetPreview> {
    const ds = await this.get(idOrName);
    return previewOf(await this.load(ds.id), ds.idColumn, rows);
  }

  /** The owner's whole dataset (current version) as CSV, streamed. */
  async download(idOrName: string): Promise<{ name: string; version: number; csv: Readable }> {
    const ds = await this.get(idOrName);
    return { name: ds.name, version: ds.version, csv: csvOf(await this.load(ds.id), ds.idColumn) };
  }

  /**
   * Refuses a disabled dataset for a new job.
   * @throws FedGridError DATASET_DISABLED
   */
  async assertEnabled(idOrName: string): Promise<DatasetView> {
    const ds = await this.get(idOrName);
    if (!ds.enabled)
      throw new FedGridError(
        'DATASET_DISABLED',
        `dataset ${ds.name} is disabled: it takes no new jobs; its owner can enable it again (fedgrid dataset enable ${ds.name})`,
        { dataset: ds.id },
      );
    return ds;
  }

  /**
   * Records, on the job, the version of each of this node's datasets it uses (the current ones),
   * so that its tasks read those versions even after a refresh.
   */
  async pinVersions(jobId: string, refs: readonly string[]): Promise<void> {
    const versions: Record<string, number> = {};
    for (const ref of refs) {
      const ds = await this.get(ref);
      versions[ds.id] = ds.version;
    }
    await this.db
      .updateTable('jobs')
      .set({ dataset_versions: json(versions) })
      .where('id', '=', jobId)
      .execute();
  }

  /** The version of a dataset a job recorded (undefined: none recorded — the current one). */
  async versionForJob(jobId: string, datasetId: string): Promise<number | undefined> {
    const r = await this.db
      .selectFrom('jobs')
      .select('dataset_versions')
      .where('id', '=', jobId)
      .executeTakeFirst();
    return (r?.dataset_versions as Record<string, number> | null)?.[datasetId];
  }

  /**
   * The rows a job's task reads: the version the job recorded, else the current one, row-major
   * or column-backed (`layout`: what the task's component reads, see FrameLayout).
   */
  async loadForJob(jobId: string, idOrName: string, layout: FrameLayout = 'rows'): Promise<Frame> {
    const ds = await this.get(idOrName);
    return this.load(ds.id, await this.versionForJob(jobId, ds.id), layout);
  }

  /** What a source may use of this node: files under the data directories, the environment. */
  private sourceContext(): SourceContext {
    return { openFile: (p) => openDatasetFile(p, this.policy), env: process.env };
  }

  /** How this node's snapshot pieces are sealed and opened (as its other data files). */
  private get pieces(): PieceSealer {
    return {
      seal: (d) => this.files.sealPiece(d),
      open: (d, p) => this.files.openPiece(d, p),
    };
  }

  /**
   * Reads and validates a whole source, streaming it into a columnar snapshot at `snapshot`
   * (bounded memory; the file is there only when every row was valid).
   * @throws FedGridError VALIDATION_FAILED (bad spec), the source's errors, CSV_INVALID,
   *   STORAGE_FULL / STORAGE_UNAVAILABLE.
   */
  private async read(
    spec: SourceSpec,
    table: TableImportOptions,
    ctx: SourceContext,
    snapshot: string,
  ) {
    const kind = sourceKind(spec.kind);
    if (!kind) throw errors.validation(`unknown source kind '${spec.kind}'`);
    const parsed = kind.schema.safeParse(spec);
    if (!parsed.success)
      throw errors.validation(
        `source: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'spec'}: ${i.message}`).join('; ')}`,
      );
    await this.files.mkdir(this.dir);
    const reader = await kind.open(parsed.data, ctx);
    const imported = await importTableToSnapshot(reader, table, async (names, label) =>
      ColumnarSnapshotWriter.create(
        await this.files.openWriter(snapshot),
        this.pieces,
        names,
        label,
      ),
    );
    return { imported, where: reader.where, spec: parsed.data as Record<string, unknown> };
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
    if (
      inp.name === undefined &&
      inp.description === undefined &&
      inp.visibility === undefined &&
      inp.enabled === undefined &&
      inp.dictionary === undefined
    )
      throw errors.validation(
        'nothing to change: give name, description, visibility, enabled or dictionary',
      );
    if (inp.dictionary !== undefined) {
      const unknown = unknownColumns(inp.dictionary, [
        ds.idColumn,
        ...(ds.labelColumn ? [ds.labelColumn] : []),
        ...ds.features.map((f) => f.name),
      ]);
      if (unknown.length)
        throw errors.validation(
          `dictionary: ${unknown.length} column name(s) the dataset does not have (the first: '${excerpt(unknown[0] as string)}'); use the id, label and feature column names`,
        );
    }
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
          ...(inp.enabled !== undefined ? { enabled: inp.enabled } : {}),
          ...(inp.dictionary !== undefined ? { dictionary: json(inp.dictionary) } : {}),
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
    for (const k of [...this.cache.keys()]) if (k.startsWith(`${ds.id}@`)) this.cache.delete(k);
    // Every version's snapshot.
    const files = await readdir(this.dir).catch(() => [] as string[]);
    for (const f of files)
      if (f === `${ds.id}.fgds` || f.startsWith(`${ds.id}.v`))
        await rm(join(this.dir, f), { force: true });
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

  /**
   * Some feature columns of the dataset's current version (and its ids / labels when asked),
   * each its own array, read batch by batch from a columnar snapshot — not the whole frame, and
   * not cached (see {@link load} for that).
   * @throws FedGridError NOT_FOUND (no such dataset), VALIDATION_FAILED naming a column the
   *   dataset does not have, INTERNAL (the snapshot cannot be read).
   */
  async loadColumns(
    idOrName: string,
    names: readonly string[],
    opts: { ids?: boolean; labels?: boolean } = {},
  ): Promise<SnapshotColumns> {
    const ds = await this.get(idOrName);
    const have = new Set(ds.features.map((f) => f.name));
    const absent = names.filter((n) => !have.has(n));
    if (absent.length)
      throw errors.validation(
        `dataset '${ds.name}' has no feature column(s) ${absent.map((n) => `'${excerpt(n)}'`).join(', ')}`,
        { dataset: ds.id, features: absent },
      );
    return readSnapshotColumns(
      join(this.dir, snapshotName(ds.id, ds.version)),
      names,
      opts,
      (p) => this.files.read(p),
      this.pieces,
    ).catch((err: Error) => {
      throw new FedGridError(
        'INTERNAL',
        `dataset ${ds.name} version ${ds.version}: cannot read its snapshot: ${err.message}`,
      );
    });
  }

  /**
   * The dataset's rows in memory (cached per process and layout): the current version, or
   * `version` (a version a job recorded; its snapshot is kept after refreshes), row-major or
   * column-backed (`layout`). @default layout 'rows'
   */
  async load(id: string, version?: number, layout: FrameLayout = 'rows'): Promise<Frame> {
    const ds = await this.get(id);
    const v = version ?? ds.version;
    const key = `${ds.id}@${v}${layout === 'rows' ? '' : `#${layout}`}`;
    let f = this.cache.get(key);
    if (!f) {
      f = readSnapshot(
        join(this.dir, snapshotName(ds.id, v)),
        (p) => this.files.read(p),
        this.pieces,
        layout,
      ).catch((err: Error) => {
        this.cache.delete(key);
        throw new FedGridError(
          'INTERNAL',
          `dataset ${ds.name} version ${v}: cannot read its snapshot: ${err.message}`,
        );
      });
      this.cache.set(key, f);
    }
    return f;
  }
}

/**
 * The column types of an upload's `type` parameters (`COLUMN=TYPE`, split at the last `=`).
 * @throws FedGridError VALIDATION_FAILED naming the parameter: no `=`, an empty or too long
 *   column name, an unknown type, a column named twice, more than 10000.
 */
export function uploadColumnTypes(
  type: string | string[] | undefined,
): Record<string, DeclaredColumnType> | undefined {
  if (type === undefined) return undefined;
  const list = Array.isArray(type) ? type : [type];
  if (list.length > 10_000) throw errors.validation('type: at most 10000 declared column types');
  const out: Record<string, DeclaredColumnType> = {};
  for (const [i, item] of list.entries()) {
    const eq = item.lastIndexOf('=');
    const col = eq < 0 ? '' : item.slice(0, eq);
    const t = eq < 0 ? '' : item.slice(eq + 1);
    if (eq < 0 || col === '' || col.length > 256)
      throw errors.validation(
        `type[${i}] '${excerpt(item)}': write COLUMN=TYPE (a column name of 1–256 characters), e.g. region=categorical`,
      );
    if (!(DECLARED_COLUMN_TYPES as readonly string[]).includes(t))
      throw errors.validation(
        `type[${i}] '${excerpt(item)}': the type '${excerpt(t)}' is not one of ${DECLARED_COLUMN_TYPES.join(', ')}`,
      );
    if (Object.hasOwn(out, col))
      throw errors.validation(`type[${i}]: column '${excerpt(col)}' is given a type twice`);
    out[col] = t as DeclaredColumnType;
  }
  return out;
}

/** A version's snapshot file: version 1 keeps the name it always had. */
function snapshotName(id: string, version: number): string {
  return version === 1 ? `${id}.fgds` : `${id}.v${version}.fgds`;
}
