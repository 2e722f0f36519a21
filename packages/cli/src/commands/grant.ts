/**
 * `fedgrid grant create | list | show | revoke | notify | usage` (grants this node gives),
 * `received | sync` (grants partners gave it) and
 * `apply | applications | application | confirm | reject | cancel | query` (grant applications).
 */
import { Command } from 'commander';
import type { GrantView } from '@fedgrid/node';
import { table } from '../output.js';
import { run, withNode, type CommonOpts } from './common.js';

/** A grant a partner gave this node (ReceivedGrantView in @fedgrid/node). */
interface ReceivedGrant {
  id: string;
  owner: string;
  datasetId: string;
  datasetName: string;
  scope: string;
  jobId: string | null;
  projectId: string | null;
  expiresAt: string | null;
  maxUses: number | null;
  uses: number;
  metered: boolean;
  status: string;
}

/** A grant application (ApplicationView in @fedgrid/node). */
interface Application {
  id: string;
  direction: string;
  applicant: string;
  owner: string;
  datasetId: string;
  datasetName: string | null;
  scope: string;
  jobId: string | null;
  projectId: string | null;
  expiresAt: string | null;
  maxUses: number | null;
  metered: boolean;
  reason: string;
  status: string;
  statusReason: string | null;
  grantId: string | null;
  callback: { status: string; error: string | null } | null;
}

interface Usage {
  jobId: string;
  task: string | null;
  party: string | null;
  event: string;
  rows: number;
  at: string;
}

const enc = encodeURIComponent;
const scopeText = (g: { scope: string; jobId: string | null; projectId: string | null }) =>
  g.scope === 'job'
    ? `job ${g.jobId}`
    : g.scope === 'project'
      ? `project ${g.projectId}`
      : 'any job';

const rows = (gs: GrantView[]) =>
  table([
    ['id', 'dataset', 'grantee', 'scope', 'expires', 'uses', 'metered', 'status', 'notice'],
    ...gs.map((g) => [
      g.id,
      g.datasetName ?? g.datasetId,
      g.grantee,
      scopeText(g),
      g.expiresAt ?? '-',
      `${g.uses}/${g.maxUses ?? '∞'}`,
      g.metered ? 'yes' : 'no',
      g.status,
      g.notice.status,
    ]),
  ]);

const receivedRows = (gs: ReceivedGrant[]) =>
  table([
    ['id', 'owner', 'dataset', 'scope', 'expires', 'uses', 'metered', 'status'],
    ...gs.map((g) => [
      g.id,
      g.owner,
      `${g.datasetName} (${g.datasetId})`,
      scopeText(g),
      g.expiresAt ?? '-',
      `${g.uses}/${g.maxUses ?? '∞'}`,
      g.metered ? 'yes' : 'no',
      g.status,
    ]),
  ]);

const appRows = (as: Application[]) =>
  table([
    ['id', 'direction', 'applicant', 'owner', 'dataset', 'scope', 'status', 'grant'],
    ...as.map((a) => [
      a.id,
      a.direction,
      a.applicant,
      a.owner,
      a.datasetName ?? a.datasetId,
      scopeText(a),
      a.statusReason ? `${a.status} (${a.statusReason})` : a.status,
      a.grantId ?? '-',
    ]),
  ]);

const iso = (v: string | undefined) => (v ? new Date(v).toISOString() : undefined);

function terms(o: {
  job?: string;
  project?: string;
  expires?: string;
  maxUses?: number;
  metered?: boolean;
}) {
  const expiresAt = iso(o.expires);
  return {
    ...(o.job ? { jobId: o.job } : {}),
    ...(o.project ? { projectId: o.project } : {}),
    ...(expiresAt ? { expiresAt } : {}),
    ...(o.maxUses !== undefined ? { maxUses: o.maxUses } : {}),
    ...(o.metered ? { metered: true } : {}),
  };
}

type TermOpts = {
  job?: string;
  project?: string;
  expires?: string;
  maxUses?: number;
  metered?: boolean;
};

function withTerms(cmd: Command): Command {
  return cmd
    .option('--job <id>', 'only for this job of the grantee')
    .option('--project <id>', 'only for jobs of this project')
    .option('--expires <iso>', 'expiry time (ISO 8601)')
    .option('--max-uses <n>', 'at most this many jobs', (v) => Number(v))
    .option('--metered', 'record every use (job accepted, task started) for billing');
}

export function grantCommand(): Command {
  const cmd = new Command('grant').description(
    "let partner nodes use this node's datasets, and apply for theirs",
  );
  withTerms(
    withNode(cmd.command('create').description('grant a partner node the use of a dataset')),
  )
    .requiredOption('--dataset <id>', 'dataset id or name')
    .requiredOption('--to <node>', 'partner node id')
    .action((o: CommonOpts & TermOpts & { dataset: string; to: string }) =>
      run(
        o,
        (c) => c.post<GrantView>('/v1/grants', { dataset: o.dataset, grantee: o.to, ...terms(o) }),
        (g) => rows([g]),
      ),
    );
  withNode(cmd.command('list').description('list grants given by this node'))
    .option('--dataset <id>', 'only of this dataset')
    .option('--to <node>', 'only to this partner')
    .option('--status <s>', 'active, revoked, expired or used-up')
    .action((o: CommonOpts & { dataset?: string; to?: string; status?: string }) => {
      const q = new URLSearchParams();
      if (o.dataset) q.set('dataset', o.dataset);
      if (o.to) q.set('grantee', o.to);
      if (o.status) q.set('status', o.status);
      return run(
        o,
        (c) => c.get<{ items: GrantView[] }>(`/v1/grants${q.size ? `?${q.toString()}` : ''}`),
        (r) => rows(r.items),
      );
    });
  withNode(cmd.command('show <id>').description('show a grant given by this node')).action(
    (id: string, o: CommonOpts) =>
      run(
        o,
        (c) => c.get<GrantView>(`/v1/grants/${enc(id)}`),
        (g) => rows([g]),
      ),
  );
  withNode(cmd.command('revoke <id>').description('revoke a grant (the grantee is told)'))
    .option('--reason <text>', 'why')
    .action((id: string, o: CommonOpts & { reason?: string }) =>
      run(
        o,
        (c) =>
          c.post<GrantView>(`/v1/grants/${enc(id)}/revoke`, o.reason ? { reason: o.reason } : {}),
        (g) => rows([g]),
      ),
    );
  withNode(
    cmd.command('notify <id>').description("tell the grantee the grant's state again"),
  ).action((id: string, o: CommonOpts) =>
    run(
      o,
      (c) => c.post<GrantView>(`/v1/grants/${enc(id)}/notify`),
      (g) => rows([g]),
    ),
  );
  withNode(
    cmd
      .command('usage <id>')
      .description("a grant's recorded uses (metered grants) and total rows"),
  ).action((id: string, o: CommonOpts) =>
    run(
      o,
      (c) => c.get<{ items: Usage[]; total: number; rows: number }>(`/v1/grants/${enc(id)}/usage`),
      (r) =>
        `${table([
          ['at', 'job', 'event', 'task', 'party', 'rows'],
          ...r.items.map((u) => [u.at, u.jobId, u.event, u.task ?? '-', u.party ?? '-', u.rows]),
        ])}\n${r.total} use(s), ${r.rows} rows`,
    ),
  );
  withNode(cmd.command('received').description('list grants partners gave this node'))
    .option('--from <node>', 'only from this partner')
    .option('--status <s>', 'active, revoked, expired, used-up or deleted')
    .action((o: CommonOpts & { from?: string; status?: string }) => {
      const q = new URLSearchParams();
      if (o.from) q.set('owner', o.from);
      if (o.status) q.set('status', o.status);
      return run(
        o,
        (c) =>
          c.get<{ items: ReceivedGrant[] }>(
            `/v1/grants/received${q.size ? `?${q.toString()}` : ''}`,
          ),
        (r) => receivedRows(r.items),
      );
    });
  withNode(
    cmd
      .command('sync <node>')
      .description('ask a partner for every grant it gave this node (when notices were lost)'),
  ).action((node: string, o: CommonOpts) =>
    run(
      o,
      (c) => c.post<{ items: ReceivedGrant[] }>('/v1/grants/received/sync', { owner: node }),
      (r) => receivedRows(r.items),
    ),
  );

  // Applications.
  withTerms(
    withNode(
      cmd.command('apply').description('apply to a partner for the use of one of its datasets'),
    ),
  )
    .requiredOption('--owner <node>', 'the partner that owns the dataset')
    .requiredOption('--dataset <id>', "the dataset's id or name on the partner")
    .option('--reason <text>', 'why this node needs it')
    .action((o: CommonOpts & TermOpts & { owner: string; dataset: string; reason?: string }) =>
      run(
        o,
        (c) =>
          c.post<Application>('/v1/grant-applications', {
            owner: o.owner,
            dataset: o.dataset,
            ...terms(o),
            ...(o.reason ? { reason: o.reason } : {}),
          }),
        (a) =>
          `${appRows([a])}\nthe owner answers with: fedgrid grant confirm|reject ${a.id}; check with: fedgrid grant query ${a.id}`,
      ),
    );
  withNode(
    cmd
      .command('applications')
      .description('list grant applications (outgoing: this node applied; incoming: partners)'),
  )
    .option('--direction <d>', 'outgoing or incoming')
    .option('--status <s>', 'pending, confirmed, rejected or cancelled')
    .action((o: CommonOpts & { direction?: string; status?: string }) => {
      const q = new URLSearchParams();
      if (o.direction) q.set('direction', o.direction);
      if (o.status) q.set('status', o.status);
      return run(
        o,
        (c) =>
          c.get<{ items: Application[] }>(
            `/v1/grant-applications${q.size ? `?${q.toString()}` : ''}`,
          ),
        (r) => appRows(r.items),
      );
    });
  withNode(cmd.command('application <id>').description('show a grant application')).action(
    (id: string, o: CommonOpts) =>
      run(
        o,
        (c) => c.get<Application>(`/v1/grant-applications/${enc(id)}`),
        (a) => appRows([a]),
      ),
  );
  withNode(
    cmd
      .command('confirm <id>')
      .description('owner: confirm a pending application (creates the grant with its terms)'),
  ).action((id: string, o: CommonOpts) =>
    run(
      o,
      (c) => c.post<Application>(`/v1/grant-applications/${enc(id)}/confirm`),
      (a) => appRows([a]),
    ),
  );
  withNode(cmd.command('reject <id>').description('owner: reject a pending application'))
    .option('--reason <text>', 'why')
    .action((id: string, o: CommonOpts & { reason?: string }) =>
      run(
        o,
        (c) =>
          c.post<Application>(
            `/v1/grant-applications/${enc(id)}/reject`,
            o.reason ? { reason: o.reason } : {},
          ),
        (a) => appRows([a]),
      ),
    );
  withNode(
    cmd.command('cancel <id>').description('applicant: cancel a pending application'),
  ).action((id: string, o: CommonOpts) =>
    run(
      o,
      (c) => c.post<Application>(`/v1/grant-applications/${enc(id)}/cancel`),
      (a) => appRows([a]),
    ),
  );
  withNode(
    cmd
      .command('query <id>')
      .description("applicant: ask the owner for the application's state (after a lost answer)"),
  ).action((id: string, o: CommonOpts) =>
    run(
      o,
      (c) => c.post<Application>(`/v1/grant-applications/${enc(id)}/query`),
      (a) => appRows([a]),
    ),
  );
  return cmd;
}
