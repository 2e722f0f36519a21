/** Timing helpers: run a step repeatedly for a time budget and count what it did. */
import { CpuProbe, type CpuReport } from './cpu.js';

export interface Budget {
  /** Keep going until at least this many seconds have passed… */
  minSeconds: number;
  /** …and at least this many operations were done. @default 1 */
  minOps?: number;
}

export interface Measured {
  /** Operations done in the timed region. */
  ops: number;
  /** Wall seconds of the timed region. */
  seconds: number;
  /** CPU time of this process and of the rest of the machine in the timed region. */
  cpu: CpuReport;
}

/**
 * Calls `step` (which performs some operations and returns how many) until the budget is met.
 * Only the calls to `step` are timed; nothing else runs in between.
 */
export async function measureFor(
  budget: Budget,
  step: () => number | Promise<number>,
): Promise<Measured> {
  const minOps = budget.minOps ?? 1;
  let ops = 0;
  const probe = new CpuProbe();
  const cpu0 = probe.snapshot();
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < budget.minSeconds * 1000 || ops < minOps) {
    ops += await step();
    elapsed = performance.now() - t0;
  }
  return { ops, seconds: elapsed / 1000, cpu: CpuProbe.between(cpu0, probe.snapshot()) };
}

/** Synchronous variant of {@link measureFor} (no awaits inside the timed loop). */
export function measureForSync(budget: Budget, step: () => number): Measured {
  const minOps = budget.minOps ?? 1;
  let ops = 0;
  const probe = new CpuProbe();
  const cpu0 = probe.snapshot();
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < budget.minSeconds * 1000 || ops < minOps) {
    ops += step();
    elapsed = performance.now() - t0;
  }
  return { ops, seconds: elapsed / 1000, cpu: CpuProbe.between(cpu0, probe.snapshot()) };
}

/** Seconds taken by `fn`, with its result. */
export async function timed<T>(fn: () => T | Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - t0) / 1000 };
}

/** The median of a non-empty list. @throws RangeError when it is empty. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('median of an empty list');
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** A {@link Measured} round chosen as the median of several, with every round's rate. */
export interface RoundsMeasured extends Measured {
  /** Operations per second of every round, in the order run. */
  rates: number[];
}

/**
 * Splits the budget into `rounds` equal rounds (each at least 1/rounds of the time and of the
 * operations) and returns the round of median rate: a burst of other load on a shared machine
 * spoils one round, not the figure. Use an odd number of rounds.
 */
export async function measureRounds(
  budget: Budget & { rounds: number },
  step: () => number | Promise<number>,
): Promise<RoundsMeasured> {
  const rounds = Math.max(1, Math.floor(budget.rounds));
  const per: Budget = {
    minSeconds: budget.minSeconds / rounds,
    minOps: Math.ceil((budget.minOps ?? 1) / rounds),
  };
  const all: Measured[] = [];
  for (let r = 0; r < rounds; r++) all.push(await measureFor(per, step));
  const rates = all.map((m) => m.ops / m.seconds);
  const byRate = [...all].sort((a, b) => a.ops / a.seconds - b.ops / b.seconds);
  const mid = byRate[Math.floor((byRate.length - 1) / 2)] as Measured;
  return { ...mid, rates };
}
