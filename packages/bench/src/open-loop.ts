/**
 * An open-loop load generator: requests are sent at fixed times t_k = k / rate whatever the
 * answers do (as wrk2 and autocannon's `--overallRate` do), and each latency is measured from
 * the request's scheduled time, so a slow server shows as latency instead of silently lowering
 * the offered rate (no coordinated omission).
 */

export interface OpenLoopOptions {
  /** Offered requests per second. */
  rate: number;
  /** How long requests are sent, seconds. */
  seconds: number;
  /** Sends request k; resolves when it succeeded, rejects when it failed. */
  send: (k: number) => Promise<void>;
}

export interface OpenLoopResult {
  offered: number;
  /** Successful requests. */
  ok: number;
  errors: number;
  /** First error messages (at most 5). */
  errorSamples: string[];
  /** Latencies of the successful requests, milliseconds, ascending. */
  latenciesMs: number[];
  /** From the first scheduled send to the last answer, seconds. */
  seconds: number;
}

/** Runs one step; resolves once every request sent has been answered or has failed. */
export async function openLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const total = Math.round(o.rate * o.seconds);
  const intervalMs = 1000 / o.rate;
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  let sent = 0;
  let lastAnswer = 0;
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  const fire = (k: number) => {
    const scheduled = start + k * intervalMs;
    inflight.push(
      o.send(k).then(
        () => {
          lastAnswer = performance.now();
          latencies.push(lastAnswer - scheduled);
        },
        (err: unknown) => {
          lastAnswer = performance.now();
          errors++;
          if (errorSamples.length < 5) errorSamples.push((err as Error).message);
        },
      ),
    );
  };
  while (sent < total) {
    const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
    while (sent < due) fire(sent++);
    if (sent < total) {
      const wait = start + sent * intervalMs - performance.now();
      await new Promise((r) => setTimeout(r, Math.max(0, wait)));
    }
  }
  await Promise.all(inflight);
  latencies.sort((a, b) => a - b);
  return {
    offered: total,
    ok: latencies.length,
    errors,
    errorSamples,
    latenciesMs: latencies,
    seconds: (Math.max(lastAnswer, start + o.seconds * 1000) - start) / 1000,
  };
}

/** The q-quantile (0 ≤ q ≤ 1) of ascending values (nearest rank); NaN for none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/**
 * Closed-loop saturation: `concurrency` workers each send the next request as soon as the
 * previous one is answered, for `seconds`; returns successful answers per second (the rate the
 * system sustains when it is never idle) and their latencies.
 */
export async function closedLoop(o: {
  concurrency: number;
  seconds: number;
  send: () => Promise<void>;
}): Promise<{ perSecond: number; ok: number; errors: number; latenciesMs: number[] }> {
  const end = performance.now() + o.seconds * 1000;
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        try {
          await o.send();
          latencies.push(performance.now() - t);
        } catch {
          errors++;
        }
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const seconds = (performance.now() - start) / 1000;
  return {
    perSecond: latencies.length / seconds,
    ok: latencies.length,
    errors,
    latenciesMs: latencies,
  };
}
