/**
 * Sampling, guest side (the label holder decides): draws the row positions and sends them to
 * every host, which selects the same rows (docs/protocols/preprocessing.md).
 */
import {
  classRows,
  sampleBalanced,
  sampleByClass,
  sampleRandom,
  sampleStratified,
  selectFrameRows,
  type Frame,
} from '@fedgrid/ml';
import { sendPositions } from '../preprocess/aligned-rows.js';
import { decisionRandom } from '../preprocess/decision-random.js';
import { withField } from '../preprocess/errors.js';
import { ComponentError, input, type ProgramContext, type ProgramResult } from '../spec.js';
import type { SampleParams } from './params.js';

function labelsOf(ctx: ProgramContext<SampleParams>, frame: Frame): Float64Array {
  if (!frame.labels)
    throw new ComponentError(
      'LABELS_MISSING',
      `guest: method: '${ctx.params.method}' samples by label, but the guest's data has no label column`,
      { party: ctx.party, field: 'method' },
    );
  return frame.labels;
}

function choose(ctx: ProgramContext<SampleParams>, frame: Frame): Uint32Array {
  const p = ctx.params;
  const rng = decisionRandom(p.seed);
  const n = frame.ids.length;
  const size = () => p.n ?? Math.round((p.fraction as number) * n);
  switch (p.method) {
    case 'random':
      return withField(ctx, 'n', () => sampleRandom(n, size(), p.replace, rng));
    case 'stratified':
      return withField(ctx, 'n', () =>
        sampleStratified(labelsOf(ctx, frame), size(), p.replace, rng),
      );
    case 'upsample':
    case 'downsample':
      return sampleBalanced(
        labelsOf(ctx, frame),
        p.method === 'upsample' ? 'up' : 'down',
        rng,
        p.replace,
      );
    case 'by-class': {
      const labels = labelsOf(ctx, frame);
      const field = p.classCounts ? 'classCounts' : 'classFractions';
      const classSize = new Map([...classRows(labels)].map(([y, r]) => [y, r.length]));
      const sizes = new Map(
        p.classCounts
          ? Object.entries(p.classCounts).map(([y, c]) => [Number(y), c])
          : Object.entries(p.classFractions ?? {}).map(([y, f]) => [
              Number(y),
              Math.round(f * (classSize.get(Number(y)) ?? 0)),
            ]),
      );
      return withField(ctx, field, () => sampleByClass(labels, sizes, p.replace, rng));
    }
  }
}

export async function sampleGuest(ctx: ProgramContext<SampleParams>): Promise<ProgramResult> {
  const t0 = performance.now();
  const { frame } = input(ctx, 'data', 'dataset');
  const positions = choose(ctx, frame);
  if (ctx.params.method !== 'random')
    ctx.log(
      'warn',
      `sample: method '${ctx.params.method}' chooses rows by label and the hosts see the choice; see docs/protocols/preprocessing.md for what they can infer`,
    );
  await sendPositions(ctx, 'rows', frame.ids.length, positions);
  const out = selectFrameRows(frame, positions);
  const perClass = out.labels
    ? Object.fromEntries([...classRows(out.labels)].map(([y, r]) => [String(y), r.length]))
    : undefined;
  return {
    outputs: { data: { kind: 'dataset', frame: out } },
    summary: {
      method: ctx.params.method,
      inputRows: frame.ids.length,
      rows: out.ids.length,
      distinctRows: new Set(positions).size,
      ...(perClass ? { perClass } : {}),
      seconds: (performance.now() - t0) / 1000,
    },
  };
}
