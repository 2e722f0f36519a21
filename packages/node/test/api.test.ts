/**
 * The REST API in-process (fastify inject): every route's permission is enforced, every
 * state-changing call is audited (allowed or refused), the audit table is append-only, and the
 * committed docs/openapi.json is the API's current description.
 */
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportOpenApi, initNode, startNode, type RunningNode } from '@fedgrid/node';

let dir: string;
let node: RunningNode;
let token: string;
/** The node's JSON log lines (level error and above). */
const logs: Record<string, unknown>[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fedgrid-api-'));
  const init = await initNode({ dir: join(dir, 'n'), id: 'apinode' });
  token = init.adminToken;
  node = await startNode({
    dir: join(dir, 'n'),
    listen: false,
    logLevel: 'error',
    logDestination: { write: (line: string) => void logs.push(JSON.parse(line)) },
  });
});
afterAll(async () => {
  await node?.close();
  await rm(dir, { recursive: true, force: true });
});

const auth = () => ({ authorization: `Bearer ${token}` });

describe('permissions', () => {
  it('local routes need the admin token', async () => {
    const none = await node.app.inject({ method: 'GET', url: '/v1/node' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    const wrong = await node.app.inject({
      method: 'GET',
      url: '/v1/node',
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.statusCode).toBe(401);
    const ok = await node.app.inject({ method: 'GET', url: '/v1/node', headers: auth() });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ nodeId: 'apinode' });
  });

  it('partner routes refuse callers without a pinned certificate, even with the admin token', async () => {
    const r = await node.app.inject({
      method: 'POST',
      url: '/v1/interconn/jobs',
      headers: auth(),
      payload: {},
    });
    expect(r.statusCode).toBe(403);
    expect(r.json()).toMatchObject({ code: 'PEER_NOT_PINNED' });
  });

  it('public routes need nothing', async () => {
    expect((await node.app.inject({ method: 'GET', url: '/v1/health' })).statusCode).toBe(200);
    expect(
      (await node.app.inject({ method: 'GET', url: '/v1/openapi.json' })).json(),
    ).toHaveProperty('paths');
  });
});

describe('audit', () => {
  it('records state-changing calls with actor, action, object and outcome — refused ones too', async () => {
    await node.app.inject({
      method: 'POST',
      url: '/v1/datasets',
      payload: { name: 'x', path: '/nope.csv' },
    }); // no token
    const bad = await node.app.inject({
      method: 'POST',
      url: '/v1/datasets',
      headers: auth(),
      payload: { name: 'bad name!', path: 'x' },
    });
    expect(bad.statusCode).toBe(400);
    const r = await node.app.inject({
      method: 'GET',
      url: '/v1/audit?pageSize=10',
      headers: auth(),
    });
    const { items, total } = r.json() as { items: Array<Record<string, unknown>>; total: number };
    expect(total).toBeGreaterThanOrEqual(2);
    const [latest, started, previous] = items;
    // Write-ahead: the request was recorded before its handler ran, then its outcome.
    expect(started).toMatchObject({
      action: 'POST /v1/datasets',
      actor: { kind: 'admin', id: 'admin' },
      outcome: 'started',
    });
    expect(latest).toMatchObject({
      action: 'POST /v1/datasets',
      actor: { kind: 'admin', id: 'admin' },
      outcome: 'failure',
      status: 400,
      node: 'apinode',
    });
    expect(latest?.object).toMatchObject({ type: 'dataset' });
    expect(previous).toMatchObject({
      action: 'POST /v1/datasets',
      actor: { kind: 'anonymous' },
      outcome: 'failure',
      status: 401,
    });
    // Ordinary reads are not audited (sensitive ones are: next test).
    expect(
      items.some(
        (i) => String(i['action']).startsWith('GET') && !String(i['action']).includes('audit'),
      ),
    ).toBe(false);
  });

  it('records reads of sensitive objects (model parameters, task outputs and logs, the audit log); an unrecorded read is not answered', async () => {
    const r = await node.app.inject({ method: 'GET', url: '/v1/models/nope', headers: auth() });
    expect(r.statusCode).toBe(404);
    const a = await node.app.inject({
      method: 'GET',
      url: '/v1/audit?pageSize=1',
      headers: auth(),
    });
    expect((a.json() as { items: unknown[] }).items[0]).toMatchObject({
      action: 'GET /v1/models/:id',
      actor: { kind: 'admin', id: 'admin' },
      object: { type: 'model', id: 'nope' },
      outcome: 'failure',
      status: 404,
    });
    const audit = node.services.audit;
    const record = audit.record.bind(audit);
    audit.record = async () => {
      throw new Error('audit table unavailable');
    };
    try {
      const v = await node.app.inject({
        method: 'GET',
        url: '/v1/audit/verify?partners=false',
        headers: auth(),
      });
      expect(v.statusCode).toBe(500);
      expect(v.json()).toMatchObject({ code: 'AUDIT_WRITE_FAILED' });
      expect(v.body).not.toContain('headHash');
    } finally {
      audit.record = record;
    }
    const ok = await node.app.inject({
      method: 'GET',
      url: '/v1/audit/verify?partners=false',
      headers: auth(),
    });
    expect(ok.json()).toMatchObject({ ok: true, chain: { ok: true }, partners: [] });
  });

  it('is append-only: rows cannot be changed or deleted', async () => {
    const db = node.services.db;
    await expect(sql`UPDATE audit_events SET outcome = 'success'`.execute(db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`DELETE FROM audit_events`.execute(db)).rejects.toThrow(/append-only/);
  });
});

describe("dataset files (datasets.allowedDirs, default: the node directory's imports/)", () => {
  const register = (name: string, path: string) =>
    node.app.inject({
      method: 'POST',
      url: '/v1/datasets',
      headers: auth(),
      payload: { name, path },
    });

  it("reads files in imports/, refuses everything else, the node's own secrets included", async () => {
    const imports = join(dir, 'n', 'imports');
    await writeFile(join(imports, 'rows.csv'), 'id,x\n1,2\n2,3\n');
    const ok = await register('rows', join(imports, 'rows.csv'));
    expect(ok.statusCode).toBe(201);

    await symlink(join(dir, 'n', 'identity', 'admin-token'), join(imports, 'token.csv'));
    for (const path of [
      '/etc/passwd',
      '/proc/self/environ',
      join(dir, 'n', 'identity', 'admin-token'),
      join(imports, '..', 'identity', 'admin-token'),
      join(imports, 'token.csv'),
      join(imports, '..', 'fedgrid.yaml'),
    ]) {
      const r = await register('leak', path);
      expect(r.statusCode, path).toBe(403);
      expect(r.json()).toMatchObject({ code: 'DATASET_PATH_NOT_ALLOWED' });
      expect(r.body).not.toContain(token);
    }
  });
});

describe('boolean query parameters', () => {
  const get = (url: string) => node.app.inject({ method: 'GET', url, headers: auth() });

  it("exact=false means fuzzy (z.coerce.boolean read 'false' as true); 1/0 work; other text is a 400", async () => {
    // 'rows' was registered above.
    const total = async (exact: string) =>
      ((await get(`/v1/datasets?q=ROW&exact=${exact}`)).json() as { total: number }).total;
    expect(await total('false')).toBe(1);
    expect(await total('0')).toBe(1);
    expect(await total('true')).toBe(0);
    expect(await total('1')).toBe(0);
    expect(((await get('/v1/datasets?q=rows&exact=true')).json() as { total: number }).total).toBe(
      1,
    );
    for (const url of [
      '/v1/datasets?exact=yes',
      '/v1/datasets?exact=',
      '/v1/flows?exact=False',
      '/v1/projects?exact=no',
    ]) {
      const r = await get(url);
      expect(r.statusCode, url).toBe(400);
      expect(r.json(), url).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect((r.json() as { message: string }).message, url).toContain('exact');
    }
    const del = await node.app.inject({
      method: 'DELETE',
      url: '/v1/datasets/rows?force=perhaps',
      headers: auth(),
    });
    expect(del.statusCode).toBe(400);
  });
});

describe('errors are visible', () => {
  it('a 500 is logged with its request id, which the answer carries', async () => {
    const datasets = node.services.datasets;
    const list = datasets.list.bind(datasets);
    datasets.list = async () => {
      throw new Error('store exploded');
    };
    try {
      const r = await node.app.inject({ method: 'GET', url: '/v1/datasets', headers: auth() });
      expect(r.statusCode).toBe(500);
      const body = r.json() as { code: string; details: { requestId: string } };
      expect(body.code).toBe('INTERNAL');
      expect(body.details.requestId).toBe(r.headers['x-request-id']);
      const line = logs.find((l) => l['reqId'] === body.details.requestId);
      expect(line).toMatchObject({ msg: 'unhandled error', node: 'apinode' });
      expect(JSON.stringify(line)).toContain('store exploded');
    } finally {
      datasets.list = list;
    }
  });

  it('when the audit log cannot be written, the request is refused before it runs: nothing changes (500 AUDIT_WRITE_FAILED)', async () => {
    const audit = node.services.audit;
    const record = audit.record.bind(audit);
    audit.record = async () => {
      throw new Error('audit table unavailable');
    };
    try {
      const r = await node.app.inject({
        method: 'PATCH',
        url: '/v1/datasets/rows',
        headers: auth(),
        payload: { description: 'changed while the audit log is down' },
      });
      expect(r.statusCode).toBe(500);
      const body = r.json() as { code: string; message: string; details: { requestId: string } };
      expect(body.code).toBe('AUDIT_WRITE_FAILED');
      expect(body.message).toMatch(/nothing was done/);
      const line = logs.find((l) => l['reqId'] === body.details.requestId);
      expect(line).toMatchObject({
        msg: expect.stringMatching(/audit write failed/),
        auditEvent: { action: 'PATCH /v1/datasets/:id', objectId: 'rows', outcome: 'started' },
      });
    } finally {
      audit.record = record;
    }
    // The change was not made (issue 11 leftover: an unaudited change must not be committed).
    const ds = await node.app.inject({ method: 'GET', url: '/v1/datasets/rows', headers: auth() });
    expect((ds.json() as { description: string | null }).description).not.toBe(
      'changed while the audit log is down',
    );
  });

  it('when only the outcome event fails, the answer says the operation may have run and the chain holds its started event', async () => {
    const audit = node.services.audit;
    const record = audit.record.bind(audit);
    let calls = 0;
    audit.record = async (e) => {
      if (++calls === 1) return record(e);
      throw new Error('audit table unavailable');
    };
    try {
      const r = await node.app.inject({
        method: 'PATCH',
        url: '/v1/datasets/rows',
        headers: auth(),
        payload: { description: 'changed, outcome unrecorded' },
      });
      expect(r.statusCode).toBe(500);
      const body = r.json() as { code: string; message: string; details: { requestId: string } };
      expect(body).toMatchObject({ code: 'AUDIT_WRITE_FAILED' });
      expect(body.message).toMatch(/may have taken effect/);
      audit.record = record;
      const a = await node.app.inject({
        method: 'GET',
        url: '/v1/audit?pageSize=1',
        headers: auth(),
      });
      const [latest] = (a.json() as { items: Array<Record<string, unknown>> }).items;
      expect(latest).toMatchObject({
        action: 'PATCH /v1/datasets/:id',
        outcome: 'started',
        details: { requestId: body.details.requestId },
      });
    } finally {
      audit.record = record;
    }
  });

  it.each([
    ['DELETE', '/v1/datasets/%00'],
    ['GET', '/v1/datasets/%00'],
    ['PATCH', '/v1/datasets/a%0Ab'],
    ['POST', '/v1/contracts/%1F/confirm'],
  ])(
    '%s %s: a control character in a path parameter is a 400, and audited',
    async (method, url) => {
      const r = await node.app.inject({
        method: method as 'GET',
        url,
        headers: auth(),
        ...(method === 'GET' || method === 'DELETE' ? {} : { payload: {} }),
      });
      expect(r.statusCode).toBe(400);
      expect(r.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
      if (method === 'GET') return;
      const a = await node.app.inject({
        method: 'GET',
        url: '/v1/audit?pageSize=1',
        headers: auth(),
      });
      const [latest] = (a.json() as { items: Array<Record<string, unknown>> }).items;
      expect(latest).toMatchObject({ status: 400, outcome: 'failure' });
      expect(String((latest?.['object'] as { id?: string }).id)).toMatch(/\\u00(00|0a|1f)/);
    },
  );

  it.each([
    ['/v1/jobs?status=run%00ning', 'status'],
    ['/v1/grants?dataset=a%0Db', 'dataset'],
    ['/v1/audit?action=x%7F', 'action'],
  ])('GET %s: a control character in a query parameter is a 400 naming it', async (url, field) => {
    const r = await node.app.inject({ method: 'GET', url, headers: auth() });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { issues: [{ field: `query.${field}` }] },
    });
  });

  it('a NUL inside a JSON body string is a 400 naming the field; nothing is stored', async () => {
    const r = await node.app.inject({
      method: 'POST',
      url: '/v1/datasets',
      headers: auth(),
      payload: { name: 'nul-test', path: '/tmp/x.csv', description: 'a\u0000b' },
    });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { issues: [{ field: 'body.description' }] },
    });
    const list = await node.app.inject({ method: 'GET', url: '/v1/datasets', headers: auth() });
    expect(JSON.stringify(list.json())).not.toContain('nul-test');
  });
});

describe('OpenAPI', () => {
  it('docs/openapi.json is current (regenerate with `npm run openapi`)', async () => {
    const committed = JSON.parse(
      await readFile(fileURLToPath(new URL('../../../docs/openapi.json', import.meta.url)), 'utf8'),
    ) as unknown;
    expect(await exportOpenApi()).toEqual(committed);
  });

  it('documents every route with a summary and its permission', async () => {
    const docu = (node.app as unknown as { swagger(): unknown }).swagger() as {
      paths: Record<string, Record<string, { summary?: string; description?: string }>>;
    };
    const ops = Object.values(docu.paths).flatMap((p) => Object.values(p));
    expect(ops.length).toBeGreaterThan(30);
    for (const op of ops) {
      expect(op.summary).toBeTruthy();
      expect(op.description).toMatch(/Permission: `[a-z:-]+`/);
    }
  });
});
