/**
 * The relay's byte budgets (docs/protocols/relay.md, "Limits"): a token bucket of bytes per
 * inside node and per partner source address, so that one registered partner (or one inside
 * node) cannot push unlimited bytes through the relay and crowd out the others. A node's budget
 * is shared fairly among its partner sources (relay-fair-share.ts). A connection over budget is
 * paused, never cut: its bytes wait in a small buffer, the relay stops reading the sender (TCP or
 * HTTP/2 flow control back-pressures it), and the TLS stream passes intact.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { ByteBucket } from './relay-byte-bucket.js';
import { FairShare, type FairLane } from './relay-fair-share.js';

/** Which budget made a connection wait. */
export type ByteBudgetKind = 'node' | 'source';

/** The budgets one forwarded connection is charged to. */
export interface ConnectionBudgets {
  /** Its inside node's budget, shared fairly among sources. */
  node: FairShare;
  /** Its source's place in that share. */
  lane: FairLane;
  /** Its source's own budget (over all inside nodes). */
  source: ByteBucket;
  /** The connection closed. */
  release(): void;
}

/**
 * The relay's byte buckets: one per inside node id (shared fairly among its sources), one per
 * source IP address, each kept while a connection uses it or it has not yet refilled (so closing
 * and reopening a connection does not reset a budget).
 */
export class ByteBudgets {
  private readonly nodes = new Map<string, FairShare>();
  private readonly sources = new Map<string, ByteBucket>();

  /**
   * @param limits the byte limits of relay-limits.ts.
   * @param fair false: a node's budget is first come, first served (relay-fair-share.ts).
   */
  constructor(
    private readonly limits: {
      bytesPerSecondPerNode: number;
      byteBurstPerNode: number;
      bytesPerSecondPerSource: number;
      byteBurstPerSource: number;
    },
    private readonly now: () => number = () => performance.now(),
    private readonly fair = true,
  ) {}

  /** The budgets of one forwarded connection; call `release` when it closes. */
  acquire(node: string, source: string): ConnectionBudgets {
    this.prune();
    const n =
      this.nodes.get(node) ??
      new FairShare(
        new ByteBucket(this.limits.bytesPerSecondPerNode, this.limits.byteBurstPerNode, this.now),
        this.fair,
      );
    const s =
      this.sources.get(source) ??
      new ByteBucket(this.limits.bytesPerSecondPerSource, this.limits.byteBurstPerSource, this.now);
    this.nodes.set(node, n);
    this.sources.set(source, s);
    const lane = n.join(source);
    s.users += 1;
    let released = false;
    return {
      node: n,
      lane,
      source: s,
      release: () => {
        if (released) return;
        released = true;
        n.leave(lane);
        s.users -= 1;
      },
    };
  }

  /** Bytes forwarded per inside node and source, for the sources with a connection open now. */
  served(): { node: string; source: string; connections: number; bytes: number }[] {
    return [...this.nodes].flatMap(([node, share]) =>
      [...share.servedBySource()].map(([source, s]) => ({ node, source, ...s })),
    );
  }

  private prune(): void {
    if (this.nodes.size >= 1024)
      for (const [k, n] of this.nodes) if (n.users === 0 && n.bucket.full()) this.nodes.delete(k);
    if (this.sources.size >= 1024)
      for (const [k, b] of this.sources) if (b.users === 0 && b.full()) this.sources.delete(k);
  }
}

/**
 * A pass-through stream that charges every chunk to its source's bucket, then waits for its
 * source's turn in the node's fair share. While it holds a chunk its writable side fills, so a
 * `pipe` into it pauses the sender: back-pressure, not loss.
 * @param onPass called with each chunk as it passes (counters, observers).
 * @param onWait called with the milliseconds a chunk was held and the budget that held it.
 */
export function byteThrottle(
  budgets: Pick<ConnectionBudgets, 'node' | 'lane' | 'source'>,
  onPass: (chunk: Buffer) => void,
  onWait: (ms: number, budget: ByteBudgetKind) => void,
): Transform {
  let timer: NodeJS.Timeout | undefined;
  let withdraw: (() => void) | undefined;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      const forSource = budgets.source.take(chunk.length);
      const queue = () => {
        timer = undefined;
        const asked = performance.now();
        let waited = false;
        let granted = false;
        const w = budgets.node.request(budgets.lane, chunk.length, () => {
          granted = true;
          withdraw = undefined;
          // Granted at once (within budget, nobody ahead): not held.
          if (waited) onWait(performance.now() - asked, 'node');
          onPass(chunk);
          done(null, chunk);
        });
        waited = true;
        if (!granted) withdraw = w;
      };
      if (forSource <= 0) return queue();
      onWait(forSource, 'source');
      timer = setTimeout(queue, Math.ceil(forSource));
    },
    destroy(err, done) {
      if (timer) clearTimeout(timer);
      withdraw?.();
      done(err);
    },
  });
}
