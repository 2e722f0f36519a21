/**
 * Loads TensorFlow.js (@tensorflow/tfjs) lazily and selects its WebAssembly backend once per process,
 * so that importing @fedgrid/ml costs nothing until a neural network is actually used.
 * The .wasm binaries ship inside the @tensorflow/tfjs-backend-wasm npm package; nothing is
 * downloaded at install or run time.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as TfCore from '@tensorflow/tfjs';

/** The tfjs backend that runs the networks. */
export type MlpBackend = 'wasm' | 'cpu';

let ready: Promise<MlpBackend> | undefined;
let tfCore: typeof TfCore | undefined;

/**
 * Loads tfjs and makes the WASM backend current, falling back to tfjs's plain-JavaScript `cpu`
 * backend (with a console warning giving the reason) only if WASM cannot initialise.
 * Idempotent: later calls return the first call's promise.
 * @returns the backend in use.
 * @throws Error if neither backend can initialise.
 */
export function initMlpBackend(): Promise<MlpBackend> {
  ready ??= load().catch((e: unknown) => {
    ready = undefined; // a later call may retry
    throw e;
  });
  return ready;
}

async function load(): Promise<MlpBackend> {
  // The @tensorflow/tfjs bundle, unlike tfjs-core's Node entry, registers the gradients that
  // training needs, and the cpu backend.
  const tf = await import('@tensorflow/tfjs');
  let reason: string;
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(wasmDistDir());
    if (await tf.setBackend('wasm')) {
      tfCore = tf;
      return 'wasm';
    }
    reason = "tf.setBackend('wasm') returned false";
  } catch (e) {
    reason = e instanceof Error ? e.message : String(e);
  }
  console.warn(
    `@fedgrid/ml nn: the WASM backend could not load (${reason}); using the cpu backend`,
  );
  if (!(await tf.setBackend('cpu')))
    throw new Error('@fedgrid/ml nn: neither the wasm nor the cpu tfjs backend could initialise');
  tfCore = tf;
  return 'cpu';
}

/** The folder holding tfjs-backend-wasm*.wasm, resolved from node_modules (with trailing separator). */
function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  // The package's "main" is dist/tf-backend-wasm.node.js, beside the .wasm files.
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep;
}

/**
 * The loaded @tensorflow/tfjs module.
 * @throws Error if {@link initMlpBackend} has not resolved yet.
 */
export function tfOrThrow(): typeof TfCore {
  if (tfCore === undefined)
    throw new Error('TensorFlow.js is not loaded: `await initMlpBackend()` before createMlp');
  return tfCore;
}
