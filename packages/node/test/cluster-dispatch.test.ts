/**
 * Which programs of a node run as several processes go to the workers
 * (cluster/task-dispatch.ts), and what the leader does when a worker dies mid-run
 * (cluster/execution-supervisor.ts): a program of a `local` component is queued again; one that
 * exchanges messages with partners is not run again alone (its partners moved on and the
 * messages it took are gone), so its party fails with WORKER_LOST. On PostgreSQL, whose advisory
 * locks say which workers live.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, dropStoreSchema, type Store } from '../dist/storage/db.js';
import { ExecutionSupervisor } from '../dist/cluster/execution-supervisor.js';
import { exchangesMessages, runsOnWorkers } from '../dist/cluster/task-dispatch.js';
import type { JobSpec } from '../dist/jobs/job-spec.js';
import type { PartyState } from '../dist/jobs/jobs.repo.js';
import { TEST_DATABASE_URL } from './nodes.js';

const log = pino({ level: 'silent' });

const spec = (id: string, component: string) =>
  ({ id, tasks: [{ name: 't', component, inputs: {}, params: {} }] }) as unknown as JobSpec;

describe('which programs go to the workers', () => {
  it("'all' queues every program, 'local' only those that exchange no messages", () => {
    const scale = spec('j1', 'scale');
    const psi = spec('j2', 'psi-ecdh');
    expect(exchangesMessages(scale, 't')).toBe(false);
    expect(exchangesMessages(psi, 't')).toBe(true);
    expect(runsOnWorkers(psi, 't')).toBe(true);
    expect(runsOnWorkers(psi, 't', 'local')).toBe(false);
    expect(runsOnWorkers(scale, 't', 'local')).toBe(true);
    expect(runsOnWorkers(psi, 'no-such-task')).toBe(false);
  });
});

describe.skipIf(!TEST_DATABASE_URL)('a worker lost mid-run', () => {
  const url = TEST_DATABASE_URL as string;
  const root = mkdtempSync(join(tmpdir(), 'fedgrid-cluster-dispatch-'));
  const schema = `fedgrid_test_${randomBytes(4).toString('hex')}_dispatch`;
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ dataDir: root, databaseUrl: url, databaseSchema: schema });
  });
  afterAll(async () => {
    await store?.close();
    await dropStoreSchema(url, schema);
    rmSync(root, { recursive: true, force: true });
  });

  it('requeues a local program and fails a message-exchanging one with WORKER_LOST', async () => {
    const jobs = { j1: spec('j1', 'scale'), j2: spec('j2', 'psi-ecdh') };
    const row = (jobId: string) => ({
      job_id: jobId,
      task_name: 't',
      party: 'guest',
      attempt: 0,
      state: 'running',
      runs: 1,
      worker: `gone-${randomBytes(4).toString('hex')}:1:worker`,
      history: [],
      error: null,
      queued_at: new Date(),
      updated_at: new Date(),
    });
    const calls: string[] = [];
    const outcomes: Record<string, PartyState> = {};
    const queue = {
      executions: {
        running: async () => [row('j1'), row('j2')],
        end: async () => true,
        dropQueued: async (ref: { jobId: string }) => void calls.push(`drop ${ref.jobId}`),
        giveUp: async (ref: { jobId: string }) => void calls.push(`give up ${ref.jobId}`),
      },
      requeue: async (ref: { jobId: string }) => void calls.push(`requeue ${ref.jobId}`),
    };
    const repo = {
      getJob: async (id: keyof typeof jobs) => ({ id, status: 'running', spec: jobs[id] }),
      getTask: async () => ({ attempt: 0, parties: {} }),
      addEvent: async () => {},
      setParty: async () => {},
    };
    const supervisor = new ExecutionSupervisor({
      db: store.db,
      queue: queue as never,
      repo: repo as never,
      log,
      onPartyDone: async (s, _task, _party, state) => {
        outcomes[s.id] = state;
      },
    });
    const found = await supervisor.sweep();
    expect(found.map((r) => r.jobId)).toEqual(['j1', 'j2']);
    expect(calls).toEqual(['requeue j1', 'give up j2']);
    expect(outcomes['j1']).toBeUndefined();
    expect(outcomes['j2']?.status).toBe('failed');
    expect(outcomes['j2']?.error?.code).toBe('WORKER_LOST');
    expect(outcomes['j2']?.error?.message).toMatch(/exchanges messages/);
  });
});
