/**
 * `fedgrid invitation create | publish | list | show | accept | reject | modify | withdraw | sync`:
 * ask a provider for the use of a dataset or compute (demander), or answer (provider).
 */
import { Command, Option } from 'commander';
import { print, reportError, table } from '../output.js';
import { client, withNode, type CommonOpts } from './common.js';

interface InvitationView {
  id: string;
  role: 'sent' | 'received';
  demander: string;
  provider: string;
  kind: string;
  dataset: string | null;
  offer: string | null;
  resource: string;
  message: string;
  terms: { type: string; until?: string; uses?: number };
  status: string;
  statusReason: string | null;
  grantId: string | null;
  billing: { metered: boolean; recordedBy: string; note: string; uses?: number } | null;
  version: number;
  callbackError: string | null;
  createdAt: string;
}

const termsText = (t: InvitationView['terms']) =>
  t.type === 'until' ? `until ${t.until}` : t.type === 'uses' ? `${t.uses} use(s)` : t.type;

const rows = (is: InvitationView[]) =>
  table([
    ['id', 'role', 'partner', 'kind', 'subject', 'terms', 'status', 'grant'],
    ...is.map((i) => [
      i.id,
      i.role,
      i.role === 'sent' ? i.provider : i.demander,
      i.kind,
      i.kind === 'dataset' ? (i.dataset ?? '') : i.resource.slice(0, 30),
      termsText(i.terms),
      i.status,
      i.grantId ?? '',
    ]),
  ]);

function details(i: InvitationView): string {
  const lines = [rows([i])];
  if (i.message) lines.push(`message: ${i.message}`);
  if (i.statusReason) lines.push(`reason: ${i.statusReason}`);
  if (i.billing)
    lines.push(
      `metered (${i.billing.recordedBy})${i.billing.uses !== undefined ? `: ${i.billing.uses} use(s)` : ''} — ${i.billing.note}`,
    );
  if (i.callbackError)
    lines.push(`the demander was not told (${i.callbackError}); it learns with: invitation sync`);
  return lines.join('\n');
}

interface TermOpts {
  unlimited?: boolean;
  until?: string;
  uses?: number;
  metered?: boolean;
}

/** The terms given on the command line (exactly one of the four, or none when optional). */
function terms(o: TermOpts, required: boolean): Record<string, unknown> | undefined {
  const given = [o.unlimited, o.until, o.uses, o.metered].filter((x) => x !== undefined).length;
  if (given > 1) throw new Error('give only one of --unlimited, --until, --uses, --metered');
  if (given === 0) {
    if (required)
      throw new Error('give the terms: --unlimited, --until <iso>, --uses <n> or --metered');
    return undefined;
  }
  if (o.until !== undefined) {
    const d = new Date(o.until);
    if (Number.isNaN(d.getTime())) throw new Error(`--until: '${o.until}' is not a date`);
    return { type: 'until', until: d.toISOString() };
  }
  if (o.uses !== undefined) return { type: 'uses', uses: o.uses };
  return { type: o.metered ? 'metered' : 'unlimited' };
}

function withTerms(cmd: Command): Command {
  return cmd
    .option('--unlimited', 'terms: use without limit')
    .option('--until <iso>', 'terms: use until this time (ISO 8601)')
    .addOption(new Option('--uses <n>', 'terms: at most this many jobs').argParser(Number))
    .option('--metered', 'terms: use is recorded for billing');
}

export function invitationCommand(): Command {
  const cmd = new Command('invitation').description(
    'invitations: ask a provider for a dataset or compute (demander), answer them (provider)',
  );
  withTerms(
    withNode(
      cmd
        .command('create')
        .description('create an invitation (a draft, kept on this node until published)'),
    ),
  )
    .requiredOption('--provider <node>', 'the provider node')
    .option('--dataset <id>', "the provider's dataset (id or name, e.g. from `directory list`)")
    .option('--compute', 'ask for compute instead of a dataset')
    .option('--resource <text>', 'compute: what is asked for')
    .option('--offer <id>', 'the directory offer this answers')
    .option('--message <text>', 'a note to the provider')
    .action(
      async (
        o: CommonOpts &
          TermOpts & {
            provider: string;
            dataset?: string;
            compute?: boolean;
            resource?: string;
            offer?: string;
            message?: string;
          },
      ) => {
        try {
          if (!!o.dataset === !!o.compute)
            throw new Error('give either --dataset <id> or --compute');
          const i = await (
            await client(o)
          ).post<InvitationView>('/v1/invitations', {
            provider: o.provider,
            kind: o.dataset ? 'dataset' : 'compute',
            ...(o.dataset ? { dataset: o.dataset } : {}),
            ...(o.resource !== undefined ? { resource: o.resource } : {}),
            ...(o.offer ? { offer: o.offer } : {}),
            ...(o.message !== undefined ? { message: o.message } : {}),
            terms: terms(o, true),
          });
          print(
            i,
            !!o.json,
            () =>
              `${details(i)}\nsend it to '${i.provider}' with: fedgrid invitation publish ${i.id}`,
          );
        } catch (err) {
          reportError(err);
        }
      },
    );
  withNode(cmd.command('list').description('list invitations sent and received'))
    .option('--role <role>', 'sent or received')
    .option('--status <status>', 'draft, pending, accepted, rejected or withdrawn')
    .option('--kind <kind>', 'dataset or compute')
    .option('--q <text>', 'matches id, partner, dataset, resource, message')
    .option('--page <n>', 'page', (v) => Number(v), 1)
    .option('--page-size <n>', 'invitations per page', (v) => Number(v), 100)
    .action(
      async (
        o: CommonOpts & {
          role?: string;
          status?: string;
          kind?: string;
          q?: string;
          page: number;
          pageSize: number;
        },
      ) => {
        try {
          const q = new URLSearchParams({ page: String(o.page), pageSize: String(o.pageSize) });
          for (const k of ['role', 'status', 'kind', 'q'] as const) {
            const v = o[k];
            if (v) q.set(k, v);
          }
          const r = await (
            await client(o)
          ).get<{ items: InvitationView[]; total: number }>(`/v1/invitations?${q.toString()}`);
          print(r, !!o.json, () => `${rows(r.items)}\n${r.total} invitation(s)`);
        } catch (err) {
          reportError(err);
        }
      },
    );
  for (const [name, desc] of [
    ['show', 'show one invitation'],
    ['publish', 'send a draft to its provider (it becomes pending there)'],
    ['accept', 'accept a received invitation (a dataset one creates the grant)'],
    ['sync', 'ask the provider for its copy and adopt its answer (when the answer was lost)'],
  ] as const) {
    withNode(cmd.command(`${name} <id>`).description(desc)).action(
      async (id: string, o: CommonOpts) => {
        try {
          const api = await client(o);
          const url = `/v1/invitations/${encodeURIComponent(id)}`;
          const i =
            name === 'show'
              ? await api.get<InvitationView>(url)
              : await api.post<InvitationView>(`${url}/${name}`);
          print(i, !!o.json, () => details(i));
        } catch (err) {
          reportError(err);
        }
      },
    );
  }
  withNode(cmd.command('reject <id>').description('reject a received invitation'))
    .option('--reason <text>', 'why')
    .action(async (id: string, o: CommonOpts & { reason?: string }) => {
      try {
        const i = await (
          await client(o)
        ).post<InvitationView>(
          `/v1/invitations/${encodeURIComponent(id)}/reject`,
          o.reason ? { reason: o.reason } : {},
        );
        print(i, !!o.json, () => details(i));
      } catch (err) {
        reportError(err);
      }
    });
  withTerms(
    withNode(
      cmd
        .command('modify <id>')
        .description(
          'change a draft or pending invitation (the provider’s copy of a pending one is changed first)',
        ),
    ),
  )
    .option('--dataset <id>', "the provider's dataset")
    .option('--resource <text>', 'compute: what is asked for')
    .option('--message <text>', 'a note to the provider')
    .action(
      async (
        id: string,
        o: CommonOpts & TermOpts & { dataset?: string; resource?: string; message?: string },
      ) => {
        try {
          const t = terms(o, false);
          const i = await (
            await client(o)
          ).call<InvitationView>('PATCH', `/v1/invitations/${encodeURIComponent(id)}`, {
            ...(o.dataset !== undefined ? { dataset: o.dataset } : {}),
            ...(o.resource !== undefined ? { resource: o.resource } : {}),
            ...(o.message !== undefined ? { message: o.message } : {}),
            ...(t ? { terms: t } : {}),
          });
          print(i, !!o.json, () => details(i));
        } catch (err) {
          reportError(err);
        }
      },
    );
  withNode(
    cmd
      .command('withdraw <id>')
      .description(
        'withdraw an invitation: a draft is deleted, a pending one withdrawn on both nodes',
      ),
  )
    .option('--reason <text>', 'why')
    .action(async (id: string, o: CommonOpts & { reason?: string }) => {
      try {
        const r = await (
          await client(o)
        ).call<InvitationView | { id: string; status: 'deleted' }>(
          'DELETE',
          `/v1/invitations/${encodeURIComponent(id)}`,
          o.reason ? { reason: o.reason } : undefined,
        );
        print(r, !!o.json, () =>
          'role' in r ? details(r) : `draft ${r.id} deleted (it never left this node)`,
        );
      } catch (err) {
        reportError(err);
      }
    });
  return cmd;
}
