/**
 * Which files registration may read: only regular files inside the node's configured data
 * directories (`datasets.allowedDirs` in fedgrid.yaml), symlinks resolved — so that the register
 * route cannot be used to read `/etc/shadow`, `/proc/self/environ`, another node's admin token or
 * this node's own secrets. Issue #11 item 4.
 *
 * The check runs on the real path (symlinks and `..` resolved), then the file is opened without
 * following a final symlink and, where `/proc` exists, the opened descriptor's path is checked
 * again: a symlink swapped in between the check and the open cannot redirect the read.
 */
import { constants } from 'node:fs';
import { open, readlink, realpath, type FileHandle } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { FedGridError } from '../errors/errors.js';

export interface DatasetFilePolicy {
  /** Absolute directories registration may read from (each with everything below it). */
  allowedDirs: string[];
  /**
   * Files and directories never readable, even inside an allowed directory: the node's store and
   * snapshots, identity key, certificate, admin token and configuration.
   */
  protectedPaths?: string[];
}

/** True if `path` is `dir` or lies below it (both absolute and normalised). */
function within(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

async function realOrNull(p: string): Promise<string | null> {
  try {
    return await realpath(p);
  } catch {
    return null;
  }
}

function outside(path: string, policy: DatasetFilePolicy): FedGridError {
  const dirs = policy.allowedDirs;
  return new FedGridError(
    'DATASET_PATH_NOT_ALLOWED',
    `${path} is not inside one of this node's data directories (${dirs.length ? dirs.join(', ') : 'none configured'}); ` +
      'copy the file into one of them, or add its directory to datasets.allowedDirs in fedgrid.yaml ' +
      '(`fedgrid node init --data-dir DIR`) and restart the node',
    { file: path, allowedDirs: dirs },
  );
}

/**
 * Opens a dataset file for reading if the policy allows it.
 * @returns the open handle (the caller closes it) and the file's real path.
 * @throws FedGridError DATASET_PATH_NOT_ALLOWED (outside every allowed directory once symlinks
 *   are resolved, or a protected node file), DATASET_FILE_UNREADABLE (missing, not a regular
 *   file, no permission).
 */
export async function openDatasetFile(
  path: string,
  policy: DatasetFilePolicy,
): Promise<{ handle: FileHandle; realPath: string }> {
  const abs = resolve(path);
  const allowed = (await Promise.all(policy.allowedDirs.map((d) => realOrNull(resolve(d))))).filter(
    (d): d is string => d !== null,
  );
  const real = await realOrNull(abs);
  if (real === null) {
    // Say "unreadable" only for paths inside an allowed directory: elsewhere the answer must not
    // tell whether a file exists.
    if (
      !policy.allowedDirs.some((d) => within(abs, resolve(d))) &&
      !allowed.some((d) => within(abs, d))
    )
      throw outside(abs, policy);
    throw new FedGridError(
      'DATASET_FILE_UNREADABLE',
      `cannot read dataset file ${abs}: no such file`,
      {
        file: abs,
      },
    );
  }
  const protectedReal = await Promise.all(
    (policy.protectedPaths ?? []).map(async (p) => (await realOrNull(resolve(p))) ?? resolve(p)),
  );
  const permitted = (p: string) =>
    allowed.some((d) => within(p, d)) && !protectedReal.some((q) => within(p, q));
  if (!permitted(real)) throw outside(abs, policy);
  let handle: FileHandle;
  try {
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    throw new FedGridError(
      'DATASET_FILE_UNREADABLE',
      `cannot read dataset file ${abs}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      { file: abs },
    );
  }
  try {
    const st = await handle.stat();
    if (!st.isFile())
      throw new FedGridError(
        'DATASET_FILE_UNREADABLE',
        `cannot read dataset file ${abs}: not a regular file`,
        { file: abs },
      );
    // What was opened, whatever happened to the path since the check (Linux).
    const opened = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => null);
    if (opened !== null && !permitted(opened)) throw outside(abs, policy);
    return { handle, realPath: opened ?? real };
  } catch (err) {
    await handle.close();
    throw err;
  }
}
