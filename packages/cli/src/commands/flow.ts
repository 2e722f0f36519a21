/**
 * `fedgrid flow submit | list | show | update | delete | request-approval | approvals | approval |
 * approve | reject | approval-sync | run | jobs` (docs/objects/flow.md).
 */
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import type { JobView } from '@fedgrid/node';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { followJob } from '../job-watch.js';
import { describeJob } from '../job-summary.js';
import { print, reportError, table } from '../output.js';
import { client, withNode, type CommonOpts } from './common.js';

/** The node's flow view (GET /v1/flows/:id). */
export interface FlowView {
  id: string;
  projectId: string;
  initiator: string;
  name: string;
  description: string;
  version: number;
  status: string;
  parties: { guest: { node: string }; hosts: { node: string }[]; arbiter?: { node: string } };
  datasets: Record<string, string>;
  tasks: { name: string; component: string; inputs: Record<string, string> }[];
  config: { priority: number; timeoutSeconds: number };
  digest: string;
  approval: {
    approved: boolean;
    partners: { node: string; status: string; approvalId: string | null; reason: string | null }[];
  };
  withdrawn?: string[];
}

export interface ApprovalView {
  id: string;
  direction: string;
  flowId: string;
  projectId: string;
  initiator: string;
  approver: string;
  flowVersion: number;
  digest: string;
  status: string;
  reason: string | null;
  deliveryError: string | null;
  content: { name: string; description: string };
}

const enc = encodeURIComponent;

/**
 * Reads a flow file (YAML or JSON): the fields of POST /v1/flows — name, description, parties,
 * datasets, tasks, config {priority, timeoutSeconds}. A job file (priority and timeoutSeconds at
 * the top) is accepted too.
 * @throws Error naming the file, line and column of a syntax error.
 */
export async function readFlowFile(file: string): Promise<Record<string, unknown>> {
  const text = await readFile(file, 'utf8');
  let doc: unknown;
  try {
    doc = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    const pos = err instanceof YAMLParseError && err.linePos ? err.linePos[0] : undefined;
    throw new Error(
      `${file}${pos ? `:${pos.line}:${pos.col}` : ''}: ${(err as Error).message
        .split('\n')[0]
        ?.replace(/ at line \d+, column \d+:?$/, '')}`,
    );
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new Error(`${file}: a flow file is a mapping with name, parties, datasets and tasks`);
  }
  const { project, projectId, priority, timeoutSeconds, config, ...rest } = doc as Record<
    string,
    unknown
  >;
  return {
    ...rest,
    ...((projectId ?? project) ? { projectId: projectId ?? project } : {}),
    config: config ?? {
      ...(priority !== undefined ? { priority } : {}),
      ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    },
  };
}

function describe(f: FlowView): string {
  const parties = [
    `guest ${f.parties.guest.node}`,
    ...f.parties.hosts.map((h, k) => `host-${k} ${h.node}`),
    ...(f.parties.arbiter ? [`arbiter ${f.parties.arbiter.node}`] : []),
  ].join(', ');
  const lines = [
    `flow ${f.id} — ${f.name} (version ${f.version}, ${f.status})`,
    `project ${f.projectId}; parties: ${parties}`,
    `config: priority ${f.config.priority}, timeout ${f.config.timeoutSeconds} s; digest ${f.digest}`,
    table([
      ['task', 'component', 'inputs'],
      ...f.tasks.map((t) => [
        t.name,
        t.component,
        Object.entries(t.inputs)
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
      ]),
    ]),
    `approvals of this digest${f.approval.approved ? ' (complete: the flow can run)' : ''}:`,
    table([
      ['partner', 'status', 'approval', 'reason'],
      ...f.approval.partners.map((p) => [p.node, p.status, p.approvalId ?? '-', p.reason ?? '']),
    ]),
  ];
  if (f.withdrawn?.length) lines.push(`withdrawn requests: ${f.withdrawn.join(', ')}`);
  return lines.join('\n');
}

const approvalRows = (xs: ApprovalView[]) =>
  table([
    ['approval', 'direction', 'flow', 'version', 'from', 'to', 'status', 'note'],
    ...xs.map((a) => [
      a.id,
      a.direction,
      `${a.flowId} (${a.content.name})`,
      a.flowVersion,
      a.initiator,
      a.approver,
      a.status,
      a.deliveryError ?? a.reason ?? '',
    ]),
  ]);

/** `--param train.maxIter=50` → { train: { maxIter: 50 } } (values parsed as JSON when they can be). */
function paramOverrides(specs: string[]): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const s of specs) {
    const m = /^([^.=]+)\.([^=]+)=(.*)$/.exec(s);
    if (!m)
      throw new Error(`--param ${s}: write <task>.<parameter>=<value>, e.g. train.maxIter=50`);
    const [, task, key, raw] = m as unknown as [string, string, string, string];
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // a plain string
    }
    (out[task] ??= {})[key] = value;
  }
  return out;
}

export function flowCommand(): Command {
  const cmd = new Command('flow').description(
    'DAGs of components in a project: approvals by the partners, and jobs run from them',
  );
  const run =
    <A extends unknown[]>(f: (...args: A) => Promise<void>) =>
    async (...args: A) => {
      try {
        await f(...args);
      } catch (err) {
        reportError(err);
      }
    };

  withNode(
    cmd
      .command('submit <file>')
      .description('create a flow from a YAML or JSON flow file (see examples/flows)'),
  )
    .option('--project <id>', 'the project (else projectId in the file)')
    .action(
      run(async (file: string, o: CommonOpts & { project?: string }) => {
        const body = await readFlowFile(file);
        if (o.project) body['projectId'] = o.project;
        if (!body['projectId']) throw new Error('which project? give --project <id>');
        const f = await (await client(o)).post<FlowView>('/v1/flows', body);
        print(f, !!o.json, () => describe(f));
      }),
    );

  withNode(cmd.command('list').description('list flows'))
    .option('--project <id>', 'only this project’s flows')
    .option('--q <text>', 'name contains this (case-insensitive)')
    .option('--all', 'include deleted flows')
    .option('--page <n>', 'page number (from 1)')
    .option('--page-size <n>', 'items per page')
    .action(
      run(
        async (
          o: CommonOpts & {
            project?: string;
            q?: string;
            all?: boolean;
            page?: string;
            pageSize?: string;
          },
        ) => {
          const qs = new URLSearchParams();
          if (o.project) qs.set('projectId', o.project);
          if (o.q) qs.set('q', o.q);
          if (o.all) qs.set('status', 'all');
          if (o.page) qs.set('page', o.page);
          if (o.pageSize) qs.set('pageSize', o.pageSize);
          const r = await (
            await client(o)
          ).get<{ items: FlowView[]; total: number }>(`/v1/flows?${qs}`);
          print(r, !!o.json, () =>
            [
              table([
                ['id', 'name', 'project', 'version', 'status', 'approved'],
                ...r.items.map((f) => [
                  f.id,
                  f.name,
                  f.projectId,
                  f.version,
                  f.status,
                  f.approval.approved ? 'yes' : 'no',
                ]),
              ]),
              `${r.items.length} of ${r.total}`,
            ].join('\n'),
          );
        },
      ),
    );

  withNode(cmd.command('show <id>').description('show a flow, its digest and approvals')).action(
    run(async (id: string, o: CommonOpts) => {
      const f = await (await client(o)).get<FlowView>(`/v1/flows/${enc(id)}`);
      print(f, !!o.json, () => describe(f));
    }),
  );

  withNode(
    cmd
      .command('update <id> [file]')
      .description(
        'save a new version (from a flow file and/or options); a new DAG or config needs new approvals',
      ),
  )
    .option('--name <name>', 'new name')
    .option('--description <text>', 'new description')
    .option('--priority <n>', 'new default priority (-100…100)', (v) => Number(v))
    .option('--timeout <seconds>', 'new default timeout', (v) => Number(v))
    .action(
      run(
        async (
          id: string,
          file: string | undefined,
          o: CommonOpts & {
            name?: string;
            description?: string;
            priority?: number;
            timeout?: number;
          },
        ) => {
          const body: Record<string, unknown> = file ? await readFlowFile(file) : {};
          delete body['projectId'];
          if (o.name !== undefined) body['name'] = o.name;
          if (o.description !== undefined) body['description'] = o.description;
          if (o.priority !== undefined || o.timeout !== undefined) {
            body['config'] = {
              ...((body['config'] as object | undefined) ?? {}),
              ...(o.priority !== undefined ? { priority: o.priority } : {}),
              ...(o.timeout !== undefined ? { timeoutSeconds: o.timeout } : {}),
            };
          }
          const f = await (await client(o)).call<FlowView>('PATCH', `/v1/flows/${enc(id)}`, body);
          print(f, !!o.json, () => describe(f));
        },
      ),
    );

  withNode(cmd.command('delete <id>').description('delete a flow')).action(
    run(async (id: string, o: CommonOpts) => {
      const f = await (await client(o)).call<FlowView>('DELETE', `/v1/flows/${enc(id)}`);
      print(f, !!o.json, () => describe(f));
    }),
  );

  withNode(
    cmd
      .command('request-approval <id>')
      .description("ask every partner in the flow's parties to approve its current version"),
  ).action(
    run(async (id: string, o: CommonOpts) => {
      const r = await (
        await client(o)
      ).post<{ items: ApprovalView[] }>(`/v1/flows/${enc(id)}/approvals`);
      print(r, !!o.json, () => approvalRows(r.items));
    }),
  );

  withNode(
    cmd
      .command('approvals [flowId]')
      .description("list approvals: a flow's requests, or those partners asked of this node"),
  )
    .option('--incoming', 'requests partners sent to this node')
    .option('--outgoing', 'requests this node sent')
    .option('--status <status>', 'pending | approved | rejected | withdrawn | invalidated')
    .action(
      run(
        async (
          flowId: string | undefined,
          o: CommonOpts & { incoming?: boolean; outgoing?: boolean; status?: string },
        ) => {
          const qs = new URLSearchParams();
          if (flowId) qs.set('flowId', flowId);
          if (o.incoming) qs.set('direction', 'incoming');
          if (o.outgoing) qs.set('direction', 'outgoing');
          if (o.status) qs.set('status', o.status);
          const r = await (
            await client(o)
          ).get<{ items: ApprovalView[]; total: number }>(`/v1/flow-approvals?${qs}`);
          print(r, !!o.json, () => `${approvalRows(r.items)}\n${r.items.length} of ${r.total}`);
        },
      ),
    );

  withNode(
    cmd
      .command('approval <approvalId>')
      .description('show one flow approval with the content (DAG and config) it is for'),
  ).action(
    run(async (id: string, o: CommonOpts) => {
      const a = await (await client(o)).get<ApprovalView>(`/v1/flow-approvals/${enc(id)}`);
      print(
        a,
        !!o.json,
        () => `${approvalRows([a])}\ndigest ${a.digest}${a.reason ? `\nreason: ${a.reason}` : ''}`,
      );
    }),
  );

  for (const [verb, what] of [
    ['approve', 'approve'],
    ['reject', 'reject'],
  ] as const) {
    withNode(
      cmd
        .command(`${verb} <approvalId>`)
        .description(`${what} a partner's request to approve a flow (the initiator is told)`),
    )
      .option('--reason <text>', 'told to the initiator')
      .action(
        run(async (id: string, o: CommonOpts & { reason?: string }) => {
          const a = await (
            await client(o)
          ).post<ApprovalView>(`/v1/flow-approvals/${enc(id)}/${verb}`, {
            ...(o.reason ? { reason: o.reason } : {}),
          });
          print(a, !!o.json, () => approvalRows([a]));
        }),
      );
  }

  withNode(
    cmd
      .command('approval-sync <approvalId>')
      .description('ask the partner for its answer (when its callback did not arrive)'),
  ).action(
    run(async (id: string, o: CommonOpts) => {
      const a = await (await client(o)).post<ApprovalView>(`/v1/flow-approvals/${enc(id)}/sync`);
      print(a, !!o.json, () => approvalRows([a]));
    }),
  );

  withNode(
    cmd
      .command('run <id>')
      .description('create a job from the flow (every partner must have approved it)'),
  )
    .option('--name <name>', "the job's name (default: the flow's)")
    .option('--priority <n>', 'priority of this job', (v) => Number(v))
    .option('--timeout <seconds>', 'timeout of this job', (v) => Number(v))
    .option(
      '--param <task.key=value>',
      'override a task parameter (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--wait', 'follow progress until the job ends')
    .action(
      run(
        async (
          id: string,
          o: CommonOpts & {
            name?: string;
            priority?: number;
            timeout?: number;
            param: string[];
            wait?: boolean;
          },
        ) => {
          const api = await client(o);
          const job = await api.post<JobView>(`/v1/flows/${enc(id)}/jobs`, {
            ...(o.name !== undefined ? { name: o.name } : {}),
            ...(o.priority !== undefined ? { priority: o.priority } : {}),
            ...(o.timeout !== undefined ? { timeoutSeconds: o.timeout } : {}),
            params: paramOverrides(o.param),
          });
          if (!o.wait) return print(job, !!o.json, () => `job ${job.id} — ${job.status}`);
          const final = await followJob(api, job.id, {
            ...(o.json ? {} : { write: (line: string) => process.stdout.write(line + '\n') }),
          });
          print(final, !!o.json, () => describeJob(final));
          if (final.status !== 'succeeded') process.exitCode = 1;
        },
      ),
    );

  withNode(cmd.command('jobs <id>').description('list the jobs created from a flow'))
    .option('--page <n>', 'page number (from 1)')
    .option('--page-size <n>', 'items per page')
    .action(
      run(async (id: string, o: CommonOpts & { page?: string; pageSize?: string }) => {
        const qs = new URLSearchParams();
        if (o.page) qs.set('page', o.page);
        if (o.pageSize) qs.set('pageSize', o.pageSize);
        const r = await (
          await client(o)
        ).get<{ items: JobView[]; total: number }>(`/v1/flows/${enc(id)}/jobs?${qs}`);
        print(r, !!o.json, () =>
          [
            table([
              ['job', 'status', 'created', 'tasks'],
              ...r.items.map((j) => [
                j.id,
                j.status,
                j.createdAt,
                j.tasks.map((t) => `${t.name}:${t.status}`).join(' '),
              ]),
            ]),
            `${r.items.length} of ${r.total}`,
          ].join('\n'),
        );
      }),
    );
  return cmd;
}
