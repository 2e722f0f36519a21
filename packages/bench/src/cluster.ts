/**
 * Runs component programs with every party in its own OS process, talking over the real gRPC
 * data plane with mutual TLS and certificate pinning (no control plane, no database: the
 * coordinator exchanges addresses and certificates over IPC, as contracts would).
 *
 * ```ts
 * const cluster = await FederatedCluster.start({ parties: ['guest', 'host-0'] });
 * try {
 *   const run = await cluster.run({ component: 'psi-ecdh', inputs: { guest: {...}, 'host-0': {...} } });
 *   console.log(run.seconds, run.parties.guest?.summary);
 * } finally {
 *   await cluster.close();
 * }
 * ```
 * Child processes are killed on every exit path: {@link FederatedCluster.close}, a failed start,
 * and the coordinator's own exit (a process 'exit' hook); a party also exits by itself when its
 * IPC channel to the coordinator closes.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  componentByCode,
  roleOf,
  type JobRoles,
  type LogLevel,
  type PortValue,
} from '@fedgrid/components';
import type { PartyName, PinnedPeer } from '@fedgrid/federation';
import { CpuProbe, type CpuReport, type CpuSnapshot } from './cpu.js';
import type {
  FromParty,
  JobOrder,
  OutputDigest,
  SerializedError,
  SyntheticInput,
  ToParty,
} from './ipc.js';

const PARTY_SCRIPT = fileURLToPath(new URL('./party.js', import.meta.url));

/** Every party process still running, killed when the coordinator exits. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
}

/** Raised when a party fails, exits or times out; names the party and carries its error. */
export class FederatedRunError extends Error {
  constructor(
    message: string,
    readonly party?: PartyName,
    readonly remote?: SerializedError,
  ) {
    super(message);
    this.name = 'FederatedRunError';
  }
}

export interface ClusterOptions {
  /** Party names (guest, host-<k>, arbiter); each gets its own process and node id `node-<party>`. */
  parties: PartyName[];
  /** Crypto worker threads per party process. @default os.availableParallelism() */
  threads?: number;
  /**
   * Worker processes per party (issue 16 scale-out): more than 1 adds `processes − 1` processes
   * of `threads` crypto threads each that take chunks of the party's PSI and Paillier-encryption
   * batches through PostgreSQL (`databaseUrl`). @default 1
   */
  workerProcesses?: number;
  /** PostgreSQL for `workerProcesses` > 1 (each party uses a fresh schema of it). */
  databaseUrl?: string;
  /** Time allowed for the processes to start and pin each other. @default 60 s */
  startTimeoutMs?: number;
  /** Extra environment for the party processes. */
  env?: NodeJS.ProcessEnv;
  /** Receives the programs' log lines (default: warnings and errors to stderr). */
  onLog?: (
    party: PartyName,
    level: LogLevel,
    message: string,
    data?: Record<string, unknown>,
  ) => void;
}

export interface RunOptions {
  /** Component code, e.g. 'psi-ecdh' or 'hetero-lr'. */
  component: string;
  /** Raw parameters (validated by each party with the component's schema). */
  params?: unknown;
  /** Input ports by party. */
  inputs: Record<PartyName, Record<string, PortValue>>;
  /** Parties taking part. @default every party of the cluster whose role the component has */
  parties?: PartyName[];
  /** Ship every party's outputs back (after its 'done', outside the timed region). @default false */
  returnOutputs?: boolean;
  /** Gives up (and aborts every party) after this long. @default 30 min */
  timeoutMs?: number;
  /** Called for every progress event, as it arrives. */
  onProgress?: (party: PartyName, data: Record<string, unknown>) => void;
  /** Protect the data plane as two `gm` nodes do (GmChannel). @default false */
  gm?: boolean;
  /** Inputs each party generates itself (by party, then port), instead of receiving them. */
  synthetic?: Record<PartyName, Record<string, SyntheticInput>>;
  /** Have each party report digests of its dataset outputs in its outcome. @default false */
  digestOutputs?: boolean;
}

export interface ProgressEvent {
  /** Seconds since the coordinator sent 'start'. */
  t: number;
  data: Record<string, unknown>;
  /** CPU times when the event arrived (see {@link CpuProbe.between} for the cost of a span). */
  cpu: CpuSnapshot;
}

export interface PartyOutcome {
  /** The program's own duration in its process. */
  seconds: number;
  /** CPU seconds (all threads of the party's process) while the program ran. */
  cpuSeconds: number;
  /** Seconds from 'start' until the coordinator heard this party finish. */
  finishedAt: number;
  /** Peak resident set size of the party's process so far (MiB). */
  peakRssMb?: number;
  /** Digests of the dataset outputs by port, when the run asked for them. */
  digests?: Record<string, OutputDigest>;
  summary?: Record<string, unknown>;
  progress: ProgressEvent[];
  outputs?: Record<string, PortValue>;
}

export interface RunResult {
  session: string;
  /**
   * Wall seconds from sending 'start' to every party until the last party reported 'done'
   * (inputs are delivered and sessions opened before; outputs are shipped after).
   */
  seconds: number;
  /** CPU of the coordinator and the party processes, and of the rest of the machine, over `seconds`. */
  cpu: CpuReport;
  parties: Record<PartyName, PartyOutcome>;
}

/** One party process and its message stream. */
class PartyProcess {
  private stderrTail = '';
  private readonly listeners = new Set<(msg: FromParty) => void>();
  private readonly exitListeners = new Set<(why: string) => void>();
  exited: string | undefined;
  ready?: Extract<FromParty, { type: 'ready' }>;

  constructor(
    readonly party: PartyName,
    readonly nodeId: string,
    readonly child: ChildProcess,
  ) {
    track(child);
    child.stderr?.on(
      'data',
      (d: Buffer) => (this.stderrTail = (this.stderrTail + d.toString()).slice(-4000)),
    );
    child.stdout?.on(
      'data',
      (d: Buffer) => (this.stderrTail = (this.stderrTail + d.toString()).slice(-4000)),
    );
    child.on('message', (m) => {
      for (const l of [...this.listeners]) l(m as FromParty);
    });
    child.once('exit', (code, signal) => {
      this.exited = `exited with ${signal ?? `code ${code}`}`;
      for (const l of [...this.exitListeners]) l(this.exited);
    });
    child.on('error', (err) => {
      this.exited ??= `failed: ${err.message}`;
      for (const l of [...this.exitListeners]) l(this.exited);
    });
  }

  /** Recent stderr/stdout of the process, for error messages. */
  get tail(): string {
    return this.stderrTail.trim();
  }

  send(msg: ToParty): void {
    if (this.child.connected) this.child.send(msg);
  }

  /** Subscribes to messages and to the process's exit; returns the unsubscribe function. */
  subscribe(onMessage: (msg: FromParty) => void, onExit: (why: string) => void): () => void {
    this.listeners.add(onMessage);
    this.exitListeners.add(onExit);
    if (this.exited) queueMicrotask(() => onExit(this.exited as string));
    return () => {
      this.listeners.delete(onMessage);
      this.exitListeners.delete(onExit);
    };
  }

  /** Resolves with the first message of `type` (for `session`, if given); rejects on failure, exit or timeout. */
  next<T extends FromParty['type']>(
    type: T,
    timeoutMs: number,
    session?: string,
  ): Promise<Extract<FromParty, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(
          new FederatedRunError(
            `${this.party}: no '${type}' within ${timeoutMs / 1000} s${this.tailNote()}`,
            this.party,
          ),
        );
      }, timeoutMs);
      const off = this.subscribe(
        (msg) => {
          if (msg.type === type && (!session || !('session' in msg) || msg.session === session)) {
            clearTimeout(timer);
            off();
            resolve(msg as Extract<FromParty, { type: T }>);
          } else if (
            msg.type === 'failed' &&
            (!msg.session || !session || msg.session === session)
          ) {
            clearTimeout(timer);
            off();
            reject(
              new FederatedRunError(
                `${this.party} failed: ${msg.error.name}: ${msg.error.message}`,
                this.party,
                msg.error,
              ),
            );
          }
        },
        (why) => {
          clearTimeout(timer);
          off();
          reject(
            new FederatedRunError(
              `${this.party} (pid ${this.child.pid}) ${why} while we waited for '${type}'${this.tailNote()}`,
              this.party,
            ),
          );
        },
      );
    });
  }

  tailNote(): string {
    return this.tail ? `\n--- ${this.party} output ---\n${this.tail}` : '';
  }

  /** Asks the process to stop, then kills it if it has not exited after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) =>
      this.subscribe(
        () => {},
        () => resolve(),
      ),
    );
    this.send({ type: 'shutdown' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }
}

let sessionCounter = 0;

/** A set of party processes, pinned to each other, that can run any number of component programs. */
export class FederatedCluster {
  private closed = false;

  private constructor(
    private readonly procs: Map<PartyName, PartyProcess>,
    readonly threads: number,
  ) {}

  /** Party names of the cluster. */
  get parties(): PartyName[] {
    return [...this.procs.keys()];
  }

  /** Process ids by party (for diagnostics). */
  get pids(): Record<PartyName, number | undefined> {
    return Object.fromEntries([...this.procs].map(([p, proc]) => [p, proc.child.pid]));
  }

  /**
   * Starts one process per party, waits until each listens and has pinned every other one, and
   * checks the mutual-TLS connections with a ping.
   * @throws FederatedRunError (after killing whatever started) when a party fails to come up.
   */
  static async start(options: ClusterOptions): Promise<FederatedCluster> {
    const threads = Math.max(1, options.threads ?? availableParallelism());
    const timeoutMs = options.startTimeoutMs ?? 60_000;
    if (new Set(options.parties).size !== options.parties.length || options.parties.length < 2) {
      throw new RangeError(
        `a cluster needs at least two distinct parties, got ${options.parties.join(', ')}`,
      );
    }
    for (const p of options.parties) roleOf(p); // validates the names
    const procs = new Map<PartyName, PartyProcess>();
    try {
      for (const party of options.parties) {
        const nodeId = `node-${party}`;
        const child = fork(PARTY_SCRIPT, [nodeId, String(threads)], {
          serialization: 'advanced',
          stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
          env: {
            ...process.env,
            ...options.env,
            FEDGRID_BENCH_WORKER_PROCESSES: String(options.workerProcesses ?? 1),
            ...(options.databaseUrl ? { FEDGRID_BENCH_DATABASE_URL: options.databaseUrl } : {}),
          },
        });
        const proc = new PartyProcess(party, nodeId, child);
        const onLog =
          options.onLog ??
          ((party: PartyName, level: LogLevel, message: string) => {
            if (level === 'warn' || level === 'error')
              process.stderr.write(`[${party}] ${level}: ${message}\n`);
          });
        proc.subscribe(
          (m) => {
            if (m.type === 'log') onLog(m.party, m.level, m.message, m.data);
          },
          () => {},
        );
        procs.set(party, proc);
      }
      const readies = await Promise.all([...procs.values()].map((p) => p.next('ready', timeoutMs)));
      [...procs.values()].forEach((p, i) => (p.ready = readies[i]));
      const pins: (PinnedPeer & { sm2PublicKey: Uint8Array })[] = readies.map((r) => ({
        nodeId: r.nodeId,
        address: r.address,
        certPem: r.certPem,
        fingerprint: r.fingerprint,
        sm2PublicKey: r.sm2PublicKey,
      }));
      const pinned = [...procs.values()].map((p) => p.next('pinned', timeoutMs));
      for (const p of procs.values())
        p.send({ type: 'pin', peers: pins.filter((x) => x.nodeId !== p.nodeId) });
      await Promise.all(pinned);
      return new FederatedCluster(procs, threads);
    } catch (err) {
      await Promise.allSettled([...procs.values()].map((p) => p.stop(2000)));
      throw err;
    }
  }

  /**
   * Runs one component program on the parties, all started at the same moment, and times it.
   * @throws FederatedRunError naming the first party that failed (every other party is aborted).
   */
  async run(options: RunOptions): Promise<RunResult> {
    if (this.closed) throw new Error('the cluster is closed');
    const spec = componentByCode(options.component);
    const parties = options.parties ?? this.parties.filter((p) => spec.programs[roleOf(p)]);
    for (const p of parties) {
      if (!this.procs.has(p))
        throw new RangeError(`party ${p} is not part of the cluster (${this.parties.join(', ')})`);
      if (!spec.programs[roleOf(p)])
        throw new RangeError(`component ${spec.code} has no program for ${p}`);
    }
    const guest = parties.find((p) => roleOf(p) === 'guest');
    if (!guest)
      throw new RangeError(`a run of ${spec.code} needs a guest among ${parties.join(', ')}`);
    const arbiter = parties.find((p) => roleOf(p) === 'arbiter');
    const numbered = (role: 'host' | 'edge') =>
      parties
        .filter((p) => roleOf(p) === role)
        .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
    const edges = numbered('edge');
    const roles: JobRoles = {
      guest,
      hosts: numbered('host'),
      ...(arbiter ? { arbiter } : {}),
      ...(edges.length ? { edges } : {}),
    };
    const session = `bench-${process.pid}-${++sessionCounter}-${spec.code}`;
    const procs = parties.map((p) => this.procs.get(p) as PartyProcess);
    const partyMap: [string, string][] = procs.map((p) => [p.party, p.nodeId]);
    const returnOutputs = options.returnOutputs ?? false;

    // 1. Deliver inputs and open the sessions (not timed).
    const prepared = procs.map((p) => p.next('prepared', 120_000, session));
    for (const p of procs) {
      const order: JobOrder = {
        jobId: session,
        session,
        component: spec.code,
        params: options.params ?? {},
        roles,
        parties: partyMap,
        inputs: options.inputs[p.party] ?? {},
        returnOutputs,
        ...(options.gm ? { gm: true } : {}),
        ...(options.synthetic?.[p.party] ? { synthetic: options.synthetic[p.party] } : {}),
        ...(options.digestOutputs ? { digestOutputs: true } : {}),
      };
      p.send({ type: 'prepare', order });
    }
    await Promise.all(prepared);

    // 2. Start everyone and wait for every 'done' (and outputs, if asked for).
    const outcomes: Record<PartyName, PartyOutcome> = {};
    const progress = new Map<PartyName, ProgressEvent[]>(parties.map((p) => [p, []]));
    const probe = new CpuProbe([
      process.pid,
      ...[...this.procs.values()].map((p) => p.child.pid ?? 0).filter((pid) => pid > 0),
    ]);
    let cpuEnd: CpuSnapshot | undefined;
    let t0 = 0;
    let lastDone = 0;
    const unsubscribe: (() => void)[] = [];
    const finished = new Promise<void>((resolve, reject) => {
      const waitingDone = new Set(parties);
      const waitingOutputs = new Set(returnOutputs ? parties : []);
      const check = () => {
        if (waitingDone.size === 0 && waitingOutputs.size === 0) resolve();
      };
      for (const p of procs) {
        unsubscribe.push(
          p.subscribe(
            (msg) => {
              if (msg.type === 'failed' && msg.session === undefined) {
                reject(
                  new FederatedRunError(
                    `${p.party} failed: ${msg.error.name}: ${msg.error.message}`,
                    p.party,
                    msg.error,
                  ),
                );
                return;
              }
              if (!('session' in msg) || msg.session !== session) return;
              const now = (performance.now() - t0) / 1000;
              switch (msg.type) {
                case 'progress':
                  progress.get(p.party)?.push({ t: now, data: msg.data, cpu: probe.snapshot() });
                  options.onProgress?.(p.party, msg.data);
                  break;
                case 'done':
                  lastDone = Math.max(lastDone, now);
                  if (waitingDone.size === 1) cpuEnd = probe.snapshot();
                  outcomes[p.party] = {
                    seconds: msg.seconds,
                    cpuSeconds: msg.cpuSeconds,
                    finishedAt: now,
                    ...(msg.peakRssMb !== undefined ? { peakRssMb: msg.peakRssMb } : {}),
                    ...(msg.digests ? { digests: msg.digests } : {}),
                    ...(msg.summary ? { summary: msg.summary } : {}),
                    progress: progress.get(p.party) ?? [],
                  };
                  waitingDone.delete(p.party);
                  check();
                  break;
                case 'outputs': {
                  const o = outcomes[p.party];
                  if (o) o.outputs = msg.outputs;
                  waitingOutputs.delete(p.party);
                  check();
                  break;
                }
                case 'failed':
                  reject(
                    new FederatedRunError(
                      `${p.party} failed in ${spec.code}: ${msg.error.name}: ${msg.error.message}`,
                      p.party,
                      msg.error,
                    ),
                  );
                  break;
              }
            },
            (why) =>
              reject(
                new FederatedRunError(
                  `${p.party} (pid ${p.child.pid}) ${why} during ${spec.code}${p.tailNote()}`,
                  p.party,
                ),
              ),
          ),
        );
      }
    });
    const timeoutMs = options.timeoutMs ?? 30 * 60_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new FederatedRunError(`${spec.code} did not finish within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
    });
    const cpuStart = probe.snapshot();
    t0 = performance.now();
    for (const p of procs) p.send({ type: 'start', session });
    try {
      await Promise.race([finished, timeout]);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      for (const p of procs)
        p.send({ type: 'abort', session, reason: `run aborted: ${reason.split('\n')[0]}` });
      throw err;
    } finally {
      clearTimeout(timer);
      for (const off of unsubscribe) off();
    }
    return {
      session,
      seconds: lastDone,
      cpu: CpuProbe.between(cpuStart, cpuEnd ?? probe.snapshot()),
      parties: outcomes,
    };
  }

  /** Stops every party process (SIGKILL after `graceMs`). Safe to call more than once. */
  async close(graceMs = 5000): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.procs.values()].map((p) => p.stop(graceMs)));
  }
}

/** Starts a cluster, runs `fn` with it and always closes it. */
export async function withCluster<T>(
  options: ClusterOptions,
  fn: (cluster: FederatedCluster) => Promise<T>,
): Promise<T> {
  const cluster = await FederatedCluster.start(options);
  try {
    return await fn(cluster);
  } finally {
    await cluster.close();
  }
}
