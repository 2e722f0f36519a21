/**
 * Settings shared by every MPC component: minimum sizes below which a revealed aggregate
 * identifies rows (docs/protocols/mpc.md, "Minimum sizes") and the runtime parameters.
 */
import { z } from 'zod';
import type { MpcRuntimeOptions } from './session.js';

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
};

/** The runtime options from validated parameters. */
export function runtimeOptions(
  p: { timeoutSeconds: number; maxMessageMiB: number },
  fracBits: number,
): MpcRuntimeOptions {
  return {
    fracBits,
    timeoutMs: p.timeoutSeconds * 1000,
    maxMessageBytes: Math.floor(p.maxMessageMiB * 2 ** 20),
  };
}
