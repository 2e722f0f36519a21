/**
 * One preprocessing task in its own process, so that its peak resident memory is its own:
 * `node preprocess-child.js SNAPSHOT LAYOUT STEP OUT` runs the component STEP (`scale`:
 * standard scaling of every column; `missing-values`: mean fill of every column) on the dataset
 * in the snapshot SNAPSHOT as a task does — its input read as a row-major frame (`rows`: what
 * these components received before they declared `columnar`) or a column-backed one
 * (`columns`), the component's own program run on it (fit, then apply), its output dataset
 * written to OUT as the node's OutputStore writes it (a column-backed frame as FGDS3 column
 * batches, a row-major one as a row-major snapshot) — and prints one JSON line
 * `{ rows, columns, seconds, max_rss_kb, out_bytes, checksum }` (checksum: the sum of the
 * output's observed values, equal for both layouts).
 */
import { stat } from 'node:fs/promises';
import {
  missingValues,
  scale,
  type ComponentSpec,
  type PortValue,
  type ProgramContext,
} from '@fedgrid/components';
import { frameColumn } from '@fedgrid/ml';
import {
  ColumnarSnapshotWriter,
  openAtomicWriter,
  PLAIN_PIECES,
  readSnapshot,
  writeColumnarFrame,
  writeSnapshot,
  type FrameLayout,
} from '@fedgrid/node';

const STEPS: Record<string, { spec: ComponentSpec<unknown>; params: Record<string, unknown> }> = {
  scale: { spec: scale as ComponentSpec<unknown>, params: { method: 'standard' } },
  'missing-values': {
    spec: missingValues as ComponentSpec<unknown>,
    params: { strategy: 'mean', rows: 'fill' },
  },
};

async function main(): Promise<void> {
  const [snapshot, layout, stepName, out] = process.argv.slice(2) as [
    string,
    FrameLayout,
    string,
    string,
  ];
  if (layout !== 'rows' && layout !== 'columns') throw new Error(`unknown layout ${layout}`);
  const step = STEPS[stepName];
  if (!step) throw new Error(`unknown step ${stepName} (${Object.keys(STEPS).join(', ')})`);
  const t0 = process.hrtime.bigint();
  const frame = await readSnapshot(snapshot, undefined, undefined, layout);
  // The component's own program (fit, then apply) on this party's data: these steps send nothing.
  const ctx = {
    party: 'guest',
    role: 'guest',
    taskName: stepName,
    roles: { guest: 'guest', hosts: [] },
    params: step.spec.params.parse(step.params),
    inputs: { data: { kind: 'dataset', frame } },
  } as unknown as ProgramContext<unknown>;
  const program = step.spec.programs.guest;
  if (!program) throw new Error(`${stepName} has no guest program`);
  const result = await program(ctx);
  const f = (result.outputs['data'] as Extract<PortValue, { kind: 'dataset' }>).frame;
  // As OutputStore.save writes a dataset output.
  if (f.columns)
    await writeColumnarFrame(
      await ColumnarSnapshotWriter.create(
        await openAtomicWriter(out),
        PLAIN_PIECES,
        f.featureNames,
        f.labels ? (f.labelName ?? 'label') : undefined,
      ),
      f,
    );
  else await writeSnapshot(out, f);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const maxRss = process.resourceUsage().maxRSS;
  let checksum = 0;
  for (let j = 0; j < f.featureNames.length; j++)
    for (const v of frameColumn(f, j)) if (!Number.isNaN(v)) checksum += v;
  process.stdout.write(
    `${JSON.stringify({
      rows: f.ids.length,
      columns: f.featureNames.length,
      seconds,
      max_rss_kb: maxRss,
      out_bytes: (await stat(out)).size,
      checksum,
    })}\n`,
  );
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
