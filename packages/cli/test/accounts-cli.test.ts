/**
 * Accounts through the CLI (issue 13 item 3): `fedgrid node init` prints the three officers'
 * one-time passwords; `fedgrid login` changes a one-time password and keeps the session in a
 * 0600 credentials file; commands then act as that user (and are refused outside its roles);
 * `fedgrid token create` issues a scoped token usable with --token; `fedgrid logout` ends the
 * session. The node runs in this process (listening on real ports); the CLI runs as a child.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ensurePgliteTemplate, startNode, type RunningNode } from '@fedgrid/node';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const exec = promisify(execFile);

let root: string;
let dir: string;
let cfg: string;
let node: RunningNode;
let firstUsers: { name: string; role: string; oneTimePassword: string }[];

async function cli(
  args: string[],
  extra: { token?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return exec(
    process.execPath,
    [BIN, ...args, '--node', dir, ...(extra.token ? ['--token', extra.token] : [])],
    {
      env: { ...process.env, FEDGRID_CONFIG_DIR: cfg, FEDGRID_TOKEN: '' },
    },
  ).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
}

beforeAll(async () => {
  await ensurePgliteTemplate();
  root = await mkdtemp(join(tmpdir(), 'fedgrid-accounts-cli-'));
  dir = join(root, 'node');
  cfg = join(root, 'cfg');
  const init = await exec(process.execPath, [
    BIN,
    'node',
    'init',
    '--dir',
    dir,
    '--id',
    'acc-cli',
    '--api-port',
    '0',
    '--data-port',
    '0',
    '--json',
  ]);
  firstUsers = (JSON.parse(init.stdout) as { firstUsers: typeof firstUsers }).firstUsers;
  node = await startNode({ dir, logLevel: 'error' });
  await writeFile(
    join(dir, 'runtime.json'),
    JSON.stringify({
      pid: process.pid,
      apiUrl: node.apiUrl,
      dataAddress: node.dataAddress,
      fingerprint: node.fingerprint,
      startedAt: new Date().toISOString(),
    }),
  );
}, 180_000);
afterAll(async () => {
  await node?.close();
  await rm(root, { recursive: true, force: true });
});

test('node init prints one user per officer with a one-time password', () => {
  expect(firstUsers.map((u) => [u.name, u.role])).toEqual([
    ['sysadmin', 'system-admin'],
    ['secadmin', 'security-admin'],
    ['auditadmin', 'audit-admin'],
  ]);
  for (const u of firstUsers) expect(u.oneTimePassword).toMatch(/^\S{20}$/);
});

test('login, act as the user, scoped tokens, logout', async () => {
  const sec = firstUsers.find((u) => u.role === 'security-admin')!;
  const login = await cli([
    'login',
    '--user',
    sec.name,
    '--password',
    sec.oneTimePassword,
    '--new-password',
    'Security-Officer-2026',
    '--json',
  ]);
  expect(login.stderr).toBe('');
  expect(login.code).toBe(0);
  const file = join(cfg, 'credentials.json');
  expect((await stat(file)).mode & 0o777).toBe(0o600);
  expect((await stat(cfg)).mode & 0o777).toBe(0o700);
  const saved = JSON.parse(await readFile(file, 'utf8')) as Record<string, { token: string }>;
  expect(saved[node.fingerprint]?.token).toMatch(/^fgs_/);

  const me = JSON.parse((await cli(['me', '--json'])).stdout) as {
    user: { name: string };
    roles: string[];
  };
  expect(me.user.name).toBe('secadmin');
  expect(me.roles).toEqual(['security-admin']);

  const created = await cli(['user', 'create', 'alice', '--roles', 'modeler', '--json']);
  expect(created.code).toBe(0);
  expect(JSON.parse(created.stdout)).toMatchObject({ name: 'alice', roles: ['modeler'] });
  // The security administrator is refused the platform's routes.
  const datasets = await cli(['dataset', 'list']);
  expect(datasets.code).toBe(1);
  expect(datasets.stderr).toContain('FORBIDDEN');

  const tok = JSON.parse(
    (await cli(['token', 'create', 'ci', '--scopes', 'user:read', '--days', '1', '--json'])).stdout,
  ) as { id: string; token: string };
  expect(tok.token).toMatch(/^fgt_/);
  const listed = await cli(['user', 'list', '--json'], { token: tok.token });
  expect(listed.code).toBe(0);
  expect(
    (JSON.parse(listed.stdout) as { items: { name: string }[] }).items.map((u) => u.name),
  ).toContain('alice');
  // Its scope is user:read only.
  expect((await cli(['user', 'create', 'bob'], { token: tok.token })).stderr).toContain(
    'FORBIDDEN',
  );
  expect((await cli(['token', 'revoke', tok.id])).code).toBe(0);
  expect((await cli(['user', 'list'], { token: tok.token })).stderr).toContain('SESSION_EXPIRED');

  const out = await cli(['logout', '--json']);
  expect(JSON.parse(out.stdout)).toEqual({ signedOut: true, forgotten: true });
  const after = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  expect(after[node.fingerprint]).toBeUndefined();
  // The session ended on the node, not only in the file.
  const old = saved[node.fingerprint]!.token;
  expect((await cli(['me'], { token: old })).stderr).toContain('SESSION_EXPIRED');
  // Without a session the CLI falls back to the admin token (bootstrap credential).
  expect(JSON.parse((await cli(['me', '--json'])).stdout)).toMatchObject({ kind: 'admin' });
});

test('a wrong password is refused with a clear error and nothing saved', async () => {
  const r = await cli(['login', '--user', 'sysadmin', '--password', 'Not-The-Password-1']);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('UNAUTHORIZED');
  const saved = JSON.parse(await readFile(join(cfg, 'credentials.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  expect(saved[node.fingerprint]).toBeUndefined();
});
