/**
 * The token bucket behind the relay's byte budgets (relay-byte-budget.ts, docs/protocols/relay.md,
 * "Limits").
 */

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
