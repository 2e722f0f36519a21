/**
 * The node profile (节点信息更新): this node's name, description and advertised addresses. The
 * configuration file keeps the bootstrap values; the profile, stored in the node's database,
 * overrides them. The node card served to partners (GET /v1/interconn/node, contract proposals
 * and answers, GET /v1/node) is the bootstrap card with the profile applied. After a change the
 * card is pushed to every contracted partner (节点信息同步, standard 001 §8 node update); a
 * partner that could not be reached gets it on the next health check or partner sync.
 * Docs: docs/objects/node.md.
 */
import { certificateFingerprint } from '@fedgrid/federation';
import { z } from 'zod';
import type {
  CardSource,
  ContractService,
  NodeCard,
  PartnerSyncResult,
} from '../contracts/contracts.service.js';
import { FedGridError } from '../errors/errors.js';
import { parseInput } from '../server/validate.js';
import type { ProfileRepo, ProfileRow } from './profile.repo.js';

const hostPort = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):\d{1,5}$/;

/** PATCH /v1/node: each field replaces the profile value; null restores the bootstrap value. */
export const profileUpdateSchema = z
  .object({
    name: z.string().trim().min(1).max(200).nullable().optional(),
    description: z.string().max(2000).nullable().optional(),
    apiUrl: z
      .string()
      .url()
      .refine((u) => u.startsWith('https://'), 'the API URL partners use must be https://…')
      .nullable()
      .optional(),
    dataAddress: z
      .string()
      .regex(hostPort, 'the data-plane address must be host:port, e.g. grid.example.org:9443')
      .nullable()
      .optional(),
  })
  .strict()
  .refine(
    (v) => Object.values(v).some((x) => x !== undefined),
    'give at least one of name, description, apiUrl, dataAddress',
  );
export type ProfileUpdate = z.infer<typeof profileUpdateSchema>;

type Fields = { name: string; description: string; apiUrl: string; dataAddress: string };

export interface ProfileView extends Fields {
  nodeId: string;
  fingerprint: string;
  /** Whether this node is a directory (fedgrid.yaml `directory.enabled`). */
  directory: boolean;
  /** Incremented by every update (0: never changed). */
  version: number;
  updatedAt: string | null;
  /** The values from fedgrid.yaml and the listening ports. */
  bootstrap: Fields;
  /** What the profile overrides (null: the bootstrap value applies). */
  overrides: { [K in keyof Fields]: string | null };
}

export class ProfileService implements CardSource {
  private row: ProfileRow | undefined;
  private loading: Promise<void>;

  constructor(
    private readonly repo: ProfileRepo,
    /** The bootstrap card (configuration and listening ports; valid once the node listens). */
    private readonly base: () => NodeCard,
    private readonly opts: {
      bootstrapDescription: string;
      directory: boolean;
      contracts: ContractService;
    },
  ) {
    this.loading = this.load();
    // Callers of ready() see a failure; do not also report it as unhandled.
    this.loading.catch(() => {});
  }

  /** (Re-)reads the stored profile. */
  async load(): Promise<void> {
    this.row = await this.repo.get();
  }

  /** Resolves once the stored profile has been read (rejects if the store failed). */
  ready(): Promise<void> {
    return this.loading;
  }

  /** The node card: the bootstrap card with the profile applied. */
  card(): NodeCard {
    const base = this.base();
    if (!base) return base; // not listening yet
    const p = this.row;
    return {
      ...base,
      name: p?.name ?? base.name,
      description: p?.description ?? this.opts.bootstrapDescription,
      apiUrl: p?.api_url ?? base.apiUrl,
      dataAddress: p?.data_address ?? base.dataAddress,
    };
  }

  async get(): Promise<ProfileView> {
    await this.ready();
    const base = this.base();
    if (!base)
      throw new FedGridError('INTERNAL', 'the node card is not known until the node listens');
    const card = this.card();
    const p = this.row;
    return {
      nodeId: card.nodeId,
      name: card.name,
      description: card.description ?? '',
      apiUrl: card.apiUrl,
      dataAddress: card.dataAddress,
      fingerprint: certificateFingerprint(base.certPem),
      directory: this.opts.directory,
      version: p?.version ?? 0,
      updatedAt: p ? new Date(p.updated_at).toISOString() : null,
      bootstrap: {
        name: base.name,
        description: this.opts.bootstrapDescription,
        apiUrl: base.apiUrl,
        dataAddress: base.dataAddress,
      },
      overrides: {
        name: p?.name ?? null,
        description: p?.description ?? null,
        apiUrl: p?.api_url ?? null,
        dataAddress: p?.data_address ?? null,
      },
    };
  }

  /**
   * Updates the profile and sends the new node card to every active partner.
   * @throws FedGridError VALIDATION_FAILED naming the bad field.
   */
  async update(input: unknown): Promise<{ profile: ProfileView; partners: PartnerSyncResult[] }> {
    const u = parseInput(profileUpdateSchema, input);
    await this.ready();
    const p = this.row;
    const pick = <K extends keyof ProfileUpdate>(k: K, current: string | null | undefined) =>
      u[k] === undefined ? (current ?? null) : (u[k] as string | null);
    this.row = await this.repo.save({
      name: pick('name', p?.name),
      description: pick('description', p?.description),
      api_url: pick('apiUrl', p?.api_url),
      data_address: pick('dataAddress', p?.data_address),
    });
    const partners = await this.opts.contracts.syncPartners({ health: false });
    return { profile: await this.get(), partners };
  }
}
