/**
 * One dataset import in its own process, so that its peak resident memory is its own:
 * `node dataset-import-child.js FILE FORMAT SNAPSHOT` imports FILE through the registration
 * pipeline — the source reader for FORMAT, then @fedgrid/node's importTableToSnapshot, which
 * streams the rows into a columnar snapshot written at SNAPSHOT, as a node's registration does —
 * and prints one JSON line `{ rows, columns, seconds, max_rss_kb, sha256, snapshot_bytes }`.
 */
import { open, stat } from 'node:fs/promises';
import {
  ColumnarSnapshotWriter,
  importTableToSnapshot,
  openAtomicWriter,
  PLAIN_PIECES,
  sourceKind,
} from '@fedgrid/node';

async function main(): Promise<void> {
  const [file, format, snapshot] = process.argv.slice(2) as [string, string, string];
  const kind = sourceKind(format);
  if (!kind) throw new Error(`unknown format ${format}`);
  const t0 = process.hrtime.bigint();
  const reader = await kind.open({ kind: format, path: file } as { kind: string }, {
    openFile: async (p) => ({ handle: await open(p, 'r'), realPath: p }),
    env: {},
  });
  const r = await importTableToSnapshot(
    reader,
    { idColumn: 'id', labelColumn: 'y' },
    async (names, label) =>
      ColumnarSnapshotWriter.create(await openAtomicWriter(snapshot), PLAIN_PIECES, names, label),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(
    `${JSON.stringify({
      rows: r.rows,
      columns: r.featureNames.length + 2,
      seconds,
      max_rss_kb: process.resourceUsage().maxRSS,
      sha256: r.sha256,
      snapshot_bytes: (await stat(snapshot)).size,
    })}\n`,
  );
}

main().catch((err: Error) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
