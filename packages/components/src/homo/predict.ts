/**
 * Horizontal prediction: every client holds the full model and scores its own rows with it — no
 * messages at all (standard 000 §7.7 b–c). The model kind (homo-lr/kind.ts, homo-nn/kind.ts, …)
 * supplies the scorer; this wraps it as the predict declaration of its training component.
 */
import { input, type PredictDeclaration, type Program, type ProgramResult } from '../spec.js';
import type { HomoModelKind } from './model.js';
import type { HomoRoundParams } from './params.js';

/** The predict declaration of a horizontal training component built on `kind`. */
export function homoPredictDeclaration<P extends HomoRoundParams>(
  kind: HomoModelKind<P>,
): PredictDeclaration {
  const program: Program<Record<string, never>> = async (ctx): Promise<ProgramResult> => {
    const t0 = performance.now();
    const { model } = input(ctx, 'model', 'model');
    const { frame } = input(ctx, 'data', 'dataset');
    const predictions = await kind.predict(model, frame);
    return {
      outputs: { predictions: { kind: 'predictions', predictions } },
      summary: { rows: frame.ids.length, seconds: (performance.now() - t0) / 1000 },
    };
  };
  return {
    mode: 'local',
    programs: { guest: program, host: program },
    score: (part, frame) => kind.predict(part, frame),
  };
}
