/**
 * `fedgrid permission create | list | show | revoke`: this node's explicit consent to a
 * partner's ad-hoc jobs (jobs that run no flow this node approved) — the roles this node may
 * play, the components that may run on it, optionally the datasets they may read. None exist by
 * default: without one, a partner's job must run a flow this node approved.
 */
import { Command } from 'commander';
import type { JobPermissionView } from '@fedgrid/node';
import { table } from '../output.js';
import { run, withNode, type CommonOpts } from './common.js';

type JobPermission = JobPermissionView;

const enc = encodeURIComponent;
const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const rows = (ps: JobPermission[]) =>
  table([
    ['id', 'partner', 'roles', 'components', 'datasets', 'expires', 'status'],
    ...ps.map((p) => [
      p.id,
      p.partner,
      p.roles.join(','),
      p.components.join(','),
      p.datasets?.join(',') ?? 'any granted',
      p.expiresAt ?? '-',
      p.status,
    ]),
  ]);

export function permissionCommand(): Command {
  const cmd = new Command('permission').description(
    "permit partners' ad-hoc jobs (no approved flow) on this node — off by default",
  );
  withNode(cmd.command('create').description("permit a partner's ad-hoc jobs"))
    .requiredOption('--to <node>', 'the partner node whose jobs this permits')
    .requiredOption('--roles <list>', 'roles this node may play: host, arbiter, edge, guest', list)
    .requiredOption(
      '--components <list>',
      'components that may run here, e.g. psi-ecdh,hetero-lr',
      list,
    )
    .option(
      '--datasets <list>',
      'datasets (ids or names) the jobs may read (default: any granted)',
      list,
    )
    .option('--expires <iso>', 'expiry time (ISO 8601)')
    .option('--note <text>', 'why (kept with the permission)')
    .action(
      (
        o: CommonOpts & {
          to: string;
          roles: string[];
          components: string[];
          datasets?: string[];
          expires?: string;
          note?: string;
        },
      ) =>
        run(
          o,
          (c) =>
            c.post<JobPermission>('/v1/job-permissions', {
              partner: o.to,
              roles: o.roles,
              components: o.components,
              ...(o.datasets ? { datasets: o.datasets } : {}),
              ...(o.expires ? { expiresAt: new Date(o.expires).toISOString() } : {}),
              ...(o.note ? { note: o.note } : {}),
            }),
          (p) => rows([p]),
        ),
    );
  withNode(cmd.command('list').description('list job permissions'))
    .option('--to <node>', 'only for this partner')
    .option('--status <s>', 'active, revoked or expired')
    .action((o: CommonOpts & { to?: string; status?: string }) => {
      const q = new URLSearchParams();
      if (o.to) q.set('partner', o.to);
      if (o.status) q.set('status', o.status);
      return run(
        o,
        (c) =>
          c.get<{ items: JobPermission[] }>(
            `/v1/job-permissions${q.size ? `?${q.toString()}` : ''}`,
          ),
        (r) => rows(r.items),
      );
    });
  withNode(cmd.command('show <id>').description('show a job permission')).action(
    (id: string, o: CommonOpts) =>
      run(
        o,
        (c) => c.get<JobPermission>(`/v1/job-permissions/${enc(id)}`),
        (p) => rows([p]),
      ),
  );
  withNode(
    cmd
      .command('revoke <id>')
      .description("revoke a job permission (the partner's ad-hoc jobs under it end here)"),
  ).action((id: string, o: CommonOpts) =>
    run(
      o,
      (c) => c.post<JobPermission>(`/v1/job-permissions/${enc(id)}/revoke`),
      (p) => rows([p]),
    ),
  );
  return cmd;
}
