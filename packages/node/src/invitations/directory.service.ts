/**
 * The directory (中心节点, standard 000 §5.2 and §7.2): a node with `directory.enabled` in its
 * fedgrid.yaml keeps a list of offers that contracted nodes publish there — a dataset's public
 * metadata (name, description, rows, feature names and types, label name; never data, statistics
 * or paths) or compute (a description with cores / memory / GPUs) — and lets every contracted node
 * browse it. A demander finds a provider there (with the provider's API URL and the certificate
 * fingerprint the directory pinned, to propose a contract safely) and then sends it an invitation
 * directly. Only `public` datasets are offered (docs/objects/dataset.md): publishing another is
 * refused (DATASET_NOT_PUBLIC) and an offered dataset cannot leave `public` until its offers are
 * withdrawn, so that a directory never lists a private dataset (issue 10, defect 9).
 * Docs: docs/objects/invitation.md.
 *
 *   member                                        directory
 *   publish ── POST /v1/interconn/directory/offers ──▶ stored (upsert by id)
 *   browse  ── GET  /v1/interconn/directory/offers ──▶ page of offers of active members
 *   withdraw ─ DELETE /v1/interconn/directory/offers/:id ──▶ removed
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ContractService } from '../contracts/contracts.service.js';
import type { DatasetService } from '../datasets/datasets.service.js';
import { errors, FedGridError } from '../errors/errors.js';
import type { PeerClient } from '../peers/peer-client.js';
import { matches, pageOf, pageQuerySchema, type Page } from '../server/paging.js';
import { json } from '../storage/schema.js';
import type { DirectoryOfferRow, DirectoryRepo, PublishedOfferRow } from './directory.repo.js';

/** A dataset's public metadata as offered. */
export const datasetOfferSchema = z.object({
  /** The provider's dataset id (to name in an invitation). */
  id: z.string().min(1).max(200),
  rows: z.number().int().min(0),
  features: z
    .array(z.object({ name: z.string().min(1).max(200), type: z.string().min(1).max(20) }))
    .max(100_000),
  label: z.string().max(200).nullable(),
});
export type DatasetOffer = z.infer<typeof datasetOfferSchema>;

/** Offered compute. */
export const computeOfferSchema = z.object({
  cores: z.number().int().positive().optional(),
  memoryGb: z.number().positive().optional(),
  gpus: z.number().int().min(0).optional(),
});
export type ComputeOffer = z.infer<typeof computeOfferSchema>;

const offerId = z
  .string()
  .min(3)
  .max(200)
  .regex(/^[A-Za-z0-9._-]+:off-[0-9a-f-]{36}$/, 'offer id: <node id>:off-<uuid>');

/** The wire form of an offer (member → directory). Unknown fields are dropped. */
export const offerWireSchema = z.discriminatedUnion('kind', [
  z.object({
    id: offerId,
    kind: z.literal('dataset'),
    name: z.string().min(1).max(200),
    description: z.string().max(2000).default(''),
    dataset: datasetOfferSchema,
  }),
  z.object({
    id: offerId,
    kind: z.literal('compute'),
    name: z.string().min(1).max(200),
    description: z.string().max(2000).default(''),
    compute: computeOfferSchema,
  }),
]);
export type OfferWire = z.infer<typeof offerWireSchema>;

/** POST /v1/directory/offers: what a member publishes. */
export const publishOfferSchema = z.discriminatedUnion('kind', [
  z.object({
    directory: z.string().min(1).max(64),
    kind: z.literal('dataset'),
    /** Dataset id or name on this node. */
    dataset: z.string().min(1).max(200),
    /** Default: the dataset's own description. */
    description: z.string().max(2000).optional(),
  }),
  z.object({
    directory: z.string().min(1).max(64),
    kind: z.literal('compute'),
    name: z.string().min(1).max(200),
    description: z.string().max(2000).default(''),
    cores: z.number().int().positive().optional(),
    memoryGb: z.number().positive().optional(),
    gpus: z.number().int().min(0).optional(),
  }),
]);
export type PublishOfferInput = z.input<typeof publishOfferSchema>;

export const offerQuerySchema = pageQuerySchema.extend({
  kind: z.enum(['dataset', 'compute']).optional(),
  /** Only offers of this node. */
  node: z.string().max(64).optional(),
});
export type OfferQuery = z.infer<typeof offerQuerySchema>;

/** An offer as browsed on a directory. */
export interface OfferView {
  id: string;
  kind: 'dataset' | 'compute';
  name: string;
  description: string;
  /** The publishing node as the directory knows it (its fingerprint is the one the directory pinned). */
  node: { nodeId: string; name: string; apiUrl: string; fingerprint: string };
  dataset: DatasetOffer | null;
  compute: ComputeOffer | null;
  publishedAt: string;
  updatedAt: string;
}

/** An offer as its publisher records it. */
export interface PublishedOfferView {
  id: string;
  directory: string;
  kind: 'dataset' | 'compute';
  name: string;
  description: string;
  dataset: DatasetOffer | null;
  compute: ComputeOffer | null;
  /** 'published' or 'withdrawn'. */
  status: string;
  statusReason: string | null;
  publishedAt: string;
  updatedAt: string;
}

const iso = (d: Date | string) => new Date(d).toISOString();

function publishedView(r: PublishedOfferRow): PublishedOfferView {
  return {
    id: r.id,
    directory: r.directory_node_id,
    kind: r.kind as PublishedOfferView['kind'],
    name: r.name,
    description: r.description,
    dataset: r.kind === 'dataset' ? (r.meta as DatasetOffer) : null,
    compute: r.kind === 'compute' ? (r.meta as ComputeOffer) : null,
    status: r.status,
    statusReason: r.status_reason,
    publishedAt: iso(r.published_at),
    updatedAt: iso(r.updated_at),
  };
}

export class DirectoryService {
  constructor(
    private readonly repo: DirectoryRepo,
    private readonly deps: {
      selfNodeId: string;
      /** fedgrid.yaml `directory.enabled`. */
      enabled: boolean;
      contracts: ContractService;
      peers: PeerClient;
      datasets: DatasetService;
    },
  ) {
    deps.datasets.addVisibilityCheck(async (ds, to) => {
      if (to === 'public') return;
      const offers = await this.repo.publishedOffersOf(ds.id);
      if (offers.length === 0) return;
      throw new FedGridError(
        'CONFLICT',
        `dataset '${ds.name}' is offered on ${offers.map((o) => `directory '${o.directory_node_id}' (offer ${o.id})`).join(', ')}; only public datasets are offered there: withdraw ${offers.length === 1 ? 'that offer' : 'those offers'} first (fedgrid directory withdraw <offer>)`,
        { dataset: ds.id, offers: offers.map((o) => o.id) },
      );
    });
  }

  get enabled(): boolean {
    return this.deps.enabled;
  }

  private requireDirectory(): void {
    if (!this.deps.enabled) {
      throw new FedGridError(
        'FORBIDDEN',
        `node '${this.deps.selfNodeId}' is not a directory (set directory.enabled: true in its fedgrid.yaml to make it one)`,
        { node: this.deps.selfNodeId },
      );
    }
  }

  // ---- Directory side ----

  /** A member publishes or updates an offer (idempotent by offer id). */
  async receive(peerNodeId: string, body: unknown): Promise<OfferView> {
    this.requireDirectory();
    const o = offerWireSchema.parse(body);
    if (!o.id.startsWith(`${peerNodeId}:`)) {
      throw new FedGridError(
        'FORBIDDEN',
        `offer ${o.id} does not belong to node '${peerNodeId}' (offer ids start with the publisher's node id)`,
        { peer: peerNodeId },
      );
    }
    const row = await this.repo.upsertOffer({
      id: o.id,
      node_id: peerNodeId,
      kind: o.kind,
      dataset_id: o.kind === 'dataset' ? o.dataset.id : null,
      name: o.name,
      description: o.description,
      meta: json(o.kind === 'dataset' ? o.dataset : o.compute),
    });
    const view = (await this.views([row]))[0];
    if (!view) throw errors.notFound('offer', o.id);
    return view;
  }

  /** A member withdraws one of its offers. */
  async remove(peerNodeId: string, id: string): Promise<{ id: string; status: 'withdrawn' }> {
    this.requireDirectory();
    if (!(await this.repo.deleteOffer(id, peerNodeId))) throw errors.notFound('offer', id);
    return { id, status: 'withdrawn' };
  }

  /**
   * The offers of nodes holding an active contract with the directory, newest first; `q`
   * matches the name, description, node and feature names (substring, or exact with `exact`).
   */
  async list(q: OfferQuery): Promise<Page<OfferView>> {
    this.requireDirectory();
    const all = await this.views(await this.repo.offers());
    return pageOf(
      all.filter(
        (o) =>
          (!q.kind || o.kind === q.kind) &&
          (!q.node || o.node.nodeId === q.node) &&
          (matches(o.name, q) ||
            (!q.exact &&
              (matches(o.description, q) ||
                matches(o.node.nodeId, q) ||
                matches(o.node.name, q) ||
                (o.dataset?.features ?? []).some((f) => matches(f.name, q)) ||
                matches(o.dataset?.label ?? '', q)))),
      ),
      q,
    );
  }

  private async views(rows: DirectoryOfferRow[]): Promise<OfferView[]> {
    const members = new Map(
      (await this.deps.contracts.partners())
        .filter((p) => p.contract.status === 'active')
        .map((p) => [p.nodeId, p]),
    );
    return rows.flatMap((r): OfferView[] => {
      const m = members.get(r.node_id);
      if (!m) return []; // no active contract (ended or expired): not listed
      return [
        {
          id: r.id,
          kind: r.kind as OfferView['kind'],
          name: r.name,
          description: r.description,
          node: { nodeId: m.nodeId, name: m.name, apiUrl: m.apiUrl, fingerprint: m.fingerprint },
          dataset: r.kind === 'dataset' ? (r.meta as DatasetOffer) : null,
          compute: r.kind === 'compute' ? (r.meta as ComputeOffer) : null,
          publishedAt: iso(r.published_at),
          updatedAt: iso(r.updated_at),
        },
      ];
    });
  }

  // ---- Member side ----

  /**
   * Publishes an offer on the directory `input.directory` (a contracted node). Publishing a
   * dataset that is already offered there updates that offer (same id).
   * @throws FedGridError NOT_FOUND (dataset), DATASET_NOT_PUBLIC (only public datasets are
   *   offered), FORBIDDEN (no contract with the directory, or it is not a directory),
   *   PEER_UNREACHABLE.
   */
  async publish(input: PublishOfferInput): Promise<PublishedOfferView> {
    const inp = publishOfferSchema.parse(input);
    const ds = inp.kind === 'dataset' ? await this.deps.datasets.get(inp.dataset) : undefined;
    if (ds && ds.visibility !== 'public') {
      throw new FedGridError(
        'DATASET_NOT_PUBLIC',
        `dataset '${ds.name}' is ${ds.visibility}: only public datasets are offered in a directory (make it public first: fedgrid dataset update ${ds.name} --visibility public)`,
        { dataset: ds.id, visibility: ds.visibility },
      );
    }
    const api = await this.deps.contracts.peerApi(inp.directory);
    let wire: OfferWire;
    if (inp.kind === 'dataset') {
      if (!ds) throw errors.notFound('dataset', inp.dataset);
      const existing = await this.repo.publishedDataset(inp.directory, ds.id);
      wire = {
        id: existing?.id ?? this.newId(),
        kind: 'dataset',
        name: ds.name,
        description: inp.description ?? ds.description,
        // Public metadata only: no values, statistics or file paths.
        dataset: {
          id: ds.id,
          rows: ds.rows,
          features: ds.features.map((f) => ({ name: f.name, type: f.type })),
          label: ds.labelColumn,
        },
      };
    } else {
      wire = {
        id: this.newId(),
        kind: 'compute',
        name: inp.name,
        description: inp.description,
        compute: {
          ...(inp.cores !== undefined ? { cores: inp.cores } : {}),
          ...(inp.memoryGb !== undefined ? { memoryGb: inp.memoryGb } : {}),
          ...(inp.gpus !== undefined ? { gpus: inp.gpus } : {}),
        },
      };
    }
    await this.deps.peers.call(api, 'POST', '/v1/interconn/directory/offers', wire);
    return publishedView(
      await this.repo.savePublished({
        id: wire.id,
        directory_node_id: inp.directory,
        kind: wire.kind,
        dataset_id: wire.kind === 'dataset' ? wire.dataset.id : null,
        name: wire.name,
        description: wire.description,
        meta: json(wire.kind === 'dataset' ? wire.dataset : wire.compute),
        status: 'published',
        status_reason: null,
      }),
    );
  }

  private newId(): string {
    return `${this.deps.selfNodeId}:off-${randomUUID()}`;
  }

  /**
   * Withdraws one of our offers from its directory (unpublish). An offer the directory no
   * longer has counts as withdrawn.
   * @throws FedGridError NOT_FOUND, CONFLICT (already withdrawn), PEER_UNREACHABLE (nothing changed).
   */
  async withdraw(id: string): Promise<PublishedOfferView> {
    const r = await this.repo.published(id);
    if (!r) throw errors.notFound('offer', id);
    if (r.status !== 'published')
      throw errors.conflict(`offer ${id} is already ${r.status}`, { offer: id, status: r.status });
    let reason = 'withdrawn by its publisher';
    try {
      await this.deps.peers.call(
        await this.deps.contracts.peerApi(r.directory_node_id),
        'DELETE',
        `/v1/interconn/directory/offers/${encodeURIComponent(id)}`,
      );
    } catch (err) {
      const e = err as FedGridError;
      if (e.code !== 'PEER_REFUSED' || e.details?.['peerCode'] !== 'NOT_FOUND') throw err;
      reason = 'the directory no longer had it';
    }
    await this.repo.setPublishedStatus(id, 'withdrawn', reason);
    return publishedView((await this.repo.published(id)) as PublishedOfferRow);
  }

  /** The offers this node published (any directory). */
  async published(): Promise<PublishedOfferView[]> {
    return (await this.repo.allPublished()).map(publishedView);
  }

  /**
   * Browses a directory: the directory `directory` (a contracted node), or this node's own
   * list when it is a directory and `directory` is absent or names it.
   */
  async browse(directory: string | undefined, q: OfferQuery): Promise<Page<OfferView>> {
    if (!directory || directory === this.deps.selfNodeId) {
      if (!this.deps.enabled) {
        throw errors.validation(
          `node '${this.deps.selfNodeId}' is not a directory; name the directory to browse (directory=<node id>)`,
        );
      }
      return this.list(q);
    }
    const params = new URLSearchParams({ page: String(q.page), pageSize: String(q.pageSize) });
    if (q.q) params.set('q', q.q);
    if (q.exact) params.set('exact', 'true');
    if (q.kind) params.set('kind', q.kind);
    if (q.node) params.set('node', q.node);
    return this.deps.peers.call<Page<OfferView>>(
      await this.deps.contracts.peerApi(directory),
      'GET',
      `/v1/interconn/directory/offers?${params.toString()}`,
    );
  }
}
