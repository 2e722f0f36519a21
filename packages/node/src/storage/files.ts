/**
 * How a node writes files (dataset snapshots, task outputs, models, configuration, identity):
 * private modes whatever the umask, and complete, durable, atomic writes — a temp file written in
 * full (a short write is continued, never ignored), fsynced, renamed over the target, and the
 * directory fsynced; on any error the temp file is removed and the target is untouched. A record
 * pointing at a file is committed only after this resolves. Issue #11 items 2 and 5.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import {
  access,
  chmod,
  mkdir,
  open,
  readFile,
  rename,
  rm,
  statfs,
  type FileHandle,
} from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Logger } from 'pino';
import { FedGridError } from '../errors/errors.js';

/** How a sealed file or piece starts (storage/sealed-files.ts). */
const SEALED_MAGIC = Buffer.from('FGSEAL1\0');

/** Mode of every directory a node creates: owner only. */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode of every file a node creates: owner read/write only. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * The system calls a write goes through. Tests replace them to simulate a full disk (a short
 * write, then ENOSPC) or a failing fsync without root or a special file system.
 */
export interface FileOps {
  /** Writes `data[offset..]` at the file's position; resolves with the bytes written (≥ 0). */
  write(fh: FileHandle, data: Uint8Array, offset: number): Promise<number>;
  /** fsync(2) of the file. */
  sync(fh: FileHandle): Promise<void>;
}

export const DEFAULT_FILE_OPS: FileOps = {
  write: async (fh, data, offset) =>
    (await fh.write(data, offset, data.length - offset)).bytesWritten,
  sync: (fh) => fh.sync(),
};

/**
 * Creates `dir` (and missing parents) with mode 0700, chmod-ed after creation so that the umask
 * cannot widen it. Directories that already existed keep their mode.
 */
export async function mkdirPrivate(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (first === undefined) return;
  // Every component from the first one created down to `dir`.
  const rel = relative(first, dir);
  let path = first;
  await chmod(path, PRIVATE_DIR_MODE);
  for (const part of rel ? rel.split(sep) : []) {
    path = join(path, part);
    await chmod(path, PRIVATE_DIR_MODE);
  }
}

/** fsync of a directory, so that a rename in it survives a crash (Linux; a no-op elsewhere). */
export async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (err) {
    // Platforms that cannot open or fsync a directory (Windows, some file systems).
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EACCES') throw err;
  } finally {
    await fh?.close().catch(() => {});
  }
}

/**
 * Writes `data` (one buffer or several, concatenated) to `path` atomically and durably, with
 * mode `mode` (default 0600) whatever the umask.
 * @throws the underlying error (ENOSPC, EIO, ...) after removing the temp file; `path` is then
 *   as it was before.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array | readonly Uint8Array[],
  opts: { mode?: number; ops?: FileOps } = {},
): Promise<void> {
  const mode = opts.mode ?? PRIVATE_FILE_MODE;
  const ops = opts.ops ?? DEFAULT_FILE_OPS;
  const parts =
    typeof data === 'string'
      ? [Buffer.from(data, 'utf8')]
      : data instanceof Uint8Array
        ? [data]
        : data;
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  let fh: FileHandle | undefined;
  try {
    fh = await open(tmp, 'wx', mode);
    await fh.chmod(mode);
    for (const part of parts) {
      let offset = 0;
      while (offset < part.length) {
        const n = await ops.write(fh, part, offset);
        // write(2) returning 0 for a non-empty buffer: nothing more will fit.
        if (n <= 0)
          throw Object.assign(new Error(`no space left writing ${path}`), { code: 'ENOSPC' });
        offset += n;
      }
    }
    await ops.sync(fh);
    await fh.close();
    fh = undefined;
    await rename(tmp, path);
  } catch (err) {
    await fh?.close().catch(() => {});
    await rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
  await syncDir(dirname(path));
}

/**
 * A file written piece by piece and then put in place atomically: the pieces go to a temp file
 * (short writes continued), {@link commit} fsyncs it, renames it over the target and fsyncs the
 * directory; {@link abort} (or any failed write) removes the temp file and leaves the target as
 * it was. For files too large to hold in memory (streamed dataset snapshots).
 */
export interface AtomicFileWriter {
  /** Where the pieces go until {@link commit} (to read back what was written). */
  readonly tmpPath: string;
  /** Bytes written so far. */
  readonly bytes: number;
  /** Appends `data`. @throws the write error (the temp file is then removed). */
  write(data: Uint8Array): Promise<void>;
  /** Makes the file complete and durable at its path. */
  commit(): Promise<void>;
  /** Removes the temp file; safe after commit (then a no-op) and twice. */
  abort(): Promise<void>;
}

/**
 * Opens an {@link AtomicFileWriter} for `path` (mode 0600 unless given).
 * @throws the open error.
 */
export async function openAtomicWriter(
  path: string,
  opts: { mode?: number; ops?: FileOps } = {},
): Promise<AtomicFileWriter> {
  const mode = opts.mode ?? PRIVATE_FILE_MODE;
  const ops = opts.ops ?? DEFAULT_FILE_OPS;
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  let fh: FileHandle | undefined = await open(tmp, 'wx', mode);
  let done = false;
  let bytes = 0;
  const abort = async () => {
    if (done) return;
    done = true;
    await fh?.close().catch(() => {});
    fh = undefined;
    await rm(tmp, { force: true }).catch(() => {});
  };
  try {
    await fh.chmod(mode);
  } catch (err) {
    await abort();
    throw err;
  }
  return {
    tmpPath: tmp,
    get bytes() {
      return bytes;
    },
    async write(part) {
      if (done || !fh) throw new Error(`${path}: write after commit or abort`);
      try {
        let offset = 0;
        while (offset < part.length) {
          const n = await ops.write(fh, part, offset);
          if (n <= 0)
            throw Object.assign(new Error(`no space left writing ${path}`), { code: 'ENOSPC' });
          offset += n;
        }
        bytes += part.length;
      } catch (err) {
        await abort();
        throw err;
      }
    },
    async commit() {
      if (done || !fh) throw new Error(`${path}: commit after commit or abort`);
      try {
        await ops.sync(fh);
        await fh.close();
        fh = undefined;
        await rename(tmp, path);
        done = true;
      } catch (err) {
        await abort();
        throw err;
      }
      await syncDir(dirname(path));
    },
    abort,
  };
}

/**
 * What `/v1/health` reports about the node's files and store. The route is public: no paths or
 * error messages here (they go to the log).
 */
export interface StorageHealth {
  ok: boolean;
  /** Problems found, in words (empty when ok). */
  problems: string[];
  /** The data directory exists and this process may write in it. */
  writable: boolean;
  /** Bytes available to this process on the data directory's file system (null: unknown). */
  freeBytes: number | null;
  /** Below this many free bytes the node reports itself degraded. */
  minFreeBytes: number;
  /** The latest failed write (its time and errno code), until a later write succeeds. */
  lastWriteError: { at: string; code: string } | null;
}

/** Extra checks of the store (e.g. that it is still the node's own). Returns problems, in words. */
export type StorageCheck = () => Promise<string[]>;

/** Seals and opens the node's data files (model parameters, outputs, dataset snapshots). */
export interface DataSealer {
  seal(data: Uint8Array): Uint8Array;
  /** Opens `data` read from `path` when sealed, returns it unchanged otherwise. */
  open(data: Buffer, path: string): Buffer;
}

/**
 * The node's file writer: {@link writeFileAtomic} under the node's data directory, turning
 * failures into FedGrid errors, logging them and remembering the latest for the health check.
 */
export class NodeFiles {
  private lastError: StorageHealth['lastWriteError'] = null;
  private readonly checks: StorageCheck[] = [];
  private readonly ops: FileOps;

  constructor(
    private readonly opts: {
      dataDir: string;
      log?: Logger;
      /** @default 64 MiB */
      minFreeBytes?: number;
      /** System calls to use (tests inject faults). @default the real ones */
      ops?: Partial<FileOps>;
      /**
       * Seals every file written and opens sealed files read (crypto.sealedSecrets:
       * storage/sealed-files.ts). @default none — files are written as given
       */
      sealer?: DataSealer;
    },
  ) {
    this.ops = { ...DEFAULT_FILE_OPS, ...opts.ops };
  }

  get dataDir(): string {
    return this.opts.dataDir;
  }

  private running: Promise<string[][]> | undefined;

  /** Adds a check run by {@link health} and before every write (see {@link assertUsable}). */
  addCheck(check: StorageCheck): void {
    this.checks.push(check);
  }

  /** @throws FedGridError STORAGE_UNAVAILABLE when a store check fails (data directory gone...). */
  async assertUsable(): Promise<void> {
    // Requests that arrive while a check runs share its answer (the checks are stat calls and,
    // on PostgreSQL, a query: per request they were a visible part of an online prediction's
    // cost under load). The shared check started at most one check's duration before.
    this.running ??= Promise.all(this.checks.map((c) => c())).finally(() => {
      this.running = undefined;
    });
    const problems = (await this.running).flat();
    if (problems.length)
      throw new FedGridError(
        'STORAGE_UNAVAILABLE',
        `the node's storage is not usable: ${problems.join('; ')}; nothing was written. Restart the node once the cause is fixed.`,
        { problems },
      );
  }

  /** Creates a private directory under the data directory (after the store checks pass). */
  async mkdir(dir: string): Promise<void> {
    await this.assertUsable();
    try {
      await mkdirPrivate(dir);
    } catch (err) {
      throw this.failed(dir, err);
    }
  }

  /**
   * Writes a file completely and durably (see {@link writeFileAtomic}).
   * @throws FedGridError STORAGE_FULL (no space or quota left), STORAGE_UNAVAILABLE (any other
   *   write failure, or a failed store check); nothing is left behind.
   */
  async write(path: string, data: string | Uint8Array | readonly Uint8Array[]): Promise<void> {
    await this.assertUsable();
    const sealer = this.opts.sealer;
    const body = sealer
      ? sealer.seal(
          typeof data === 'string'
            ? Buffer.from(data, 'utf8')
            : data instanceof Uint8Array
              ? data
              : Buffer.concat(data as Uint8Array[]),
        )
      : data;
    try {
      await writeFileAtomic(path, body, { ops: this.ops });
    } catch (err) {
      throw this.failed(path, err);
    }
    this.lastError = null;
  }

  /**
   * Opens a file written piece by piece (see {@link openAtomicWriter}); its failures become
   * STORAGE_FULL / STORAGE_UNAVAILABLE like {@link write}'s. Pieces are written as given: seal
   * them with {@link sealPiece} when they hold data.
   */
  async openWriter(path: string): Promise<AtomicFileWriter> {
    await this.assertUsable();
    let w: AtomicFileWriter;
    try {
      w = await openAtomicWriter(path, { ops: this.ops });
    } catch (err) {
      throw this.failed(path, err);
    }
    return {
      tmpPath: w.tmpPath,
      get bytes() {
        return w.bytes;
      },
      write: (data) =>
        w.write(data).catch((err: unknown) => {
          throw this.failed(path, err);
        }),
      commit: async () => {
        try {
          await w.commit();
        } catch (err) {
          throw this.failed(path, err);
        }
        this.lastError = null;
      },
      abort: () => w.abort(),
    };
  }

  /** Whether data files are sealed at rest on this node. */
  get sealed(): boolean {
    return this.opts.sealer !== undefined;
  }

  /** One piece of a file sealed on its own (unchanged when the node does not seal). */
  sealPiece(data: Uint8Array): Uint8Array {
    return this.opts.sealer ? this.opts.sealer.seal(data) : data;
  }

  /**
   * Opens a piece sealed by {@link sealPiece} (unchanged when not sealed).
   * @throws FedGridError UNAUTHORIZED when it does not open.
   */
  openPiece(data: Buffer, path: string): Buffer {
    if (!this.opts.sealer) return data;
    // A node that seals takes no unsealed piece (one could be spliced into a sealed file).
    if (!data.subarray(0, SEALED_MAGIC.length).equals(SEALED_MAGIC))
      throw new FedGridError('UNAUTHORIZED', `${path}: a part of this sealed file is not sealed`);
    return this.opts.sealer.open(data, path);
  }

  /**
   * Reads a file the node wrote with {@link write}, opening it when sealed.
   * @throws the read error; FedGridError UNAUTHORIZED when a sealed file cannot be opened.
   */
  async read(path: string): Promise<Buffer> {
    const data = await readFile(path);
    return this.opts.sealer ? this.opts.sealer.open(data, path) : data;
  }

  private failed(path: string, err: unknown): FedGridError {
    const e = err as NodeJS.ErrnoException;
    const code = e.code ?? 'EIO';
    this.lastError = { at: new Date().toISOString(), code };
    this.opts.log?.error({ err, path, code }, 'storage write failed');
    const full = code === 'ENOSPC' || code === 'EDQUOT';
    return new FedGridError(
      full ? 'STORAGE_FULL' : 'STORAGE_UNAVAILABLE',
      full
        ? `no space left on the node's disk writing ${path}; nothing was recorded. Free space in ${this.opts.dataDir} and retry.`
        : `cannot write ${path} (${code}: ${e.message}); nothing was recorded.`,
      { path, errno: code },
    );
  }

  /** The state of the data directory, its free space, the latest write and the store checks. */
  async health(): Promise<StorageHealth> {
    const dataDir = this.opts.dataDir;
    const minFreeBytes = this.opts.minFreeBytes ?? 64 * 2 ** 20;
    const problems: string[] = [];
    const writable = await access(dataDir, constants.W_OK).then(
      () => true,
      () => false,
    );
    if (!writable) problems.push('the data directory is missing or not writable');
    let freeBytes: number | null = null;
    if (writable) {
      try {
        const s = await statfs(dataDir);
        freeBytes = s.bavail * s.bsize;
        if (freeBytes < minFreeBytes)
          problems.push(`only ${freeBytes} bytes free in the data directory`);
      } catch {
        // unknown on this platform
      }
    }
    if (this.lastError) problems.push(`the latest write failed (${this.lastError.code})`);
    for (const check of this.checks) problems.push(...(await check()));
    return {
      ok: problems.length === 0,
      problems,
      writable,
      freeBytes,
      minFreeBytes,
      lastWriteError: this.lastError,
    };
  }
}
