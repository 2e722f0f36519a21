/**
 * The shape of `bench.json` (docs/BENCHMARKS.md; the field names are a contract read by
 * automated checks) and the machine description recorded with every run.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import {
  modArithBackend,
  nativeBinding,
  nativeLoadError,
  sm2Backend,
  x25519Backend,
} from '@fedgrid/crypto';
import type { CpuReport } from './cpu.js';

/** Parameters of one entry: what was measured (n, key_bits, threads, rows, …). */
export type BenchParams = Record<string, number | string | boolean>;

/** One measured figure. Extra fields beyond the contract's five are allowed. */
export interface BenchResult {
  /** e.g. `paillier.encrypt`, or `paillier.encrypt@paillier-bigint` for a peer. */
  name: string;
  params: BenchParams;
  /** Wall time of the timed region. */
  seconds: number;
  /** `unit`s per second of wall time. */
  per_second: number;
  unit: string;
  /** Further figures (counts, setup time, load average, …). */
  [extra: string]: unknown;
}

export interface MachineInfo {
  cores: number;
  cpu: string;
  node: string;
  [extra: string]: unknown;
}

export interface BenchReport {
  machine: MachineInfo;
  results: BenchResult[];
  /** Groups that failed, with their error (the run exits non-zero when any did). */
  errors?: { group: string; message: string }[];
  [extra: string]: unknown;
}

/** Describes this machine and the crypto backends the benchmarks run on. */
export function machineInfo(): MachineInfo {
  const nativeError = nativeLoadError();
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    x25519_backend: x25519Backend(),
    mod_arith_backend: modArithBackend(),
    sm2_backend: sm2KernelName(),
    ...(nativeError ? { native_load_error: nativeError } : {}),
    ...cpuFlags(),
    load1_start: round(loadavg()[0] ?? 0, 2),
  };
}

/**
 * The SM2 multiplication psi.ecdh.sm2 runs on: `native-ifma` (AVX-512 IFMA), `native-portable`
 * (portable C: no IFMA on this CPU) or `node-crypto`; the figure depends on it several-fold.
 */
function sm2KernelName(): string {
  if (sm2Backend() !== 'native') return 'node-crypto';
  return `native-${nativeBinding()?.sm2Info?.().backend ?? 'unknown'}`;
}

/** Whether the CPU has the AVX-512 IFMA extension the native kernels use (Linux only). */
function cpuFlags(): { avx512ifma?: boolean } {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const flags = /^flags\s*:(.*)$/m.exec(info)?.[1]?.split(/\s+/) ?? [];
    return { avx512ifma: flags.includes('avx512ifma') };
  } catch {
    return {};
  }
}

/** Rounds to `digits` decimals (figures in bench.json need no more precision than that). */
export function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Rounds to `digits` significant figures. */
export function sig(x: number, digits = 4): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  return Number(x.toPrecision(digits));
}

/**
 * Builds an entry: `per_second = count / seconds` (count in `unit`s), with the one-minute load
 * average at measurement time so that a disturbed figure can be recognised.
 */
export function result(
  name: string,
  params: BenchParams,
  seconds: number,
  count: number,
  unit: string,
  extra: Record<string, unknown> = {},
): BenchResult {
  if (!(seconds > 0)) throw new RangeError(`${name}: measured time ${seconds} s is not positive`);
  return {
    name,
    params,
    seconds: sig(seconds, 5),
    per_second: sig(count / seconds, 5),
    unit,
    count,
    ...extra,
    load1: round(loadavg()[0] ?? 0, 2),
  };
}

/**
 * `cpu_seconds` and `cpu_utilization` = cpu_seconds / (seconds × threads): near 1 when the
 * measured threads had their cores to themselves, lower when other load took turns.
 */
export function cpuFields(
  cpu: CpuReport,
  seconds: number,
  threads: number,
): CpuReport & { cpu_utilization: number } {
  return { ...cpu, cpu_utilization: round(cpu.cpu_seconds / (seconds * threads), 2) };
}
