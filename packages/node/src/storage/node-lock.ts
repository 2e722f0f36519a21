/**
 * One process per node directory. Two `fedgrid node start --dir X` used to both run on one store:
 * the second's restart recovery failed the first's running jobs and acknowledged writes were
 * lost (issue #11 item 1). The lock is a file `node.lock` in the node directory holding the
 * owner's PID, host, process start time and a random token. It is created complete and
 * atomically (written to a temp file, then hard-linked to its name, which fails if it exists),
 * so a reader never sees half a lock.
 *
 * A lock left by a process that died (crash, SIGKILL, power loss) is stale and taken over
 * without manual cleanup: its PID is gone, or the PID now belongs to a process that started at
 * another time (PID reuse; Linux /proc). A lock from another host (a shared file system) cannot
 * be judged and is never taken over. Node has no flock(2) in core; this needs no native module.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, open, readFile, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { FedGridError } from '../errors/errors.js';
import { PRIVATE_FILE_MODE } from './files.js';

export const LOCK_FILE = 'node.lock';

/** What a lock file holds. */
export interface LockHolder {
  pid: number;
  hostname: string;
  /** The process's start time in clock ticks since boot (/proc/PID/stat field 22), if known. */
  startTicks: string | null;
  startedAt: string;
  token: string;
}

export interface NodeLock {
  path: string;
  holder: LockHolder;
  /** Removes the lock file if it is still this lock's. */
  release(): Promise<void>;
}

/** Start time of process `pid` in clock ticks since boot (Linux), or null where unknown. */
export function processStartTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[22 - 3] ?? null;
  } catch {
    return null;
  }
}

/** Whether the process that wrote `holder` may still run: 'alive', 'dead' or 'unknown'. */
export function holderState(holder: LockHolder): 'alive' | 'dead' | 'unknown' {
  if (holder.hostname !== hostname()) return 'unknown';
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return 'dead';
  }
  const ticks = processStartTicks(holder.pid);
  if (holder.startTicks && ticks && ticks !== holder.startTicks) return 'dead'; // PID reused
  return 'alive';
}

async function readHolder(path: string): Promise<LockHolder | 'missing' | 'corrupt'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
  try {
    const h = JSON.parse(text) as LockHolder;
    return typeof h.pid === 'number' && typeof h.token === 'string' ? h : 'corrupt';
  } catch {
    return 'corrupt';
  }
}

function inUse(dir: string, holder: LockHolder, state: 'alive' | 'unknown'): FedGridError {
  return new FedGridError(
    'NODE_LOCKED',
    state === 'alive'
      ? `node directory ${dir} is in use by process ${holder.pid} (started ${holder.startedAt}); stop that node first — two processes on one store lose data`
      : `node directory ${dir} is locked by process ${holder.pid} on host ${holder.hostname} (started ${holder.startedAt}); stop that node, or if it is surely not running remove ${join(dir, LOCK_FILE)}`,
    { pid: holder.pid, hostname: holder.hostname, lockFile: join(dir, LOCK_FILE) },
  );
}

/** Creates `path` holding `holder`, complete, or fails with EEXIST. */
async function createLockFile(path: string, holder: LockHolder): Promise<void> {
  const tmp = `${path}.${process.pid}.${holder.token}.tmp`;
  const fh = await open(tmp, 'wx', PRIVATE_FILE_MODE);
  try {
    await fh.writeFile(JSON.stringify(holder) + '\n');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await link(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * Takes the node directory's lock, taking over a stale one.
 * @param onStale called when a dead process's lock is taken over (for the log)
 * @throws FedGridError NODE_LOCKED naming the PID that holds it.
 */
export async function lockNodeDir(
  dir: string,
  onStale?: (previous: LockHolder | 'corrupt') => void,
): Promise<NodeLock> {
  const path = join(dir, LOCK_FILE);
  const holder: LockHolder = {
    pid: process.pid,
    hostname: hostname(),
    startTicks: processStartTicks(process.pid),
    startedAt: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await createLockFile(path, holder);
      return {
        path,
        holder,
        release: async () => {
          const now = await readHolder(path);
          if (typeof now === 'object' && now.token === holder.token)
            await rm(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const current = await readHolder(path);
    if (current === 'missing') continue;
    if (current !== 'corrupt') {
      const state = holderState(current);
      if (state !== 'dead') throw inUse(dir, current, state);
    }
    // Stale. Move it aside (only one contender's rename succeeds), and check that what was moved
    // is the stale lock judged above and not a fresh one made meanwhile.
    const aside = `${path}.stale-${holder.token}`;
    try {
      await rename(path, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const moved = await readHolder(aside);
    if (typeof moved === 'object' && holderState(moved) !== 'dead') {
      await link(aside, path).catch(() => {});
      await rm(aside, { force: true });
      throw inUse(dir, moved, holderState(moved) === 'alive' ? 'alive' : 'unknown');
    }
    await rm(aside, { force: true });
    onStale?.(current);
  }
  throw new FedGridError('NODE_LOCKED', `cannot take the lock ${path}: it keeps changing`, {
    lockFile: path,
  });
}
