/**
 * The arbiter's program of every MPC component: it only deals Beaver material (trusted-dealer
 * mode, docs/protocols/mpc.md "Offline phase") and learns nothing of the inputs; with
 * `triples: dealer-free` it has nothing to do.
 */
import type { ProgramContext, ProgramResult } from '../spec.js';
import { runtimeOptions } from './params.js';
import { serveDealer } from './session.js';

/**
 * Serves the data parties' dealer requests until they close the session.
 * @returns no outputs; summary `dealerRequests` and `dealerBytes` (bytes sent).
 * @throws ComponentError PROTOCOL, MPC_TIMEOUT or MPC_PEER_FAILED (see serveDealer).
 */
export async function mpcDealerProgram(
  ctx: ProgramContext<{
    timeoutSeconds: number;
    maxMessageMiB: number;
    triples?: 'dealer' | 'dealer-free';
  }>,
): Promise<ProgramResult> {
  // Dealer-free jobs need no arbiter; one that was added anyway has nothing to deal.
  if (ctx.params.triples === 'dealer-free')
    return { outputs: {}, summary: { dealerRequests: 0, dealerBytes: 0, triples: 'dealer-free' } };
  const r = await serveDealer(ctx, runtimeOptions(ctx.params, 0));
  return { outputs: {}, summary: { dealerRequests: r.requests, dealerBytes: r.bytes } };
}
