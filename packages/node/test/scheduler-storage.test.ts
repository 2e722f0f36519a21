/**
 * A broken store stops the scheduler from starting anything (issue 11): a queued job whose
 * first task would start after the node's storage became unusable fails with
 * STORAGE_UNAVAILABLE, and no program is started. The scheduler runs here against an in-memory
 * job store and a recording task runner, so the check is on the scheduler's own decision.
 */
import { describe, expect, it } from 'vitest';
import { FedGridError } from '../dist/errors/errors.js';
import type { JobSpec } from '../dist/jobs/job-spec.js';
import { JobScheduler, type SchedulerDeps } from '../dist/jobs/scheduler.js';

interface Row {
  name: string;
  status: string;
  attempt: number;
  parties: Record<string, unknown>;
  result?: unknown;
  error?: unknown;
}

function harness(storageCheck: () => Promise<void>) {
  const job = { status: 'created', error: undefined as unknown };
  const tasks: Row[] = [{ name: 'stats', status: 'waiting', attempt: 0, parties: {} }];
  const started: string[] = [];
  let ended: (s: string) => void = () => {};
  const end = new Promise<string>((r) => (ended = r));
  const repo = {
    setJob: async (_id: string, status: string, extra?: { error?: unknown }) => {
      job.status = status;
      if (extra?.error) job.error = extra.error;
      if (['failed', 'succeeded', 'stopped'].includes(status)) ended(status);
    },
    getJob: async () => ({ status: job.status }),
    listTasks: async () => tasks,
    getTask: async (_id: string, name: string) => tasks.find((x) => x.name === name),
    setTask: async (_id: string, name: string, status: string, extra?: { result?: unknown }) => {
      const t = tasks.find((x) => x.name === name) as Row;
      t.status = status;
      if (extra?.result) t.result = extra.result;
    },
    setParty: async (_id: string, name: string, party: string, state: unknown) => {
      (tasks.find((x) => x.name === name) as Row).parties[party] = state;
    },
    addEvent: async () => {},
  };
  const runner = {
    start: (_spec: JobSpec, name: string, party: string) => {
      started.push(`${name}/${party}`);
      // The program succeeds at once.
      (tasks.find((x) => x.name === name) as Row).parties[party] = {
        status: 'succeeded',
        node: 'guest',
        attempt: 0,
        summary: {},
      };
      queueMicrotask(() => scheduler.wake('j1'));
    },
    stopJob: () => {},
    stopTask: () => {},
    closeSession: () => {},
  };
  const silent = { warn: () => {}, info: () => {}, error: () => {}, debug: () => {} };
  const scheduler = new JobScheduler({
    selfNodeId: 'guest',
    repo,
    runner,
    contracts: {},
    peers: {},
    log: silent,
    pollSeconds: 0.05,
    storageCheck,
  } as unknown as SchedulerDeps);
  const spec = {
    id: 'j1',
    initiator: 'guest',
    createdAt: new Date().toISOString(),
    parties: { guest: { node: 'guest' }, hosts: [] },
    datasets: { guest: 'd1' },
    tasks: [{ name: 'stats', component: 'statistics', inputs: { data: 'job.dataset' } }],
    timeoutSeconds: 60,
  } as unknown as JobSpec;
  return { scheduler, spec, job, started, end };
}

describe('scheduler on a broken store', () => {
  it('a usable store: the task starts and the job succeeds (control)', async () => {
    const h = harness(async () => {});
    await h.scheduler.enqueue(h.spec);
    expect({ end: await h.end, error: h.job.error }).toEqual({
      end: 'succeeded',
      error: undefined,
    });
    expect(h.started).toEqual(['stats/guest']);
  });

  it('a store that became unusable: nothing starts, the job fails with STORAGE_UNAVAILABLE', async () => {
    const h = harness(async () => {
      throw new FedGridError(
        'STORAGE_UNAVAILABLE',
        "the node's storage is not usable: the data directory was deleted or replaced while the node ran",
      );
    });
    await h.scheduler.enqueue(h.spec);
    expect(await h.end).toBe('failed');
    expect(h.started).toEqual([]);
    expect(h.job.error).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
  });
});
