/**
 * GrantService on a real embedded store (PGlite in a temp directory): create/list/revoke, and
 * consume() with its errors naming the grant.
 *
 * openStore, DatasetService and GrantService are not exported from '@fedgrid/node', so they are
 * imported from the built package files (dist) directly.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GrantView } from '@fedgrid/node';
import type { Store } from '../dist/storage/db.js';
import { openTestStore } from './nodes.js';
import { DatasetService } from '../dist/datasets/datasets.service.js';
import { GrantService } from '../dist/grants/grants.service.js';

const root = mkdtempSync(join(tmpdir(), 'fedgrid-grants-test-'));
const dataDir = join(root, 'node');
let store: Store;
let grants: GrantService;
let dsA: string; // dataset ids
let dsB: string;

beforeAll(async () => {
  store = await openTestStore(dataDir);
  const datasets = new DatasetService(store.db, dataDir, { allowedDirs: [root] });
  const csv = join(root, 't.csv');
  writeFileSync(csv, 'id,x\n1,1\n2,2\n');
  dsA = (await datasets.register({ name: 'usage', path: csv })).id;
  dsB = (await datasets.register({ name: 'other', path: csv })).id;
  grants = new GrantService(store.db, (id) => datasets.get(id));
});
afterAll(async () => {
  await store?.close();
  rmSync(root, { recursive: true, force: true });
});

interface Failure {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

async function failure(p: Promise<unknown>): Promise<Failure> {
  try {
    await p;
  } catch (err) {
    const e = err as Error & { code?: string; details?: Record<string, unknown> };
    expect(e.name).toBe('FedGridError');
    return {
      code: e.code ?? '(none)',
      message: e.message,
      ...(e.details ? { details: e.details } : {}),
    };
  }
  throw new Error('expected a rejection');
}

/** A fresh grantee name per test, so that tests do not see each other's grants. */
let g = 0;
const grantee = () => `node-${++g}`;

const past = () => new Date(Date.now() - 3600_000).toISOString();
const future = () => new Date(Date.now() + 24 * 3600_000).toISOString();

describe('GrantService', () => {
  it('create: by dataset name or id, defaults, and get()', async () => {
    const to = grantee();
    const byName = await grants.create({ dataset: 'usage', grantee: to });
    expect(byName.id).toMatch(/^grant-/);
    expect(byName).toMatchObject({
      datasetId: dsA,
      grantee: to,
      jobId: null,
      expiresAt: null,
      maxUses: null,
      uses: 0,
      status: 'active',
    });
    expect(Number.isNaN(Date.parse(byName.createdAt))).toBe(false);
    const byId = await grants.create({
      dataset: dsB,
      grantee: to,
      jobId: 'job-9',
      maxUses: 3,
      expiresAt: '2999-01-02T03:04:05.000Z',
    });
    expect(byId).toMatchObject({
      datasetId: dsB,
      jobId: 'job-9',
      maxUses: 3,
      expiresAt: '2999-01-02T03:04:05.000Z',
      status: 'active',
    });
    expect(await grants.get(byName.id)).toEqual(byName);
    await expect(grants.get('grant-nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('create for an unknown dataset → NOT_FOUND, nothing created', async () => {
    const to = grantee();
    expect((await failure(grants.create({ dataset: 'no-such', grantee: to }))).code).toBe(
      'NOT_FOUND',
    );
    expect(await grants.list({ grantee: to })).toEqual([]);
  });

  it('list: all, by dataset, by grantee', async () => {
    const to1 = grantee();
    const to2 = grantee();
    const a1 = await grants.create({ dataset: dsA, grantee: to1 });
    const b1 = await grants.create({ dataset: dsB, grantee: to1 });
    const a2 = await grants.create({ dataset: dsA, grantee: to2 });
    const ids = (xs: GrantView[]) => xs.map((x) => x.id).sort();
    expect(ids(await grants.list({ grantee: to1 }))).toEqual([a1.id, b1.id].sort());
    expect(ids(await grants.list({ grantee: to2 }))).toEqual([a2.id]);
    expect(ids(await grants.list({ dataset: 'usage', grantee: to1 }))).toEqual([a1.id]);
    const all = ids(await grants.list());
    for (const x of [a1, b1, a2]) expect(all).toContain(x.id);
    const byDs = await grants.list({ dataset: dsA });
    expect(byDs.every((x) => x.datasetId === dsA)).toBe(true);
    expect(ids(byDs)).toEqual(expect.arrayContaining([a1.id, a2.id]));
    expect(ids(byDs)).not.toContain(b1.id);
  });

  it('revoke: status revoked; revoking twice → CONFLICT', async () => {
    const gr = await grants.create({ dataset: dsA, grantee: grantee() });
    const r = await grants.revoke(gr.id);
    expect(r.status).toBe('revoked');
    expect((await grants.get(gr.id)).status).toBe('revoked');
    expect((await failure(grants.revoke(gr.id))).code).toBe('CONFLICT');
    expect((await failure(grants.revoke('grant-nope'))).code).toBe('NOT_FOUND');
  });

  it('consume succeeds and counts uses', async () => {
    const to = grantee();
    const gr = await grants.create({ dataset: dsA, grantee: to });
    const u1 = await grants.consume(dsA, to, 'job-1');
    expect(u1.id).toBe(gr.id);
    expect(u1.uses).toBe(1);
    const u2 = await grants.consume(dsA, to, 'job-2');
    expect(u2.uses).toBe(2);
    expect((await grants.get(gr.id)).uses).toBe(2);
    expect((await grants.get(gr.id)).status).toBe('active');
  });

  it('max uses reached → GRANT_USED_UP naming the grant; uses stop counting', async () => {
    const to = grantee();
    const gr = await grants.create({ dataset: dsA, grantee: to, maxUses: 2 });
    await grants.consume(dsA, to, 'j1');
    await grants.consume(dsA, to, 'j2');
    const f = await failure(grants.consume(dsA, to, 'j3'));
    expect(f.code).toBe('GRANT_USED_UP');
    expect(f.message).toContain(gr.id);
    expect(f.details?.['grant']).toBe(gr.id);
    const after = await grants.get(gr.id);
    expect(after.uses).toBe(2);
    expect(after.status).toBe('used-up');
  });

  it('concurrent consumes never exceed maxUses', async () => {
    const to = grantee();
    const gr = await grants.create({ dataset: dsA, grantee: to, maxUses: 3 });
    const settled = await Promise.allSettled(
      Array.from({ length: 6 }, (_, k) => grants.consume(dsA, to, `job-${k}`)),
    );
    const ok = settled.filter((s) => s.status === 'fulfilled');
    const failed = settled.filter((s) => s.status === 'rejected') as PromiseRejectedResult[];
    expect(ok.length).toBe(3);
    expect(failed.map((f) => (f.reason as { code?: string }).code)).toEqual([
      'GRANT_USED_UP',
      'GRANT_USED_UP',
      'GRANT_USED_UP',
    ]);
    expect((await grants.get(gr.id)).uses).toBe(3);
  });

  it('expired → GRANT_EXPIRED naming the grant; a future expiry still works', async () => {
    const to = grantee();
    const live = await grants.create({ dataset: dsB, grantee: to, expiresAt: future() });
    expect((await grants.consume(dsB, to, 'j')).id).toBe(live.id);

    const to2 = grantee();
    const old = await grants.create({ dataset: dsA, grantee: to2, expiresAt: past() });
    expect((await grants.get(old.id)).status).toBe('expired');
    const f = await failure(grants.consume(dsA, to2, 'j'));
    expect(f.code).toBe('GRANT_EXPIRED');
    expect(f.message).toContain(old.id);
    expect(f.details?.['grant']).toBe(old.id);
    expect((await grants.get(old.id)).uses).toBe(0);
  });

  it('revoked → GRANT_REVOKED naming the grant', async () => {
    const to = grantee();
    const gr = await grants.create({ dataset: dsA, grantee: to });
    await grants.consume(dsA, to, 'j0');
    await grants.revoke(gr.id);
    const f = await failure(grants.consume(dsA, to, 'j1'));
    expect(f.code).toBe('GRANT_REVOKED');
    expect(f.message).toContain(gr.id);
    expect(f.details?.['grant']).toBe(gr.id);
    expect((await grants.get(gr.id)).uses).toBe(1);
  });

  it('no grant → GRANT_MISSING (other grantee, other dataset)', async () => {
    const to = grantee();
    await grants.create({ dataset: dsA, grantee: to });
    const f1 = await failure(grants.consume(dsA, grantee(), 'j'));
    expect(f1.code).toBe('GRANT_MISSING');
    expect(f1.details?.['grant']).toBeUndefined();
    const f2 = await failure(grants.consume(dsB, to, 'j'));
    expect(f2.code).toBe('GRANT_MISSING');
  });

  it('a job-scoped grant serves only that job', async () => {
    const to = grantee();
    const gr = await grants.create({ dataset: dsA, grantee: to, jobId: 'job-A' });
    expect((await grants.consume(dsA, to, 'job-A')).id).toBe(gr.id);
    const f = await failure(grants.consume(dsA, to, 'job-B'));
    expect(f.code).toBe('GRANT_MISSING');
    expect((await grants.get(gr.id)).uses).toBe(1);
  });

  it('an active grant is used even when a newer grant of the same pair is revoked', async () => {
    const to = grantee();
    const older = await grants.create({ dataset: dsA, grantee: to });
    const newer = await grants.create({ dataset: dsA, grantee: to });
    await grants.revoke(newer.id);
    const used = await grants.consume(dsA, to, 'j');
    expect(used.id).toBe(older.id);
    expect((await grants.get(older.id)).uses).toBe(1);
    expect((await grants.get(newer.id)).uses).toBe(0);
  });
});
