/**
 * `fedgrid project create | list | show | update | delete | invite | remove | member-status |
 * accept | reject | refresh | partner-list | partner-show` (docs/objects/project.md).
 */
import type { ProjectPage, ProjectView, SharedProjectView } from '@fedgrid/api-client';
import { Command } from 'commander';
import { print, reportError, table } from '../output.js';
import { client, withNode, type CommonOpts } from './common.js';

const enc = encodeURIComponent;

const rows = (ps: ProjectView[]) =>
  table([
    ['id', 'name', 'type', 'owner', 'status', 'membership', 'members'],
    ...ps.map((p) => [
      p.id,
      p.name,
      p.type,
      p.owner,
      p.status,
      p.membership ?? '(own)',
      p.members.map((m) => `${m.nodeId}:${m.status}`).join(' ') || '-',
    ]),
  ]);

function describe(p: ProjectView): string {
  const lines = [
    `project ${p.id} — ${p.name} (${p.type}, ${p.status}, version ${p.version})`,
    `owner ${p.owner}${p.role === 'member' ? `; this node's membership: ${p.membership}` : ''}`,
  ];
  if (p.description) lines.push(p.description);
  if (p.syncError) lines.push(`warning: ${p.syncError}`);
  if (p.members.length) {
    lines.push(
      table([
        ['member', 'status', 'reason'],
        ...p.members.map((m) => [m.nodeId, m.status, m.reason ?? '']),
      ]),
    );
  }
  for (const s of p.sync ?? []) {
    lines.push(s.ok ? `told ${s.node}` : `could not tell ${s.node}: ${s.error}`);
  }
  return lines.join('\n');
}

function pageQuery(o: {
  q?: string;
  exact?: boolean;
  page?: string;
  pageSize?: string;
}): URLSearchParams {
  const qs = new URLSearchParams();
  if (o.q) qs.set('q', o.q);
  if (o.exact) qs.set('exact', 'true');
  if (o.page) qs.set('page', o.page);
  if (o.pageSize) qs.set('pageSize', o.pageSize);
  return qs;
}

const withPaging = (cmd: Command) =>
  cmd
    .option('--q <text>', 'name contains this (case-insensitive)')
    .option('--exact', '--q must equal the name')
    .option('--page <n>', 'page number (from 1)')
    .option('--page-size <n>', 'items per page');

type PageOpts = CommonOpts & { q?: string; exact?: boolean; page?: string; pageSize?: string };

export function projectCommand(): Command {
  const cmd = new Command('project').description(
    'cooperation spaces holding nodes, datasets, flows and models',
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

  withNode(cmd.command('create').description('create a project owned by this node'))
    .requiredOption('--name <name>', 'project name')
    .option('--description <text>', 'what the project is for')
    .option('--type <type>', 'vertical | horizontal | statistics | transfer | other', 'other')
    .action(
      run(async (o: CommonOpts & { name: string; description?: string; type: string }) => {
        const p = await (
          await client(o)
        ).post<ProjectView>('/v1/projects', {
          name: o.name,
          type: o.type,
          ...(o.description !== undefined ? { description: o.description } : {}),
        });
        print(p, !!o.json, () => describe(p));
      }),
    );

  withPaging(withNode(cmd.command('list').description('list own projects and partners’ projects')))
    .option('--role <role>', 'owner | member | all', 'all')
    .option('--status <status>', 'active | deleted | all', 'active')
    .option('--membership <status>', "partners' projects by this node's membership, e.g. invited")
    .action(
      run(async (o: PageOpts & { role: string; status: string; membership?: string }) => {
        const qs = pageQuery(o);
        qs.set('role', o.role);
        qs.set('status', o.status);
        if (o.membership) qs.set('membership', o.membership);
        const r = await (await client(o)).get<ProjectPage>(`/v1/projects?${qs}`);
        print(r, !!o.json, () => `${rows(r.items)}\n${r.items.length} of ${r.total}`);
      }),
    );

  withNode(cmd.command('show <id>').description('show a project and its members')).action(
    run(async (id: string, o: CommonOpts) => {
      const p = await (await client(o)).get<ProjectView>(`/v1/projects/${enc(id)}`);
      print(p, !!o.json, () => describe(p));
    }),
  );

  withNode(cmd.command('update <id>').description('update an own project (synced to its members)'))
    .option('--name <name>', 'new name')
    .option('--description <text>', 'new description')
    .option('--type <type>', 'new type')
    .action(
      run(
        async (
          id: string,
          o: CommonOpts & { name?: string; description?: string; type?: string },
        ) => {
          const p = await (
            await client(o)
          ).call<ProjectView>('PATCH', `/v1/projects/${enc(id)}`, {
            ...(o.name !== undefined ? { name: o.name } : {}),
            ...(o.description !== undefined ? { description: o.description } : {}),
            ...(o.type !== undefined ? { type: o.type } : {}),
          });
          print(p, !!o.json, () => describe(p));
        },
      ),
    );

  withNode(
    cmd.command('delete <id>').description('delete an own project (members are told)'),
  ).action(
    run(async (id: string, o: CommonOpts) => {
      const p = await (await client(o)).call<ProjectView>('DELETE', `/v1/projects/${enc(id)}`);
      print(p, !!o.json, () => describe(p));
    }),
  );

  withNode(
    cmd
      .command('invite <id> <node>')
      .description('invite a contracted partner node into an own project'),
  ).action(
    run(async (id: string, node: string, o: CommonOpts) => {
      const p = await (
        await client(o)
      ).post<ProjectView>(`/v1/projects/${enc(id)}/members`, { node });
      print(p, !!o.json, () => describe(p));
    }),
  );

  withNode(
    cmd.command('remove <id> <node>').description('remove a member from an own project'),
  ).action(
    run(async (id: string, node: string, o: CommonOpts) => {
      const p = await (
        await client(o)
      ).call<ProjectView>('DELETE', `/v1/projects/${enc(id)}/members/${enc(node)}`);
      print(p, !!o.json, () => describe(p));
    }),
  );

  withNode(
    cmd
      .command('member-status <id> <node>')
      .description('ask a member for its answer (when its callback did not arrive)'),
  ).action(
    run(async (id: string, node: string, o: CommonOpts) => {
      const m = await (
        await client(o)
      ).post<{ nodeId: string; status: string; remote: { status: string } }>(
        `/v1/projects/${enc(id)}/members/${enc(node)}/sync`,
      );
      print(m, !!o.json, () => `${m.nodeId}: ${m.status} (the member says ${m.remote.status})`);
    }),
  );

  withNode(
    cmd.command('accept <id>').description("accept an invitation into a partner's project"),
  ).action(
    run(async (id: string, o: CommonOpts) => {
      const p = await (await client(o)).post<ProjectView>(`/v1/projects/${enc(id)}/accept`);
      print(p, !!o.json, () => describe(p));
    }),
  );

  withNode(cmd.command('reject <id>').description("reject an invitation into a partner's project"))
    .option('--reason <text>', 'told to the owner')
    .action(
      run(async (id: string, o: CommonOpts & { reason?: string }) => {
        const p = await (
          await client(o)
        ).post<ProjectView>(`/v1/projects/${enc(id)}/reject`, {
          ...(o.reason ? { reason: o.reason } : {}),
        });
        print(p, !!o.json, () => describe(p));
      }),
    );

  withNode(
    cmd
      .command('refresh <id>')
      .description("fetch the owner's current version of a partner's project"),
  ).action(
    run(async (id: string, o: CommonOpts) => {
      const p = await (await client(o)).post<ProjectView>(`/v1/projects/${enc(id)}/refresh`);
      print(p, !!o.json, () => describe(p));
    }),
  );

  withPaging(
    withNode(
      cmd
        .command('partner-list <node>')
        .description('list the projects a partner node shares with this node'),
    ),
  ).action(
    run(async (node: string, o: PageOpts) => {
      const r = await (
        await client(o)
      ).get<{ items: SharedProjectView[]; total: number }>(
        `/v1/partners/${enc(node)}/projects?${pageQuery(o)}`,
      );
      print(r, !!o.json, () =>
        [
          table([
            ['id', 'name', 'type', 'status', 'members'],
            ...r.items.map((p) => [
              p.id,
              p.name,
              p.type,
              p.status,
              p.members.map((m) => `${m.nodeId}:${m.status}`).join(' ') || '-',
            ]),
          ]),
          `${r.items.length} of ${r.total}`,
        ].join('\n'),
      );
    }),
  );

  withNode(
    cmd
      .command('partner-show <node> <id>')
      .description('show one project a partner node shares with this node'),
  ).action(
    run(async (node: string, id: string, o: CommonOpts) => {
      const p = await (
        await client(o)
      ).get<SharedProjectView>(`/v1/partners/${enc(node)}/projects/${enc(id)}`);
      print(p, !!o.json);
    }),
  );
  return cmd;
}
