/**
 * Online prediction (issue 12 items 3–4; docs/protocols/serving.md).
 *
 * Guest: `predict` answers one id (or a batch) with the deployment's current version: its own
 * features from the request or from its feature table, each host's partial from
 * `POST /v1/interconn/serving/partial` (in parallel, within the request's deadline), combined by
 * the model's serving program. A host that fails fails the request with SERVING_HOST_FAILED
 * naming it, or — with `onHostFailure: 'guest-only'` — the guest-only score flagged `degraded`.
 *
 * Host: `partial` answers only the deployment's guest node, only while the deployment is active
 * and the grant on its feature table to that node is usable (read from the store at most
 * 500 ms before; a revocation on this node clears that at once, so the next request is refused),
 * with the partial of each id and nothing else.
 *
 * Both sides audit every request (model, version, SHA-256 of each id, caller, outcome; never
 * features or scores).
 */
import { performance } from 'node:perf_hooks';
import { createHash } from 'node:crypto';
import { ComponentError, type FeatureLookup, type ServingPartial } from '@fedgrid/components';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ContractService } from '../contracts/contracts.service.js';
import { ERROR_CODES, FedGridError, type ErrorBody, type ErrorCode } from '../errors/errors.js';
import { parseInput } from '../server/validate.js';
import type { DeploymentService, LiveDeployment, LiveModel } from './deployments.service.js';
import type { DeploymentsRepo } from './deployments.repo.js';
import type { ServingAudit } from './serving-audit.js';
import type { PinnedApi } from '../peers/peer-client.js';
import { PartialBatcher, RowRefusal, type PartialAnswers } from './partial-batcher.js';
import type { PartialResponse, ServingClient } from './serving-client.js';
import type { Outcome } from './serving-metrics.js';

const idSchema = z.string().min(1).max(200);
const featuresSchema = z.record(z.string().max(200), z.number().nullable());

/** The body of `POST /v1/models/{name}/predict`. */
export function predictSchema(maxBatch: number) {
  return z
    .object({
      /** One id … */
      id: idSchema.optional(),
      /** … or several (answered in one request, each host asked once). */
      ids: z.array(idSchema).min(1).max(maxBatch).optional(),
      /**
       * The guest's own feature values for `id` (null: missing); with `ids`, by id. Without them
       * the guest's feature table of the deployment is used.
       */
      features: z.union([featuresSchema, z.record(idSchema, featuresSchema)]).optional(),
    })
    .strict()
    .superRefine((b, ctx) => {
      if ((b.id === undefined) === (b.ids === undefined))
        ctx.addIssue({ code: 'custom', path: ['id'], message: 'give exactly one of id or ids' });
    });
}

/** The body of `POST /v1/interconn/serving/partial`. */
export function partialSchema(maxBatch: number) {
  return z
    .object({
      job: z.string().min(1).max(200),
      task: z.string().min(1).max(200),
      ids: z.array(idSchema).min(1).max(maxBatch),
    })
    .strict();
}

const isId = (v: unknown): v is string => typeof v === 'string' && v.length >= 1 && v.length <= 200;

/** A plain JSON object with exactly these own keys (what a strict zod object accepts). */
function hasExactly(body: unknown, keys: readonly string[]): body is Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Object.getPrototypeOf(body) !== Object.prototype)
    return false;
  const own = Object.keys(body);
  return own.length === keys.length && keys.every((k) => Object.hasOwn(body, k));
}

/**
 * The common bodies checked without zod (≈ 3% of a guest's CPU per online prediction went to
 * the schema): `{ id }` for a prediction and `{ job, task, ids }` for a partial request, exactly
 * as their schemas would accept them. Anything else — including every invalid body — goes through
 * the schema, which names the field at fault.
 */
export function plainSingleId(body: unknown): { id: string } | undefined {
  return hasExactly(body, ['id']) && isId(body['id']) ? { id: body['id'] } : undefined;
}

/** See {@link plainSingleId}: `{ job, task, ids }` with 1…`maxBatch` ids. */
export function plainPartialRequest(
  body: unknown,
  maxBatch: number,
): { job: string; task: string; ids: string[] } | undefined {
  if (!hasExactly(body, ['job', 'task', 'ids'])) return undefined;
  const { job, task, ids } = body;
  if (!isId(job) || !isId(task) || !Array.isArray(ids)) return undefined;
  if (ids.length < 1 || ids.length > maxBatch || !ids.every(isId)) return undefined;
  return { job, task, ids: ids as string[] };
}

export interface PredictionResult {
  id: string;
  score?: number;
  label?: number;
  probabilities?: number[];
  classes?: number[];
  error?: ErrorBody;
}

export interface PredictResponse {
  /** The deployment's name, the model name and version that answered (one per request). */
  deployment: string;
  model: string;
  version: string;
  task: string;
  /** True when a host failed and the guest-only score was given (`onHostFailure: guest-only`). */
  degraded: boolean;
  /** The hosts that failed (degraded answers only). */
  failedHosts?: { node: string; party: string; message: string }[];
  /** Single-id requests: the id's result fields; batch requests: `results`. */
  results: PredictionResult[];
  ms: number;
}

/** SHA-256 of an id, hex: what the audit log keeps instead of the id. */
export function idHash(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

export interface ServingServiceDeps {
  selfNodeId: string;
  deployments: DeploymentService;
  repo: DeploymentsRepo;
  contracts: ContractService;
  client: ServingClient;
  audit: ServingAudit;
  maxBatch: number;
  /**
   * Predictions one deployment answers at once; more are refused at once (429 LIMIT_EXCEEDED)
   * instead of queueing past their deadline, so that an overloaded guest keeps answering what it
   * can (load shedding).
   */
  maxInFlight: number;
  /** Partial calls outstanding per host and model part before predictions are batched. @default 2 */
  hostCallsInFlight?: number;
  log: Logger;
}

/** Ids kept in one audit event in full (hashes); beyond it only the count and a digest. */
const AUDIT_IDS = 100;

function auditIds(ids: readonly string[]): Record<string, unknown> {
  const hashes = ids.map(idHash);
  if (hashes.length <= AUDIT_IDS) return { idHashes: hashes };
  return {
    ids: hashes.length,
    idHashes: hashes.slice(0, AUDIT_IDS),
    idsDigest: createHash('sha256').update(hashes.join('\n')).digest('hex'),
  };
}

const toBody = (err: unknown): ErrorBody =>
  err instanceof FedGridError
    ? err.toJSON()
    : err instanceof ComponentError
      ? { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) }
      : { code: 'INTERNAL', message: (err as Error).message };

/**
 * How long a grant check and a partner's pinned address are reused, milliseconds. A revocation
 * on this node clears the grant cache at once ({@link ServingService.forgetGrants}); an expiry is
 * seen within this time.
 */
const GRANT_TTL_MS = 500;
const PEER_TTL_MS = 1000;

export class ServingService {
  private readonly grantCache = new Map<
    string,
    { at: number; value: Promise<{ ok: true } | { ok: false; why: string }> }
  >();
  private readonly peerCache = new Map<string, { at: number; value: Promise<PinnedApi> }>();
  private readonly predictSchema: ReturnType<typeof predictSchema>;
  private readonly partialSchema: ReturnType<typeof partialSchema>;
  private readonly listeners: ((body: unknown, caller: string) => void)[] = [];
  private readonly batcher: PartialBatcher;

  constructor(private readonly deps: ServingServiceDeps) {
    this.predictSchema = predictSchema(deps.maxBatch);
    this.partialSchema = partialSchema(deps.maxBatch);
    this.batcher = new PartialBatcher(
      (peer, party, body, timeoutMs) => deps.client.partial(peer, party, body, timeoutMs),
      { maxIds: deps.maxBatch, maxInFlight: deps.hostCallsInFlight ?? 2 },
    );
  }

  /** This node's id (for messages). */
  get nodeId(): string {
    return this.deps.selfNodeId;
  }

  /**
   * Writes the queued audit events of predictions already answered (ServingAudit): before a read
   * of the audit log and at shutdown.
   */
  flushAudit(): Promise<void> {
    return this.deps.audit.flush();
  }

  /** Drops every cached grant check (called when a grant of this node is revoked). */
  forgetGrants(): void {
    this.grantCache.clear();
  }

  private grantUsable(datasetId: string, grantee: string, projectId: string | null) {
    const key = `${datasetId}\0${grantee}\0${projectId ?? ''}`;
    const now = performance.now();
    const hit = this.grantCache.get(key);
    if (hit && now - hit.at < GRANT_TTL_MS) return hit.value;
    // Only a usable grant is reused: a refusal is read again at the next request, so that a new
    // grant takes effect at once.
    const value = this.deps.repo.grantUsable(datasetId, grantee, projectId);
    this.grantCache.set(key, { at: now, value });
    value.then(
      (g) => {
        if (!g.ok) this.grantCache.delete(key);
      },
      () => this.grantCache.delete(key),
    );
    return value;
  }

  private peerApi(node: string): Promise<PinnedApi> {
    const now = performance.now();
    const hit = this.peerCache.get(node);
    if (hit && now - hit.at < PEER_TTL_MS) return hit.value;
    const value = this.deps.contracts.peerApi(node);
    this.peerCache.set(node, { at: now, value });
    value.catch(() => this.peerCache.delete(node));
    return value;
  }

  /** Calls `listener` with every partial request body this node receives (tests, diagnostics). */
  onPartialRequest(listener: (body: unknown, caller: string) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Answers a prediction request on the guest.
   * @throws NOT_FOUND (no such deployment; an unknown id in a single-id request),
   *   VALIDATION_FAILED naming the field, SERVING_HOST_FAILED naming the host,
   *   AUDIT_WRITE_FAILED.
   */
  async predict(
    ref: string,
    body: unknown,
    caller: string,
    audited: () => void = () => {},
  ): Promise<PredictResponse> {
    const t0 = performance.now();
    const d = this.deps.deployments.guestDeployment(ref);
    // One reference to the current version for the whole request.
    const m = d.current;
    let ids: string[] = [];
    let outcome: Outcome = 'error';
    let failure: ErrorBody | undefined;
    let failedHosts: PredictResponse['failedHosts'];
    let admitted = false;
    try {
      if (d.inflight >= this.deps.maxInFlight)
        throw new FedGridError(
          'LIMIT_EXCEEDED',
          `deployment '${d.name}' is answering ${d.inflight} requests already (serving.maxInFlight); retry later`,
          { deployment: d.name, inFlight: d.inflight },
        );
      d.inflight++;
      admitted = true;
      const req: { id?: string; ids?: string[]; features?: Record<string, unknown> } =
        plainSingleId(body) ?? parseInput(this.predictSchema, body);
      ids = req.ids ?? [req.id as string];
      const res = await this.predictWith(d, m, ids, req.id !== undefined, req.features);
      failedHosts = res.failedHosts;
      outcome = res.degraded ? 'degraded' : 'ok';
      const single = req.id !== undefined;
      if (single && res.results[0]?.error) {
        const e = res.results[0].error;
        // A model's own refusal of a row (FEATURE_MISSING, UNSEEN_CATEGORY …) is bad input.
        const code = Object.hasOwn(ERROR_CODES, e.code)
          ? (e.code as ErrorCode)
          : 'VALIDATION_FAILED';
        throw new FedGridError(code, e.message, {
          ...e.details,
          ...(code !== e.code ? { reason: e.code } : {}),
        });
      }
      return { ...res, ms: performance.now() - t0 };
    } catch (err) {
      outcome = 'error';
      failure = toBody(err);
      throw err instanceof ComponentError
        ? new FedGridError('VALIDATION_FAILED', err.message, err.details)
        : err;
    } finally {
      if (admitted) d.inflight--;
      const ms = performance.now() - t0;
      d.metrics.observe(outcome, ms);
      await this.deps.audit
        .record({
          actorKind: caller === 'admin' ? 'admin' : 'peer',
          actorId: caller,
          action: 'serving.predict',
          objectType: 'deployment',
          objectId: d.id,
          outcome: outcome === 'error' ? 'failure' : 'success',
          status: failure ? (ERROR_CODES[failure.code as ErrorCode] ?? 500) : 200,
          details: {
            deployment: d.name,
            model: m.name,
            version: m.version,
            ...auditIds(ids),
            degraded: outcome === 'degraded',
            ...(failedHosts ? { failedHosts: failedHosts.map((h) => h.node) } : {}),
            ...(failure ? { code: failure.code } : {}),
            ms: Math.round(ms * 1000) / 1000,
          },
        })
        .then(audited, (err: Error) => {
          throw new FedGridError(
            'AUDIT_WRITE_FAILED',
            `node '${this.deps.selfNodeId}' could not record this prediction in its audit log (${err.message}); no answer is given`,
          );
        });
    }
  }

  private guestRows(
    d: LiveDeployment,
    ids: string[],
    single: boolean,
    features: Record<string, unknown> | undefined,
  ): (FeatureLookup | ErrorBody)[] {
    return ids.map((id) => {
      const given = (
        single
          ? features
          : (features as Record<string, Record<string, number | null>> | undefined)?.[id]
      ) as Record<string, number | null> | undefined;
      if (!single && features && given === undefined && !d.table)
        return { code: 'VALIDATION_FAILED', message: `features has no entry for id '${id}'` };
      const fromTable = d.table?.row(id);
      if (given) {
        for (const [k, v] of Object.entries(given))
          if (typeof v !== 'number' && v !== null)
            throw new FedGridError('VALIDATION_FAILED', `features.${k} must be a number or null`, {
              issues: [{ field: `features.${k}`, message: 'expected a number or null' }],
            });
        const lookup: FeatureLookup = (name: string) => {
          if (Object.hasOwn(given, name)) return given[name] ?? NaN;
          return fromTable?.(name);
        };
        // Given codes of a categorical column are codes of the table's levels.
        if (fromTable?.levels) lookup.levels = fromTable.levels;
        return lookup;
      }
      if (fromTable) return fromTable;
      if (d.table)
        return {
          code: 'NOT_FOUND',
          message: `id '${id}' is not in the guest's serving table (dataset ${d.table.datasetId}) of '${d.name}'`,
          details: { id, party: 'guest' },
        };
      throw new FedGridError(
        'VALIDATION_FAILED',
        `features: deployment '${d.name}' has no guest feature table; give the guest's features (${(d.current.guest?.features ?? []).join(', ')})`,
        { issues: [{ field: 'features', message: 'required: the deployment has no guest table' }] },
      );
    });
  }

  private async predictWith(
    d: LiveDeployment,
    m: LiveModel,
    ids: string[],
    single: boolean,
    features: Record<string, unknown> | undefined,
  ): Promise<Omit<PredictResponse, 'ms'>> {
    const guest = m.guest as NonNullable<LiveModel['guest']>;
    const rows = this.guestRows(d, ids, single, features);
    // Ask the hosts only for the ids the guest can score.
    const asked = ids.filter((_, i) => typeof rows[i] === 'function');
    const deadline = d.deadlineMs;
    const failedHosts: NonNullable<PredictResponse['failedHosts']> = [];
    const answers = new Map<string, PartialAnswers>();
    if (asked.length > 0)
      await Promise.all(
        m.hosts.map(async (h) => {
          try {
            const peer = await this.peerApi(h.node);
            answers.set(
              h.party,
              await this.batcher.partials(
                peer,
                h.party,
                { job: m.jobId, task: m.task },
                asked,
                deadline,
              ),
            );
          } catch (err) {
            const e =
              err instanceof FedGridError && err.code === 'SERVING_HOST_FAILED'
                ? err
                : new FedGridError(
                    'SERVING_HOST_FAILED',
                    `host node '${h.node}' (party ${h.party}) failed: ${(err as Error).message}`,
                    { host: h.node, party: h.party },
                  );
            if (d.onHostFailure !== 'guest-only') throw e;
            failedHosts.push({ node: h.node, party: h.party, message: e.message });
          }
        }),
      );
    const results = ids.map((id, i): PredictionResult => {
      const row = rows[i] as FeatureLookup | ErrorBody;
      if (typeof row !== 'function') return { id, error: row };
      const partials = new Map<string, ServingPartial>();
      for (const h of m.hosts) {
        const a = answers.get(h.party);
        if (!a) continue; // failed host, guest-only
        const p = a.get(id);
        if (p instanceof RowRefusal)
          return {
            id,
            error: {
              code: 'VALIDATION_FAILED',
              message: `host node '${h.node}' (party ${h.party}) for id '${id}': ${p.message}`,
              details: {
                id,
                host: h.node,
                party: h.party,
                reason: p.code,
                ...(p.column ? { column: p.column } : {}),
              },
            },
          };
        if (!p)
          return {
            id,
            error: {
              code: 'NOT_FOUND',
              message: `id '${id}' is not in the serving table of host node '${h.node}' (party ${h.party})`,
              details: { id, host: h.node, party: h.party },
            },
          };
        partials.set(h.party, p);
      }
      try {
        const s = guest.combine(row, partials);
        return {
          id,
          score: s.score,
          ...(s.label !== undefined ? { label: s.label } : {}),
          ...(s.probabilities ? { probabilities: s.probabilities, classes: s.classes ?? [] } : {}),
        };
      } catch (err) {
        if (err instanceof ComponentError && err.code === 'PARTIAL_INVALID')
          throw new FedGridError('SERVING_HOST_FAILED', err.message, err.details);
        return { id, error: toBody(err) };
      }
    });
    return {
      deployment: d.name,
      model: m.name,
      version: m.version,
      task: guest.task,
      degraded: failedHosts.length > 0,
      ...(failedHosts.length ? { failedHosts } : {}),
      results,
    };
  }

  /**
   * Answers a guest's partial request on a host.
   * @throws NOT_FOUND (no active deployment of that model for the caller: also when the caller is
   *   not the deployment's guest), GRANT_REVOKED / GRANT_MISSING, VALIDATION_FAILED,
   *   AUDIT_WRITE_FAILED.
   */
  async partial(
    body: unknown,
    caller: string,
    audited: () => void = () => {},
  ): Promise<PartialResponse> {
    const t0 = performance.now();
    for (const l of this.listeners) l(body, caller);
    let outcome: 'success' | 'failure' = 'failure';
    let code: string | undefined;
    let d: LiveDeployment | undefined;
    let m: LiveModel | undefined;
    let ids: string[] = [];
    try {
      const req =
        plainPartialRequest(body, this.deps.maxBatch) ?? parseInput(this.partialSchema, body);
      ids = req.ids;
      d = this.deps.deployments.hostDeployment(req.job, req.task);
      // A partner that is not the deployment's guest learns nothing, not even that it exists.
      if (!d || d.guestNode !== caller)
        throw new FedGridError(
          'NOT_FOUND',
          `no model of job '${req.job}', task '${req.task}' is deployed on node '${this.deps.selfNodeId}' for node '${caller}'`,
          { job: req.job, task: req.task },
        );
      m = d.current;
      const table = d.table;
      if (!table) throw new FedGridError('INTERNAL', `deployment ${d.id} has no feature table`);
      const grant = await this.grantUsable(table.datasetId, caller, m.projectId);
      if (!grant.ok)
        throw new FedGridError(
          grant.why === 'no grant' ? 'GRANT_MISSING' : 'GRANT_REVOKED',
          `node '${this.deps.selfNodeId}' refuses partials of deployment '${d.name}' to '${caller}': ${grant.why} on the serving table`,
          { deployment: d.id },
        );
      const host = m.host as NonNullable<LiveModel['host']>;
      const partials = ids.map((id): PartialResponse['partials'][number] => {
        const row = table.row(id);
        if (!row) return { id, found: false as const };
        try {
          return { id, partial: host.partial(row) };
        } catch (err) {
          if (!(err instanceof ComponentError)) throw err;
          // This id alone: the guest learns the code and the column (names are shared), never
          // the value (e.g. the unseen category), which is logged here only.
          this.deps.log.info(
            { idHash: idHash(id), err: err.message },
            'serving: a row cannot be scored',
          );
          const column =
            typeof err.details?.['column'] === 'string'
              ? err.details['column']
              : typeof err.details?.['feature'] === 'string'
                ? err.details['feature']
                : undefined;
          return {
            id,
            refused: {
              code: err.code,
              message: `its row cannot be scored (${err.code}${column ? ` in column '${column}'` : ''})`,
              ...(column ? { column } : {}),
            },
          };
        }
      });
      outcome = 'success';
      d.metrics.observe('ok', performance.now() - t0);
      return { partials };
    } catch (err) {
      code = toBody(err).code;
      d?.metrics.observe('error', performance.now() - t0);
      throw err instanceof ComponentError
        ? new FedGridError('VALIDATION_FAILED', err.message, err.details)
        : err;
    } finally {
      await this.deps.audit
        .record({
          actorKind: 'peer',
          actorId: caller,
          action: 'serving.partial',
          objectType: 'deployment',
          ...(d ? { objectId: d.id } : {}),
          outcome,
          details: {
            ...(d && m ? { deployment: d.name, model: m.name, version: m.version } : {}),
            ...auditIds(ids),
            ...(code ? { code } : {}),
            ms: Math.round((performance.now() - t0) * 1000) / 1000,
          },
        })
        .then(audited, (err: Error) => {
          throw new FedGridError(
            'AUDIT_WRITE_FAILED',
            `node '${this.deps.selfNodeId}' could not record this partial request in its audit log (${err.message}); no answer is given`,
          );
        });
    }
  }
}
