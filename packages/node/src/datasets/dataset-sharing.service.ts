/**
 * Dataset sharing between partners (数据集互联协议, standard 001; issue #4 item 9): what a
 * contracted partner may see of this node's datasets, the same queries asked of partners (the
 * local routes proxy them and return the partner's answer), and deleting a dataset safely.
 *
 * What a partner sees (PartnerDatasetView): id, name, description, visibility, rows, id column,
 * label column name, feature names and types — never file paths, file hashes, statistics,
 * label counts or data. Which datasets:
 *   - listed (GET /v1/interconn/datasets): `public` and `partners` datasets, to every contracted
 *     partner (`public` ones will also be offered in the directory and invitations later);
 *   - granted (GET /v1/interconn/datasets/granted): datasets with an active grant to the caller,
 *     whatever their visibility (the list is made of grants; it does not add the listed ones);
 *   - one dataset (GET /v1/interconn/datasets/:id): only if listed or granted to the caller;
 *     anything else — private and not granted, or missing — is NOT_FOUND, the same answer, so
 *     that a private dataset's existence does not leak.
 */
import type { Kysely } from 'kysely';
import type { ContractService } from '../contracts/contracts.service.js';
import { errors, FedGridError } from '../errors/errors.js';
import type { GrantApplicationService } from '../grants/grant-applications.service.js';
import type { GrantService, GrantView } from '../grants/grants.service.js';
import type { PeerClient } from '../peers/peer-client.js';
import type { Page } from '../server/paging.js';
import type { Database } from '../storage/schema.js';
import {
  partnerView,
  type DatasetService,
  type DatasetView,
  type PartnerDatasetView,
} from './datasets.service.js';

/** Visibilities listed to contracted partners. */
export const LISTED = ['public', 'partners'];

/** One active grant to the caller, as the caller sees it next to the dataset. */
export interface GrantSummary {
  id: string;
  scope: string;
  jobId: string | null;
  projectId: string | null;
  expiresAt: string | null;
  maxUses: number | null;
  uses: number;
  metered: boolean;
  status: string;
}

export interface PartnerDatasetInfo extends PartnerDatasetView {
  /** Listed to every contracted partner (public or partners). */
  listed: boolean;
  /** Active grants of this dataset to the caller. */
  grants: GrantSummary[];
}

export interface DeleteResult {
  id: string;
  name: string;
  deleted: true;
  /** Grants revoked because of `force` (their grantees were told). */
  revokedGrants: string[];
  /** Pending applications for the dataset, rejected. */
  rejectedApplications: number;
}

function summary(g: GrantView): GrantSummary {
  return {
    id: g.id,
    scope: g.scope,
    jobId: g.jobId,
    projectId: g.projectId,
    expiresAt: g.expiresAt,
    maxUses: g.maxUses,
    uses: g.uses,
    metered: g.metered,
    status: g.status,
  };
}

export interface DatasetSharingDeps {
  nodeId: string;
  db: Kysely<Database>;
  datasets: DatasetService;
  grants: GrantService;
  applications: GrantApplicationService;
  contracts: ContractService;
  peers: PeerClient;
}

/** Job states in which a job no longer uses its datasets. */
const ENDED = ['succeeded', 'failed', 'stopped'];

const enc = encodeURIComponent;

export class DatasetSharingService {
  constructor(private readonly deps: DatasetSharingDeps) {}

  /** Unfinished jobs in which a party hosted on this node reads `ds`. */
  async jobsUsing(ds: Pick<DatasetView, 'id' | 'name'>): Promise<string[]> {
    const rows = await this.deps.db
      .selectFrom('jobs')
      .select(['id', 'spec'])
      .where('status', 'not in', ENDED)
      .execute();
    const self = this.deps.nodeId;
    return rows
      .filter((r) => {
        const spec = r.spec as {
          parties?: {
            guest?: { node?: string };
            hosts?: { node?: string }[];
            arbiter?: { node?: string };
          };
          datasets?: Record<string, string>;
        };
        const nodes = new Map<string, string | undefined>([['guest', spec.parties?.guest?.node]]);
        (spec.parties?.hosts ?? []).forEach((h, k) => nodes.set(`host-${k}`, h?.node));
        if (spec.parties?.arbiter) nodes.set('arbiter', spec.parties.arbiter.node);
        return Object.entries(spec.datasets ?? {}).some(
          ([party, ref]) => nodes.get(party) === self && (ref === ds.id || ref === ds.name),
        );
      })
      .map((r) => r.id);
  }

  /**
   * Deletes one of this node's datasets. Refused while an unfinished job of this node uses it
   * (always), and while it has active grants unless `force` — which revokes them first and
   * tells the grantees. Pending applications for it are rejected.
   * @throws NOT_FOUND, CONFLICT naming the jobs or grants in the way.
   */
  async remove(idOrName: string, force = false): Promise<DeleteResult> {
    const ds = await this.deps.datasets.get(idOrName);
    const jobs = await this.jobsUsing(ds);
    if (jobs.length > 0) {
      throw new FedGridError(
        'CONFLICT',
        `dataset ${ds.name} is used by unfinished job(s) ${jobs.join(', ')}; wait for them to end or stop them (fedgrid job stop), then delete it (force does not override this)`,
        { dataset: ds.id, jobs },
      );
    }
    const active = await this.deps.grants.activeFor(ds.id);
    if (active.length > 0 && !force) {
      throw new FedGridError(
        'CONFLICT',
        `dataset ${ds.name} has ${active.length} active grant(s) (${active.map((g) => `${g.id} to ${g.grantee}`).join(', ')}); revoke them (fedgrid grant revoke) or delete with force, which revokes them and tells the grantees`,
        { dataset: ds.id, grants: active.map((g) => g.id) },
      );
    }
    const revokedGrants: string[] = [];
    for (const g of active) {
      await this.deps.grants.revoke(g.id, `dataset ${ds.name} deleted by its owner`);
      revokedGrants.push(g.id);
    }
    const rejectedApplications = await this.deps.applications.rejectPendingFor(
      ds.id,
      `dataset ${ds.name} was deleted`,
    );
    await this.deps.datasets.remove(ds.id);
    return { id: ds.id, name: ds.name, deleted: true, revokedGrants, rejectedApplications };
  }

  // Owner side: answers to partners.

  /** Datasets listed to every contracted partner (public and partners). */
  async listed(): Promise<PartnerDatasetView[]> {
    return (await this.deps.datasets.list({ visibility: LISTED })).map((d) =>
      partnerView(d, this.deps.nodeId),
    );
  }

  private async activeGrantsTo(caller: string): Promise<GrantView[]> {
    return (await this.deps.grants.list({ grantee: caller })).filter((g) => g.status === 'active');
  }

  /** Datasets with an active grant to `caller`, each with those grants. */
  async grantedTo(caller: string): Promise<PartnerDatasetInfo[]> {
    const grants = await this.activeGrantsTo(caller);
    const byDataset = new Map<string, GrantView[]>();
    for (const g of grants) byDataset.set(g.datasetId, [...(byDataset.get(g.datasetId) ?? []), g]);
    const out: PartnerDatasetInfo[] = [];
    for (const [id, gs] of byDataset) {
      const d = await this.deps.datasets.get(id).catch(() => undefined);
      if (!d) continue;
      out.push({
        ...partnerView(d, this.deps.nodeId),
        listed: LISTED.includes(d.visibility),
        grants: gs.map(summary),
      });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * One dataset as `caller` may see it: listed, or granted to it (an active grant).
   * @throws NOT_FOUND otherwise (also for private datasets, which are not acknowledged).
   */
  async infoFor(caller: string, idOrName: string): Promise<PartnerDatasetInfo> {
    const d = await this.deps.datasets.get(idOrName).catch(() => undefined);
    const grants = d ? (await this.activeGrantsTo(caller)).filter((g) => g.datasetId === d.id) : [];
    const listed = !!d && LISTED.includes(d.visibility);
    if (!d || (!listed && grants.length === 0)) throw errors.notFound('dataset', idOrName);
    return { ...partnerView(d, this.deps.nodeId), listed, grants: grants.map(summary) };
  }

  /**
   * The dataset a partner may apply for: listed, or granted to it before (in any state).
   * @throws NOT_FOUND otherwise.
   */
  async applicableFor(caller: string, idOrName: string): Promise<{ id: string; name: string }> {
    const d = await this.deps.datasets.get(idOrName).catch(() => undefined);
    if (d && LISTED.includes(d.visibility)) return { id: d.id, name: d.name };
    if (d && (await this.deps.grants.list({ grantee: caller, dataset: d.id })).length > 0)
      return { id: d.id, name: d.name };
    throw errors.notFound('dataset', idOrName);
  }

  // Requester side: the same queries asked of a partner.

  private async ask<T>(node: string, path: string): Promise<T> {
    if (node === this.deps.nodeId)
      throw errors.validation(
        `'${node}' is this node; list its own datasets with GET /v1/datasets`,
        { field: 'node' },
      );
    return this.deps.peers.call<T>(await this.deps.contracts.peerApi(node), 'GET', path);
  }

  /** A partner's listed datasets (public and partners). */
  partnerListed(node: string, query: string): Promise<Page<PartnerDatasetView>> {
    return this.ask(node, `/v1/interconn/datasets${query}`);
  }

  /** The datasets a partner has granted this node. */
  partnerGranted(node: string, query: string): Promise<Page<PartnerDatasetInfo>> {
    return this.ask(node, `/v1/interconn/datasets/granted${query}`);
  }

  /** One of a partner's datasets (listed or granted to this node). */
  partnerInfo(node: string, id: string): Promise<PartnerDatasetInfo> {
    return this.ask(node, `/v1/interconn/datasets/${enc(id)}`);
  }
}
