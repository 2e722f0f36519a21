/**
 * The node's Prometheus metrics (prom-client, text exposition format 0.0.4), served at
 * `GET /metrics` (metrics.routes.ts). One registry per node (tests run several nodes in one
 * process). What is measured, and the names alert rules use, are listed in
 * docs/OPERATIONS.md ("Monitoring"); docs/ops/alerts.yml holds example rules.
 *
 * Label values are bounded: HTTP routes are the route templates (never raw URLs), partners are
 * node ids taken from pinned certificates (one per contract), deployments are this node's own.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { OFFLOADABLE_TASKS } from '@fedgrid/crypto';
import type { Outcome } from '../serving/serving-metrics.js';

/** HTTP latency buckets, seconds. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Online prediction latency buckets, seconds (the serving module's, serving-metrics.ts). */
const SERVING_BUCKETS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5];

/** Chunk latency buckets, seconds: a chunk is tens of milliseconds to tens of seconds of work. */
const CHUNK_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Every job and task status, so that each series exists (at 0) before its first job. */
const JOB_STATUSES = ['pending', 'queued', 'running', 'succeeded', 'failed', 'stopped'];
const TASK_STATUSES = ['waiting', 'running', 'succeeded', 'failed', 'stopped'];

/** What the metrics read at scrape time; attached once the node's services exist. */
export interface MetricSources {
  /** Jobs and tasks of this node's store per status. */
  countByStatus(): Promise<{ jobs: Map<string, number>; tasks: Map<string, number> }>;
  /** The initiator scheduler's queue: jobs waiting for a slot, and jobs running. */
  scheduler(): { running: readonly string[]; queued: readonly string[] };
  /** Bytes partners' pushes hold in the data-plane mailbox now. */
  mailboxBytes?(): number;
  /** Storage health (the same checks as /v1/health). */
  storage(): Promise<{ ok: boolean; freeBytes: number | null }>;
  /** The relay tunnel (docs/protocols/relay.md): its address and whether the relay accepted it. */
  /** One entry per relay the node keeps a tunnel to (none without a relay). */
  relayTunnels?(): { relay: string; up: boolean }[];
  /**
   * A node run as several processes (cluster/): whether this process leads the scheduler, and
   * the task executions waiting in the worker queue. Absent: a single process (always leads).
   */
  cluster?():
    | {
        leader: boolean;
        queueWaiting(): Promise<number>;
        /** Crypto chunks of the node's split batches queued now, by task kind. */
        chunksQueued?(): Promise<Map<string, number>>;
      }
    | undefined;
}

export class NodeMetrics {
  /** The registry `/metrics` renders. */
  readonly registry = new Registry();
  private sources: MetricSources | undefined;
  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  private readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly sentBytes: Counter<'partner'>;
  private readonly receivedBytes: Counter<'partner'>;
  private readonly dataPlaneRefused: Counter;
  private readonly partnerRateLimited: Counter<'partner' | 'limit'>;
  private readonly servingRequests: Counter<'deployment' | 'role' | 'outcome'>;
  private readonly servingDuration: Histogram<'deployment' | 'role'>;
  private readonly chunksDispatched: Counter<'kind'>;
  private readonly chunksRun: Counter<'kind' | 'place'>;
  private readonly chunksReclaimed: Counter<'kind'>;
  private readonly chunkDuration: Histogram<'kind' | 'place'>;
  private readonly chunksExecuted: Counter<'kind' | 'outcome'>;
  private readonly chunkExecuteDuration: Histogram<'kind'>;
  private readonly taskExecutions: Counter<'outcome'>;
  private readonly taskExecutionsRunning: Gauge;

  /**
   * @param info.role the process's part in its node (`all`: a single process; `api`, `worker`:
   *   one of several, cluster/node-role.ts), the `role` label of `fedgrid_node_info`.
   *   @default 'all'
   */
  constructor(info: { version: string; storage: string; role?: string }) {
    const registers = [this.registry];
    // Process CPU, resident memory, heap, event-loop lag (nodejs_eventloop_lag_seconds), GC, handles.
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'fedgrid_node_info',
      help: 'Always 1; the labels name the FedGrid version, the store kind and the process role (all: a single process; api or worker: one of several)',
      labelNames: ['version', 'storage', 'role'],
      registers,
    }).set({ version: info.version, storage: info.storage, role: info.role ?? 'all' }, 1);
    this.httpRequests = new Counter({
      name: 'fedgrid_http_requests_total',
      help: 'REST API requests answered, by method, route template and status code',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'fedgrid_http_request_duration_seconds',
      help: 'REST API request latency (seconds), by method, route template and status code',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.sentBytes = new Counter({
      name: 'fedgrid_dataplane_sent_bytes_total',
      help: 'Data-plane payload bytes pushed to a partner and acknowledged by it',
      labelNames: ['partner'],
      registers,
    });
    this.receivedBytes = new Counter({
      name: 'fedgrid_dataplane_received_bytes_total',
      help: 'Data-plane payload bytes accepted from a partner (authenticated by its pinned certificate)',
      labelNames: ['partner'],
      registers,
    });
    this.dataPlaneRefused = new Counter({
      name: 'fedgrid_dataplane_refused_total',
      help: 'Data-plane calls refused (certificate not pinned by an active contract)',
      registers,
    });
    this.partnerRateLimited = new Counter({
      name: 'fedgrid_partner_rate_limited_total',
      help: 'Partner (interconn) requests refused with 429 by a per-partner rate limit, by partner node id and limit',
      labelNames: ['partner', 'limit'],
      registers,
    });
    this.servingRequests = new Counter({
      name: 'fedgrid_serving_requests_total',
      help: 'Online prediction requests (guest) and partial requests (host) answered, by deployment and outcome',
      labelNames: ['deployment', 'role', 'outcome'],
      registers,
    });
    this.servingDuration = new Histogram({
      name: 'fedgrid_serving_request_duration_seconds',
      help: 'Online prediction latency (seconds), by deployment',
      labelNames: ['deployment', 'role'],
      buckets: SERVING_BUCKETS,
      registers,
    });
    this.chunksDispatched = new Counter({
      name: 'fedgrid_crypto_chunks_dispatched_total',
      help: 'Chunks of crypto batches this process queued for the node’s processes (a node run as several), by task kind',
      labelNames: ['kind'],
      registers,
    });
    this.chunksRun = new Counter({
      name: 'fedgrid_crypto_chunks_total',
      help: 'Chunks of this process’s crypto batches finished, by task kind and where they ran (local: this process, remote: another worker)',
      labelNames: ['kind', 'place'],
      registers,
    });
    this.chunksReclaimed = new Counter({
      name: 'fedgrid_crypto_chunks_reclaimed_total',
      help: 'Chunks this process took back from a worker that stopped renewing its lease (then ran them itself), by task kind',
      labelNames: ['kind'],
      registers,
    });
    this.chunkDuration = new Histogram({
      name: 'fedgrid_crypto_chunk_duration_seconds',
      help: 'Seconds from queueing a crypto batch to one chunk’s result in hand, by task kind and where it ran',
      labelNames: ['kind', 'place'],
      buckets: CHUNK_BUCKETS,
      registers,
    });
    this.chunksExecuted = new Counter({
      name: 'fedgrid_crypto_chunks_executed_total',
      help: 'Chunks of other processes’ crypto batches this worker ran, by task kind and outcome (stored; error: the kernel failed; dropped: taken back before it finished here)',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    this.chunkExecuteDuration = new Histogram({
      name: 'fedgrid_crypto_chunk_execute_seconds',
      help: 'Seconds this worker spent running one chunk of another process’s crypto batch (kernel time on its crypto threads), by task kind',
      labelNames: ['kind'],
      buckets: CHUNK_BUCKETS,
      registers,
    });
    this.taskExecutions = new Counter({
      name: 'fedgrid_task_executions_total',
      help: 'Task executions this worker took from the queue and ended, by outcome (succeeded, failed, stopped; superseded: the job ended or the task was run again before it started)',
      labelNames: ['outcome'],
      registers,
    });
    this.taskExecutionsRunning = new Gauge({
      name: 'fedgrid_task_executions_running',
      help: 'Task executions this worker runs now (0 or 1; a node run as several processes)',
      registers,
    });
    // Read at scrape time (the gauges' collect() has the gauge as `this`).
    const src = (): MetricSources | undefined => this.sources;
    new Gauge({
      name: 'fedgrid_jobs',
      help: 'Jobs in this node’s store (its own and partners’ copies), by status',
      labelNames: ['status'],
      registers,
      async collect() {
        const counts = await src()?.countByStatus();
        if (!counts) return;
        for (const s of new Set([...JOB_STATUSES, ...counts.jobs.keys()]))
          this.set({ status: s }, counts.jobs.get(s) ?? 0);
      },
    });
    new Gauge({
      name: 'fedgrid_tasks',
      help: 'Tasks of the jobs in this node’s store, by status (waiting = not yet started)',
      labelNames: ['status'],
      registers,
      async collect() {
        const tasks = (await src()?.countByStatus())?.tasks;
        if (!tasks) return;
        for (const s of new Set([...TASK_STATUSES, ...tasks.keys()]))
          this.set({ status: s }, tasks.get(s) ?? 0);
      },
    });
    new Gauge({
      name: 'fedgrid_scheduler_queued_jobs',
      help: 'Jobs this node initiated that wait for a slot (runtime.maxConcurrentJobs)',
      registers,
      collect() {
        const s = src()?.scheduler();
        if (s) this.set(s.queued.length);
      },
    });
    new Gauge({
      name: 'fedgrid_scheduler_running_jobs',
      help: 'Jobs this node initiated that hold a slot now',
      registers,
      collect() {
        const s = src()?.scheduler();
        if (s) this.set(s.running.length);
      },
    });
    new Gauge({
      name: 'fedgrid_scheduler_leader',
      help: '1 when this process leads the node’s scheduler (a single process always does), else 0',
      registers,
      collect() {
        const sources = src();
        if (!sources) return;
        const c = sources.cluster?.();
        this.set(c ? (c.leader ? 1 : 0) : 1);
      },
    });
    new Gauge({
      name: 'fedgrid_task_queue_waiting',
      help: 'Task executions waiting in the worker queue (a node run as several processes; else 0)',
      registers,
      async collect() {
        const sources = src();
        if (!sources) return;
        const c = sources.cluster?.();
        this.set(c ? await c.queueWaiting().catch(() => 0) : 0);
      },
    });
    new Gauge({
      name: 'fedgrid_crypto_chunks_queued',
      help: 'Chunks of the node’s crypto batches queued now (no process has taken them), by task kind (a node run as several processes; else absent)',
      labelNames: ['kind'],
      registers,
      async collect() {
        this.reset();
        const queued = await src()
          ?.cluster?.()
          ?.chunksQueued?.()
          .catch(() => undefined);
        if (!queued) return;
        for (const kind of new Set([...Object.keys(OFFLOADABLE_TASKS), ...queued.keys()]))
          this.set({ kind }, queued.get(kind) ?? 0);
      },
    });
    new Gauge({
      name: 'fedgrid_dataplane_buffered_bytes',
      help: 'Bytes partners’ data-plane pushes hold in this node’s mailbox now (dataPlane.limits)',
      registers,
      collect() {
        const b = src()?.mailboxBytes?.();
        if (b !== undefined) this.set(b);
      },
    });
    new Gauge({
      name: 'fedgrid_storage_healthy',
      help: '1 when the data directory and store are usable (as /v1/health), else 0',
      registers,
      async collect() {
        const h = await src()?.storage();
        if (h) this.set(h.ok ? 1 : 0);
      },
    });
    new Gauge({
      name: 'fedgrid_relay_tunnel_up',
      help: '1 while the relay has accepted this node’s tunnel (partners can reach it), else 0; absent without a relay',
      labelNames: ['relay'],
      registers,
      collect() {
        this.reset();
        for (const t of src()?.relayTunnels?.() ?? []) this.set({ relay: t.relay }, t.up ? 1 : 0);
      },
    });
    new Gauge({
      name: 'fedgrid_storage_free_bytes',
      help: 'Bytes available to the node on its data directory’s file system',
      registers,
      async collect() {
        const h = await src()?.storage();
        if (h && h.freeBytes !== null) this.set(h.freeBytes);
      },
    });
  }

  /** Connects the scrape-time gauges to the node's services. */
  attach(sources: MetricSources): void {
    this.sources = sources;
  }

  /** Counts one answered REST request (`route`: the route template, or `unmatched`). */
  observeHttp(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  /** Counts `bytes` of payload pushed to (acknowledged by) partner node `partner`. */
  dataPlaneSent(partner: string, bytes: number): void {
    this.sentBytes.inc({ partner }, bytes);
  }

  /** Counts `bytes` of payload accepted from partner node `partner`. */
  dataPlaneReceived(partner: string, bytes: number): void {
    this.receivedBytes.inc({ partner }, bytes);
  }

  /** Counts one refused data-plane call. */
  dataPlaneRefusedCall(): void {
    this.dataPlaneRefused.inc();
  }

  /** A partner request refused by a per-partner rate limit (`limit`: its config key). */
  partnerRateLimitedCall(partner: string, limit: string): void {
    this.partnerRateLimited.inc({ partner, limit });
  }

  /**
   * The observer of one deployment's requests (serving-metrics.ts calls it with each request's
   * outcome and milliseconds).
   */
  servingObserver(deployment: string, role: string): (outcome: Outcome, ms: number) => void {
    return (outcome, ms) => {
      this.servingRequests.inc({ deployment, role, outcome });
      this.servingDuration.observe({ deployment, role }, ms / 1000);
    };
  }

  /**
   * The observer of the crypto chunks this process dispatches (cluster/batch-dispatcher.ts):
   * counts chunks queued, run here or elsewhere, taken back, and their latency.
   */
  cryptoChunkObserver(): {
    dispatched(kind: string, chunks: number): void;
    finished(kind: string, place: 'local' | 'remote', seconds: number): void;
    reclaimed(kind: string): void;
  } {
    return {
      dispatched: (kind, chunks) => this.chunksDispatched.inc({ kind }, chunks),
      finished: (kind, place, seconds) => {
        this.chunksRun.inc({ kind, place });
        this.chunkDuration.observe({ kind, place }, seconds);
      },
      reclaimed: (kind) => this.chunksReclaimed.inc({ kind }),
    };
  }

  /**
   * The observer of the chunks of other processes' batches this worker runs
   * (cluster/batch-executor.ts): one call per chunk, with its outcome and its kernel seconds.
   */
  chunkExecutionObserver(): (
    kind: string,
    outcome: 'stored' | 'error' | 'dropped',
    seconds: number,
  ) => void {
    return (kind, outcome, seconds) => {
      this.chunksExecuted.inc({ kind, outcome });
      this.chunkExecuteDuration.observe({ kind }, seconds);
    };
  }

  /**
   * The observer of the task executions this worker runs (cluster/task-worker.ts): `started`
   * when it has claimed one and begins the program, then `ended` once with how it ended;
   * `superseded` for a claimed execution not run (its job ended or its task was run again).
   */
  taskExecutionObserver(): {
    started(): void;
    ended(outcome: 'succeeded' | 'failed' | 'stopped'): void;
    superseded(): void;
  } {
    return {
      started: () => this.taskExecutionsRunning.inc(),
      ended: (outcome) => {
        this.taskExecutionsRunning.dec();
        this.taskExecutions.inc({ outcome });
      },
      superseded: () => this.taskExecutions.inc({ outcome: 'superseded' }),
    };
  }

  /** The exposition: content type and text. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
