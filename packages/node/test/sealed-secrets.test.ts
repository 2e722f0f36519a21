/**
 * Secrets at rest (issue 13 item 4): with a sealing secret (FEDGRID_SEAL_KEY or
 * FEDGRID_SEAL_PASSPHRASE) `node init` seals the TLS private key, the SM2 private key and the
 * admin token — SM4-CTR + HMAC-SM3 under gm, AES-256-GCM under international — so that no private
 * key or token is readable anywhere in the node directory; start needs the secret, refuses a
 * wrong one, an altered file and a file replaced by an unsealed one.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ensurePgliteTemplate, initNode, loadConfig, startNode } from '@fedgrid/node';
import { readIdentity, readSm2Identity } from '../dist/server/identity-files.js';

const roots: string[] = [];
const EXAMPLES = fileURLToPath(new URL('../../../examples/data/fate/', import.meta.url));
afterAll(async () => {
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
});

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await allFiles(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

async function newNode(
  suite: 'gm' | 'international',
  secret: { key: Uint8Array } | { passphrase: string },
) {
  await ensurePgliteTemplate();
  const root = await mkdtemp(join(tmpdir(), 'fedgrid-sealed-'));
  roots.push(root);
  const dir = join(root, 'n');
  const r = await initNode({
    dir,
    id: `sealed-${suite}`,
    dataDirs: [EXAMPLES],
    apiPort: 0,
    dataPort: 0,
    suite,
    sealSecret: secret,
  });
  return { dir, r, loaded: await loadConfig(dir) };
}

describe('secrets sealed at rest', () => {
  const key = randomBytes(32);

  it('gm: no private key or token is readable in the clear anywhere in the node directory', async () => {
    const { dir, r, loaded } = await newNode('gm', { key });
    expect(loaded.config.crypto.sealedSecrets).toBe(true);
    const opened = await readIdentity(loaded.paths, {
      secret: { key },
      suite: 'gm',
      required: true,
    });
    expect(opened.adminToken).toBe(r.adminToken);
    expect(opened.identity.keyPem).toContain('PRIVATE KEY');
    const sm2 = await readSm2Identity(loaded.paths, 'sealed-gm', {
      secret: { key },
      suite: 'gm',
      required: true,
    });
    const needles = [
      Buffer.from('PRIVATE KEY'),
      Buffer.from(r.adminToken),
      Buffer.from(Buffer.from(sm2.privateKey).toString('hex')),
      Buffer.from(sm2.privateKey),
      // The DER body of the TLS key (base64 lines of the PEM).
      Buffer.from(opened.identity.keyPem.split('\n')[1]!),
    ];
    const files = await allFiles(dir);
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const bytes = await readFile(f);
      for (const n of needles)
        expect(bytes.includes(n), `${f} holds a secret in the clear`).toBe(false);
    }
    for (const f of [loaded.paths.key, loaded.paths.sm2Key, loaded.paths.adminToken]) {
      const bytes = await readFile(f);
      expect(bytes.subarray(0, 7).toString()).toBe('FGSEAL1');
      expect(bytes[8]).toBe(2); // suite code: gm (SM4-CTR + HMAC-SM3)
    }
  });

  it('start needs the secret, refuses a wrong one, an altered and an unsealed file; data files sealed', async () => {
    const { loaded, r } = await newNode('gm', { key });
    const code = async (p: Promise<unknown>) =>
      p.then(
        () => 'opened',
        (e: { code?: string; message: string }) => `${e.code}: ${e.message}`,
      );
    expect(await code(readIdentity(loaded.paths, { suite: 'gm', required: true }))).toMatch(
      /^UNAUTHORIZED: .*FEDGRID_SEAL_KEY/,
    );
    expect(
      await code(
        readIdentity(loaded.paths, {
          secret: { key: randomBytes(32) },
          suite: 'gm',
          required: true,
        }),
      ),
    ).toMatch(/^UNAUTHORIZED: cannot open the sealed/);
    const sealed = await readFile(loaded.paths.adminToken);
    const altered = Buffer.from(sealed);
    altered[altered.length - 3]! ^= 1;
    await writeFile(loaded.paths.adminToken, altered);
    expect(
      await code(readIdentity(loaded.paths, { secret: { key }, suite: 'gm', required: true })),
    ).toMatch(/^UNAUTHORIZED: cannot open the sealed admin-token/);
    await writeFile(loaded.paths.adminToken, 'a-token-an-attacker-chose\n');
    expect(
      await code(readIdentity(loaded.paths, { secret: { key }, suite: 'gm', required: true })),
    ).toMatch(/not sealed although crypto.sealedSecrets/);
    await writeFile(loaded.paths.adminToken, sealed);
    // A real start with the key in the environment; without it the node does not start.
    await expect(startNode({ dir: loaded.dir, listen: false, logLevel: 'error' })).rejects.toThrow(
      /sealed at rest/,
    );
    process.env['FEDGRID_SEAL_KEY'] = key.toString('hex');
    try {
      const node = await startNode({ dir: loaded.dir, listen: false, logLevel: 'error' });
      try {
        expect(node.services.sm2?.certPem).toContain('BEGIN CERTIFICATE');
        // Data files too: a registered dataset's snapshot is sealed on disk (SM4 under gm) and
        // reads back to the same rows.
        const res = await node.app.inject({
          method: 'POST',
          url: '/v1/datasets',
          headers: { authorization: `Bearer ${r.adminToken}` },
          payload: {
            name: 'breast-guest',
            path: join(EXAMPLES, 'breast_hetero_guest.csv'),
            idColumn: 'id',
            labelColumn: 'y',
          },
        });
        expect(res.statusCode).toBe(201);
        const ds = res.json<{ id: string }>();
        const snaps = (await allFiles(loaded.paths.dataDir)).filter((f) => f.endsWith('.fgds'));
        expect(snaps.length).toBe(1);
        const onDisk = await readFile(snaps[0]!);
        // A columnar snapshot (FGDS3): every piece after the 6-byte magic and its u32 length
        // is sealed on its own.
        expect(onDisk.subarray(0, 6).toString()).toBe('FGDS3\n');
        expect(onDisk.subarray(10, 17).toString()).toBe('FGSEAL1');
        expect(onDisk[18]).toBe(2);
        expect(onDisk.includes(Buffer.from('"133"'))).toBe(false); // an id of the file
        const frame = await node.services.datasets.load(ds.id);
        expect(frame.ids.length).toBe(569);
        expect(frame.ids).toContain('133');
      } finally {
        await node.close();
      }
    } finally {
      delete process.env['FEDGRID_SEAL_KEY'];
    }
  }, 120_000);

  it('international with a passphrase: AES-256-GCM (suite code 1), opened only with it', async () => {
    const { loaded, r } = await newNode('international', {
      passphrase: 'correct horse battery staple',
    });
    const bytes = await readFile(loaded.paths.key);
    expect(bytes.subarray(0, 7).toString()).toBe('FGSEAL1');
    expect(bytes[8]).toBe(1);
    expect(bytes.includes(Buffer.from('PRIVATE KEY'))).toBe(false);
    const opened = await readIdentity(loaded.paths, {
      secret: { passphrase: 'correct horse battery staple' },
      suite: 'international',
      required: true,
    });
    expect(opened.adminToken).toBe(r.adminToken);
    await expect(
      readIdentity(loaded.paths, {
        secret: { passphrase: 'wrong' },
        suite: 'international',
        required: true,
      }),
    ).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    // A gm-required reader refuses an international blob (no downgrade across suites).
    await expect(
      readIdentity(loaded.paths, {
        secret: { passphrase: 'correct horse battery staple' },
        suite: 'gm',
        required: true,
      }),
    ).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  }, 120_000);
});
