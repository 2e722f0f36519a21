/**
 * The aggregator of horizontal training killed (SIGKILL) mid-way and restarted: the job fails on
 * the initiator, a rerun resumes from the arbiter's last checkpoint instead of round 0, and —
 * seeds being deterministic — ends with exactly the model of an uninterrupted run of the same job.
 *
 * Database: FEDGRID_POSTGRES_URL (vitest.config.ts sets it; each node gets a schema of its own),
 * or each node's embedded PGlite store when it is `off` or unset.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { dropStoreSchema, type JobView, type PartyState } from '@fedgrid/node';
import { signContract, type ClusterNode, type JobEvent, type LaunchOptions } from 'fedgrid';
import { freePort, TestCluster, waitFor, permitAdhoc } from './cluster-helpers.js';

const SAMPLES = fileURLToPath(new URL('../../../examples/data/fate/', import.meta.url));
const pg = process.env['FEDGRID_POSTGRES_URL'];
const DATABASE_URL = pg && pg !== 'off' ? pg : undefined;
const RUN = randomBytes(4).toString('hex');
const NAMES = ['guest', 'host', 'arbiter'] as const;
const schemaOf = (name: string) => `fedgrid_homo_resume_${RUN}_${name}`;
const store = (name: string): LaunchOptions =>
  DATABASE_URL ? { databaseUrl: DATABASE_URL, databaseSchema: schemaOf(name) } : {};

const ROUNDS = 30;
/**
 * Small batches and a few local epochs: each round is thousands of SGD steps on 8,000 rows, so a
 * round lasts far longer than the poll below and the kill nearly always lands inside a round (the
 * assertions below also hold when it lands between a round's checkpoint and its progress event).
 */
const TRAIN = { rounds: ROUNDS, batchSize: 4, localEpochs: 3, learningRate: 0.05 };

const cluster = new TestCluster();
let guest: ClusterNode;
let host: ClusterNode;
let arbiter: ClusterNode;
let arbiterPorts: { apiPort: number; dataPort: number };
let datasets: { guest: string; 'host-0': string };

beforeAll(async () => {
  // Fixed ports: the restarted arbiter must answer at the address its partners pinned.
  arbiterPorts = { apiPort: await freePort(), dataPort: await freePort() };
  [guest, host, arbiter] = await Promise.all([
    cluster.launch('guest', store('guest')),
    cluster.launch('host', store('host')),
    cluster.launch('arbiter', { ...store('arbiter'), ...arbiterPorts }),
  ]);
  await signContract(guest, host);
  await signContract(guest, arbiter);
  await signContract(host, arbiter);
  await permitAdhoc([host, arbiter], guest);
  const g = await guest.api.post<{ id: string }>('/v1/datasets', {
    name: 'credit-guest',
    path: join(SAMPLES, 'default_credit_homo_guest.csv'),
    idColumn: 'id',
    labelColumn: 'y',
  });
  const h = await host.api.post<{ id: string }>('/v1/datasets', {
    name: 'credit-host',
    path: join(SAMPLES, 'default_credit_homo_host_1.csv'),
    idColumn: 'id',
    labelColumn: 'y',
  });
  await host.api.post('/v1/grants', { dataset: h.id, grantee: 'guest' });
  datasets = { guest: g.id, 'host-0': h.id };
});

afterAll(async () => {
  await cluster.close();
  if (DATABASE_URL) {
    const url = DATABASE_URL;
    await Promise.all(NAMES.map((n) => dropStoreSchema(url, schemaOf(n)).catch(() => {})));
  }
});

const terminal = (s: string) => ['succeeded', 'failed', 'stopped'].includes(s);

/** Submits the one-task homo-lr job on the guest (the initiator). */
function submit(): Promise<JobView> {
  return guest.api.post<JobView>('/v1/jobs', {
    parties: { guest: { node: 'guest' }, hosts: [{ node: 'host' }], arbiter: { node: 'arbiter' } },
    datasets,
    tasks: [
      { name: 'train', component: 'homo-lr', inputs: { data: 'job.dataset' }, params: TRAIN },
    ],
  });
}

/** Polls `node` until its copy of the job is terminal, and returns it. */
function settled(node: ClusterNode, jobId: string, timeoutMs = 60_000): Promise<JobView> {
  return waitFor(async () => {
    const v = await node.api.get<JobView>(`/v1/jobs/${jobId}`);
    return terminal(v.status) ? v : undefined;
  }, timeoutMs);
}

/** Rounds the arbiter reported done (its 'round' progress events), in the order it logged them. */
async function roundsDone(node: ClusterNode, jobId: string): Promise<number[]> {
  const rounds: number[] = [];
  for (let after = 0; ;) {
    const { items } = await node.api.get<{ items: JobEvent[] }>(
      `/v1/jobs/${jobId}/events?after=${after}`,
    );
    if (items.length === 0) return rounds;
    for (const e of items) {
      after = Math.max(after, Number(e.id));
      if (e.party === 'arbiter' && e.kind === 'progress' && e.data?.['stage'] === 'round')
        rounds.push(e.data['round'] as number);
    }
  }
}

/** The job's model part on `node` (homo-lr: every party stores the full model). */
async function modelOf(node: ClusterNode, jobId: string): Promise<{ params: number[] }> {
  const { items } = await node.api.get<{ items: { id: string; task: string }[] }>(
    `/v1/models?job=${jobId}`,
  );
  expect(items).toHaveLength(1);
  const m = await node.api.get<{ content: { params: number[] } }>(`/v1/models/${items[0]!.id}`);
  return m.content;
}

interface RoundRecord {
  round: number;
  aggregated: string[];
  loss?: number;
  metrics?: Record<string, number>;
}
/** A round's record without its wall-clock time. */
const untimed = (r: RoundRecord) => ({
  round: r.round,
  aggregated: r.aggregated,
  loss: r.loss,
  metrics: r.metrics,
});

test('SIGKILL of the aggregator mid-training: the rerun resumes from its last checkpoint and ends with the model of an uninterrupted run', async () => {
  const job = await submit();

  // At least three rounds aggregated (0, 1, 2), then a crash of the aggregator.
  const seen = await waitFor(
    async () => {
      const r = await roundsDone(arbiter, job.id);
      return r.length >= 3 ? r : undefined;
    },
    60_000,
    50,
  );
  await arbiter.kill();
  const lastSeen = Math.max(...seen);
  expect(lastSeen, 'training ended before the kill; make it longer').toBeLessThan(ROUNDS - 1);

  // The initiator fails the job: its clients notice the aggregator is gone.
  const failed = await settled(guest, job.id);
  expect(failed.status).toBe('failed');
  expect((failed.error as { task: string }).task).toBe('train');
  expect(failed.tasks.every((t) => t.status !== 'running')).toBe(true);

  // The aggregator comes back from its directory, at the same address.
  cluster.nodes.splice(cluster.nodes.indexOf(arbiter), 1);
  arbiter = await cluster.launch('arbiter', { existing: true, ...arbiterPorts });
  const onArbiter = await settled(arbiter, job.id, 30_000);
  expect(onArbiter.status).toBe('failed');
  // Rounds the arbiter recorded before it died (its store survived the crash).
  const before = await roundsDone(arbiter, job.id);
  const lastBefore = Math.max(...before);
  expect(before).toEqual(Array.from({ length: lastBefore + 1 }, (_, r) => r));
  expect(lastBefore).toBeGreaterThanOrEqual(lastSeen);

  await guest.api.post(`/v1/jobs/${job.id}/rerun`, {});
  const final = await settled(guest, job.id, 90_000);
  expect(final.status, JSON.stringify(final.error)).toBe('succeeded');
  const train = final.tasks.find((t) => t.name === 'train')!;
  expect(train.attempt).toBe(1);
  // Each party's summary stays on its own node; the initiator learns outcomes only.
  const summaryOn = async (node: ClusterNode, party: string) =>
    (
      await waitFor(async () => {
        const v = await node.api.get<JobView>(`/v1/jobs/${job.id}`);
        const t = v.tasks.find((x) => x.name === 'train');
        return terminal(v.status) && t?.attempt === 1 ? t : undefined;
      }, 30_000)
    ).parties[party]!.summary;
  const a = (await summaryOn(arbiter, 'arbiter')) as {
    rounds: number;
    resumedAt: number;
    final: RoundRecord;
  };
  // Resumed right after the last round the arbiter completed before the kill, not at 0.
  expect(a.resumedAt).toBeGreaterThanOrEqual(3);
  expect(a.resumedAt).toBeGreaterThanOrEqual(lastSeen + 1);
  // The arbiter saves a round's checkpoint, then records its progress event (without waiting):
  // a kill between the two leaves the checkpoint one round ahead of the events, never behind.
  expect(a.resumedAt).toBeGreaterThanOrEqual(lastBefore + 1);
  expect(a.resumedAt).toBeLessThanOrEqual(lastBefore + 2);
  expect(a.rounds).toBe(ROUNDS);
  expect(a.final.round).toBe(ROUNDS - 1);
  expect((final.results as Record<string, Record<string, unknown>>)['train']?.['arbiter']).toEqual(
    {},
  );
  // The clients trained only the remaining rounds; the history covers every round once.
  for (const [p, node] of [
    ['guest', guest],
    ['host-0', host],
  ] as const) {
    const s = (await summaryOn(node, p)) as { roundsTrained: number; history: RoundRecord[] };
    expect(s.roundsTrained, p).toBe(ROUNDS - a.resumedAt);
    expect(s.history.map((r) => r.round)).toEqual(Array.from({ length: ROUNDS }, (_, r) => r));
  }
  // The arbiter said so in its log, and aggregated only the remaining rounds this time.
  const logs = await arbiter.api.get<{ items: { message: string; party: string | null }[] }>(
    `/v1/jobs/${job.id}/tasks/train/logs`,
  );
  expect(logs.items.map((l) => l.message)).toContain(
    `resuming from the checkpoint at round ${a.resumedAt}`,
  );
  expect((await roundsDone(arbiter, job.id)).slice(before.length)).toEqual(
    Array.from({ length: ROUNDS - a.resumedAt }, (_, r) => a.resumedAt + r),
  );

  // An uninterrupted run of the same job on the same nodes: the very same model and history.
  const ref = await submit();
  const refDone = await settled(guest, ref.id, 90_000);
  expect(refDone.status, JSON.stringify(refDone.error)).toBe('succeeded');
  const refParties = refDone.tasks[0]!.parties as Record<string, PartyState>;
  const refOnArbiter = await waitFor(async () => {
    const v = await arbiter.api.get<JobView>(`/v1/jobs/${ref.id}`);
    return terminal(v.status) ? v : undefined;
  }, 30_000);
  const refA = refOnArbiter.tasks[0]!.parties['arbiter']!.summary as {
    resumedAt: number;
    final: RoundRecord;
  };
  expect(refA.resumedAt).toBe(0);
  expect(untimed(a.final)).toEqual(untimed(refA.final));
  const hist = (s: unknown) => (s as { history: RoundRecord[] }).history.map(untimed);
  expect(hist(await summaryOn(guest, 'guest'))).toEqual(hist(refParties['guest']!.summary));
  const resumedModel = await modelOf(guest, job.id);
  const refModel = await modelOf(guest, ref.id);
  expect(resumedModel.params.length).toBeGreaterThan(0);
  expect(resumedModel.params).toEqual(refModel.params);
  expect((await modelOf(host, job.id)).params).toEqual(refModel.params);
}, 110_000);
