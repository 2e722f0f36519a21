/**
 * Deployments of published vertical model parts for online prediction (issue 12 items 3–4).
 *
 * On the guest a deployment is a named service (`POST /v1/models/{name}/predict`) answering with
 * its current model part; on each host it binds the host's part of the same model to a serving
 * feature table (a registered dataset, looked up by id) for the one guest node of the training
 * task. Both sides hold a live copy in memory: the prepared model (see `serve` in each
 * component's folder) and the table's id index. A version switch replaces the guest's current
 * model in one assignment; a request takes its reference once, so each request is answered by
 * exactly one version. Hosts address a version by the model part's training job and task, so a
 * host deploys each version it serves (the new one before the guest switches).
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  applyFeaturePipeline,
  ComponentError,
  servingFor,
  type FeatureLookup,
  type FittedStep,
  type ModelPart,
  type ServingGuest,
  type ServingHost,
  withLevels,
} from '@fedgrid/components';
import type { SnapshotColumns } from '../datasets/columnar-snapshot.js';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { DatasetService } from '../datasets/datasets.service.js';
import { errors, FedGridError } from '../errors/errors.js';
import type { ModelsRepo } from '../models/models.repo.js';
import type { FeaturePipelines } from '../models/feature-pipeline.js';
import type { ModelService, ModelView } from '../models/models.service.js';
import type { ModelVersionService } from '../models/model-versions.service.js';
import { DeploymentMetrics, type DeploymentMetricsView, type Outcome } from './serving-metrics.js';
import type { DeploymentRow, DeploymentsRepo } from './deployments.repo.js';

const nameSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/,
    'letters, digits and . _ : @ - only, starting with a letter or digit',
  );

export const deploySchema = z
  .object({
    /** The model part to deploy: its id or name. */
    model: z.string().min(1).max(400),
    /** The name predictions address (default: the model's name, or its id). */
    name: nameSchema.optional(),
    /** The serving feature table: required on a host, optional on the guest. */
    dataset: z.string().min(1).max(200).optional(),
    /** What the guest answers when a host fails. @default 'error' */
    onHostFailure: z.enum(['error', 'guest-only']).optional(),
    /** Per-request deadline in milliseconds (default: serving.deadlineMs). */
    deadlineMs: z.number().int().min(10).max(60_000).optional(),
  })
  .strict();
export type DeployInput = z.infer<typeof deploySchema>;

export const updateDeploymentSchema = z
  .object({
    /** Switch to another version (model part id or name) of the same role. */
    model: z.string().min(1).max(400).optional(),
    /** Bind (or reload) the serving feature table. */
    dataset: z.string().min(1).max(200).optional(),
    onHostFailure: z.enum(['error', 'guest-only']).optional(),
    deadlineMs: z.number().int().min(10).max(60_000).optional(),
  })
  .strict();
export type UpdateDeploymentInput = z.infer<typeof updateDeploymentSchema>;

/** A serving feature table in memory: a registered dataset with an id → row index. */
export interface FeatureTable {
  datasetId: string;
  rows: number;
  /** The row of `id` as a feature lookup, or undefined when the table has no such id. */
  row(id: string): FeatureLookup | undefined;
}

/** One model version as served: immutable once built. */
export interface LiveModel {
  modelId: string;
  /** Model name and version, as predictions report them (see {@link modelVersion}). */
  name: string;
  version: string;
  digest: string;
  jobId: string;
  task: string;
  projectId: string | null;
  algorithm: string;
  guest?: ServingGuest;
  host?: ServingHost;
  /** This node's party in the training (e.g. 'guest', 'host-0'). */
  party: string;
  /**
   * This party's fitted feature steps of the training (encode, scale …; feature-pipeline.ts),
   * replayed on each raw row of the serving table; empty when the model reads raw columns.
   */
  pipeline: FittedStep[];
  /** Guest: the host parties to ask, with their nodes. */
  hosts: { party: string; node: string }[];
}

/** A deployment as live in this node's memory. */
export interface LiveDeployment {
  id: string;
  name: string;
  role: 'guest' | 'host';
  guestNode: string;
  onHostFailure: 'error' | 'guest-only';
  deadlineMs: number;
  /** Replaced as a whole on a version switch; read once per request. */
  current: LiveModel;
  table: FeatureTable | undefined;
  metrics: DeploymentMetrics;
  /** Requests being answered now (guest: predictions; host: partials). */
  inflight: number;
}

export interface DeploymentView {
  id: string;
  name: string;
  role: 'guest' | 'host';
  model: { id: string; name: string; version: string; jobId: string; task: string };
  algorithm: string;
  dataset: string | null;
  guest: string;
  hosts: { party: string; node: string }[];
  onHostFailure: 'error' | 'guest-only';
  deadlineMs: number;
  status: string;
  createdAt: string;
  updatedAt: string;
  /** Since this node started (absent when not live). */
  metrics: DeploymentMetricsView | null;
}

/**
 * Name and version of a model part as predictions report them: the named model and its version
 * number on this node (model-versions.service.ts), so that `name@version` is what a caller can
 * pass to `fedgrid model show`. A part saved before versions existed reports its id.
 */
export function modelVersion(m: Pick<ModelView, 'id' | 'name' | 'version'>): {
  name: string;
  version: string;
} {
  return { name: m.name, version: m.version === null ? m.id : String(m.version) };
}

/** A feature table over the model's own columns (read by name, not the dataset's whole frame). */
function buildTable(datasetId: string, table: SnapshotColumns): FeatureTable {
  const index = new Map<string, number>();
  (table.ids ?? []).forEach((id, i) => index.set(id, i));
  const { columns } = table;
  return {
    datasetId,
    rows: table.rows,
    row(id) {
      const i = index.get(id);
      if (i === undefined) return undefined;
      return withLevels((name) => columns.get(name)?.[i], table.columnTypes);
    },
  };
}

export interface DeploymentServiceDeps {
  selfNodeId: string;
  repo: DeploymentsRepo;
  models: ModelService;
  modelsRepo: ModelsRepo;
  datasets: DatasetService;
  /** Model versions: `name@version` references, and the deployed time of each version. */
  versions: ModelVersionService;
  /** The training's fitted feature steps of a part (absent: models read raw columns only). */
  pipelines?: Pick<FeaturePipelines, 'of'>;
  dataDir: string;
  /** Reads the node's data files (opening sealed ones). @default node:fs readFile */
  readFile?: (path: string) => Promise<Buffer>;
  defaultDeadlineMs: number;
  log: Logger;
  /** Observer of a deployment's requests, by deployment name and role (the node's /metrics). */
  metricsObserver?: (deployment: string, role: string) => (outcome: Outcome, ms: number) => void;
}

export class DeploymentService {
  private readonly live = new Map<string, LiveDeployment>();
  /** Host deployments by the model part's `job \0 task`. */
  private readonly hostIndex = new Map<string, LiveDeployment>();

  constructor(private readonly deps: DeploymentServiceDeps) {}

  /**
   * The model part `ref` names: a part id, or a version — `name@version`, `name@latest` or a bare
   * `name` (the newest) — of which this node holds the guest or a host part.
   * @throws NOT_FOUND; VALIDATION_FAILED for a malformed reference; CONFLICT when this node holds
   *   more than one serving part of the version (give the part id).
   */
  async resolveModel(ref: string): Promise<ModelView> {
    try {
      return await this.deps.models.get(ref);
    } catch (err) {
      if (!(err instanceof FedGridError) || err.code !== 'NOT_FOUND') throw err;
    }
    const v = await this.deps.versions.resolve(ref, 'model');
    const own = v.parties.filter(
      (p) => p.holder === 'self' && p.modelId && (p.role === 'guest' || p.role === 'host'),
    );
    if (own.length === 0) throw errors.notFound('model', ref);
    if (own.length > 1)
      throw errors.conflict(
        `model ${v.ref} has ${own.length} parts on this node (${own.map((p) => p.modelId).join(', ')}); give the part id`,
        { model: ref, ids: own.map((p) => p.modelId) },
      );
    return this.deps.models.get(own[0]!.modelId as string);
  }

  /** Records on the model version when it was deployed (`at`) or undeployed (`null`). */
  private async markDeployed(m: LiveModel, at: Date | null): Promise<void> {
    const part = await this.deps.models.get(m.modelId);
    if (part.ref) await this.deps.versions.setDeployed(part.ref, at);
  }

  /** Builds the live model of a published part. @throws CONFLICT, VALIDATION_FAILED. */
  private async liveModel(ref: string, field: string): Promise<LiveModel> {
    const m = await this.resolveModel(ref);
    if (m.status !== 'published')
      throw errors.conflict(
        `model '${m.name}' (${m.id}) is ${m.status}, not published: only published models can be deployed (every partner approves its digest, then fedgrid model publish)`,
        { field, model: m.id, status: m.status },
      );
    if (m.role !== 'guest' && m.role !== 'host')
      throw errors.validation(
        `model '${m.name}' is a ${m.role} part; only guest and host parts serve`,
        {
          field,
        },
      );
    const raw = await (this.deps.readFile ?? ((p: string) => readFile(p)))(
      join(this.deps.dataDir, m.file),
    );
    const digest = createHash('sha256').update(raw).digest('hex');
    if (digest !== m.digest)
      throw new FedGridError(
        'CONFLICT',
        `model file ${m.file} does not match its recorded digest (${m.digest.slice(0, 16)}…): it changed after approval; it cannot be deployed`,
        { model: m.id },
      );
    const part = JSON.parse(raw.toString('utf8')) as ModelPart;
    const program = servingFor(part.algorithm);
    if (!program)
      throw errors.validation(
        `model '${m.name}' is a ${part.algorithm} model, which has no online serving (vertical linear models and SecureBoost do)`,
        { field, algorithm: part.algorithm },
      );
    const parties = (await this.deps.modelsRepo.taskParties(m.jobId, m.task)) ?? {};
    const hosts = Object.entries(parties)
      .filter(([p]) => p.startsWith('host-'))
      .map(([party, v]) => ({ party, node: v.node }))
      .sort((a, b) => a.party.localeCompare(b.party, 'en', { numeric: true }));
    const v = modelVersion(m);
    const base = {
      modelId: m.id,
      ...v,
      digest: m.digest,
      jobId: m.jobId,
      task: m.task,
      projectId: m.projectId,
      algorithm: part.algorithm,
      party: m.party,
      pipeline: this.deps.pipelines ? await this.deps.pipelines.of(m.jobId, m.task, m.party) : [],
    };
    if (m.role === 'guest') {
      const guest = program.guest(part);
      const needed = guest.hosts ?? hosts.map((h) => h.party);
      const missing = needed.filter((p) => !hosts.some((h) => h.party === p));
      if (missing.length)
        throw errors.validation(
          `model '${m.name}' uses host parties ${missing.join(', ')}, which this node does not know for job ${m.jobId}`,
          { field },
        );
      return { ...base, guest, hosts: hosts.filter((h) => needed.includes(h.party)) };
    }
    return { ...base, host: program.host(part), hosts: [] };
  }

  /** Loads a serving feature table and checks it has every feature the model reads. */
  private async table(datasetId: string, model: LiveModel, field: string): Promise<FeatureTable> {
    const ds = await this.deps.datasets.get(datasetId);
    const features = model.guest?.features ?? model.host?.features ?? [];
    if (model.pipeline.length) return this.pipelineTable(ds, model, features, field);
    const have = new Set(ds.features.map((f) => f.name));
    const absent = features.filter((f) => !have.has(f));
    if (absent.length)
      throw errors.validation(
        `dataset '${ds.name}' lacks feature(s) ${absent.join(', ')} of model '${model.name}'`,
        { field, dataset: ds.id, features: absent },
      );
    // Only the columns the model reads (a wide serving table is not loaded whole).
    return buildTable(ds.id, await this.deps.datasets.loadColumns(ds.id, features, { ids: true }));
  }

  /**
   * A serving table of raw rows for a model trained on transformed columns: each row looked up is
   * first put through the training's fitted feature steps of this party (one-row frame, the
   * dataset's own column types, so categories are matched by value). The steps are checked at
   * once on an empty frame: the table must have their input columns and they must yield every
   * feature the model reads. A row the steps refuse (e.g. an unseen category under the
   * training's `unseen: 'error'`) answers that error for its id when the model reads it.
   * @throws VALIDATION_FAILED naming the missing column or feature.
   */
  private async pipelineTable(
    ds: { id: string; name: string; features: { name: string }[] },
    model: LiveModel,
    features: readonly string[],
    field: string,
  ): Promise<FeatureTable> {
    const names = ds.features.map((f) => f.name);
    const raw = await this.deps.datasets.loadColumns(ds.id, names, { ids: true });
    const columnTypes = raw.columnTypes;
    const frameOf = (ids: string[], data: Float64Array) => ({
      ids,
      x: { rows: ids.length, cols: names.length, data },
      featureNames: names,
      ...(Object.keys(columnTypes).length ? { columnTypes } : {}),
    });
    let produced: string[];
    try {
      produced = applyFeaturePipeline(
        model.pipeline,
        frameOf([], new Float64Array(0)),
        model.party,
      ).featureNames;
    } catch (err) {
      if (!(err instanceof ComponentError)) throw err;
      throw errors.validation(
        `dataset '${ds.name}' cannot go through the feature steps of model '${model.name}' (${model.pipeline.map((p) => p.task).join(' → ')}): ${err.message}`,
        { field, dataset: ds.id, ...err.details },
      );
    }
    const have = new Set(produced);
    const absent = features.filter((f) => !have.has(f));
    if (absent.length)
      throw errors.validation(
        `dataset '${ds.name}' after the feature steps of model '${model.name}' (${model.pipeline.map((p) => p.task).join(' → ')}) lacks feature(s) ${absent.join(', ')}`,
        { field, dataset: ds.id, features: absent },
      );
    const index = new Map<string, number>();
    (raw.ids ?? []).forEach((id, i) => index.set(id, i));
    const cols = names.map((n) => raw.columns.get(n) as Float64Array);
    return {
      datasetId: ds.id,
      rows: raw.rows,
      row(id) {
        const i = index.get(id);
        if (i === undefined) return undefined;
        const data = Float64Array.from(cols, (c) => c[i] as number);
        let out;
        try {
          out = applyFeaturePipeline(model.pipeline, frameOf([id], data), model.party);
        } catch (err) {
          if (!(err instanceof ComponentError)) throw err;
          // The model's own error path (FEATURE_MISSING …) carries it to this id's answer.
          return () => {
            throw err;
          };
        }
        const at = new Map(out.featureNames.map((n, j) => [n, j]));
        // The category names after the steps: a model reading a categorical column routes by name.
        return withLevels((name) => {
          const j = at.get(name);
          return j === undefined ? undefined : out.x.data[j];
        }, out.columnTypes);
      },
    };
  }

  private guestNodeOf(m: LiveModel, parties: Record<string, { node: string }>): string {
    return m.guest ? this.deps.selfNodeId : (parties['guest']?.node ?? '');
  }

  private register(d: LiveDeployment): void {
    this.live.set(d.id, d);
    if (d.role === 'host') this.hostIndex.set(`${d.current.jobId}\0${d.current.task}`, d);
  }

  private unregister(d: LiveDeployment): void {
    this.live.delete(d.id);
    const key = `${d.current.jobId}\0${d.current.task}`;
    if (this.hostIndex.get(key) === d) this.hostIndex.delete(key);
  }

  private assertHostFree(m: LiveModel, except?: string): void {
    const other = this.hostIndex.get(`${m.jobId}\0${m.task}`);
    if (m.host && other && other.id !== except)
      throw errors.conflict(
        `model '${m.name}' is already deployed here as '${other.name}' (${other.id})`,
        { deployment: other.id },
      );
  }

  /**
   * Deploys a published model part. On a host `dataset` (the serving feature table) is required.
   * @throws NOT_FOUND (model, dataset), CONFLICT (not published, name taken, part already
   *   deployed), VALIDATION_FAILED (unsupported algorithm, table lacking features).
   */
  async deploy(input: DeployInput, by: string): Promise<DeploymentView> {
    const m = await this.liveModel(input.model, 'model');
    if (m.host && !input.dataset)
      throw errors.validation(
        `model '${m.name}' is a host part: give dataset (the serving feature table) to deploy it`,
        { field: 'dataset' },
      );
    if (m.host && input.onHostFailure)
      throw errors.validation('onHostFailure applies to guest deployments only', {
        field: 'onHostFailure',
      });
    this.assertHostFree(m);
    const table = input.dataset ? await this.table(input.dataset, m, 'dataset') : undefined;
    const name = input.name ?? (nameSchema.safeParse(m.name).success ? m.name : m.modelId);
    if (await this.deps.repo.activeByName(name))
      throw errors.conflict(
        `a deployment named '${name}' is active on this node; undeploy it, switch its version, or choose another name`,
        { field: 'name', name },
      );
    const parties = (await this.deps.modelsRepo.taskParties(m.jobId, m.task)) ?? {};
    const d: LiveDeployment = {
      id: `dep-${randomUUID()}`,
      name,
      role: m.guest ? 'guest' : 'host',
      guestNode: this.guestNodeOf(m, parties),
      onHostFailure: input.onHostFailure ?? 'error',
      deadlineMs: input.deadlineMs ?? this.deps.defaultDeadlineMs,
      current: m,
      table,
      metrics: new DeploymentMetrics(this.deps.metricsObserver?.(name, m.guest ? 'guest' : 'host')),
      inflight: 0,
    };
    await this.deps.repo.insert({
      id: d.id,
      name: d.name,
      role: d.role,
      model_id: m.modelId,
      dataset_id: table?.datasetId ?? null,
      guest_node_id: d.guestNode,
      on_host_failure: d.onHostFailure,
      deadline_ms: d.deadlineMs,
      status: 'active',
      created_by: by,
    });
    this.register(d);
    await this.markDeployed(m, new Date());
    return this.get(d.id);
  }

  /**
   * Switches the version, rebinds or reloads the feature table, or changes the failure mode or
   * deadline. The new state is built completely before it replaces the old one in one step.
   */
  async update(id: string, input: UpdateDeploymentInput): Promise<DeploymentView> {
    const d = this.liveOrThrow(id);
    const m = input.model ? await this.liveModel(input.model, 'model') : d.current;
    if (input.model && (m.guest ? 'guest' : 'host') !== d.role)
      throw errors.validation(
        `model '${m.name}' is a ${m.guest ? 'guest' : 'host'} part; deployment '${d.name}' serves ${d.role} parts`,
        { field: 'model' },
      );
    if (d.role === 'host' && input.onHostFailure)
      throw errors.validation('onHostFailure applies to guest deployments only', {
        field: 'onHostFailure',
      });
    this.assertHostFree(m, d.id);
    const datasetId = input.dataset ?? d.table?.datasetId;
    const table =
      datasetId && (input.dataset || input.model)
        ? await this.table(datasetId, m, 'dataset')
        : d.table;
    const parties = (await this.deps.modelsRepo.taskParties(m.jobId, m.task)) ?? {};
    const guestNode = this.guestNodeOf(m, parties);
    await this.deps.repo.update(d.id, {
      model_id: m.modelId,
      dataset_id: table?.datasetId ?? null,
      guest_node_id: guestNode,
      ...(input.onHostFailure ? { on_host_failure: input.onHostFailure } : {}),
      ...(input.deadlineMs ? { deadline_ms: input.deadlineMs } : {}),
    });
    this.unregister(d);
    d.table = table;
    d.guestNode = guestNode;
    if (input.onHostFailure) d.onHostFailure = input.onHostFailure;
    if (input.deadlineMs) d.deadlineMs = input.deadlineMs;
    const previous = d.current;
    d.current = m;
    this.register(d);
    if (previous.modelId !== m.modelId) {
      await this.markDeployed(previous, null);
      await this.markDeployed(m, new Date());
    }
    return this.get(d.id);
  }

  /** Ends a deployment: it answers no more requests (its record stays, status undeployed). */
  async undeploy(id: string): Promise<DeploymentView> {
    const d = this.liveOrThrow(id);
    await this.deps.repo.update(d.id, { status: 'undeployed' });
    this.unregister(d);
    await this.markDeployed(d.current, null);
    return this.get(d.id);
  }

  private liveOrThrow(id: string): LiveDeployment {
    const d = this.live.get(id) ?? [...this.live.values()].find((x) => x.name === id);
    if (!d) throw errors.notFound('deployment', id);
    return d;
  }

  /** The live guest deployment addressed by `ref`: its name, else the id or name of its model. */
  guestDeployment(ref: string): LiveDeployment {
    let found: LiveDeployment | undefined;
    for (const d of this.live.values()) {
      if (d.role !== 'guest') continue;
      if (d.name === ref) return d;
      if (!found && (d.current.modelId === ref || d.current.name === ref)) found = d;
    }
    if (!found)
      throw new FedGridError(
        'NOT_FOUND',
        `no model '${ref}' is deployed on node '${this.deps.selfNodeId}' (fedgrid model deployments lists what is)`,
        { model: ref },
      );
    return found;
  }

  /** The live host deployment serving the model part of training job `jobId`, task `task`. */
  hostDeployment(jobId: string, task: string): LiveDeployment | undefined {
    return this.hostIndex.get(`${jobId}\0${task}`);
  }

  private view(r: DeploymentRow, d: LiveDeployment | undefined): DeploymentView {
    return {
      id: r.id,
      name: r.name,
      role: r.role as 'guest' | 'host',
      model: d
        ? {
            id: d.current.modelId,
            name: d.current.name,
            version: d.current.version,
            jobId: d.current.jobId,
            task: d.current.task,
          }
        : { id: r.model_id, name: r.model_id, version: r.model_id, jobId: '', task: '' },
      algorithm: d?.current.algorithm ?? '',
      dataset: r.dataset_id,
      guest: r.guest_node_id,
      hosts: d?.current.hosts ?? [],
      onHostFailure: r.on_host_failure as 'error' | 'guest-only',
      deadlineMs: r.deadline_ms,
      status: r.status,
      createdAt: new Date(r.created_at).toISOString(),
      updatedAt: new Date(r.updated_at).toISOString(),
      metrics: d ? d.metrics.view() : null,
    };
  }

  async get(id: string): Promise<DeploymentView> {
    const r =
      (await this.deps.repo.get(id)) ??
      (await this.deps.repo.activeByName(id)) ??
      (() => {
        throw errors.notFound('deployment', id);
      })();
    return this.view(r, r.status === 'active' ? this.live.get(r.id) : undefined);
  }

  async list(all = false): Promise<DeploymentView[]> {
    const rows = await this.deps.repo.list(all);
    return rows.map((r) => this.view(r, this.live.get(r.id)));
  }

  /**
   * Brings the active deployments back after a restart. One that cannot be rebuilt (model
   * unpublished, table gone) is logged and stays down; the node starts anyway.
   */
  async restore(): Promise<void> {
    for (const r of await this.deps.repo.list()) {
      try {
        const m = await this.liveModel(r.model_id, 'model');
        const table = r.dataset_id ? await this.table(r.dataset_id, m, 'dataset') : undefined;
        this.register({
          id: r.id,
          name: r.name,
          role: r.role as 'guest' | 'host',
          guestNode: r.guest_node_id,
          onHostFailure: r.on_host_failure as 'error' | 'guest-only',
          deadlineMs: r.deadline_ms,
          current: m,
          table,
          metrics: new DeploymentMetrics(this.deps.metricsObserver?.(r.name, r.role)),
          inflight: 0,
        });
      } catch (err) {
        this.deps.log.error({ err, deployment: r.id }, 'deployment could not be restored');
      }
    }
  }
}
