/**
 * Test fixtures shared by the feature-engineering tests (statistics, hetero-pearson,
 * hetero-binning, feature-selection): the bundled FATE splits aligned by id (what PSI would
 * give), frame helpers, and a runner that records every message a party receives.
 */
import { MemoryNetwork, decodeMessage, type Channel, type Message } from '@fedgrid/federation';
import type { CryptoPool } from '@fedgrid/crypto';
import {
  roleOf,
  type ComponentSpec,
  type PortValue,
  type ProgramResult,
} from '@fedgrid/components';
import type { Frame } from '@fedgrid/ml';
import { importCsv } from '@fedgrid/node';
import { jobRoles } from './harness.js';

export const BREAST = {
  guest: 'examples/data/fate/breast_hetero_guest.csv',
  host: 'examples/data/fate/breast_hetero_host.csv',
};
export const CREDIT = {
  guest: 'examples/data/fate/default_credit_hetero_guest.csv',
  host: 'examples/data/fate/default_credit_hetero_host.csv',
};

/** Loads a guest/host split and orders the host's rows like the guest's (by id). */
export async function loadAligned(files: {
  guest: string;
  host: string;
}): Promise<{ guest: Frame; host: Frame }> {
  const guest = (await importCsv({ path: files.guest, idColumn: 'id', labelColumn: 'y' })).frame;
  const host = (await importCsv({ path: files.host, idColumn: 'id' })).frame;
  const at = new Map(host.ids.map((id, i) => [id, i]));
  const rows = guest.ids.map((id) => {
    const r = at.get(id);
    if (r === undefined) throw new Error(`id ${id} missing on the host`);
    return r;
  });
  return { guest, host: selectRowsOf(host, rows) };
}

export function selectRowsOf(frame: Frame, rows: readonly number[]): Frame {
  const c = frame.x.cols;
  const data = new Float64Array(rows.length * c);
  rows.forEach((r, i) => data.set(frame.x.data.subarray(r * c, (r + 1) * c), i * c));
  return {
    ids: rows.map((r) => frame.ids[r] as string),
    x: { rows: rows.length, cols: c, data },
    featureNames: frame.featureNames.slice(),
    ...(frame.labels
      ? { labels: Float64Array.from(rows, (r) => frame.labels![r]!), labelName: frame.labelName }
      : {}),
  };
}

/** First `n` rows. */
export function head(frame: Frame, n: number): Frame {
  return selectRowsOf(
    frame,
    Array.from({ length: Math.min(n, frame.ids.length) }, (_, i) => i),
  );
}

/** Some feature columns (by index), rows unchanged, labels kept. */
export function columns(frame: Frame, cols: number[]): Frame {
  const data = new Float64Array(frame.x.rows * cols.length);
  for (let i = 0; i < frame.x.rows; i++) {
    cols.forEach(
      (c, k) => (data[i * cols.length + k] = frame.x.data[i * frame.x.cols + c] as number),
    );
  }
  return {
    ...frame,
    x: { rows: frame.x.rows, cols: cols.length, data },
    featureNames: cols.map((c) => frame.featureNames[c] as string),
  };
}

/** Column j as an array. */
export function column(frame: Frame, j: number): Float64Array {
  return Float64Array.from(
    { length: frame.x.rows },
    (_, i) => frame.x.data[i * frame.x.cols + j] as number,
  );
}

export const dataset = (frame: Frame): PortValue => ({ kind: 'dataset', frame });

export interface Received {
  from: string;
  tag: string;
  message: Message<unknown>;
}

/**
 * Runs every party's program like harness.runComponent, but records each message `spied`
 * receives (sender, tag, decoded header and blobs).
 */
export async function runSpied(
  spec: ComponentSpec<unknown>,
  params: unknown,
  inputs: Record<string, Record<string, PortValue>>,
  opts: { hosts: number; pool: CryptoPool; spied: string },
): Promise<{ results: Record<string, ProgramResult>; received: Received[] }> {
  const roles = jobRoles(opts.hosts, false);
  const parties = [roles.guest, ...roles.hosts];
  const controller = new AbortController();
  const channels = new MemoryNetwork().channels(`spy-${Math.random()}`, parties, {
    livenessIntervalMs: 200,
    signal: controller.signal,
  });
  const received: Received[] = [];
  const validated = spec.params.parse(params ?? {});
  const runs = parties.map(async (party) => {
    const inner = channels.get(party)!;
    const channel: Channel =
      party !== opts.spied
        ? inner
        : {
            session: inner.session,
            self: inner.self,
            peers: inner.peers,
            send: (to, tag, payload) => inner.send(to, tag, payload),
            recv: async (from, tag) => {
              const bytes = await inner.recv(from, tag);
              received.push({ from, tag, message: decodeMessage(bytes.slice()) });
              return bytes;
            },
          };
    try {
      return await spec.programs[roleOf(party)]!({
        jobId: 'job-test',
        taskName: spec.code,
        party,
        role: roleOf(party),
        roles,
        params: validated,
        channel,
        inputs: inputs[party] ?? {},
        crypto: opts.pool,
        log: () => {},
        progress: () => {},
        signal: controller.signal,
      });
    } catch (err) {
      controller.abort(err);
      throw err;
    }
  });
  const results = await Promise.all(runs);
  return { results: Object.fromEntries(parties.map((p, i) => [p, results[i]!])), received };
}
