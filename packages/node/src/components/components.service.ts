/**
 * The component registry (组件互联协议, standard 001 §9; issue #4 item 10): what components this
 * node knows, which of them partners may see, whether a set of parameters is valid for one, and
 * whether it is healthy.
 *
 * - Built-in components (engine `builtin`) are FedGrid's own algorithms. They register themselves
 *   when the node starts (code, version, roles, ports, the JSON Schema of their zod parameter
 *   schema) and cannot be unregistered; status `available`.
 * - External components (engine `fate`, `secretflow`, `container`, …) are metadata registered by
 *   the admin: address, ports, a JSON Schema for their parameters. FedGrid cannot run them yet
 *   (status `metadata-only`); a job that names one is refused by the job validation.
 *
 *   register ──▶ metadata-only ── unregister ──▶ (gone)          (external)
 *   node start ──▶ available                                      (built-in, permanent)
 */
import { BUILTIN_COMPONENTS, type ComponentSpec } from '@fedgrid/components';
import { z } from 'zod';
import type { ContractService } from '../contracts/contracts.service.js';
import { errors, FedGridError } from '../errors/errors.js';
import type { PeerClient } from '../peers/peer-client.js';
import { matches, type Page, type PageQuery } from '../server/paging.js';
import { json } from '../storage/schema.js';
import type { ComponentRow, ComponentsRepo } from './components.repo.js';

export const BUILTIN_ENGINE = 'builtin';
/** How long a health check waits for an external component's HTTP address. */
export const HEALTH_TIMEOUT_MS = 3000;

const portSchema = z.object({
  name: z.string().min(1).max(100),
  kind: z.string().min(1).max(40),
  roles: z.array(z.string().min(1).max(40)).max(16).default([]),
  description: z.string().max(2000).default(''),
});

export const registerComponentSchema = z.object({
  code: z
    .string()
    .regex(
      /^[A-Za-z][A-Za-z0-9._-]{0,99}$/,
      'component codes: 1–100 characters of A–Z, a–z, 0–9, ".", "_", "-", starting with a letter',
    ),
  version: z
    .string()
    .regex(/^[0-9A-Za-z][0-9A-Za-z.+_-]{0,39}$/, 'versions: 1–40 characters, e.g. 1.2.0'),
  engine: z
    .string()
    .regex(/^[a-z][a-z0-9._-]{0,39}$/, 'engine: lower-case name, e.g. fate, secretflow, container')
    .refine((e) => e !== BUILTIN_ENGINE, {
      message: "engine 'builtin' is reserved for FedGrid's own components",
    }),
  name: z.string().min(1).max(200),
  description: z.string().max(4000).default(''),
  reference: z.string().max(2000).default(''),
  address: z.string().min(1).max(2000).optional(),
  /** How to reach the component; inferred from the address's scheme when omitted. */
  addressType: z.enum(['http', 'https', 'grpc', 'grpcs', 'image', 'other']).optional(),
  roles: z
    .array(z.enum(['guest', 'host', 'arbiter', 'edge']))
    .max(4)
    .default([]),
  inputs: z.array(portSchema).max(100).default([]),
  outputs: z.array(portSchema).max(100).default([]),
  /** JSON Schema of the parameters (an object schema); default: any object. */
  params: z.record(z.string(), z.unknown()).default({ type: 'object' }),
  developer: z.string().max(200).default(''),
  visibility: z.enum(['public', 'internal']).default('internal'),
});
export type RegisterComponentInput = z.input<typeof registerComponentSchema>;

export interface ComponentView {
  code: string;
  version: string;
  engine: string;
  name: string;
  description: string;
  reference: string;
  address: string | null;
  addressType: string | null;
  roles: string[];
  inputs: unknown[];
  outputs: unknown[];
  /** JSON Schema of the parameters. */
  params: Record<string, unknown>;
  developer: string;
  visibility: string;
  /** `available` (built-in, runs here) or `metadata-only` (external, cannot run here yet). */
  status: string;
  runnable: boolean;
  health: { status: string; detail: string; checkedAt: string } | null;
  createdAt: string;
  updatedAt: string;
}

/** What partners see of a public component (no health, no timestamps). */
export type PartnerComponentView = Omit<ComponentView, 'health' | 'createdAt' | 'updatedAt'>;

export interface ComponentTotals {
  byEngine: Record<string, number>;
  byVisibility: Record<string, number>;
  byStatus: Record<string, number>;
}

export type ComponentPage<T> = Page<T> & { totals: ComponentTotals };

export interface ValidationResult {
  code: string;
  version: string;
  valid: boolean;
  issues: { field: string; message: string }[];
}

export interface HealthResult {
  code: string;
  version: string;
  engine: string;
  status: 'healthy' | 'unhealthy' | 'unknown';
  detail: string;
  checkedAt: string;
}

function view(r: ComponentRow): ComponentView {
  return {
    code: r.code,
    version: r.version,
    engine: r.engine,
    name: r.name,
    description: r.description,
    reference: r.reference,
    address: r.address,
    addressType: r.address_type,
    roles: r.roles as string[],
    inputs: r.inputs as unknown[],
    outputs: r.outputs as unknown[],
    params: r.params_schema as Record<string, unknown>,
    developer: r.developer,
    visibility: r.visibility,
    status: r.status,
    runnable: r.engine === BUILTIN_ENGINE,
    health:
      r.health && r.health_checked_at
        ? {
            status: r.health,
            detail: r.health_detail ?? '',
            checkedAt: new Date(r.health_checked_at).toISOString(),
          }
        : null,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

function partnerView(v: ComponentView): PartnerComponentView {
  const { health: _h, createdAt: _c, updatedAt: _u, ...rest } = v;
  return rest;
}

/** The JSON Schema of a zod parameter schema (as in the OpenAPI description). */
export function paramsJsonSchema(spec: ComponentSpec<unknown>): Record<string, unknown> {
  return z.toJSONSchema(spec.params as z.ZodType, {
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
}

/** Issues of a failed zod parse as {field, message}; unknown keys are named one by one. */
function issuesOf(error: z.ZodError): { field: string; message: string }[] {
  return error.issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({
          field: [...i.path, k].join('.'),
          message: `unknown parameter '${k}'`,
        }))
      : [{ field: i.path.join('.') || '(root)', message: i.message }],
  );
}

function totalsOf(views: ComponentView[]): ComponentTotals {
  const count = (key: (v: ComponentView) => string) => {
    const m: Record<string, number> = {};
    for (const v of views) m[key(v)] = (m[key(v)] ?? 0) + 1;
    return m;
  };
  return {
    byEngine: count((v) => v.engine),
    byVisibility: count((v) => v.visibility),
    byStatus: count((v) => v.status),
  };
}

function inferAddressType(address: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(address)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https' || scheme === 'grpc' || scheme === 'grpcs')
    return scheme;
  return 'other';
}

export interface ComponentListQuery extends Pick<PageQuery, 'page' | 'pageSize' | 'q' | 'exact'> {
  engine?: string;
  visibility?: string;
}

export class ComponentService {
  private builtinsRegistered?: Promise<void>;

  constructor(
    private readonly repo: ComponentsRepo,
    private readonly contracts: ContractService,
    private readonly peers: PeerClient,
    private readonly builtins: readonly ComponentSpec<unknown>[] = BUILTIN_COMPONENTS as never,
  ) {}

  /**
   * Registers (or refreshes) the built-in components; called once at node start and awaited by
   * every other operation, so that the registry never lacks them.
   */
  registerBuiltins(): Promise<void> {
    this.builtinsRegistered ??= (async () => {
      for (const c of this.builtins) {
        await this.repo.upsertBuiltin({
          code: c.code,
          version: c.version,
          engine: BUILTIN_ENGINE,
          name: c.name,
          description: c.description,
          reference: c.reference,
          address: null,
          address_type: null,
          roles: json(Object.keys(c.programs)),
          inputs: json(c.inputs),
          outputs: json(c.outputs),
          params_schema: json(paramsJsonSchema(c)),
          developer: 'FedGrid',
          visibility: 'public',
          status: 'available',
        });
      }
      await this.repo.removeStaleBuiltins(this.builtins.map((c) => c));
    })().catch((err: unknown) => {
      this.builtinsRegistered = undefined;
      throw err;
    });
    return this.builtinsRegistered;
  }

  private async row(code: string, version: string): Promise<ComponentRow> {
    await this.registerBuiltins();
    const r = await this.repo.get(code, version);
    if (!r) {
      const versions = (await this.repo.list())
        .filter((c) => c.code === code)
        .map((c) => c.version);
      throw new FedGridError(
        'NOT_FOUND',
        versions.length
          ? `component '${code}' has no version '${version}' on this node (versions: ${versions.join(', ')})`
          : `component '${code}' is not registered on this node (fedgrid component list shows what is)`,
        { component: code, version },
      );
    }
    return r;
  }

  async list(q: ComponentListQuery, only?: 'public'): Promise<ComponentPage<ComponentView>> {
    await this.registerBuiltins();
    const visibility = only ?? q.visibility;
    const all = (
      await this.repo.list({
        ...(q.engine ? { engine: q.engine } : {}),
        ...(visibility ? { visibility } : {}),
      })
    )
      .map(view)
      .filter((v) => matches(v.code, q) || matches(v.name, q));
    const start = (q.page - 1) * q.pageSize;
    return {
      items: all.slice(start, start + q.pageSize),
      total: all.length,
      page: q.page,
      pageSize: q.pageSize,
      totals: totalsOf(all),
    };
  }

  async get(code: string, version: string): Promise<ComponentView> {
    return view(await this.row(code, version));
  }

  /** Partners: public components only (an internal one is answered as not found). */
  async listPublic(q: ComponentListQuery): Promise<ComponentPage<PartnerComponentView>> {
    const p = await this.list(q, 'public');
    return { ...p, items: p.items.map(partnerView) };
  }

  async getPublic(code: string, version: string): Promise<PartnerComponentView> {
    await this.registerBuiltins();
    const r = await this.repo.get(code, version);
    if (!r || r.visibility !== 'public')
      throw new FedGridError(
        'NOT_FOUND',
        `component '${code}' version '${version}' is not offered to partners by this node`,
        { component: code, version },
      );
    return partnerView(view(r));
  }

  /** Registers an external component (metadata only). */
  async register(input: RegisterComponentInput): Promise<ComponentView> {
    await this.registerBuiltins();
    const c = registerComponentSchema.parse(input);
    if (this.builtins.some((b) => b.code === c.code)) {
      throw errors.conflict(
        `component code '${c.code}' belongs to a built-in component; register the external one under another code`,
        { component: c.code },
      );
    }
    if (await this.repo.get(c.code, c.version)) {
      throw errors.conflict(
        `component '${c.code}' version '${c.version}' is already registered; unregister it first or register another version`,
        { component: c.code, version: c.version },
      );
    }
    if (c.params['type'] !== undefined && c.params['type'] !== 'object') {
      throw errors.validation(
        `params must be the JSON Schema of an object (type 'object'), not of type '${String(c.params['type'])}'`,
        { issues: [{ field: 'params.type', message: "expected 'object'" }] },
      );
    }
    try {
      z.fromJSONSchema(c.params as never);
    } catch (err) {
      throw errors.validation(
        `params is not a JSON Schema FedGrid can check: ${(err as Error).message}`,
        { issues: [{ field: 'params', message: (err as Error).message }] },
      );
    }
    await this.repo.insert({
      code: c.code,
      version: c.version,
      engine: c.engine,
      name: c.name,
      description: c.description,
      reference: c.reference,
      address: c.address ?? null,
      address_type: c.address ? (c.addressType ?? inferAddressType(c.address)) : null,
      roles: json(c.roles),
      inputs: json(c.inputs),
      outputs: json(c.outputs),
      params_schema: json(c.params),
      developer: c.developer,
      visibility: c.visibility,
      status: 'metadata-only',
    });
    return this.get(c.code, c.version);
  }

  /** Unregisters an external component. @throws FORBIDDEN for built-in ones. */
  async unregister(code: string, version: string): Promise<ComponentView> {
    const r = await this.row(code, version);
    if (r.engine === BUILTIN_ENGINE) {
      throw new FedGridError(
        'FORBIDDEN',
        `component '${code}' ${version} is built into FedGrid and cannot be unregistered; only external components can`,
        { component: code, version },
      );
    }
    await this.repo.delete(code, version);
    return view(r);
  }

  /**
   * Checks parameters against a component's schema: the zod schema for built-ins (unknown
   * parameters are refused, as when a job is created), the registered JSON Schema otherwise.
   */
  async validate(code: string, version: string, params: unknown): Promise<ValidationResult> {
    const r = await this.row(code, version);
    const issues: { field: string; message: string }[] = [];
    if (r.engine === BUILTIN_ENGINE) {
      const spec = this.builtins.find((b) => b.code === code && b.version === version);
      if (!spec) {
        issues.push({
          field: '(root)',
          message: `the programs of ${code} ${version} are not loaded`,
        });
      } else {
        const shape = (spec.params as unknown as { shape?: Record<string, unknown> }).shape;
        if (shape && params && typeof params === 'object' && !Array.isArray(params)) {
          for (const k of Object.keys(params)) {
            if (!(k in shape))
              issues.push({
                field: k,
                message: `unknown parameter '${k}' (parameters: ${Object.keys(shape).join(', ') || 'none'})`,
              });
          }
        }
        const res = spec.params.safeParse(params);
        if (!res.success) issues.push(...issuesOf(res.error));
      }
    } else {
      let schema: z.ZodType;
      try {
        schema = z.fromJSONSchema(r.params_schema as never);
      } catch (err) {
        throw new FedGridError(
          'INTERNAL',
          `the registered parameter schema of ${code} ${version} cannot be read: ${(err as Error).message}`,
        );
      }
      const res = schema.safeParse(params);
      if (!res.success) issues.push(...issuesOf(res.error));
    }
    return { code, version, valid: issues.length === 0, issues };
  }

  /**
   * Health: a built-in is healthy when its programs for every role are loaded; an external one
   * with an http(s) address is healthy when the address answers (any status below 500) within
   * 3 s; other addresses cannot be checked ('unknown'). The result is stored with the component.
   */
  async health(code: string, version: string): Promise<HealthResult> {
    const r = await this.row(code, version);
    let status: HealthResult['status'];
    let detail: string;
    if (r.engine === BUILTIN_ENGINE) {
      const spec = this.builtins.find((b) => b.code === code && b.version === version);
      const missing = spec
        ? spec.roles.filter((role) => typeof spec.programs[role] !== 'function')
        : undefined;
      if (!spec) {
        status = 'unhealthy';
        detail = `this build of FedGrid has no programs for ${code} ${version}`;
      } else if (missing && missing.length) {
        status = 'unhealthy';
        detail = `no program loaded for role(s) ${missing.join(', ')}`;
      } else {
        status = 'healthy';
        detail = `programs loaded for ${Object.keys(spec.programs).join(', ')}`;
      }
    } else if (r.address && /^https?:\/\//i.test(r.address)) {
      const t0 = Date.now();
      try {
        const res = await fetch(r.address, {
          method: 'GET',
          signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS),
        });
        await res.body?.cancel().catch(() => undefined);
        status = res.status < 500 ? 'healthy' : 'unhealthy';
        detail = `${r.address} answered HTTP ${res.status} in ${Date.now() - t0} ms`;
      } catch (err) {
        const e = err as Error & { cause?: { code?: string; message?: string } };
        status = 'unhealthy';
        detail =
          e.name === 'TimeoutError'
            ? `${r.address} did not answer within ${HEALTH_TIMEOUT_MS / 1000} s`
            : `cannot reach ${r.address}: ${e.cause?.code ?? ''} ${e.cause?.message ?? e.message}`.trim();
      }
    } else {
      status = 'unknown';
      detail = r.address
        ? `FedGrid cannot check a ${r.address_type ?? 'non-HTTP'} address (${r.address}); only http(s) addresses are checked`
        : 'the component has no address to check';
    }
    const at = await this.repo.setHealth(code, version, status, detail);
    return { code, version, engine: r.engine, status, detail, checkedAt: at.toISOString() };
  }

  /** Asks a contracted partner for its public components. */
  async partnerList(
    nodeId: string,
    q: ComponentListQuery,
  ): Promise<ComponentPage<PartnerComponentView>> {
    const params = new URLSearchParams({ page: String(q.page), pageSize: String(q.pageSize) });
    if (q.q) params.set('q', q.q);
    if (q.exact) params.set('exact', 'true');
    if (q.engine) params.set('engine', q.engine);
    return this.peers.call(
      await this.contracts.peerApi(nodeId),
      'GET',
      `/v1/interconn/components?${params.toString()}`,
    );
  }

  /** Asks a contracted partner for one of its public components. */
  async partnerGet(nodeId: string, code: string, version: string): Promise<PartnerComponentView> {
    return this.peers.call(
      await this.contracts.peerApi(nodeId),
      'GET',
      `/v1/interconn/components/${encodeURIComponent(code)}/${encodeURIComponent(version)}`,
    );
  }
}
