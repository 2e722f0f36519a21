/**
 * Sealed audit archives through the CLI (issue 13 item 4): `fedgrid audit export --seal` on a `gm`
 * node writes an SM4-sealed archive (passphrase from --passphrase-file or FEDGRID_SEAL_PASSPHRASE,
 * never a command-line value); `fedgrid audit verify-archive` opens it with the same passphrase
 * and verifies it offline as before; a wrong passphrase, altered ciphertext or a missing secret
 * fail with a clear error and print nothing of the archive. The node runs in this process
 * (listening on real ports); the CLI runs as a child.
 */
import { execFile } from 'node:child_process';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
let node: RunningNode;
let passFile: string;
let wrongFile: string;

async function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return exec(process.execPath, [BIN, ...args], {
    env: {
      ...process.env,
      FEDGRID_CONFIG_DIR: join(root, 'cfg'),
      FEDGRID_TOKEN: '',
      FEDGRID_SEAL_PASSPHRASE: '',
      FEDGRID_SEAL_KEY: '',
      ...env,
    },
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
}

beforeAll(async () => {
  await ensurePgliteTemplate();
  root = await mkdtemp(join(tmpdir(), 'fedgrid-audit-archive-cli-'));
  dir = join(root, 'node');
  await exec(process.execPath, [
    BIN,
    'node',
    'init',
    '--dir',
    dir,
    '--id',
    'arch-cli',
    '--suite',
    'gm',
    '--api-port',
    '0',
    '--data-port',
    '0',
    '--json',
  ]);
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
  passFile = join(root, 'archive.pass');
  wrongFile = join(root, 'wrong.pass');
  await writeFile(passFile, 'archive passphrase ✓\n', { mode: 0o600 });
  await writeFile(wrongFile, 'archive passphrase ✗\n', { mode: 0o600 });
  // A few audited calls, so the chain has events to export.
  for (let i = 0; i < 3; i++) expect((await cli(['node', 'audit', '--node', dir])).code).toBe(0);
}, 180_000);
afterAll(async () => {
  await node?.close();
  await rm(root, { recursive: true, force: true });
});

test('export --seal on a gm node writes an SM4-sealed archive that verify-archive opens and verifies', async () => {
  const out = join(root, 'sealed.fgar');
  const exp = await cli([
    'audit',
    'export',
    '--node',
    dir,
    '--out',
    out,
    '--seal',
    '--passphrase-file',
    passFile,
    '--json',
  ]);
  expect(exp.stderr).toBe('');
  expect(exp.code).toBe(0);
  const r = JSON.parse(exp.stdout) as { ok: boolean; sealed: string; checked: number };
  expect(r).toMatchObject({ ok: true, sealed: 'SM4-CTR + HMAC-SM3' });
  expect(r.checked).toBeGreaterThan(0);
  const bytes = await readFile(out);
  expect(bytes.subarray(0, 7).toString()).toBe('FGSEAL1');
  expect(bytes[8]).toBe(2); // the gm suite: SM4
  expect(bytes.includes('fedgrid.audit-archive')).toBe(false);
  expect(bytes.includes('arch-cli')).toBe(false);

  const v = await cli(['audit', 'verify-archive', out, '--passphrase-file', passFile]);
  expect(v.stderr).toBe('');
  expect(v.code).toBe(0);
  expect(v.stdout).toMatch(/sealed archive opened; archive verified: events seq 1–\d+ .*arch-cli/);
  // The same with the passphrase from the environment, and with the pinned fingerprint.
  const viaEnv = await cli(
    ['audit', 'verify-archive', out, '--fingerprint', node.fingerprint, '--json'],
    { FEDGRID_SEAL_PASSPHRASE: 'archive passphrase ✓' },
  );
  expect(viaEnv.code).toBe(0);
  expect(JSON.parse(viaEnv.stdout)).toMatchObject({
    ok: true,
    sealed: true,
    node: 'arch-cli',
    checked: r.checked,
  });
});

test('a wrong passphrase, altered ciphertext or no secret: a clear error, nothing of the archive printed', async () => {
  const out = join(root, 'sealed-2.fgar');
  expect(
    (
      await cli(['audit', 'export', '--node', dir, '--out', out, '--seal'], {
        FEDGRID_SEAL_PASSPHRASE: 'archive passphrase ✓',
      })
    ).code,
  ).toBe(0);
  const wrong = await cli(['audit', 'verify-archive', out, '--passphrase-file', wrongFile]);
  expect(wrong.code).toBe(1);
  expect(wrong.stdout).toBe('');
  expect(wrong.stderr).toMatch(
    /error UNAUTHORIZED: cannot open the sealed audit archive .*sealed-2\.fgar: sealed blob failed authentication \(wrong key or passphrase/,
  );
  expect(wrong.stderr).not.toMatch(/arch-cli|seq|manifest/);

  const altered = Buffer.from(await readFile(out));
  altered[altered.length - 64]! ^= 0x01;
  const tampered = join(root, 'tampered.fgar');
  await writeFile(tampered, altered);
  const t = await cli(['audit', 'verify-archive', tampered, '--passphrase-file', passFile]);
  expect(t.code).toBe(1);
  expect(t.stdout).toBe('');
  expect(t.stderr).toMatch(/failed authentication .*altered bytes/);

  const none = await cli(['audit', 'verify-archive', out]);
  expect(none.code).toBe(1);
  expect(none.stdout).toBe('');
  expect(none.stderr).toMatch(/is sealed: give the passphrase with --passphrase-file/);
});

test('--seal without a secret exports nothing; a clear export still verifies without one', async () => {
  const out = join(root, 'never.fgar');
  const r = await cli(['audit', 'export', '--node', dir, '--out', out, '--seal']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/--seal needs a passphrase: --passphrase-file <file>/);
  await expect(access(out)).rejects.toThrow(/ENOENT/);
  const misuse = await cli([
    'audit',
    'export',
    '--node',
    dir,
    '--out',
    out,
    '--passphrase-file',
    passFile,
  ]);
  expect(misuse.code).toBe(1);
  expect(misuse.stderr).toMatch(/--passphrase-file is for sealing: add --seal/);

  const clear = join(root, 'clear.jsonl');
  expect((await cli(['audit', 'export', '--node', dir, '--out', clear])).code).toBe(0);
  expect((await readFile(clear, 'utf8')).startsWith('{"manifest":')).toBe(true);
  const v = await cli(['audit', 'verify-archive', clear, '--passphrase-file', passFile]);
  expect(v.code).toBe(0);
  expect(v.stdout).toMatch(/^archive verified: events seq 1–/);
});

test('the sealed archive the API streams (POST /v1/audit/export/sealed) verifies offline with the CLI; the export is audited', async () => {
  const token = (await readFile(node.config.paths.adminToken, 'utf8')).trim();
  const auth = { authorization: `Bearer ${token}` };
  const short = await node.app.inject({
    method: 'POST',
    url: '/v1/audit/export/sealed',
    headers: auth,
    payload: { passphrase: 'short' },
  });
  expect(short.statusCode).toBe(400);
  expect(short.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
  expect(short.body).toMatch(/passphrase: the sealing passphrase needs at least 12 characters/);
  expect(short.body).not.toContain('short"');

  const res = await node.app.inject({
    method: 'POST',
    url: '/v1/audit/export/sealed',
    headers: auth,
    payload: { passphrase: 'archive passphrase ✓', from: 1 },
  });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toBe('application/octet-stream');
  expect(res.headers['content-disposition']).toBe(
    'attachment; filename="audit-1-head.jsonl.fgseal"',
  );
  const bytes = res.rawPayload;
  expect(bytes.subarray(0, 7).toString()).toBe('FGSEAL1');
  expect(bytes[8]).toBe(2); // the gm node's suite: SM4
  expect(bytes.includes('arch-cli')).toBe(false);
  const out = join(root, 'from-api.fgseal');
  await writeFile(out, bytes);
  const v = await cli([
    'audit',
    'verify-archive',
    out,
    '--passphrase-file',
    passFile,
    '--fingerprint',
    node.fingerprint,
    '--json',
  ]);
  expect(v.stderr).toBe('');
  expect(v.code).toBe(0);
  const verified = JSON.parse(v.stdout) as { ok: boolean; sealed: boolean; toSeq: number };
  expect(verified).toMatchObject({ ok: true, sealed: true, node: 'arch-cli', fromSeq: 1 });
  const wrong = await cli(['audit', 'verify-archive', out, '--passphrase-file', wrongFile]);
  expect(wrong.code).toBe(1);

  // Each export call is audited ('started' ahead of it, then its outcome); the successful one names
  // the archive by the digest of its clear text. Nothing of the passphrase is in the log.
  const log = await node.app.inject({
    method: 'GET',
    url: '/v1/audit?action=POST%20%2Fv1%2Faudit%2Fexport%2Fsealed',
    headers: auth,
  });
  const events = (
    log.json() as {
      items: Array<{ outcome: string; object: { type: string; id: string | null }; seq: number }>;
    }
  ).items;
  expect(events.map((e) => e.outcome).sort()).toEqual(['failure', 'started', 'started', 'success']);
  const ok = events.find((e) => e.outcome === 'success')!;
  expect(ok.object.type).toBe('audit-archive');
  expect(ok.object.id).toMatch(/^[0-9a-f]{64}$/);
  // The success event is written after the archive was cut, so it is not inside it.
  expect(ok.seq).toBeGreaterThan(verified.toSeq);
  expect(log.body).not.toContain('archive passphrase');
});
