/**
 * CPU accounting around a timed region, to tell a clean figure from one disturbed by other load
 * on a shared machine: the CPU time our own processes used, and the CPU time everything else on
 * the machine used meanwhile (from /proc; Linux only — elsewhere the fields are omitted).
 */
import { readFileSync } from 'node:fs';

/** Kernel clock ticks per second (USER_HZ); 100 on every mainstream Linux build. */
const TICKS = 100;

/** Busy CPU seconds of the whole machine since boot (all cores), or undefined without /proc. */
export function machineBusySeconds(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user)
    const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
    return busy / TICKS;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system, all threads) used so far by process `pid`, or undefined. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const tokens = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 (utime) and 15 (stime); tokens[0] is field 3.
    return (Number(tokens[11]) + Number(tokens[12])) / TICKS;
  } catch {
    return undefined;
  }
}

export interface CpuSnapshot {
  t: number;
  machine?: number;
  own: number;
}

/** What a region cost in CPU: ours, and everything else's (as average busy cores). */
export interface CpuReport {
  /** CPU seconds of our processes (the coordinator and the given children). */
  cpu_seconds: number;
  /** Average cores kept busy by other processes on the machine during the region. */
  other_cpu_cores?: number;
}

/** Samples the CPU time of a set of our processes and of the machine. */
export class CpuProbe {
  constructor(private readonly pids: readonly number[] = [process.pid]) {}

  snapshot(): CpuSnapshot {
    let own = 0;
    for (const pid of this.pids) own += processCpuSeconds(pid) ?? 0;
    const machine = machineBusySeconds();
    return { t: performance.now(), own, ...(machine !== undefined ? { machine } : {}) };
  }

  /** The CPU report of the region between two snapshots. */
  static between(a: CpuSnapshot, b: CpuSnapshot): CpuReport {
    const seconds = (b.t - a.t) / 1000;
    const own = b.own - a.own;
    const out: CpuReport = { cpu_seconds: Math.round(own * 100) / 100 };
    if (a.machine !== undefined && b.machine !== undefined && seconds > 0) {
      out.other_cpu_cores =
        Math.round((Math.max(0, b.machine - a.machine - own) / seconds) * 100) / 100;
    }
    return out;
  }
}
