/**
 * The container entrypoint (deploy/docker/entrypoint.sh), run directly as the image runs it
 * (Docker is not available here): an empty node directory and FEDGRID_NODE_ID make a node on
 * first start whose one-time passwords go to a private file, not the log; the node then runs
 * with settings from FEDGRID_* variables (ports, log level) and answers /livez and /readyz;
 * a restart with other variables takes them without rewriting fedgrid.yaml; SIGTERM stops it;
 * no node id, or a bad variable, stops the container with a message naming what to set.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile, chmod, mkdir } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';

const ENTRYPOINT = fileURLToPath(new URL('../../../deploy/docker/entrypoint.sh', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/fedgrid.js', import.meta.url));
let work: string;
let shims: string;
const running: ChildProcess[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'fedgrid-entrypoint-'));
  // `fedgrid` on the PATH, as the image links it.
  shims = join(work, 'bin');
  await mkdir(shims);
  await writeFile(join(shims, 'fedgrid'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  await chmod(join(shims, 'fedgrid'), 0o755);
});
afterAll(async () => {
  for (const p of running) if (p.exitCode === null) p.kill('SIGKILL');
  await rm(work, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function entrypoint(env: Record<string, string>, args: string[] = []) {
  const child = spawn('sh', [ENTRYPOINT, ...args], {
    env: { PATH: `${shims}:${process.env['PATH']}`, HOME: work, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    request({ host: '127.0.0.1', port, path, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', () => resolve(0))
      .end();
  });
}

async function until(what: string, check: () => Promise<boolean>, out: () => string) {
  const end = Date.now() + 90_000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} did not happen; output:\n${out()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

it('refuses to start without a node and without FEDGRID_NODE_ID, saying what to set', async () => {
  const r = entrypoint({ FEDGRID_NODE_DIR: join(work, 'none') });
  expect(await r.exited).toBe(64);
  expect(r.output()).toContain('set FEDGRID_NODE_ID');
});

it('creates a node on first start and runs it from environment variables; a restart takes new ones', async () => {
  const dir = join(work, 'node');
  const [api, data] = [await freePort(), await freePort()];
  const env = {
    FEDGRID_NODE_DIR: dir,
    FEDGRID_NODE_ID: 'boxed',
    FEDGRID_NODE_NAME: 'Boxed node',
    FEDGRID_API_PORT: String(api),
    FEDGRID_DATA_PORT: String(data),
    FEDGRID_SERVING_GRPC_PORT: '-1',
    FEDGRID_LOG_LEVEL: 'warn',
  };
  const first = entrypoint(env);
  await until('readiness', async () => (await get(api, '/readyz')) === 200, first.output);
  expect(await get(api, '/livez')).toBe(200);
  // The one-time passwords are in a private file, not in the log.
  const init = JSON.parse(await readFile(join(dir, 'identity', 'init.json'), 'utf8')) as {
    nodeId: string;
    firstUsers: { oneTimePassword: string }[];
  };
  expect(init.nodeId).toBe('boxed');
  expect((await stat(join(dir, 'identity', 'init.json'))).mode & 0o777).toBe(0o600);
  for (const u of init.firstUsers) expect(first.output()).not.toContain(u.oneTimePassword);
  const yaml = await readFile(join(dir, 'fedgrid.yaml'), 'utf8');
  expect(yaml).toContain('host: 0.0.0.0');
  first.child.kill('SIGTERM');
  expect(await first.exited).toBe(0);

  // Restart with another API port: the variable wins, the file is unchanged.
  const api2 = await freePort();
  const second = entrypoint({ ...env, FEDGRID_API_PORT: String(api2) });
  await until(
    'readiness on the new port',
    async () => (await get(api2, '/readyz')) === 200,
    second.output,
  );
  expect(await readFile(join(dir, 'fedgrid.yaml'), 'utf8')).toBe(yaml);
  second.child.kill('SIGTERM');
  expect(await second.exited).toBe(0);

  // A bad variable stops the container with a message naming it.
  const bad = entrypoint({ ...env, FEDGRID_LOG_LEVEL: 'loud' });
  expect(await bad.exited).not.toBe(0);
  expect(bad.output()).toContain('FEDGRID_LOG_LEVEL');
}, 240_000);

it('runs other fedgrid commands given instead of start', async () => {
  const r = entrypoint({ FEDGRID_NODE_DIR: join(work, 'node') }, ['node', 'backup', '--help']);
  expect(await r.exited).toBe(0);
  expect(r.output()).toContain('--out <file>');
});
