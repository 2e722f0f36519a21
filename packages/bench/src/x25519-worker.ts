/**
 * Worker thread of the `x25519.raw` benchmark: multiplies one batch of points by a secret scalar
 * with the native batch kernel, over and over, for a fixed time once told to go.
 * workerData: { batch: number; seconds: number }. Messages: → 'ready', ← 'go', → { ops, seconds }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { generateScalar, hashToPoints, nativeBinding, x25519Batch } from '@fedgrid/crypto';

const { batch, seconds } = workerData as { batch: number; seconds: number };
const port = parentPort;
if (!port) throw new Error('x25519-worker.js must run as a worker thread');

const scalar = generateScalar();
const points = hashToPoints(Array.from({ length: batch }, (_, i) => `id-${i}`));
const out = new Uint8Array(points.length);
const native = nativeBinding();
const multiply = native
  ? () => native.x25519Batch(scalar, points, out)
  : () => out.set(x25519Batch(scalar, points));
multiply(); // warm-up
port.postMessage('ready');
// A persistent listener keeps the thread alive until the coordinator terminates it.
port.on('message', () => {
  let ops = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    multiply();
    ops += batch;
  }
  port.postMessage({ ops, seconds: (performance.now() - t0) / 1000 });
});
