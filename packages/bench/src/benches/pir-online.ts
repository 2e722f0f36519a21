/**
 * `pir.query` with `path: 'online'`: online keyword PIR (docs/protocols/pir.md, "Online
 * queries") between two node processes over mutual TLS (the real `fedgrid node start`, PGlite
 * stores). The host serves a registered CSV dataset of `rows` ids × `labelBytes / 8` numeric
 * columns; the guest asks through its owner route `POST /v1/pir/query`. The first query pays
 * the host's table build (on a worker thread; `setup_seconds` is that request's time before the
 * download started) and the paged, SHA-256-checked table download to the guest's storage
 * (`download_seconds`, `table_bytes`); then `queries` single-key queries run one after another
 * against the cached table (`seconds` their total, `latency_ms_p50` / `_max`). Peak RSS of both
 * node processes (VmHWM) is read after the dataset import and again at the end; CPU seconds of
 * both processes over the first query and over the single queries; the one-minute load.
 */
import { X509Certificate } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { DatasetView } from '@fedgrid/node';
import { launchNode, signContract, targetFromNodeDir, type ClusterNode } from 'fedgrid';
import { processCpuSeconds } from '../cpu.js';
import { median } from '../measure.js';
import { RawHttpsClient } from '../raw-https-client.js';
import { result, sig, type BenchResult } from '../report.js';

export interface PirOnlineBenchOptions {
  rows: number;
  /** Label bytes per row: 8 per numeric column. */
  labelBytes: number;
  /** Single-key queries timed after the first. */
  queries: number;
  log?: (line: string) => void;
}

interface QueryAnswer {
  serverRows: number;
  table: 'downloaded' | 'cached';
  download?: { bytes: number; seconds: number };
  results: { key: string; found: boolean; values?: Record<string, number> }[];
}

/** Peak resident set (VmHWM) of a process, MiB, or NaN without /proc. */
async function peakRssMb(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
    return Math.round(kb / 1024);
  } catch {
    return NaN;
  }
}

/** Column c of row i: exact in float64 and in CSV. */
const cell = (i: number, c: number) => i + c * 0.125;

async function writeCsv(file: string, rows: number, columns: number): Promise<void> {
  const out = createWriteStream(file);
  out.write(`id,${Array.from({ length: columns }, (_, c) => `c${c}`).join(',')}\n`);
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    chunk += `k${i},${Array.from({ length: columns }, (_, c) => cell(i, c)).join(',')}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

/** Runs the online `pir.query` entry; throws if any answer is wrong. */
export async function benchPirOnline(o: PirOnlineBenchOptions): Promise<BenchResult> {
  const log = o.log ?? (() => {});
  const columns = o.labelBytes / 8;
  if (!Number.isInteger(columns) || columns < 1)
    throw new RangeError(`pir.query online: labelBytes ${o.labelBytes} is not a multiple of 8`);
  const work = await mkdtemp(join(tmpdir(), 'fedgrid-bench-pir-online-'));
  const nodes: ClusterNode[] = [];
  try {
    const csv = join(work, 'pir.csv');
    await writeCsv(csv, o.rows, columns);
    const host = await launchNode(work, 'host', {
      dataDirs: [work],
      config: {
        // Every feature column is a label; the single queries must not meet the per-second limit.
        pir: { datasets: { pirbench: { labelColumns: [] } }, partnerRequestsPerSecond: 1000 },
      },
    });
    nodes.push(host);
    const guest = await launchNode(work, 'guest');
    nodes.push(guest);
    await signContract(guest, host);
    const i0 = performance.now();
    const ds = await host.api.post<DatasetView>('/v1/datasets', { name: 'pirbench', path: csv });
    log(
      `pir.query online: ${o.rows} rows registered on the host in ${sig((performance.now() - i0) / 1000, 3)} s`,
    );
    await host.api.post('/v1/grants', { dataset: ds.id, grantee: 'guest' });
    const pids = { guest: guest.process.pid ?? 0, host: host.process.pid ?? 0 };
    const rssAfterImport = {
      guest: await peakRssMb(pids.guest),
      host: await peakRssMb(pids.host),
    };

    const target = await targetFromNodeDir(guest.dir);
    const fingerprint = new X509Certificate(target.certPem).fingerprint256;
    const client = new RawHttpsClient({
      url: target.url,
      maxSockets: 1,
      // The first query waits for the host's table build and the download.
      timeoutMs: 30 * 60_000,
      tls: {
        ca: target.certPem,
        servername: 'fedgrid',
        minVersion: 'TLSv1.3',
        checkServerIdentity: (_h, cert) =>
          cert.fingerprint256 === fingerprint ? undefined : new Error('guest certificate changed'),
      },
    });
    const headers = [`authorization: Bearer ${target.token}`, 'content-type: application/json'];
    const ask = async (keys: string[]): Promise<QueryAnswer> => {
      const res = await client.request(
        'POST',
        '/v1/pir/query',
        headers,
        Buffer.from(JSON.stringify({ partner: 'host', dataset: 'pirbench', keys })),
      );
      if (res.status !== 200) throw new Error(`${res.status}: ${res.body.toString()}`);
      return JSON.parse(res.body.toString()) as QueryAnswer;
    };
    const check = (keys: string[], a: QueryAnswer) =>
      keys.forEach((k, j) => {
        const r = a.results[j];
        const i = k.startsWith('k') ? Number(k.slice(1)) : -1;
        const want = i >= 0 && i < o.rows;
        if (!r || r.key !== k || r.found !== want)
          throw new Error(`pir.query online: wrong answer for key #${j}`);
        if (want)
          for (let c = 0; c < columns; c++)
            if (r.values?.[`c${c}`] !== cell(i, c))
              throw new Error(`pir.query online: wrong label for key #${j}`);
      });

    try {
      const cpu0 = { guest: processCpuSeconds(pids.guest), host: processCpuSeconds(pids.host) };
      const t0 = performance.now();
      const firstKeys = ['k1'];
      const first = await ask(firstKeys);
      const firstSeconds = (performance.now() - t0) / 1000;
      check(firstKeys, first);
      if (first.table !== 'downloaded' || !first.download)
        throw new Error('pir.query online: the first query did not download the table');
      const cpu1 = { guest: processCpuSeconds(pids.guest), host: processCpuSeconds(pids.host) };
      const rssAfterDownload = {
        guest: await peakRssMb(pids.guest),
        host: await peakRssMb(pids.host),
      };
      const load1 = loadavg()[0] ?? NaN;
      log(
        `pir.query online: first query ${sig(firstSeconds, 4)} s (download ${sig(first.download.seconds, 4)} s, ${first.download.bytes} bytes); load ${sig(load1, 3)}`,
      );

      const latencies: number[] = [];
      let total = 0;
      for (let q = 0; q < o.queries; q++) {
        // Every fourth key absent: "not found" must cost the same.
        const keys = [q % 4 === 3 ? `absent${q}` : `k${(q * 7919) % o.rows}`];
        const s = performance.now();
        const a = await ask(keys);
        const ms = performance.now() - s;
        check(keys, a);
        if (a.table !== 'cached') throw new Error('pir.query online: the table was not reused');
        latencies.push(ms);
        total += ms;
      }
      const cpu2 = { guest: processCpuSeconds(pids.guest), host: processCpuSeconds(pids.host) };
      const diff = (a?: number, b?: number) =>
        a === undefined || b === undefined ? undefined : sig(b - a, 4);
      return result(
        'pir.query',
        { rows: o.rows, label_bytes: o.labelBytes, path: 'online' },
        total / 1000,
        o.queries,
        'queries',
        {
          setup_seconds: sig(firstSeconds - first.download.seconds, 4),
          first_query_seconds: sig(firstSeconds, 4),
          download_seconds: sig(first.download.seconds, 4),
          table_bytes: first.download.bytes,
          latency_ms_p50: sig(median(latencies), 3),
          latency_ms_max: sig(Math.max(...latencies), 3),
          first_query_cpu_seconds: {
            guest: diff(cpu0.guest, cpu1.guest),
            host: diff(cpu0.host, cpu1.host),
          },
          server_cpu_seconds: sig(((cpu2.host ?? NaN) - (cpu1.host ?? NaN)) / o.queries, 3),
          guest_cpu_seconds_per_query: sig(
            ((cpu2.guest ?? NaN) - (cpu1.guest ?? NaN)) / o.queries,
            3,
          ),
          peak_rss_mb_after_import: rssAfterImport,
          guest_peak_rss_mb: rssAfterDownload.guest,
          host_peak_rss_mb: rssAfterDownload.host,
          load1_after_first_query: sig(load1, 3),
          scheme: 'oprf-2hashdh-x25519-full-download, paged binary table',
        },
      );
    } finally {
      client.close();
    }
  } finally {
    for (const n of nodes.reverse()) await n.stop().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
}
