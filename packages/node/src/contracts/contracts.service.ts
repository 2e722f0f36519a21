/**
 * Contracts (节点签约): two nodes agree to cooperate and pin each other's certificate. One side
 * proposes, the other confirms or rejects; only then do data-plane and partner API calls pass.
 * Interconnection standard 001 §8 (node protocol: discovery, management, update); issues #3 item 2
 * and #4 item 2. States and every operation: docs/objects/contract.md and docs/objects/node.md.
 *
 *   proposer                         partner
 *   propose ── POST /v1/interconn/contracts ──▶ pending (incoming)
 *   pending (outgoing)               confirm ── POST …/contracts/:id/confirm ──▶ active
 *   active ◀─────────────────────────────────── active
 *   (callback lost) sync ── GET /v1/interconn/contracts/:id ──▶ adopts active / rejected
 *   cancel ── POST /v1/interconn/contracts/:id/cancel ──▶ cancelled (only while pending)
 *
 * One node id, one pinned certificate: a proposal for a node id that holds a live contract here is
 * refused (CONTRACT_EXISTS) unless it names that contract in `replaces`; the user confirming it
 * sees both fingerprints, and the confirmation ends the replaced contract, so the trust store and
 * the partner routes never pin two certificates for one node id (issue 10, defect 3).
 *
 * The node card a partner holds of us (name, description, addresses) is kept current: after a
 * profile change, on every health check and on a partner sync the card is pushed to each active
 * partner whose copy is stale (POST /v1/interconn/node/update), which updates its contract rows
 * and re-pins our data-plane address.
 */
import { randomUUID, X509Certificate } from 'node:crypto';
import {
  certificateCommonName,
  certificateFingerprint,
  type MemoryTrustStore,
} from '@fedgrid/federation';
import { z } from 'zod';
import { readSm2Certificate } from '@fedgrid/crypto';
import { FedGridError, errors } from '../errors/errors.js';
import type { PeerClient, PinnedApi } from '../peers/peer-client.js';
import type { ContractRow, ContractsRepo, PartnerStatusRow } from './contracts.repo.js';

export const AUTH_METHOD = 'tls-certificate-pin';

/** What a node tells a partner about itself in a proposal or its answer. */
export const nodeCardSchema = z.object({
  nodeId: z.string().min(1).max(64),
  name: z.string().min(1).max(200),
  /** Free text about the node (from its profile); older nodes omit it. */
  description: z.string().max(2000).optional(),
  apiUrl: z.string().url(),
  dataAddress: z.string().min(3),
  certPem: z.string().includes('BEGIN CERTIFICATE'),
  /**
   * The crypto suites the node signs contracts under, preferred first (issue 13 item 4). Older
   * nodes omit it: `international` only.
   */
  suites: z
    .array(z.enum(['international', 'gm']))
    .min(1)
    .max(2)
    .optional(),
  /** Under `gm`: the node's SM2 certificate (SM2-with-SM3, default user ID), PEM. */
  sm2CertPem: z.string().includes('BEGIN CERTIFICATE').max(8192).optional(),
});
export type NodeCard = z.infer<typeof nodeCardSchema>;

/** A crypto suite a contract runs under. */
export type ContractSuite = 'international' | 'gm';

/**
 * The suite two nodes' cards agree on: this node's most preferred suite the partner offers.
 * Under `gm` the partner's SM2 certificate must be a valid self-signed SM2-with-SM3 certificate
 * naming the partner node.
 * @throws FedGridError SUITE_MISMATCH when the cards share no suite (e.g. a `gm` node and an
 *   international-only partner), VALIDATION_FAILED for a bad SM2 certificate.
 */
export function negotiateSuite(
  self: Pick<NodeCard, 'suites'>,
  partner: Pick<NodeCard, 'nodeId' | 'suites' | 'sm2CertPem'>,
): { suite: ContractSuite; peerSm2CertPem: string | null } {
  const mine = self.suites ?? ['international'];
  const theirs = partner.suites ?? ['international'];
  const suite = mine.find((s) => theirs.includes(s));
  if (!suite) {
    throw new FedGridError(
      'SUITE_MISMATCH',
      `node '${partner.nodeId}' offers the crypto suite(s) ${theirs.join(', ')}, this node requires ${mine.join(' or ')}: ${
        mine.includes('gm')
          ? `a 'gm' node (SM2/SM3/SM4, standard 001 §9.1 b) signs contracts only with partners running the gm suite; the partner must be a node created with \`fedgrid node init --suite gm\``
          : `this node runs the international suite only; the partner requires the national (gm) suite`
      }`,
      { peer: partner.nodeId, offered: theirs, required: mine },
    );
  }
  if (suite !== 'gm') return { suite, peerSm2CertPem: null };
  if (!partner.sm2CertPem)
    throw errors.validation(
      `node '${partner.nodeId}' offers the gm suite without an SM2 certificate`,
      {
        peer: partner.nodeId,
      },
    );
  let info: ReturnType<typeof readSm2Certificate>;
  try {
    info = readSm2Certificate(partner.sm2CertPem);
  } catch (err) {
    throw errors.validation(
      `node '${partner.nodeId}': SM2 certificate: ${(err as Error).message}`,
      {
        peer: partner.nodeId,
      },
    );
  }
  if (info.commonName !== partner.nodeId)
    throw errors.validation(
      `node '${partner.nodeId}': its SM2 certificate names '${info.commonName}'`,
      { peer: partner.nodeId },
    );
  if (info.notAfter < new Date())
    throw errors.validation(`node '${partner.nodeId}': its SM2 certificate has expired`, {
      peer: partner.nodeId,
    });
  return { suite, peerSm2CertPem: partner.sm2CertPem };
}

/** Node information update pushed to partners (节点信息同步); the certificate never changes. */
export const nodeUpdateSchema = nodeCardSchema.omit({
  certPem: true,
  suites: true,
  sm2CertPem: true,
});
export type NodeUpdate = z.infer<typeof nodeUpdateSchema>;

/** What a partner holds of our card; a change of any of these fields is pushed. */
export function cardDigest(
  card: Pick<NodeCard, 'name' | 'description' | 'apiUrl' | 'dataAddress'>,
) {
  return JSON.stringify([card.name, card.description ?? '', card.apiUrl, card.dataAddress]);
}

/** Where the node's own card comes from (the profile service; by default the bootstrap card). */
export interface CardSource {
  card(): NodeCard;
  /** Resolves once card() reflects the stored profile. */
  ready(): Promise<void>;
}

export const proposalSchema = z.object({
  contractId: z.string().uuid(),
  from: nodeCardSchema,
  description: z.string().max(2000).default(''),
  authMethod: z.literal(AUTH_METHOD),
  validUntil: z.string().datetime(),
  /**
   * The live contract with the same node id that this one replaces once confirmed (a new
   * certificate, or a renewal). Required when such a contract exists.
   */
  replaces: z.string().uuid().optional(),
});
export type Proposal = z.infer<typeof proposalSchema>;

export interface ContractView {
  id: string;
  peer: { nodeId: string; name: string; apiUrl: string; dataAddress: string; fingerprint: string };
  direction: 'outgoing' | 'incoming';
  status: string;
  statusReason: string | null;
  description: string;
  authMethod: string;
  validUntil: string;
  createdAt: string;
  /**
   * The contract this one replaces once confirmed, as held here: its state and the fingerprint
   * it pins (compare with `peer.fingerprint`, the certificate this contract would pin); status
   * and fingerprint are null when this node does not hold it. Null: it replaces nothing.
   */
  replaces: { id: string; status: string | null; fingerprint: string | null } | null;
  /** The crypto suite agreed (issue 13 item 4): `gm` when both nodes run the national suite. */
  suite: ContractSuite;
}

/**
 * The API view of a contract row; `replaced` is the row of the contract it replaces, when this
 * node holds it.
 */
export function contractView(r: ContractRow, replaced?: ContractRow): ContractView {
  const expired = r.status === 'active' && new Date(r.valid_until) <= new Date();
  return {
    id: r.id,
    peer: {
      nodeId: r.peer_node_id,
      name: r.peer_name,
      apiUrl: r.peer_api_url,
      dataAddress: r.peer_data_address,
      fingerprint: r.peer_fingerprint,
    },
    direction: r.direction as ContractView['direction'],
    status: expired ? 'expired' : r.status,
    statusReason: r.status_reason,
    description: r.description,
    authMethod: r.auth_method,
    validUntil: new Date(r.valid_until).toISOString(),
    createdAt: new Date(r.created_at).toISOString(),
    replaces: r.replaces
      ? {
          id: r.replaces,
          status: replaced ? contractView(replaced).status : null,
          fingerprint: replaced?.peer_fingerprint ?? null,
        }
      : null,
    suite: r.suite === 'gm' ? 'gm' : 'international',
  };
}

export interface TlsPeer {
  certPem: string;
  fingerprint: string;
}

/** A contracted node as the partner list shows it (GET /v1/partners). */
export interface PartnerView {
  nodeId: string;
  name: string;
  description: string | null;
  apiUrl: string;
  dataAddress: string;
  fingerprint: string;
  contract: { id: string; direction: string; status: string; validUntil: string };
  /** Last successful health check (ours of them), if any. */
  lastHealthyAt: string | null;
  lastHealthAt: string | null;
  lastHealthError: string | null;
  /** Whether the partner holds our current node card (name, description, addresses). */
  nodeInfo: { current: boolean; syncedAt: string | null; error: string | null };
}

/** The outcome of a partner sync for one contract. */
export interface PartnerSyncResult {
  contract: string;
  peer: string;
  health: 'ok' | 'failed' | 'skipped';
  nodeInfo: 'sent' | 'up-to-date' | 'failed' | 'skipped';
  error?: string;
}

/** The status query answer (GET /v1/interconn/contracts/:id). */
export interface ContractStatus {
  id: string;
  status: string;
  statusReason: string | null;
  validUntil: string;
}

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

function partnerView(
  c: ContractRow,
  ps: PartnerStatusRow | undefined,
  current: string,
): PartnerView {
  const v = contractView(c);
  return {
    nodeId: c.peer_node_id,
    name: c.peer_name,
    description: ps?.peer_description ?? null,
    apiUrl: c.peer_api_url,
    dataAddress: c.peer_data_address,
    fingerprint: c.peer_fingerprint,
    contract: { id: c.id, direction: v.direction, status: v.status, validUntil: v.validUntil },
    lastHealthyAt: iso(ps?.last_healthy_at),
    lastHealthAt: iso(ps?.last_health_at),
    lastHealthError: ps?.last_health_error ?? null,
    nodeInfo: {
      current: ps?.card_known === current,
      syncedAt: iso(ps?.card_synced_at),
      error: ps?.card_sync_error ?? null,
    },
  };
}

/** Whether `err` is a partner's refusal with error code `code`; returns the partner's details. */
function refusedWith(err: unknown, code: string): Record<string, unknown> | undefined {
  if (!(err instanceof FedGridError) || err.code !== 'PEER_REFUSED') return undefined;
  if (err.details?.['peerCode'] !== code) return undefined;
  return (err.details['peerDetails'] as Record<string, unknown> | undefined) ?? {};
}

/** Bounds on the proposals nodes without a contract can make this node store. */
export interface ProposalLimits {
  /**
   * Pending incoming proposals per client certificate.
   * @default 3
   */
  pendingPerClient?: number;
  /**
   * Pending incoming proposals in all.
   * @default 100
   */
  pendingTotal?: number;
}

export class ContractService {
  private cardSource: CardSource;
  private readonly limits: Required<ProposalLimits>;

  constructor(
    private readonly repo: ContractsRepo,
    self: () => NodeCard,
    private readonly peers: PeerClient,
    private readonly trust: MemoryTrustStore,
    limits: ProposalLimits = {},
  ) {
    this.cardSource = { card: self, ready: async () => {} };
    this.limits = { pendingPerClient: 3, pendingTotal: 100, ...limits };
  }

  /** Takes the node card from `source` (the profile) instead of the bootstrap card. */
  useCardSource(source: CardSource): void {
    this.cardSource = source;
  }

  /** Our card as partners should see it (waits for the profile to be loaded). */
  private async card(): Promise<NodeCard> {
    await this.cardSource.ready();
    return this.cardSource.card();
  }

  /**
   * Re-reads the active contracts into the data-plane trust store. Also waits for the node
   * profile, so that a node that awaits this at start serves its profile's card from the first
   * request on.
   */
  async refreshTrust(): Promise<void> {
    await this.cardSource.ready();
    const active = await this.live();
    this.trust.replace(
      active.map((c) => ({
        nodeId: c.peer_node_id,
        address: c.peer_data_address,
        certPem: c.peer_cert_pem,
        fingerprint: c.peer_fingerprint,
      })),
    );
  }

  /**
   * Proposes a contract to the node at `peerApiUrl`. First its public node card is read (first
   * contact, `GET /v1/interconn/node`: nothing is stored there) with the certificate it presents;
   * with `expectedFingerprint` (obtained out of band) any other certificate is refused before the
   * proposal is sent. The proposal then goes over a connection pinned to that certificate.
   * @throws FedGridError CERTIFICATE_MISMATCH (nothing was proposed), PEER_UNREACHABLE,
   *   PEER_REFUSED.
   */
  async propose(input: {
    peerApiUrl: string;
    expectedFingerprint?: string;
    description?: string;
    validDays?: number;
    /** The live contract with this partner that the new one replaces once confirmed. */
    replaces?: string;
  }): Promise<ContractView> {
    const id = randomUUID();
    const validUntil = new Date(Date.now() + (input.validDays ?? 365) * 86_400_000).toISOString();
    const self = await this.card();
    const seen = await this.peers.firstContact<unknown>(
      input.peerApiUrl,
      'GET',
      '/v1/interconn/node',
      undefined,
      input.expectedFingerprint,
    );
    const partner = this.presentedCard(input.peerApiUrl, seen.body, seen.fingerprint);
    // Refused before anything is sent: a gm node proposes nothing to an international-only node.
    negotiateSuite(self, partner);
    await this.assertReplaceable(partner.nodeId, input.replaces);
    const proposal: Proposal = {
      contractId: id,
      from: self,
      description: input.description ?? '',
      authMethod: AUTH_METHOD,
      validUntil,
      ...(input.replaces ? { replaces: input.replaces } : {}),
    };
    // Pinned to the certificate just seen: a different one fails the TLS handshake, before the
    // request is sent.
    const answer = await this.peers.call<unknown>(
      {
        nodeId: partner.nodeId,
        apiUrl: input.peerApiUrl,
        certPem: seen.certPem,
        fingerprint: seen.fingerprint,
      },
      'POST',
      '/v1/interconn/contracts',
      proposal,
    );
    const card = this.presentedCard(input.peerApiUrl, answer, seen.fingerprint);
    if (card.nodeId !== partner.nodeId)
      throw new FedGridError(
        'CERTIFICATE_MISMATCH',
        `${input.peerApiUrl} answered the proposal as node '${card.nodeId}', but its card names '${partner.nodeId}'`,
        { seen: seen.fingerprint },
      );
    const agreed = negotiateSuite(self, card);
    await this.repo.insert({
      id,
      suite: agreed.suite,
      peer_sm2_cert_pem: agreed.peerSm2CertPem,
      peer_node_id: card.nodeId,
      peer_name: card.name,
      peer_api_url: card.apiUrl,
      peer_data_address: card.dataAddress,
      peer_cert_pem: card.certPem,
      peer_fingerprint: seen.fingerprint,
      direction: 'outgoing',
      status: 'pending',
      status_reason: null,
      description: proposal.description,
      auth_method: AUTH_METHOD,
      valid_until: validUntil,
      replaces: input.replaces ?? null,
    });
    await this.repo.setPartnerStatus(id, {
      peer_description: card.description ?? null,
      card_known: cardDigest(self),
    });
    return this.get(id);
  }

  /**
   * A new contract with `nodeId` may come about only if every live contract with that node id is
   * the one it `replaces` (checked when proposing, receiving and confirming).
   * @throws FedGridError CONTRACT_EXISTS naming the live contract (its id and pinned fingerprint
   *   only when `caller` presents that very certificate, or is this node's user).
   */
  private async assertReplaceable(
    nodeId: string,
    replaces: string | undefined,
    opts: { except?: string; caller?: string } = {},
  ): Promise<void> {
    const others = (await this.repo.active()).filter(
      (r) => r.peer_node_id === nodeId && r.id !== opts.except && r.id !== replaces,
    );
    const live = others[0];
    if (!live) {
      if (replaces) {
        const r = await this.repo.get(replaces);
        if (r && r.peer_node_id !== nodeId)
          throw errors.validation(
            `contract ${replaces} is not with node '${nodeId}'; a contract replaces only one with the same node`,
            { contract: replaces, peer: nodeId },
          );
      }
      return;
    }
    if (opts.caller !== undefined && opts.caller !== live.peer_fingerprint) {
      // Another certificate claiming this node id: do not tell it which contract or certificate
      // is pinned. A node whose certificate really changed knows its contract's id.
      throw new FedGridError(
        'CONTRACT_EXISTS',
        `node '${nodeId}' already has an active contract here, pinned to another certificate; a proposal from a new certificate must name the contract it replaces (replaces), and this node's user confirms it only after comparing both fingerprints`,
        { peer: nodeId },
      );
    }
    throw new FedGridError(
      'CONTRACT_EXISTS',
      `contract ${live.id} with node '${nodeId}' is active (certificate ${live.peer_fingerprint}); name it to replace it (replaces: ${live.id}, CLI --replaces ${live.id}), or terminate it first`,
      { contract: live.id, peer: nodeId, fingerprint: live.peer_fingerprint },
    );
  }

  /**
   * A partner's node card as read from `apiUrl` over a connection presenting the certificate
   * `fingerprint`: it must carry that certificate, whose subject names the node.
   * @throws FedGridError CERTIFICATE_MISMATCH, VALIDATION_FAILED.
   */
  private presentedCard(apiUrl: string, body: unknown, fingerprint: string): NodeCard {
    const card = nodeCardSchema.parse(body);
    if (certificateFingerprint(card.certPem) !== fingerprint) {
      throw new FedGridError(
        'CERTIFICATE_MISMATCH',
        `${apiUrl} answered with a certificate other than the one it presented`,
        { seen: fingerprint },
      );
    }
    if (certificateCommonName(card.certPem) !== card.nodeId) {
      throw errors.validation(
        `${apiUrl}: the certificate subject does not name node '${card.nodeId}'`,
        { peer: card.nodeId },
      );
    }
    return card;
  }

  /** Partner side of {@link propose}: records a pending incoming contract. */
  async receiveProposal(body: unknown, tls: TlsPeer): Promise<NodeCard> {
    const p = proposalSchema.parse(body);
    const fp = certificateFingerprint(p.from.certPem);
    if (fp !== tls.fingerprint) {
      throw new FedGridError(
        'CERTIFICATE_MISMATCH',
        `the proposal's certificate ${fp} is not the TLS client certificate ${tls.fingerprint}`,
      );
    }
    if (certificateCommonName(p.from.certPem) !== p.from.nodeId) {
      throw new FedGridError(
        'VALIDATION_FAILED',
        `certificate subject does not name node '${p.from.nodeId}'`,
      );
    }
    const self = await this.card();
    if (p.from.nodeId === self.nodeId)
      throw errors.validation('a node cannot sign a contract with itself');
    if (new Date(new X509Certificate(p.from.certPem).validTo) < new Date())
      throw errors.validation('the proposer certificate has expired');
    if (new Date(p.validUntil) <= new Date())
      throw errors.validation(`the proposed validity ended already (${p.validUntil})`);
    if (await this.repo.get(p.contractId))
      throw errors.conflict(`contract ${p.contractId} already exists`);
    const agreed = negotiateSuite(self, p.from);
    await this.assertReplaceable(p.from.nodeId, p.replaces, { caller: fp });
    await this.assertRoomForProposal(fp);
    if (p.replaces) {
      const r = await this.repo.get(p.replaces);
      if (!r || r.peer_node_id !== p.from.nodeId || r.status !== 'active') {
        // The same answer whether the contract does not exist or is someone else's.
        throw new FedGridError(
          'CONTRACT_STATE',
          `contract ${p.replaces} is no active contract with node '${p.from.nodeId}' here; there is nothing to replace (leave replaces out)`,
          { contract: p.replaces },
        );
      }
    }
    await this.repo.insert({
      id: p.contractId,
      suite: agreed.suite,
      peer_sm2_cert_pem: agreed.peerSm2CertPem,
      peer_node_id: p.from.nodeId,
      peer_name: p.from.name,
      peer_api_url: p.from.apiUrl,
      peer_data_address: p.from.dataAddress,
      peer_cert_pem: p.from.certPem,
      peer_fingerprint: fp,
      direction: 'incoming',
      status: 'pending',
      status_reason: null,
      description: p.description,
      auth_method: p.authMethod,
      valid_until: p.validUntil,
      replaces: p.replaces ?? null,
    });
    await this.repo.setPartnerStatus(p.contractId, {
      peer_description: p.from.description ?? null,
      card_known: cardDigest(self),
    });
    return self;
  }

  private async pending(
    id: string,
    direction: 'incoming' | 'outgoing',
    what = 'answered',
  ): Promise<ContractRow> {
    const c = await this.repo.get(id);
    if (!c) throw errors.notFound('contract', id);
    if (c.direction !== direction || c.status !== 'pending') {
      throw new FedGridError(
        'CONTRACT_STATE',
        `contract ${id} is ${c.status} (${c.direction}); only a pending ${direction} contract can be ${what} here`,
        { contract: id, status: contractView(c).status, direction: c.direction },
      );
    }
    return c;
  }

  private api(c: ContractRow): PinnedApi {
    return {
      nodeId: c.peer_node_id,
      apiUrl: c.peer_api_url,
      certPem: c.peer_cert_pem,
      fingerprint: c.peer_fingerprint,
      ...(c.suite === 'gm' && c.peer_sm2_cert_pem && c.status === 'active'
        ? { sm2CertPem: c.peer_sm2_cert_pem }
        : {}),
    };
  }

  /**
   * Confirms an incoming proposal: pins the proposer and tells it (callback). A replacement ends
   * the contract it replaces first (terminated, 'replaced by …'; its partner is told over the
   * certificate that contract pins), so that only the new certificate is pinned.
   * @throws FedGridError CONTRACT_STATE, CONTRACT_EXISTS (another live contract with the node).
   */
  async confirm(id: string): Promise<ContractView> {
    const c = await this.pending(id, 'incoming');
    await this.assertReplaceable(c.peer_node_id, c.replaces ?? undefined, { except: id });
    if (c.replaces) {
      const old = await this.repo.get(c.replaces);
      if (old && (await this.endReplaced(old, id)))
        await this.peers
          .call(this.api(old), 'POST', `/v1/interconn/contracts/${old.id}/terminate`, {
            reason: `replaced by contract ${id}`,
          })
          .catch(() => undefined);
    }
    await this.repo.setStatus(id, 'active');
    await this.refreshTrust();
    try {
      await this.peers.call(this.api(c), 'POST', `/v1/interconn/contracts/${id}/confirm`, {});
    } catch (err) {
      if (refusedWith(err, 'CONTRACT_STATE')?.['status'] === 'cancelled') {
        // The proposer cancelled while we could not be told: the contract never came about.
        await this.repo.setStatus(
          id,
          'cancelled',
          `cancelled by ${c.peer_node_id} before the confirmation`,
        );
        await this.refreshTrust();
      } else {
        // The proposer can still learn the outcome by querying (sync); keep our side active.
        await this.repo.setStatus(
          id,
          'active',
          `callback to proposer failed: ${(err as Error).message}`,
        );
      }
    }
    return this.get(id);
  }

  /**
   * Bounds what an uncontracted client can make us store: pending proposals per certificate and
   * in all (answering or cancelling one frees its place).
   * @throws FedGridError PROPOSALS_LIMIT (429).
   */
  private async assertRoomForProposal(fingerprint: string): Promise<void> {
    const { pendingPerClient, pendingTotal } = this.limits;
    if ((await this.repo.pendingIncoming(fingerprint)) >= pendingPerClient)
      throw new FedGridError(
        'PROPOSALS_LIMIT',
        `certificate ${fingerprint} has ${pendingPerClient} pending proposals here already (the most one client may have); wait until they are answered or cancel one`,
        { fingerprint, limit: pendingPerClient },
      );
    if ((await this.repo.pendingIncoming()) >= pendingTotal)
      throw new FedGridError(
        'PROPOSALS_LIMIT',
        `this node holds ${pendingTotal} pending proposals (its limit); try again once its user has answered some`,
        { limit: pendingTotal },
      );
  }

  /** Ends `old` because contract `by` replaces it; resolves with whether it was active. */
  private async endReplaced(old: ContractRow, by: string): Promise<boolean> {
    return this.repo.transition(old.id, 'active', 'terminated', `replaced by contract ${by}`);
  }

  /** Rejects an incoming proposal. */
  async reject(id: string, reason = 'rejected'): Promise<ContractView> {
    const c = await this.pending(id, 'incoming');
    await this.repo.setStatus(id, 'rejected', reason);
    await this.peers
      .firstContact(
        c.peer_api_url,
        'POST',
        `/v1/interconn/contracts/${id}/reject`,
        { reason },
        c.peer_fingerprint,
      )
      .catch(() => undefined);
    return contractView((await this.repo.get(id)) as ContractRow);
  }

  /** Proposer side: the partner confirmed (called by the partner, authenticated by its pinned certificate). */
  async onConfirmed(id: string, tls: TlsPeer): Promise<void> {
    const c = await this.pending(id, 'outgoing');
    if (c.peer_fingerprint !== tls.fingerprint) {
      throw new FedGridError(
        'PEER_NOT_PINNED',
        `certificate ${tls.fingerprint} is not the one pinned for contract ${id}`,
      );
    }
    await this.activateOutgoing(c, null);
  }

  /**
   * Our pending proposal `c` came about: the contract it replaces ends, then `c` becomes active.
   * Resolves with whether `c` changed (it was still pending).
   * @throws FedGridError CONTRACT_EXISTS when another live contract with the node exists here.
   */
  private async activateOutgoing(c: ContractRow, reason: string | null): Promise<boolean> {
    await this.assertReplaceable(c.peer_node_id, c.replaces ?? undefined, { except: c.id });
    if (c.replaces) {
      const old = await this.repo.get(c.replaces);
      if (old) await this.endReplaced(old, c.id);
    }
    const changed = await this.repo.transition(c.id, 'pending', 'active', reason);
    await this.refreshTrust();
    return changed;
  }

  /** Proposer side: the partner rejected. */
  async onRejected(id: string, tls: TlsPeer, reason: string): Promise<void> {
    const c = await this.pending(id, 'outgoing');
    if (c.peer_fingerprint !== tls.fingerprint) {
      throw new FedGridError(
        'PEER_NOT_PINNED',
        `certificate ${tls.fingerprint} is not the one pinned for contract ${id}`,
      );
    }
    await this.repo.setStatus(id, 'rejected', reason);
  }

  /**
   * Ends an active contract (either side); the partner is told when reachable. A pending
   * contract is cancelled (our proposal) or rejected (the partner's proposal) instead.
   */
  async terminate(id: string, reason = 'terminated'): Promise<ContractView> {
    const c = await this.repo.get(id);
    if (!c) throw errors.notFound('contract', id);
    if (c.status !== 'active' && c.status !== 'pending') {
      throw new FedGridError('CONTRACT_STATE', `contract ${id} is already ${c.status}`, {
        contract: id,
        status: c.status,
      });
    }
    if (c.status === 'pending')
      return c.direction === 'outgoing' ? this.cancel(id, reason) : this.reject(id, reason);
    await this.peers
      .call(this.api(c), 'POST', `/v1/interconn/contracts/${id}/terminate`, { reason })
      .catch(() => undefined);
    await this.repo.setStatus(id, 'terminated', reason);
    await this.refreshTrust();
    return contractView((await this.repo.get(id)) as ContractRow);
  }

  /** The partner terminated (called with the certificate the contract pins). */
  async onTerminated(id: string, tls: TlsPeer, reason: string): Promise<void> {
    const c = await this.repo.get(id);
    if (!c || c.peer_fingerprint !== tls.fingerprint) throw errors.notFound('contract', id);
    const peerNodeId = c.peer_node_id;
    await this.repo.setStatus(id, 'terminated', `terminated by ${peerNodeId}: ${reason}`);
    await this.refreshTrust();
  }

  /**
   * Cancels our pending proposal (节点签约取消) and tells the partner, whose copy becomes
   * cancelled. A partner that cannot be reached learns it from its status query (sync) or when
   * its confirmation is refused.
   * @throws FedGridError CONTRACT_STATE when the contract is not a pending proposal of ours, or
   *   when the partner answered it already (its answer is then adopted here: see {@link sync}).
   */
  async cancel(id: string, reason = 'cancelled by the proposer'): Promise<ContractView> {
    const c = await this.pending(id, 'outgoing', 'cancelled');
    let note = '';
    try {
      await this.peers.call(this.api(c), 'POST', `/v1/interconn/contracts/${id}/cancel`, {
        reason,
      });
    } catch (err) {
      if (refusedWith(err, 'CONTRACT_STATE')) {
        const synced = await this.sync(id);
        throw new FedGridError(
          'CONTRACT_STATE',
          `contract ${id} was already answered by '${c.peer_node_id}' (${synced.partnerStatus}); it is now ${synced.status} here too${synced.status === 'active' ? ' — terminate it to end it' : ''}`,
          { contract: id, status: synced.status },
        );
      }
      note = ` (partner not told: ${(err as Error).message}; it learns on its next status query)`;
    }
    await this.repo.transition(id, 'pending', 'cancelled', reason + note);
    return contractView((await this.repo.get(id)) as ContractRow);
  }

  /** Partner side of {@link cancel}: the proposer withdrew its proposal. Idempotent. */
  async onCancelled(id: string, tls: TlsPeer, reason: string): Promise<ContractStatus> {
    const c = await this.pinnedRow(id, tls);
    if (c.status !== 'cancelled') {
      await this.pending(id, 'incoming', 'cancelled by its proposer');
      await this.repo.transition(
        id,
        'pending',
        'cancelled',
        `cancelled by ${c.peer_node_id}: ${reason}`,
      );
    }
    return this.status((await this.repo.get(id)) as ContractRow);
  }

  /** The contract `id` as held here, if `tls` is the certificate it pins. */
  private async pinnedRow(id: string, tls: TlsPeer): Promise<ContractRow> {
    const c = await this.repo.get(id);
    if (!c) throw errors.notFound('contract', id);
    if (c.peer_fingerprint !== tls.fingerprint) {
      throw new FedGridError(
        'PEER_NOT_PINNED',
        `certificate ${tls.fingerprint} is not the one pinned for contract ${id}`,
      );
    }
    return c;
  }

  private status(c: ContractRow): ContractStatus {
    const v = contractView(c);
    return { id: v.id, status: v.status, statusReason: v.statusReason, validUntil: v.validUntil };
  }

  /**
   * Partner side of the status query (节点合约查询): the contract as held here, for the node its
   * certificate pins (whatever the state: the query is the fallback for lost callbacks).
   */
  async statusFor(id: string, tls: TlsPeer): Promise<ContractStatus> {
    return this.status(await this.pinnedRow(id, tls));
  }

  /**
   * Asks the partner for its copy of contract `id` (the fallback when a callback was lost) and
   * adopts its answer: our pending proposal becomes active, rejected or cancelled; our pending
   * copy of its proposal becomes cancelled; an active contract it ended becomes terminated.
   * @throws FedGridError PEER_UNREACHABLE / PEER_REFUSED / CERTIFICATE_MISMATCH.
   */
  async sync(id: string): Promise<ContractView & { partnerStatus: string; changed: boolean }> {
    const c = await this.repo.get(id);
    if (!c) throw errors.notFound('contract', id);
    const theirs = await this.peers.call<ContractStatus>(
      this.api(c),
      'GET',
      `/v1/interconn/contracts/${encodeURIComponent(id)}`,
    );
    const from = `'${c.peer_node_id}'`;
    let to: [string, string | null] | undefined;
    if (c.status === 'pending' && c.direction === 'outgoing') {
      if (theirs.status === 'active' || theirs.status === 'expired')
        to = ['active', `confirmed by ${from} (learnt by status query)`];
      else if (theirs.status === 'rejected')
        to = ['rejected', theirs.statusReason ?? `rejected by ${from}`];
      else if (theirs.status === 'cancelled' || theirs.status === 'terminated')
        to = ['cancelled', `${theirs.status} at ${from}: ${theirs.statusReason ?? ''}`.trim()];
    } else if (c.status === 'pending' && c.direction === 'incoming') {
      if (theirs.status === 'cancelled')
        to = ['cancelled', `cancelled by ${from} (learnt by status query)`];
    } else if (c.status === 'active') {
      if (['terminated', 'cancelled', 'rejected'].includes(theirs.status))
        to = ['terminated', `${theirs.status} at ${from}: ${theirs.statusReason ?? ''}`.trim()];
    }
    let changed = false;
    if (to && to[0] === 'active' && c.status === 'pending') {
      changed = await this.activateOutgoing(c, to[1]);
    } else if (to) {
      changed = await this.repo.transition(id, c.status, to[0], to[1]);
      if (changed) await this.refreshTrust();
    }
    return {
      ...(await this.get(id)),
      partnerStatus: theirs.status,
      changed,
    };
  }

  /**
   * Calls the partner's health endpoint over the pinned connection, records the outcome, and
   * sends the partner our node card if its copy is stale (a retry of a lost node update).
   * @throws FedGridError CERTIFICATE_MISMATCH naming the fingerprint the partner presented,
   *   PEER_UNREACHABLE, or PEER_REFUSED.
   */
  async health(id: string): Promise<{
    contract: string;
    peer: string;
    status: string;
    time: string;
    nodeInfo: PartnerSyncResult['nodeInfo'];
  }> {
    const c = await this.repo.get(id);
    if (!c) throw errors.notFound('contract', id);
    const view = contractView(c);
    if (view.status !== 'active')
      throw new FedGridError(
        'CONTRACT_STATE',
        `contract ${id} is ${view.status}; only an active contract can be checked`,
        { contract: id, status: view.status },
      );
    const r = await this.checkHealth(c);
    const pushed = await this.pushCard(c);
    return {
      contract: id,
      peer: c.peer_node_id,
      status: r.status,
      time: r.time,
      nodeInfo: pushed.nodeInfo,
    };
  }

  private async checkHealth(c: ContractRow): Promise<{ status: string; time: string }> {
    const at = new Date();
    try {
      const r = await this.peers.call<{ status: string; time: string }>(
        this.api(c),
        'GET',
        '/v1/interconn/health',
      );
      await this.repo.setPartnerStatus(c.id, {
        last_health_at: at,
        last_healthy_at: at,
        last_health_error: null,
      });
      return r;
    } catch (err) {
      await this.repo.setPartnerStatus(c.id, {
        last_health_at: at,
        last_health_error: (err as Error).message,
      });
      throw err;
    }
  }

  /**
   * Sends our node card to the partner of `c` unless it holds the current one already
   * (`force`: send anyway). Never throws: the outcome is recorded and returned.
   */
  private async pushCard(c: ContractRow, force = false): Promise<PartnerSyncResult> {
    const result = (nodeInfo: PartnerSyncResult['nodeInfo'], error?: string) => ({
      contract: c.id,
      peer: c.peer_node_id,
      health: 'skipped' as const,
      nodeInfo,
      ...(error ? { error } : {}),
    });
    const card = await this.card();
    const digest = cardDigest(card);
    const ps = await this.repo.partnerStatus(c.id);
    if (!force && ps?.card_known === digest) return result('up-to-date');
    const update: NodeUpdate = {
      nodeId: card.nodeId,
      name: card.name,
      ...(card.description !== undefined ? { description: card.description } : {}),
      apiUrl: card.apiUrl,
      dataAddress: card.dataAddress,
    };
    try {
      await this.peers.call(this.api(c), 'POST', '/v1/interconn/node/update', update);
      await this.repo.setPartnerStatus(c.id, {
        card_known: digest,
        card_synced_at: new Date(),
        card_sync_error: null,
      });
      return result('sent');
    } catch (err) {
      const message = (err as Error).message;
      await this.repo.setPartnerStatus(c.id, { card_sync_error: message });
      return result('failed', message);
    }
  }

  /**
   * Node information sync (节点信息同步): for every active partner, a health check (unless
   * `health` is false) and our node card if its copy is stale. Partners are handled in parallel;
   * failures are recorded and reported per partner, never thrown.
   */
  async syncPartners(
    opts: { health?: boolean; force?: boolean } = {},
  ): Promise<PartnerSyncResult[]> {
    const rows = await this.repo.active();
    return Promise.all(
      rows.map(async (c): Promise<PartnerSyncResult> => {
        let health: PartnerSyncResult['health'] = 'skipped';
        if (opts.health !== false) {
          try {
            await this.checkHealth(c);
            health = 'ok';
          } catch (err) {
            return {
              contract: c.id,
              peer: c.peer_node_id,
              health: 'failed',
              nodeInfo: 'skipped',
              error: (err as Error).message,
            };
          }
        }
        return { ...(await this.pushCard(c, opts.force)), health };
      }),
    );
  }

  /**
   * Partner side of the node information sync: a contracted partner tells us its new name,
   * description or addresses. Updates every live contract pinning its certificate and re-pins
   * its data-plane address.
   */
  async onPeerUpdate(
    peerNodeId: string,
    body: unknown,
    tls: TlsPeer,
  ): Promise<{ nodeId: string; contracts: string[] }> {
    const u = nodeUpdateSchema.parse(body);
    if (u.nodeId !== peerNodeId) {
      throw new FedGridError(
        'FORBIDDEN',
        `node '${peerNodeId}' cannot update the information of node '${u.nodeId}'`,
        { peer: peerNodeId },
      );
    }
    const ids = await this.repo.updatePeer(peerNodeId, tls.fingerprint, u);
    for (const id of ids)
      await this.repo.setPartnerStatus(id, { peer_description: u.description ?? null });
    await this.refreshTrust();
    return { nodeId: peerNodeId, contracts: ids };
  }

  /** Contracted partners (active contracts, including expired ones) with their state. */
  async partners(): Promise<PartnerView[]> {
    const [rows, states, card] = await Promise.all([
      this.repo.list(),
      this.repo.allPartnerStatus(),
      this.card(),
    ]);
    const current = cardDigest(card);
    return rows
      .filter((c) => c.status === 'active')
      .map((c) => partnerView(c, states.get(c.id), current));
  }

  /**
   * One partner (节点基本信息查询): what we hold of it, and its card as it answers now over the
   * pinned connection (`live`; null with `liveError` when it cannot be reached).
   */
  async partner(
    nodeId: string,
  ): Promise<PartnerView & { live: NodeCard | null; liveError: string | null }> {
    const c = await this.activeWith(nodeId);
    const [ps, card] = await Promise.all([this.repo.partnerStatus(c.id), this.card()]);
    const view = partnerView(c, ps, cardDigest(card));
    try {
      const live = nodeCardSchema.parse(
        await this.peers.call<unknown>(this.api(c), 'GET', '/v1/interconn/node'),
      );
      return { ...view, live, liveError: null };
    } catch (err) {
      return { ...view, live: null, liveError: (err as Error).message };
    }
  }

  async list(): Promise<ContractView[]> {
    const rows = await this.repo.list();
    const byId = new Map(rows.map((r) => [r.id, r]));
    return rows.map((r) => contractView(r, r.replaces ? byId.get(r.replaces) : undefined));
  }

  async get(id: string): Promise<ContractView> {
    const c = await this.repo.get(id);
    if (!c) throw errors.notFound('contract', id);
    return contractView(c, c.replaces ? await this.repo.get(c.replaces) : undefined);
  }

  /**
   * The live contracts that pin a partner: active and unexpired, one per node id. Confirmations
   * keep a node id to one live contract; should a store hold more (from before that rule), the
   * oldest keeps the node id and the others pin nothing, so that a later contract claiming an
   * existing node id can never take over its partner.
   */
  private async live(): Promise<ContractRow[]> {
    const rows = (await this.repo.active()).sort(
      (a, b) =>
        new Date(a.created_at).getTime() - new Date(b.created_at).getTime() ||
        a.id.localeCompare(b.id),
    );
    const seen = new Set<string>();
    return rows.filter((r) => !seen.has(r.peer_node_id) && !!seen.add(r.peer_node_id));
  }

  /**
   * Forgets the active contracts this node reuses between requests (ContractsRepo): needed only
   * after a contract was changed in the store without this service (an operator's SQL, a test).
   */
  forgetCachedContracts(): void {
    this.repo.forget();
  }

  /** The active, unexpired contract with `nodeId`. @throws FORBIDDEN when there is none. */
  async activeWith(nodeId: string): Promise<ContractRow> {
    const c = (await this.live()).find((r) => r.peer_node_id === nodeId);
    if (!c)
      throw new FedGridError(
        'FORBIDDEN',
        `no active contract with node '${nodeId}'; propose one and have it confirmed first`,
        { peer: nodeId },
      );
    return c;
  }

  /** Pinned API endpoint of a contracted partner. */
  async peerApi(nodeId: string): Promise<PinnedApi> {
    return this.api(await this.activeWith(nodeId));
  }

  /** The contracted node presenting certificate `fingerprint`, if any. */
  async nodeForFingerprint(fingerprint: string): Promise<ContractRow | undefined> {
    return (await this.live()).find((r) => r.peer_fingerprint === fingerprint);
  }
}
