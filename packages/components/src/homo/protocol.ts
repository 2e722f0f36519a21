/**
 * Messages of the horizontal round loop (docs/protocols/homo-fedavg.md). The arbiter is the
 * server; guest and hosts are the clients. Per round r the server sends every client one
 * command `cmd/r` (train, skip) and each trained client answers `upd/r` — or, with secure
 * aggregation, takes part in the `sa/r/*` exchange instead; `cmd/<rounds>` is `done`.
 */
import { blobAs } from '@fedgrid/federation';
import { ComponentError } from '../spec.js';
import type { LocalEvaluation, ModelSetup } from './model.js';

export const tag = {
  hello: 'homo/hello',
  setup: 'homo/setup',
  cmd: (r: number) => `homo/cmd/${r}`,
  upd: (r: number) => `homo/upd/${r}`,
  sa: (r: number, step: string) => `homo/sa/${r}/${step}`,
};

export interface SetupHeader {
  setup: ModelSetup;
  /** First round this run plays (> 0 after a resume from a checkpoint). */
  startRound: number;
  rounds: number;
}

export interface TrainCommand {
  type: 'train';
  round: number;
  /** Weight of this client's update in the sum (SecAgg: applied by the client). */
  weight: number;
  /** DP with client-side clipping: the L2 bound of this round. */
  clipNorm?: number;
  /** SecAgg: this client's id in the round, the sampled ids, and the reconstruction threshold. */
  secAgg?: { id: number; clients: number[]; neighbours: number[]; threshold: number };
}

export type Command =
  | TrainCommand
  | { type: 'skip'; round: number }
  | { type: 'done'; round: number; history: RoundRecord[] };

export interface UpdateHeader {
  examples: number;
  /** Local training loss of the last local epoch. */
  loss: number;
  /** The received global model scored on the client's rows before training. */
  evaluation: LocalEvaluation;
  /** DP adaptive clipping: whether the update's norm was within the clip bound. */
  unclipped?: boolean;
}

/** What the server records per round (stored with the job, shown in the report). */
export interface RoundRecord {
  round: number;
  sampled: string[];
  /** Clients whose update went into the aggregate. */
  aggregated: string[];
  /** Late or failed clients. */
  dropped: string[];
  /** Clients whose update the admission check rejected. */
  flagged: string[];
  /** Hierarchical FL: whether the cloud step ran after this round's edge aggregation. */
  cloud?: boolean;
  /** Weighted evaluation of the round's starting global model over the sampled clients. */
  loss?: number;
  metrics?: Record<string, number>;
  /** DP: the clip bound used and (ε, δ) spent so far. */
  clipNorm?: number;
  epsilon?: number;
  delta?: number;
  seconds: number;
}

/** A vector as a message blob (no copy). */
export function vectorBlob(v: Float64Array): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/**
 * A message blob as a vector of `length` doubles.
 * @throws ComponentError PROTOCOL if the blob is missing or has another length.
 */
export function blobVector(
  blob: Uint8Array | undefined,
  length: number,
  what: string,
): Float64Array {
  if (!blob || blob.length !== length * 8)
    throw new ComponentError(
      'PROTOCOL',
      `${what}: expected ${length} parameters (${length * 8} bytes), got ${blob ? blob.length : 'no'} bytes`,
    );
  const v = blobAs(blob, Float64Array);
  for (let i = 0; i < v.length; i++)
    if (!Number.isFinite(v[i] as number))
      throw new ComponentError('PROTOCOL', `${what}: parameter ${i} is ${v[i]}, not finite`);
  return v;
}
