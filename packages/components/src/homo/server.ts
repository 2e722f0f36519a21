/**
 * The server side of the horizontal round loop (the arbiter): a fixed skeleton — configure the
 * round (sample clients), collect updates until the round's deadline, aggregate, evaluate,
 * checkpoint — whose algorithmic parts are the strategy's hooks (strategy.ts), as in Flower.
 * Failures (a dead client, a late update, a rejected update) are counted and tolerated down to
 * `minClients` updates per round; a checkpoint after every round lets a rerun resume where the
 * last one stopped. See docs/protocols/homo-fedavg.md.
 */
import { recvMessage, sendMessage, type PartyName } from '@fedgrid/federation';
import { ComponentError, optionalInput, type ProgramContext, type ProgramResult } from '../spec.js';
import type { ClientHello, HomoModelKind, ModelSetup } from './model.js';
import type { HomoRoundParams } from './params.js';
import {
  blobVector,
  tag,
  vectorBlob,
  type Command,
  type RoundRecord,
  type SetupHeader,
  type UpdateHeader,
} from './protocol.js';
import { ContributionLedger, type LedgerState } from './contribution.js';
import { withDeadline } from './deadline.js';
import { checkHierarchy, EdgeModels } from './hierarchy.js';
import { planSecAgg, secAggServerRound } from './secagg-server.js';
import { HomoStrategy, type ClientUpdate, type StrategyState } from './strategy.js';

interface Checkpoint {
  nextRound: number;
  parameterCount: number;
  global: number[];
  strategy: StrategyState;
  history: RoundRecord[];
  strikes: Record<string, number>;
  removed: string[];
  contributions?: LedgerState;
  edges?: number[][];
}

/** Weighted mean of the clients' evaluations (loss and every metric), by examples. */
function combineEvaluations(updates: readonly ClientUpdate[]): {
  loss?: number;
  metrics?: Record<string, number>;
} {
  const total = updates.reduce((a, u) => a + u.header.evaluation.examples, 0);
  if (total === 0) return {};
  let loss = 0;
  const metrics: Record<string, number> = {};
  for (const u of updates) {
    const e = u.header.evaluation;
    const w = e.examples / total;
    loss += w * e.loss;
    for (const [k, v] of Object.entries(e.metrics)) metrics[k] = (metrics[k] ?? 0) + w * v;
  }
  return { loss, metrics };
}

/**
 * The round history as `client` may see it under DP: whether it was sampled, aggregated, dropped
 * or flagged itself, the clip bound and (ε, δ) — not who else was sampled (privacy amplification
 * by subsampling needs the sample secret, also after the fact) and not the round's evaluation (an
 * un-noised function of the sampled clients' rows, outside the DP guarantee).
 */
function clientHistory(history: readonly RoundRecord[], client: string): RoundRecord[] {
  const own = (list: readonly string[]) => list.filter((c) => c === client);
  return history.map((h) => ({
    round: h.round,
    sampled: own(h.sampled),
    aggregated: own(h.aggregated),
    dropped: own(h.dropped),
    flagged: own(h.flagged),
    ...(h.clipNorm !== undefined ? { clipNorm: h.clipNorm } : {}),
    ...(h.epsilon !== undefined ? { epsilon: h.epsilon } : {}),
    ...(h.delta !== undefined ? { delta: h.delta } : {}),
    seconds: h.seconds,
  }));
}

/** Builds the server (arbiter) program of a horizontal component. */
export function homoServer<P extends HomoRoundParams>(kind: HomoModelKind<P>) {
  return async (ctx: ProgramContext<P>): Promise<ProgramResult> => {
    const t0 = performance.now();
    const p = ctx.params;
    const leaves: PartyName[] = [ctx.roles.guest, ...ctx.roles.hosts];
    // Hierarchical FL with edge parties: the arbiter is the cloud and the edges are its clients,
    // each standing for its own clients; a cloud round spans hierarchy.edgeRounds client rounds.
    const edgeParties = p.hierarchy && ctx.roles.edges?.length ? ctx.roles.edges : undefined;
    if (edgeParties) {
      checkHierarchy(p, leaves);
      if (p.hierarchy?.edges.length !== edgeParties.length)
        throw new ComponentError(
          'BAD_PARAMS',
          `the job has ${edgeParties.length} edge parties but hierarchy.edges lists ${p.hierarchy?.edges.length} edges; give one client list per edge`,
          { field: 'hierarchy.edges' },
        );
    }
    const clients: PartyName[] = edgeParties ?? leaves;
    const rounds = edgeParties ? Math.ceil(p.rounds / (p.hierarchy?.edgeRounds ?? 1)) : p.rounds;
    if (clients.length < p.minClients)
      throw new ComponentError(
        'TOO_FEW_CLIENTS',
        `minClients is ${p.minClients} but the job has ${clients.length} clients; lower minClients or add hosts`,
        { field: 'minClients' },
      );
    if (p.secureAggregation.enabled && (p.robust.aggregator !== 'mean' || p.dp.mode === 'server'))
      throw new ComponentError(
        'BAD_PARAMS',
        `secureAggregation hides individual updates, so it cannot be combined with robust.aggregator '${p.robust.aggregator}' or dp.mode 'server'; use 'mean' and dp.mode 'client'`,
        { field: 'secureAggregation' },
      );
    const hellos = new Map<string, ClientHello>();
    await Promise.all(
      clients.map(async (c) => {
        hellos.set(c, (await recvMessage<ClientHello>(ctx.channel, c, tag.hello)).header);
      }),
    );
    const setup: ModelSetup = kind.setup(hellos, p);
    const saved = (await ctx.checkpoint?.load()) as Checkpoint | undefined;
    const resume = saved && saved.parameterCount === setup.parameterCount ? saved : undefined;
    let global = resume ? Float64Array.from(resume.global) : await kind.init(setup, p);
    const strategy = new HomoStrategy(p, clients.length, resume?.strategy);
    const hierarchy =
      p.hierarchy && !edgeParties
        ? new EdgeModels(p, clients, hellos, global, resume?.edges)
        : undefined;
    const history: RoundRecord[] = resume?.history ?? [];
    const strikes = new Map<string, number>(Object.entries(resume?.strikes ?? {}));
    const removed = new Set<string>(resume?.removed ?? []);
    const startRound = resume?.nextRound ?? 0;
    const validation = optionalInput(ctx, 'validation', 'dataset');
    if (validation && p.secureAggregation.enabled)
      ctx.log(
        'warn',
        'contribution evaluation needs individual updates: skipped under secure aggregation',
      );
    const ledger =
      validation && !p.secureAggregation.enabled
        ? new ContributionLedger(kind, setup, p, validation.frame, resume?.contributions)
        : undefined;
    if (resume) ctx.log('info', `resuming from the checkpoint at round ${startRound}`);
    const head: SetupHeader = { setup, startRound, rounds };
    await Promise.all(clients.map((c) => sendMessage(ctx.channel, c, tag.setup, head)));

    const strike = (client: string, why: string) => {
      const n = (strikes.get(client) ?? 0) + 1;
      strikes.set(client, n);
      if (n >= p.robust.maxStrikes) {
        removed.add(client);
        ctx.log('warn', `removed client ${client} after ${n} strikes (last: ${why})`, {
          client,
          strikes: n,
        });
      } else
        ctx.log('warn', `client ${client}: ${why} (strike ${n} of ${p.robust.maxStrikes})`, {
          client,
          strikes: n,
        });
    };
    /** Sends to a client; a failed send is a dropped client, not a failed job. */
    const trySend = async (c: string, t: string, h: unknown, blobs: Uint8Array[] = []) => {
      try {
        await sendMessage(ctx.channel, c, t, h, blobs);
        return true;
      } catch (err) {
        ctx.log('warn', `could not reach client ${c}: ${(err as Error).message}`);
        return false;
      }
    };

    for (let r = startRound; r < rounds; r++) {
      const tr = performance.now();
      ctx.signal.throwIfAborted();
      const available = clients.filter((c) => !removed.has(c));
      if (available.length < p.minClients)
        throw new ComponentError(
          'TOO_FEW_CLIENTS',
          `round ${r}: only ${available.length} clients remain (${[...removed].join(', ')} removed), fewer than minClients ${p.minClients}`,
        );
      const sampled = strategy.sample(r, available);
      const weights = strategy.clientWeights(sampled.map((c) => hellos.get(c)?.examples ?? 0));
      const commands = strategy.commands(r, sampled, weights);
      const plan = p.secureAggregation.enabled
        ? planSecAgg(p, ctx, r, commands, setup.parameterCount)
        : undefined;
      const blob = vectorBlob(global);
      const reached = await Promise.all(
        clients.map((c) => {
          const k = sampled.indexOf(c);
          const cmd: Command = k >= 0 ? (commands[k] as Command) : { type: 'skip', round: r };
          const start = hierarchy ? vectorBlob(hierarchy.modelOf(c)) : blob;
          return trySend(c, tag.cmd(r), cmd, k >= 0 ? [start] : []).then((ok) => ok || k < 0);
        }),
      );
      const live = sampled.filter((c) => reached[clients.indexOf(c)]);
      const ms = p.roundTimeoutSeconds * 1000;
      let updates: ClientUpdate[];
      let next: Float64Array;
      let flagged: string[] = [];
      let cloud: boolean | undefined;
      if (plan) {
        const res = await secAggServerRound(ctx, plan, r, sampled, live, commands, setup, ms);
        updates = res.updates;
        for (const c of sampled)
          if (!res.included.includes(c)) strike(c, 'left the secure aggregation before its end');
        if (updates.length < p.minClients)
          throw new ComponentError(
            'TOO_FEW_CLIENTS',
            `round ${r}: ${updates.length} updates reached the server, fewer than minClients ${p.minClients}`,
          );
        next = strategy.applySum(global, res.sum, res.weightSum, updates);
      } else {
        const got = await Promise.all(
          live.map(async (c) => {
            try {
              const m = await withDeadline(
                recvMessage<UpdateHeader>(ctx.channel, c, tag.upd(r)),
                ms,
                ctx.signal,
              );
              if (!m) return { client: c, late: true as const };
              const delta = blobVector(m.blobs[0], setup.parameterCount, `update of ${c}`);
              return { client: c, update: { client: c, header: m.header, delta } };
            } catch (err) {
              ctx.signal.throwIfAborted();
              return { client: c, error: (err as Error).message };
            }
          }),
        );
        updates = [];
        for (const g of got) {
          if ('update' in g && g.update) updates.push(g.update);
          else if ('late' in g) strike(g.client, `no update within ${p.roundTimeoutSeconds} s`);
          else strike(g.client, `update failed: ${'error' in g ? g.error : '?'}`);
        }
        const admission = strategy.admit(updates);
        for (const f of admission.flagged) strike(f.client, `update rejected: ${f.reason}`);
        flagged = admission.flagged.map((f) => f.client);
        updates = updates.filter((u) => !flagged.includes(u.client));
        if (updates.length < p.minClients)
          throw new ComponentError(
            'TOO_FEW_CLIENTS',
            `round ${r}: ${updates.length} usable updates (rejected: ${flagged.join(', ') || 'none'}), fewer than minClients ${p.minClients}`,
          );
        if (hierarchy) {
          const step = hierarchy.aggregate(r, global, updates, strategy);
          next = step.global;
          cloud = step.cloud;
        } else next = strategy.aggregate(global, updates);
        await ledger?.addRound(
          global,
          updates,
          strategy.clientWeights(updates.map((u) => u.header.examples)),
        );
      }
      const aggregated = updates.map((u) => u.client);
      const dropped = sampled.filter((c) => !aggregated.includes(c) && !flagged.includes(c));
      global = next;
      const evaluation = combineEvaluations(updates);
      const privacy = strategy.privacy();
      const record: RoundRecord = {
        round: r,
        sampled,
        aggregated,
        dropped,
        flagged,
        ...(cloud !== undefined ? { cloud } : {}),
        ...evaluation,
        ...privacy,
        seconds: (performance.now() - tr) / 1000,
      };
      history.push(record);
      const cp: Checkpoint = {
        nextRound: r + 1,
        parameterCount: setup.parameterCount,
        global: [...global],
        strategy: strategy.state(),
        history,
        strikes: Object.fromEntries(strikes),
        removed: [...removed],
        ...(ledger ? { contributions: ledger.state() } : {}),
        ...(hierarchy ? { edges: hierarchy.state() } : {}),
      };
      await ctx.checkpoint?.save(cp);
      // Reported only once durable: a round the arbiter announced is never redone by a rerun.
      ctx.progress({ stage: 'round', round: r, loss: record.loss, clients: updates.length });
    }
    const done = (c: string): Command => ({
      type: 'done',
      round: rounds,
      history: p.dp.mode === 'off' ? history : clientHistory(history, c),
    });
    await Promise.all(
      clients.map((c) => trySend(c, tag.cmd(rounds), done(c), [vectorBlob(global)])),
    );
    return {
      outputs: {
        report: {
          kind: 'report',
          report: {
            history,
            setup,
            removed: [...removed],
            strikes: Object.fromEntries(strikes),
            ...(ledger ? { contributions: ledger.report() } : {}),
          },
        },
      },
      summary: {
        rounds,
        resumedAt: startRound,
        clients: clients.length,
        removed: [...removed],
        final: history[history.length - 1],
        ...(ledger ? { contributions: ledger.report() } : {}),
        ...strategy.privacy(),
        seconds: (performance.now() - t0) / 1000,
      },
    };
  };
}
