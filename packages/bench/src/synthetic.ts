/**
 * Inputs generated inside a party process (for runs whose inputs would be too large to send over
 * IPC), and digests of large outputs (so they need not be sent back).
 */
import { createHash } from 'node:crypto';
import type { PortValue } from '@fedgrid/components';
import { SeededRandom, type Frame } from '@fedgrid/ml';
import type { OutputDigest, SyntheticInput } from './ipc.js';

/**
 * One side of a PSI workload with a known overlap: the guest's ids are `id-0 … id-(n−1)`, the
 * host's `id-(n−overlap) … id-(2n−overlap−1)`, each in the order of a seeded permutation (seed for
 * the guest, seed + 1 for the host, as {@link psiIds} in benches/psi.ts). No feature columns, so the
 * frame costs only its ids.
 * @throws RangeError when overlap is not in [0, n].
 */
export function syntheticPsiFrame(spec: Extract<SyntheticInput, { kind: 'psi-ids' }>): Frame {
  const { n, overlap, seed, side } = spec;
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(overlap) || overlap < 0 || overlap > n)
    throw new RangeError(`synthetic PSI ids need 0 ≤ overlap ≤ n, got n=${n}, overlap=${overlap}`);
  const start = side === 'guest' ? 0 : n - overlap;
  const perm = new SeededRandom(side === 'guest' ? seed : seed + 1).permutation(n);
  const ids = new Array<string>(n);
  for (let i = 0; i < n; i++) ids[i] = `id-${start + (perm[i] as number)}`;
  return { ids, x: { rows: n, cols: 0, data: new Float64Array(0) }, featureNames: [] };
}

/**
 * One party's columns of a vertically split table for HeteroLR: ids `r-0 … r-(rows−1)` (the
 * same rows, in the same order, on every party, as after PSI), `cols` standard-normal features
 * (Box–Muller on a seeded generator), and with `labels` a 0/1 label drawn from a logistic model of
 * the row's own features (so that training has something to find).
 */
export function syntheticLrFrame(spec: Extract<SyntheticInput, { kind: 'lr-rows' }>): Frame {
  const { rows, cols, seed, labels } = spec;
  const rand = new SeededRandom(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i += 2) {
    const u = 1 - rand.next();
    const r = Math.sqrt(-2 * Math.log(u));
    const t = 2 * Math.PI * rand.next();
    data[i] = r * Math.cos(t);
    if (i + 1 < data.length) data[i + 1] = r * Math.sin(t);
  }
  const ids = Array.from({ length: rows }, (_, i) => `r-${i}`);
  const frame: Frame = {
    ids,
    x: { rows, cols, data },
    featureNames: Array.from({ length: cols }, (_, j) => `x${j}`),
  };
  if (!labels) return frame;
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let z = 0;
    for (let j = 0; j < cols; j++) z += (data[i * cols + j] as number) * (j % 2 === 0 ? 0.5 : -0.3);
    y[i] = rand.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { ...frame, labels: y, labelName: 'y' };
}

/** The ports' values, with every synthetic port generated. */
export function withSynthetic(
  inputs: Record<string, PortValue>,
  synthetic: Record<string, SyntheticInput> | undefined,
): Record<string, PortValue> {
  if (!synthetic) return inputs;
  const out = { ...inputs };
  for (const [port, spec] of Object.entries(synthetic))
    out[port] = {
      kind: 'dataset',
      frame: spec.kind === 'psi-ids' ? syntheticPsiFrame(spec) : syntheticLrFrame(spec),
    };
  return out;
}

/**
 * Digests of the dataset outputs: row count, SHA-256 over the ids in order (equal on two parties
 * iff their rows are aligned), and, for a synthetic PSI input, how many ids are outside the common
 * range n−overlap … n−1.
 */
export function digestOutputs(
  outputs: Record<string, PortValue>,
  synthetic: Record<string, SyntheticInput> | undefined,
): Record<string, OutputDigest> {
  const out: Record<string, OutputDigest> = {};
  for (const [port, value] of Object.entries(outputs)) {
    if (value.kind !== 'dataset') continue;
    const ids = value.frame.ids;
    const h = createHash('sha256');
    for (const id of ids) h.update(`${id}\n`);
    const spec = synthetic?.[port] ?? Object.values(synthetic ?? {})[0];
    let outsideCommon: number | undefined;
    if (spec?.kind === 'psi-ids') {
      const lo = spec.n - spec.overlap;
      outsideCommon = 0;
      for (const id of ids) {
        const k = Number(id.slice(3));
        if (!id.startsWith('id-') || !Number.isInteger(k) || k < lo || k >= spec.n) outsideCommon++;
      }
    }
    out[port] = {
      rows: ids.length,
      idsSha256: h.digest('hex'),
      ...(outsideCommon !== undefined ? { outsideCommon } : {}),
    };
  }
  return out;
}
