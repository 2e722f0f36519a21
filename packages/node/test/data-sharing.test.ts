/**
 * Dataset sharing between partners (issue #4 item 9) on three in-process nodes with real mutual
 * TLS between them: `own` owns the datasets, `app` applies for and receives grants, `oth` is
 * another contracted partner that must not see what was granted to `app`.
 *
 * Covered: visibility (listed / granted / private never leaks; partner views carry no paths),
 * update and delete of datasets, proactive grants and revocations with notices to the grantee,
 * applications (confirm, reject, cancel, retries, the status query after a lost callback with the
 * applicant node stopped and restarted), expiry, used-up, project scope, the task-start check
 * (`assertUsable`) after revocation and expiry, the grant a job consumed on acceptance, and
 * metered usage.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePgliteTemplate, startNode } from '@fedgrid/node';
import { TestNodes, type TestNode } from './nodes.js';

const t = new TestNodes();
let own: TestNode;
let app: TestNode;
let oth: TestNode;
const files = mkdtempSync(join(tmpdir(), 'fedgrid-sharing-data-'));
const csv = join(files, 'usage.csv');
const ROWS = 6;

interface Dataset {
  id: string;
  name: string;
  visibility: string;
  rows: number;
  sourcePath: string;
  updatedAt: string | null;
  description: string;
}
interface Grant {
  id: string;
  datasetId: string;
  datasetName: string | null;
  grantee: string;
  scope: string;
  jobId: string | null;
  projectId: string | null;
  expiresAt: string | null;
  maxUses: number | null;
  uses: number;
  metered: boolean;
  status: string;
  applicationId: string | null;
  notice: { status: string; error: string | null };
}
interface Received {
  id: string;
  owner: string;
  datasetId: string;
  datasetName: string;
  status: string;
  metered: boolean;
  maxUses: number | null;
  expiresAt: string | null;
  applicationId: string | null;
}
interface Application {
  id: string;
  direction: string;
  applicant: string;
  owner: string;
  datasetId: string;
  datasetName: string | null;
  scope: string;
  jobId: string | null;
  projectId: string | null;
  expiresAt: string | null;
  maxUses: number | null;
  metered: boolean;
  reason: string;
  status: string;
  statusReason: string | null;
  grantId: string | null;
  callback: { status: string; error: string | null } | null;
}
interface Page<T> {
  items: T[];
  total: number;
}
interface ErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

const ds: Record<string, Dataset> = {};
const enc = encodeURIComponent;

async function register(name: string, visibility: string): Promise<Dataset> {
  const d = await own.ok<Dataset>('POST', '/v1/datasets', {
    name,
    path: csv,
    idColumn: 'id',
    labelColumn: 'y',
    description: `${name} description`,
    visibility,
  });
  ds[name] = d;
  return d;
}

/** The code and details of a rejected service call. */
async function failure(p: Promise<unknown>): Promise<ErrorBody> {
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

const future = (h = 24) => new Date(Date.now() + h * 3600_000).toISOString();
const past = () => new Date(Date.now() - 3600_000).toISOString();
let jobSeq = 0;
const jobId = () => `job-20250101000000-${(++jobSeq).toString(16).padStart(8, '0')}`;

beforeAll(async () => {
  writeFileSync(
    csv,
    [
      'id,y,f1,f2',
      ...Array.from({ length: ROWS }, (_, i) => `u${i},${i % 2},${i},${i * 0.5}`),
    ].join('\n') + '\n',
  );
  // Once, before the parallel starts (each would otherwise build a missing template at once).
  await ensurePgliteTemplate();
  [own, app, oth] = await Promise.all([t.start('own'), t.start('app'), t.start('oth')]);
  await t.contractAll();
  await register('pub', 'public');
  await register('part', 'partners');
  await register('priv', 'private');
  await register('secret', 'private');
}, 120_000);
afterAll(async () => {
  await t.close();
  rmSync(files, { recursive: true, force: true });
});

describe('own datasets', () => {
  it('lists by visibility; register takes visibility', async () => {
    const all = await own.ok<Page<Dataset>>('GET', '/v1/datasets');
    expect(all.total).toBeGreaterThanOrEqual(4);
    for (const v of ['public', 'partners', 'private']) {
      const r = await own.ok<Page<Dataset>>('GET', `/v1/datasets?visibility=${v}`);
      expect(r.items.length).toBeGreaterThan(0);
      expect(r.items.every((d) => d.visibility === v)).toBe(true);
    }
    expect(
      (await own.ok<Page<Dataset>>('GET', '/v1/datasets?visibility=private')).items
        .map((d) => d.name)
        .sort(),
    ).toEqual(expect.arrayContaining(['priv', 'secret']));
    expect((await own.call('GET', '/v1/datasets?visibility=secret')).status).toBe(400);
  });

  it('PATCH changes name, description and visibility; refuses a taken name and empty or unknown changes', async () => {
    const d = await register('tmp-a', 'private');
    const u = await own.ok<Dataset>('PATCH', `/v1/datasets/${d.id}`, {
      name: 'tmp-b',
      description: 'new words',
      visibility: 'partners',
    });
    expect(u).toMatchObject({
      id: d.id,
      name: 'tmp-b',
      description: 'new words',
      visibility: 'partners',
    });
    expect(u.updatedAt).not.toBeNull();
    expect((await own.ok<Dataset>('GET', '/v1/datasets/tmp-b')).id).toBe(d.id);
    expect((await own.call('GET', '/v1/datasets/tmp-a')).status).toBe(404);
    const taken = await own.call<ErrorBody>('PATCH', `/v1/datasets/${d.id}`, { name: 'pub' });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('CONFLICT');
    expect((await own.call('PATCH', `/v1/datasets/${d.id}`, {})).status).toBe(400);
    expect((await own.call('PATCH', `/v1/datasets/${d.id}`, { path: '/etc/passwd' })).status).toBe(
      400,
    );
    expect((await own.call('PATCH', `/v1/datasets/${d.id}`, { visibility: 'world' })).status).toBe(
      400,
    );
    expect((await own.call('PATCH', '/v1/datasets/nope', { description: 'x' })).status).toBe(404);
    // Now listed to partners; back to private: no longer listed.
    const listed = async () =>
      (await app.ok<Page<{ name: string }>>('GET', '/v1/partner-datasets/own')).items.map(
        (x) => x.name,
      );
    expect(await listed()).toContain('tmp-b');
    await own.ok('PATCH', `/v1/datasets/${d.id}`, { visibility: 'private' });
    expect(await listed()).not.toContain('tmp-b');
  });
});

describe('partner queries', () => {
  it('a partner lists public and partners datasets, never private ones, and no paths or statistics', async () => {
    const r = await app.call<Page<Record<string, unknown>>>('GET', '/v1/partner-datasets/own');
    expect(r.status).toBe(200);
    const names = r.body.items.map((d) => d['name']);
    expect(names).toEqual(expect.arrayContaining(['pub', 'part']));
    expect(names).not.toContain('priv');
    expect(names).not.toContain('secret');
    expect(r.body.total).toBe(r.body.items.length);
    const text = JSON.stringify(r.body);
    expect(text).not.toContain(files); // the CSV's directory
    expect(text).not.toContain('sourcePath');
    expect(text).not.toContain('sha256');
    expect(text).not.toContain('mean');
    expect(text).not.toContain('counts');
    const pub = r.body.items.find((d) => d['name'] === 'pub') as Record<string, unknown>;
    expect(Object.keys(pub).sort()).toEqual(
      [
        'createdAt',
        'description',
        // The owner's data dictionary (descriptions, units, value lists), enabled flag, version.
        'dictionary',
        'enabled',
        'features',
        'id',
        'idColumn',
        'labelColumn',
        'name',
        'owner',
        'rows',
        'updatedAt',
        'version',
        'visibility',
      ].sort(),
    );
    expect(pub).toMatchObject({
      id: ds['pub']!.id,
      owner: 'own',
      rows: ROWS,
      idColumn: 'id',
      labelColumn: 'y',
      features: [
        { name: 'f1', type: 'integer' },
        { name: 'f2', type: 'float' },
      ],
    });
    // The third partner sees the same listing.
    const o = await oth.ok<Page<{ name: string }>>(
      'GET',
      '/v1/partner-datasets/own?q=pub&exact=true',
    );
    expect(o.items.map((d) => d.name)).toEqual(['pub']);
    // Asking oneself is a mistake.
    expect((await own.call('GET', '/v1/partner-datasets/own')).status).toBe(400);
    // No contract, no answer.
    const none = await own.call<ErrorBody>('GET', '/v1/partner-datasets/stranger');
    expect(none.body.code).toBe('FORBIDDEN');
  });

  it('categorical columns: a partner sees their names and type only — no categories, counts or codes', async () => {
    const catCsv = join(files, 'categorical.csv');
    writeFileSync(
      catCsv,
      [
        'id,y,region,opened,amount',
        ...Array.from(
          { length: ROWS },
          (_, i) =>
            `u${i},${i % 2},${['Zhejiang-secret', 'Hubei-secret'][i % 2]},2024-01-0${(i % 9) + 1},${i}`,
        ),
      ].join('\n') + '\n',
    );
    const d = await own.ok<Dataset & { features: Record<string, unknown>[] }>(
      'POST',
      '/v1/datasets',
      {
        name: 'cat',
        path: catCsv,
        idColumn: 'id',
        labelColumn: 'y',
        visibility: 'partners',
        columnTypes: { amount: 'numeric' },
      },
    );
    // The owner sees its own summary (count of categories, how each type came about).
    expect(d.features.map((f) => [f['name'], f['type'], f['typeSource']])).toEqual([
      ['region', 'categorical', 'detected'],
      ['opened', 'datetime', 'detected'],
      ['amount', 'integer', 'declared'],
    ]);
    expect(d.features[0]?.['categories']).toBe(2);
    for (const partner of [app, oth]) {
      const r = await partner.ok<Page<Record<string, unknown>>>(
        'GET',
        '/v1/partner-datasets/own?q=cat&exact=true',
      );
      const item = r.items[0] as Record<string, unknown>;
      expect(item['features']).toEqual([
        { name: 'region', type: 'categorical' },
        { name: 'opened', type: 'datetime' },
        { name: 'amount', type: 'integer' },
      ]);
      const text = JSON.stringify(r);
      for (const leak of ['secret', 'Zhejiang', 'levels', 'categories', 'typeSource', 'missing'])
        expect(text).not.toContain(leak);
      // The info query answers the same shape.
      const info = await partner.ok<Record<string, unknown>>(
        'GET',
        `/v1/partner-datasets/own/${enc(d.id)}`,
      );
      expect(info['features']).toEqual(item['features']);
      expect(JSON.stringify(info)).not.toContain('secret');
    }
    await own.ok('DELETE', `/v1/datasets/${enc(d.id)}`);
  });

  it('info: listed datasets only; a private one answers exactly like a missing one', async () => {
    const info = await app.ok<Record<string, unknown>>(
      'GET',
      `/v1/partner-datasets/own/${ds['part']!.id}`,
    );
    expect(info).toMatchObject({ id: ds['part']!.id, name: 'part', listed: true, grants: [] });
    expect(JSON.stringify(info)).not.toContain(files);
    expect(info).not.toHaveProperty('sourcePath');
    expect(info).not.toHaveProperty('label');
    const priv = await app.call<ErrorBody>('GET', `/v1/partner-datasets/own/${ds['priv']!.id}`);
    const missing = await app.call<ErrorBody>('GET', '/v1/partner-datasets/own/ds-nope');
    expect(priv.body.code).toBe('PEER_REFUSED');
    expect(priv.body.details?.['peerCode']).toBe('NOT_FOUND');
    expect(missing.body.details?.['peerCode']).toBe('NOT_FOUND');
    expect(priv.body.message.replaceAll(ds['priv']!.id, 'X')).toBe(
      missing.body.message.replaceAll('ds-nope', 'X'),
    );
    // By name too.
    const byName = await app.call<ErrorBody>('GET', '/v1/partner-datasets/own/priv');
    expect(byName.body.details?.['peerCode']).toBe('NOT_FOUND');
  });
});

describe('grants given proactively', () => {
  it('the grantee is told, sees the dataset as granted; others do not; revocation is told too', async () => {
    const g = await own.ok<Grant>('POST', '/v1/grants', {
      dataset: 'secret',
      grantee: 'app',
      maxUses: 5,
      expiresAt: future(),
    });
    expect(g.id.startsWith('own:grant-')).toBe(true);
    expect(g).toMatchObject({
      scope: 'any',
      status: 'active',
      notice: { status: 'sent', error: null },
    });
    const rec = await app.ok<Page<Received>>('GET', '/v1/grants/received?owner=own');
    expect(rec.items.find((x) => x.id === g.id)).toMatchObject({
      owner: 'own',
      datasetId: ds['secret']!.id,
      datasetName: 'secret',
      status: 'active',
      maxUses: 5,
      expiresAt: g.expiresAt,
    });
    const granted = await app.ok<Page<{ name: string; grants: { id: string }[] }>>(
      'GET',
      '/v1/partner-datasets/own/granted',
    );
    expect(granted.items.map((d) => d.name)).toEqual(['secret']);
    expect(granted.items[0]!.grants.map((x) => x.id)).toEqual([g.id]);
    expect(JSON.stringify(granted)).not.toContain(files);
    // The granted private dataset's info is visible to the grantee, not to the other partner.
    expect(await app.ok('GET', `/v1/partner-datasets/own/${ds['secret']!.id}`)).toMatchObject({
      name: 'secret',
      listed: false,
      visibility: 'private',
    });
    expect(
      (await oth.call<ErrorBody>('GET', `/v1/partner-datasets/own/${ds['secret']!.id}`)).body
        .details?.['peerCode'],
    ).toBe('NOT_FOUND');
    expect((await oth.ok<Page<unknown>>('GET', '/v1/partner-datasets/own/granted')).total).toBe(0);
    expect((await oth.ok<Page<unknown>>('GET', '/v1/grants/received')).total).toBe(0);
    // Still not listed.
    expect(
      (await app.ok<Page<{ name: string }>>('GET', '/v1/partner-datasets/own')).items.map(
        (d) => d.name,
      ),
    ).not.toContain('secret');

    const r = await own.ok<Grant>('POST', `/v1/grants/${enc(g.id)}/revoke`, { reason: 'audit' });
    expect(r).toMatchObject({ status: 'revoked', notice: { status: 'sent' } });
    const after = await app.ok<Page<Received>>(
      'GET',
      `/v1/grants/received?owner=own&status=revoked`,
    );
    expect(after.items.map((x) => x.id)).toContain(g.id);
    expect((await app.ok<Page<unknown>>('GET', '/v1/partner-datasets/own/granted')).total).toBe(0);
    expect(
      (await app.call<ErrorBody>('GET', `/v1/partner-datasets/own/${ds['secret']!.id}`)).body
        .details?.['peerCode'],
    ).toBe('NOT_FOUND');
  });

  it('a grant to a node without a contract is kept, with the failed notice recorded', async () => {
    const g = await own.ok<Grant>('POST', '/v1/grants', { dataset: 'pub', grantee: 'stranger' });
    expect(g.status).toBe('active');
    expect(g.notice.status).toBe('failed');
    expect(g.notice.error).toMatch(/no active contract/);
    await own.ok('POST', `/v1/grants/${enc(g.id)}/revoke`);
  });

  it('refuses a grant scoped to both a job and a project, and a grant to oneself', async () => {
    const both = await own.call<ErrorBody>('POST', '/v1/grants', {
      dataset: 'pub',
      grantee: 'app',
      jobId: 'job-1',
      projectId: 'p',
    });
    expect(both.status).toBe(400);
    expect(both.body.message).toMatch(/not both/);
    expect((await own.call('POST', '/v1/grants', { dataset: 'pub', grantee: 'own' })).status).toBe(
      400,
    );
  });

  it('received/sync restores a grantee copy whose notice was lost', async () => {
    const g = await own.ok<Grant>('POST', '/v1/grants', {
      dataset: 'part',
      grantee: 'oth',
      metered: true,
    });
    // Lose the grantee's copy, as if the notice never arrived.
    await oth.node.services.db.deleteFrom('received_grants').where('id', '=', g.id).execute();
    expect(
      (await oth.ok<Page<Received>>('GET', '/v1/grants/received')).items.map((x) => x.id),
    ).not.toContain(g.id);
    const s = await oth.ok<{ items: Received[] }>('POST', '/v1/grants/received/sync', {
      owner: 'own',
    });
    expect(s.items.find((x) => x.id === g.id)).toMatchObject({
      status: 'active',
      metered: true,
      datasetName: 'part',
    });
    // Revoked while the grantee was not told: the sync sees it.
    await own.node.services.db
      .updateTable('grants')
      .set({ status: 'revoked', revoked_at: new Date() })
      .where('id', '=', g.id)
      .execute();
    const s2 = await oth.ok<{ items: Received[] }>('POST', '/v1/grants/received/sync', {
      owner: 'own',
    });
    expect(s2.items.find((x) => x.id === g.id)?.status).toBe('revoked');
  });
});

describe('grant applications', () => {
  it('apply → owner stores it pending → confirm creates the grant with those terms → the applicant is told', async () => {
    const expiresAt = future(48);
    const a = await app.ok<Application>('POST', '/v1/grant-applications', {
      owner: 'own',
      dataset: 'part',
      maxUses: 2,
      expiresAt,
      metered: true,
      projectId: 'prj-1',
      reason: 'credit model',
    });
    expect(a.id.startsWith('app:gapp-')).toBe(true);
    expect(a).toMatchObject({
      direction: 'outgoing',
      applicant: 'app',
      owner: 'own',
      datasetId: ds['part']!.id,
      datasetName: 'part',
      scope: 'project',
      projectId: 'prj-1',
      status: 'pending',
    });
    const incoming = await own.ok<Page<Application>>(
      'GET',
      '/v1/grant-applications?direction=incoming&status=pending',
    );
    const mine = incoming.items.find((x) => x.id === a.id);
    expect(mine).toMatchObject({
      direction: 'incoming',
      applicant: 'app',
      datasetId: ds['part']!.id,
      maxUses: 2,
      expiresAt,
      metered: true,
      reason: 'credit model',
    });
    // The applicant cannot answer its own application; the owner cannot cancel it.
    expect((await app.call('POST', `/v1/grant-applications/${enc(a.id)}/confirm`)).status).toBe(
      409,
    );
    expect((await own.call('POST', `/v1/grant-applications/${enc(a.id)}/cancel`)).status).toBe(409);

    const c = await own.ok<Application>('POST', `/v1/grant-applications/${enc(a.id)}/confirm`);
    expect(c.status).toBe('confirmed');
    expect(c.callback).toEqual({ status: 'sent', error: null });
    const g = await own.ok<Grant>('GET', `/v1/grants/${enc(c.grantId!)}`);
    expect(g).toMatchObject({
      grantee: 'app',
      datasetId: ds['part']!.id,
      scope: 'project',
      projectId: 'prj-1',
      maxUses: 2,
      expiresAt,
      metered: true,
      applicationId: a.id,
      status: 'active',
    });
    const seen = await app.ok<Application>('GET', `/v1/grant-applications/${enc(a.id)}`);
    expect(seen).toMatchObject({ status: 'confirmed', grantId: g.id });
    expect(
      (await app.ok<Page<Received>>('GET', '/v1/grants/received')).items.find((x) => x.id === g.id),
    ).toMatchObject({ applicationId: a.id, status: 'active', metered: true });
    // Answered applications cannot be answered or cancelled again.
    expect((await own.call('POST', `/v1/grant-applications/${enc(a.id)}/confirm`)).status).toBe(
      409,
    );
    expect((await own.call('POST', `/v1/grant-applications/${enc(a.id)}/reject`)).status).toBe(409);
    expect((await app.call('POST', `/v1/grant-applications/${enc(a.id)}/cancel`)).status).toBe(409);
    // A retried application (same id) returns the stored one and creates nothing new.
    const s = app.node.services;
    const again = await s.peers.call<{ id: string; status: string }>(
      await s.contracts.peerApi('own'),
      'POST',
      '/v1/interconn/grant-applications',
      { id: a.id, dataset: 'part' },
    );
    expect(again).toMatchObject({ id: a.id, status: 'confirmed' });
    expect(
      (await own.ok<Page<Grant>>('GET', `/v1/grants?grantee=app&dataset=part`)).items.filter(
        (x) => x.applicationId === a.id,
      ),
    ).toHaveLength(1);
  });

  it('reject: the applicant sees the reason', async () => {
    const a = await app.ok<Application>('POST', '/v1/grant-applications', {
      owner: 'own',
      dataset: 'pub',
    });
    const r = await own.ok<Application>('POST', `/v1/grant-applications/${enc(a.id)}/reject`, {
      reason: 'not for marketing',
    });
    expect(r).toMatchObject({ status: 'rejected', statusReason: 'not for marketing' });
    expect(await app.ok<Application>('GET', `/v1/grant-applications/${enc(a.id)}`)).toMatchObject({
      status: 'rejected',
      statusReason: 'not for marketing',
      grantId: null,
    });
    expect((await own.ok<Page<Grant>>('GET', '/v1/grants?grantee=app&dataset=pub')).total).toBe(0);
  });

  it('cancel: only while pending, and the owner can no longer confirm', async () => {
    const a = await app.ok<Application>('POST', '/v1/grant-applications', {
      owner: 'own',
      dataset: ds['pub']!.id,
      jobId: 'job-x',
    });
    expect(a.scope).toBe('job');
    const c = await app.ok<Application>('POST', `/v1/grant-applications/${enc(a.id)}/cancel`);
    expect(c.status).toBe('cancelled');
    expect(await own.ok<Application>('GET', `/v1/grant-applications/${enc(a.id)}`)).toMatchObject({
      status: 'cancelled',
    });
    const conf = await own.call<ErrorBody>('POST', `/v1/grant-applications/${enc(a.id)}/confirm`);
    expect(conf.status).toBe(409);
    expect(conf.body.message).toMatch(/cancelled/);
    expect((await app.call('POST', `/v1/grant-applications/${enc(a.id)}/cancel`)).status).toBe(409);
  });

  it('refuses applications for private or unknown datasets (stored nowhere), and bad terms', async () => {
    const before = (await own.ok<Page<Application>>('GET', '/v1/grant-applications')).total;
    for (const dataset of ['priv', ds['priv']!.id, 'nope']) {
      const r = await app.call<ErrorBody>('POST', '/v1/grant-applications', {
        owner: 'own',
        dataset,
      });
      expect(r.body.code).toBe('PEER_REFUSED');
      expect(r.body.details?.['peerCode']).toBe('NOT_FOUND');
    }
    expect((await own.ok<Page<Application>>('GET', '/v1/grant-applications')).total).toBe(before);
    expect(
      (
        await app.ok<Page<Application>>('GET', '/v1/grant-applications?status=pending')
      ).items.filter((x) => x.datasetName === 'priv'),
    ).toHaveLength(0);
    expect(
      (
        await app.call('POST', '/v1/grant-applications', {
          owner: 'own',
          dataset: 'pub',
          maxUses: 0,
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await app.call('POST', '/v1/grant-applications', {
          owner: 'own',
          dataset: 'pub',
          jobId: 'j',
          projectId: 'p',
        })
      ).status,
    ).toBe(400);
    expect(
      (await app.call('POST', '/v1/grant-applications', { owner: 'app', dataset: 'x' })).status,
    ).toBe(400);
    // An application id must be the applicant's own.
    const s = oth.node.services;
    await expect(
      s.peers.call(await s.contracts.peerApi('own'), 'POST', '/v1/interconn/grant-applications', {
        id: 'app:gapp-forged',
        dataset: 'pub',
      }),
    ).rejects.toMatchObject({ details: { peerCode: 'VALIDATION_FAILED' } });
    // A partner cannot read another partner's application.
    const a = await app.ok<Application>('POST', '/v1/grant-applications', {
      owner: 'own',
      dataset: 'pub',
    });
    await expect(
      s.peers.call(
        await s.contracts.peerApi('own'),
        'GET',
        `/v1/interconn/grant-applications/${enc(a.id)}`,
      ),
    ).rejects.toMatchObject({ details: { peerCode: 'NOT_FOUND' } });
    await app.ok('POST', `/v1/grant-applications/${enc(a.id)}/cancel`);
  });

  it('an application whose expiry passed cannot be confirmed', async () => {
    const a = await app.ok<Application>('POST', '/v1/grant-applications', {
      owner: 'own',
      dataset: 'pub',
      expiresAt: past(),
    });
    const r = await own.call<ErrorBody>('POST', `/v1/grant-applications/${enc(a.id)}/confirm`);
    expect(r.status).toBe(409);
    expect(r.body.message).toMatch(/has passed/);
    expect((await own.ok<Application>('GET', `/v1/grant-applications/${enc(a.id)}`)).status).toBe(
      'pending',
    );
    await own.ok('POST', `/v1/grant-applications/${enc(a.id)}/reject`);
  });

  it('lost callback: the owner confirms while the applicant is down; after restart the status query finds the grant', async () => {
    const a1 = await app.ok<Application>('POST', '/v1/grant-applications', {
      owner: 'own',
      dataset: 'pub',
    });
    const a2 = await app.ok<Application>('POST', '/v1/grant-applications', {
      owner: 'own',
      dataset: 'part',
    });
    const { apiPort, dataPort } = app.node;
    const dir = app.node.config.dir;
    const token = (await readFile(app.node.config.paths.adminToken, 'utf8')).trim();
    await app.node.close();

    const c1 = await own.ok<Application>('POST', `/v1/grant-applications/${enc(a1.id)}/confirm`);
    expect(c1.status).toBe('confirmed');
    expect(c1.callback?.status).toBe('failed');
    expect((await own.ok<Grant>('GET', `/v1/grants/${enc(c1.grantId!)}`)).notice.status).toBe(
      'failed',
    );
    const c2 = await own.ok<Application>('POST', `/v1/grant-applications/${enc(a2.id)}/confirm`);
    expect(c2.callback?.status).toBe('failed');

    // Restart the applicant on the same ports (its contract with the owner pins them).
    const node = await startNode({ dir, apiPort, dataPort, logLevel: 'error' });
    const call = async <T>(method: string, url: string, payload?: unknown) => {
      const r = await node.app.inject({
        method: method as 'GET',
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
      return { status: r.statusCode, body: (r.body ? r.json() : undefined) as T };
    };
    const restarted: TestNode = {
      id: 'app',
      node,
      call,
      ok: async <T>(method: string, url: string, payload?: unknown) => {
        const r = await call<T>(method, url, payload);
        if (r.status >= 300)
          throw new Error(`${method} ${url} → ${r.status} ${JSON.stringify(r.body)}`);
        return r.body;
      },
    };
    t.nodes[t.nodes.indexOf(app)] = restarted;
    app = restarted;

    // Still pending here, and no copy of the grant: the callback and the notice were lost.
    expect((await app.ok<Application>('GET', `/v1/grant-applications/${enc(a1.id)}`)).status).toBe(
      'pending',
    );
    expect(
      (await app.ok<Page<Received>>('GET', '/v1/grants/received')).items.map((x) => x.id),
    ).not.toContain(c1.grantId);
    // The status query (fallback) records the answer and the grant.
    const q = await app.ok<Application>('POST', `/v1/grant-applications/${enc(a1.id)}/query`);
    expect(q).toMatchObject({ status: 'confirmed', grantId: c1.grantId });
    expect(
      (await app.ok<Page<Received>>('GET', '/v1/grants/received')).items.find(
        (x) => x.id === c1.grantId,
      ),
    ).toMatchObject({ status: 'active', applicationId: a1.id, datasetName: 'pub' });
    // Cancelling what the owner already confirmed is refused, and the real state recorded.
    const cancel = await app.call<ErrorBody>('POST', `/v1/grant-applications/${enc(a2.id)}/cancel`);
    expect(cancel.status).toBe(409);
    expect(cancel.body.message).toMatch(/confirmed/);
    expect(await app.ok<Application>('GET', `/v1/grant-applications/${enc(a2.id)}`)).toMatchObject({
      status: 'confirmed',
      grantId: c2.grantId,
    });
    // The query route of the owner answers the same as the recorded state.
    const s = app.node.services;
    const direct = await s.peers.call<{ status: string; grant: { id: string } }>(
      await s.contracts.peerApi('own'),
      'GET',
      `/v1/interconn/grant-applications/${enc(a1.id)}`,
    );
    expect(direct).toMatchObject({ status: 'confirmed', grant: { id: c1.grantId } });
    // Querying an incoming application is meaningless: the owner knows its state.
    expect((await own.call('POST', `/v1/grant-applications/${enc(a1.id)}/query`)).status).toBe(409);
  });
});

describe('enforcement', () => {
  const grants = () => own.node.services.grants;

  it('a job accepted from a partner consumes a grant and records it; each task start checks it again (revoked → GRANT_REVOKED)', async () => {
    const g = await own.ok<Grant>('POST', '/v1/grants', { dataset: 'pub', grantee: 'oth' });
    await t.permitAdhoc(own, 'oth', ['psi-ecdh']);
    const id = jobId();
    const s = oth.node.services;
    await s.peers.call(await s.contracts.peerApi('own'), 'POST', '/v1/interconn/jobs', {
      id,
      initiator: 'oth',
      createdAt: new Date().toISOString(),
      name: 'sharing test',
      parties: { guest: { node: 'oth' }, hosts: [{ node: 'own' }] },
      datasets: { guest: 'theirs', 'host-0': 'pub' },
      tasks: [{ name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } }],
    });
    expect((await own.ok<Grant>('GET', `/v1/grants/${enc(g.id)}`)).uses).toBe(1);
    // The task-start check finds the consumed grant and counts nothing more.
    expect(
      (await grants().assertUsable(id, 'pub', 'oth', { task: 'psi', party: 'host-0' }))?.id,
    ).toBe(g.id);
    expect((await own.ok<Grant>('GET', `/v1/grants/${enc(g.id)}`)).uses).toBe(1);

    // While that job is unfinished, the dataset cannot be deleted, not even with force.
    const del = await own.call<ErrorBody>('DELETE', `/v1/datasets/${ds['pub']!.id}?force=true`);
    expect(del.status).toBe(409);
    expect(del.body.details?.['jobs']).toEqual([id]);

    await own.ok('POST', `/v1/grants/${enc(g.id)}/revoke`);
    const f = await failure(
      grants().assertUsable(id, 'pub', 'oth', { task: 'psi', party: 'host-0' }),
    );
    expect(f.code).toBe('GRANT_REVOKED');
    expect(f.message).toContain(g.id);
    expect(f.message).toContain("task 'psi'");
    expect(f.details).toMatchObject({ grant: g.id, job: id, task: 'psi' });

    await s.peers.call(
      await s.contracts.peerApi('own'),
      'POST',
      `/v1/interconn/jobs/${id}/finish`,
      {
        status: 'stopped',
      },
    );
    // The owner's own parties need no grant.
    expect(await grants().assertUsable(id, 'pub', 'own', { task: 'psi' })).toBeNull();
  });

  it('expiry: a past expiry is refused at once; a grant that expires after acceptance stops the next task', async () => {
    const old = await own.ok<Grant>('POST', '/v1/grants', {
      dataset: 'part',
      grantee: 'x-1',
      expiresAt: past(),
    });
    expect(old.status).toBe('expired');
    const f0 = await failure(grants().consume(ds['part']!.id, 'x-1', jobId()));
    expect(f0.code).toBe('GRANT_EXPIRED');
    expect(f0.message).toContain(old.id);

    const soon = new Date(Date.now() + 1500).toISOString();
    const g = await own.ok<Grant>('POST', '/v1/grants', {
      dataset: 'part',
      grantee: 'x-2',
      expiresAt: soon,
    });
    const id = jobId();
    await grants().consume(ds['part']!.id, 'x-2', id);
    expect((await grants().assertUsable(id, 'part', 'x-2', { task: 'psi' }))?.id).toBe(g.id);
    while (Date.now() <= Date.parse(soon)) await new Promise((r) => setTimeout(r, 100));
    const f = await failure(grants().assertUsable(id, 'part', 'x-2', { task: 'train' }));
    expect(f.code).toBe('GRANT_EXPIRED');
    expect(f.message).toContain(g.id);
    expect(f.details).toMatchObject({ grant: g.id, task: 'train' });
    expect((await own.ok<Grant>('GET', `/v1/grants/${enc(g.id)}`)).status).toBe('expired');
  });

  it('used up: the job holding the last use still runs its tasks; another job is refused', async () => {
    const g = await own.ok<Grant>('POST', '/v1/grants', {
      dataset: 'part',
      grantee: 'x-3',
      maxUses: 1,
    });
    const j1 = jobId();
    await grants().consume(ds['part']!.id, 'x-3', j1);
    // Same job again (retried acceptance): nothing more consumed.
    await grants().consume(ds['part']!.id, 'x-3', j1);
    expect(await own.ok<Grant>('GET', `/v1/grants/${enc(g.id)}`)).toMatchObject({
      uses: 1,
      status: 'used-up',
    });
    expect((await grants().assertUsable(j1, 'part', 'x-3', { task: 'train' }))?.id).toBe(g.id);
    const f = await failure(grants().consume(ds['part']!.id, 'x-3', jobId()));
    expect(f.code).toBe('GRANT_USED_UP');
    expect(f.details?.['grant']).toBe(g.id);
    // A job with no recorded grant consumes one at its first task start — none is left.
    const f2 = await failure(grants().assertUsable(jobId(), 'part', 'x-3', { task: 'psi' }));
    expect(f2.code).toBe('GRANT_USED_UP');
    expect(f2.message).toContain(g.id);
    expect(f2.message).toContain("task 'psi'");
  });

  it('project scope: serves only jobs of that project', async () => {
    const g = await own.ok<Grant>('POST', '/v1/grants', {
      dataset: 'part',
      grantee: 'x-4',
      projectId: 'prj-A',
    });
    expect(g.scope).toBe('project');
    expect(
      (await grants().consume(ds['part']!.id, 'x-4', jobId(), { projectId: 'prj-A' })).id,
    ).toBe(g.id);
    expect(
      (await failure(grants().consume(ds['part']!.id, 'x-4', jobId(), { projectId: 'prj-B' })))
        .code,
    ).toBe('GRANT_MISSING');
    expect((await failure(grants().consume(ds['part']!.id, 'x-4', jobId()))).code).toBe(
      'GRANT_MISSING',
    );
  });

  it('metered grants record every use (job accepted, each task start) with the rows; others record none', async () => {
    const m = await own.ok<Grant>('POST', '/v1/grants', {
      dataset: 'part',
      grantee: 'x-5',
      metered: true,
    });
    const plain = await own.ok<Grant>('POST', '/v1/grants', { dataset: 'pub', grantee: 'x-5' });
    const j1 = jobId();
    const j2 = jobId();
    await grants().consume(ds['part']!.id, 'x-5', j1);
    await grants().assertUsable(j1, 'part', 'x-5', { task: 'psi', party: 'host-0' });
    await grants().assertUsable(j1, ds['part']!.id, 'x-5', {
      task: 'train',
      party: 'host-0',
      rows: 4,
    });
    await grants().consume(ds['part']!.id, 'x-5', j2);
    await grants().consume(ds['pub']!.id, 'x-5', j2);
    await grants().assertUsable(j2, 'pub', 'x-5', { task: 'psi' });

    const u = await own.ok<
      Page<{
        jobId: string;
        task: string | null;
        party: string | null;
        event: string;
        rows: number;
      }> & {
        rows: number;
        grant: Grant;
      }
    >('GET', `/v1/grants/${enc(m.id)}/usage`);
    expect(u.total).toBe(4);
    expect(u.items.map((x) => [x.jobId, x.event, x.task, x.party, x.rows])).toEqual([
      [j1, 'job-accepted', null, null, ROWS],
      [j1, 'task-started', 'psi', 'host-0', ROWS],
      [j1, 'task-started', 'train', 'host-0', 4],
      [j2, 'job-accepted', null, null, ROWS],
    ]);
    expect(u.rows).toBe(3 * ROWS + 4);
    expect(u.grant).toMatchObject({ id: m.id, uses: 2, metered: true });
    expect((await own.ok<Page<unknown>>('GET', `/v1/grants/${enc(plain.id)}/usage`)).total).toBe(0);
    expect((await own.call('GET', `/v1/grants/${enc('own:grant-nope')}/usage`)).status).toBe(404);
  });
});

describe('deleting a dataset', () => {
  it('refused while active grants exist; force revokes them, tells the grantee, rejects pending applications; usage survives', async () => {
    const d = await register('doomed', 'partners');
    const g = await own.ok<Grant>('POST', '/v1/grants', {
      dataset: 'doomed',
      grantee: 'app',
      metered: true,
    });
    const jid = jobId();
    await own.node.services.grants.consume(d.id, 'app', jid);
    const a = await oth.ok<Application>('POST', '/v1/grant-applications', {
      owner: 'own',
      dataset: 'doomed',
    });

    const r = await own.call<ErrorBody>('DELETE', `/v1/datasets/${d.id}`);
    expect(r.status).toBe(409);
    expect(r.body.details?.['grants']).toEqual([g.id]);
    expect((await own.ok<Dataset>('GET', `/v1/datasets/${d.id}`)).name).toBe('doomed');

    const del = await own.ok<{
      deleted: boolean;
      revokedGrants: string[];
      rejectedApplications: number;
    }>('DELETE', `/v1/datasets/${d.id}?force=true`);
    expect(del).toMatchObject({ deleted: true, revokedGrants: [g.id], rejectedApplications: 1 });
    expect((await own.call('GET', `/v1/datasets/${d.id}`)).status).toBe(404);
    expect(
      (await app.ok<Page<Received>>('GET', '/v1/grants/received')).items.find((x) => x.id === g.id)
        ?.status,
    ).toBe('revoked');
    expect(await oth.ok<Application>('GET', `/v1/grant-applications/${enc(a.id)}`)).toMatchObject({
      status: 'rejected',
      statusReason: expect.stringContaining('deleted') as unknown as string,
    });
    // Billing records outlive the grant.
    const u = await own.ok<Page<unknown> & { grant: unknown }>(
      'GET',
      `/v1/grants/${enc(g.id)}/usage`,
    );
    expect(u.total).toBe(1);
    expect(u.grant).toBeNull();
    // A sync by the grantee now reports the grant as gone.
    const s = await app.ok<{ items: Received[] }>('POST', '/v1/grants/received/sync', {
      owner: 'own',
    });
    expect(s.items.find((x) => x.id === g.id)?.status).toBe('deleted');
  });

  it('a dataset without grants is deleted at once; an unknown one is NOT_FOUND', async () => {
    const d = await register('short-lived', 'private');
    expect(await own.ok('DELETE', `/v1/datasets/${d.id}`)).toMatchObject({
      deleted: true,
      revokedGrants: [],
    });
    expect((await own.call('DELETE', `/v1/datasets/${d.id}`)).status).toBe(404);
  });
});
