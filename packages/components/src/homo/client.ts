/**
 * The client side of the horizontal round loop (guest and hosts): say hello, then per round
 * follow the server's command — score the received global model on the local rows, train from
 * it, and send back the update (Δ = θ_local − θ_global), in the clear or through secure
 * aggregation. Raw rows and labels never leave the client; see docs/protocols/homo-fedavg.md.
 */
import { recvMessage, sendMessage } from '@fedgrid/federation';
import { input, type ProgramContext, type ProgramResult } from '../spec.js';
import { requireClearGroupRows, requireClearUpdateRows } from './clear-update-floor.js';
import type { HomoModelKind } from './model.js';
import type { HomoRoundParams } from './params.js';
import { blobVector, tag, type Command, type SetupHeader } from './protocol.js';
import { sendUpdate, upstreamOf } from './update.js';

/** Builds the client program of a horizontal component. */
export function homoClient<P extends HomoRoundParams>(kind: HomoModelKind<P>) {
  return async (ctx: ProgramContext<P>): Promise<ProgramResult> => {
    const t0 = performance.now();
    const server = upstreamOf(ctx);
    const { frame } = input(ctx, 'data', 'dataset');
    const hello = kind.hello(frame, ctx.params);
    // Refuse before anything is sent when the job says updates go in the clear; each round
    // checks again, for a server that leaves SecAgg out of its command.
    if (!ctx.params.secureAggregation.enabled)
      requireClearUpdateRows(ctx.party, hello.examples, server, kind.algorithm);
    await sendMessage(ctx.channel, server, tag.hello, hello);
    const { header } = await recvMessage<SetupHeader>(ctx.channel, server, tag.setup);
    const { setup } = header;
    const model = await kind.local(frame, setup, ctx.params);
    ctx.progress({
      stage: 'train',
      step: 'start',
      rows: hello.examples,
      rounds: header.rounds,
      startRound: header.startRound,
    });
    let trained = 0;
    try {
      for (let r = header.startRound; ; r++) {
        const msg = await recvMessage<Command>(ctx.channel, server, tag.cmd(r));
        const cmd = msg.header;
        if (cmd.type === 'done') {
          const global = blobVector(msg.blobs[0], setup.parameterCount, 'final model');
          const evaluation = await model.evaluate(global);
          return {
            outputs: { model: { kind: 'model', model: kind.modelPart(setup, global, ctx.params) } },
            summary: {
              rounds: header.rounds,
              roundsTrained: trained,
              examples: hello.examples,
              evaluation,
              history: cmd.history,
              seconds: (performance.now() - t0) / 1000,
            },
          };
        }
        if (cmd.type === 'skip') continue;
        const global = blobVector(msg.blobs[0], setup.parameterCount, `round ${r} global model`);
        const evaluation = await model.evaluate(global);
        const fit = await model.fit(global, r);
        if (!cmd.secAgg) {
          requireClearUpdateRows(ctx.party, hello.examples, server, kind.algorithm);
          requireClearGroupRows(ctx.party, fit, r, server, kind.algorithm);
        }
        const delta = fit.params.map((v, i) => v - (global[i] as number));
        await sendUpdate(ctx, server, r, cmd, delta, {
          examples: hello.examples,
          loss: fit.loss,
          evaluation,
        });
        trained++;
        ctx.progress({ stage: 'train', round: r, rounds: header.rounds, loss: fit.loss });
      }
    } finally {
      model.dispose?.();
    }
  };
}
