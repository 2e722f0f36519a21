/**
 * docs/SECURITY.md's "Who may read what" table against the node: every partner route (permission
 * `interconn:*`) the node registers has exactly one row, and no row names a route that does not
 * exist. A few rows are then played on in-process nodes over real mutual TLS: what a contracted
 * node outside a job, another grantee and an uncontracted client get.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePgliteTemplate, initNode, startNode } from '@fedgrid/node';
import { TestNodes, type TestNode } from './nodes.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

interface Row {
  method: string;
  path: string;
  who: string;
  what: string;
}

/** The rows of the table under "## Who may read what" in docs/SECURITY.md. */
async function securityTable(): Promise<Row[]> {
  const md = await readFile(
    fileURLToPath(new URL('../../../docs/SECURITY.md', import.meta.url)),
    'utf8',
  );
  const start = md.indexOf('\n## Who may read what');
  expect(start, 'docs/SECURITY.md has a "Who may read what" section').toBeGreaterThan(0);
  const end = md.indexOf('\n## ', start + 1);
  const section = md.slice(start, end === -1 ? undefined : end);
  return section
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    )
    .filter((cells) => METHODS.includes(cells[0] ?? ''))
    .map(([method = '', path = '', who = '', what = '']) => ({
      method,
      path: path.replace(/^`|`$/g, ''),
      who,
      what,
    }));
}

/** Every operation the node registers whose permission is `interconn:*`, as `METHOD /path`. */
async function registeredPartnerRoutes(): Promise<{ routes: string[]; has(r: Row): boolean }> {
  const dir = await mkdtemp(join(tmpdir(), 'fedgrid-secdoc-'));
  try {
    await initNode({ dir: join(dir, 'n'), id: 'secdoc' });
    const node = await startNode({ dir: join(dir, 'n'), listen: false, logLevel: 'error' });
    try {
      const docu = (node.app as unknown as { swagger(): unknown }).swagger() as {
        paths: Record<string, Record<string, { description?: string }>>;
      };
      const routes: string[] = [];
      for (const [path, ops] of Object.entries(docu.paths)) {
        for (const [method, op] of Object.entries(ops)) {
          const perm = /Permission: `([^`]+)`/.exec(op.description ?? '')?.[1];
          if (perm?.startsWith('interconn:')) routes.push(`${method.toUpperCase()} ${path}`);
        }
      }
      const registered = new Set(routes.map((r) => r.replace(/\{([^}]+)\}/g, ':$1')));
      return {
        routes,
        // Fastify's own table too, so that the check does not rest on the OpenAPI document alone.
        has: (r) =>
          node.app.hasRoute({
            method: r.method as 'GET',
            url: r.path.replace(/\{([^}]+)\}/g, ':$1'),
          }) && registered.has(`${r.method} ${r.path.replace(/\{([^}]+)\}/g, ':$1')}`),
      };
    } finally {
      await node.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('docs/SECURITY.md "Who may read what"', () => {
  it('has exactly one row per partner route, and no row for a route the node does not register', async () => {
    const rows = await securityTable();
    const { routes, has } = await registeredPartnerRoutes();
    expect(routes.length).toBeGreaterThan(40);
    const keys = rows.map((r) => `${r.method} ${r.path}`);
    const duplicates = keys.filter((k, i) => keys.indexOf(k) !== i);
    expect(duplicates, 'routes with more than one row').toEqual([]);
    expect(
      routes.filter((r) => !keys.includes(r)),
      'partner routes missing from the table',
    ).toEqual([]);
    expect(
      rows.filter((r) => !has(r)).map((r) => `${r.method} ${r.path}`),
      'rows naming no registered partner route',
    ).toEqual([]);
    for (const r of rows) {
      expect(r.who, `${r.method} ${r.path}: who may call`).not.toBe('');
      expect(r.what, `${r.method} ${r.path}: what it answers`).not.toBe('');
    }
  });

  it('says the task-status route answers the initiator only, states without summaries', async () => {
    const row = (await securityTable()).find(
      (r) => r.method === 'GET' && r.path === '/v1/interconn/jobs/{id}/tasks/{task}',
    );
    expect(row?.who).toMatch(/initiator only/);
    expect(row?.what).toMatch(/no summaries/);
    expect(row?.what).toMatch(/404/);
  });
});

describe('the table, played on in-process nodes', () => {
  const t = new TestNodes();
  let own: TestNode; // owns the dataset and takes part in the job
  let ini: TestNode; // initiates the job, grantee
  let oth: TestNode; // contracted with own, outside the job, no grant
  let stranger: TestNode; // no contract with anyone
  let grantId: string;
  const jobId = `job-20250101000000-${Math.floor(Math.random() * 0xffffffff)
    .toString(16)
    .padStart(8, '0')}`;
  const files = mkdtempSync(join(tmpdir(), 'fedgrid-secdoc-data-'));
  const csv = join(files, 'rows.csv');

  /** `from` calls `to`'s partner API with its own pinned certificate; resolves with the status. */
  async function partner(
    from: TestNode,
    to: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body?: unknown; code?: string }> {
    const s = from.node.services;
    try {
      return {
        status: 200,
        body: await s.peers.call(await s.contracts.peerApi(to), method, path, body),
      };
    } catch (err) {
      const d = (err as { details?: { status?: number; peerCode?: string } }).details ?? {};
      return { status: d.status ?? 0, ...(d.peerCode ? { code: d.peerCode } : {}) };
    }
  }

  beforeAll(async () => {
    writeFileSync(
      csv,
      ['id,y,f1', ...Array.from({ length: 6 }, (_, i) => `u${i},${i % 2},${i}`)].join('\n') + '\n',
    );
    await ensurePgliteTemplate();
    [own, ini, oth, stranger] = await Promise.all([
      // Its copy of a job only `ini` sent must not end while the table is played (the check of
      // dead initiators would end it: `ini`'s node never stored that job).
      t.start('own', { runtime: { initiatorProbeSeconds: 3600 } }),
      t.start('ini'),
      t.start('oth'),
      t.start('stranger'),
    ]);
    await t.contract(own, ini);
    await t.contract(own, oth);
    await t.contract(ini, oth);
    for (const [name, visibility] of [
      ['pub', 'public'],
      ['priv', 'private'],
    ] as const) {
      await own.ok('POST', '/v1/datasets', {
        name,
        path: csv,
        idColumn: 'id',
        labelColumn: 'y',
        visibility,
      });
    }
    grantId = (
      await own.ok<{ id: string }>('POST', '/v1/grants', { dataset: 'pub', grantee: 'ini' })
    ).id;
    await t.permitAdhoc(own, 'ini', ['psi-ecdh']);
    const accepted = await partner(ini, 'own', 'POST', '/v1/interconn/jobs', {
      id: jobId,
      initiator: 'ini',
      createdAt: new Date().toISOString(),
      name: 'security-doc',
      parties: { guest: { node: 'ini' }, hosts: [{ node: 'own' }] },
      datasets: { guest: 'theirs', 'host-0': 'pub' },
      tasks: [{ name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } }],
    });
    expect(accepted).toMatchObject({ status: 200, body: { accepted: true } });
  }, 120_000);
  afterAll(async () => {
    await partner(ini, 'own', 'POST', `/v1/interconn/jobs/${jobId}/finish`, {
      status: 'stopped',
    }).catch(() => {});
    await t.close();
    rmSync(files, { recursive: true, force: true });
  });

  it('GET …/jobs/{id}/tasks/{task}: the initiator gets states only; a node outside the job gets 404 as for an unknown job', async () => {
    const path = `/v1/interconn/jobs/${jobId}/tasks/psi`;
    const mine = await partner(ini, 'own', 'GET', path);
    expect(mine.status).toBe(200);
    const parties = (mine.body as { parties: Record<string, Record<string, unknown>> }).parties;
    expect(Object.keys(parties)).toEqual(['host-0']);
    for (const state of Object.values(parties)) expect(state).not.toHaveProperty('summary');

    const outsider = await partner(oth, 'own', 'GET', path);
    const unknown = await partner(
      oth,
      'own',
      'GET',
      '/v1/interconn/jobs/job-20250101000000-00000000/tasks/psi',
    );
    expect(outsider).toEqual({ status: 404, code: 'NOT_FOUND' });
    expect(unknown).toEqual(outsider);
    // The job-status heartbeat route: the same for a node outside the job.
    expect(await partner(oth, 'own', 'GET', `/v1/interconn/jobs/${jobId}`)).toEqual(outsider);
  });

  it('task start, rerun, finish and stop: a node outside the job changes nothing and learns nothing (404 as for an unknown job)', async () => {
    for (const [method, path, body] of [
      ['POST', `/v1/interconn/jobs/${jobId}/tasks/psi/start`, { attempt: 0 }],
      ['POST', `/v1/interconn/jobs/${jobId}/rerun`, { tasks: ['psi'] }],
      ['POST', `/v1/interconn/jobs/${jobId}/finish`, { status: 'failed' }],
      ['POST', `/v1/interconn/jobs/${jobId}/stop`, { reason: 'outsider' }],
    ] as const) {
      expect((await partner(oth, 'own', method, path, body)).status, `${method} ${path}`).toBe(404);
    }
    const job = await own.ok<{ status: string }>('GET', `/v1/jobs/${jobId}`);
    expect(job.status).toBe('running');
  });

  it('GET /v1/interconn/grants{,/{id}}: only the grantee sees a grant', async () => {
    const mine = await partner(
      ini,
      'own',
      'GET',
      `/v1/interconn/grants/${encodeURIComponent(grantId)}`,
    );
    expect(mine).toMatchObject({ status: 200, body: { id: grantId, uses: 1 } });
    expect(
      await partner(oth, 'own', 'GET', `/v1/interconn/grants/${encodeURIComponent(grantId)}`),
    ).toEqual({ status: 404, code: 'NOT_FOUND' });
    const list = await partner(oth, 'own', 'GET', '/v1/interconn/grants');
    expect((list.body as { items: unknown[] }).items).toEqual([]);
  });

  it('GET /v1/interconn/datasets/{id}: a private, ungranted dataset is the same 404 as an unknown one', async () => {
    const priv = await partner(oth, 'own', 'GET', '/v1/interconn/datasets/priv');
    expect(priv).toEqual({ status: 404, code: 'NOT_FOUND' });
    expect(await partner(oth, 'own', 'GET', '/v1/interconn/datasets/no-such-dataset')).toEqual(
      priv,
    );
    const listed = await partner(oth, 'own', 'GET', '/v1/interconn/datasets');
    const names = (listed.body as { items: { name: string }[] }).items.map((d) => d.name);
    expect(names).toContain('pub');
    expect(names).not.toContain('priv');
    expect(JSON.stringify(listed.body)).not.toContain(csv);
  });

  it('an uncontracted client gets the node card (first contact) and nothing else', async () => {
    const peers = stranger.node.services.peers;
    const card = await peers.firstContact<{ nodeId: string }>(
      own.node.apiUrl,
      'GET',
      '/v1/interconn/node',
      undefined,
    );
    expect(card.body.nodeId).toBe('own');
    for (const path of [
      '/v1/interconn/health',
      '/v1/interconn/datasets',
      `/v1/interconn/jobs/${jobId}/tasks/psi`,
    ]) {
      const e = (await peers.firstContact(own.node.apiUrl, 'GET', path, undefined).then(
        () => undefined,
        (err: { details?: Record<string, unknown> }) => err.details,
      )) as Record<string, unknown> | undefined;
      expect(e, path).toMatchObject({ status: 403, peerCode: 'PEER_NOT_PINNED' });
    }
  });
});
