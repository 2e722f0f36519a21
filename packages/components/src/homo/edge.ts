/**
 * An edge aggregator of hierarchical horizontal FL (standard 002 §5; HierFAVG, Liu et al. 2020)
 * as its own party (edge-k on its own node): a server to the clients of its edge
 * (`hierarchy.edges[k]`) and a client of the cloud aggregator (the arbiter). Per cloud round it
 * takes the cloud model, runs `edgeRounds` rounds with its clients (weighted mean of their
 * updates), and sends the cloud its edge update Δ_e = θ_e − θ_cloud with its clients' examples.
 * The edge sees its own clients' updates; the cloud sees one update per edge (or, with SecAgg
 * between edges and cloud, only their sum).
 */
import { weightedMean } from '@fedgrid/ml';
import { recvMessage, sendMessage, type PartyName } from '@fedgrid/federation';
import { ComponentError, type ProgramContext, type ProgramResult } from '../spec.js';
import { withDeadline } from './deadline.js';
import type { ClientHello, HomoModelKind, LocalEvaluation } from './model.js';
import type { HomoRoundParams } from './params.js';
import {
  blobVector,
  tag,
  vectorBlob,
  type Command,
  type SetupHeader,
  type UpdateHeader,
} from './protocol.js';
import { sendUpdate } from './update.js';

/** Weighted mean of evaluations by examples. */
function combine(evals: readonly LocalEvaluation[]): LocalEvaluation {
  const examples = evals.reduce((a, e) => a + e.examples, 0);
  const metrics: Record<string, number> = {};
  let loss = 0;
  for (const e of evals) {
    const w = examples ? e.examples / examples : 0;
    loss += w * e.loss;
    for (const [k, v] of Object.entries(e.metrics)) metrics[k] = (metrics[k] ?? 0) + w * v;
  }
  return { examples, loss, metrics };
}

/** Builds the edge program of a horizontal component. */
export function homoEdge<P extends HomoRoundParams>(kind: HomoModelKind<P>) {
  return async (ctx: ProgramContext<P>): Promise<ProgramResult> => {
    const t0 = performance.now();
    const p = ctx.params;
    const h = p.hierarchy;
    const cloud = ctx.roles.arbiter;
    const k = (ctx.roles.edges ?? []).indexOf(ctx.party);
    const members: PartyName[] | undefined = h?.edges[k];
    if (!h || !cloud || !members)
      throw new ComponentError(
        'BAD_PARAMS',
        `${ctx.party} is an edge aggregator, so the job needs an arbiter and hierarchy.edges with one client list per edge party (${ctx.roles.edges?.length ?? 0} edges, ${h?.edges.length ?? 0} lists)`,
        { field: 'hierarchy.edges' },
      );
    const hellos = new Map<string, ClientHello>();
    await Promise.all(
      members.map(async (c) => {
        hellos.set(c, (await recvMessage<ClientHello>(ctx.channel, c, tag.hello)).header);
      }),
    );
    kind.setup(hellos, p); // the same columns on every client of this edge (throws otherwise)
    const all = [...hellos.values()];
    const labelValues = [...new Set(all.flatMap((x) => x.labelValues ?? []))].sort((a, b) => a - b);
    const examples = all.reduce((a, x) => a + x.examples, 0);
    const hello: ClientHello = {
      examples,
      featureNames: (all[0] as ClientHello).featureNames,
      ...(all.some((x) => x.labelValues) ? { labelValues } : {}),
    };
    await sendMessage(ctx.channel, cloud, tag.hello, hello);
    const up = (await recvMessage<SetupHeader>(ctx.channel, cloud, tag.setup)).header;
    const E = h.edgeRounds;
    const setup = up.setup;
    const down: SetupHeader = { setup, startRound: up.startRound * E, rounds: p.rounds };
    await Promise.all(members.map((c) => sendMessage(ctx.channel, c, tag.setup, down)));
    const weight = (c: string) => (hellos.get(c)?.examples ?? 0) / examples;
    const inner: { round: number; aggregated: string[]; dropped: string[]; loss?: number }[] = [];
    for (let R = up.startRound; ; R++) {
      const msg = await recvMessage<Command>(ctx.channel, cloud, tag.cmd(R));
      const cmd = msg.header;
      if (cmd.type === 'done') {
        await Promise.all(
          members.map((c) => sendMessage(ctx.channel, c, tag.cmd(p.rounds), cmd, msg.blobs)),
        );
        return {
          outputs: {
            report: { kind: 'report', report: { edge: ctx.party, members, rounds: inner } },
          },
          summary: { members, examples, rounds: inner, seconds: (performance.now() - t0) / 1000 },
        };
      }
      const ts: number[] = [];
      for (let t = R * E; t < Math.min((R + 1) * E, p.rounds); t++) ts.push(t);
      if (cmd.type === 'skip') {
        for (const t of ts)
          await Promise.all(
            members.map((c) => sendMessage(ctx.channel, c, tag.cmd(t), { type: 'skip', round: t })),
          );
        continue;
      }
      const global = blobVector(msg.blobs[0], setup.parameterCount, `cloud model of round ${R}`);
      const theta = global.slice();
      let first: LocalEvaluation | undefined;
      let loss = 0;
      for (const t of ts) {
        const blob = vectorBlob(theta);
        await Promise.all(
          members.map((c) =>
            sendMessage(
              ctx.channel,
              c,
              tag.cmd(t),
              { type: 'train', round: t, weight: weight(c) } satisfies Command,
              [blob],
            ),
          ),
        );
        const got = await Promise.all(
          members.map(async (c) => {
            const m = await withDeadline(
              recvMessage<UpdateHeader>(ctx.channel, c, tag.upd(t)),
              p.roundTimeoutSeconds * 1000,
              ctx.signal,
            ).catch(() => undefined);
            if (!m) {
              ctx.log('warn', `edge ${ctx.party}: no update from ${c} in round ${t}`);
              return undefined;
            }
            return {
              c,
              header: m.header,
              delta: blobVector(m.blobs[0], setup.parameterCount, `update of ${c}`),
            };
          }),
        );
        const ok = got.filter((g) => g !== undefined);
        if (ok.length === 0)
          throw new ComponentError(
            'TOO_FEW_CLIENTS',
            `edge ${ctx.party}: no client update in round ${t}`,
          );
        const mean = weightedMean(
          ok.map((g) => g.delta),
          ok.map((g) => g.header.examples),
        );
        for (let j = 0; j < theta.length; j++)
          theta[j] = (theta[j] as number) + (mean[j] as number);
        const evaluation = combine(ok.map((g) => g.header.evaluation));
        first ??= evaluation;
        loss = ok.reduce((a, g) => a + g.header.loss * g.header.examples, 0) / evaluation.examples;
        inner.push({
          round: t,
          aggregated: ok.map((g) => g.c),
          dropped: members.filter((c) => !ok.some((g) => g.c === c)),
          loss: evaluation.loss,
        });
      }
      await sendUpdate(
        ctx,
        cloud,
        R,
        cmd,
        theta.map((v, j) => v - (global[j] as number)),
        { examples, loss, evaluation: first ?? { examples: 0, loss: 0, metrics: {} } },
      );
      ctx.progress({ stage: 'edge-round', round: R, loss });
    }
  };
}
