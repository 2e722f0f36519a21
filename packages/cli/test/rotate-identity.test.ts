/**
 * `fedgrid node rotate-cert` and `fedgrid node rotate-admin-token` (issue 16), with real node
 * processes:
 *
 * - a node that seals its secrets (FEDGRID_SEAL_PASSPHRASE): refused while it runs and without
 *   or with a wrong sealing secret, nothing written; rotated, it serves the new certificate on
 *   its API and data plane, refuses the old admin token and accepts the new one, and the printed
 *   `contract propose … --replaces` re-pins it at its partner;
 * - an unsealed node likewise, the token written to a 0600 file with `--out`;
 * - a `gm` node: its SM2 identity is rotated with the certificate;
 * - no output holds a private key or a token, except the new token printed once.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pemFingerprint, readSecretFile, type ContractView, type NodeInfo } from '@fedgrid/node';
import { ApiClient, ApiError, type ClusterNode } from 'fedgrid';
import { TestCluster } from './cluster-helpers.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const execFileP = promisify(execFile);
const PASSPHRASE = 'rotation passphrase ✓';
const cluster = new TestCluster();

// Sealed nodes (and this process's API clients of them) open their files with the passphrase.
const saved = {
  key: process.env['FEDGRID_SEAL_KEY'],
  passphrase: process.env['FEDGRID_SEAL_PASSPHRASE'],
};
beforeAll(() => {
  delete process.env['FEDGRID_SEAL_KEY'];
  process.env['FEDGRID_SEAL_PASSPHRASE'] = PASSPHRASE;
});
afterAll(async () => {
  await cluster.close();
  for (const [name, value] of [
    ['FEDGRID_SEAL_KEY', saved.key],
    ['FEDGRID_SEAL_PASSPHRASE', saved.passphrase],
  ] as const)
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; `env` overrides this process's environment (empty string: unset). */
async function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return execFileP(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({
      code: err.code,
      stdout: err.stdout,
      stderr: err.stderr,
    }),
  );
}

/** Every file of the identity folder and its SHA-256: what "nothing written" is checked on. */
async function identityState(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(join(dir, 'identity'))).sort())
    out[name] = createHash('sha256')
      .update(await readFile(join(dir, 'identity', name)))
      .digest('hex');
  return out;
}

/** The fingerprint of the certificate a TLS endpoint presents (`host:port` or `https://…`). */
function servedFingerprint(address: string): Promise<string> {
  const url = new URL(address.includes('://') ? address : `tls://${address}`);
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(
      {
        host: url.hostname,
        port: Number(url.port),
        servername: 'localhost',
        rejectUnauthorized: false,
        ALPNProtocols: ['h2', 'http/1.1'],
      },
      () => {
        const fp = socket.getPeerCertificate().fingerprint256;
        socket.destroy();
        resolve(fp);
      },
    );
    socket.once('error', reject);
  });
}

/** Calls GET /v1/node with `token`: the HTTP status (200, or the error's). */
async function statusWith(node: ClusterNode, token: string): Promise<number> {
  const certPem = await readFile(join(node.dir, 'identity', 'cert.pem'), 'utf8');
  try {
    await new ApiClient({ url: node.api.url, token, certPem }).get<NodeInfo>('/v1/node');
    return 200;
  } catch (err) {
    if (err instanceof ApiError) return err.status;
    throw err;
  }
}

async function readToken(dir: string, suite: 'international' | 'gm'): Promise<string> {
  return (
    await readSecretFile(join(dir, 'identity', 'admin-token'), 'admin-token', {
      secret: { passphrase: PASSPHRASE },
      suite,
    })
  ).trim();
}

/** A private key or an admin token in some output. */
function expectNoSecret(outputs: string[], tokens: string[]): void {
  for (const o of outputs) {
    expect(o).not.toContain('PRIVATE KEY');
    for (const t of tokens) expect(o).not.toContain(t);
  }
}

interface RotateCertJson {
  nodeId: string;
  sealed: boolean;
  tls: { oldFingerprint: string; newFingerprint: string; previous: { key: string; cert: string } };
  sm2?: { oldFingerprint: string; newFingerprint: string };
  contracts: { id: string; peerNodeId: string }[] | null;
  replacements: { contract: string; peer: string; command: string }[] | null;
}

describe('rotation of a node that seals its secrets', () => {
  let alpha: ClusterNode;
  let bravo: ClusterNode;
  let contract: string;

  beforeAll(async () => {
    [alpha, bravo] = await Promise.all([cluster.launch('alpha'), cluster.launch('bravo')]);
    const p = await alpha.api.post<{ id: string }>('/v1/contracts', {
      peerApiUrl: bravo.info.apiUrl,
      expectedFingerprint: bravo.info.fingerprint,
    });
    await bravo.api.post(`/v1/contracts/${p.id}/confirm`);
    contract = p.id;
  });

  test('refused while the node runs and without or with a wrong secret; nothing written', async () => {
    const config = await readFile(join(alpha.dir, 'fedgrid.yaml'), 'utf8');
    expect(config).toMatch(/sealedSecrets: true/);
    const before = await identityState(alpha.dir);
    const oldToken = await readToken(alpha.dir, 'international');
    const outputs: string[] = [];

    for (const cmd of ['rotate-cert', 'rotate-admin-token']) {
      const r = await cli(['node', cmd, '--dir', alpha.dir]);
      outputs.push(r.stdout, r.stderr);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('NODE_LOCKED');
      expect(r.stderr).toContain(`in use by process ${alpha.process.pid}`);
      expect(r.stderr).toContain('nothing was changed');
    }
    expect(await identityState(alpha.dir)).toEqual(before);
    // It still serves with its identity.
    expect(await servedFingerprint(alpha.info.apiUrl)).toBe(alpha.info.fingerprint);

    await alpha.stop();
    for (const cmd of ['rotate-cert', 'rotate-admin-token']) {
      const missing = await cli(['node', cmd, '--dir', alpha.dir], {
        FEDGRID_SEAL_PASSPHRASE: '',
        FEDGRID_SEAL_KEY: '',
      });
      outputs.push(missing.stdout, missing.stderr);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('UNAUTHORIZED');
      expect(missing.stderr).toContain('FEDGRID_SEAL_PASSPHRASE');
      expect(missing.stderr).toContain('nothing was changed');
      const wrong = await cli(['node', cmd, '--dir', alpha.dir], {
        FEDGRID_SEAL_PASSPHRASE: 'not the passphrase',
      });
      outputs.push(wrong.stdout, wrong.stderr);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain('UNAUTHORIZED');
      expect(wrong.stderr).toMatch(/cannot open the sealed/);
    }
    expect(await identityState(alpha.dir)).toEqual(before);
    expectNoSecret(outputs, [oldToken]);
  });

  test('rotated: new certificate served on both planes, old token refused, contract replaced', async () => {
    const oldToken = await readToken(alpha.dir, 'international');
    const oldKey = await readFile(join(alpha.dir, 'identity', 'key.pem'));
    const rotated = await cli(['node', 'rotate-cert', '--dir', alpha.dir, '--json']);
    expect(rotated.stderr).toBe('');
    expect(rotated.code).toBe(0);
    const r = JSON.parse(rotated.stdout) as RotateCertJson;
    expect(r.sealed).toBe(true);
    expect(r.tls.oldFingerprint).toBe(alpha.info.fingerprint);
    expect(r.tls.newFingerprint).not.toBe(r.tls.oldFingerprint);
    expect(r.sm2).toBeUndefined();
    // The new key is sealed; the old one is kept as it was, both 0600.
    const key = await readFile(join(alpha.dir, 'identity', 'key.pem'));
    expect(key.subarray(0, 7).toString()).toBe('FGSEAL1');
    expect(await readFile(r.tls.previous.key)).toEqual(oldKey);
    expect(pemFingerprint(await readFile(r.tls.previous.cert, 'utf8'))).toBe(r.tls.oldFingerprint);
    for (const f of [join(alpha.dir, 'identity', 'key.pem'), r.tls.previous.key])
      expect((await stat(f)).mode & 0o777).toBe(0o600);
    expect(r.contracts).toEqual([expect.objectContaining({ id: contract, peerNodeId: 'bravo' })]);
    const command = r.replacements?.[0]?.command ?? '';
    expect(command).toContain(`--replaces ${contract}`);
    expect(command).toContain(`--fingerprint ${bravo.info.fingerprint}`);
    expect(command).toContain(`--peer ${bravo.info.apiUrl}`);

    const token = await cli(['node', 'rotate-admin-token', '--dir', alpha.dir]);
    expect(token.code).toBe(0);
    const newToken = /new admin token \(shown this once\): (\S+)/.exec(token.stdout)?.[1] ?? '';
    expect(newToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(token.stdout.split(newToken)).toHaveLength(2); // printed once
    const tokenFile = await readFile(join(alpha.dir, 'identity', 'admin-token'));
    expect(tokenFile.subarray(0, 7).toString()).toBe('FGSEAL1');
    expect(await readToken(alpha.dir, 'international')).toBe(newToken);
    expectNoSecret([rotated.stdout, rotated.stderr, token.stderr], [oldToken, newToken]);
    expectNoSecret([token.stdout], [oldToken]);

    cluster.nodes.splice(cluster.nodes.indexOf(alpha), 1);
    const again = await cluster.launch('alpha', { existing: true });
    expect(again.info.fingerprint).toBe(r.tls.newFingerprint);
    expect(await servedFingerprint(again.info.apiUrl)).toBe(r.tls.newFingerprint);
    expect(await servedFingerprint(again.info.dataAddress)).toBe(r.tls.newFingerprint);
    expect(await statusWith(again, oldToken)).toBe(401);
    expect(await statusWith(again, newToken)).toBe(200);
    // The audit log records the rotation.
    const audit = await again.api.get<{ items: { action: string; details: unknown }[] }>(
      '/v1/audit?action=rotate%20certificate',
    );
    expect(audit.items[0]?.details).toMatchObject({
      oldFingerprint: r.tls.oldFingerprint,
      newFingerprint: r.tls.newFingerprint,
    });

    // Bravo refuses the new certificate until the printed replacement is confirmed.
    const [, ...args] = command.split(' ');
    const proposed = await cli([...args, '--json']);
    expect(proposed.stderr).toBe('');
    const replacement = JSON.parse(proposed.stdout) as ContractView;
    const pending = await bravo.api.get<ContractView>(`/v1/contracts/${replacement.id}`);
    expect(pending).toMatchObject({
      status: 'pending',
      peer: { nodeId: 'alpha', fingerprint: r.tls.newFingerprint },
      replaces: { id: contract, fingerprint: r.tls.oldFingerprint },
    });
    await bravo.api.post(`/v1/contracts/${replacement.id}/confirm`);
    expect(await again.api.post(`/v1/contracts/${replacement.id}/health`)).toMatchObject({
      status: 'ok',
    });
    expect(await bravo.api.post(`/v1/contracts/${replacement.id}/health`)).toMatchObject({
      status: 'ok',
    });
    expect((await bravo.api.get<ContractView>(`/v1/contracts/${contract}`)).status).toBe(
      'terminated',
    );
    alpha = again;
  });
});

describe('rotation of an unsealed node and of a gm node', () => {
  test('unsealed: rotated in the clear, token to a 0600 file; served after restart', async () => {
    const charlie = await cluster.launch('charlie', {
      env: { FEDGRID_SEAL_PASSPHRASE: '', FEDGRID_SEAL_KEY: '' },
    });
    const oldToken = (await readFile(join(charlie.dir, 'identity', 'admin-token'), 'utf8')).trim();
    await charlie.stop();
    const rotated = await cli(['node', 'rotate-cert', '--dir', charlie.dir]);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toContain(`old fingerprint: ${charlie.info.fingerprint}`);
    expect(rotated.stdout).toContain('not sealed');
    expect(rotated.stdout).toContain('no active contracts');
    const newFingerprint = /new fingerprint: (\S+)/.exec(rotated.stdout)?.[1];
    expect(newFingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const key = await readFile(join(charlie.dir, 'identity', 'key.pem'), 'utf8');
    expect(key).toContain('PRIVATE KEY'); // unsealed, as `node init` made it

    const out = join(charlie.dir, '..', 'charlie-token');
    const token = await cli(['node', 'rotate-admin-token', '--dir', charlie.dir, '--out', out]);
    expect(token.code).toBe(0);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    const newToken = (await readFile(out, 'utf8')).trim();
    expect(newToken).toBe(
      (await readFile(join(charlie.dir, 'identity', 'admin-token'), 'utf8')).trim(),
    );
    expectNoSecret(
      [rotated.stdout, rotated.stderr, token.stdout, token.stderr],
      [oldToken, newToken],
    );
    // --out never overwrites a file; nothing is rotated then.
    const refused = await cli(['node', 'rotate-admin-token', '--dir', charlie.dir, '--out', out]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('nothing was changed');
    expect((await readFile(out, 'utf8')).trim()).toBe(newToken);

    cluster.nodes.splice(cluster.nodes.indexOf(charlie), 1);
    const again = await cluster.launch('charlie', {
      existing: true,
      env: { FEDGRID_SEAL_PASSPHRASE: '', FEDGRID_SEAL_KEY: '' },
    });
    expect(await servedFingerprint(again.info.apiUrl)).toBe(newFingerprint);
    expect(await servedFingerprint(again.info.dataAddress)).toBe(newFingerprint);
    expect(await statusWith(again, oldToken)).toBe(401);
    expect(await statusWith(again, newToken)).toBe(200);
  });

  test('gm, sealed: the SM2 identity is rotated with the certificate', async () => {
    const delta = await cluster.launch('delta', { suite: 'gm' });
    const oldSm2 = pemFingerprint(delta.info.sm2CertPem ?? '');
    await delta.stop();
    const before = await identityState(delta.dir);
    const wrong = await cli(['node', 'rotate-cert', '--dir', delta.dir], {
      FEDGRID_SEAL_PASSPHRASE: 'not the passphrase',
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('UNAUTHORIZED');
    expect(await identityState(delta.dir)).toEqual(before);

    const rotated = await cli(['node', 'rotate-cert', '--dir', delta.dir, '--json']);
    expect(rotated.code).toBe(0);
    const r = JSON.parse(rotated.stdout) as RotateCertJson;
    expect(r.sm2?.oldFingerprint).toBe(oldSm2);
    expect(r.sm2?.newFingerprint).not.toBe(oldSm2);
    const sm2Key = await readFile(join(delta.dir, 'identity', 'sm2-key'));
    expect(sm2Key.subarray(0, 7).toString()).toBe('FGSEAL1');
    expectNoSecret([rotated.stdout, rotated.stderr], []);

    cluster.nodes.splice(cluster.nodes.indexOf(delta), 1);
    const again = await cluster.launch('delta', { existing: true });
    expect(again.info.fingerprint).toBe(r.tls.newFingerprint);
    expect(pemFingerprint(again.info.sm2CertPem ?? '')).toBe(r.sm2?.newFingerprint);
  });
});
