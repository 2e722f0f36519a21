/**
 * Issue 11 item 8: a partner detects a dead initiator within a bounded number of checks and
 * fails its copy, instead of waiting for a `finish` that never comes (or its channel's receive
 * timeout). The checks are driven here by calling the watchdog's probe directly: no waiting on
 * clocks.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '@fedgrid/node';
import { TestNodes, type TestNode } from './nodes.js';

const t = new TestNodes();
let guest: TestNode;
let host: TestNode;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fedgrid-probe-'));
  await writeFile(join(dir, 'h.csv'), 'id,a\n1,0.5\n2,0.25\n3,0.75\n');
  [guest, host] = await Promise.all([t.start('guest'), t.start('host')]);
  await t.contractAll();
  await host.ok('POST', '/v1/datasets', { name: 'h', path: join(dir, 'h.csv') });
  await host.ok('POST', '/v1/grants', { dataset: 'h', grantee: 'guest' });
  await t.permitAdhoc(host, 'guest', ['psi-ecdh']);
});
afterAll(async () => {
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

/** A job the guest's certificate makes the host accept (the guest's node never stored it). */
async function acceptedOnHost(): Promise<string> {
  const id = `job-20261206000000-${randomBytes(4).toString('hex')}`;
  const s = guest.node.services;
  await s.peers.call(await s.contracts.peerApi('host'), 'POST', '/v1/interconn/jobs', {
    id,
    initiator: 'guest',
    createdAt: new Date().toISOString(),
    parties: { guest: { node: 'guest' }, hosts: [{ node: 'host' }] },
    datasets: { guest: 'g', 'host-0': 'h' },
    tasks: [{ name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } }],
  });
  return id;
}

const status = async (id: string) => host.ok<JobView>('GET', `/v1/jobs/${id}`);
/** A check as the watchdog makes it an hour after the copies were accepted. */
const anHourOn = () => Date.now() + 3_600_000;

describe('the host checks the initiator of each running copy', () => {
  it('an initiator that does not know the job: the copy fails INITIATOR_LOST at the first check', async () => {
    const id = await acceptedOnHost();
    expect((await status(id)).status).toBe('running');
    expect(await host.node.services.jobs.probeInitiators(anHourOn())).toContain(id);
    const v = await status(id);
    expect(v.status).toBe('failed');
    expect(v.error).toMatchObject({ code: 'INITIATOR_LOST' });
  });

  it('a copy accepted within the last probe interval is not checked yet', async () => {
    const id = await acceptedOnHost();
    expect(await host.node.services.jobs.probeInitiators()).not.toContain(id);
    expect((await status(id)).status).toBe('running');
    expect(await host.node.services.jobs.probeInitiators(anHourOn())).toContain(id);
    expect((await status(id)).error).toMatchObject({ code: 'INITIATOR_LOST' });
  });

  it('GET /v1/interconn/jobs/:id answers a party of the job with states only', async () => {
    const id = await acceptedOnHost();
    const s = guest.node.services;
    const st = await s.peers.call<Record<string, unknown>>(
      await s.contracts.peerApi('host'),
      'GET',
      `/v1/interconn/jobs/${id}`,
    );
    expect(st).toEqual({ status: 'running', tasks: { psi: { status: 'waiting', attempt: 0 } } });
    await host.ok('POST', `/v1/jobs/${id}/stop`, { reason: 'done here' });
  });

  it("a copy that ended on its own still takes the initiator's final status of tasks it never ran", async () => {
    const id = await acceptedOnHost();
    await host.ok('POST', `/v1/jobs/${id}/stop`, { reason: 'ended here first' });
    const s = guest.node.services;
    const api = await s.contracts.peerApi('host');
    // Another attempt's status, or a non-final one, changes nothing.
    await s.peers.call(api, 'POST', `/v1/interconn/jobs/${id}/finish`, {
      status: 'failed',
      tasks: { psi: { status: 'succeeded', attempt: 1 } },
    });
    expect((await status(id)).tasks[0]!.status).toBe('waiting');
    await s.peers.call(api, 'POST', `/v1/interconn/jobs/${id}/finish`, {
      status: 'failed',
      tasks: { psi: { status: 'succeeded', attempt: 0 } },
    });
    const v = await status(id);
    expect(v.tasks[0]!.status).toBe('succeeded');
    // The copy's own ending stays.
    expect(v.status).toBe('stopped');
  });

  it('a dead initiator: the copy fails INITIATOR_UNREACHABLE after `initiatorProbeFailures` (3) checks', async () => {
    // The guest's node goes away, as after a crash.
    const id = await acceptedOnHost();
    await guest.node.close();
    const jobs = host.node.services.jobs;
    expect(await jobs.probeInitiators(anHourOn())).not.toContain(id);
    expect(await jobs.probeInitiators(anHourOn())).not.toContain(id);
    expect((await status(id)).status).toBe('running');
    expect(await jobs.probeInitiators(anHourOn())).toContain(id);
    const v = await status(id);
    expect(v.status).toBe('failed');
    expect(v.error).toMatchObject({ code: 'INITIATOR_UNREACHABLE' });
    expect((v.error as { message: string }).message).toMatch(/guest/);
  });
});
