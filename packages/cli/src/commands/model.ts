/**
 * `fedgrid model list | show | name | request-approval | approvals | approval | approve | reject |
 * sync | publish | unpublish | versions | diff` (and the serving commands of model-serving.ts):
 * the model parts this node holds, the versions of named models they belong to, their approval
 * by the job's other parties and their publication for prediction.
 */
import type { ModelApprovalView, Page } from '@fedgrid/api-client';
import { Command } from 'commander';
import type { ModelVersionView } from '@fedgrid/node';
import { ApiError } from '../api-client.js';
import { print, reportError, table } from '../output.js';
import { client, withNode, type CommonOpts } from './common.js';
import { addVersionCommands, describeVersion, versionUrl } from './model-versions.js';
import { addServingCommands } from './model-serving.js';

interface ModelView {
  id: string;
  name: string;
  version: number | null;
  ref: string | null;
  jobId: string;
  task: string;
  component: string;
  algorithm: string | null;
  projectId: string | null;
  party: string;
  role: string;
  digest: string;
  file: string;
  size: number | null;
  createdAt: string;
  status: string;
  approval: {
    digest: string;
    partners: { node: string; status: string; approvalId: string | null; reason: string | null }[];
  };
  published: { at: string; by: string; digest: string; current: boolean } | null;
}

const short = (digest: string) => `${digest.slice(0, 12)}…`;

const modelRows = (ms: ModelView[]) =>
  table([
    ['id', 'version', 'party', 'project', 'digest', 'status'],
    ...ms.map((m) => [
      m.id,
      m.ref ?? m.name,
      m.party,
      m.projectId ?? '-',
      short(m.digest),
      m.status,
    ]),
  ]);

const approvalRows = (as: ModelApprovalView[]) =>
  table([
    ['id', 'direction', 'model', 'from', 'to', 'digest', 'status', 'reason'],
    ...as.map((a) => [
      a.id,
      a.direction,
      a.modelName,
      a.requester,
      a.approver,
      short(a.digest),
      a.status + (a.deliveryError ? ' (!)' : ''),
      a.reason ?? '',
    ]),
  ]);

function describe(m: ModelView): string {
  const lines = [
    `model part ${m.id} of ${m.ref ?? m.name} — ${m.status}`,
    `job ${m.jobId}, task ${m.task} (${m.component}${m.algorithm ? `, ${m.algorithm}` : ''}), party ${m.party}`,
    `project ${m.projectId ?? '-'}; created ${m.createdAt}`,
    `file ${m.file} (${m.size ?? '?'} bytes), sha256 ${m.digest}`,
  ];
  if (m.published)
    lines.push(
      `published ${m.published.at} by ${m.published.by}${m.published.current ? '' : ` (for an older digest ${short(m.published.digest)})`}`,
    );
  if (m.approval.partners.length) {
    lines.push(
      table([
        ['partner', 'approval', 'id', 'reason'],
        ...m.approval.partners.map((p) => [p.node, p.status, p.approvalId ?? '-', p.reason ?? '']),
      ]),
    );
  } else lines.push('no partners need to approve this model');
  return lines.join('\n');
}

export function modelCommand(): Command {
  const cmd = new Command('model').description(
    'model parts this node holds: approval by partners and publication',
  );
  withNode(cmd.command('list').description('list model parts held by this node'))
    .option('--project <id>', 'only models of this project')
    .option('--job <id>', 'only models of this job')
    .option('--status <s>', 'unapproved, pending, rejected, approved or published')
    .option('--q <text>', 'name or id contains')
    .option('--page <n>', 'page', (v) => Number(v), 1)
    .option('--page-size <n>', 'models per page', (v) => Number(v), 100)
    .action(
      async (
        o: CommonOpts & {
          project?: string;
          job?: string;
          status?: string;
          q?: string;
          page: number;
          pageSize: number;
        },
      ) => {
        try {
          const q = new URLSearchParams({ page: String(o.page), pageSize: String(o.pageSize) });
          for (const k of ['project', 'job', 'status', 'q'] as const) if (o[k]) q.set(k, o[k]);
          const r = await (await client(o)).get<Page<ModelView>>(`/v1/models?${q.toString()}`);
          print(r, !!o.json, () => `${modelRows(r.items)}\n${r.total} model(s)`);
        } catch (err) {
          reportError(err);
        }
      },
    );
  withNode(
    cmd
      .command('show <id-or-version>')
      .description(
        'show a model part by id (--json adds its content), or a model version: NAME@VERSION, NAME@latest, or a bare NAME (its newest)',
      ),
  ).action(async (id: string, o: CommonOpts) => {
    try {
      const api = await client(o);
      if (!id.includes('@')) {
        const part = await api.get<ModelView>(`/v1/models/${encodeURIComponent(id)}`).then(
          (m) => m,
          (err: unknown) => {
            // Not a part id: try it as a model name.
            if (err instanceof ApiError && err.status === 404) return undefined;
            throw err;
          },
        );
        if (part) return print(part, !!o.json, () => describe(part));
      }
      const v = await api.get<ModelVersionView>(versionUrl(id));
      print(v, !!o.json, () => describeVersion(v));
    } catch (err) {
      reportError(err);
    }
  });
  withNode(
    cmd
      .command('name <id> <name>')
      .description("name a model part's version: it becomes the next version of NAME"),
  ).action(async (id: string, name: string, o: CommonOpts) => {
    try {
      const m = await (
        await client(o)
      ).call<ModelView>('PATCH', `/v1/models/${encodeURIComponent(id)}`, { name });
      print(m, !!o.json, () => describe(m));
    } catch (err) {
      reportError(err);
    }
  });
  withNode(
    cmd
      .command('request-approval <id>')
      .description(
        "ask the job's other parties to approve the model part's digest (default: every partner that has not approved it and has no pending request)",
      ),
  )
    .option('--partner <node...>', 'only these partner nodes')
    .action(async (id: string, o: CommonOpts & { partner?: string[] }) => {
      try {
        const r = await (
          await client(o)
        ).post<{ model: ModelView; requests: ModelApprovalView[] }>(
          `/v1/models/${encodeURIComponent(id)}/approvals`,
          o.partner ? { partners: o.partner } : {},
        );
        print(r, !!o.json, () =>
          r.requests.length
            ? r.requests
                .map(
                  (a) =>
                    `${a.approver}: ${a.status} (${a.id})${a.deliveryError ? ` — not delivered: ${a.deliveryError}; retry later` : ''}`,
                )
                .join('\n')
            : `nothing to request: every partner has approved ${short(r.model.digest)} or has a pending request\n${describe(r.model)}`,
        );
        if (r.requests.some((a) => a.deliveryError)) process.exitCode = 1;
      } catch (err) {
        reportError(err);
      }
    });
  withNode(cmd.command('approvals').description('list model approvals (incoming and outgoing)'))
    .option('--model <id>', 'only approvals of this model')
    .option('--direction <d>', 'incoming (partners ask this node) or outgoing (this node asked)')
    .option('--status <s>', 'undelivered, pending, approved or rejected')
    .option('--job <id>', 'only approvals of models of this job')
    .action(
      async (
        o: CommonOpts & { model?: string; direction?: string; status?: string; job?: string },
      ) => {
        try {
          const q = new URLSearchParams();
          for (const k of ['model', 'direction', 'status', 'job'] as const)
            if (o[k]) q.set(k, o[k]);
          const r = await (
            await client(o)
          ).get<Page<ModelApprovalView>>(`/v1/model-approvals?${q.toString()}`);
          print(r, !!o.json, () => `${approvalRows(r.items)}\n${r.total} approval(s)`);
        } catch (err) {
          reportError(err);
        }
      },
    );
  withNode(cmd.command('approval <approval-id>').description('show one model approval')).action(
    async (id: string, o: CommonOpts) => {
      try {
        const a = await (
          await client(o)
        ).get<ModelApprovalView>(`/v1/model-approvals/${encodeURIComponent(id)}`);
        print(
          a,
          !!o.json,
          () =>
            `${approvalRows([a])}\ndigest ${a.digest}${a.deliveryError ? `\nnot delivered: ${a.deliveryError}` : ''}`,
        );
      } catch (err) {
        reportError(err);
      }
    },
  );
  for (const [name, desc, opt] of [
    ['approve', "approve a partner's model part (its digest)", '--comment <text>'],
    ['reject', "reject a partner's model part", '--reason <text>'],
  ] as const) {
    withNode(cmd.command(`${name} <approval-id>`).description(desc))
      .option(opt, name === 'approve' ? 'a note for the partner' : 'why (the partner sees it)')
      .action(async (id: string, o: CommonOpts & { comment?: string; reason?: string }) => {
        try {
          const reason = o.comment ?? o.reason;
          const a = await (
            await client(o)
          ).post<ModelApprovalView>(
            `/v1/model-approvals/${encodeURIComponent(id)}/${name}`,
            reason ? { reason } : {},
          );
          print(
            a,
            !!o.json,
            () =>
              `${approvalRows([a])}${a.deliveryError ? `\nthe requester was not told (${a.deliveryError}); it will find out by its status query` : ''}`,
          );
        } catch (err) {
          reportError(err);
        }
      });
  }
  withNode(
    cmd
      .command('sync <id>')
      .description(
        'ask partners for the status of undecided approvals (a model id: all of its; an approval id: that one) — the fallback for a lost callback',
      ),
  ).action(async (id: string, o: CommonOpts) => {
    try {
      const api = await client(o);
      if (id.includes(':mapv-')) {
        const a = await api.post<ModelApprovalView>(
          `/v1/model-approvals/${encodeURIComponent(id)}/sync`,
        );
        return print(a, !!o.json, () => approvalRows([a]));
      }
      const r = await api.post<{ model: ModelView; synced: ModelApprovalView[] }>(
        `/v1/models/${encodeURIComponent(id)}/approvals/sync`,
      );
      print(r, !!o.json, () => describe(r.model));
    } catch (err) {
      reportError(err);
    }
  });
  for (const [name, desc] of [
    [
      'publish',
      'publish a model part for prediction (every partner must have approved its digest)',
    ],
    ['unpublish', 'withdraw a model part from prediction'],
  ] as const) {
    withNode(cmd.command(`${name} <id>`).description(desc)).action(
      async (id: string, o: CommonOpts) => {
        try {
          const m = await (
            await client(o)
          ).post<ModelView>(`/v1/models/${encodeURIComponent(id)}/${name}`);
          print(m, !!o.json, () => describe(m));
        } catch (err) {
          reportError(err);
        }
      },
    );
  }
  addVersionCommands(cmd);
  addServingCommands(cmd);
  return cmd;
}
