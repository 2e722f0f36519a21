/**
 * A node's configuration file (fedgrid.yaml in the node directory). Paths in it are relative to
 * that directory. Created by `fedgrid node init`, read by `fedgrid node start` and the CLI.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { FedGridError } from '../errors/errors.js';
import { writeFileAtomic } from '../storage/files.js';
import { applyConfigEnv, envVarFor } from './config-env.js';
import { SCHEMA_NAME } from '../storage/schema-name.js';
import { relaySettingSchema } from './relay-spec.js';

export const CONFIG_FILE = 'fedgrid.yaml';

const endpoint = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535),
});

/** Every relay a node keeps a tunnel to: `relay`, then `relays`, without repeats. */
export function relaysOf(config: {
  relay?: { address: string; fingerprint: string } | undefined;
  relays?: readonly { address: string; fingerprint: string }[];
}): { address: string; fingerprint: string }[] {
  const all = [...(config.relay ? [config.relay] : []), ...(config.relays ?? [])];
  return all.filter((r, i) => all.findIndex((o) => o.address === r.address) === i);
}

export const nodeConfigSchema = z.object({
  node: z.object({
    id: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'node id: 1–64 characters of A–Z, a–z, 0–9, ".", "_", "-"'),
    name: z.string().min(1).max(200),
    description: z.string().max(2000).default(''),
  }),
  /** Control-plane REST API (HTTPS; partners authenticate with their pinned certificate). */
  api: endpoint,
  /** Data-plane gRPC endpoint (mutual TLS 1.3), and what partners' pushes may make it buffer. */
  dataPlane: endpoint.extend({
    /** Data-plane limits (docs/protocols/README.md, "Data-plane limits"). */
    limits: z
      .object({
        /** MiB one job's session may buffer (also the largest payload a job can send here). */
        sessionBufferMiB: z.number().positive().default(256),
        /** MiB one partner node may have buffered here across all its jobs. */
        partnerBufferMiB: z.number().positive().default(512),
        /** MiB all partners together may have buffered here. */
        totalBufferMiB: z.number().positive().default(1024),
        /** Seconds after its latest chunk when an incomplete payload is dropped. */
        incompletePayloadSeconds: z.number().positive().default(120),
      })
      .default({
        sessionBufferMiB: 256,
        partnerBufferMiB: 512,
        totalBufferMiB: 1024,
        incompletePayloadSeconds: 120,
      }),
  }),
  /** Addresses partners use to reach this node (default: the bound host and ports). */
  advertise: z
    .object({ apiUrl: z.string().url().optional(), dataAddress: z.string().optional() })
    .default({}),
  /**
   * A relay for a node in a network that allows only outbound connections (docs/protocols/relay.md):
   * the node dials the relay's tunnel port over mutual TLS and keeps it open; partners reach the
   * node through the relay's public ports, so set `advertise` to those. Unset: partners connect
   * to the node directly.
   */
  relay: relaySettingSchema.optional(),
  /**
   * Further relays (no single point of failure, docs/protocols/relay.md "Two relays"): the node
   * keeps a tunnel to `relay` and to each of these at once, and partners reach it through any
   * relay that is up. Give the relays one DNS name with an address record per relay (and the
   * same public ports) and advertise that name: partners' clients try every address.
   */
  relays: z
    .array(relaySettingSchema)
    .max(8, 'at most 8 relays')
    .default([])
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      for (const [i, r] of list.entries()) {
        if (seen.has(r.address))
          ctx.addIssue({
            code: 'custom',
            path: [i, 'address'],
            message: `relay ${r.address} listed twice`,
          });
        seen.add(r.address);
      }
    }),
  storage: z
    .object({
      /**
       * PostgreSQL URL, without a password (take it from PGPASSWORD, `databaseUrlFile` or the
       * FEDGRID_DATABASE_URL environment variable); when no URL is given anywhere the embedded
       * PGlite store in `dataDir` is used.
       */
      databaseUrl: z.string().optional(),
      /**
       * File (mode 0600) holding the full PostgreSQL URL, password included; `node init` writes
       * `identity/database-url` when given a URL with a password.
       */
      databaseUrlFile: z.string().optional(),
      /** PostgreSQL schema holding this node's tables (nodes may share a database). */
      databaseSchema: z
        .string()
        .regex(SCHEMA_NAME, "1–63 characters of a–z, 0–9 and '_', not starting with a digit")
        .optional(),
      /** Embedded database and dataset snapshots. */
      dataDir: z.string().default('data'),
      /** Below this many MiB free in `dataDir` the node reports itself degraded (/v1/health). */
      minFreeMiB: z.number().min(0).default(64),
      /**
       * Embedded (PGlite) store: run a checkpoint once this many MiB of write-ahead log were
       * written since the last one (checked every 30 s; each checkpoint blocks the node for as
       * long as it writes the dirty pages: docs/OPERATIONS.md, "Store"). 0: never while the node
       * runs (pg_wal then grows until it stops). Ignored on PostgreSQL, which checkpoints itself.
       */
      checkpointWalMb: z.number().int().min(0).max(65_536).default(256),
    })
    .default({ dataDir: 'data', minFreeMiB: 64, checkpointWalMb: 256 }),
  /**
   * Where datasets may be registered from: only regular files inside these directories (relative
   * to the node directory, symlinks resolved) are read. Issue #11 item 4; docs/objects/dataset.md.
   */
  datasets: z
    .object({
      allowedDirs: z.array(z.string().min(1)).default(['imports']),
      /** Largest dataset upload accepted through the API (bytes). @default 1 GiB */
      maxUploadBytes: z
        .number()
        .int()
        .min(1)
        .default(2 ** 30),
    })
    .default({ allowedDirs: ['imports'], maxUploadBytes: 2 ** 30 }),
  identity: z
    .object({
      key: z.string().default('identity/key.pem'),
      cert: z.string().default('identity/cert.pem'),
    })
    .default({ key: 'identity/key.pem', cert: 'identity/cert.pem' }),
  /**
   * The node's crypto suite (issue 13 item 4; docs/protocols/gm-suite.md). `international`:
   * ECDSA P-256 identity, SHA-256 audit chain, AES-256-GCM at rest. `gm`: additionally an SM2
   * identity (key and certificate signed SM2-with-SM3), SM2-signed and SM4-sealed control-plane
   * requests to partners over TLS 1.3, SM3 audit chain, SM4 at rest; contracts only with `gm`
   * partners. Chosen at `fedgrid node init --suite`; changing it later needs a new SM2 identity.
   */
  crypto: z
    .object({
      suite: z.enum(['international', 'gm']).default('international'),
      /**
       * The private keys and the admin token are sealed at rest (node init found FEDGRID_SEAL_KEY
       * or FEDGRID_SEAL_PASSPHRASE): start needs the same variable, and refuses unsealed files.
       */
      sealedSecrets: z.boolean().default(false),
      /** SM2 private key (gm only; sealed at rest when a sealing secret is configured). */
      sm2Key: z.string().default('identity/sm2-key'),
      /** SM2 certificate, PEM (gm only). */
      sm2Cert: z.string().default('identity/sm2-cert.pem'),
      /** The key sealing data files (with sealedSecrets; itself sealed). */
      dataKey: z.string().default('identity/data-key'),
    })
    .default({
      suite: 'international',
      sealedSecrets: false,
      sm2Key: 'identity/sm2-key',
      sm2Cert: 'identity/sm2-cert.pem',
      dataKey: 'identity/data-key',
    }),
  /** File holding the admin token (created at init, mode 0600). */
  adminTokenFile: z.string().default('identity/admin-token'),
  runtime: z
    .object({
      /** Worker threads for crypto kernels (0 = one per core). */
      cryptoThreads: z.number().int().min(0).default(0),
      /** Seconds a channel receive may wait for a peer. */
      recvTimeoutSeconds: z.number().positive().default(1800),
      /** Seconds between liveness pings while waiting for a peer. */
      livenessIntervalSeconds: z.number().positive().default(2),
      /** Failed pings after which a peer counts as gone. */
      livenessFailures: z.number().int().min(1).default(3),
      /** Jobs this node runs at once as initiator; more wait in a priority queue. */
      maxConcurrentJobs: z.number().int().min(1).default(2),
      /** Unfinished jobs one partner may have accepted on this node at once (more are refused). */
      maxPartnerJobs: z.number().int().min(1).default(8),
      /**
       * Longest this node keeps its copy of a partner's job (seconds): the job's own timeout,
       * capped by this; then the copy ends here whatever the initiator says.
       */
      maxPartnerJobSeconds: z
        .number()
        .int()
        .positive()
        .default(7 * 24 * 3600),
      /** Seconds between checks that the initiators of this node's running partner jobs live. */
      initiatorProbeSeconds: z.number().positive().default(10),
      /** Failed checks in a row after which an initiator counts as dead (the copy fails). */
      initiatorProbeFailures: z.number().int().min(1).default(3),
      /**
       * A node run as several processes: which programs its workers run. `all`: every program
       * (those that exchange messages with partners receive them through the PostgreSQL
       * mailbox); `local`: only components that exchange no messages, the others run in the api
       * replica that starts them. A single process runs every program itself.
       */
      tasksOnWorkers: z.enum(['all', 'local']).default('all'),
      /**
       * A node run as several processes: seconds a worker holds a chunk of another process's
       * crypto batch without renewing its lease; a chunk whose worker died is run by the
       * dispatching process itself at most this long (plus one poll) after the worker's last
       * renewal. 0: batches stay in the process that runs the task.
       */
      batchLeaseSeconds: z.number().int().min(0).default(20),
    })
    .default({
      cryptoThreads: 0,
      recvTimeoutSeconds: 1800,
      livenessIntervalSeconds: 2,
      livenessFailures: 3,
      maxConcurrentJobs: 2,
      maxPartnerJobs: 8,
      maxPartnerJobSeconds: 7 * 24 * 3600,
      initiatorProbeSeconds: 10,
      initiatorProbeFailures: 3,
      tasksOnWorkers: 'all',
      batchLeaseSeconds: 20,
    }),
  /**
   * A worker process of a node run as several (`--role worker`): its own `/metrics`, `/livez`
   * and `/readyz` (observability/worker-ops.server.ts), over HTTPS with the node's certificate,
   * `/metrics` needing a token with `metrics:read` as on the API (docs/OPERATIONS.md, "Monitor").
   * API replicas and a single process serve these on the API port and ignore this section.
   */
  worker: z
    .object({
      /** Address the worker's endpoint binds (0.0.0.0 in a container, to be reached on the pod's IP). */
      metricsHost: z.string().min(1).default('127.0.0.1'),
      /**
       * Its port; 0: any free port (logged: `worker metrics listening`); -1: no endpoint (the
       * default: workers sharing a machine would contend for one fixed port).
       */
      metricsPort: z.number().int().min(-1).max(65535).default(-1),
    })
    .default({ metricsHost: '127.0.0.1', metricsPort: -1 }),
  log: z
    .object({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info') })
    .default({ level: 'info' }),
  /**
   * Directory (中心节点): when enabled, contracted nodes may publish offers here (datasets'
   * public metadata, compute) and browse them (standard 000 §5.2, §7.2).
   */
  directory: z.object({ enabled: z.boolean().default(false) }).default({ enabled: false }),
  /** The tamper-evident audit log (docs/protocols/audit-checkpoints.md). */
  audit: z
    .object({
      /** Seconds between signed checkpoints sent to every contracted partner (0: only on demand). */
      checkpointIntervalSeconds: z.number().int().min(0).default(600),
      /**
       * Newest checkpoints kept per partner (each one covers all history before it); older ones are
       * thinned to one per 10 minutes for a day and one per day for `retentionDays`, so a partner
       * cannot flush them by sending many new ones (audit/audit-checkpoints.ts).
       */
      checkpointsKept: z.number().int().min(1).max(1000).default(20),
      /** Days events are kept before they may be pruned (only once exported); ≥ 183 (6 months). */
      retentionDays: z.number().int().min(183).default(183),
    })
    .default({ checkpointIntervalSeconds: 600, checkpointsKept: 20, retentionDays: 183 }),
  /** Online prediction (docs/protocols/serving.md). */
  serving: z
    .object({
      /** Default per-request deadline of a new deployment (milliseconds), hosts' answers included. */
      deadlineMs: z.number().int().min(10).max(60_000).default(1000),
      /** Partial requests per second one partner may send this node (as a host), all deployments together. */
      partnerRequestsPerSecond: z.number().int().min(1).default(5000),
      /** Ids in one prediction or partial request. */
      maxBatch: z.number().int().min(1).max(10_000).default(1000),
      /** Predictions one deployment answers at once; more are refused (429) at once. */
      maxInFlight: z.number().int().min(1).default(256),
      /**
       * Partial calls the guest keeps outstanding per host and model part; predictions that
       * arrive while they are all busy wait and go to the host together in the next call
       * (serving/partial-batcher.ts). Larger: fewer ids per call, more calls.
       */
      hostCallsInFlight: z.number().int().min(1).max(1024).default(2),
      /** Port of the gRPC prediction endpoint on the API host (0: any free port; -1: off). */
      grpcPort: z.number().int().min(-1).max(65535).default(0),
      /**
       * How the guest asks its hosts for partials: `grpc`, one long-lived stream per host on the
       * data plane (mutual TLS, pinned certificates), or `https`, one request per batch to
       * POST /v1/interconn/serving/partial (hosts answer both).
       */
      hostTransport: z.enum(['grpc', 'https']).default('grpc'),
      /**
       * Milliseconds a serving audit event may wait for others before they are written together
       * (serving/serving-audit.ts): also the most a node killed outright (SIGKILL, power loss)
       * can lose. Larger: fewer store writes per second (each costs ~0.3–1 ms of the event loop
       * on PGlite whatever its number of rows), more lost on a crash. 25 ms: at 1,000 predictions
       * a second 40 writes instead of the 200 that 5 ms made (docs/BENCHMARKS.md).
       */
      auditLingerMs: z.number().int().min(1).max(1000).default(25),
    })
    .default({
      deadlineMs: 1000,
      partnerRequestsPerSecond: 5000,
      maxBatch: 1000,
      maxInFlight: 256,
      hostCallsInFlight: 2,
      grpcPort: 0,
      hostTransport: 'grpc',
      auditLingerMs: 25,
    }),
  /** Online keyword PIR, this node as the server (docs/protocols/pir.md, "Online queries"). */
  pir: z
    .object({
      /**
       * Datasets (by name or id) partners may query online, each with the columns returned
       * (features or the label column; empty: every feature). A partner is answered only while
       * it holds a grant of the dataset that is not job- or project-scoped.
       */
      datasets: z
        .record(
          z.string().min(1),
          z.object({ labelColumns: z.array(z.string().min(1)).default([]) }),
        )
        .default({}),
      /** Blinded keys in one request. */
      maxBatch: z.number().int().min(1).max(10_000).default(1000),
      /**
       * PIR requests per second one partner may send, counted per route (table, table pages,
       * evaluate).
       */
      partnerRequestsPerSecond: z.number().int().min(1).default(10),
      /**
       * This node as the querier: the largest encrypted table (bytes) it downloads from a
       * partner — 16 + rows × (16 + 8 × columns); 80 MB at 10^6 rows × 8 columns. It is written
       * to `<dataDir>/pir-tables` and held in memory while queried, so this bounds both.
       * @default 536870912 (512 MiB)
       */
      maxTableBytes: z
        .number()
        .int()
        .min(1024)
        .max(4 * 1024 ** 3)
        .default(512 * 1024 * 1024),
    })
    .default({
      datasets: {},
      maxBatch: 1000,
      partnerRequestsPerSecond: 10,
      maxTableBytes: 512 * 1024 * 1024,
    }),
  /**
   * How much a contracted partner can make this node do on the control plane (`/v1/interconn/*`;
   * docs/OPERATIONS.md, "Partner rate limits"). Online prediction partials and PIR have their own
   * per-second budgets (`serving`, `pir`); the data plane (gRPC) is not counted here.
   */
  partnerLimits: z
    .object({
      /**
       * Requests per minute, per partner (its pinned certificate), over all its `/v1/interconn/*`
       * routes together. A two-party job's busiest minute takes about 60 (measured: test
       * partner-limits.test.ts); 1200 leaves room for some twenty jobs at once.
       */
      requestsPerMinute: z.number().int().min(1).default(1200),
    })
    .default({ requestsPerMinute: 1200 }),
  /**
   * What a node without a contract can make this node do on the first-contact routes (the
   * public node card, contract proposals and their answers). docs/objects/contract.md.
   */
  firstContact: z
    .object({
      /** Requests per minute on each first-contact route, per client certificate (or IP). */
      requestsPerMinute: z.number().int().min(1).default(20),
      /** Pending incoming proposals per client certificate. */
      pendingProposalsPerClient: z.number().int().min(1).default(3),
      /** Pending incoming proposals in all. */
      pendingProposals: z.number().int().min(1).default(100),
    })
    .default({ requestsPerMinute: 20, pendingProposalsPerClient: 3, pendingProposals: 100 }),
});

export type NodeConfig = z.infer<typeof nodeConfigSchema>;

/** A loaded configuration with its directory, and every path resolved to absolute. */
export interface LoadedConfig {
  dir: string;
  config: NodeConfig;
  paths: {
    dataDir: string;
    key: string;
    cert: string;
    adminToken: string;
    /** The SM2 key and certificate (`crypto.sm2Key`, `crypto.sm2Cert`), absolute. */
    sm2Key: string;
    sm2Cert: string;
    dataKey: string;
    /** `datasets.allowedDirs`, absolute. */
    datasetDirs: string[];
    /** The configuration file itself. */
    configFile: string;
  };
}

export function resolvePaths(dir: string, config: NodeConfig): LoadedConfig['paths'] {
  const abs = (p: string) => (isAbsolute(p) ? p : join(dir, p));
  return {
    dataDir: abs(config.storage.dataDir),
    key: abs(config.identity.key),
    cert: abs(config.identity.cert),
    adminToken: abs(config.adminTokenFile),
    sm2Key: abs(config.crypto.sm2Key),
    sm2Cert: abs(config.crypto.sm2Cert),
    dataKey: abs(config.crypto.dataKey),
    datasetDirs: config.datasets.allowedDirs.map(abs),
    configFile: join(dir, CONFIG_FILE),
  };
}

/**
 * Reads `dir/fedgrid.yaml` (or the file `path` points to), with the settings environment
 * variables override (config-env.ts; pass `env: {}` for the file alone, e.g. to edit and save it).
 * @throws FedGridError VALIDATION_FAILED naming the file (or variable) and the bad fields.
 */
export async function loadConfig(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedConfig> {
  const file =
    path.endsWith('.yaml') || path.endsWith('.yml')
      ? resolve(path)
      : join(resolve(path), CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new FedGridError(
      'NOT_FOUND',
      `cannot read node configuration ${file}: ${(err as Error).message} (create a node with \`fedgrid node init\`)`,
      { file },
    );
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    throw new FedGridError(
      'VALIDATION_FAILED',
      `${file} is not valid YAML: ${(err as Error).message}`,
      { file },
    );
  }
  const parsed = nodeConfigSchema.safeParse(applyConfigEnv(raw, env));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => {
      const from = envVarFor(i.path as (string | number)[], env);
      return `${i.path.join('.') || '(root)'}${from ? ` (from ${from})` : ''}: ${i.message}`;
    });
    throw new FedGridError(
      'VALIDATION_FAILED',
      `invalid node configuration ${file}: ${issues.join('; ')}`,
      {
        file,
        issues,
      },
    );
  }
  const dir = dirname(file);
  return { dir, config: parsed.data, paths: resolvePaths(dir, parsed.data) };
}

/** Writes `dir/fedgrid.yaml` atomically, mode 0600 whatever the umask. */
export async function saveConfig(dir: string, config: NodeConfig): Promise<void> {
  await writeFileAtomic(join(dir, CONFIG_FILE), stringify(config));
}

/** Environment variable holding the store's PostgreSQL URL (password included). */
export const DATABASE_URL_ENV = 'FEDGRID_DATABASE_URL';

/**
 * The store's PostgreSQL URL, first found of: `override` (the `--database-url` flag), the
 * FEDGRID_DATABASE_URL environment variable, the file `storage.databaseUrlFile`, and
 * `storage.databaseUrl` in fedgrid.yaml. Undefined: the embedded store.
 * @throws FedGridError NOT_FOUND when `storage.databaseUrlFile` cannot be read.
 */
export async function resolveDatabaseUrl(
  loaded: LoadedConfig,
  override?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  if (override) return override;
  const fromEnv = env[DATABASE_URL_ENV];
  if (fromEnv) return fromEnv;
  const file = loaded.config.storage.databaseUrlFile;
  if (file) {
    const path = isAbsolute(file) ? file : join(loaded.dir, file);
    try {
      return (await readFile(path, 'utf8')).trim();
    } catch (err) {
      throw new FedGridError(
        'NOT_FOUND',
        `cannot read the database URL file ${path} (storage.databaseUrlFile): ${(err as Error).message}`,
        { file: path },
      );
    }
  }
  return loaded.config.storage.databaseUrl;
}

/** Whether a connection URL carries a password (which must not be written to fedgrid.yaml). */
export function urlHasPassword(url: string): boolean {
  try {
    return new URL(url).password !== '';
  } catch {
    return false;
  }
}

/** The URL and data-plane address partners should use. */
export function advertised(
  config: NodeConfig,
  apiPort: number,
  dataPort: number,
): { apiUrl: string; dataAddress: string } {
  const host = (h: string) => (h === '0.0.0.0' || h === '::' ? '127.0.0.1' : h);
  return {
    apiUrl: config.advertise.apiUrl ?? `https://${host(config.api.host)}:${apiPort}`,
    dataAddress: config.advertise.dataAddress ?? `${host(config.dataPlane.host)}:${dataPort}`,
  };
}
