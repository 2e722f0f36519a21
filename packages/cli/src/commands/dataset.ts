/**
 * `fedgrid dataset register | list | show | update | delete` (own datasets) and
 * `partner-list | partner-show | granted-to-me` (a partner's datasets, asked through this node).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { Command } from 'commander';
import { unwrap } from '@fedgrid/api-client';
import type { DatasetView } from '@fedgrid/node';
import { print, reportError, table } from '../output.js';
import { client, withNode, type CommonOpts } from './common.js';

/** What a partner shows of a dataset (PartnerDatasetInfo in @fedgrid/node). */
interface PartnerDataset {
  id: string;
  owner: string;
  name: string;
  description: string;
  visibility: string;
  rows: number;
  idColumn: string;
  labelColumn: string | null;
  features: { name: string; type: string }[];
  listed?: boolean;
  grants?: {
    id: string;
    scope: string;
    jobId: string | null;
    projectId: string | null;
    expiresAt: string | null;
    maxUses: number | null;
    uses: number;
    status: string;
  }[];
}

const partnerRows = (ds: PartnerDataset[]) =>
  table([
    ['name', 'id', 'visibility', 'rows', 'features', 'label', 'grants'],
    ...ds.map((d) => [
      d.name,
      d.id,
      d.visibility,
      d.rows,
      d.features.length,
      d.labelColumn ?? '-',
      d.grants?.length ? d.grants.map((g) => g.id).join(', ') : '-',
    ]),
  ]);

function describePartner(d: PartnerDataset): string {
  const lines = [
    `dataset ${d.name} (${d.id}) of '${d.owner}': ${d.rows} rows, id column '${d.idColumn}'${d.labelColumn ? `, label '${d.labelColumn}'` : ', no label'}, visibility ${d.visibility}${d.listed === false ? ' (granted to this node)' : ''}`,
  ];
  if (d.description) lines.push(d.description);
  lines.push(table([['feature', 'type'], ...d.features.map((f) => [f.name, f.type])]));
  for (const g of d.grants ?? [])
    lines.push(
      `grant ${g.id}: ${g.scope}${g.jobId ? ` ${g.jobId}` : ''}${g.projectId ? ` ${g.projectId}` : ''}, uses ${g.uses}/${g.maxUses ?? '∞'}, expires ${g.expiresAt ?? 'never'}, ${g.status}`,
    );
  return lines.join('\n');
}

const paging = (o: { page?: string; pageSize?: string; q?: string }) => {
  const p = new URLSearchParams();
  if (o.page) p.set('page', o.page);
  if (o.pageSize) p.set('pageSize', o.pageSize);
  if (o.q) p.set('q', o.q);
  const s = p.toString();
  return s ? `?${s}` : '';
};

const VISIBILITIES = ['private', 'partners', 'public'] as const;

/** `--visibility`, checked before the call (the typed client accepts only these three). */
function visibilityOption(v: string): (typeof VISIBILITIES)[number] {
  if ((VISIBILITIES as readonly string[]).includes(v)) return v as (typeof VISIBILITIES)[number];
  throw new Error(`--visibility ${JSON.stringify(v)}: use one of ${VISIBILITIES.join(', ')}`);
}

function describe(d: DatasetView): string {
  const lines = [
    `dataset ${d.name} (${d.id}): ${d.rows} rows, id column '${d.idColumn}'${d.labelColumn ? `, label '${d.labelColumn}'` : ', no label'}`,
    `source ${d.sourcePath} (sha256 ${d.sourceSha256.slice(0, 16)}…), visibility ${d.visibility}`,
    `version ${d.version}, ${d.enabled ? 'enabled' : 'DISABLED (takes no new jobs)'}`,
  ];
  if (d.label)
    lines.push(
      `label: ${d.label.type}, ${d.label.distinct} distinct${d.label.counts ? ` ${JSON.stringify(d.label.counts)}` : ''}`,
    );
  for (const [col, e] of Object.entries(d.dictionary ?? {}))
    lines.push(
      `${col}: ${[e.description, e.unit ? `unit ${e.unit}` : '', e.values ? `values ${e.values.join(', ')}` : ''].filter(Boolean).join('; ')}`,
    );
  lines.push(
    table([
      ['feature', 'type', 'min', 'max', 'mean', 'missing'],
      ...d.features.map((f) => [
        f.name,
        f.type,
        f.min.toPrecision(4),
        f.max.toPrecision(4),
        f.mean.toPrecision(4),
        f.missing,
      ]),
    ]),
  );
  return lines.join('\n');
}

const COLUMN_TYPES = ['numeric', 'categorical', 'boolean', 'datetime', 'ignore'] as const;

/**
 * `--type region=categorical --type opened=datetime` as the API's `columnTypes`.
 * @throws Error naming the bad flag and the types there are.
 */
export function columnTypesOption(flags: string[]): Record<string, (typeof COLUMN_TYPES)[number]> {
  const out: Record<string, (typeof COLUMN_TYPES)[number]> = {};
  for (const f of flags) {
    const i = f.lastIndexOf('=');
    const type = f.slice(i + 1) as (typeof COLUMN_TYPES)[number];
    if (i <= 0 || !COLUMN_TYPES.includes(type))
      throw new Error(
        `--type '${f}': write COLUMN=TYPE with TYPE one of ${COLUMN_TYPES.join(', ')}, e.g. --type region=categorical`,
      );
    out[f.slice(0, i)] = type;
  }
  return out;
}

const FILE_KINDS = ['csv', 'tsv', 'text', 'jsonl', 'xml', 'parquet'];
const DATABASE_KINDS = ['postgres', 'mysql'];

/**
 * The source spec `register` sends, from its options (the node checks it again). Paths are made
 * absolute here: the node resolves them on its own machine.
 * @throws Error for a missing or misplaced option.
 */
export function sourceSpec(o: {
  source: string;
  file?: string;
  delimiter?: string;
  record?: string;
  host?: string;
  port?: string;
  database?: string;
  user?: string;
  passwordEnv?: string;
  passwordFile?: string;
  table?: string;
  query?: string;
}): { kind: string; [k: string]: unknown } {
  if (FILE_KINDS.includes(o.source)) {
    if (!o.file) throw new Error(`--source ${o.source} reads a file: give --file PATH`);
    return {
      kind: o.source,
      path: resolve(o.file),
      ...(o.source === 'text' ? { delimiter: o.delimiter ?? ',' } : {}),
      ...(o.source === 'xml' && o.record ? { record: o.record } : {}),
    };
  }
  if (DATABASE_KINDS.includes(o.source)) {
    for (const [opt, v] of [
      ['--host', o.host],
      ['--database', o.database],
      ['--user', o.user],
    ] as const)
      if (!v) throw new Error(`--source ${o.source} needs ${opt}`);
    if ((o.table === undefined) === (o.query === undefined))
      throw new Error(`--source ${o.source}: give --table or --query (one of them)`);
    return {
      kind: o.source,
      host: o.host,
      database: o.database,
      user: o.user,
      ...(o.port ? { port: Number(o.port) } : {}),
      ...(o.passwordEnv ? { passwordEnv: o.passwordEnv } : {}),
      ...(o.passwordFile ? { passwordFile: resolve(o.passwordFile) } : {}),
      ...(o.table ? { table: o.table } : {}),
      ...(o.query ? { query: o.query } : {}),
    };
  }
  // Another kind the node may know (a plug-in source): the node validates it.
  return { kind: o.source, ...(o.file ? { path: resolve(o.file) } : {}) };
}

export function datasetCommand(): Command {
  const cmd = new Command('dataset').description('register and inspect local datasets');
  withNode(
    cmd
      .command('register')
      .description(
        'register a dataset from a file or a database (validated completely; nothing is kept if it is invalid)',
      ),
  )
    .requiredOption('--name <name>', 'dataset name')
    .option(
      '--source <kind>',
      'csv, tsv, text, jsonl, xml, parquet (with --file), postgres or mysql (with --host ...)',
      'csv',
    )
    .option('--file <path>', 'the file (under the node’s data directories)')
    .option('--delimiter <d>', 'text: the delimiter, e.g. "|" or ";"')
    .option(
      '--record <element>',
      'xml: name of the record elements (default: children of the root)',
    )
    .option('--host <host>', 'database host')
    .option('--port <n>', 'database port')
    .option('--database <db>', 'database name')
    .option('--user <user>', 'database user')
    .option(
      '--password-env <VAR>',
      'node environment variable (FEDGRID_SOURCE_…) holding the password',
    )
    .option('--password-file <path>', 'file (mode 0600, on the node) holding the password')
    .option('--table <name>', 'database table (name or schema.name)')
    .option('--query <sql>', 'database SELECT query (run read-only)')
    .option('--id <column>', 'id column', 'id')
    .option('--label <column>', 'label column (the label holder only)')
    .option('--description <text>', 'description')
    .option('--visibility <v>', 'private, partners or public', 'private')
    .option(
      '--type <column=type>',
      'declare a column type: numeric, categorical, boolean, datetime or ignore (repeatable; others are detected)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .action(
      async (
        o: CommonOpts & {
          name: string;
          source: string;
          file?: string;
          delimiter?: string;
          record?: string;
          host?: string;
          port?: string;
          database?: string;
          user?: string;
          passwordEnv?: string;
          passwordFile?: string;
          table?: string;
          query?: string;
          id: string;
          label?: string;
          description?: string;
          visibility: string;
          type: string[];
        },
      ) => {
        try {
          const d = await unwrap<DatasetView>(
            (await client(o)).typed.POST('/v1/datasets', {
              body: {
                name: o.name,
                source: sourceSpec(o),
                idColumn: o.id,
                visibility: visibilityOption(o.visibility),
                ...(o.label ? { labelColumn: o.label } : {}),
                ...(o.description ? { description: o.description } : {}),
                ...(o.type.length ? { columnTypes: columnTypesOption(o.type) } : {}),
              },
            }),
          );
          print(d, !!o.json, () => describe(d));
        } catch (err) {
          reportError(err);
        }
      },
    );
  withNode(
    cmd
      .command('upload <file>')
      .description(
        'upload a local file to the node as a new dataset (streamed; checked by SHA-256; validated before it is recorded)',
      ),
  )
    .requiredOption('--name <name>', 'dataset name')
    .option('--format <f>', 'csv, tsv, jsonl, xml or parquet (default: from the file extension)')
    .option('--id <column>', 'id column', 'id')
    .option('--label <column>', 'label column (the label holder only)')
    .option('--description <text>', 'description')
    .option('--visibility <v>', 'private, partners or public', 'private')
    .option(
      '--type <column=type>',
      `declare a column's type (${COLUMN_TYPES.join(', ')}); repeat for several columns`,
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .action(
      async (
        file: string,
        o: CommonOpts & {
          name: string;
          format?: string;
          id: string;
          label?: string;
          description?: string;
          visibility: string;
          type: string[];
        },
      ) => {
        try {
          // Checked here first (the node checks again), before the file is read twice.
          const types = o.type.length ? columnTypesOption(o.type) : {};
          const path = resolve(file);
          const { size } = await stat(path);
          // The checksum first (one streamed pass), then the upload (a second).
          const hash = createHash('sha256');
          for await (const c of createReadStream(path)) hash.update(c as Buffer);
          const ext = /\.([a-z]+)$/i.exec(basename(path))?.[1]?.toLowerCase() ?? 'csv';
          const q = new URLSearchParams({
            name: o.name,
            format: o.format ?? (ext === 'txt' ? 'csv' : ext),
            sha256: hash.digest('hex'),
            idColumn: o.id,
            visibility: visibilityOption(o.visibility),
            ...(o.label ? { labelColumn: o.label } : {}),
            ...(o.description ? { description: o.description } : {}),
          });
          for (const [col, t] of Object.entries(types)) q.append('type', `${col}=${t}`);
          const d = await (
            await client(o)
          ).upload<DatasetView>(
            `/v1/datasets/upload?${q.toString()}`,
            createReadStream(path),
            size,
          );
          print(d, !!o.json, () => describe(d));
        } catch (err) {
          reportError(err);
        }
      },
    );
  withNode(cmd.command('preview <dataset>').description('show the first rows of an own dataset'))
    .option('--rows <n>', 'rows (at most 100)', '20')
    .action(async (id: string, o: CommonOpts & { rows: string }) => {
      try {
        const p = await (
          await client(o)
        ).get<{ columns: string[]; rows: unknown[][]; total: number }>(
          `/v1/datasets/${encodeURIComponent(id)}/preview?rows=${encodeURIComponent(o.rows)}`,
        );
        print(p, !!o.json, () =>
          [
            table([p.columns, ...p.rows.map((r) => r.map((v) => (v === null ? '' : String(v))))]),
            `${p.rows.length} of ${p.total} rows`,
          ].join('\n'),
        );
      } catch (err) {
        reportError(err);
      }
    });
  withNode(
    cmd
      .command('download <dataset>')
      .description('download an own dataset (current version) as CSV'),
  )
    .requiredOption('--out <file>', 'where to write the CSV (created with mode 0600)')
    .action(async (id: string, o: CommonOpts & { out: string }) => {
      try {
        await (
          await client(o)
        ).download(
          `/v1/datasets/${encodeURIComponent(id)}/download`,
          createWriteStream(resolve(o.out), { mode: 0o600 }),
        );
        if (!o.json) console.log(`wrote ${resolve(o.out)}`);
      } catch (err) {
        reportError(err);
      }
    });
  withNode(
    cmd
      .command('refresh <dataset>')
      .description(
        'read the dataset’s source again as its next version (running jobs keep theirs)',
      ),
  ).action(async (id: string, o: CommonOpts) => {
    try {
      const d = await (
        await client(o)
      ).call<DatasetView>('POST', `/v1/datasets/${encodeURIComponent(id)}/refresh`);
      print(d, !!o.json, () => describe(d));
    } catch (err) {
      reportError(err);
    }
  });
  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const)
    withNode(
      cmd
        .command(`${name} <dataset>`)
        .description(
          enabled
            ? 'let new jobs use the dataset again'
            : 'refuse new jobs on the dataset (running ones finish)',
        ),
    ).action(async (id: string, o: CommonOpts) => {
      try {
        const d = await (
          await client(o)
        ).call<DatasetView>('PATCH', `/v1/datasets/${encodeURIComponent(id)}`, { enabled });
        print(d, !!o.json, () => describe(d));
      } catch (err) {
        reportError(err);
      }
    });
  withNode(
    cmd
      .command('describe-column <dataset> <column>')
      .description('set a column’s data dictionary entry (shown to partners with the schema)'),
  )
    .option('--text <description>', 'what the column means')
    .option('--unit <unit>', 'unit, e.g. CNY, kWh, years')
    .option('--values <list>', 'comma-separated values the column takes')
    .action(
      async (
        id: string,
        column: string,
        o: CommonOpts & { text?: string; unit?: string; values?: string },
      ) => {
        try {
          const c = await client(o);
          const d = await c.get<DatasetView>(`/v1/datasets/${encodeURIComponent(id)}`);
          const entry = {
            ...(o.text !== undefined ? { description: o.text } : {}),
            ...(o.unit !== undefined ? { unit: o.unit } : {}),
            ...(o.values !== undefined ? { values: o.values.split(',').map((v) => v.trim()) } : {}),
          };
          const updated = await c.call<DatasetView>(
            'PATCH',
            `/v1/datasets/${encodeURIComponent(id)}`,
            { dictionary: { ...d.dictionary, [column]: entry } },
          );
          print(updated, !!o.json, () => describe(updated));
        } catch (err) {
          reportError(err);
        }
      },
    );
  withNode(cmd.command('list').description("list this node's datasets"))
    .option('--visibility <v>', 'only private, partners or public datasets')
    .action(async (o: CommonOpts & { visibility?: string }) => {
      try {
        const r = await unwrap<{ items: DatasetView[] }>(
          (await client(o)).typed.GET('/v1/datasets', {
            params: { query: o.visibility ? { visibility: visibilityOption(o.visibility) } : {} },
          }),
        );
        print(r, !!o.json, () =>
          table([
            ['name', 'id', 'visibility', 'rows', 'features', 'label'],
            ...r.items.map((d) => [
              d.name,
              d.id,
              d.visibility,
              d.rows,
              d.features.length,
              d.labelColumn ?? '-',
            ]),
          ]),
        );
      } catch (err) {
        reportError(err);
      }
    });
  withNode(
    cmd.command('show <dataset>').description('show a dataset and its column summary'),
  ).action(async (id: string, o: CommonOpts) => {
    try {
      const d = await (await client(o)).get<DatasetView>(`/v1/datasets/${encodeURIComponent(id)}`);
      print(d, !!o.json, () => describe(d));
    } catch (err) {
      reportError(err);
    }
  });
  withNode(
    cmd
      .command('update <dataset>')
      .description("change a dataset's name, description or visibility"),
  )
    .option('--name <name>', 'new name')
    .option('--description <text>', 'new description')
    .option('--visibility <v>', 'private, partners (contracted partners) or public')
    .action(
      async (
        id: string,
        o: CommonOpts & { name?: string; description?: string; visibility?: string },
      ) => {
        try {
          const d = await (
            await client(o)
          ).call<DatasetView>('PATCH', `/v1/datasets/${encodeURIComponent(id)}`, {
            ...(o.name !== undefined ? { name: o.name } : {}),
            ...(o.description !== undefined ? { description: o.description } : {}),
            ...(o.visibility !== undefined ? { visibility: o.visibility } : {}),
          });
          print(d, !!o.json, () => describe(d));
        } catch (err) {
          reportError(err);
        }
      },
    );
  withNode(
    cmd
      .command('delete <dataset>')
      .description(
        'delete a dataset (refused while a job uses it, or while it has active grants unless --force)',
      ),
  )
    .option('--force', 'revoke its active grants (the grantees are told) and delete it')
    .action(async (id: string, o: CommonOpts & { force?: boolean }) => {
      try {
        const r = await (
          await client(o)
        ).call<{ id: string; name: string; revokedGrants: string[]; rejectedApplications: number }>(
          'DELETE',
          `/v1/datasets/${encodeURIComponent(id)}${o.force ? '?force=true' : ''}`,
        );
        print(
          r,
          !!o.json,
          () =>
            `deleted dataset ${r.name} (${r.id})${r.revokedGrants.length ? `; revoked ${r.revokedGrants.join(', ')}` : ''}${r.rejectedApplications ? `; rejected ${r.rejectedApplications} pending application(s)` : ''}`,
        );
      } catch (err) {
        reportError(err);
      }
    });
  withNode(
    cmd
      .command('partner-list <node>')
      .description("list a partner's datasets listed to partners (public and partners)"),
  )
    .option('--q <text>', 'name contains')
    .option('--page <n>', 'page (from 1)')
    .option('--page-size <n>', 'items per page')
    .action(
      async (node: string, o: CommonOpts & { q?: string; page?: string; pageSize?: string }) => {
        try {
          const r = await (
            await client(o)
          ).get<{ items: PartnerDataset[]; total: number }>(
            `/v1/partner-datasets/${encodeURIComponent(node)}${paging(o)}`,
          );
          print(r, !!o.json, () => `${partnerRows(r.items)}\n${r.total} dataset(s)`);
        } catch (err) {
          reportError(err);
        }
      },
    );
  withNode(
    cmd
      .command('partner-show <node> <dataset>')
      .description("show a partner's dataset (listed, or granted to this node): metadata only"),
  ).action(async (node: string, id: string, o: CommonOpts) => {
    try {
      const d = await (
        await client(o)
      ).get<PartnerDataset>(
        `/v1/partner-datasets/${encodeURIComponent(node)}/${encodeURIComponent(id)}`,
      );
      print(d, !!o.json, () => describePartner(d));
    } catch (err) {
      reportError(err);
    }
  });
  withNode(
    cmd
      .command('granted-to-me <node>')
      .description('list the datasets a partner has granted this node, with the active grants'),
  )
    .option('--q <text>', 'name contains')
    .option('--page <n>', 'page (from 1)')
    .option('--page-size <n>', 'items per page')
    .action(
      async (node: string, o: CommonOpts & { q?: string; page?: string; pageSize?: string }) => {
        try {
          const r = await (
            await client(o)
          ).get<{ items: PartnerDataset[]; total: number }>(
            `/v1/partner-datasets/${encodeURIComponent(node)}/granted${paging(o)}`,
          );
          print(r, !!o.json, () => `${partnerRows(r.items)}\n${r.total} dataset(s)`);
        } catch (err) {
          reportError(err);
        }
      },
    );
  return cmd;
}
