/**
 * Fair sharing of one inside node's byte budget among its partner sources (docs/protocols/relay.md,
 * "Limits"): start-time fair queuing (Goyal, Vin and Cheng, SIGCOMM 1996) over the source IP
 * addresses that have a chunk waiting, each getting an equal share of bytes whatever its number of
 * connections or the size of its chunks. A source with nothing waiting claims nothing, so its
 * share goes to the others (the node's budget is never left unused while someone waits), and it
 * cannot save up credit while idle to burst past the others later.
 *
 * Each forwarded connection waits with at most one chunk (its throttle holds the chunk, its pipe
 * stops reading the sender): a faster source is paused, not buffered, and its TLS stream passes
 * intact.
 */
import type { ByteBucket } from './relay-byte-bucket.js';

interface Waiting {
  bytes: number;
  /** Start tag: the virtual time (bytes) at which this chunk's turn begins. */
  start: number;
  /** Arrival order, to break ties. */
  seq: number;
  grant: () => void;
}

/** One source's place in a node's fair share. */
export interface FairLane {
  readonly source: string;
  /** Open connections of this source to the node. */
  users: number;
  /** Bytes granted to this source's connections since the lane was created. */
  served: number;
  /** Chunks waiting, in arrival order. */
  queue: Waiting[];
  /** Finish tag of its last chunk asked for (virtual bytes). */
  finish: number;
}

/**
 * One inside node's byte bucket, shared among its sources by start-time fair queuing. A chunk is
 * granted when the bucket holds tokens (it may overdraw it by that one chunk, as
 * {@link ByteBucket} allows) and no other source's waiting chunk has an earlier start tag: over
 * any `t` seconds the node forwards at most `burst + rate × t` bytes plus one chunk, and over any
 * interval in which two sources both have chunks waiting, the bytes granted to them differ by at
 * most their two largest chunks (64 KiB each from a socket read).
 */
export class FairShare {
  private readonly lanes = new Map<string, FairLane>();
  /** Lanes with a chunk waiting. */
  private readonly waiting = new Set<FairLane>();
  /** Virtual time: the start tag of the chunk granted last. */
  private virtual = 0;
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private pumping = false;

  /**
   * @param bucket the node's byte budget.
   * @param fair false: first come, first served on the bucket, as the relay shared it before fair
   *   queues (kept to show the difference: relay-byte-budget.test.ts runs both).
   */
  constructor(
    readonly bucket: ByteBucket,
    private readonly fair = true,
  ) {}

  /** Connections using this share now (an idle share with a full bucket can be dropped). */
  get users(): number {
    let n = 0;
    for (const l of this.lanes.values()) n += l.users;
    return n;
  }

  /** The lane of `source`, counting one more connection on it; give it back with {@link leave}. */
  join(source: string): FairLane {
    const lane = this.lanes.get(source) ?? { source, users: 0, served: 0, queue: [], finish: 0 };
    lane.users += 1;
    this.lanes.set(source, lane);
    return lane;
  }

  /** One connection of `lane` closed; the lane goes when its last one does. */
  leave(lane: FairLane): void {
    lane.users -= 1;
    this.forgetIfIdle(lane);
  }

  /** Bytes granted per source with a connection open now. */
  servedBySource(): Map<string, { connections: number; bytes: number }> {
    return new Map(
      [...this.lanes.values()]
        .filter((l) => l.users > 0)
        .map((l) => [l.source, { connections: l.users, bytes: l.served }]),
    );
  }

  /**
   * Asks to forward `bytes` for `lane`; `grant` is called (maybe at once, synchronously) when they
   * may pass, and the bytes are then charged to the bucket.
   * @returns a function that withdraws the request if it has not been granted yet.
   */
  request(lane: FairLane, bytes: number, grant: () => void): () => void {
    if (!this.fair) return this.firstComeFirstServed(lane, bytes, grant);
    const start = Math.max(this.virtual, lane.finish);
    lane.finish = start + bytes;
    const w: Waiting = { bytes, start, seq: this.seq++, grant };
    lane.queue.push(w);
    this.waiting.add(lane);
    this.pump();
    return () => {
      const i = lane.queue.indexOf(w);
      if (i < 0) return;
      lane.queue.splice(i, 1);
      if (lane.queue.length === 0) this.waiting.delete(lane);
      this.forgetIfIdle(lane);
      if (this.waiting.size === 0 && this.timer) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    };
  }

  private forgetIfIdle(lane: FairLane): void {
    if (lane.users <= 0 && lane.queue.length === 0 && this.lanes.get(lane.source) === lane)
      this.lanes.delete(lane.source);
  }

  /** Grants waiting chunks while the bucket holds tokens, then waits for it to refill. */
  private pump(): void {
    // A grant may synchronously bring the next request: the loop below picks it up.
    if (this.pumping || this.timer) return;
    this.pumping = true;
    try {
      while (this.waiting.size > 0) {
        const wait = this.bucket.take(0);
        if (wait > 0) {
          this.timer = setTimeout(() => {
            this.timer = undefined;
            this.pump();
          }, Math.ceil(wait));
          return;
        }
        let lane: FairLane | undefined;
        for (const l of this.waiting) {
          const a = l.queue[0]!;
          const b = lane?.queue[0];
          if (!b || a.start < b.start || (a.start === b.start && a.seq < b.seq)) lane = l;
        }
        const head = lane!.queue.shift()!;
        if (lane!.queue.length === 0) this.waiting.delete(lane!);
        this.virtual = head.start;
        lane!.served += head.bytes;
        this.bucket.take(head.bytes);
        this.forgetIfIdle(lane!);
        head.grant();
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Without fairness: each chunk overdraws the bucket and waits until it has refilled. */
  private firstComeFirstServed(lane: FairLane, bytes: number, grant: () => void): () => void {
    const wait = this.bucket.take(bytes);
    const pass = () => {
      lane.served += bytes;
      grant();
    };
    if (wait <= 0) {
      pass();
      return () => {};
    }
    const timer = setTimeout(pass, Math.ceil(wait));
    return () => clearTimeout(timer);
  }
}
