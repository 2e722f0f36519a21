/**
 * Runs one component's programs for every party of a job in one process over the in-memory
 * transport — for unit tests only; real jobs run across node processes over gRPC.
 */
import { CryptoPool } from '@fedgrid/crypto';
import { MemoryNetwork } from '@fedgrid/federation';
import {
  roleOf,
  type ComponentSpec,
  type DisclosureLedger,
  type JobRoles,
  type PortValue,
  type ProgramResult,
} from '@fedgrid/components';

export interface HarnessOptions {
  hosts?: number;
  arbiter?: boolean;
  /** Edge aggregator parties edge-0 … (hierarchical horizontal FL). */
  edges?: number;
  pool: CryptoPool;
  network?: MemoryNetwork;
  session?: string;
  onProgress?: (party: string, data: Record<string, unknown>) => void;
  /** Checkpoints by party, kept across runs (a node's task_checkpoints table in miniature). */
  checkpoints?: Map<string, unknown>;
  /** Receives the programs' log lines. */
  onLog?: (party: string, level: string, message: string) => void;
  /** Disclosure ledgers by party (a node's disclosure tables in miniature), kept across runs. */
  disclosure?: Record<string, DisclosureLedger>;
}

export function jobRoles(hosts: number, arbiter: boolean, edges = 0): JobRoles {
  return {
    guest: 'guest',
    hosts: Array.from({ length: hosts }, (_, k) => `host-${k}`),
    ...(arbiter ? { arbiter: 'arbiter' } : {}),
    ...(edges > 0 ? { edges: Array.from({ length: edges }, (_, k) => `edge-${k}`) } : {}),
  };
}

export async function runComponent(
  spec: ComponentSpec<unknown>,
  params: unknown,
  inputs: Record<string, Record<string, PortValue>>,
  opts: HarnessOptions,
): Promise<Record<string, ProgramResult>> {
  const { parties, runs } = startParties(spec, params, inputs, opts);
  const results = await Promise.all(runs);
  return Object.fromEntries(parties.map((p, i) => [p, results[i]!]));
}

/**
 * Like {@link runComponent}, but waits until EVERY party's program has ended (returned or thrown)
 * and reports each party's outcome. Resolves only when no party is left hanging, so a test that
 * awaits it also checks that a failure on one party stops the others.
 */
export async function runComponentSettled(
  spec: ComponentSpec<unknown>,
  params: unknown,
  inputs: Record<string, Record<string, PortValue>>,
  opts: HarnessOptions,
): Promise<Record<string, PromiseSettledResult<ProgramResult>>> {
  const { parties, runs } = startParties(spec, params, inputs, opts);
  const results = await Promise.allSettled(runs);
  return Object.fromEntries(parties.map((p, i) => [p, results[i]!]));
}

function startParties(
  spec: ComponentSpec<unknown>,
  params: unknown,
  inputs: Record<string, Record<string, PortValue>>,
  opts: HarnessOptions,
): { parties: string[]; runs: Promise<ProgramResult>[] } {
  const roles = jobRoles(opts.hosts ?? 1, opts.arbiter ?? false, opts.edges ?? 0);
  const parties = [
    roles.guest,
    ...roles.hosts,
    ...(roles.arbiter ? [roles.arbiter] : []),
    ...(roles.edges ?? []),
  ].filter((p) => spec.programs[roleOf(p)]);
  const network = opts.network ?? new MemoryNetwork();
  const controller = new AbortController();
  const channels = network.channels(opts.session ?? `s-${Math.random()}`, parties, {
    livenessIntervalMs: 200,
    signal: controller.signal,
  });
  const validated = spec.params.parse(params ?? {});
  const runs = parties.map(async (party) => {
    const program = spec.programs[roleOf(party)]!;
    try {
      return await program({
        jobId: 'job-test',
        taskName: spec.code,
        party,
        role: roleOf(party),
        roles,
        params: validated,
        channel: channels.get(party)!,
        inputs: inputs[party] ?? {},
        crypto: opts.pool,
        log: (level, message) => opts.onLog?.(party, level, message),
        progress: (d) => opts.onProgress?.(party, d),
        signal: controller.signal,
        ...(opts.disclosure?.[party] ? { disclosure: opts.disclosure[party] } : {}),
        ...(opts.checkpoints
          ? {
              checkpoint: {
                load: async () => opts.checkpoints?.get(party),
                save: async (v: unknown) => {
                  opts.checkpoints?.set(party, structuredClone(v));
                },
              },
            }
          : {}),
      });
    } catch (err) {
      controller.abort(err);
      throw err;
    }
  });
  return { parties, runs };
}

/** Small deterministic PRNG (mulberry32) for test data, independent of the library under test. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
