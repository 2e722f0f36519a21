/**
 * Per-deployment request counts and latency histograms (in memory, since the node started).
 * Buckets are cumulative upper bounds in milliseconds, Prometheus style (`le`), so that an
 * exporter can publish them unchanged; the quantiles are estimated from the buckets.
 */

/** Upper bounds of the latency buckets, milliseconds. */
export const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] as const;

export type Outcome = 'ok' | 'degraded' | 'error';

export interface DeploymentMetricsView {
  requests: { ok: number; degraded: number; error: number; total: number };
  latencyMs: {
    count: number;
    sum: number;
    max: number;
    /** Cumulative counts: requests that took at most `le` ms (`le: null` is +Inf). */
    buckets: { le: number | null; count: number }[];
    /** Bucket upper bound holding the 50th / 99th percentile (null: no request yet). */
    p50: number | null;
    p99: number | null;
  };
}

export class DeploymentMetrics {
  private readonly counts: Record<Outcome, number> = { ok: 0, degraded: 0, error: 0 };
  private readonly buckets = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  private sum = 0;
  private max = 0;

  /** @param sink also told of every request (the node's Prometheus metrics). */
  constructor(private readonly sink?: (outcome: Outcome, ms: number) => void) {}

  /** Counts one request of `ms` milliseconds. */
  observe(outcome: Outcome, ms: number): void {
    this.sink?.(outcome, ms);
    this.counts[outcome]++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
    let i = LATENCY_BUCKETS_MS.findIndex((le) => ms <= le);
    if (i < 0) i = LATENCY_BUCKETS_MS.length;
    this.buckets[i]!++;
  }

  view(): DeploymentMetricsView {
    const total = this.counts.ok + this.counts.degraded + this.counts.error;
    let acc = 0;
    const buckets = this.buckets.map((c, i) => {
      acc += c;
      return { le: LATENCY_BUCKETS_MS[i] ?? null, count: acc };
    });
    const quantile = (q: number) => {
      if (total === 0) return null;
      const b = buckets.find((x) => x.count >= q * total);
      return b?.le ?? this.max;
    };
    return {
      requests: { ...this.counts, total },
      latencyMs: {
        count: total,
        sum: this.sum,
        max: this.max,
        buckets,
        p50: quantile(0.5),
        p99: quantile(0.99),
      },
    };
  }
}
