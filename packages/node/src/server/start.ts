/**
 * `fedgrid node start`: one organisation's node — the control-plane REST API (HTTPS, TLS 1.3,
 * partners authenticated by pinned certificates), the data-plane gRPC endpoint (mutual TLS 1.3),
 * the store, the crypto worker pool and the job runtime.
 */
import { registerAuditAhead } from '../audit/audit-ahead.js';
import { registerReadAudit } from '../audit/audit-reads.js';
import { randomUUID, constants as tlsConstants } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import tls from 'node:tls';
import { CryptoPool, modArithBackend, nativeLoadError, x25519Backend } from '@fedgrid/crypto';
import {
  GrpcTransport,
  Mailbox,
  type DataPlaneMailbox,
  MemoryTrustStore,
  RelayTunnel,
  TransferServer,
} from '@fedgrid/federation';
import { partialsStreamHandler } from '../serving/partials-stream.js';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { pino, type Logger } from 'pino';
import {
  advertised,
  loadConfig,
  relaysOf,
  resolveDatabaseUrl,
  urlHasPassword,
  type LoadedConfig,
} from '../config/config.js';
import type { NodeCard } from '../contracts/contracts.service.js';
import type { JobsService } from '../jobs/jobs.service.js';
import { JobsRepo } from '../jobs/jobs.repo.js';
import { PeerClient } from '../peers/peer-client.js';
import { GmProtection } from '../peers/gm-protection.js';
import { registerGmProtection } from '../peers/gm-protection.routes.js';
import { openStore } from '../storage/db.js';
import { missingV8Flags } from './process-flags.js';
import { lockNodeDir, type NodeLock } from '../storage/node-lock.js';
import { storeIntegrityCheck, verifyStoreMarker } from '../storage/store-marker.js';
import { NodeFiles, type FileOps } from '../storage/files.js';
import { registerScopes } from '../accounts/scopes.js';
import { localIdentifier, registerAuth } from './auth.js';
import { registerErrorHandler } from './errors.js';
import { FEATURES } from './features.js';
import { registerFirstContactLimits } from './first-contact-limits.js';
import { registerPartnerLimits } from './partner-limits.js';
import { PgPartnerRateCounter, type PartnerRateCounter } from './partner-rate-counter.js';
import { readDataKey, readIdentity, readSm2Identity } from './identity-files.js';
import { FileSealer, sealSecretFromEnv } from '../storage/sealed-files.js';
import type { NodeInfo } from './node.routes.js';
import { registerOpenApi } from './openapi.js';
import { registerParamsCheck } from './params-check.js';
import { buildServices, type NodeServices } from './services.js';
import { startServingGrpc } from '../serving/serving.grpc.js';
import { installLeanPredict } from '../serving/predict-lean-path.js';
import { NodeMetrics } from '../observability/metrics.js';
import { serveWorkerOps, type WorkerOpsServer } from '../observability/worker-ops.server.js';
import { jobTraceparent, parseTraceparent } from '../observability/trace-context.js';

import { FEDGRID_VERSION } from '../version.js';
import { FedGridError } from '../errors/errors.js';
import { isMultiProcess, type NodeRole } from '../cluster/node-role.js';
import { startClusterRuntime, type ClusterRuntime } from '../cluster/cluster-runtime.js';
import { DbMailbox } from '../cluster/db-mailbox.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * false: no storage check before this route's handler (a route that writes nothing but audit
     * events written behind the answer, whose writer runs the check itself: online prediction).
     */
    storageCheck?: boolean;
  }
}

export { FEDGRID_VERSION };

/** Largest request body the REST API accepts, bytes. */
const BODY_LIMIT = 16 * 2 ** 20;

/** Longest `startNode` waits for the relay to accept the node's tunnel (milliseconds). */
const RELAY_START_WAIT_MS = 15_000;

export interface RunningNode {
  config: LoadedConfig;
  apiPort: number;
  dataPort: number;
  /** Port of the gRPC prediction endpoint (0 when off or not listening). */
  servingPort: number;
  apiUrl: string;
  dataAddress: string;
  fingerprint: string;
  app: FastifyInstance;
  services: NodeServices;
  jobs: JobsService;
  log: Logger;
  /** The process's part in its node (`all`: a single process). */
  role: NodeRole;
  /** A node run as several processes: this process's name and whether it leads the scheduler. */
  cluster?: Pick<ClusterRuntime, 'name' | 'isLeader'>;
  /**
   * A worker's port of `/metrics`, `/livez` and `/readyz` (`worker.metricsPort`); absent for
   * other roles, a worker without one, or when not listening.
   */
  metricsPort?: number;
  close(): Promise<void>;
}

export interface StartNodeOptions {
  /** Node directory (or its fedgrid.yaml). */
  dir: string;
  /** Override the configured ports (0 = any free port). */
  apiPort?: number;
  dataPort?: number;
  /** Override the store (e.g. PostgreSQL in tests). */
  databaseUrl?: string;
  /** Override the PostgreSQL schema of the node's tables. */
  databaseSchema?: string;
  logLevel?: string;
  /** Destination of the JSON log (default stdout). */
  logDestination?: pino.DestinationStream;
  /** Build the API without listening on any port (for `fastify.inject` and the OpenAPI export). */
  listen?: boolean;
  /**
   * Start on a new, empty store when the node's store is missing (its data directory deleted,
   * its schema dropped); without it such a start is refused (STORE_MISSING). @default false
   */
  reinitialise?: boolean;
  /** System calls the node's file writes go through (tests inject disk-full faults). */
  fileOps?: Partial<FileOps>;
  /**
   * The process's part in its node: `all` (one process, the default), or `api` / `worker` — one
   * of several processes of a node sharing its identity and one PostgreSQL database
   * (cluster/cluster-runtime.ts). @default 'all'
   */
  role?: NodeRole;
  /** Seconds between the leader election's and the leader's duties' polls (api role). @default 2 */
  clusterPollSeconds?: number;
}

/**
 * Builds the REST application of a node (routes, auth, audit, OpenAPI) on its services.
 * @param opts.partnerRateCounter counters of the per-partner rate limit shared by the node's
 *   processes (several processes on PostgreSQL); unset: counted in this process's memory.
 */
export async function buildApp(
  services: NodeServices,
  adminToken: string,
  info: () => NodeInfo,
  opts: { partnerRateCounter?: PartnerRateCounter } = {},
): Promise<FastifyInstance> {
  const { identity } = services;
  const app = Fastify({
    // The node's own pino logger (its level is `log.level` in fedgrid.yaml): errors and 5xx
    // answers are logged with the request's id. Per-request lines are logged at debug below.
    loggerInstance: services.log as FastifyBaseLogger,
    disableRequestLogging: true,
    // A request id of the node's own choosing (a caller's header is not trusted), returned to the
    // caller as x-request-id and in 5xx answers, to find the request in the log.
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    bodyLimit: BODY_LIMIT,
    https: {
      key: identity.keyPem,
      cert: identity.certPem,
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.3',
      secureOptions: tlsConstants.SSL_OP_NO_RENEGOTIATION,
    },
  });
  registerErrorHandler(app);
  app.addHook('onRequest', async (req, reply) => {
    void reply.header('x-request-id', req.id);
    // A caller's W3C trace context (a partner's job call): its trace id goes into this request's
    // log lines so a job's requests join across parties. Malformed values are ignored.
    const parent = parseTraceparent(req.headers.traceparent);
    if (parent) req.log = req.log.child({ traceId: parent.traceId });
  });
  app.addHook('onResponse', async (req, reply) => {
    services.metrics.observeHttp(
      req.method,
      req.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    req.log.debug(
      {
        method: req.method,
        route: req.routeOptions.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });
  registerAuth(app, {
    adminToken,
    nodeId: services.nodeId,
    contracts: services.contracts,
    audit: services.audit,
    accounts: services.accounts,
  });
  registerParamsCheck(app);
  registerScopes(app);
  // A node whose storage is broken (data directory gone, store replaced) acknowledges no write.
  // Online prediction writes nothing but its audit events, written behind the answer; the check
  // runs before each of those writes instead (serving-audit.ts), once per batch.
  app.addHook('preHandler', async (req) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return;
    if (req.routeOptions.config.storageCheck === false) return;
    await services.files.assertUsable();
  });
  registerAuditAhead(app, { nodeId: services.nodeId, audit: services.audit });
  registerReadAudit(app, { nodeId: services.nodeId, audit: services.audit });
  await registerFirstContactLimits(app, {
    requestsPerMinute: services.config.config.firstContact.requestsPerMinute,
    contracts: services.contracts,
  });
  registerPartnerLimits(app, {
    requestsPerMinute: services.config.config.partnerLimits.requestsPerMinute,
    nodeId: services.nodeId,
    metrics: services.metrics,
    ...(opts.partnerRateCounter ? { shared: opts.partnerRateCounter } : {}),
  });
  await registerOpenApi(app, FEDGRID_VERSION);
  registerGmProtection(app, services.gm);
  for (const feature of FEATURES) feature(app, services, info);
  // Online prediction's plain requests skip Fastify (same checks, a fraction of the CPU).
  installLeanPredict(app, {
    serving: services.serving,
    identify: localIdentifier({ adminToken, nodeId: services.nodeId, accounts: services.accounts }),
    metrics: services.metrics,
    audit: services.audit,
    log: services.log,
    bodyLimit: BODY_LIMIT,
  });
  await app.ready();
  return app;
}

/** Starts a node; resolves once both endpoints listen. */
export async function startNode(opts: StartNodeOptions): Promise<RunningNode> {
  const loaded = await loadConfig(opts.dir);
  const { config } = loaded;
  // Every TLS connection this process makes or accepts is TLS 1.3 (standard 001 §9 g asks ≥ 1.2).
  (tls as { DEFAULT_MIN_VERSION: string }).DEFAULT_MIN_VERSION = 'TLSv1.3';
  const log = pino(
    { level: opts.logLevel ?? config.log.level, base: { node: config.node.id } },
    opts.logDestination,
  );
  // A promise rejected without a handler anywhere in a program must not take the node down
  // (Node's default); log it instead. The task it belonged to fails through its own await chain.
  process.on('unhandledRejection', (reason) =>
    log.error({ err: reason }, 'unhandled promise rejection'),
  );
  const missing = missingV8Flags();
  if (missing.length > 0)
    log.info(
      { missing },
      `this node process was started without ${missing.join(' ')}: set NODE_OPTIONS="${missing.join(' ')}" where the node is started for fewer garbage-collection pauses of the event loop (docs/OPERATIONS.md, "Scale")`,
    );
  // Before anything reads the store: a second process on one node directory lost data. The
  // processes of a node run as several share its store by design; the PostgreSQL schema lock,
  // shared among them and exclusive for a single process, keeps the two modes apart.
  const lock: NodeLock = isMultiProcess(opts.role ?? 'all')
    ? {
        path: '',
        holder: { pid: process.pid, hostname: '', startTicks: null, startedAt: '', token: '' },
        release: async () => {},
      }
    : await lockNodeDir(loaded.dir, (previous) =>
        log.warn({ previous }, 'took over the lock of a node process that is gone'),
      );
  try {
    return await startLocked(opts, loaded, log, lock);
  } catch (err) {
    await lock.release();
    throw err;
  }
}

async function startLocked(
  opts: StartNodeOptions,
  loaded: LoadedConfig,
  log: Logger,
  lock: NodeLock,
): Promise<RunningNode> {
  const { config, paths } = loaded;
  const secret = sealSecretFromEnv();
  const unseal = {
    suite: config.crypto.suite,
    required: config.crypto.sealedSecrets,
    ...(secret ? { secret } : {}),
  };
  const { identity, adminToken } = await readIdentity(paths, unseal);
  const sm2 =
    config.crypto.suite === 'gm' ? await readSm2Identity(paths, config.node.id, unseal) : undefined;
  // Data files (model parameters, outputs, snapshots) are sealed under the node's data key.
  const sealer = config.crypto.sealedSecrets
    ? new FileSealer(config.crypto.suite, await readDataKey(paths.dataKey, unseal))
    : undefined;
  const databaseUrl = await resolveDatabaseUrl(loaded, opts.databaseUrl);
  if (config.storage.databaseUrl && urlHasPassword(config.storage.databaseUrl))
    log.warn(
      'fedgrid.yaml holds a database password (storage.databaseUrl): move the URL to a 0600 file named by storage.databaseUrlFile, or to the FEDGRID_DATABASE_URL or PGPASSWORD environment variable',
    );
  const databaseSchema = opts.databaseSchema ?? config.storage.databaseSchema;
  const role = opts.role ?? 'all';
  const multi = isMultiProcess(role);
  if (multi && !databaseUrl)
    throw new FedGridError(
      'VALIDATION_FAILED',
      `role '${role}' runs one of several processes of a node, which share one PostgreSQL database; this node uses the embedded PGlite store, which serves one process: set storage.databaseUrl (or FEDGRID_DATABASE_URL), or start with --role all`,
      { field: 'role' },
    );
  const store = await openStore({
    dataDir: paths.dataDir,
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(databaseSchema ? { databaseSchema } : {}),
    lock: multi ? 'shared' : true,
    checkpointWalMb: config.storage.checkpointWalMb,
    onWalCheckpoint: (c) =>
      log.info(
        { walBytes: c.walBytes, checkpointMs: Math.round(c.checkpointMs) },
        'embedded store checkpoint (write-ahead log above storage.checkpointWalMb)',
      ),
  });
  let storeId: string;
  try {
    storeId = await verifyStoreMarker(store, {
      nodeDir: loaded.dir,
      log,
      ...(opts.reinitialise ? { reinitialise: true } : {}),
    });
  } catch (err) {
    await store.close().catch(() => {});
    // Do not leave the empty embedded store made just now: it would hide where the old one was.
    if (store.created && store.kind === 'pglite')
      await rm(join(paths.dataDir, 'pglite'), { recursive: true, force: true });
    throw err;
  }
  const files = new NodeFiles({
    dataDir: paths.dataDir,
    ...(sealer ? { sealer } : {}),
    log,
    minFreeBytes: config.storage.minFreeMiB * 2 ** 20,
    ...(opts.fileOps ? { ops: opts.fileOps } : {}),
  });
  files.addCheck(() => store.check());
  files.addCheck(await storeIntegrityCheck(store, paths.dataDir, storeId));
  const crypto = new CryptoPool(
    config.runtime.cryptoThreads ? { threads: config.runtime.cryptoThreads } : {},
  );
  const trust = new MemoryTrustStore();
  const { limits } = config.dataPlane;
  const mailboxLimits = {
    maxSessionBytes: limits.sessionBufferMiB * 2 ** 20,
    maxSenderBytes: limits.partnerBufferMiB * 2 ** 20,
    maxTotalBytes: limits.totalBufferMiB * 2 ** 20,
    incompleteTimeoutMs: limits.incompletePayloadSeconds * 1000,
  };
  // Several processes: a partner's push may reach any api replica while the task receiving it
  // runs in another process, so pushes are kept in PostgreSQL (cluster/db-mailbox.ts). One
  // process keeps them in memory.
  const dbMailbox =
    multi && databaseUrl
      ? new DbMailbox({
          db: store.db,
          databaseUrl,
          schema: databaseSchema ?? 'public',
          limits: mailboxLimits,
          log,
        })
      : undefined;
  if (dbMailbox) {
    try {
      await dbMailbox.start();
    } catch (err) {
      await crypto.close().catch(() => {});
      await store.close().catch(() => {});
      throw new FedGridError(
        'INTERNAL',
        `cannot start the data-plane mailbox on PostgreSQL: ${(err as Error).message}`,
      );
    }
  }
  const mailbox: DataPlaneMailbox = dbMailbox ?? new Mailbox(mailboxLimits);
  const metrics = new NodeMetrics({ version: FEDGRID_VERSION, storage: store.kind, role });
  const transport = new GrpcTransport({
    identity,
    trust,
    // The data plane's session is the job: its W3C trace context travels with every chunk.
    metadataFor: (session) => ({ traceparent: jobTraceparent(session) }),
    onSent: (partner, bytes) => metrics.dataPlaneSent(partner, bytes),
  });
  const gm = sm2
    ? new GmProtection({
        nodeId: config.node.id,
        privateKey: sm2.privateKey,
        publicKey: sm2.publicKey,
      })
    : undefined;
  let card: NodeCard | undefined;
  const services = buildServices({
    nodeId: config.node.id,
    config: loaded,
    log,
    identity,
    ...(sm2 ? { sm2 } : {}),
    ...(gm ? { gm } : {}),
    store,
    files,
    db: store.db,
    crypto,
    trust,
    mailbox,
    transport,
    peers: new PeerClient(identity, undefined, gm),
    metrics,
    self: () => card as NodeCard,
  });
  // An outbound-only node: partners reach it through the relay, over a tunnel it dials out.
  const tunnels: { relay: string; tunnel: RelayTunnel }[] = [];
  // Set once the processes of a node run as several have joined (below). Until this replica has
  // won the scheduler's election, it runs no job (a request may arrive as soon as it listens).
  let cluster: ClusterRuntime | undefined;
  if (multi) services.jobs.scheduler.useLeadership(() => false);
  metrics.attach({
    relayTunnels: () =>
      tunnels.map((t) => ({ relay: t.relay, up: t.tunnel.state === 'registered' })),
    cluster: () =>
      multi
        ? {
            leader: cluster?.isLeader() ?? false,
            queueWaiting: async () => (cluster ? cluster.queueWaiting() : 0),
            chunksQueued: async () => (cluster ? cluster.chunksQueued() : new Map()),
          }
        : undefined,
    countByStatus: () => new JobsRepo(store.db).countByStatus(),
    scheduler: () => services.jobs.scheduler.state(),
    mailboxBytes: () => mailbox.usage().bytes,
    storage: () => files.health(),
  });
  // Several processes: the replica that becomes leader recovers the jobs (scheduler-takeover.ts).
  if (!multi) {
    const recovered = await services.jobs.recoverAfterRestart();
    if (recovered)
      log.warn({ jobs: recovered }, 'marked jobs left running by a previous run as failed');
  }
  await services.contracts.refreshTrust();
  // Partner copies end at their deadline even when the initiator never says so.
  if (role !== 'worker') services.jobs.startWatchdog();

  const backends = {
    paillier: modArithBackend(),
    x25519: x25519Backend(),
    ...(nativeLoadError() ? { nativeError: nativeLoadError() as string } : {}),
  };
  const info = (): NodeInfo => ({
    ...services.self(),
    fingerprint: identity.fingerprint,
    version: FEDGRID_VERSION,
    storage: store.kind,
    backends,
  });
  // Several processes: each api replica answers partners, so they count partner calls together
  // in PostgreSQL (partner-rate-counter.ts); one process counts in memory.
  const app = await buildApp(
    services,
    adminToken,
    info,
    multi && databaseUrl ? { partnerRateCounter: new PgPartnerRateCounter(store.db) } : {},
  );
  const transfer = new TransferServer({
    nodeId: config.node.id,
    identity,
    trust,
    mailbox,
    onRefused: (reason) => {
      metrics.dataPlaneRefusedCall();
      log.warn({ reason }, 'data-plane call refused');
    },
    onReceived: (partner, bytes) => metrics.dataPlaneReceived(partner, bytes),
  });
  // Hosts answer partials on the data plane as well as on POST /v1/interconn/serving/partial.
  transfer.setPartialsHandler(
    partialsStreamHandler(services.serving, {
      partnerRequestsPerSecond: config.serving.partnerRequestsPerSecond,
    }),
  );
  let dataPort = 0;
  let apiPort = 0;
  let servingGrpc: { port: number; close(): Promise<void> } | undefined;
  if (opts.listen !== false && role !== 'worker') {
    try {
      dataPort = await transfer.listen(
        config.dataPlane.host,
        opts.dataPort ?? config.dataPlane.port,
      );
      await app.listen({ host: config.api.host, port: opts.apiPort ?? config.api.port });
    } catch (err) {
      await transfer.close(0).catch(() => {});
      await dbMailbox?.close().catch(() => {});
      await crypto.close().catch(() => {});
      await store.close().catch(() => {});
      throw err;
    }
    const addr = app.server.address();
    apiPort = typeof addr === 'object' && addr ? addr.port : (opts.apiPort ?? config.api.port);
    if (config.serving.grpcPort >= 0) {
      try {
        servingGrpc = await startServingGrpc(
          services,
          adminToken,
          config.api.host,
          config.serving.grpcPort,
        );
      } catch (err) {
        await app.close().catch(() => {});
        await transfer.close(0).catch(() => {});
        await dbMailbox?.close().catch(() => {});
        await crypto.close().catch(() => {});
        await store.close().catch(() => {});
        throw err;
      }
    }
  }
  const relays = relaysOf(config);
  if (relays.length && opts.listen !== false) {
    const local = (h: string) => (h === '0.0.0.0' ? '127.0.0.1' : h === '::' ? '::1' : h);
    // One tunnel per relay, all kept at once: partners reach the node through any relay that is up.
    for (const r of relays) {
      const tunnel = new RelayTunnel({
        identity,
        relayAddress: r.address,
        relayFingerprint: r.fingerprint,
        targets: {
          api: { host: local(config.api.host), port: apiPort },
          data: { host: local(config.dataPlane.host), port: dataPort },
        },
        log,
      });
      tunnels.push({ relay: r.address, tunnel });
      tunnel.start();
    }
    // Partners can reach the node once a relay has accepted its tunnel: wait for the first (a
    // bounded time — relays that are down must not keep the node from starting; it redials).
    const accepted = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), RELAY_START_WAIT_MS);
      for (const { tunnel } of tunnels)
        tunnel.once('registered', () => {
          clearTimeout(timer);
          resolve(true);
        });
    });
    if (!accepted)
      log.warn(
        { relays: relays.map((r) => r.address), waitedMs: RELAY_START_WAIT_MS },
        'no relay has accepted this node yet (is one running, and this node registered there?); partners cannot reach the node until one does — still trying',
      );
    if (!config.advertise.apiUrl || !config.advertise.dataAddress)
      log.warn(
        "relay is set but advertise.apiUrl / advertise.dataAddress are not: partners are told the addresses this node binds, which they cannot reach; set them to the relay's public ports",
      );
  }
  const adv = advertised(config, apiPort, dataPort);
  card = {
    nodeId: config.node.id,
    name: config.node.name,
    apiUrl: adv.apiUrl,
    dataAddress: adv.dataAddress,
    certPem: identity.certPem,
    suites: [config.crypto.suite],
    ...(sm2 ? { sm2CertPem: sm2.certPem } : {}),
  };
  log.info(
    {
      apiUrl: adv.apiUrl,
      dataAddress: adv.dataAddress,
      fingerprint: identity.fingerprint,
      storage: store.kind,
      backends,
    },
    'node started',
  );
  if (role !== 'worker') services.auditCheckpoints.start(config.audit.checkpointIntervalSeconds);
  if (multi && databaseUrl) {
    try {
      cluster = await startClusterRuntime({
        role: role as Exclude<NodeRole, 'all'>,
        services,
        databaseUrl,
        schema: databaseSchema ?? 'public',
        log,
        ...(opts.clusterPollSeconds ? { pollSeconds: opts.clusterPollSeconds } : {}),
      });
    } catch (err) {
      services.jobs.stopWatchdog();
      services.auditCheckpoints.stop();
      await servingGrpc?.close().catch(() => {});
      await app.close().catch(() => {});
      await transfer.close(0).catch(() => {});
      await dbMailbox?.close().catch(() => {});
      await crypto.close().catch(() => {});
      await store.close().catch(() => {});
      throw err;
    }
  }
  // A worker serves no API: Prometheus and the kubelet reach it on its own endpoint.
  let workerOps: WorkerOpsServer | undefined;
  const opsAt = { host: config.worker.metricsHost, port: config.worker.metricsPort };
  if (role === 'worker' && cluster && opsAt.port >= 0 && opts.listen !== false) {
    const running = cluster;
    try {
      workerOps = await serveWorkerOps({
        services,
        adminToken,
        ...opsAt,
        readiness: {
          store: async () => {
            await sql`select 1`.execute(store.db);
            return true;
          },
          storage: async () => (await files.health()).ok,
          // The worker's queue (pg-boss on the node's database) answers.
          queue: async () => (await running.queueWaiting()) >= 0,
        },
      });
    } catch (err) {
      await running.close().catch(() => {});
      await app.close().catch(() => {});
      await transfer.close(0).catch(() => {});
      await dbMailbox?.close().catch(() => {});
      await crypto.close().catch(() => {});
      await store.close().catch(() => {});
      throw err;
    }
    log.info(
      { host: opsAt.host, port: workerOps.port },
      'worker metrics listening (/metrics needs metrics:read; /livez, /readyz)',
    );
  }

  let closed = false;
  return {
    config: loaded,
    apiPort,
    dataPort,
    servingPort: servingGrpc?.port ?? 0,
    apiUrl: adv.apiUrl,
    dataAddress: adv.dataAddress,
    fingerprint: identity.fingerprint,
    app,
    services,
    jobs: services.jobs,
    log,
    role,
    ...(cluster ? { cluster: { name: cluster.name, isLeader: () => cluster.isLeader() } } : {}),
    ...(workerOps ? { metricsPort: workerOps.port } : {}),
    close: async () => {
      if (closed) return;
      closed = true;
      await workerOps?.close();
      await cluster?.close();
      services.jobs.stopWatchdog();
      services.auditCheckpoints.stop();
      await Promise.all(tunnels.map((t) => t.tunnel.close()));
      services.servingClient.close();
      await servingGrpc?.close();
      await app.close();
      // Predictions answered before the close: their audit events are written behind.
      await services.serving.flushAudit();
      await transfer.close();
      await dbMailbox?.close();
      transport.close();
      await crypto.close();
      await store.close();
      await lock.release();
    },
  };
}
