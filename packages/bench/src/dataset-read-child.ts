/**
 * One read of a registered dataset by the feature components, in its own process so that its
 * peak resident memory is its own: `node dataset-read-child.js SNAPSHOT LAYOUT KEEP` reads the
 * columnar snapshot as a row-major frame (`rows`: what components received before issue 17's
 * column view) or a column-backed one (`columns`), describes every column as the statistics
 * component does — before: `columnStatistics` of its copy of the selected columns (all of them,
 * `pickColumns`); now: one column at a time, read in place — keeps the first KEEP columns (as
 * feature selection does) and builds the row-major matrix of those (what a training reads),
 * then prints one JSON line `{ rows, columns, seconds, max_rss_kb, checksum }`.
 */
import { columnStatistics, frameColumn, selectFrameColumns } from '@fedgrid/ml';
import { readSnapshot, type FrameLayout } from '@fedgrid/node';

async function main(): Promise<void> {
  const [snapshot, layout, keepArg] = process.argv.slice(2) as [string, FrameLayout, string];
  if (layout !== 'rows' && layout !== 'columns') throw new Error(`unknown layout ${layout}`);
  const t0 = process.hrtime.bigint();
  const frame = await readSnapshot(snapshot, undefined, undefined, layout);
  const rows = frame.ids.length;
  let checksum = 0;
  if (layout === 'rows') {
    // The statistics component before the column view: its row-major copy of every column.
    const x = frame.x;
    for (const s of columnStatistics({ ...x, data: x.data.slice() }, [0.5])) checksum += s.mean;
  } else
    for (let j = 0; j < frame.featureNames.length; j++) {
      const s = columnStatistics({ rows, cols: 1, data: frameColumn(frame, j) }, [0.5]);
      checksum += s[0]?.mean ?? 0;
    }
  const kept = selectFrameColumns(frame, frame.featureNames.slice(0, Number(keepArg)));
  const x = kept.x;
  for (let i = 0; i < x.data.length; i += 997)
    checksum += Number.isNaN(x.data[i]) ? 0 : (x.data[i] as number);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(
    `${JSON.stringify({
      rows,
      columns: frame.featureNames.length,
      seconds,
      max_rss_kb: process.resourceUsage().maxRSS,
      checksum,
    })}\n`,
  );
}

main().catch((err: Error) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
