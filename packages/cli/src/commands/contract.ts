/**
 * `fedgrid contract propose | list | show | confirm | reject | cancel | sync | terminate | health`
 * and `fedgrid partner list | show | sync`.
 */
import { Command } from 'commander';
import type { ContractView } from '@fedgrid/node';
import { print, reportError, table } from '../output.js';
import { client, withNode, type CommonOpts } from './common.js';

const rows = (cs: ContractView[]) =>
  table([
    ['id', 'peer', 'direction', 'status', 'fingerprint', 'valid until'],
    ...cs.map((c) => [
      c.id,
      c.peer.nodeId,
      c.direction,
      c.status,
      c.peer.fingerprint.slice(0, 23) + '…',
      c.validUntil.slice(0, 10),
    ]),
  ]);

/**
 * One contract in full, with both certificates when it replaces another: the one the replaced
 * contract pins and the one this contract would pin (compare them before confirming).
 */
export function contractDetail(c: ContractView): string {
  const lines = [
    `contract ${c.id} with '${c.peer.nodeId}' (${c.peer.name}): ${c.direction}, ${c.status}${c.statusReason ? ` (${c.statusReason})` : ''}`,
    `  api ${c.peer.apiUrl}, data plane ${c.peer.dataAddress}, valid until ${c.validUntil.slice(0, 10)}`,
    `  certificate${c.replaces ? ' (new)' : ''}: ${c.peer.fingerprint}`,
  ];
  const r = c.replaces;
  if (r) {
    lines.push(
      r.fingerprint
        ? `  replaces contract ${r.id} (${r.status}), which pins: ${r.fingerprint}`
        : `  replaces contract ${r.id} (not held on this node)`,
    );
    if (r.fingerprint && r.fingerprint !== c.peer.fingerprint)
      lines.push(
        `  the certificate changes: confirm only if '${c.peer.nodeId}' told you its new fingerprint out of band`,
      );
  }
  return lines.join('\n');
}

export function contractCommand(): Command {
  const cmd = new Command('contract').description(
    'sign cooperation contracts with partner nodes (certificate pinning)',
  );
  withNode(cmd.command('propose').description('propose a contract to a partner node'))
    .requiredOption('--peer <url>', "the partner's API URL, e.g. https://bank.example:8443")
    .option(
      '--fingerprint <fp>',
      "the partner's certificate fingerprint, obtained out of band; any other certificate is refused",
    )
    .option('--description <text>', 'what the cooperation is for')
    .option('--valid-days <n>', 'validity in days', (v) => Number(v), 365)
    .option(
      '--replaces <contract>',
      'the active contract with this partner that the new one replaces once confirmed (a new certificate, or a renewal)',
    )
    .action(
      async (
        o: CommonOpts & {
          peer: string;
          fingerprint?: string;
          description?: string;
          validDays: number;
          replaces?: string;
        },
      ) => {
        try {
          const c = await (
            await client(o)
          ).post<ContractView>('/v1/contracts', {
            peerApiUrl: o.peer,
            validDays: o.validDays,
            ...(o.fingerprint ? { expectedFingerprint: o.fingerprint } : {}),
            ...(o.description ? { description: o.description } : {}),
            ...(o.replaces ? { replaces: o.replaces } : {}),
          });
          print(
            c,
            !!o.json,
            () =>
              `proposed contract ${c.id} to '${c.peer.nodeId}' (${c.peer.name}); it presented certificate\n  ${c.peer.fingerprint}\n` +
              (c.replaces ? `it replaces contract ${c.replaces.id} once confirmed\n` : '') +
              `compare it with the partner out of band; the partner confirms with: fedgrid contract confirm ${c.id}`,
          );
        } catch (err) {
          reportError(err);
        }
      },
    );
  withNode(cmd.command('list').description('list contracts')).action(async (o: CommonOpts) => {
    try {
      const r = await (await client(o)).get<{ items: ContractView[] }>('/v1/contracts');
      print(r, !!o.json, () => rows(r.items));
    } catch (err) {
      reportError(err);
    }
  });
  for (const [name, desc] of [
    ['show', 'show one contract'],
    ['confirm', 'confirm a pending incoming proposal (pins the proposer)'],
    ['health', 'check the partner answers over the pinned connection'],
  ] as const) {
    withNode(cmd.command(`${name} <id>`).description(desc)).action(
      async (id: string, o: CommonOpts) => {
        try {
          const api = await client(o);
          if (name === 'health') {
            const h = await api.post<{ peer: string; status: string; time: string }>(
              `/v1/contracts/${id}/health`,
            );
            return print(h, !!o.json, () => `${h.peer}: ${h.status} (${h.time})`);
          }
          const c =
            name === 'show'
              ? await api.get<ContractView>(`/v1/contracts/${id}`)
              : await api.post<ContractView>(`/v1/contracts/${id}/${name}`);
          print(c, !!o.json, () => contractDetail(c));
        } catch (err) {
          reportError(err);
        }
      },
    );
  }
  for (const [name, desc] of [
    ['reject', 'reject a pending incoming proposal (the proposer sees the reason)'],
    ['terminate', 'end an active contract (a pending one is cancelled or rejected)'],
  ] as const) {
    withNode(cmd.command(`${name} <id>`).description(desc))
      .option('--reason <text>', 'why (told to the partner)')
      .action(async (id: string, o: CommonOpts & { reason?: string }) => {
        try {
          const c = await (
            await client(o)
          ).post<ContractView>(`/v1/contracts/${id}/${name}`, o.reason ? { reason: o.reason } : {});
          print(c, !!o.json, () => rows([c]));
        } catch (err) {
          reportError(err);
        }
      });
  }
  withNode(
    cmd
      .command('cancel <id>')
      .description("cancel our pending proposal (the partner's copy becomes cancelled)"),
  )
    .option('--reason <text>', 'why')
    .action(async (id: string, o: CommonOpts & { reason?: string }) => {
      try {
        const c = await (
          await client(o)
        ).post<ContractView>(`/v1/contracts/${id}/cancel`, o.reason ? { reason: o.reason } : {});
        print(c, !!o.json, () => rows([c]));
      } catch (err) {
        reportError(err);
      }
    });
  withNode(
    cmd
      .command('sync <id>')
      .description(
        'ask the partner for its copy of the contract and adopt its answer (when a confirmation or rejection was lost)',
      ),
  ).action(async (id: string, o: CommonOpts) => {
    try {
      const c = await (
        await client(o)
      ).post<ContractView & { partnerStatus: string; changed: boolean }>(
        `/v1/contracts/${id}/sync`,
      );
      print(
        c,
        !!o.json,
        () =>
          `${rows([c])}
partner's copy: ${c.partnerStatus}${c.changed ? ' (adopted)' : ' (nothing to change)'}`,
      );
    } catch (err) {
      reportError(err);
    }
  });
  return cmd;
}

/** A contracted partner as GET /v1/partners lists it. */
interface PartnerView {
  nodeId: string;
  name: string;
  description: string | null;
  apiUrl: string;
  dataAddress: string;
  fingerprint: string;
  contract: { id: string; direction: string; status: string; validUntil: string };
  lastHealthyAt: string | null;
  lastHealthError: string | null;
  nodeInfo: { current: boolean; syncedAt: string | null; error: string | null };
}

interface PartnerSyncResult {
  contract: string;
  peer: string;
  health: string;
  nodeInfo: string;
  error?: string;
}

const partnerRows = (ps: PartnerView[]) =>
  table([
    ['node', 'name', 'contract', 'status', 'valid until', 'last healthy', 'our info'],
    ...ps.map((p) => [
      p.nodeId,
      p.name,
      p.contract.id,
      p.contract.status,
      p.contract.validUntil.slice(0, 10),
      p.lastHealthyAt ? p.lastHealthyAt.replace('T', ' ').slice(0, 19) : 'never',
      p.nodeInfo.current ? 'current' : `stale${p.nodeInfo.error ? ' (push failed)' : ''}`,
    ]),
  ]);

export const syncRows = (items: PartnerSyncResult[]) =>
  items.length === 0
    ? 'no active partners'
    : table([
        ['partner', 'contract', 'health', 'node info', 'error'],
        ...items.map((i) => [i.peer, i.contract, i.health, i.nodeInfo, i.error ?? '']),
      ]);

export function partnerCommand(): Command {
  const cmd = new Command('partner').description(
    'contracted partner nodes: their cards, health and node information sync',
  );
  withNode(cmd.command('list').description('list contracted partners'))
    .option('--q <text>', 'only partners whose id or name contains this')
    .action(async (o: CommonOpts & { q?: string }) => {
      try {
        const r = await (
          await client(o)
        ).get<{ items: PartnerView[] }>(
          `/v1/partners${o.q ? `?q=${encodeURIComponent(o.q)}` : ''}`,
        );
        print(r, !!o.json, () => partnerRows(r.items));
      } catch (err) {
        reportError(err);
      }
    });
  withNode(
    cmd
      .command('show <node>')
      .description('one partner: what we hold of it and its node card as it answers now'),
  ).action(async (node: string, o: CommonOpts) => {
    try {
      const p = await (
        await client(o)
      ).get<
        PartnerView & { live: { name: string; apiUrl: string } | null; liveError: string | null }
      >(`/v1/partners/${encodeURIComponent(node)}`);
      print(
        p,
        !!o.json,
        () =>
          `${partnerRows([p])}
` +
          (p.live
            ? `answers now as '${p.live.name}' at ${p.live.apiUrl}`
            : `does not answer: ${p.liveError}`),
      );
    } catch (err) {
      reportError(err);
    }
  });
  withNode(
    cmd
      .command('sync')
      .description(
        'check every active partner and send our node information to those holding a stale copy',
      ),
  )
    .option('--no-health', 'skip the health checks')
    .option('--force', 'send our node information to every partner')
    .action(async (o: CommonOpts & { health: boolean; force?: boolean }) => {
      try {
        const r = await (
          await client(o)
        ).post<{ items: PartnerSyncResult[] }>('/v1/partners/sync', {
          health: o.health,
          ...(o.force ? { force: true } : {}),
        });
        print(r, !!o.json, () => syncRows(r.items));
        if (r.items.some((i) => i.health === 'failed' || i.nodeInfo === 'failed'))
          process.exitCode = 1;
      } catch (err) {
        reportError(err);
      }
    });
  return cmd;
}
