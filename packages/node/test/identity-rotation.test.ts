/**
 * Rotating a stopped node's identity in process (issue 16; the CLI and real processes are in
 * packages/cli/test/rotate-identity.test.ts). On PostgreSQL a node run as replicas and workers
 * holds no directory lock: its shared schema lock must refuse the rotation, nothing written.
 * Two rotations keep both rollback copies; the audit log records each; the rotated node starts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import {
  dropStoreSchema,
  ensurePgliteTemplate,
  FedGridError,
  initNode,
  loadConfig,
  rotateAdminToken,
  rotateNodeCertificate,
  startNode,
} from '@fedgrid/node';
import { openStore } from '../dist/storage/db.js';
import { readIdentity } from '../dist/server/identity-files.js';
import { TEST_DATABASE_URL } from './nodes.js';

const key = randomBytes(32);
const schema = `fedgrid_test_rotate_${randomBytes(4).toString('hex')}`;
const roots: string[] = [];
afterAll(async () => {
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
  if (TEST_DATABASE_URL) await dropStoreSchema(TEST_DATABASE_URL, schema);
});

async function identityState(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(join(dir, 'identity'))).sort())
    out[name] = createHash('sha256')
      .update(await readFile(join(dir, 'identity', name)))
      .digest('hex');
  return out;
}

it('refused while replicas hold the store; two rotations keep both rollback copies; the node starts', async () => {
  await ensurePgliteTemplate();
  const root = await mkdtemp(join(tmpdir(), 'fedgrid-rotate-'));
  roots.push(root);
  const dir = join(root, 'n');
  const init = await initNode({
    dir,
    id: 'rotating',
    apiPort: 0,
    dataPort: 0,
    sealSecret: { key },
    ...(TEST_DATABASE_URL ? { databaseUrl: TEST_DATABASE_URL, databaseSchema: schema } : {}),
  });
  const loaded = await loadConfig(dir);

  if (TEST_DATABASE_URL) {
    // What an API replica or worker holds while it runs (`node start --role api|worker`).
    const replica = await openStore({
      dataDir: loaded.paths.dataDir,
      databaseUrl: TEST_DATABASE_URL,
      databaseSchema: schema,
      lock: 'shared',
    });
    const before = await identityState(dir);
    try {
      const err = await rotateNodeCertificate({ dir, sealSecret: { key } }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(FedGridError);
      expect((err as FedGridError).code).toBe('NODE_LOCKED');
      expect((err as Error).message).toContain('replicas, workers');
      expect((err as Error).message).toContain('nothing was changed');
      const tokenErr = await rotateAdminToken({ dir, sealSecret: { key } }).catch(
        (e: unknown) => e,
      );
      expect((tokenErr as FedGridError).code).toBe('NODE_LOCKED');
      expect((tokenErr as Error).message).toContain('before rotating its admin token');
    } finally {
      await replica.close();
    }
    expect(await identityState(dir)).toEqual(before);
  }

  const originalKey = await readFile(loaded.paths.key);
  const first = await rotateNodeCertificate({ dir, sealSecret: { key } });
  expect(first.tls.oldFingerprint).toBe(init.fingerprint);
  expect(first.contracts).toEqual([]);
  expect(first.auditError).toBeUndefined();
  const second = await rotateNodeCertificate({ dir, sealSecret: { key } });
  expect(second.tls.oldFingerprint).toBe(first.tls.newFingerprint);
  // Each rotation's rollback copy is its own file, whatever the clock says.
  expect(second.tls.previous.key).not.toBe(first.tls.previous.key);
  expect(await readFile(first.tls.previous.key)).toEqual(originalKey);
  const opened = await readIdentity(
    { ...loaded.paths, key: second.tls.previous.key, cert: second.tls.previous.cert },
    { secret: { key }, suite: 'international', required: true },
  );
  expect(opened.identity.fingerprint).toBe(first.tls.newFingerprint);

  const token = await rotateAdminToken({ dir, sealSecret: { key } });
  expect(token.sealed).toBe(true);

  // The node reads its sealing secret from the environment only.
  const saved = process.env['FEDGRID_SEAL_KEY'];
  process.env['FEDGRID_SEAL_KEY'] = key.toString('hex');
  const node = await startNode({ dir, logLevel: 'silent' }).finally(() => {
    if (saved === undefined) delete process.env['FEDGRID_SEAL_KEY'];
    else process.env['FEDGRID_SEAL_KEY'] = saved;
  });
  try {
    expect(node.fingerprint).toBe(second.tls.newFingerprint);
    const events = await node.services.db
      .selectFrom('audit_events')
      .select(['action', 'details'])
      .where('action', '=', 'rotate certificate')
      .orderBy('seq')
      .execute();
    expect(events.map((e) => (e.details as { newFingerprint: string }).newFingerprint)).toEqual([
      first.tls.newFingerprint,
      second.tls.newFingerprint,
    ]);
  } finally {
    await node.close();
  }
}, 240_000);
