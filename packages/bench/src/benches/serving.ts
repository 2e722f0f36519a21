/**
 * `serving.online`: online prediction (docs/protocols/serving.md) with guest and host as separate
 * node processes over mutual TLS (the real `fedgrid node start`, PGlite stores), on FATE's
 * default_credit hetero split. Models are trained on the first `trainRows` aligned rows (the
 * latency of serving depends on the model's shape — features, trees, depth — not on how long it
 * trained); each side then serves from its full 30,000-row dataset bound as its serving feature
 * table. An open-loop generator in this process (open-loop.ts) offers fixed rates of single-id
 * requests for random ids to the guest's `POST /v1/models/{name}/predict` over a keep-alive HTTPS
 * pool, step after step; each step reports p50 / p99 / max latency (from the scheduled send
 * time) and the achieved rate.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { DatasetView, JobView } from '@fedgrid/node';
import {
  launchNode,
  permitAdhocJob,
  publishPart,
  signContract,
  targetFromNodeDir,
  watchJob,
  type ApiTarget,
  type ClusterNode,
} from 'fedgrid';
import { processCpuSeconds } from '../cpu.js';
import { closedLoop, openLoop, quantile } from '../open-loop.js';
import { RawHttpsClient } from '../raw-https-client.js';
import { result, round, type BenchResult } from '../report.js';

export interface ServingBenchOptions {
  guestCsv: string;
  hostCsv: string;
  /** Rows the models are trained on (≥ 10 × SecureBoost's 32 bins). @default 1000 */
  trainRows?: number;
  /** Offered rates, requests per second. @default [250, 500, 1000, 2000] */
  rates?: number[];
  /** Seconds per step. @default 5 */
  stepSeconds?: number;
  /** SecureBoost trees. @default 30 */
  trees?: number;
  algorithms?: ('hetero-lr' | 'secureboost')[];
  /** The nodes' `serving` configuration over the defaults (e.g. `{ hostCallsInFlight: 64 }`). */
  servingConfig?: Record<string, unknown>;
  log?: (line: string) => void;
}

/**
 * CPU milliseconds (user + system, all threads, from /proc) that the guest and host processes
 * spent per 1,000 answered requests while `run` ran: a figure that other load on a shared machine
 * barely changes, unlike latency. Undefined fields without /proc. Also the load generator's own
 * (this process, `process.cpuUsage`: it runs nothing else meanwhile) and the machine's one-minute
 * load average when `run` ended (the other load the latency figures were taken under).
 */
async function cpuPer1000<T extends { ok: number }>(
  pids: { guest: number; host: number },
  run: () => Promise<T>,
): Promise<
  T & {
    guest_cpu_ms_per_1000?: number;
    host_cpu_ms_per_1000?: number;
    generator_cpu_ms_per_1000: number;
    load_avg: number;
  }
> {
  const g0 = processCpuSeconds(pids.guest);
  const h0 = processCpuSeconds(pids.host);
  const me0 = process.cpuUsage();
  const r = await run();
  const me = process.cpuUsage(me0);
  const g1 = processCpuSeconds(pids.guest);
  const h1 = processCpuSeconds(pids.host);
  const per = (a?: number, b?: number) =>
    a === undefined || b === undefined || r.ok === 0 ? undefined : round(((b - a) * 1e6) / r.ok, 1);
  const guest = per(g0, g1);
  const host = per(h0, h1);
  return {
    ...r,
    ...(guest !== undefined ? { guest_cpu_ms_per_1000: guest } : {}),
    ...(host !== undefined ? { host_cpu_ms_per_1000: host } : {}),
    generator_cpu_ms_per_1000: round((me.user + me.system) / Math.max(1, r.ok), 1),
    load_avg: round(loadavg()[0] ?? NaN, 2),
  };
}

/**
 * The load generator's client for the guest's admin API: keep-alive TLS connections pinned to its
 * certificate (raw-https-client.ts: a request costs the generator a fraction of what node:https
 * costs, so that the generator takes less of the cores the guest and host share with it).
 */
function predictClient(target: ApiTarget, name: string) {
  const fingerprint = new X509Certificate(target.certPem).fingerprint256;
  const client = new RawHttpsClient({
    url: target.url,
    maxSockets: 256,
    tls: {
      ca: target.certPem,
      servername: 'fedgrid',
      minVersion: 'TLSv1.3',
      checkServerIdentity: (_h, cert) =>
        cert.fingerprint256 === fingerprint ? undefined : new Error('guest certificate changed'),
    },
  });
  const path = `/v1/models/${encodeURIComponent(name)}/predict`;
  const headers = [`authorization: Bearer ${target.token}`, 'content-type: application/json'];
  const send = async (id: string) => {
    const res = await client.request(
      'POST',
      path,
      headers,
      Buffer.from(`{"id":${JSON.stringify(id)}}`),
    );
    if (res.status !== 200) throw new Error(`${res.status}: ${res.body.toString()}`);
  };
  return { send, close: () => client.close() };
}

async function runJob(guest: ClusterNode, nodes: ClusterNode[], spec: object): Promise<string> {
  await permitAdhocJob(spec as Parameters<typeof permitAdhocJob>[0], nodes);
  const job = await guest.api.post<JobView>('/v1/jobs', spec);
  const final = await watchJob(guest.api, job.id, () => {});
  if (final.status !== 'succeeded')
    throw new Error(`job ${job.id} ${final.status}: ${JSON.stringify(final.error)}`);
  return job.id;
}

/** The CSV's header and its first `rows` data lines, written to `dir/name`. */
async function head(csv: string, rows: number, dir: string, name: string): Promise<string> {
  const lines = (await readFile(csv, 'utf8')).split('\n').slice(0, rows + 1);
  const path = join(dir, name);
  await writeFile(path, lines.join('\n') + '\n');
  return path;
}

export async function benchServing(o: ServingBenchOptions): Promise<BenchResult[]> {
  const log = o.log ?? (() => {});
  const trainRows = o.trainRows ?? 1000;
  const rates = o.rates ?? [250, 500, 1000, 2000];
  const stepSeconds = o.stepSeconds ?? 5;
  const algorithms = o.algorithms ?? ['hetero-lr', 'secureboost'];
  const work = await mkdtemp(join(tmpdir(), 'fedgrid-bench-serving-'));
  const dataDirs = [work, dirname(o.guestCsv), dirname(o.hostCsv)];
  const nodes: ClusterNode[] = [];
  try {
    // One after the other: three node starts at once overran launchNode's 60 s on a loaded machine.
    for (const n of ['guest', 'host', 'arbiter'])
      nodes.push(
        await launchNode(work, n, {
          dataDirs,
          ...(o.servingConfig ? { config: { serving: o.servingConfig } } : {}),
        }),
      );
    const [guest, host, arbiter] = nodes;
    const g = guest!;
    const h = host!;
    const a = arbiter!;
    await signContract(g, h);
    await signContract(g, a);
    await signContract(h, a);
    const reg = (n: ClusterNode, name: string, path: string, label?: string) =>
      n.api.post<DatasetView>('/v1/datasets', {
        name,
        path,
        ...(label ? { labelColumn: label } : {}),
      });
    const gTrain = await reg(g, 'train', await head(o.guestCsv, trainRows, work, 'g.csv'), 'y');
    const hTrain = await reg(h, 'train', await head(o.hostCsv, trainRows, work, 'h.csv'));
    const gFull = await reg(g, 'serving', o.guestCsv, 'y');
    const hFull = await reg(h, 'serving', o.hostCsv);
    for (const ds of [hTrain, hFull])
      await h.api.post('/v1/grants', { dataset: ds.id, grantee: 'guest' });
    const ids = (await readFile(o.hostCsv, 'utf8'))
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map((l) => l.slice(0, l.indexOf(',')));
    log(`serving.online: ${ids.length} ids in the host's serving table`);
    const target = await targetFromNodeDir(g.dir);
    const out: BenchResult[] = [];
    for (const algorithm of algorithms) {
      const t0 = performance.now();
      const lr = algorithm === 'hetero-lr';
      const jobId = await runJob(g, nodes, {
        parties: {
          guest: { node: 'guest' },
          hosts: [{ node: 'host' }],
          ...(lr ? { arbiter: { node: 'arbiter' } } : {}),
        },
        datasets: { guest: gTrain.id, 'host-0': hTrain.id },
        tasks: [
          { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
          lr
            ? {
                name: 'train',
                component: 'hetero-lr',
                inputs: { data: 'psi.data' },
                params: { maxIter: 2 },
              }
            : {
                name: 'train',
                component: 'secureboost',
                inputs: { data: 'psi.data' },
                params: { trees: o.trees ?? 30, objective: 'binary' },
              },
        ],
      });
      const partners = (n: ClusterNode) => nodes.filter((x) => x !== n && (lr || x !== a));
      const gm = await publishPart(g, partners(g), jobId);
      const hm = await publishPart(h, partners(h), jobId);
      const name = `bench-${algorithm}`;
      await h.api.post('/v1/deployments', { model: hm, name, dataset: hFull.id });
      await g.api.post('/v1/deployments', { model: gm, name, dataset: gFull.id });
      log(
        `serving.online ${algorithm}: trained on ${trainRows} rows, published and deployed in ${round((performance.now() - t0) / 1000, 1)} s`,
      );
      const client = predictClient(target, name);
      try {
        let seed = 12345;
        const nextId = () => {
          seed = (seed * 1103515245 + 12345) % 2 ** 31;
          return ids[seed % ids.length] as string;
        };
        // Warm-up (connections, JIT), one request at a time, then the saturation throughput: 16
        // requests always in flight.
        await openLoop({ rate: 100, seconds: 1, send: () => client.send(nextId()) });
        const pids = { guest: g.process.pid ?? 0, host: h.process.pid ?? 0 };
        // One request at a time: no batching anywhere, so the CPU per request is the full
        // per-request cost (guest route, host call, audit) and the latency the service time.
        const seq = await cpuPer1000(pids, () =>
          closedLoop({
            concurrency: 1,
            seconds: Math.min(2, stepSeconds),
            send: () => client.send(nextId()),
          }),
        );
        log(
          `serving.online ${algorithm} sequential (1 in flight): ${round(seq.perSecond, 1)} requests/s, p50 ${round(quantile(seq.latenciesMs, 0.5), 2)} ms, p99 ${round(quantile(seq.latenciesMs, 0.99), 2)} ms; CPU per 1,000 requests: guest ${String(seq.guest_cpu_ms_per_1000)} ms, host ${String(seq.host_cpu_ms_per_1000)} ms, generator ${seq.generator_cpu_ms_per_1000} ms; load ${seq.load_avg}`,
        );
        const sat = await cpuPer1000(pids, () =>
          closedLoop({
            concurrency: 16,
            seconds: Math.min(3, stepSeconds),
            send: () => client.send(nextId()),
          }),
        );
        const saturation = round(sat.perSecond, 1);
        log(
          `serving.online ${algorithm} saturation (16 in flight): ${saturation} requests/s, p50 ${round(quantile(sat.latenciesMs, 0.5), 2)} ms, p99 ${round(quantile(sat.latenciesMs, 0.99), 2)} ms, errors ${sat.errors}; CPU per 1,000 requests: guest ${String(sat.guest_cpu_ms_per_1000)} ms, host ${String(sat.host_cpu_ms_per_1000)} ms, generator ${sat.generator_cpu_ms_per_1000} ms; load ${sat.load_avg}`,
        );
        for (const [k, rate] of rates.entries()) {
          const r = await cpuPer1000(pids, () =>
            openLoop({
              rate,
              seconds: stepSeconds,
              send: () => client.send(nextId()),
            }),
          );
          const achieved = r.ok / r.seconds;
          const entry = result('serving.online', { algorithm, rate }, r.seconds, r.ok, 'requests', {
            p50_ms: round(quantile(r.latenciesMs, 0.5), 3),
            p99_ms: round(quantile(r.latenciesMs, 0.99), 3),
            max_ms: round(r.latenciesMs[r.latenciesMs.length - 1] ?? NaN, 3),
            achieved_rate: round(achieved, 1),
            offered: r.offered,
            errors: r.errors,
            ...(r.errorSamples.length ? { error_samples: r.errorSamples } : {}),
            step_seconds: stepSeconds,
            saturation_rate: saturation,
            saturation_p50_ms: round(quantile(sat.latenciesMs, 0.5), 3),
            saturation_p99_ms: round(quantile(sat.latenciesMs, 0.99), 3),
            ...(r.guest_cpu_ms_per_1000 !== undefined
              ? { guest_cpu_ms_per_1000: r.guest_cpu_ms_per_1000 }
              : {}),
            ...(r.host_cpu_ms_per_1000 !== undefined
              ? { host_cpu_ms_per_1000: r.host_cpu_ms_per_1000 }
              : {}),
            ...(sat.guest_cpu_ms_per_1000 !== undefined
              ? { saturation_guest_cpu_ms_per_1000: sat.guest_cpu_ms_per_1000 }
              : {}),
            ...(sat.host_cpu_ms_per_1000 !== undefined
              ? { saturation_host_cpu_ms_per_1000: sat.host_cpu_ms_per_1000 }
              : {}),
            generator_cpu_ms_per_1000: r.generator_cpu_ms_per_1000,
            load_avg: r.load_avg,
            sequential_rate: round(seq.perSecond, 1),
            sequential_p50_ms: round(quantile(seq.latenciesMs, 0.5), 3),
            ...(seq.guest_cpu_ms_per_1000 !== undefined
              ? { sequential_guest_cpu_ms_per_1000: seq.guest_cpu_ms_per_1000 }
              : {}),
            ...(seq.host_cpu_ms_per_1000 !== undefined
              ? { sequential_host_cpu_ms_per_1000: seq.host_cpu_ms_per_1000 }
              : {}),
            train_rows: trainRows,
            serving_rows: ids.length,
          });
          log(
            `serving.online ${algorithm} rate=${rate}: p50 ${String(entry['p50_ms'])} ms, p99 ${String(entry['p99_ms'])} ms, max ${String(entry['max_ms'])} ms, achieved ${String(entry['achieved_rate'])}/s, errors ${r.errors}, CPU per 1,000: guest ${String(r.guest_cpu_ms_per_1000)} ms, host ${String(r.host_cpu_ms_per_1000)} ms, generator ${r.generator_cpu_ms_per_1000} ms; load ${r.load_avg}`,
          );
          out.push(entry);
          // Past saturation a higher rate measures only the generator's own queue, for minutes:
          // the remaining steps are skipped (and said so), to keep the suite within its budget.
          if (achieved < 0.5 * rate && k < rates.length - 1) {
            log(
              `serving.online ${algorithm}: saturated at ${rate}/s (achieved ${round(achieved, 1)}/s); skipping ${rates.slice(k + 1).join(', ')}/s`,
            );
            break;
          }
        }
      } finally {
        client.close();
      }
    }
    return out;
  } finally {
    await Promise.all(nodes.map((n) => n.stop().catch(() => {})));
    await rm(work, { recursive: true, force: true });
  }
}
