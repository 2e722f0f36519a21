/**
 * The backup archive: gzip-compressed JSON lines, written and read as a stream.
 *
 *   {"kind":"header", format, version, nodeId, createdAt, store, migrations[], ...}
 *   {"kind":"table", name, rows}            followed by `rows` lines, each one row as PostgreSQL's
 *                                           own `to_jsonb(row)::text` (never re-encoded in
 *                                           JavaScript: no precision lost in numbers, bytea as hex)
 *   {"kind":"file", path, mode, size, sha256, chunks}  followed by `chunks` lines of base64
 *   {"kind":"end", sha256, tables, files}   SHA-256 (hex) of every uncompressed byte before it
 *
 * A reader verifies the trailer's digest over the whole stream before anything is restored
 * (`verifyArchive`), and each file's own digest as it is read.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip, createGzip, type Gzip } from 'node:zlib';
import { FedGridError } from '../errors/errors.js';

export const BACKUP_FORMAT = 'fedgrid-backup';
export const BACKUP_VERSION = 1;
/** Raw bytes of a file per base64 line (3 MiB: a 4 MiB line). */
export const FILE_CHUNK_BYTES = 3 * 2 ** 20;

export interface BackupHeader {
  kind: 'header';
  format: typeof BACKUP_FORMAT;
  version: number;
  nodeId: string;
  createdAt: string;
  fedgridVersion: string;
  /** The store the backup was taken from. */
  store: { kind: 'pglite' | 'postgres'; schema: string; id: string | null };
  /** Migrations applied to the store, in order (the schema version of the rows). */
  migrations: string[];
}

export interface TableRecord {
  kind: 'table';
  name: string;
  rows: number;
}

export interface FileRecord {
  kind: 'file';
  /** Relative to the node directory, '/'-separated. */
  path: string;
  mode: number;
  size: number;
  sha256: string;
  chunks: number;
}

export interface EndRecord {
  kind: 'end';
  sha256: string;
  tables: number;
  files: number;
}

/** Writes an archive line by line, hashing everything it writes. */
export class ArchiveWriter {
  private readonly gzip: Gzip;
  private readonly out: WriteStream;
  private readonly hash: Hash = createHash('sha256');
  private readonly done: Promise<void>;

  constructor(path: string) {
    this.gzip = createGzip({ level: 6 });
    this.out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    this.gzip.pipe(this.out);
    this.done = new Promise((resolve, reject) => {
      this.out.on('close', resolve);
      this.out.on('error', reject);
      this.gzip.on('error', reject);
    });
  }

  /** Writes one line (no newline inside), waiting for the stream to drain when it is full. */
  async line(text: string): Promise<void> {
    const buf = Buffer.from(text + '\n');
    this.hash.update(buf);
    if (!this.gzip.write(buf)) await new Promise((r) => this.gzip.once('drain', r));
  }

  async record(r: object): Promise<void> {
    await this.line(JSON.stringify(r));
  }

  /** Writes the trailer and closes the file; resolves once it is flushed. */
  async end(counts: { tables: number; files: number }): Promise<EndRecord> {
    const end: EndRecord = { kind: 'end', sha256: this.hash.digest('hex'), ...counts };
    this.gzip.end(Buffer.from(JSON.stringify(end) + '\n'));
    await this.done;
    return end;
  }

  /** Abandons the archive (the caller removes the file). */
  async abort(): Promise<void> {
    this.gzip.destroy();
    this.out.destroy();
    await this.done.catch(() => {});
  }
}

function corrupt(file: string, what: string): FedGridError {
  return new FedGridError(
    'BACKUP_CORRUPT',
    `${file} is not an intact FedGrid backup: ${what}. Nothing was restored; use another copy of the backup.`,
    { file },
  );
}

/** Lines of an archive, with the running digest of the lines before the current one. */
export async function* archiveLines(
  file: string,
): AsyncGenerator<{ text: string; digestBefore: () => string }> {
  const hash = createHash('sha256');
  const gunzip = createGunzip();
  const input = createReadStream(file).on('error', (err) => gunzip.destroy(err));
  const lines = createInterface({ input: input.pipe(gunzip), crlfDelay: Infinity });
  try {
    for await (const text of lines) {
      yield { text, digestBefore: () => hash.copy().digest('hex') };
      hash.update(text + '\n');
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new FedGridError('NOT_FOUND', `backup file ${file} does not exist`, { file });
    throw corrupt(file, `it cannot be decompressed (${(err as Error).message})`);
  }
}

function parseRecord(file: string, text: string): Record<string, unknown> {
  try {
    const r = JSON.parse(text) as unknown;
    if (r && typeof r === 'object' && typeof (r as { kind?: unknown }).kind === 'string')
      return r as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw corrupt(file, 'a record is not valid');
}

/** What an archive holds, once verified. */
export interface ArchiveSummary {
  header: BackupHeader;
  tables: TableRecord[];
  files: FileRecord[];
  end: EndRecord;
}

/**
 * Reads the whole archive and checks its structure, the trailer's digest and every file's digest.
 * @throws FedGridError BACKUP_CORRUPT (truncated, altered, not a backup), NOT_FOUND.
 */
export async function verifyArchive(file: string): Promise<ArchiveSummary> {
  let header: BackupHeader | undefined;
  const tables: TableRecord[] = [];
  const files: FileRecord[] = [];
  let pending: { left: number; file?: FileRecord; hash?: Hash; size: number } | undefined;
  let end: EndRecord | undefined;
  for await (const { text, digestBefore } of archiveLines(file)) {
    if (end) throw corrupt(file, 'data follows its end record');
    if (pending && pending.left > 0) {
      pending.left--;
      if (pending.hash) {
        const chunk = Buffer.from(text, 'base64');
        pending.hash.update(chunk);
        pending.size += chunk.length;
      } else if (!text.startsWith('{')) throw corrupt(file, 'a table row is not a JSON object');
      if (pending.left === 0 && pending.file) {
        if (
          pending.size !== pending.file.size ||
          pending.hash!.digest('hex') !== pending.file.sha256
        )
          throw corrupt(file, `the content of ${pending.file.path} does not match its checksum`);
      }
      continue;
    }
    const r = parseRecord(file, text);
    if (!header) {
      if (r['kind'] !== 'header' || r['format'] !== BACKUP_FORMAT)
        throw corrupt(file, 'it does not start with a FedGrid backup header');
      if (r['version'] !== BACKUP_VERSION)
        throw new FedGridError(
          'BACKUP_UNSUPPORTED',
          `${file} is backup format version ${String(r['version'])}; this FedGrid reads version ${BACKUP_VERSION}`,
          { file },
        );
      header = r as unknown as BackupHeader;
      continue;
    }
    if (r['kind'] === 'table') {
      const t = r as unknown as TableRecord;
      if (typeof t.name !== 'string' || !Number.isInteger(t.rows) || t.rows < 0)
        throw corrupt(file, 'a table record is malformed');
      tables.push(t);
      pending = { left: t.rows, size: 0 };
    } else if (r['kind'] === 'file') {
      const f = r as unknown as FileRecord;
      if (
        typeof f.path !== 'string' ||
        !Number.isInteger(f.chunks) ||
        !Number.isInteger(f.size) ||
        typeof f.sha256 !== 'string'
      )
        throw corrupt(file, 'a file record is malformed');
      files.push(f);
      pending = { left: f.chunks, file: f, hash: createHash('sha256'), size: 0 };
      if (f.chunks === 0 && (f.size !== 0 || pending.hash!.digest('hex') !== f.sha256))
        throw corrupt(file, `the content of ${f.path} does not match its checksum`);
    } else if (r['kind'] === 'end') {
      const e = r as unknown as EndRecord;
      if (e.sha256 !== digestBefore())
        throw corrupt(file, 'its checksum does not match its content (altered or damaged)');
      if (e.tables !== tables.length || e.files !== files.length)
        throw corrupt(file, 'its end record counts other tables or files than it holds');
      end = e;
    } else throw corrupt(file, `unknown record kind '${String(r['kind'])}'`);
  }
  if (!header) throw corrupt(file, 'it is empty');
  if (pending && pending.left > 0) throw corrupt(file, 'it is truncated');
  if (!end) throw corrupt(file, 'it is truncated (no end record)');
  return { header, tables, files, end };
}
