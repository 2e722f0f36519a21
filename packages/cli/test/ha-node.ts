/**
 * A node run as several processes for the issue 16 tests (ha-*.test.ts), on a fresh PostgreSQL
 * database: the guest, set up first as one process that advertises the addresses of two TCP
 * proxies (standing in for the load balancers in front of its API and data ports), then run as
 * API replicas and workers that share its identity, database and data directory; and the host,
 * a single-process partner with a signed contract and ad-hoc permission.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { launchNode, signContract, type ClusterNode } from 'fedgrid';
import { freePort, permitAdhoc, TestCluster } from './cluster-helpers.js';
import { TcpFailoverProxy } from './tcp-failover-proxy.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const BASE_URL = process.env['FEDGRID_POSTGRES_URL'] || 'postgres://postgres@127.0.0.1:5432/test';

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: BASE_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export interface HaWorker {
  child: ChildProcess;
  /** Its directory (holds its node.log). */
  dir: string;
}

export class HaNode {
  readonly cluster = new TestCluster();
  readonly apiProxy = new TcpFailoverProxy();
  readonly dataProxy = new TcpFailoverProxy();
  readonly workers: ChildProcess[] = [];
  /** A connection to the guest's database, for the tests' checks. */
  db!: pg.Client;
  dbUrl = '';
  host!: ClusterNode;
  private dbName = '';
  private guestDir = '';
  /** The ports of the guest's first, single process (set-up only). */
  private readonly setupPorts = { api: 0, data: 0 };
  private setupNode: ClusterNode | undefined;

  /** @param prefix names the database (`<prefix>_<random>`). */
  constructor(private readonly prefix: string) {}

  /**
   * Creates the database and starts the guest (one process, on it) and the host, contracted.
   * Register datasets on {@link guestSetup} and the host, then call {@link endSetup}.
   */
  async start(): Promise<void> {
    this.dbName = `${this.prefix}_${randomBytes(4).toString('hex')}`;
    await admin((c) => c.query(`create database ${this.dbName}`));
    this.dbUrl = withDatabase(BASE_URL, this.dbName);
    this.db = new pg.Client({ connectionString: this.dbUrl });
    await this.db.connect();
    const [apiAddr, dataAddr] = [await this.apiProxy.listen(), await this.dataProxy.listen()];
    const [apiPort, dataPort] = [await freePort(), await freePort()];
    this.apiProxy.backends = [apiPort];
    this.dataProxy.backends = [dataPort];
    Object.assign(this.setupPorts, { api: apiPort, data: dataPort });
    const single = await this.cluster.launch('guest', {
      apiPort,
      dataPort,
      databaseUrl: this.dbUrl,
      config: {
        advertise: {
          apiUrl: `https://127.0.0.1:${apiAddr}`,
          dataAddress: `127.0.0.1:${dataAddr}`,
        },
      },
    });
    this.setupNode = single;
    this.guestDir = single.dir;
    this.host = await this.cluster.launch('host');
    await signContract(single, this.host);
    await permitAdhoc([this.host], single);
  }

  /** The guest's single process during set-up. */
  get guestSetup(): ClusterNode {
    if (!this.setupNode) throw new Error('HaNode: call start() first (or setup has ended)');
    return this.setupNode;
  }

  /** Stops the guest's set-up process: from now on it runs as replicas and workers. */
  async endSetup(): Promise<void> {
    const single = this.guestSetup;
    await single.stop();
    this.cluster.nodes.splice(this.cluster.nodes.indexOf(single), 1);
    this.setupNode = undefined;
  }

  /** A copy of the guest's node directory (its identity and config) for one more process. */
  async nodeCopy(name: string): Promise<string> {
    const dir = join(await this.cluster.dir(), name);
    const from = this.guestDir;
    await cp(from, dir, {
      recursive: true,
      filter: (src) => !src.startsWith(join(from, 'data')) && !src.endsWith('node.log'),
    });
    return dir;
  }

  /** Every process of the guest shares its data directory (outputs, snapshots) and database. */
  sharedEnv(): Record<string, string> {
    return { FEDGRID_DATA_DIR: join(this.guestDir, 'data') };
  }

  /** Starts an API replica behind the node's one address (the launcher asks through it). */
  async startReplica(
    name: string,
    env: Record<string, string> = {},
  ): Promise<{ node: ClusterNode; dir: string; apiPort: number; dataPort: number }> {
    const dir = await this.nodeCopy(name);
    const [apiPort, dataPort] = [await freePort(), await freePort()];
    const { apiProxy, dataProxy, setupPorts } = this;
    apiProxy.backends = [...apiProxy.backends.filter((p) => p !== setupPorts.api), apiPort];
    dataProxy.backends = [...dataProxy.backends.filter((p) => p !== setupPorts.data), dataPort];
    const node = await launchNode(await this.cluster.dir(), name, {
      existing: true,
      env: {
        ...this.sharedEnv(),
        ...env,
        FEDGRID_ROLE: 'api',
        FEDGRID_API_PORT: String(apiPort),
        FEDGRID_DATA_PORT: String(dataPort),
      },
    });
    this.cluster.nodes.push(node);
    return { node, dir, apiPort, dataPort };
  }

  /** Starts a worker process; resolves once it takes task executions. */
  async startWorker(name: string, env: Record<string, string> = {}): Promise<HaWorker> {
    const dir = await this.nodeCopy(name);
    const child = spawn(
      process.execPath,
      [BIN, 'node', 'start', '--dir', dir, '--role', 'worker', '--log-file', join(dir, 'node.log')],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...this.sharedEnv(), ...env } },
    );
    this.workers.push(child);
    let out = '';
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('taking task executions')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`worker ${name} exited (${code}): ${err}`)));
    });
    return { child, dir };
  }

  /** Kills every process, closes the proxies and drops the database. */
  async close(): Promise<void> {
    for (const w of this.workers) w.kill('SIGKILL');
    await this.cluster.close();
    await this.apiProxy.close();
    await this.dataProxy.close();
    await this.db?.end().catch(() => {});
    if (this.dbName)
      await admin((c) => c.query(`drop database if exists ${this.dbName} with (force)`)).catch(
        () => {},
      );
  }
}
