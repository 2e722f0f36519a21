/**
 * `fedgrid pir query`: keyword PIR against a partner's PIR-enabled dataset without a job
 * (docs/protocols/pir.md, "Online queries"). This node blinds the keys and the partner learns
 * how many were asked, not which; prints each key's label columns or "not found".
 */
import { Command } from 'commander';
import { print, reportError, table } from '../output.js';
import { client, withNode, type CommonOpts } from './common.js';

/** The answer of POST /v1/pir/query. */
export interface PirQueryOutput {
  partner: string;
  dataset: string;
  columns: string[];
  serverRows: number;
  results: { key: string; found: boolean; values?: Record<string, number> }[];
}

/** The human-readable form: one row per key, its columns or "not found". */
export function formatPirResults(out: PirQueryOutput): string {
  const rows: (string | number)[][] = [['key', ...out.columns]];
  for (const r of out.results) {
    rows.push(
      r.found && r.values
        ? [r.key, ...out.columns.map((c) => String(r.values![c]))]
        : [r.key, 'not found', ...out.columns.slice(1).map(() => '')],
    );
  }
  const found = out.results.filter((r) => r.found).length;
  return `${table(rows)}\n${found} of ${out.results.length} keys found in ${out.partner}'s dataset ${out.dataset} (${out.serverRows} rows)`;
}

export function pirCommand(): Command {
  const cmd = new Command('pir').description(
    'private information retrieval: look keys up in a partner’s dataset without revealing them',
  );
  withNode(
    cmd
      .command('query')
      .description(
        'the label columns of each key in a partner’s PIR-enabled dataset (the partner learns how many keys, not which)',
      ),
  )
    .requiredOption('--partner <node>', 'the contracted node serving the dataset')
    .requiredOption('--dataset <id>', "the partner's dataset (id or name)")
    .option(
      '--key <key>',
      'a key to look up (repeat for several)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .action(async (o: CommonOpts & { partner: string; dataset: string; key: string[] }) => {
      try {
        if (o.key.length === 0) throw new Error('--key K is needed (repeat it for several keys)');
        const api = await client(o);
        const out = await api.post<PirQueryOutput>('/v1/pir/query', {
          partner: o.partner,
          dataset: o.dataset,
          keys: o.key,
        });
        print(out, !!o.json, () => formatPirResults(out));
      } catch (err) {
        reportError(err);
      }
    });
  return cmd;
}
