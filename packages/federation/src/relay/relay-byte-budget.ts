/**
 * The relay's byte budgets (docs/protocols/relay.md, "Limits"): a token bucket of bytes per
 * inside node and per partner source address, so that one registered partner (or one inside
 * node) cannot push unlimited bytes through the relay and crowd out the others. A connection
 * over budget is paused, never cut: its bytes wait in a small buffer, the relay stops reading the
 * sender (TCP or HTTP/2 flow control back-pressures it), and the TLS stream passes intact.
 */
import { Transform, type TransformCallback } from 'node:stream';

/**
 * A token bucket of bytes that may go into debt: a chunk always passes whole, after a wait long
 * enough for the bucket to refill what it overdrew. Over any interval of `t` seconds it lets
 * through at most `burst + rate × t` bytes, plus the one chunk that overdrew it.
 */
export class ByteBucket {
  private tokens: number;
  private at: number;
  /** Connections using this bucket now (an idle, full bucket can be dropped). */
  users = 0;

  /**
   * @param rate bytes per second.
   * @param burst bytes that may pass at once after an idle period.
   * @param now clock in milliseconds (performance.now by default).
   */
  constructor(
    readonly rate: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.at = now();
  }

  /**
   * Charges `bytes` to the bucket.
   * @returns milliseconds the caller must wait before forwarding them (0 within budget).
   */
  take(bytes: number): number {
    this.refill();
    this.tokens -= bytes;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.rate) * 1000;
  }

  /** Whether the bucket is back at its burst (no debt, nothing spent). */
  full(): boolean {
    this.refill();
    return this.tokens >= this.burst;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.at) / 1000) * this.rate);
    this.at = t;
  }
}

/** Which budget made a connection wait. */
export type ByteBudgetKind = 'node' | 'source';

/**
 * The relay's byte buckets: one per inside node id, one per source IP address, each kept while a
 * connection uses it or it has not yet refilled (so closing and reopening a connection does not
 * reset a budget).
 */
export class ByteBudgets {
  private readonly nodes = new Map<string, ByteBucket>();
  private readonly sources = new Map<string, ByteBucket>();

  constructor(
    private readonly limits: {
      bytesPerSecondPerNode: number;
      byteBurstPerNode: number;
      bytesPerSecondPerSource: number;
      byteBurstPerSource: number;
    },
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The buckets of one forwarded connection; call `release` when it closes. */
  acquire(node: string, source: string): { node: ByteBucket; source: ByteBucket; release(): void } {
    this.prune();
    const n =
      this.nodes.get(node) ??
      new ByteBucket(this.limits.bytesPerSecondPerNode, this.limits.byteBurstPerNode, this.now);
    const s =
      this.sources.get(source) ??
      new ByteBucket(this.limits.bytesPerSecondPerSource, this.limits.byteBurstPerSource, this.now);
    this.nodes.set(node, n);
    this.sources.set(source, s);
    n.users += 1;
    s.users += 1;
    let released = false;
    return {
      node: n,
      source: s,
      release: () => {
        if (released) return;
        released = true;
        n.users -= 1;
        s.users -= 1;
      },
    };
  }

  private prune(): void {
    for (const map of [this.nodes, this.sources])
      if (map.size >= 1024) for (const [k, b] of map) if (b.users === 0 && b.full()) map.delete(k);
  }
}

/**
 * A pass-through stream that charges every chunk to both buckets and holds it back until both
 * have refilled what it overdrew. While it holds a chunk its writable side fills, so a `pipe`
 * into it pauses the source: back-pressure, not loss.
 * @param onPass called with each chunk as it passes (counters, observers).
 * @param onWait called with the milliseconds a chunk is held and the budget that held it longest.
 */
export function byteThrottle(
  buckets: { node: ByteBucket; source: ByteBucket },
  onPass: (chunk: Buffer) => void,
  onWait: (ms: number, budget: ByteBudgetKind) => void,
): Transform {
  let timer: NodeJS.Timeout | undefined;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      const forNode = buckets.node.take(chunk.length);
      const forSource = buckets.source.take(chunk.length);
      const wait = Math.max(forNode, forSource);
      const pass = () => {
        timer = undefined;
        onPass(chunk);
        done(null, chunk);
      };
      if (wait <= 0) return pass();
      onWait(wait, forNode >= forSource ? 'node' : 'source');
      timer = setTimeout(pass, Math.ceil(wait));
    },
    destroy(err, done) {
      if (timer) clearTimeout(timer);
      done(err);
    },
  });
}
