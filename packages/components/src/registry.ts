/**
 * Every built-in component, discovered: each folder of this package whose `spec` module exports
 * component specs contributes them, so a new algorithm is a new folder and nothing else. The
 * generic predict component (predict/component.ts) is built here from the predict programs the
 * training components declare (ComponentSpec.predict).
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Frame } from '@fedgrid/ml';
import type { ComponentSpec, FittedStep, FittedTransform } from './spec.js';
import { replayPipeline } from './feature-pipeline.js';
import { predictComponents, type Predictor } from './predict/component.js';
import type { ServingProgram } from './serving.js';

function isComponentSpec(v: unknown): v is ComponentSpec<never> {
  const c = v as Partial<ComponentSpec<never>> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.code === 'string' &&
    typeof c.version === 'string' &&
    typeof c.programs === 'object' &&
    Array.isArray(c.inputs)
  );
}

/**
 * Imports `<folder>/spec.js` (or `.ts` when running from source) of every folder beside this
 * file, in folder-name order, and collects the component specs they export.
 */
async function discover(): Promise<ComponentSpec<never>[]> {
  const here = dirname(fileURLToPath(import.meta.url));
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  const found: ComponentSpec<never>[] = [];
  const folders = readdirSync(here, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  for (const folder of folders) {
    const file = join(here, folder, `spec.${ext}`);
    if (!existsSync(file)) continue;
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    for (const v of Object.values(mod)) if (isComponentSpec(v) && !found.includes(v)) found.push(v);
  }
  return found;
}

/** @throws Error when two specs share a code (after a move: stale build output in dist/). */
function unique<T extends { code: string }>(specs: T[]): T[] {
  const codes = new Set<string>();
  for (const c of specs) {
    if (codes.has(c.code))
      throw new Error(
        `two built-in components have the code '${c.code}' (a folder left over in the build output? remove packages/components/dist and run tsc -b)`,
      );
    codes.add(c.code);
  }
  return specs;
}

const trained = await discover();

/** Model part `algorithm` → the predict program its training component declares. */
const predictors = new Map<string, Predictor>();
for (const c of trained) {
  if (!c.predict) continue;
  for (const algorithm of c.predict.algorithms ?? [c.code]) {
    if (predictors.has(algorithm))
      throw new Error(
        `components ${predictors.get(algorithm)?.component} and ${c.code} both declare how to score '${algorithm}'`,
      );
    predictors.set(algorithm, { component: c.code, declaration: c.predict });
  }
}

/**
 * The predict declaration for models whose part says `algorithm`, with the component that
 * declares it; undefined when no component does.
 */
export function predictorFor(algorithm: string): Predictor | undefined {
  return predictors.get(algorithm);
}

/** The `applyFitted` of the component `code` (undefined: unknown, or not a fitted transform). */
export function transformFor(code: string): FittedTransform | undefined {
  return trained.find((c) => c.code === code)?.applyFitted;
}

/**
 * `frame` (raw rows of `party`) after the fitted feature steps of a training, in order
 * (feature-pipeline.ts): what serving and batch prediction score.
 * @throws ComponentError as {@link replayPipeline}.
 */
export function applyFeaturePipeline(
  steps: readonly FittedStep[],
  frame: Frame,
  party: string,
): Frame {
  return replayPipeline(steps, frame, party, transformFor);
}

export const BUILTIN_COMPONENTS: readonly ComponentSpec<never>[] = unique([
  ...trained,
  ...(predictComponents(
    predictorFor,
    () => [...predictors.keys()],
    transformFor,
  ) as unknown as ComponentSpec<never>[]),
]);

/** @throws RangeError naming the known components when `code` is unknown. */
export function componentByCode(code: string): ComponentSpec<unknown> {
  const c = BUILTIN_COMPONENTS.find((s) => s.code === code);
  if (!c)
    throw new RangeError(
      `unknown component '${code}' (known: ${BUILTIN_COMPONENTS.map((s) => s.code).join(', ')})`,
    );
  return c as unknown as ComponentSpec<unknown>;
}

/** The generic predict component and its aliases of earlier releases. */
export const predict = componentByCode('predict');
export const heteroLrPredict = componentByCode('hetero-lr-predict');
export const secureBoostPredict = componentByCode('secureboost-predict');
export const homoPredict = componentByCode('homo-predict');

/**
 * The online-serving program for model parts of `algorithm`, found among the built-in
 * components' `serve` declarations; undefined when no component serves it.
 */
export function servingFor(algorithm: string): ServingProgram | undefined {
  for (const c of BUILTIN_COMPONENTS) if (c.serve?.algorithms.includes(algorithm)) return c.serve;
  return undefined;
}
