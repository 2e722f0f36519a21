/**
 * Backup and restore (issue 16 item 5): a node with contracts, users, a dataset, a grant and a
 * finished PSI job (rows in most tables, dataset snapshots and task outputs on disk, a hash-
 * chained audit log) is backed up and restored into a new directory and store; every table and
 * every file is compared with the original, and the restored node starts and verifies its audit
 * chain. Runs on PGlite (node stopped for the backup) and on PostgreSQL (backup while running,
 * restore into another schema). Also: an altered archive is refused by its checksum with nothing
 * written, a non-empty target needs --force (the old directory is kept aside), a running node's
 * directory is refused.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import { parse } from 'yaml';
import {
  backupNode,
  dropStoreSchema,
  FedGridError,
  loadConfig,
  restoreNode,
  startNode,
  type JobView,
} from '@fedgrid/node';
import { openStore } from '../dist/storage/db.js';
import { tableContents } from '../dist/backup/store-dump.js';
import { TEST_DATABASE_URL, TestNodes, type TestNode } from './nodes.js';

const t = new TestNodes();
let guest: TestNode;
let host: TestNode;
let work: string;
let archive: string;
const restoreSchema = `fedgrid_test_restore_${randomBytes(4).toString('hex')}`;

async function waitJob(n: TestNode, id: string): Promise<JobView> {
  const end = Date.now() + 120_000;
  for (;;) {
    const v = await n.ok<JobView>('GET', `/v1/jobs/${id}`);
    if (['succeeded', 'failed', 'stopped'].includes(v.status)) return v;
    if (Date.now() > end) throw new Error(`job ${id} is still ${v.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'fedgrid-backup-'));
  const g = ['id,y,a'];
  const h = ['id,b'];
  for (let i = 0; i < 50; i++) {
    g.push(`u${i},${i % 2},${(i % 7) / 7}`);
    if (i % 4 !== 0) h.push(`u${i},${(i % 5) / 5}`);
  }
  await writeFile(join(work, 'g.csv'), g.join('\n') + '\n');
  await writeFile(join(work, 'h.csv'), h.join('\n') + '\n');
  [guest, host] = await Promise.all([t.start('guest'), t.start('host')]);
  await t.contractAll();
  await t.permitAll();
  const gds = (
    await guest.ok<{ id: string }>('POST', '/v1/datasets', {
      name: 'g',
      path: join(work, 'g.csv'),
      labelColumn: 'y',
    })
  ).id;
  const hds = (
    await host.ok<{ id: string }>('POST', '/v1/datasets', { name: 'h', path: join(work, 'h.csv') })
  ).id;
  await host.ok('POST', '/v1/grants', { dataset: hds, grantee: 'guest' });
  await guest.ok('POST', '/v1/users', { name: 'analyst', roles: ['modeler'] });
  const j = await guest.ok<JobView>('POST', '/v1/jobs', {
    parties: { guest: { node: 'guest' }, hosts: [{ node: 'host' }] },
    datasets: { guest: gds, 'host-0': hds },
    tasks: [{ name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } }],
  });
  expect((await waitJob(guest, j.id)).status).toBe('succeeded');
  // Work in flight as a multi-process node holds it in its own schema (issue 16 item 5, the
  // operator's question "are the queue tables in the backup?"): a task execution a worker runs,
  // the scheduler's leader, and a data-plane mailbox session with a chunk (bytea) and a slot.
  // They must round-trip like every other table; the pg-boss schema beside it is not copied.
  const db = guest.node.services.db;
  await db
    .insertInto('task_executions')
    .values({
      job_id: j.id,
      task_name: 'psi',
      party: 'guest',
      attempt: 1,
      state: 'running',
      runs: 1,
      worker: 'host-a:4242:worker',
      history: JSON.stringify([{ run: 1, worker: 'host-a:4242:worker' }]),
    } as never)
    .execute();
  await db
    .insertInto('scheduler_leader')
    .values({ id: 1, holder: 'host-a:4241:api', term: '7' } as never)
    .execute();
  // The mailbox tables are written by db-mailbox.ts in SQL (not in the Kysely schema type).
  const session = `${j.id}:psi:1`;
  await sql`insert into mailbox_sessions (session, local_parties, party_nodes, max_bytes)
    values (${session}, ${JSON.stringify(['guest'])}::jsonb,
            ${JSON.stringify({ guest: 'guest', 'host-0': 'host' })}::jsonb, 1048576)`.execute(db);
  await sql`insert into mailbox_chunks (session, tag, src, dst, seq, total, sender, bytes, data)
    values (${session}, 'blinded', 'host-0', 'guest', 0, 2, 'host', 4,
            ${Buffer.from([0, 255, 1, 254])})`.execute(db);
  await sql`insert into mailbox_slots (session, tag, src, dst, state)
    values (${session}, 'blinded', 'host-0', 'guest', 'waiting')`.execute(db);
  archive = join(work, 'guest.fgbak');
}, 180_000);

afterAll(async () => {
  await t.close();
  await rm(work, { recursive: true, force: true });
  if (TEST_DATABASE_URL) await dropStoreSchema(TEST_DATABASE_URL, restoreSchema);
});

/** Every regular file under `dir` (but per-process and PGlite files) → SHA-256. */
async function fileDigests(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const rel = relative(dir, p).split(sep).join('/');
      if (rel === 'data/pglite' || rel === 'node.lock' || rel === 'runtime.json') continue;
      if (e.isDirectory()) await walk(p);
      else if (e.isFile())
        out.set(
          rel,
          createHash('sha256')
            .update(await readFile(p))
            .digest('hex'),
        );
    }
  };
  await walk(dir);
  return out;
}

async function storeOf(dir: string) {
  const loaded = await loadConfig(dir);
  return openStore({
    dataDir: loaded.paths.dataDir,
    ...(TEST_DATABASE_URL ? { databaseUrl: TEST_DATABASE_URL } : {}),
    ...(loaded.config.storage.databaseSchema
      ? { databaseSchema: loaded.config.storage.databaseSchema }
      : {}),
  });
}

it('a PGlite node is backed up only while stopped; a PostgreSQL node while it runs', async () => {
  const dir = guest.node.config.dir;
  if (!TEST_DATABASE_URL) {
    const err = await backupNode({ dir, out: archive }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FedGridError);
    expect((err as FedGridError).code).toBe('NODE_LOCKED');
    expect((err as Error).message).toContain('backed up while it is stopped');
    await expect(stat(archive)).rejects.toThrow(); // nothing left behind
    await guest.node.close();
  }
  const r = await backupNode({ dir, out: archive });
  if (TEST_DATABASE_URL) await guest.node.close(); // stop writes before comparing
  expect(r.store).toBe(TEST_DATABASE_URL ? 'postgres' : 'pglite');
  expect(r.nodeId).toBe('guest');
  expect(r.tables).toBeGreaterThan(20);
  expect(r.rows).toBeGreaterThan(20);
  expect(r.files).toBeGreaterThanOrEqual(6); // config, key, cert, admin token, store id, snapshot...
  expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
  expect((await stat(archive)).mode & 0o777).toBe(0o600);
  // The archive holds the private key: compressed JSON lines, so grep its content.
  const text = gunzipSync(await readFile(archive)).toString('utf8');
  expect(text).toContain('"path":"identity/key.pem"');
  expect(text).not.toContain('"path":"node.lock"');
  // A second backup to the same file is refused (never overwritten).
  const again = await backupNode({ dir, out: archive }).catch((e: unknown) => e);
  expect((again as FedGridError).code).toBe('CONFLICT');
}, 120_000);

it('restores into a new directory and store: every table and every file equal; the node starts and its audit chain verifies', async () => {
  const target = join(work, 'restored');
  const r = await restoreNode({
    file: archive,
    dir: target,
    ...(TEST_DATABASE_URL ? { databaseUrl: TEST_DATABASE_URL, databaseSchema: restoreSchema } : {}),
  });
  expect(r.nodeId).toBe('guest');
  const src = guest.node.config.dir;
  // Files: identical bytes, except fedgrid.yaml when the schema was changed (compared parsed).
  const a = await fileDigests(src);
  const b = await fileDigests(target);
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  for (const [p, d] of a) if (p !== 'fedgrid.yaml') expect(b.get(p), p).toBe(d);
  const ya = parse(await readFile(join(src, 'fedgrid.yaml'), 'utf8')) as Record<string, unknown>;
  const yb = parse(await readFile(join(target, 'fedgrid.yaml'), 'utf8')) as Record<string, unknown>;
  if (TEST_DATABASE_URL) {
    expect((yb['storage'] as Record<string, unknown>)['databaseSchema']).toBe(restoreSchema);
    (yb['storage'] as Record<string, unknown>)['databaseSchema'] = (
      ya['storage'] as Record<string, unknown>
    )['databaseSchema'];
  }
  expect(yb).toEqual(ya);
  // Tables: every row of every table.
  const s1 = await storeOf(src);
  const s2 = await storeOf(target);
  try {
    const c1 = await tableContents(s1.db);
    const c2 = await tableContents(s2.db);
    expect([...c2.keys()]).toEqual([...c1.keys()]);
    let rows = 0;
    for (const [name, rows1] of c1) {
      expect(c2.get(name), name).toEqual(rows1);
      rows += rows1.length;
    }
    expect(rows).toBe(r.rows);
    for (const must of ['audit_events', 'contracts', 'jobs', 'tasks', 'datasets', 'users'])
      expect(c1.get(must)?.length, must).toBeGreaterThan(0);
    // Work in flight is in the archive and comes back exactly (bytes included).
    for (const must of [
      'task_executions',
      'scheduler_leader',
      'mailbox_sessions',
      'mailbox_chunks',
      'mailbox_slots',
    ])
      expect(c2.get(must)?.length, must).toBe(1);
    expect(c2.get('mailbox_chunks')?.[0]).toContain('\\x00ff01fe');
    // The pg-boss queue's tables (schema <node schema>_queue: job, queue, version, …) are not.
    const text = gunzipSync(await readFile(archive)).toString('utf8');
    const tables = text
      .split('\n')
      .filter((l) => l.startsWith('{"kind":"table"'))
      .map((l) => (JSON.parse(l) as { name: string }).name);
    expect(tables).toEqual([...c1.keys()]);
    for (const queueTable of ['job', 'queue', 'version', 'archive', 'schedule'])
      expect(tables).not.toContain(queueTable);
  } finally {
    await s1.close();
    await s2.close();
  }
  // The restored node starts on its restored store and sees its history.
  const node = await startNode({
    dir: target,
    logLevel: 'error',
    apiPort: 0,
    dataPort: 0,
    ...(TEST_DATABASE_URL ? { databaseUrl: TEST_DATABASE_URL } : {}),
  });
  try {
    const token = (await readFile(node.config.paths.adminToken, 'utf8')).trim();
    const get = async (url: string) =>
      (
        await node.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })
      ).json<Record<string, unknown>>();
    const jobs = (await get('/v1/jobs')) as { items: { status: string }[] };
    expect(jobs.items.map((x) => x.status)).toEqual(['succeeded']);
    const verify = (await get('/v1/audit/verify?partners=false')) as { chain: { ok: boolean } };
    expect(verify.chain.ok).toBe(true);
    // Sequences continue after the restored ids: a new audited write succeeds.
    const w = await node.app.inject({
      method: 'POST',
      url: '/v1/users',
      headers: { authorization: `Bearer ${token}` },
      payload: { name: 'after-restore', roles: ['read-only'] },
    });
    expect(w.statusCode).toBe(200);
    expect(
      ((await get('/v1/audit/verify?partners=false')) as { chain: { ok: boolean } }).chain.ok,
    ).toBe(true);
  } finally {
    await node.close();
  }
}, 180_000);

it('refuses an altered archive by its checksum and writes nothing', async () => {
  const lines = gunzipSync(await readFile(archive))
    .toString('utf8')
    .split('\n');
  // Change one character of one audit row: still valid JSON, valid gzip — only the digest knows.
  const i = lines.findIndex((l) => l.startsWith('{') && l.includes('"actor_id": "admin"'));
  expect(i).toBeGreaterThan(0);
  lines[i] = lines[i]!.replace('"actor_id": "admin"', '"actor_id": "admix"');
  const altered = join(work, 'altered.fgbak');
  await writeFile(altered, gzipSync(Buffer.from(lines.join('\n'))));
  const target = join(work, 'never');
  const err = await restoreNode({ file: altered, dir: target }).catch((e: unknown) => e);
  expect((err as FedGridError).code).toBe('BACKUP_CORRUPT');
  expect((err as Error).message).toContain('checksum');
  await expect(stat(target)).rejects.toThrow();
  // A truncated archive too.
  const cut = join(work, 'cut.fgbak');
  await writeFile(cut, gzipSync(Buffer.from(lines.slice(0, i).join('\n'))));
  const err2 = await restoreNode({ file: cut, dir: target }).catch((e: unknown) => e);
  expect((err2 as FedGridError).code).toBe('BACKUP_CORRUPT');
  await expect(stat(target)).rejects.toThrow();
});

it('refuses a non-empty target unless forced (keeping the old directory), and a running node', async () => {
  const target = join(work, 'restored');
  const schema = TEST_DATABASE_URL
    ? { databaseUrl: TEST_DATABASE_URL, databaseSchema: restoreSchema }
    : {};
  const err = await restoreNode({ file: archive, dir: target, ...schema }).catch((e: unknown) => e);
  expect((err as FedGridError).code).toBe('TARGET_NOT_EMPTY');
  const forced = await restoreNode({ file: archive, dir: target, force: true, ...schema });
  expect(forced.movedAside).toMatch(/restored\.before-restore-/);
  expect((await stat(join(forced.movedAside!, 'fedgrid.yaml'))).isFile()).toBe(true);
  // The host runs: its directory is locked.
  const running = await restoreNode({
    file: archive,
    dir: host.node.config.dir,
    force: true,
  }).catch((e: unknown) => e);
  expect((running as FedGridError).code).toBe('NODE_LOCKED');
  expect((await stat(join(host.node.config.dir, 'fedgrid.yaml'))).isFile()).toBe(true);
}, 120_000);

it('refuses an archive whose file paths leave the node directory, even with valid checksums', async () => {
  const { ArchiveWriter, BACKUP_FORMAT, BACKUP_VERSION } =
    await import('../dist/backup/backup-archive.js');
  const { migrations } = await import('../dist/storage/migrations/index.js');
  const file = join(work, 'escape.fgbak');
  const w = new ArchiveWriter(file);
  await w.record({
    kind: 'header',
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    nodeId: 'evil',
    createdAt: new Date().toISOString(),
    fedgridVersion: 'x',
    store: { kind: 'pglite', schema: 'public', id: null },
    migrations: Object.keys(migrations).sort(),
  });
  const content = Buffer.from('owned\n');
  await w.record({
    kind: 'file',
    path: '../escaped.txt',
    mode: 0o600,
    size: content.length,
    sha256: createHash('sha256').update(content).digest('hex'),
    chunks: 1,
  });
  await w.line(content.toString('base64'));
  await w.end({ tables: 0, files: 1 });
  const target = join(work, 'escape-target');
  const err = await restoreNode({ file, dir: target }).catch((e: unknown) => e);
  expect((err as FedGridError).code).toBe('BACKUP_CORRUPT');
  expect((err as Error).message).toContain('unsafe path');
  await expect(stat(join(work, 'escaped.txt'))).rejects.toThrow();
  await expect(stat(target)).rejects.toThrow();
});
