/**
 * One dataset import in its own process, so that its peak resident memory is its own:
 * `node dataset-import-child.js FILE FORMAT` imports FILE through the registration pipeline
 * (the source reader for FORMAT, then @fedgrid/node's importTable) and prints one JSON line
 * `{ rows, columns, seconds, max_rss_kb, sha256 }`.
 */
import { open } from 'node:fs/promises';
import { importTable, sourceKind } from '@fedgrid/node';

async function main(): Promise<void> {
  const [file, format] = process.argv.slice(2) as [string, string];
  const kind = sourceKind(format);
  if (!kind) throw new Error(`unknown format ${format}`);
  const t0 = process.hrtime.bigint();
  const reader = await kind.open({ kind: format, path: file } as { kind: string }, {
    openFile: async (p) => ({ handle: await open(p, 'r'), realPath: p }),
    env: {},
  });
  const r = await importTable(reader, { idColumn: 'id', labelColumn: 'y' });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(
    `${JSON.stringify({
      rows: r.frame.x.rows,
      columns: r.frame.x.cols + 2,
      seconds,
      max_rss_kb: process.resourceUsage().maxRSS,
      sha256: r.sha256,
    })}\n`,
  );
}

main().catch((err: Error) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
