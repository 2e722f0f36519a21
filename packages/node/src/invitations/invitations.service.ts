/**
 * Invitations (联邦学习邀约, standard 000 §5.2 and §7.2): a demander asks a provider, over their
 * contract, for the use of a dataset or of compute, on terms — unlimited, until a date, a number
 * of uses, or metered (usage recorded for billing). Both nodes keep a copy under the same id
 * (`<demander>:inv-<uuid>`): 'sent' on the demander, 'received' on the provider.
 *
 *   demander                                         provider
 *   create → draft (local only)
 *   publish ── POST /v1/interconn/invitations ───────▶ pending
 *   modify  ── PATCH /v1/interconn/invitations/:id ──▶ updated (only while pending)
 *   withdraw ─ POST …/invitations/:id/withdraw ──────▶ withdrawn (only while pending)
 *   accepted / rejected ◀── POST …/invitations/:id/answer ── accept (creates a grant) / reject
 *   sync ───── GET /v1/interconn/invitations/:id ────▶ (fallback when the answer was lost)
 *
 * Accepting a dataset invitation creates a grant for the demander with the equivalent terms
 * (uses → maxUses, until → expiresAt, metered → a metered grant when the grant service offers
 * them, else an unlimited grant whose use counter is reported as the usage). Docs:
 * docs/objects/invitation.md.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ContractService } from '../contracts/contracts.service.js';
import type { DatasetService } from '../datasets/datasets.service.js';
import { errors, FedGridError } from '../errors/errors.js';
import {
  createGrantSchema,
  type CreateGrantInput,
  type GrantService,
} from '../grants/grants.service.js';
import type { PeerClient } from '../peers/peer-client.js';
import { json } from '../storage/schema.js';
import type { InvitationRow, InvitationsRepo } from './invitations.repo.js';

export const termsSchema = z.discriminatedUnion('type', [
  /** 许可使用（无限期） */
  z.object({ type: z.literal('unlimited') }),
  /** 在许可的时间内使用 */
  z.object({ type: z.literal('until'), until: z.string().datetime({ offset: true }) }),
  /** 在许可的次数内使用 */
  z.object({ type: z.literal('uses'), uses: z.number().int().min(1).max(1_000_000) }),
  /** 以数据及资源的使用量计费 */
  z.object({ type: z.literal('metered') }),
]);
export type Terms = z.infer<typeof termsSchema>;

const kindSchema = z.enum(['dataset', 'compute']);
const datasetRef = z.string().min(1).max(200);
const text = z.string().max(2000);

function kindRules(
  v: { kind?: 'dataset' | 'compute'; dataset?: string | null | undefined },
  ctx: z.RefinementCtx,
): void {
  if (v.kind === 'dataset' && !v.dataset)
    ctx.addIssue({
      code: 'custom',
      path: ['dataset'],
      message: 'a dataset invitation names the provider’s dataset (its id or name)',
    });
  if (v.kind === 'compute' && v.dataset)
    ctx.addIssue({
      code: 'custom',
      path: ['dataset'],
      message: 'a compute invitation names no dataset; describe what it asks for in resource',
    });
}

/** POST /v1/invitations: a draft. */
export const createInvitationSchema = z
  .object({
    /** The provider's node id (a contract is needed to publish, not to draft). */
    provider: z.string().min(1).max(64),
    kind: kindSchema,
    /** Dataset kind: the provider's dataset id or name (as its directory offer shows it). */
    dataset: datasetRef.optional(),
    /** The directory offer this answers, if any (for reference). */
    offer: z.string().max(200).optional(),
    /** Compute kind: what is asked for (e.g. "8 cores for the monthly scoring job"). */
    resource: text.default(''),
    message: text.default(''),
    terms: termsSchema,
  })
  .superRefine(kindRules);
export type CreateInvitationInput = z.input<typeof createInvitationSchema>;

const changes = {
  dataset: datasetRef.optional(),
  resource: text.optional(),
  message: text.optional(),
  terms: termsSchema.optional(),
};

/** PATCH /v1/invitations/:id: only while draft or pending. */
export const modifyInvitationSchema = z
  .object(changes)
  .strict()
  .refine(
    (v) => Object.values(v).some((x) => x !== undefined),
    'give at least one of dataset, resource, message, terms',
  );

const idSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]+:inv-[0-9a-f-]{36}$/, 'invitation id: <node id>:inv-<uuid>');

/** Demander → provider: the published invitation. */
export const invitationWireSchema = z
  .object({
    id: idSchema,
    kind: kindSchema,
    dataset: datasetRef.nullable(),
    offer: z.string().max(200).nullable(),
    resource: text,
    message: text,
    terms: termsSchema,
    version: z.number().int().min(1),
  })
  .superRefine(kindRules);

/** Demander → provider: a modification of a pending invitation. */
export const modifyWireSchema = z.object({ ...changes, version: z.number().int().min(1) });

const reasonSchema = z.object({ reason: text.optional() });

export const billingSchema = z.object({
  metered: z.literal(true),
  /** 'grant': the grant meters each use; 'invitation': the grant's use counter, reported here; 'none': not counted. */
  recordedBy: z.enum(['grant', 'invitation', 'none']),
  note: text,
  /** Uses so far (provider: read from the grant; demander: as of the last sync). */
  uses: z.number().int().min(0).optional(),
  at: z.string().datetime().optional(),
});
export type Billing = z.infer<typeof billingSchema>;

/** Provider → demander: the answer (callback). */
export const answerWireSchema = z.object({
  status: z.enum(['accepted', 'rejected']),
  reason: text.nullable(),
  grantId: z.string().max(200).nullable(),
  billing: billingSchema.nullable(),
  answeredAt: z.string().datetime(),
});
export type AnswerWire = z.infer<typeof answerWireSchema>;

export type InvitationStatus = 'draft' | 'pending' | 'accepted' | 'rejected' | 'withdrawn';

export interface InvitationView {
  id: string;
  /** 'sent': we are the demander; 'received': we are the provider. */
  role: 'sent' | 'received';
  demander: string;
  provider: string;
  kind: 'dataset' | 'compute';
  dataset: string | null;
  offer: string | null;
  resource: string;
  message: string;
  terms: Terms;
  status: InvitationStatus;
  statusReason: string | null;
  /** The grant created on the provider when a dataset invitation was accepted. */
  grantId: string | null;
  billing: Billing | null;
  /** Incremented by every modification. */
  version: number;
  /** Provider: why the answer could not be delivered (the demander then syncs). */
  callbackError: string | null;
  createdAt: string;
  updatedAt: string;
  publishedAt: string | null;
  answeredAt: string | null;
}

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

function view(r: InvitationRow): InvitationView {
  return {
    id: r.id,
    role: r.role as InvitationView['role'],
    demander: r.demander_node_id,
    provider: r.provider_node_id,
    kind: r.kind as InvitationView['kind'],
    dataset: r.dataset,
    offer: r.offer_id,
    resource: r.resource,
    message: r.message,
    terms: r.terms as Terms,
    status: r.status as InvitationStatus,
    statusReason: r.status_reason,
    grantId: r.grant_id,
    billing: (r.billing as Billing | null) ?? null,
    version: r.version,
    callbackError: r.callback_error,
    createdAt: iso(r.created_at) as string,
    updatedAt: iso(r.updated_at) as string,
    publishedAt: iso(r.published_at),
    answeredAt: iso(r.answered_at),
  };
}

function stateError(r: InvitationRow, allowed: string, what: string): FedGridError {
  return errors.conflict(
    `invitation ${r.id} is ${r.status}; only ${allowed} invitation can be ${what}`,
    { invitation: r.id, status: r.status },
  );
}

/** The partner's details when it refused with CONFLICT (its copy is in another state). */
function refusedConflict(err: unknown): boolean {
  return (
    err instanceof FedGridError &&
    err.code === 'PEER_REFUSED' &&
    err.details?.['peerCode'] === 'CONFLICT'
  );
}

function checkTerms(terms: Terms): void {
  if (terms.type === 'until' && new Date(terms.until) <= new Date())
    throw errors.validation(`terms.until ${terms.until} is not in the future`, {
      field: 'terms.until',
    });
}

export interface InvitationQuery {
  role?: 'sent' | 'received';
  status?: InvitationStatus;
  kind?: 'dataset' | 'compute';
}

export class InvitationService {
  constructor(
    private readonly repo: InvitationsRepo,
    private readonly deps: {
      selfNodeId: string;
      contracts: ContractService;
      peers: PeerClient;
      grants: GrantService;
      datasets: DatasetService;
    },
  ) {}

  // ---- Both sides ----

  async list(q: InvitationQuery = {}): Promise<InvitationView[]> {
    return (await this.repo.list(q)).map(view);
  }

  /** One invitation; on the provider, a metered one shows its current usage. */
  async get(id: string): Promise<InvitationView> {
    const r = await this.repo.get(id);
    if (!r) throw errors.notFound('invitation', id);
    return this.withUsage(view(r));
  }

  private async withUsage(v: InvitationView): Promise<InvitationView> {
    if (v.role !== 'received' || !v.grantId || !v.billing || v.billing.recordedBy === 'none')
      return v;
    try {
      const g = await this.deps.grants.get(v.grantId);
      return { ...v, billing: { ...v.billing, uses: g.uses, at: new Date().toISOString() } };
    } catch {
      return v; // the grant was removed with its dataset: no usage to show
    }
  }

  // ---- Demander ----

  /** Creates a draft (kept on this node until published). */
  async create(input: CreateInvitationInput): Promise<InvitationView> {
    const inp = createInvitationSchema.parse(input);
    if (inp.provider === this.deps.selfNodeId)
      throw errors.validation('a node cannot invite itself', { field: 'provider' });
    checkTerms(inp.terms);
    const id = `${this.deps.selfNodeId}:inv-${randomUUID()}`;
    await this.repo.insert({
      id,
      role: 'sent',
      demander_node_id: this.deps.selfNodeId,
      provider_node_id: inp.provider,
      kind: inp.kind,
      dataset: inp.dataset ?? null,
      offer_id: inp.offer ?? null,
      resource: inp.resource,
      message: inp.message,
      terms: json(inp.terms),
      status: 'draft',
      status_reason: null,
      grant_id: null,
      billing: null,
      version: 1,
      callback_error: null,
      published_at: null,
      answered_at: null,
    });
    return this.get(id);
  }

  private async sent(id: string, what: string): Promise<InvitationRow> {
    const r = await this.repo.get(id);
    if (!r) throw errors.notFound('invitation', id);
    if (r.role !== 'sent')
      throw errors.conflict(
        `invitation ${id} was received from '${r.demander_node_id}'; only its demander can ${what} it (the provider accepts or rejects)`,
        { invitation: id, role: r.role },
      );
    return r;
  }

  private wire(r: InvitationRow): z.infer<typeof invitationWireSchema> {
    return {
      id: r.id,
      kind: r.kind as 'dataset' | 'compute',
      dataset: r.dataset,
      offer: r.offer_id,
      resource: r.resource,
      message: r.message,
      terms: r.terms as Terms,
      version: r.version,
    };
  }

  /**
   * Sends a draft to its provider, which stores it pending. Idempotent: publishing a pending
   * invitation again (e.g. after a lost reply) re-sends it and adopts the provider's answer if it
   * has one; publishing an answered or withdrawn one returns it unchanged.
   * @throws FedGridError FORBIDDEN (no active contract with the provider), PEER_REFUSED (e.g.
   *   the provider has no such dataset), PEER_UNREACHABLE — the invitation stays a draft.
   */
  async publish(id: string): Promise<InvitationView> {
    const r = await this.sent(id, 'publish');
    // Answered or withdrawn: published long ago; publishing again changes nothing.
    if (r.status !== 'draft' && r.status !== 'pending') return this.get(id);
    if (r.status === 'draft') checkTerms(r.terms as Terms);
    const theirs = await this.deps.peers.call<InvitationView>(
      await this.deps.contracts.peerApi(r.provider_node_id),
      'POST',
      '/v1/interconn/invitations',
      this.wire(r),
    );
    await this.repo.update(id, ['draft'], { status: 'pending', published_at: new Date() });
    await this.adopt(id, theirs);
    return this.get(id);
  }

  /**
   * Adopts the provider's copy: a pending invitation becomes accepted, rejected or withdrawn as
   * the provider has it; an accepted metered one takes the provider's usage figures.
   */
  private async adopt(id: string, theirs: InvitationView): Promise<boolean> {
    if (['accepted', 'rejected', 'withdrawn'].includes(theirs.status)) {
      const changed = await this.repo.update(id, ['pending'], {
        status: theirs.status,
        status_reason: theirs.statusReason,
        grant_id: theirs.grantId,
        billing: theirs.billing ? json(theirs.billing) : null,
        answered_at: theirs.answeredAt,
      });
      if (!changed && theirs.status === 'accepted' && theirs.billing)
        await this.repo.update(id, ['accepted'], { billing: json(theirs.billing) });
      return changed;
    }
    return false;
  }

  /**
   * Changes a draft, or a pending invitation (the provider's copy is changed first; if the
   * provider answered meanwhile its answer is adopted and the change refused).
   * @throws FedGridError CONFLICT (answered, withdrawn), VALIDATION_FAILED, PEER_UNREACHABLE.
   */
  async modify(id: string, input: unknown): Promise<InvitationView> {
    const r = await this.sent(id, 'modify');
    const u = modifyInvitationSchema.parse(input);
    if (r.kind === 'compute' && u.dataset)
      throw errors.validation('a compute invitation names no dataset', { field: 'dataset' });
    if (u.terms) checkTerms(u.terms);
    if (r.status !== 'draft' && r.status !== 'pending')
      throw stateError(r, 'a draft or pending', 'modified');
    const version = r.version + 1;
    if (r.status === 'pending') {
      try {
        await this.deps.peers.call(
          await this.deps.contracts.peerApi(r.provider_node_id),
          'PATCH',
          `/v1/interconn/invitations/${encodeURIComponent(id)}`,
          { ...u, version },
        );
      } catch (err) {
        if (refusedConflict(err)) {
          const s = await this.sync(id);
          throw errors.conflict(
            `invitation ${id} is ${s.status} at '${r.provider_node_id}' already; it was not modified`,
            { invitation: id, status: s.status },
          );
        }
        throw err;
      }
    }
    const ok = await this.repo.update(id, [r.status], {
      ...(u.dataset !== undefined ? { dataset: u.dataset } : {}),
      ...(u.resource !== undefined ? { resource: u.resource } : {}),
      ...(u.message !== undefined ? { message: u.message } : {}),
      ...(u.terms !== undefined ? { terms: json(u.terms) } : {}),
      version,
    });
    if (!ok) throw stateError((await this.repo.get(id)) ?? r, 'a draft or pending', 'modified');
    return this.get(id);
  }

  /**
   * Withdraws an invitation (邀约删除): a draft is deleted; a pending one becomes withdrawn on
   * both nodes (the provider is told first; if it answered meanwhile its answer is adopted and
   * the withdrawal refused).
   * @throws FedGridError CONFLICT (answered already), PEER_UNREACHABLE (nothing changed).
   */
  async withdraw(
    id: string,
    reason = 'withdrawn by the demander',
  ): Promise<InvitationView | { id: string; status: 'deleted' }> {
    const r = await this.sent(id, 'withdraw');
    if (r.status === 'draft') {
      if (await this.repo.delete(id, 'draft')) return { id, status: 'deleted' };
      throw stateError((await this.repo.get(id)) ?? r, 'a draft or pending', 'withdrawn');
    }
    if (r.status !== 'pending') throw stateError(r, 'a draft or pending', 'withdrawn');
    try {
      await this.deps.peers.call(
        await this.deps.contracts.peerApi(r.provider_node_id),
        'POST',
        `/v1/interconn/invitations/${encodeURIComponent(id)}/withdraw`,
        { reason },
      );
    } catch (err) {
      if (refusedConflict(err)) {
        const s = await this.sync(id);
        throw errors.conflict(
          `invitation ${id} is ${s.status} at '${r.provider_node_id}' already; it was not withdrawn`,
          { invitation: id, status: s.status },
        );
      }
      throw err;
    }
    await this.repo.update(id, ['pending'], { status: 'withdrawn', status_reason: reason });
    return this.get(id);
  }

  /**
   * Asks the provider for its copy (the fallback when its answer was lost) and adopts it.
   * @throws FedGridError CONFLICT for a draft (it exists only here), PEER_*.
   */
  async sync(id: string): Promise<InvitationView & { providerStatus: string; changed: boolean }> {
    const r = await this.sent(id, 'sync');
    if (r.status === 'draft')
      throw errors.conflict(`invitation ${id} is a draft and exists only here; publish it`, {
        invitation: id,
        status: r.status,
      });
    const theirs = await this.deps.peers.call<InvitationView>(
      await this.deps.contracts.peerApi(r.provider_node_id),
      'GET',
      `/v1/interconn/invitations/${encodeURIComponent(id)}`,
    );
    const changed = await this.adopt(id, theirs);
    return { ...(await this.get(id)), providerStatus: theirs.status, changed };
  }

  /** Demander side of the answer callback. Idempotent. */
  async onAnswer(peerNodeId: string, id: string, body: unknown): Promise<InvitationView> {
    const r = await this.repo.get(id);
    if (!r || r.role !== 'sent' || r.provider_node_id !== peerNodeId)
      throw errors.notFound('invitation', id);
    const a = answerWireSchema.parse(body);
    if (r.status === a.status) return view(r);
    if (r.status !== 'pending') throw stateError(r, 'a pending', 'answered');
    const ok = await this.repo.update(id, ['pending'], {
      status: a.status,
      status_reason: a.reason,
      grant_id: a.grantId,
      billing: a.billing ? json(a.billing) : null,
      answered_at: a.answeredAt,
    });
    if (!ok) throw stateError((await this.repo.get(id)) ?? r, 'a pending', 'answered');
    return this.get(id);
  }

  // ---- Provider ----

  /** The invitation `id` received from `peerNodeId`. */
  private async received(id: string, peerNodeId?: string): Promise<InvitationRow> {
    const r = await this.repo.get(id);
    if (!r || (peerNodeId !== undefined && r.demander_node_id !== peerNodeId))
      throw errors.notFound('invitation', id);
    if (r.role !== 'received')
      throw errors.conflict(
        `invitation ${id} was sent by this node; only its provider '${r.provider_node_id}' answers it`,
        { invitation: id, role: r.role },
      );
    return r;
  }

  /** @throws FedGridError NOT_FOUND naming the dataset. */
  /**
   * A partner's invitation may name only a dataset partners can know of: a private one answers
   * exactly like a missing one (its name must not be confirmable by probing).
   */
  private async checkDataset(dataset: string | null | undefined): Promise<void> {
    if (!dataset) return;
    const ds = await this.deps.datasets.get(dataset);
    if (ds.visibility === 'private') throw errors.notFound('dataset', dataset);
  }

  /** A demander publishes an invitation to us (idempotent by id). */
  async receive(peerNodeId: string, body: unknown): Promise<InvitationView> {
    const w = invitationWireSchema.parse(body);
    if (!w.id.startsWith(`${peerNodeId}:`))
      throw new FedGridError(
        'FORBIDDEN',
        `invitation ${w.id} does not belong to node '${peerNodeId}' (ids start with the demander's node id)`,
        { peer: peerNodeId },
      );
    const existing = await this.repo.get(w.id);
    if (existing) return this.withUsage(view(await this.received(w.id, peerNodeId)));
    if (w.kind === 'dataset') await this.checkDataset(w.dataset);
    await this.repo.insert({
      id: w.id,
      role: 'received',
      demander_node_id: peerNodeId,
      provider_node_id: this.deps.selfNodeId,
      kind: w.kind,
      dataset: w.dataset,
      offer_id: w.offer,
      resource: w.resource,
      message: w.message,
      terms: json(w.terms),
      status: 'pending',
      status_reason: null,
      grant_id: null,
      billing: null,
      version: w.version,
      callback_error: null,
      published_at: new Date(),
      answered_at: null,
    });
    return this.get(w.id);
  }

  /** The demander modifies its pending invitation. */
  async onModify(peerNodeId: string, id: string, body: unknown): Promise<InvitationView> {
    const r = await this.received(id, peerNodeId);
    const m = modifyWireSchema.parse(body);
    if (r.status !== 'pending') throw stateError(r, 'a pending', 'modified');
    if (r.kind === 'dataset') await this.checkDataset(m.dataset);
    const ok = await this.repo.update(id, ['pending'], {
      ...(m.dataset !== undefined ? { dataset: m.dataset } : {}),
      ...(m.resource !== undefined ? { resource: m.resource } : {}),
      ...(m.message !== undefined ? { message: m.message } : {}),
      ...(m.terms !== undefined ? { terms: json(m.terms) } : {}),
      version: m.version,
    });
    if (!ok) throw stateError((await this.repo.get(id)) ?? r, 'a pending', 'modified');
    return this.get(id);
  }

  /** The demander withdraws its pending invitation. Idempotent. */
  async onWithdraw(peerNodeId: string, id: string, body: unknown): Promise<InvitationView> {
    const r = await this.received(id, peerNodeId);
    const { reason } = reasonSchema.parse(body ?? {});
    if (r.status === 'withdrawn') return view(r);
    if (r.status !== 'pending') throw stateError(r, 'a pending', 'withdrawn');
    const ok = await this.repo.update(id, ['pending'], {
      status: 'withdrawn',
      status_reason: `withdrawn by ${peerNodeId}${reason ? `: ${reason}` : ''}`,
    });
    if (!ok) throw stateError((await this.repo.get(id)) ?? r, 'a pending', 'withdrawn');
    return this.get(id);
  }

  /** Status query from the demander (fallback for a lost answer). */
  async statusFor(peerNodeId: string, id: string): Promise<InvitationView> {
    return this.withUsage(view(await this.received(id, peerNodeId)));
  }

  /**
   * Accepts a pending invitation. For a dataset, creates the grant for the demander first (the
   * invitation stays pending if that fails). Then tells the demander; a failed callback is
   * recorded (callbackError) and the demander learns the answer by its status query.
   * Idempotent: accepting an accepted invitation returns it.
   */
  async accept(id: string): Promise<InvitationView> {
    const r = await this.received(id);
    if (r.status === 'accepted') return this.get(id);
    if (r.status !== 'pending') throw stateError(r, 'a pending', 'accepted');
    const terms = r.terms as Terms;
    if (terms.type === 'until' && new Date(terms.until) <= new Date())
      throw errors.conflict(
        `invitation ${id} asks for use until ${terms.until}, which has passed; reject it or have the demander modify it`,
        { invitation: id },
      );
    let grantId: string | null = null;
    let billing: Billing | null = null;
    if (r.kind === 'dataset') {
      const g = await this.createGrant(r, terms);
      grantId = g.id;
      if (terms.type === 'metered')
        billing = g.metered
          ? { metered: true, recordedBy: 'grant', note: 'the metered grant records each use' }
          : {
              metered: true,
              recordedBy: 'invitation',
              note: 'this node’s grant service has no metered grants: the grant is unlimited and its use counter is the usage, reported here',
            };
    } else if (terms.type === 'metered') {
      billing = {
        metered: true,
        recordedBy: 'none',
        note: 'compute usage is not counted by this node yet; bill from the job records',
      };
    }
    const ok = await this.repo.update(id, ['pending'], {
      status: 'accepted',
      status_reason: null,
      grant_id: grantId,
      billing: billing ? json(billing) : null,
      answered_at: new Date(),
    });
    if (!ok) {
      if (grantId) await this.deps.grants.revoke(grantId).catch(() => undefined);
      throw stateError((await this.repo.get(id)) ?? r, 'a pending', 'accepted');
    }
    await this.callback(id);
    return this.get(id);
  }

  /** Rejects a pending invitation and tells the demander. Idempotent. */
  async reject(id: string, reason = 'rejected by the provider'): Promise<InvitationView> {
    const r = await this.received(id);
    if (r.status === 'rejected') return this.get(id);
    if (r.status !== 'pending') throw stateError(r, 'a pending', 'rejected');
    const ok = await this.repo.update(id, ['pending'], {
      status: 'rejected',
      status_reason: reason,
      answered_at: new Date(),
    });
    if (!ok) throw stateError((await this.repo.get(id)) ?? r, 'a pending', 'rejected');
    await this.callback(id);
    return this.get(id);
  }

  /** Grant with the invitation's terms: uses → maxUses, until → expiresAt, metered → metered. */
  private async createGrant(
    r: InvitationRow,
    terms: Terms,
  ): Promise<{ id: string; metered: boolean }> {
    // Metered grants exist only if the grant service's schema knows them (it is being extended).
    const shape = (createGrantSchema as unknown as { shape?: Record<string, unknown> }).shape;
    const meteredSupported = !!shape && 'metered' in shape;
    const input = {
      dataset: r.dataset as string,
      grantee: r.demander_node_id,
      ...(terms.type === 'until' ? { expiresAt: new Date(terms.until).toISOString() } : {}),
      ...(terms.type === 'uses' ? { maxUses: terms.uses } : {}),
      ...(terms.type === 'metered' && meteredSupported ? { metered: true } : {}),
    } as CreateGrantInput;
    const g = await this.deps.grants.create(input);
    return { id: g.id, metered: (g as unknown as { metered?: unknown }).metered === true };
  }

  private async callback(id: string): Promise<void> {
    const r = (await this.repo.get(id)) as InvitationRow;
    const answer: AnswerWire = {
      status: r.status as AnswerWire['status'],
      reason: r.status_reason,
      grantId: r.grant_id,
      billing: (r.billing as Billing | null) ?? null,
      answeredAt: iso(r.answered_at) ?? new Date().toISOString(),
    };
    try {
      await this.deps.peers.call(
        await this.deps.contracts.peerApi(r.demander_node_id),
        'POST',
        `/v1/interconn/invitations/${encodeURIComponent(id)}/answer`,
        answer,
      );
      await this.repo.update(id, [r.status], { callback_error: null });
    } catch (err) {
      await this.repo.update(id, [r.status], { callback_error: (err as Error).message });
    }
  }
}
