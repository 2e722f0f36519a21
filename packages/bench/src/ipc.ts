/**
 * Messages between the benchmark coordinator and its party processes (over the Node IPC channel
 * with `serialization: 'advanced'`, so typed arrays and bigints travel as they are).
 * The data plane between parties is the real gRPC one; IPC only sets things up and reports.
 */
import type { JobRoles, LogLevel, PortValue } from '@fedgrid/components';
import type { PinnedPeer } from '@fedgrid/federation';

/** What the coordinator asks a party to run. */
export interface JobOrder {
  jobId: string;
  /** Data-plane session, unique per run. */
  session: string;
  /** Component code (see BUILTIN_COMPONENTS). */
  component: string;
  /** Raw parameters; the party validates them with the component's schema. */
  params: unknown;
  roles: JobRoles;
  /** Party → node id of every party taking part. */
  parties: [string, string][];
  inputs: Record<string, PortValue>;
  /** Send the program's outputs back after it finishes (for checking results). */
  returnOutputs: boolean;
  /**
   * Run the channel under the gm suite's data-plane protection (SM2 key exchange in-band, SM2-
   * signed SM4-sealed payloads; @fedgrid/node GmChannel), with the parties' SM2 keys from `pin`.
   */
  gm?: boolean;
  /**
   * Inputs the party generates itself before 'prepared' (not timed), for sizes whose delivery over
   * IPC would cost more memory than the run: port name → what to generate.
   */
  synthetic?: Record<string, SyntheticInput>;
  /**
   * Report a digest of each dataset output in 'done' instead of (or besides) shipping it back:
   * enough to check sizes, membership and row alignment of very large outputs.
   */
  digestOutputs?: boolean;
}

/**
 * PSI ids generated in the party (see synthetic.ts): the guest holds `id-0 … id-(n−1)`, the host
 * `id-(n−overlap) … id-(2n−overlap−1)`, each in a seeded random order; so the common ids are
 * exactly those numbered n−overlap … n−1.
 */
export type SyntheticInput =
  | {
      kind: 'psi-ids';
      n: number;
      overlap: number;
      seed: number;
      side: 'guest' | 'host';
    }
  | {
      /**
       * Vertically split rows for HeteroLR (see synthetic.ts): ids `r-0 … r-(rows−1)` in order on
       * every party, `cols` standard-normal features, and on the guest 0/1 labels.
       */
      kind: 'lr-rows';
      rows: number;
      cols: number;
      seed: number;
      labels: boolean;
    };

/** What a party reports of a dataset output when asked for digests. */
export interface OutputDigest {
  rows: number;
  /** SHA-256 (hex) over the ids in output order, each followed by a newline. */
  idsSha256: string;
  /** For synthetic PSI ids: how many output ids are not among the common ids. */
  outsideCommon?: number;
}

export type ToParty =
  | { type: 'pin'; peers: (PinnedPeer & { sm2PublicKey: Uint8Array })[] }
  | { type: 'prepare'; order: JobOrder }
  | { type: 'start'; session: string }
  | { type: 'abort'; session: string; reason: string }
  | { type: 'shutdown' };

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

export type FromParty =
  | {
      type: 'ready';
      nodeId: string;
      address: string;
      certPem: string;
      fingerprint: string;
      /** The party process's SM2 public key (65 bytes), for gm-protected runs. */
      sm2PublicKey: Uint8Array;
      threads: number;
    }
  | { type: 'pinned' }
  | { type: 'prepared'; session: string }
  | { type: 'progress'; session: string; party: string; t: number; data: Record<string, unknown> }
  | {
      type: 'log';
      session: string;
      party: string;
      level: LogLevel;
      message: string;
      data?: Record<string, unknown>;
    }
  | {
      type: 'done';
      session: string;
      party: string;
      /** Wall seconds of the program in its process. */
      seconds: number;
      /** CPU seconds (user + system, all threads of the process) spent while the program ran. */
      cpuSeconds: number;
      /** Peak resident set size of the party process so far (MiB; getrusage ru_maxrss). */
      peakRssMb?: number;
      /** Digests of dataset outputs by port, when the order asked for them. */
      digests?: Record<string, OutputDigest>;
      summary?: Record<string, unknown>;
    }
  | { type: 'outputs'; session: string; party: string; outputs: Record<string, PortValue> }
  | { type: 'failed'; session?: string; party?: string; error: SerializedError };

/** An error in a form that survives the IPC channel. */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return {
      name: err.name,
      message: err.message,
      ...(typeof code === 'string' ? { code } : {}),
      ...(err.stack ? { stack: err.stack } : {}),
    };
  }
  return { name: 'Error', message: String(err) };
}
