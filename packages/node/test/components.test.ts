/**
 * The component registry on two in-process nodes: built-ins registered at start with their JSON
 * Schemas, parameter validation naming the field, external components registered / listed /
 * checked / unregistered, public vs internal visibility to a partner (over mutual TLS), and
 * built-ins that cannot be unregistered.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BUILTIN_COMPONENTS, heteroLr } from '@fedgrid/components';
import { ensurePgliteTemplate } from '@fedgrid/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestNodes, type TestNode } from './nodes.js';

/** The built-in HeteroLR's version (the tests follow it). */
const LR = heteroLr.version;

interface Component {
  code: string;
  version: string;
  engine: string;
  name: string;
  address: string | null;
  addressType: string | null;
  roles: string[];
  inputs: { name: string; kind: string }[];
  outputs: { name: string; kind: string }[];
  params: { type?: string; properties?: Record<string, { type?: string; enum?: string[] }> };
  developer: string;
  visibility: string;
  status: string;
  runnable: boolean;
  health?: { status: string } | null;
}
interface ComponentPage {
  items: Component[];
  total: number;
  page: number;
  pageSize: number;
  totals: { byEngine: Record<string, number>; byVisibility: Record<string, number> };
}
interface Validation {
  valid: boolean;
  issues: { field: string; message: string }[];
}

const t = new TestNodes();
let a: TestNode;
let b: TestNode;
let http: Server;
let httpUrl: string;

const sbt = () => ({
  code: 'fate-hetero-sbt',
  version: '1.11.0',
  engine: 'fate',
  name: 'FATE HeteroSecureBoost',
  description: 'vertical gradient boosting trees on FATE',
  address: `${httpUrl}/health`,
  roles: ['guest', 'host'],
  inputs: [{ name: 'train_data', kind: 'dataset', roles: ['guest', 'host'] }],
  outputs: [{ name: 'model', kind: 'model', roles: ['guest', 'host'] }],
  params: {
    type: 'object',
    properties: {
      max_depth: { type: 'integer', minimum: 1, maximum: 16 },
      objective: { enum: ['cross_entropy', 'mse'] },
    },
    required: ['max_depth'],
    additionalProperties: false,
  },
  developer: 'FATE (LF AI & Data)',
  visibility: 'public',
});

beforeAll(async () => {
  http = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  httpUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  // Make the store template once, before two nodes would race to make it.
  await ensurePgliteTemplate();
  [a, b] = await Promise.all([t.start('alpha'), t.start('beta')]);
  await t.contractAll();
});
afterAll(async () => {
  await t.close();
  http.close();
});

describe('built-in components', () => {
  it('are registered at start, public, with the JSON Schema of their parameters', async () => {
    const page = await a.ok<ComponentPage>('GET', '/v1/components?engine=builtin');
    expect(page.total).toBe(BUILTIN_COMPONENTS.length);
    expect(page.totals.byEngine).toEqual({ builtin: BUILTIN_COMPONENTS.length });
    const lr = page.items.find((c) => c.code === 'hetero-lr');
    expect(lr).toMatchObject({
      version: LR,
      engine: 'builtin',
      visibility: 'public',
      status: 'available',
      runnable: true,
      roles: ['guest', 'host', 'arbiter'],
      address: null,
    });
    expect(lr?.params.type).toBe('object');
    expect(lr?.params.properties?.['maxIter']?.type).toBe('integer');
    expect(lr?.params.properties?.['penalty']?.enum).toEqual(['l2', 'l1', 'none']);
    expect(lr?.outputs).toEqual([expect.objectContaining({ name: 'model', kind: 'model' })]);
    const one = await a.ok<Component>('GET', '/v1/components/psi-ecdh/1.0.0');
    expect(one.inputs.map((p) => p.name)).toEqual(['data']);
  });

  it('validate parameters with their zod schema; errors name the field', async () => {
    const good = await a.ok<Validation>('POST', `/v1/components/hetero-lr/${LR}/validate`, {
      params: { maxIter: 5, penalty: 'l1' },
    });
    expect(good).toMatchObject({ valid: true, issues: [] });
    const bad = await a.ok<Validation>('POST', `/v1/components/hetero-lr/${LR}/validate`, {
      params: { maxIter: 'many', penalty: 'l3', bogus: 1 },
    });
    expect(bad.valid).toBe(false);
    expect(bad.issues.map((i) => i.field).sort()).toEqual(['bogus', 'maxIter', 'penalty']);
    expect(bad.issues.find((i) => i.field === 'bogus')?.message).toMatch(/unknown parameter/);
    const missing = await a.call('POST', '/v1/components/hetero-lr/9.9.9/validate', {
      params: {},
    });
    expect(missing.status).toBe(404);
    expect(JSON.stringify(missing.body)).toContain(`versions: ${LR}`);
  });

  it('are healthy when their programs are loaded', async () => {
    const h = await a.ok<{ status: string; detail: string }>(
      'POST',
      `/v1/components/hetero-lr/${LR}/health`,
    );
    expect(h.status).toBe('healthy');
    expect(h.detail).toMatch(/arbiter/);
  });

  it('cannot be unregistered', async () => {
    const r = await a.call<{ code: string; message: string }>(
      'DELETE',
      `/v1/components/hetero-lr/${LR}`,
    );
    expect(r.status).toBe(403);
    expect(r.body.message).toMatch(/built into FedGrid and cannot be unregistered/);
    expect((await a.call('GET', `/v1/components/hetero-lr/${LR}`)).status).toBe(200);
  });
});

describe('external components', () => {
  it('register with their metadata; duplicates, built-in codes and bad schemas are refused', async () => {
    const c = await a.ok<Component>('POST', '/v1/components', sbt());
    expect(c).toMatchObject({
      code: 'fate-hetero-sbt',
      engine: 'fate',
      addressType: 'http',
      status: 'metadata-only',
      runnable: false,
      visibility: 'public',
      developer: 'FATE (LF AI & Data)',
    });
    await a.ok('POST', '/v1/components', {
      code: 'sf-psi',
      version: '0.1',
      engine: 'secretflow',
      name: 'SecretFlow ECDH-PSI',
      address: 'grpc://10.0.0.1:9000',
    });
    const dup = await a.call<{ code: string }>('POST', '/v1/components', sbt());
    expect(dup.status).toBe(409);
    const builtinCode = await a.call<{ message: string }>('POST', '/v1/components', {
      ...sbt(),
      code: 'hetero-lr',
      version: '9.0.0',
    });
    expect(builtinCode.status).toBe(409);
    expect(builtinCode.body.message).toMatch(/built-in/);
    const badSchema = await a.call<{ code: string; message: string }>('POST', '/v1/components', {
      ...sbt(),
      version: '2.0.0',
      params: { type: 'object', properties: { x: { type: 'nonsense' } } },
    });
    expect(badSchema.status).toBe(400);
    expect(badSchema.body.message).toMatch(/nonsense/);
    const reserved = await a.call<{ message: string }>('POST', '/v1/components', {
      ...sbt(),
      version: '3.0.0',
      engine: 'builtin',
    });
    expect(reserved.status).toBe(400);
    expect(reserved.body.message).toMatch(/engine/);
  });

  it('are listed with totals and filters; internal is the default visibility', async () => {
    const all = await a.ok<ComponentPage>('GET', '/v1/components');
    expect(all.total).toBe(BUILTIN_COMPONENTS.length + 2);
    expect(all.totals.byEngine).toMatchObject({ fate: 1, secretflow: 1 });
    expect(all.totals.byVisibility).toEqual({
      public: BUILTIN_COMPONENTS.length + 1,
      internal: 1,
    });
    const fate = await a.ok<ComponentPage>('GET', '/v1/components?engine=fate');
    expect(fate.items.map((c) => c.code)).toEqual(['fate-hetero-sbt']);
    const internal = await a.ok<ComponentPage>('GET', '/v1/components?visibility=internal');
    expect(internal.items.map((c) => `${c.code}@${c.version}`)).toEqual(['sf-psi@0.1']);
    expect(internal.items[0]?.addressType).toBe('grpc');
    const paged = await a.ok<ComponentPage>('GET', '/v1/components?pageSize=2&page=2');
    expect(paged.items).toHaveLength(2);
    expect(paged.total).toBe(BUILTIN_COMPONENTS.length + 2);
  });

  it('validate parameters against their JSON Schema', async () => {
    const url = '/v1/components/fate-hetero-sbt/1.11.0/validate';
    expect(await a.ok<Validation>('POST', url, { params: { max_depth: 3 } })).toMatchObject({
      valid: true,
    });
    const bad = await a.ok<Validation>('POST', url, {
      params: { max_depth: 0, objective: 'hinge', extra: true },
    });
    expect(bad.valid).toBe(false);
    expect(bad.issues.map((i) => i.field).sort()).toEqual(['extra', 'max_depth', 'objective']);
    const none = await a.ok<Validation>('POST', url, { params: {} });
    expect(none.issues.map((i) => i.field)).toEqual(['max_depth']);
  });

  it('health: http addresses are called, others are unknown', async () => {
    const ok = await a.ok<{ status: string; detail: string }>(
      'POST',
      '/v1/components/fate-hetero-sbt/1.11.0/health',
    );
    expect(ok).toMatchObject({ status: 'healthy' });
    expect(ok.detail).toMatch(/HTTP 200/);
    const stored = await a.ok<Component>('GET', '/v1/components/fate-hetero-sbt/1.11.0');
    expect(stored.health?.status).toBe('healthy');
    const unknown = await a.ok<{ status: string }>('POST', '/v1/components/sf-psi/0.1/health');
    expect(unknown.status).toBe('unknown');
    await new Promise<void>((r) => http.close(() => r()));
    const down = await a.ok<{ status: string; detail: string }>(
      'POST',
      '/v1/components/fate-hetero-sbt/1.11.0/health',
    );
    expect(down.status).toBe('unhealthy');
    expect(down.detail).toMatch(/cannot reach/);
  });

  it('cannot run: a job that names one is refused', async () => {
    const r = await a.call<{ code: string; message: string }>('POST', '/v1/jobs', {
      parties: { guest: { node: 'alpha' }, hosts: [{ node: 'beta' }] },
      tasks: [{ name: 'sbt', component: 'fate-hetero-sbt', inputs: {} }],
    });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('VALIDATION_FAILED');
    expect(r.body.message).toMatch(/fate-hetero-sbt/);
  });
});

describe('partners', () => {
  it('see public components only', async () => {
    const page = await b.ok<ComponentPage>('GET', '/v1/partners/alpha/components');
    const codes = page.items.map((c) => c.code);
    expect(codes).toContain('fate-hetero-sbt');
    expect(codes).toContain('hetero-lr');
    expect(codes).not.toContain('sf-psi');
    expect(page.total).toBe(BUILTIN_COMPONENTS.length + 1);
    expect(page.totals.byVisibility).toEqual({ public: BUILTIN_COMPONENTS.length + 1 });
    const info = await b.ok<Component>(
      'GET',
      '/v1/partners/alpha/components/fate-hetero-sbt/1.11.0',
    );
    expect(info).toMatchObject({ address: `${httpUrl}/health`, developer: 'FATE (LF AI & Data)' });
    expect(info).not.toHaveProperty('health');
    const hidden = await b.call<{ code: string; details: { peerCode: string } }>(
      'GET',
      '/v1/partners/alpha/components/sf-psi/0.1',
    );
    expect(hidden.status).toBe(502);
    expect(hidden.body.details.peerCode).toBe('NOT_FOUND');
    // Without a contract there is nothing to ask.
    const stranger = await b.call<{ code: string }>('GET', '/v1/partners/gamma/components');
    expect(stranger.status).toBe(403);
  });

  it('stop seeing an unregistered component', async () => {
    const gone = await a.ok<Component>('DELETE', '/v1/components/fate-hetero-sbt/1.11.0');
    expect(gone.code).toBe('fate-hetero-sbt');
    expect((await a.call('GET', '/v1/components/fate-hetero-sbt/1.11.0')).status).toBe(404);
    const page = await b.ok<ComponentPage>('GET', '/v1/partners/alpha/components?q=fate');
    expect(page.total).toBe(0);
    const again = await a.call('DELETE', '/v1/components/fate-hetero-sbt/1.11.0');
    expect(again.status).toBe(404);
  });
});
