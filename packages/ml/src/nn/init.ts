/** Seeded initial parameters of an MLP, computed in plain JavaScript so they do not depend on the backend. */
import { SeededRandom } from '../random.js';
import type { MlpLayerShape } from './spec.js';

/**
 * Glorot/Xavier uniform kernels (Glorot & Bengio 2010: U(−a, a), a = √(6 / (fanIn + fanOut)),
 * the Keras default) and zero biases, in the flat layout of `Mlp.getWeights`: per layer, the
 * kernel (fanIn × fanOut, row-major) then the bias (fanOut). Same seed → same vector.
 */
export function glorotUniformInit(layers: readonly MlpLayerShape[], seed: number): Float64Array {
  const total = layers.reduce((s, { fanIn, fanOut }) => s + fanIn * fanOut + fanOut, 0);
  const out = new Float64Array(total);
  const rng = new SeededRandom(seed);
  let o = 0;
  for (const { fanIn, fanOut } of layers) {
    const a = Math.sqrt(6 / (fanIn + fanOut));
    // Rounded to float32 here so that getWeights() after creation returns exactly this vector.
    for (let k = 0; k < fanIn * fanOut; k++) out[o++] = Math.fround((2 * rng.next() - 1) * a);
    o += fanOut; // biases start at 0
  }
  return out;
}
