/**
 * `pir.query`: keyword PIR (OPRF-based, full-download mode; docs/protocols/pir.md) on a table
 * of `rows` random 16-character keys × `labelBytes`-byte labels. Both parties run in this
 * process: the server builds the encrypted table (timed as `setup_seconds`, the offline phase),
 * the client decodes the downloaded table once (untimed: it is a local copy of bytes), then
 * `queries` single-key queries run one after another, each blind → answer → decode. `seconds`
 * is their total wall time and `per_second` queries per second; `latency_ms_p50` / `_max` are
 * per query; `server_cpu_seconds` is the process CPU time spent in the server's answer per
 * query (the only server work online). The network would add one round trip of 32 bytes each
 * way per key, not measured here.
 */
import { randomBytes } from 'node:crypto';
import {
  answerPirQuery,
  buildPirTable,
  createPirQuery,
  decodePirAnswer,
  decodePirTable,
  encodePirTable,
  generatePirKey,
  PIR_POINT_BYTES,
} from '@fedgrid/crypto';
import { median } from '../measure.js';
import { result, sig, type BenchResult } from '../report.js';

export interface PirBenchOptions {
  rows: number;
  labelBytes: number;
  /** Single-key queries timed. */
  queries: number;
  /** Keys of the extra batched query (timed once, reported as `batch_*`). */
  batch: number;
}

/** Runs the `pir.query` entry; throws if any query returns a wrong label. */
export function benchPir(opts: PirBenchOptions): BenchResult {
  const { rows, labelBytes } = opts;
  const keys = Array.from(
    { length: rows },
    (_, i) => `${i.toString(36)}:${randomBytes(6).toString('hex')}`,
  );
  const labels = new Uint8Array(randomBytes(rows * labelBytes));
  const key = generatePirKey();
  const t0 = performance.now();
  const setupCpu0 = process.cpuUsage();
  const table = buildPirTable(key, keys, labels, labelBytes);
  const encoded = encodePirTable(table);
  const setupSeconds = (performance.now() - t0) / 1000;
  const setupCpu = process.cpuUsage(setupCpu0);
  const clientTable = decodePirTable(encoded);

  const check = (asked: string[], got: (Uint8Array | null)[]): void => {
    asked.forEach((k, i) => {
      const row = Number.parseInt(k.split(':')[0] as string, 36);
      const want =
        row < rows && keys[row] === k
          ? labels.subarray(row * labelBytes, (row + 1) * labelBytes)
          : null;
      const g = got[i] ?? null;
      if ((want === null) !== (g === null) || (want && g && !Buffer.from(want).equals(g))) {
        throw new Error(`pir.query: wrong answer for query key #${i}`);
      }
    });
  };

  const latencies: number[] = [];
  let serverCpu = 0;
  let total = 0;
  for (let q = 0; q < opts.queries; q++) {
    // Every fourth query asks for an absent key: "not found" must cost the same.
    const asked = [q % 4 === 3 ? `absent:${q}` : (keys[(q * 7919) % rows] as string)];
    const s = performance.now();
    const query = createPirQuery(asked);
    const c0 = process.cpuUsage();
    const answer = answerPirQuery(key, query.request);
    const c = process.cpuUsage(c0);
    const got = decodePirAnswer(query, answer, clientTable);
    const ms = performance.now() - s;
    serverCpu += (c.user + c.system) / 1e6;
    total += ms;
    latencies.push(ms);
    check(asked, got);
  }
  const batchKeys = Array.from(
    { length: opts.batch },
    (_, i) => keys[(i * 104729) % rows] as string,
  );
  const b0 = performance.now();
  const bq = createPirQuery(batchKeys);
  const bc0 = process.cpuUsage();
  const bAnswer = answerPirQuery(key, bq.request);
  const bc = process.cpuUsage(bc0);
  const bGot = decodePirAnswer(bq, bAnswer, clientTable);
  const batchSeconds = (performance.now() - b0) / 1000;
  check(batchKeys, bGot);

  return result(
    'pir.query',
    { rows, label_bytes: labelBytes },
    total / 1000,
    opts.queries,
    'queries',
    {
      setup_seconds: sig(setupSeconds, 4),
      setup_cpu_seconds: sig((setupCpu.user + setupCpu.system) / 1e6, 4),
      server_cpu_seconds: sig(serverCpu / opts.queries, 3),
      latency_ms_p50: sig(median(latencies), 3),
      latency_ms_max: sig(Math.max(...latencies), 3),
      table_bytes: encoded.length,
      request_bytes_per_key: PIR_POINT_BYTES,
      answer_bytes_per_key: PIR_POINT_BYTES,
      batch_keys: opts.batch,
      batch_seconds: sig(batchSeconds, 4),
      batch_server_cpu_seconds: sig((bc.user + bc.system) / 1e6, 3),
      scheme: 'oprf-2hashdh-x25519-full-download',
    },
  );
}
