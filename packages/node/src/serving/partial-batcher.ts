/**
 * Coalesces the guest's concurrent partial requests to one host into one call
 * (docs/protocols/serving.md, "Batching"). Per host and model part at most `maxInFlight` calls
 * are outstanding; ids of predictions that arrive while they are all busy wait and go together in
 * the next call (up to `maxIds` distinct ids). At low load every prediction is sent at once (no
 * added latency); under load the host answers one call per batch, so its per-call costs (TLS
 * record, HTTP parsing, partner authentication, its audit event) are paid once per batch instead
 * of once per prediction. The host sees the same ids it would have seen in separate calls.
 */
import { performance } from 'node:perf_hooks';
import type { ServingPartial } from '@fedgrid/components';
import { FedGridError } from '../errors/errors.js';
import type { PinnedApi } from '../peers/peer-client.js';
import type { PartialRequest, PartialResponse } from './serving-client.js';

/** A host's refusal to compute one id's partial from its row (PartialResponse `refused`). */
export class RowRefusal {
  constructor(
    readonly code: string,
    readonly message: string,
    readonly column?: string,
  ) {}
}

/**
 * One host's partial for each id asked (null: the id is not in its serving table; a
 * {@link RowRefusal}: the host could not compute it from its row).
 */
export type PartialAnswers = Map<string, ServingPartial | RowRefusal | null>;

/** Sends one partial call (ServingClient.partial with the host's pinned address). */
export type SendPartial = (
  peer: PinnedApi,
  party: string,
  body: PartialRequest,
  timeoutMs: number,
) => Promise<PartialResponse>;

interface Waiter {
  ids: string[];
  deadlineAt: number;
  settled: boolean;
  timer: NodeJS.Timeout;
  resolve: (a: PartialAnswers) => void;
  reject: (err: unknown) => void;
}

interface Lane {
  peer: PinnedApi;
  party: string;
  job: string;
  task: string;
  queue: Waiter[];
  inFlight: number;
}

export interface PartialBatcherOptions {
  /** Calls outstanding per host and model part before requests start to wait. @default 2 */
  maxInFlight?: number;
  /** Most distinct ids in one call (the host's `serving.maxBatch`). */
  maxIds: number;
}

export class PartialBatcher {
  private readonly lanes = new Map<string, Lane>();
  private readonly maxInFlight: number;

  constructor(
    private readonly send: SendPartial,
    private readonly opts: PartialBatcherOptions,
  ) {
    this.maxInFlight = opts.maxInFlight ?? 2;
  }

  /**
   * The host's partials for `ids` (at most `maxIds`), batched with other requests to the same
   * host and model part.
   * @throws FedGridError SERVING_HOST_FAILED naming the host: it did not answer within
   *   `timeoutMs` of this call, could not be reached, refused, or answered the wrong number of
   *   partials.
   */
  partials(
    peer: PinnedApi,
    party: string,
    part: { job: string; task: string },
    ids: string[],
    timeoutMs: number,
  ): Promise<PartialAnswers> {
    const key = `${peer.nodeId}\0${party}\0${part.job}\0${part.task}`;
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { peer, party, job: part.job, task: part.task, queue: [], inFlight: 0 };
      this.lanes.set(key, lane);
    }
    lane.peer = peer; // the latest pinned address and certificate
    const l = lane;
    return new Promise<PartialAnswers>((resolve, reject) => {
      const w: Waiter = {
        ids,
        deadlineAt: performance.now() + timeoutMs,
        settled: false,
        resolve,
        reject,
        timer: setTimeout(
          () => {
            if (w.settled) return;
            w.settled = true;
            const i = l.queue.indexOf(w);
            if (i >= 0) l.queue.splice(i, 1);
            reject(
              new FedGridError(
                'SERVING_HOST_FAILED',
                `host node '${l.peer.nodeId}' (party ${l.party}) did not answer within ${timeoutMs} ms`,
                { host: l.peer.nodeId, party: l.party, timeoutMs },
              ),
            );
          },
          Math.max(1, timeoutMs),
        ),
      };
      l.queue.push(w);
      this.pump(key, l);
    });
  }

  private pump(key: string, lane: Lane): void {
    while (lane.inFlight < this.maxInFlight && lane.queue.length > 0) {
      const batch: Waiter[] = [];
      const ids = new Set<string>();
      while (lane.queue.length > 0) {
        const w = lane.queue[0] as Waiter;
        const extra = w.ids.filter((id) => !ids.has(id)).length;
        if (batch.length > 0 && ids.size + extra > this.opts.maxIds) break;
        lane.queue.shift();
        batch.push(w);
        for (const id of w.ids) ids.add(id);
      }
      void this.call(key, lane, batch, [...ids]);
    }
    if (lane.inFlight === 0 && lane.queue.length === 0) this.lanes.delete(key);
  }

  private async call(key: string, lane: Lane, batch: Waiter[], ids: string[]): Promise<void> {
    lane.inFlight++;
    const now = performance.now();
    const timeoutMs = Math.max(1, Math.ceil(Math.max(...batch.map((w) => w.deadlineAt)) - now));
    let answers: PartialAnswers | undefined;
    let failure: unknown;
    try {
      const res = await this.send(
        lane.peer,
        lane.party,
        { job: lane.job, task: lane.task, ids },
        timeoutMs,
      );
      if (!Array.isArray(res.partials) || res.partials.length !== ids.length)
        throw new FedGridError(
          'SERVING_HOST_FAILED',
          `host node '${lane.peer.nodeId}' (party ${lane.party}) answered ${Array.isArray(res.partials) ? res.partials.length : 'no'} partials for ${ids.length} ids`,
          { host: lane.peer.nodeId, party: lane.party },
        );
      answers = new Map(
        ids.map((id, k): [string, ServingPartial | RowRefusal | null] => {
          const p = res.partials[k] as {
            id: string;
            partial?: ServingPartial;
            refused?: { code?: unknown; message?: unknown; column?: unknown };
          };
          if (p.id === id && p.refused && typeof p.refused === 'object')
            return [
              id,
              new RowRefusal(
                String(p.refused.code ?? 'REFUSED').slice(0, 100),
                String(p.refused.message ?? '').slice(0, 1000),
                typeof p.refused.column === 'string' ? p.refused.column.slice(0, 200) : undefined,
              ),
            ];
          return [id, p.id === id && p.partial ? p.partial : null];
        }),
      );
    } catch (err) {
      failure = err;
    } finally {
      lane.inFlight--;
    }
    for (const w of batch) {
      if (w.settled) continue;
      w.settled = true;
      clearTimeout(w.timer);
      if (answers) {
        const a = answers;
        w.resolve(new Map(w.ids.map((id) => [id, a.get(id) ?? null])));
      } else w.reject(failure);
    }
    this.pump(key, lane);
  }
}
