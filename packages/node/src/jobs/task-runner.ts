/**
 * Runs this node's parties of a task: resolves inputs, builds the party's channel (session = job,
 * tags prefixed by the task), runs the component program, persists outputs and reports the
 * outcome. A program's failure — bad data, a dead peer, a bug — fails the task, never the node.
 */
import { PaillierOverflowError, SecAggAbortError, type CryptoPool } from '@fedgrid/crypto';
import { ZodError } from 'zod';
import {
  componentByCode,
  ComponentError,
  roleOf,
  type DisclosureLedger,
  type PortValue,
} from '@fedgrid/components';
import {
  ChannelError,
  TransportChannel,
  type DataPlaneMailbox,
  type Transport,
} from '@fedgrid/federation';
import { GmChannel, type GmChannelOptions } from './gm-channel.js';
import type { Logger } from 'pino';
import type { DatasetService } from '../datasets/datasets.service.js';
import { FedGridError } from '../errors/errors.js';
import { isModelRef } from '../models/model-ref.js';
import { jobRoles, partyNodes, type JobSpec } from './job-spec.js';
import type { JobsRepo, PartyState } from './jobs.repo.js';
import type { OutputStore } from './outputs.js';
import { SpanStatusCode } from '@opentelemetry/api';
import { startJobSpan } from '../observability/trace-context.js';

export interface ChannelSettings {
  recvTimeoutMs: number;
  livenessIntervalMs: number;
  livenessFailures: number;
}

export interface TaskRunnerDeps {
  selfNodeId: string;
  repo: JobsRepo;
  outputs: OutputStore;
  datasets: DatasetService;
  mailbox: DataPlaneMailbox;
  transport: Transport;
  crypto: CryptoPool;
  channel: ChannelSettings;
  log: Logger;
  /** The node's disclosure ledger, bound per party and task (programs' `ctx.disclosure`). */
  disclosures?: {
    ledgerFor(spec: JobSpec, task: string, party: string): DisclosureLedger | undefined;
  };
  /**
   * Checks run before a party's program starts (e.g. that the grants the job uses are still
   * valid); a throw fails the party with that error.
   */
  beforeStart?(spec: JobSpec, task: string, party: string): Promise<void>;
  /**
   * Loads a party's own stored model part for a `model:…` input (models/model-inputs.ts),
   * checking again that it is published and belongs to the job's parties.
   */
  models?: { load(spec: JobSpec, party: string, ref: string): Promise<PortValue> };
  /**
   * The gm suite's data-plane protection (gm-channel.ts): this node's SM2 identity and the SM2
   * key each partner's contract pins. Undefined on an international node.
   */
  gm?: Omit<GmChannelOptions, 'nodeOf'>;
  /**
   * A node run as several processes (cluster/task-dispatch.ts): returns true when it took the
   * start of this party's program elsewhere (the worker queue) instead of running it in this
   * process; it then reports failures to hand it off itself. Absent: every program runs here.
   */
  handOff?(spec: JobSpec, task: string, party: string, attempt: number): boolean;
  /** Called when a local party of a task has finished (successfully or not). */
  onPartyDone(spec: JobSpec, task: string, party: string, state: PartyState): Promise<void>;
}

/** Maps any thrown value to the error record stored with a task. */
/** Where a program failed, for the error record (task, party, component). */
export interface ErrorPlace {
  task: string;
  party: string;
  component?: string;
}

/**
 * The stored form of a failure: a specific code and a message saying what failed, where, and how
 * to fix it. Errors of the algorithms (a fixed-point overflow, a SecAgg round that cannot
 * complete, parameters a component refuses) get their own codes instead of INTERNAL, which is
 * left to real bugs. Crypto errors may arrive from worker threads as plain errors, so they are
 * recognised by name and code as well as by class.
 */
export function errorRecord(err: unknown, where?: ErrorPlace): NonNullable<PartyState['error']> {
  const at = where
    ? `task ${where.task}${where.component ? ` (${where.component})` : ''}, party ${where.party}: `
    : '';
  const place = where ? { ...where } : {};
  if (err instanceof FedGridError)
    return {
      code: err.code,
      message: err.message,
      ...(err.details ? { details: err.details } : {}),
    };
  if (err instanceof ComponentError)
    return {
      code: err.code,
      message: err.message,
      ...(err.details || where ? { details: { ...place, ...err.details } } : {}),
    };
  if (err instanceof ChannelError) return { code: err.code, message: err.message };
  const e = err as (Error & { code?: unknown }) | undefined;
  const name = e?.name;
  if (
    err instanceof PaillierOverflowError ||
    e?.code === 'ERR_PAILLIER_OVERFLOW' ||
    name === 'PaillierOverflowError'
  )
    return {
      code: 'FIXED_POINT_OVERFLOW',
      message:
        `${at}a value left the range the Paillier fixed-point encoding can hold (±n/3 after scaling): ${e?.message}. ` +
        'Standardise or scale the features (a scale task before training), lower the learning rate, ' +
        'or clip large values; a larger key also widens the range',
      details: { ...place, cause: e?.message },
    };
  if (err instanceof SecAggAbortError || name === 'SecAggAbortError')
    return {
      code: 'SECAGG_ABORTED',
      message:
        `${at}the secure-aggregation round was abandoned and no party learned any input: ${e?.message}. ` +
        'Have more clients take part, give slow clients longer (runtime.recvTimeoutSeconds), ' +
        'or lower the threshold within its bounds',
      details: { ...place, cause: e?.message },
    };
  if (err instanceof ZodError)
    return {
      code: 'INVALID_PARAMS',
      message: `${at}invalid parameters: ${err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}; fix the task's params in the flow or job`,
      details: {
        ...place,
        issues: err.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
      },
    };
  return {
    code: 'INTERNAL',
    message: `${at}${e?.message ?? String(err)}`,
    ...(where ? { details: place } : {}),
  };
}

export class TaskRunner {
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly deps: TaskRunnerDeps) {}

  /** Sets where programs are handed off to (see {@link TaskRunnerDeps.handOff}). */
  useHandOff(handOff: NonNullable<TaskRunnerDeps['handOff']>): void {
    this.deps.handOff = handOff;
  }

  /** Local parties of `spec` (parties hosted on this node). */
  localParties(spec: JobSpec): string[] {
    return [...partyNodes(spec)]
      .filter(([, node]) => node === this.deps.selfNodeId)
      .map(([p]) => p);
  }

  /**
   * Opens the job's data-plane session on this node (in the shared store when the node runs as
   * several processes: resolves once pushes for it are accepted by every replica).
   */
  async openSession(spec: JobSpec): Promise<void> {
    const nodes = partyNodes(spec);
    await this.deps.mailbox.openSession(spec.id, {
      localParties: this.localParties(spec),
      allowSender: (src, sender) => nodes.get(src) === sender,
      partyNodes: Object.fromEntries(nodes),
    });
  }

  /** Closes the job's data-plane session; a store failure is logged, never thrown. */
  async closeSession(jobId: string, reason: string): Promise<void> {
    try {
      await this.deps.mailbox.closeSession(jobId, reason);
    } catch (err) {
      this.deps.log.warn(
        { job: jobId, err: (err as Error).message },
        'could not close the data-plane session',
      );
    }
  }

  isRunning(jobId: string): boolean {
    return [...this.running.keys()].some((k) => k.startsWith(`${jobId}/`));
  }

  /** Aborts every running program of a job. */
  stopJob(jobId: string, reason: string): void {
    for (const [k, ac] of this.running) if (k.startsWith(`${jobId}/`)) ac.abort(reason);
  }

  /**
   * Starts attempt `attempt` of `party`'s program of `taskName` in the background (idempotent:
   * a retried start of the same attempt is ignored).
   */
  start(spec: JobSpec, taskName: string, party: string, attempt = 0): void {
    const key = `${spec.id}/${taskName}/${party}#${attempt}`;
    if (this.running.has(key)) return;
    if (this.deps.handOff?.(spec, taskName, party, attempt)) return;
    void this.execute(spec, taskName, party, attempt);
  }

  /**
   * Runs attempt `attempt` of `party`'s program of `taskName` in this process and resolves with
   * its outcome once it is stored and reported (a worker process's way to run a task it took from
   * the queue). A run of the same attempt already going on here is not started twice: resolves
   * undefined at once.
   */
  async execute(
    spec: JobSpec,
    taskName: string,
    party: string,
    attempt = 0,
  ): Promise<PartyState | undefined> {
    const key = `${spec.id}/${taskName}/${party}#${attempt}`;
    if (this.running.has(key)) return undefined;
    const ac = new AbortController();
    this.running.set(key, ac);
    try {
      return await this.run(spec, taskName, party, attempt, ac);
    } finally {
      this.running.delete(key);
    }
  }

  /** Aborts the running programs of one task (any attempt) of a job. */
  stopTask(jobId: string, taskName: string, reason: string): void {
    for (const [k, ac] of this.running) if (k.startsWith(`${jobId}/${taskName}/`)) ac.abort(reason);
  }

  private async run(
    spec: JobSpec,
    taskName: string,
    party: string,
    attempt: number,
    ac: AbortController,
  ): Promise<PartyState> {
    const { repo, log } = this.deps;
    const startedAt = new Date().toISOString();
    const node = this.deps.selfNodeId;
    const t = spec.tasks.find((x) => x.name === taskName);
    // One span per party's run of a task, in the job's trace (joins across parties).
    const span = startJobSpan(`task ${taskName}`, spec.id, {
      'fedgrid.task': taskName,
      'fedgrid.party': party,
      'fedgrid.attempt': attempt,
      ...(t ? { 'fedgrid.component': t.component } : {}),
    });
    let state: PartyState;
    try {
      if (!t) throw new FedGridError('NOT_FOUND', `job ${spec.id} has no task '${taskName}'`);
      const component = componentByCode(t.component);
      const role = roleOf(party);
      const program = component.programs[role];
      if (!program)
        throw new FedGridError(
          'VALIDATION_FAILED',
          `component ${t.component} has no program for ${role}`,
        );
      await repo.setParty(spec.id, taskName, party, {
        status: 'running',
        node,
        attempt,
        startedAt,
      });
      await this.deps.beforeStart?.(spec, taskName, party);
      await repo.addEvent({
        jobId: spec.id,
        task: taskName,
        party,
        level: 'info',
        kind: 'task',
        message: `${party} started ${taskName} (${t.component})`,
      });
      const inputs: Record<string, PortValue> = {};
      const layout = component.columnar ? 'columns' : 'rows';
      for (const port of component.inputs) {
        if (!port.roles.includes(role)) continue;
        const ref = t.inputs[port.name];
        // An optional input left unconnected (validateJob allows no other) is absent.
        if (!ref) continue;
        if (ref === 'job.dataset') {
          inputs[port.name] = {
            kind: 'dataset',
            // The version the job recorded when it was created or accepted.
            frame: await this.deps.datasets.loadForJob(
              spec.id,
              spec.datasets[party] as string,
              layout,
            ),
          };
        } else if (isModelRef(ref)) {
          if (!this.deps.models)
            throw new FedGridError('INTERNAL', 'this node cannot read stored models');
          inputs[port.name] = await this.deps.models.load(spec, party, ref);
        } else {
          const [from, out] = ref.split('.') as [string, string];
          inputs[port.name] = await this.deps.outputs.load(spec.id, from, party, out, layout);
        }
      }
      const transportChannel = new TransportChannel({
        session: spec.id,
        self: party,
        parties: partyNodes(spec),
        transport: this.deps.transport,
        mailbox: this.deps.mailbox,
        // The attempt keeps a rerun's messages apart from stragglers of the previous run.
        tagPrefix: `${taskName}#${attempt}/`,
        signal: ac.signal,
        recvTimeoutMs: this.deps.channel.recvTimeoutMs,
        livenessIntervalMs: this.deps.channel.livenessIntervalMs,
        livenessFailures: this.deps.channel.livenessFailures,
      });
      const nodes = partyNodes(spec);
      const channel = this.deps.gm
        ? new GmChannel(transportChannel, {
            ...this.deps.gm,
            nodeOf: (p) => nodes.get(p) ?? '',
          })
        : transportChannel;
      const disclosure = this.deps.disclosures?.ledgerFor(spec, taskName, party);
      const result = await program({
        jobId: spec.id,
        taskName,
        party,
        role,
        roles: jobRoles(spec),
        params: component.params.parse(t.params),
        channel,
        inputs,
        crypto: this.deps.crypto,
        signal: ac.signal,
        ...(disclosure ? { disclosure } : {}),
        checkpoint: {
          load: () => repo.loadCheckpoint(spec.id, taskName, party),
          save: (value) => repo.saveCheckpoint(spec.id, taskName, party, value),
        },
        log: (level, message, data) => {
          log[level]({ job: spec.id, task: taskName, party, ...data }, message);
          void repo
            .addEvent({ jobId: spec.id, task: taskName, party, level, kind: 'log', message, data })
            .catch(() => {});
        },
        progress: (data) => {
          void repo
            .addEvent({
              jobId: spec.id,
              task: taskName,
              party,
              level: 'info',
              kind: 'progress',
              message: String(data['stage'] ?? 'progress'),
              data,
            })
            .catch(() => {});
        },
      });
      for (const [name, value] of Object.entries(result.outputs)) {
        await this.deps.outputs.save(spec.id, taskName, party, name, value, t.component, attempt);
      }
      state = {
        status: 'succeeded',
        attempt,
        node,
        startedAt,
        finishedAt: new Date().toISOString(),
        ...(result.summary ? { summary: result.summary } : {}),
      };
    } catch (err) {
      const stopped = ac.signal.aborted;
      const error = errorRecord(
        stopped && !(err instanceof FedGridError)
          ? new ChannelError('ERR_STOPPED', `stopped: ${String(ac.signal.reason)}`)
          : err,
        { task: taskName, party, ...(t ? { component: t.component } : {}) },
      );
      log.warn({ job: spec.id, task: taskName, party, error }, 'task failed');
      state = {
        status: stopped ? 'stopped' : 'failed',
        attempt,
        node,
        startedAt,
        finishedAt: new Date().toISOString(),
        error,
      };
    }
    span.setAttribute('fedgrid.status', state.status);
    if (state.status !== 'succeeded')
      span.setStatus({ code: SpanStatusCode.ERROR, message: state.error?.code ?? state.status });
    span.end();
    await repo.setParty(spec.id, taskName, party, state).catch(() => {});
    await repo
      .addEvent({
        jobId: spec.id,
        task: taskName,
        party,
        level: state.status === 'succeeded' ? 'info' : 'error',
        kind: 'task',
        message: `${party} ${state.status} ${taskName}${state.error ? `: ${state.error.message}` : ''}`,
        ...(state.error ? { data: state.error } : {}),
      })
      .catch(() => {});
    await this.deps
      .onPartyDone(spec, taskName, party, state)
      .catch((err: Error) => log.error({ err }, 'reporting a task outcome failed'));
    return state;
  }
}
