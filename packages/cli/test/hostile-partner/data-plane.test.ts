/**
 * Issue 10, defect 6 (data plane): a hostile partner pushes chunks over gRPC, with its own
 * certificate, into a victim's job sessions. The victim (real node process, restarted with small
 * `dataPlane.limits`) must refuse past the per-session and per-partner caps with
 * RESOURCE_EXHAUSTED naming the session, the partner and the limit, refuse absurd headers, and free
 * everything when the job ends.
 *
 * The sessions come from legitimately created jobs: the victim allows one job at a time, so
 * while job 1 trains, jobs 2 and 3 wait in its queue with their sessions open and no traffic of
 * their own — only the attacker's.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  ChannelError,
  GrpcTransport,
  MemoryTrustStore,
  certificateFingerprint,
  type Envelope,
} from '@fedgrid/federation';
import { loadConfig, saveConfig, type JobView } from '@fedgrid/node';
import { signContract, type ClusterNode, type JobEvent } from 'fedgrid';
import { permitAdhoc } from '../cluster-helpers.js';
import { TestCluster, identityOf, waitFor } from './harness.js';

const SAMPLES = fileURLToPath(new URL('../../../../examples/data/fate/', import.meta.url));
const MiB = 2 ** 20;
const cluster = new TestCluster();
let victim: ClusterNode;
let attacker: ClusterNode;
let arbiter: ClusterNode;
let transport: GrpcTransport;

beforeAll(async () => {
  [victim, attacker, arbiter] = (await Promise.all(
    ['victim', 'attacker', 'arbiter'].map((n) => cluster.launch(n)),
  )) as [ClusterNode, ClusterNode, ClusterNode];
  // Small limits (and one job at a time) so that the caps are reached with a few pushes.
  await victim.stop();
  const { config } = await loadConfig(victim.dir);
  config.dataPlane.limits = {
    sessionBufferMiB: 8,
    partnerBufferMiB: 12,
    totalBufferMiB: 64,
    incompletePayloadSeconds: 120,
  };
  config.runtime.maxConcurrentJobs = 1;
  await saveConfig(victim.dir, config);
  victim = await cluster.launch('victim', { existing: true });
  await signContract(victim, attacker);
  await signContract(victim, arbiter);
  await signContract(attacker, arbiter);

  // The attacker's own data-plane client: its key and certificate, the victim's pinned one.
  const { key, cert } = await identityOf(attacker);
  const trust = new MemoryTrustStore();
  trust.set({
    nodeId: 'victim',
    address: victim.info.dataAddress,
    certPem: victim.info.certPem,
    fingerprint: victim.info.fingerprint,
  });
  transport = new GrpcTransport({
    identity: { keyPem: key, certPem: cert, fingerprint: certificateFingerprint(cert) },
    trust,
  });
});

afterAll(async () => {
  transport?.close();
  await cluster.close();
});

/** Pushes one chunk as the attacker's host party to the victim's guest; the refusal, if any. */
async function push(
  session: string,
  tag: string,
  bytes: number,
  over: Partial<Envelope> = {},
): Promise<ChannelError | undefined> {
  return transport
    .push('victim', {
      session,
      tag,
      src: 'host-0',
      dst: 'guest',
      seq: 0,
      total: 2, // never completed: the other chunk is never sent
      data: new Uint8Array(bytes),
      ...over,
    })
    .then(
      () => undefined,
      (e: unknown) => {
        expect(e).toBeInstanceOf(ChannelError);
        return e as ChannelError;
      },
    );
}

/** Pushes 1 MiB chunks until refused (at most `max`); returns the accepted count and refusal. */
async function fill(session: string, max: number): Promise<[number, ChannelError | undefined]> {
  for (let k = 0; k < max; k++) {
    const err = await push(session, `junk-${k}`, MiB);
    if (err) return [k, err];
  }
  return [max, undefined];
}

test('a partner cannot make the victim buffer past its session and per-partner caps', async () => {
  const g = await victim.api.post<{ id: string }>('/v1/datasets', {
    name: 'g',
    path: join(SAMPLES, 'breast_hetero_guest.csv'),
    labelColumn: 'y',
  });
  const h = await attacker.api.post<{ id: string }>('/v1/datasets', {
    name: 'h',
    path: join(SAMPLES, 'breast_hetero_host.csv'),
  });
  await attacker.api.post('/v1/grants', { dataset: h.id, grantee: 'victim' });
  // The partners permit the victim's ad-hoc jobs (issue 10: off by default).
  await permitAdhoc([attacker, arbiter], victim);
  const jobRequest = (maxIter: number) => ({
    parties: {
      guest: { node: 'victim' },
      hosts: [{ node: 'attacker' }],
      arbiter: { node: 'arbiter' },
    },
    datasets: { guest: g.id, 'host-0': h.id },
    tasks: [
      { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
      {
        name: 'train',
        component: 'hetero-lr',
        inputs: { data: 'psi.data' },
        params: { maxIter, tol: 0, earlyStop: 'none' },
      },
    ],
  });
  const job1 = await victim.api.post<JobView>('/v1/jobs', jobRequest(500));
  await waitFor(async () => {
    const j = await victim.api.get<JobView>(`/v1/jobs/${job1.id}`);
    if (j.status !== 'running' && j.status !== 'queued')
      throw new Error(`job 1 is ${j.status}: ${JSON.stringify(j.error)}`);
    const { items } = await victim.api.get<{ items: JobEvent[] }>(`/v1/jobs/${job1.id}/events`);
    return items.some((e) => e.kind === 'progress' && e.data?.['epoch'] === 1);
  }, 90_000);
  const job2 = await victim.api.post<JobView>('/v1/jobs', jobRequest(1));
  const job3 = await victim.api.post<JobView>('/v1/jobs', jobRequest(1));
  expect((await victim.api.get<JobView>(`/v1/jobs/${job2.id}`)).status).toBe('queued');

  // A header cannot declare a payload of absurdly many chunks; sessions not open take nothing.
  const many = await push(job2.id, 'many', 1, { total: 4_000_000_000 });
  expect(many?.message).toContain('RESOURCE_EXHAUSTED');
  expect(many?.message).toContain('ERR_PAYLOAD_TOO_LARGE');
  const none = await push('job-does-not-exist', 'x', 1);
  expect(none?.message).toContain('NOT_FOUND');
  expect(none?.message).toContain('ERR_UNKNOWN_SESSION');

  // Per session: 8 MiB, then RESOURCE_EXHAUSTED naming the session, the partner and the limit.
  const [accepted, full] = await fill(job2.id, 20);
  expect(accepted).toBe(8);
  expect(full?.message).toContain('RESOURCE_EXHAUSTED');
  expect(full?.message).toContain('ERR_BUFFER_FULL');
  expect(full?.message).toContain(`session ${job2.id}`);
  expect(full?.message).toContain("node 'attacker'");
  expect(full?.message).toContain('per-session limit of 8 MiB');

  // Per partner, across sessions: another session only gets the rest of the 12 MiB (job 1's
  // legitimate traffic, also the attacker's, may take a little of it).
  const [more, partnerFull] = await fill(job3.id, 20);
  expect(more).toBeLessThanOrEqual(4);
  expect(partnerFull?.message).toContain('RESOURCE_EXHAUSTED');
  expect(partnerFull?.message).toContain("node 'attacker'");
  expect(partnerFull?.message).toContain('per-partner limit of 12 MiB');

  // Ending the jobs closes their sessions on the victim, and what the attacker pushed with them.
  // (Job 1 may have failed already: the attacker's own host could no longer push into it.)
  for (const j of [job3, job2, job1])
    await victim.api.post(`/v1/jobs/${j.id}/stop`, {}).catch(() => undefined);
  for (const j of [job2, job3]) {
    const after = await push(j.id, 'after', 1);
    expect(after?.message).toContain('ERR_UNKNOWN_SESSION');
  }
  expect((await victim.api.get<{ nodeId: string }>('/v1/node')).nodeId).toBe('victim');
});
