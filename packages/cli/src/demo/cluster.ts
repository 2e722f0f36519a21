/**
 * Starts FedGrid nodes as separate operating-system processes (`fedgrid node start`), each with a
 * fresh identity and embedded store in its own directory, and hands back API clients for them.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import type { NodeInfo } from '@fedgrid/node';
import { missingV8Flags } from '@fedgrid/node/client';
import { ApiClient, RUNTIME_FILE, targetFromNodeDir, type RuntimeFile } from '../api-client.js';

export interface ClusterNode {
  name: string;
  dir: string;
  api: ApiClient;
  info: NodeInfo;
  process: ChildProcess;
  /** Sends SIGTERM and waits for the process to exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
  /** Kills the process at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
}

const BIN = fileURLToPath(new URL('../bin.js', import.meta.url));
const run = promisify(execFile);

async function waitReady(dir: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  for (;;) {
    if (exited !== null) {
      const log = await readFile(join(dir, 'node.log'), 'utf8').catch(() => '');
      throw new Error(
        `node in ${dir} exited with code ${exited} before it was ready:\n${log.split('\n').slice(-10).join('\n')}`,
      );
    }
    try {
      const rt = JSON.parse(await readFile(join(dir, RUNTIME_FILE), 'utf8')) as RuntimeFile;
      if (rt.pid === child.pid) return;
    } catch {
      // not written yet
    }
    if (Date.now() > deadline)
      throw new Error(
        `node in ${dir} did not start within ${timeoutMs / 1000} s (see ${join(dir, 'node.log')})`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface LaunchOptions {
  databaseUrl?: string;
  /** PostgreSQL schema of the node's tables (with `databaseUrl`). */
  databaseSchema?: string;
  env?: NodeJS.ProcessEnv;
  /** Fixed ports (default: any free port). */
  apiPort?: number;
  dataPort?: number;
  /**
   * Directories the node may register datasets from (`fedgrid node init --data-dir`), besides
   * its own `imports/` folder. A new node only.
   */
  dataDirs?: string[];
  /** Reuse an existing node directory instead of creating one (a restart). */
  existing?: boolean;
  /** The node's crypto suite (`fedgrid node init --suite`). @default 'international' */
  suite?: 'international' | 'gm';
  /**
   * Sections of fedgrid.yaml merged over what `node init` wrote, key by key (a new node only),
   * e.g. `{ directory: { enabled: true } }`.
   */
  config?: Record<string, Record<string, unknown>>;
  /**
   * A command that runs `fedgrid node start` (which it must exec in place, keeping the process
   * id), e.g. `['ip', 'netns', 'exec', 'inside']` to start the node in a network namespace.
   */
  startPrefix?: string[];
}

/** Creates the node directory `root/name` (unless `existing`) and starts the node process. */
export async function launchNode(
  root: string,
  name: string,
  opts: LaunchOptions = {},
): Promise<ClusterNode> {
  const dir = join(root, name);
  if (!opts.existing) {
    // `fedgrid node init` as its own process, exactly as a user would run it.
    const args = [
      'node',
      'init',
      '--dir',
      dir,
      '--id',
      name,
      '--api-port',
      String(opts.apiPort ?? 0),
      '--data-port',
      String(opts.dataPort ?? 0),
      '--json',
    ];
    for (const d of opts.dataDirs ?? []) args.push('--data-dir', d);
    if (opts.databaseUrl) args.push('--database-url', opts.databaseUrl);
    if (opts.databaseSchema) args.push('--database-schema', opts.databaseSchema);
    if (opts.suite) args.push('--suite', opts.suite);
    try {
      await run(process.execPath, [BIN, ...args], { env: { ...process.env, ...opts.env } });
    } catch (err) {
      throw new Error(
        `fedgrid node init for ${name} failed: ${(err as { stderr?: string }).stderr ?? (err as Error).message}`,
      );
    }
    if (opts.config) {
      const file = join(dir, 'fedgrid.yaml');
      const config = parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      for (const [section, values] of Object.entries(opts.config))
        config[section] = { ...(config[section] as object | undefined), ...values };
      await writeFile(file, stringify(config), 'utf8');
    }
  }
  const startArgs = [BIN, 'node', 'start', '--dir', dir, '--log-file', join(dir, 'node.log')];
  const [command, ...prefixArgs] = [...(opts.startPrefix ?? []), process.execPath];
  const env = { ...process.env, ...opts.env };
  // The node's V8 flags (server/process-flags.ts in @fedgrid/node) must be given when the process
  // starts; a value the caller sets in NODE_OPTIONS is kept.
  const v8Flags = missingV8Flags([], env['NODE_OPTIONS'] ?? '');
  const child = spawn(command as string, [...prefixArgs, ...v8Flags, ...startArgs], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env,
  });
  // A node must not outlive the process that launched it (a demo stopped with Ctrl-C or
  // SIGTERM, a test that timed out): kill it when this process exits.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  try {
    // A node that exits is reported at once; 180 s only bounds a start that hangs (a loaded
    // 2-core machine running several nodes has taken over 60 s to start one).
    await waitReady(dir, child, 180_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}${stderr ? `\n${stderr}` : ''}`);
  }
  const api = new ApiClient(await targetFromNodeDir(dir));
  const info = await api.get<NodeInfo>('/v1/node');
  const exitedPromise = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    name,
    dir,
    api,
    info,
    process: child,
    stop: async (graceMs = 10_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exitedPromise;
      clearTimeout(t);
    },
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exitedPromise;
    },
  };
}

/** Contracts between two nodes: `a` proposes (pinning the fingerprint `b` reports), `b` confirms. */
export async function signContract(a: ClusterNode, b: ClusterNode): Promise<void> {
  const proposal = await a.api.post<{ id: string }>('/v1/contracts', {
    peerApiUrl: b.info.apiUrl,
    expectedFingerprint: b.info.fingerprint,
    description: `${a.name} ↔ ${b.name}`,
  });
  await b.api.post(`/v1/contracts/${proposal.id}/confirm`);
  const mine = await a.api.get<{ status: string }>(`/v1/contracts/${proposal.id}`);
  if (mine.status !== 'active')
    throw new Error(
      `contract ${a.name} ↔ ${b.name} is ${mine.status} on ${a.name}, expected active`,
    );
}
