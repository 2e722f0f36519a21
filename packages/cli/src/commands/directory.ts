/** `fedgrid directory publish | list | published | withdraw`: offers on a directory (center) node. */
import { Command } from 'commander';
import { print, reportError, table } from '../output.js';
import { client, withNode, type CommonOpts } from './common.js';

interface OfferView {
  id: string;
  kind: string;
  name: string;
  description: string;
  node?: { nodeId: string; name: string; apiUrl: string; fingerprint: string };
  directory?: string;
  dataset: {
    id: string;
    rows: number;
    features: { name: string; type: string }[];
    label: string | null;
  } | null;
  compute: { cores?: number; memoryGb?: number; gpus?: number } | null;
  status?: string;
  updatedAt: string;
}

function what(o: OfferView): string {
  if (o.dataset)
    return `${o.dataset.rows} rows, ${o.dataset.features.length} features${o.dataset.label ? `, label ${o.dataset.label}` : ''}`;
  const c = o.compute ?? {};
  return (
    [
      c.cores !== undefined ? `${c.cores} cores` : '',
      c.memoryGb !== undefined ? `${c.memoryGb} GB` : '',
      c.gpus !== undefined ? `${c.gpus} GPUs` : '',
    ]
      .filter(Boolean)
      .join(', ') || '-'
  );
}

const rows = (os: OfferView[]) =>
  table([
    ['id', 'kind', 'name', 'node', 'offers', 'description'],
    ...os.map((o) => [
      o.id,
      o.kind,
      o.name,
      o.node?.nodeId ?? o.directory ?? '',
      what(o),
      o.description.length > 40 ? o.description.slice(0, 39) + '…' : o.description,
    ]),
  ]);

const num = (v: string) => Number(v);

export function directoryCommand(): Command {
  const cmd = new Command('directory').description(
    'publish offers on a directory node and browse them (datasets’ public metadata, compute)',
  );
  withNode(
    cmd
      .command('publish')
      .description(
        'publish a dataset’s public metadata (name, description, rows, feature names and types, label name) or compute on a directory; publishing a dataset again updates its offer',
      ),
  )
    .requiredOption('--directory <node>', 'the directory node (a contracted partner)')
    .option('--dataset <id>', 'dataset id or name on this node')
    .option('--compute', 'offer compute instead of a dataset')
    .option('--name <name>', 'compute: the offer’s name')
    .option('--description <text>', 'description (dataset: default its own)')
    .option('--cores <n>', 'compute: CPU cores', num)
    .option('--memory-gb <n>', 'compute: memory in GB', num)
    .option('--gpus <n>', 'compute: GPUs', num)
    .action(
      async (
        o: CommonOpts & {
          directory: string;
          dataset?: string;
          compute?: boolean;
          name?: string;
          description?: string;
          cores?: number;
          memoryGb?: number;
          gpus?: number;
        },
      ) => {
        try {
          if (!!o.dataset === !!o.compute)
            throw new Error('give either --dataset <id> or --compute --name <name>');
          const body = o.dataset
            ? {
                directory: o.directory,
                kind: 'dataset',
                dataset: o.dataset,
                ...(o.description !== undefined ? { description: o.description } : {}),
              }
            : {
                directory: o.directory,
                kind: 'compute',
                name: o.name,
                ...(o.description !== undefined ? { description: o.description } : {}),
                ...(o.cores !== undefined ? { cores: o.cores } : {}),
                ...(o.memoryGb !== undefined ? { memoryGb: o.memoryGb } : {}),
                ...(o.gpus !== undefined ? { gpus: o.gpus } : {}),
              };
          const r = await (await client(o)).post<OfferView>('/v1/directory/offers', body);
          print(
            r,
            !!o.json,
            () =>
              `published ${r.kind} offer ${r.id} ('${r.name}': ${what(r)}) on directory '${o.directory}'`,
          );
        } catch (err) {
          reportError(err);
        }
      },
    );
  withNode(
    cmd
      .command('list')
      .description(
        'browse a directory’s offers (this node’s own list when it is a directory and --directory is not given)',
      ),
  )
    .option('--directory <node>', 'the directory node to browse')
    .option('--kind <kind>', 'dataset or compute')
    .option('--from <node>', 'only offers of this node')
    .option('--q <text>', 'matches name, description, node and feature names')
    .option('--exact', '--q must equal the name')
    .option('--page <n>', 'page', num, 1)
    .option('--page-size <n>', 'offers per page', num, 50)
    .action(
      async (
        o: CommonOpts & {
          directory?: string;
          kind?: string;
          from?: string;
          q?: string;
          exact?: boolean;
          page: number;
          pageSize: number;
        },
      ) => {
        try {
          const q = new URLSearchParams({ page: String(o.page), pageSize: String(o.pageSize) });
          if (o.directory) q.set('directory', o.directory);
          if (o.kind) q.set('kind', o.kind);
          if (o.from) q.set('node', o.from);
          if (o.q) q.set('q', o.q);
          if (o.exact) q.set('exact', 'true');
          const r = await (
            await client(o)
          ).get<{ items: OfferView[]; total: number; page: number; pageSize: number }>(
            `/v1/directory/offers?${q.toString()}`,
          );
          print(
            r,
            !!o.json,
            () =>
              `${rows(r.items)}\n${r.total} offer(s); page ${r.page} of ${Math.max(1, Math.ceil(r.total / r.pageSize))}` +
              (r.items[0]?.node
                ? `\npropose a contract to a provider with its apiUrl and fingerprint (--json shows them)`
                : ''),
          );
        } catch (err) {
          reportError(err);
        }
      },
    );
  withNode(cmd.command('published').description('the offers this node published')).action(
    async (o: CommonOpts) => {
      try {
        const r = await (await client(o)).get<{ items: OfferView[] }>('/v1/directory/published');
        print(r, !!o.json, () =>
          table([
            ['id', 'directory', 'kind', 'name', 'status', 'updated'],
            ...r.items.map((x) => [
              x.id,
              x.directory ?? '',
              x.kind,
              x.name,
              x.status ?? '',
              x.updatedAt.slice(0, 19).replace('T', ' '),
            ]),
          ]),
        );
      } catch (err) {
        reportError(err);
      }
    },
  );
  withNode(
    cmd.command('withdraw <offer>').description('withdraw (unpublish) one of this node’s offers'),
  ).action(async (id: string, o: CommonOpts) => {
    try {
      const r = await (
        await client(o)
      ).call<OfferView>('DELETE', `/v1/directory/offers/${encodeURIComponent(id)}`);
      print(r, !!o.json, () => `offer ${r.id} ${r.status}`);
    } catch (err) {
      reportError(err);
    }
  });
  return cmd;
}
