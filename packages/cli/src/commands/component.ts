/**
 * `fedgrid component list | show | register | validate | health | unregister | partner-list |
 * partner-show`: the component registry (built-in components and external metadata).
 */
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { print, reportError, table } from '../output.js';
import { client, withNode, type CommonOpts } from './common.js';

interface ComponentView {
  code: string;
  version: string;
  engine: string;
  name: string;
  description: string;
  reference: string;
  address: string | null;
  addressType: string | null;
  roles: string[];
  inputs: { name: string; kind: string; roles?: string[] }[];
  outputs: { name: string; kind: string; roles?: string[] }[];
  params: { properties?: Record<string, { type?: string; default?: unknown }> };
  developer: string;
  visibility: string;
  status: string;
  health?: { status: string; detail: string; checkedAt: string } | null;
}

interface ComponentPage {
  items: ComponentView[];
  total: number;
  page: number;
  pageSize: number;
  totals: { byEngine: Record<string, number>; byVisibility: Record<string, number> };
}

const rows = (cs: ComponentView[]) =>
  table([
    ['code', 'version', 'engine', 'name', 'visibility', 'status'],
    ...cs.map((c) => [c.code, c.version, c.engine, c.name, c.visibility, c.status]),
  ]);

const pageText = (p: ComponentPage) =>
  `${rows(p.items)}\n${p.total} component(s); by engine ${Object.entries(p.totals.byEngine)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}`;

function describe(c: ComponentView): string {
  const ports = (ps: ComponentView['inputs']) =>
    ps
      .map((p) => `${p.name}:${p.kind}${p.roles?.length ? `[${p.roles.join(',')}]` : ''}`)
      .join(' ') || '-';
  const lines = [
    `${c.code} ${c.version} — ${c.name} (${c.engine}, ${c.visibility}, ${c.status})`,
    ...(c.description ? [c.description] : []),
    `roles: ${c.roles.join(', ') || '-'}; inputs: ${ports(c.inputs)}; outputs: ${ports(c.outputs)}`,
    `address: ${c.address ? `${c.address} (${c.addressType ?? '?'})` : '-'}; developer: ${c.developer || '-'}`,
  ];
  if (c.reference) lines.push(`reference: ${c.reference}`);
  if (c.health)
    lines.push(`health: ${c.health.status} at ${c.health.checkedAt} — ${c.health.detail}`);
  const props = Object.entries(c.params.properties ?? {});
  if (props.length)
    lines.push(
      table([
        ['parameter', 'type', 'default'],
        ...props.map(([k, v]) => [
          k,
          v.type ?? '-',
          v.default === undefined ? '-' : JSON.stringify(v.default),
        ]),
      ]),
    );
  return lines.join('\n');
}

async function readObject(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  return file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
}

const path = (code: string, version: string) =>
  `${encodeURIComponent(code)}/${encodeURIComponent(version)}`;

export function componentCommand(): Command {
  const cmd = new Command('component').description(
    'the component registry: built-in components and external metadata',
  );
  withNode(cmd.command('list').description('list components (built-in and external)'))
    .option('--engine <e>', 'only this engine (builtin, fate, secretflow, container, …)')
    .option('--visibility <v>', 'public or internal')
    .option('--q <text>', 'code or name contains')
    .option('--page <n>', 'page', (v) => Number(v), 1)
    .option('--page-size <n>', 'components per page', (v) => Number(v), 100)
    .action(
      async (
        o: CommonOpts & {
          engine?: string;
          visibility?: string;
          q?: string;
          page: number;
          pageSize: number;
        },
      ) => {
        try {
          const q = new URLSearchParams({ page: String(o.page), pageSize: String(o.pageSize) });
          for (const k of ['engine', 'visibility', 'q'] as const) if (o[k]) q.set(k, o[k]);
          const r = await (await client(o)).get<ComponentPage>(`/v1/components?${q.toString()}`);
          print(r, !!o.json, () => pageText(r));
        } catch (err) {
          reportError(err);
        }
      },
    );
  withNode(
    cmd
      .command('show <code> [version]')
      .description('show a component (the only registered version when none is given)'),
  ).action(async (code: string, version: string | undefined, o: CommonOpts) => {
    try {
      const api = await client(o);
      let v = version;
      if (!v) {
        const r = await api.get<ComponentPage>(
          `/v1/components?${new URLSearchParams({ q: code, exact: 'true' }).toString()}`,
        );
        const versions = r.items.filter((c) => c.code === code).map((c) => c.version);
        if (versions.length !== 1)
          throw new Error(
            versions.length
              ? `component '${code}' has several versions (${versions.join(', ')}); name one`
              : `component '${code}' is not registered on this node`,
          );
        v = versions[0] as string;
      }
      const c = await api.get<ComponentView>(`/v1/components/${path(code, v)}`);
      print(c, !!o.json, () => describe(c));
    } catch (err) {
      reportError(err);
    }
  });
  withNode(
    cmd
      .command('register <file>')
      .description(
        'register an external component from a YAML or JSON file: code, version, engine, name, address, addressType, roles, inputs, outputs, params (JSON Schema), developer, visibility',
      ),
  )
    .option('--visibility <v>', 'public or internal (overrides the file)')
    .action(async (file: string, o: CommonOpts & { visibility?: string }) => {
      try {
        const body = (await readObject(file)) as Record<string, unknown>;
        if (o.visibility) body['visibility'] = o.visibility;
        const c = await (await client(o)).post<ComponentView>('/v1/components', body);
        print(
          c,
          !!o.json,
          () => `registered (metadata only; it cannot run on FedGrid yet)\n${describe(c)}`,
        );
      } catch (err) {
        reportError(err);
      }
    });
  withNode(
    cmd
      .command('validate <code> <version>')
      .description("check parameters against the component's schema"),
  )
    .option('--params <json>', 'parameters as JSON, e.g. \'{"maxIter": 10}\'')
    .option('--params-file <file>', 'parameters in a YAML or JSON file')
    .action(
      async (
        code: string,
        version: string,
        o: CommonOpts & { params?: string; paramsFile?: string },
      ) => {
        try {
          const params = o.paramsFile
            ? await readObject(o.paramsFile)
            : o.params
              ? (JSON.parse(o.params) as unknown)
              : {};
          const r = await (
            await client(o)
          ).post<{ valid: boolean; issues: { field: string; message: string }[] }>(
            `/v1/components/${path(code, version)}/validate`,
            { params },
          );
          print(r, !!o.json, () =>
            r.valid
              ? 'valid'
              : `invalid:\n${r.issues.map((i) => `  ${i.field}: ${i.message}`).join('\n')}`,
          );
          if (!r.valid) process.exitCode = 1;
        } catch (err) {
          reportError(err);
        }
      },
    );
  withNode(
    cmd
      .command('health <code> <version>')
      .description('check a component: built-in programs loaded, or its http(s) address answers'),
  ).action(async (code: string, version: string, o: CommonOpts) => {
    try {
      const h = await (
        await client(o)
      ).post<{ status: string; detail: string }>(`/v1/components/${path(code, version)}/health`);
      print(h, !!o.json, () => `${code} ${version}: ${h.status} — ${h.detail}`);
      if (h.status === 'unhealthy') process.exitCode = 1;
    } catch (err) {
      reportError(err);
    }
  });
  withNode(
    cmd
      .command('unregister <code> <version>')
      .description('unregister an external component (built-in ones cannot be)'),
  ).action(async (code: string, version: string, o: CommonOpts) => {
    try {
      const c = await (
        await client(o)
      ).call<ComponentView>('DELETE', `/v1/components/${path(code, version)}`);
      print(c, !!o.json, () => `unregistered ${c.code} ${c.version}`);
    } catch (err) {
      reportError(err);
    }
  });
  withNode(
    cmd.command('partner-list <node>').description("list a contracted partner's public components"),
  )
    .option('--engine <e>', 'only this engine')
    .option('--q <text>', 'code or name contains')
    .action(async (node: string, o: CommonOpts & { engine?: string; q?: string }) => {
      try {
        const q = new URLSearchParams();
        for (const k of ['engine', 'q'] as const) if (o[k]) q.set(k, o[k]);
        const r = await (
          await client(o)
        ).get<ComponentPage>(`/v1/partners/${encodeURIComponent(node)}/components?${q.toString()}`);
        print(r, !!o.json, () => pageText(r));
      } catch (err) {
        reportError(err);
      }
    });
  withNode(
    cmd
      .command('partner-show <node> <code> <version>')
      .description("show one of a contracted partner's public components"),
  ).action(async (node: string, code: string, version: string, o: CommonOpts) => {
    try {
      const c = await (
        await client(o)
      ).get<ComponentView>(
        `/v1/partners/${encodeURIComponent(node)}/components/${path(code, version)}`,
      );
      print(c, !!o.json, () => describe(c));
    } catch (err) {
      reportError(err);
    }
  });
  return cmd;
}
