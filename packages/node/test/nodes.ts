/**
 * In-process test nodes: each a real node (HTTPS control plane, gRPC data plane, PGlite store in a
 * temp directory) started in this process. Admin calls go through `fastify.inject` with the admin
 * token; partner calls between the nodes travel over real mutual TLS. Cross-process behaviour is
 * covered by packages/cli/test.
 *
 * Storage: PGlite, or PostgreSQL when FEDGRID_TEST_DATABASE_URL is set (the `postgres` test
 * project in vitest.config.ts sets it) — each node then in a schema of its own, dropped at close.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import {
  dropStoreSchema,
  ensurePgliteTemplate,
  initNode,
  loadConfig,
  saveConfig,
  startNode,
  type RunningNode,
  type StartNodeOptions,
} from '@fedgrid/node';
import { BUILTIN_COMPONENTS } from '@fedgrid/components';
import { openStore, type Store } from '../dist/storage/db.js';

export interface TestNode {
  id: string;
  node: RunningNode;
  /** The node's admin token (for requests `call` cannot make, e.g. streamed uploads). */
  token?: string;
  /** Calls this node's API as its admin; resolves with {status, body}. */
  call<T = unknown>(
    method: string,
    url: string,
    payload?: unknown,
  ): Promise<{ status: number; body: T }>;
  /** Like {@link call} but throws unless the status is 2xx. */
  ok<T = unknown>(method: string, url: string, payload?: unknown): Promise<T>;
}

const EXAMPLES = fileURLToPath(new URL('../../../examples/data/', import.meta.url));

/** PostgreSQL server the `postgres` test project runs the node tests on (unset: PGlite). */
export const TEST_DATABASE_URL = process.env['FEDGRID_TEST_DATABASE_URL'] || undefined;

export class TestNodes {
  readonly nodes: TestNode[] = [];
  private root?: string;
  private readonly run = randomBytes(4).toString('hex');
  private readonly schemas: string[] = [];

  /**
   * Starts a node with id `id` (optionally on PostgreSQL, optionally with runtime settings
   * merged into its fedgrid.yaml, e.g. { maxConcurrentJobs: 1 }, optionally with more start
   * options, e.g. injected file-system faults).
   */
  async start(
    id: string,
    opts: {
      databaseUrl?: string;
      runtime?: Record<string, unknown>;
      /** Sections of fedgrid.yaml merged over the defaults key by key, e.g. `{ serving: {…} }`. */
      config?: Record<string, Record<string, unknown>>;
      /**
       * Directories the node may register datasets from (`datasets.allowedDirs`). Default: the
       * system temp folder and examples/data, where these tests write and find their CSV files.
       */
      dataDirs?: string[];
      startOptions?: Partial<StartNodeOptions>;
      /** The node's crypto suite (`node init --suite`). @default 'international' */
      suite?: 'international' | 'gm';
    } = {},
  ): Promise<TestNode> {
    const databaseUrl = opts.databaseUrl ?? TEST_DATABASE_URL;
    if (!this.root) {
      this.root = await mkdtemp(join(tmpdir(), 'fedgrid-nodes-'));
      if (!databaseUrl) await ensurePgliteTemplate();
    }
    const dir = join(this.root, id);
    const databaseSchema = `fedgrid_test_${this.run}_${id.toLowerCase().replace(/[^a-z0-9]/g, '_')}`;
    if (databaseUrl) this.schemas.push(databaseSchema);
    const init = await initNode({
      dir,
      id,
      apiPort: 0,
      dataPort: 0,
      dataDirs: opts.dataDirs ?? [tmpdir(), EXAMPLES],
      ...(opts.suite ? { suite: opts.suite } : {}),
      ...(databaseUrl ? { databaseUrl, databaseSchema } : {}),
    });
    if (opts.runtime || opts.config) {
      const loaded = await loadConfig(dir);
      const merged: Record<string, unknown> = { ...loaded.config };
      for (const [section, values] of Object.entries(opts.config ?? {}))
        merged[section] = { ...(merged[section] as object | undefined), ...values };
      await saveConfig(dir, {
        ...(merged as typeof loaded.config),
        runtime: { ...loaded.config.runtime, ...opts.runtime },
      });
    }
    const node = await startNode({ dir, logLevel: 'error', ...opts.startOptions });
    const call = async <T>(method: string, url: string, payload?: unknown) => {
      const r = await node.app.inject({
        method: method as 'GET',
        url,
        headers: { authorization: `Bearer ${init.adminToken}` },
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
      return { status: r.statusCode, body: (r.body ? r.json() : undefined) as T };
    };
    const t: TestNode = {
      id,
      node,
      token: init.adminToken,
      call,
      ok: async <T>(method: string, url: string, payload?: unknown) => {
        const r = await call<T>(method, url, payload);
        if (r.status >= 300)
          throw new Error(`${method} ${url} → ${r.status} ${JSON.stringify(r.body)}`);
        return r.body;
      },
    };
    this.nodes.push(t);
    return t;
  }

  /** Signs a contract: `a` proposes (pinning `b`'s fingerprint), `b` confirms. Returns its id. */
  async contract(a: TestNode, b: TestNode): Promise<string> {
    const p = await a.ok<{ id: string }>('POST', '/v1/contracts', {
      peerApiUrl: b.node.apiUrl,
      expectedFingerprint: b.node.fingerprint,
    });
    await b.ok('POST', `/v1/contracts/${p.id}/confirm`);
    return p.id;
  }

  /** Contracts between every pair of nodes. */
  async contractAll(): Promise<void> {
    for (let i = 0; i < this.nodes.length; i++) {
      for (let j = i + 1; j < this.nodes.length; j++)
        await this.contract(this.nodes[i]!, this.nodes[j]!);
    }
  }

  /**
   * `owner` permits `partner`'s ad-hoc jobs (no approved flow): every role, and the given
   * components (default: every built-in one). Returns the permission's id.
   */
  async permitAdhoc(owner: TestNode, partner: string, components?: string[]): Promise<string> {
    const p = await owner.ok<{ id: string }>('POST', '/v1/job-permissions', {
      partner,
      roles: ['guest', 'host', 'arbiter', 'edge'],
      components: components ?? BUILTIN_COMPONENTS.map((c) => c.code),
    });
    return p.id;
  }

  /** Every node permits every other node's ad-hoc jobs of every built-in component. */
  async permitAll(): Promise<void> {
    for (const a of this.nodes)
      for (const b of this.nodes) if (a !== b) await this.permitAdhoc(a, b.id);
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.node.close().catch(() => {})));
    if (this.root) await rm(this.root, { recursive: true, force: true });
    const url = TEST_DATABASE_URL;
    if (url) await Promise.all(this.schemas.map((s) => dropStoreSchema(url, s)));
  }
}

/**
 * Opens a bare store for service-level tests: PGlite under `dataDir`, or — on the `postgres`
 * test project — PostgreSQL in a fresh schema that `close()` drops.
 */
export async function openTestStore(dataDir: string): Promise<Store> {
  const url = TEST_DATABASE_URL;
  if (!url) return openStore({ dataDir });
  const databaseSchema = `fedgrid_test_${randomBytes(4).toString('hex')}_store`;
  const store = await openStore({ dataDir, databaseUrl: url, databaseSchema });
  return {
    ...store,
    close: async () => {
      await store.close();
      await dropStoreSchema(url, databaseSchema);
    },
  };
}

/**
 * Where a test's store lives, to open it several times (an upgrade): PGlite under `dataDir`, or
 * a fresh PostgreSQL schema. `drop()` removes the PostgreSQL schema (PGlite goes with the folder).
 */
export function testStoreLocation(dataDir: string): {
  options: { dataDir: string; databaseUrl?: string; databaseSchema?: string };
  drop(): Promise<void>;
} {
  const url = TEST_DATABASE_URL;
  if (!url) return { options: { dataDir }, drop: async () => {} };
  const databaseSchema = `fedgrid_test_${randomBytes(4).toString('hex')}_upgrade`;
  return {
    options: { dataDir, databaseUrl: url, databaseSchema },
    drop: () => dropStoreSchema(url, databaseSchema),
  };
}
