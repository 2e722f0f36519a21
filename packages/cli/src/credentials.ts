/**
 * Where `fedgrid login` keeps session tokens: one JSON file, mode 0600 in a 0700 folder —
 * `$FEDGRID_CONFIG_DIR/credentials.json`, else `$XDG_CONFIG_HOME/fedgrid/…`, else
 * `~/.config/fedgrid/…` — keyed by the node's certificate fingerprint, so a token is only ever
 * sent to the node that issued it.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface SavedSession {
  token: string;
  user: string;
  apiUrl: string;
  savedAt: string;
}

/** The credentials file's path. */
export function credentialsFile(): string {
  const dir =
    process.env['FEDGRID_CONFIG_DIR'] ||
    join(process.env['XDG_CONFIG_HOME'] || join(homedir(), '.config'), 'fedgrid');
  return join(dir, 'credentials.json');
}

async function load(): Promise<Record<string, SavedSession>> {
  try {
    return JSON.parse(await readFile(credentialsFile(), 'utf8')) as Record<string, SavedSession>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(
      `cannot read ${credentialsFile()} (${(err as Error).message}); remove it and sign in again`,
    );
  }
}

async function store(all: Record<string, SavedSession>): Promise<void> {
  const file = credentialsFile();
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(all, null, 2) + '\n', { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
}

/** The session saved for the node with certificate `fingerprint`, if any. */
export async function savedSession(fingerprint: string): Promise<SavedSession | undefined> {
  return (await load())[fingerprint];
}

export async function saveSession(fingerprint: string, s: SavedSession): Promise<void> {
  const all = await load();
  all[fingerprint] = s;
  await store(all);
}

/** Forgets the session of a node; whether there was one. */
export async function forgetSession(fingerprint: string): Promise<boolean> {
  const all = await load();
  if (!all[fingerprint]) return false;
  delete all[fingerprint];
  await store(all);
  return true;
}
