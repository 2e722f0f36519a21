/**
 * The horizontal demo's comparisons, trained in the demo process with the SAME model code the
 * clients run (the component's model kind): a centralised model on the union of the clients'
 * training rows — what pooling the data would give — and each client's model on its own rows
 * alone — what it gets without federating. Both train rounds × localEpochs epochs.
 */
import type { HomoModelKind, HomoRoundParams, ModelPart } from '@fedgrid/components';
import type { Frame } from '@fedgrid/ml';

/** Trains `kind` on one frame as a single client would over all rounds, without aggregation. */
export async function trainAlone<P extends HomoRoundParams>(
  kind: HomoModelKind<P>,
  frame: Frame,
  params: P,
  classesFrom: Frame[],
): Promise<ModelPart> {
  // The setup (task, classes) of the whole federation, so every model predicts the same classes.
  const hellos = new Map(classesFrom.map((f, k) => [`c${k}`, kind.hello(f, params)]));
  hellos.set('self', kind.hello(frame, params));
  const setup = kind.setup(hellos, params);
  let theta = await kind.init(setup, params);
  const model = await kind.local(frame, setup, params);
  try {
    for (let r = 0; r < params.rounds; r++) theta = (await model.fit(theta, r)).params;
  } finally {
    model.dispose?.();
  }
  return kind.modelPart(setup, theta, params);
}

/** The rows of several frames stacked (same columns). */
export function unionOf(frames: Frame[]): Frame {
  const cols = frames[0]?.x.cols ?? 0;
  const rows = frames.reduce((a, f) => a + f.x.rows, 0);
  const data = new Float64Array(rows * cols);
  const labels = new Float64Array(rows);
  let off = 0;
  for (const f of frames) {
    data.set(f.x.data, off * cols);
    labels.set(f.labels ?? new Float64Array(f.x.rows), off);
    off += f.x.rows;
  }
  return {
    ids: frames.flatMap((f) => f.ids),
    x: { rows, cols, data },
    featureNames: frames[0]?.featureNames ?? [],
    labels,
  };
}
