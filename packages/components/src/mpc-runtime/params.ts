/**
 * Settings shared by every MPC component: minimum sizes below which a revealed aggregate
 * identifies rows (docs/protocols/mpc.md, "Minimum sizes") and the runtime parameters.
 */
import { z } from 'zod';
import type { MpcRuntimeOptions, TriplesMode } from './session.js';

/** Smallest group whose count, sum, mean, variance or std is revealed. */
export const MPC_MIN_GROUP_SIZE = 5;
/** Smallest group whose min, max or quantiles (single rows' values) are revealed. */
export const MPC_MIN_ORDER_GROUP_SIZE = 20;

/** Runtime parameters every MPC component takes (spread into its zod object). */
export const mpcRuntimeParams = {
  /** Longest wait for any one message from a peer, in seconds: a dead party fails the task then. */
  timeoutSeconds: z.number().min(1).max(86_400).default(600),
  /** Largest message accepted from a peer per round, in MiB. */
  maxMessageMiB: z.number().min(1).max(2048).default(512),
  /**
   * Source of the Beaver triples: `dealer` — the arbiter deals them (every operation; needs an
   * arbiter); `dealer-free` — two data parties and no arbiter, triples by Paillier (Gilboa):
   * additions, products and products by constants only (no comparison, division, square root,
   * min/max or order statistic). docs/protocols/mpc.md, "Offline phase".
   */
  triples: z.enum(['dealer', 'dealer-free']).default('dealer'),
};

/** The runtime options from validated parameters. */
export function runtimeOptions(
  p: { timeoutSeconds: number; maxMessageMiB: number; triples?: TriplesMode },
  fracBits: number,
): MpcRuntimeOptions {
  return {
    fracBits,
    timeoutMs: p.timeoutSeconds * 1000,
    maxMessageBytes: Math.floor(p.maxMessageMiB * 2 ** 20),
    triples: p.triples ?? 'dealer',
  };
}

/**
 * `roleOptional` of the MPC components: the arbiter (the dealer) may be left out of a job whose
 * task sets `triples: dealer-free`.
 */
export function mpcArbiterOptional(
  role: string,
  params: Readonly<Record<string, unknown>>,
): boolean {
  return role === 'arbiter' && params['triples'] === 'dealer-free';
}
