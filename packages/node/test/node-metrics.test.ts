/**
 * NodeMetrics without a node: a deployment's request observer (serving-metrics.ts) feeds the
 * per-deployment Prometheus series; scrape-time gauges read their sources on every scrape.
 */
import { expect, it } from 'vitest';
import { NodeMetrics } from '../dist/observability/metrics.js';
import { DeploymentMetrics } from '../dist/serving/serving-metrics.js';

it("a deployment's requests appear per deployment, role and outcome, with latency in seconds", async () => {
  const m = new NodeMetrics({ version: 'test', storage: 'pglite' });
  const d = new DeploymentMetrics(m.servingObserver('scorecard', 'guest'));
  d.observe('ok', 3);
  d.observe('ok', 40);
  d.observe('error', 1500);
  // The deployment's own view still counts (GET /v1/deployments/:id).
  expect(d.view().requests).toEqual({ ok: 2, degraded: 0, error: 1, total: 3 });
  const text = (await m.render()).body;
  expect(text).toContain(
    'fedgrid_serving_requests_total{deployment="scorecard",role="guest",outcome="ok"} 2',
  );
  expect(text).toContain(
    'fedgrid_serving_requests_total{deployment="scorecard",role="guest",outcome="error"} 1',
  );
  expect(text).toContain(
    'fedgrid_serving_request_duration_seconds_bucket{le="0.005",deployment="scorecard",role="guest"} 1',
  );
  expect(text).toContain(
    'fedgrid_serving_request_duration_seconds_bucket{le="1",deployment="scorecard",role="guest"} 2',
  );
  expect(text).toContain(
    'fedgrid_serving_request_duration_seconds_count{deployment="scorecard",role="guest"} 3',
  );
  expect(text).toMatch(/fedgrid_serving_request_duration_seconds_sum\{[^}]*\} 1\.543\b/);
});

it('scrape-time gauges read their sources on every scrape; nothing before they are attached', async () => {
  const m = new NodeMetrics({ version: 'test', storage: 'postgres' });
  expect((await m.render()).body).not.toMatch(/^fedgrid_jobs\{/m);
  let queued = ['a', 'b'];
  m.attach({
    countByStatus: async () => ({
      jobs: new Map([['running', 1]]),
      tasks: new Map([['waiting', 4]]),
    }),
    scheduler: () => ({ running: ['r'], queued }),
    mailboxBytes: () => 1234,
    storage: async () => ({ ok: false, freeBytes: 99 }),
  });
  let text = (await m.render()).body;
  expect(text).toContain('fedgrid_jobs{status="running"} 1');
  expect(text).toContain('fedgrid_jobs{status="failed"} 0');
  expect(text).toContain('fedgrid_tasks{status="waiting"} 4');
  expect(text).toContain('fedgrid_scheduler_queued_jobs 2');
  expect(text).toContain('fedgrid_scheduler_running_jobs 1');
  expect(text).toContain('fedgrid_dataplane_buffered_bytes 1234');
  expect(text).toContain('fedgrid_storage_healthy 0');
  expect(text).toContain('fedgrid_storage_free_bytes 99');
  expect(text).toContain('fedgrid_node_info{version="test",storage="postgres",role="all"} 1');
  queued = [];
  text = (await m.render()).body;
  expect(text).toContain('fedgrid_scheduler_queued_jobs 0');
});

it('reports the scheduler leadership and the worker queue of a node run as several processes', async () => {
  const base = {
    countByStatus: async () => ({ jobs: new Map(), tasks: new Map() }),
    scheduler: () => ({ running: [], queued: [] }),
    storage: async () => ({ ok: true, freeBytes: 1 }),
  };
  const single = new NodeMetrics({ version: 'test', storage: 'pglite' });
  single.attach(base);
  let text = (await single.render()).body;
  expect(text).toContain('fedgrid_scheduler_leader 1');
  expect(text).toContain('fedgrid_task_queue_waiting 0');
  const replica = new NodeMetrics({ version: 'test', storage: 'postgres' });
  let leader = false;
  replica.attach({ ...base, cluster: () => ({ leader, queueWaiting: async () => 3 }) });
  text = (await replica.render()).body;
  expect(text).toContain('fedgrid_scheduler_leader 0');
  expect(text).toContain('fedgrid_task_queue_waiting 3');
  leader = true;
  expect((await replica.render()).body).toContain('fedgrid_scheduler_leader 1');
});

it('a worker counts the task executions it runs and the chunks of other processes it runs, and says it is a worker', async () => {
  const m = new NodeMetrics({ version: 'test', storage: 'postgres', role: 'worker' });
  const tasks = m.taskExecutionObserver();
  const chunks = m.chunkExecutionObserver();
  tasks.started();
  let text = (await m.render()).body;
  expect(text).toContain('fedgrid_node_info{version="test",storage="postgres",role="worker"} 1');
  expect(text).toContain('fedgrid_task_executions_running 1');
  tasks.ended('succeeded');
  tasks.superseded();
  tasks.started();
  tasks.ended('failed');
  chunks('x25519', 'stored', 0.2);
  chunks('x25519', 'stored', 0.3);
  chunks('x25519', 'dropped', 0.1);
  chunks('paillierEncrypt', 'error', 0.05);
  text = (await m.render()).body;
  expect(text).toContain('fedgrid_task_executions_running 0');
  expect(text).toContain('fedgrid_task_executions_total{outcome="succeeded"} 1');
  expect(text).toContain('fedgrid_task_executions_total{outcome="failed"} 1');
  expect(text).toContain('fedgrid_task_executions_total{outcome="superseded"} 1');
  expect(text).toContain('fedgrid_crypto_chunks_executed_total{kind="x25519",outcome="stored"} 2');
  expect(text).toContain('fedgrid_crypto_chunks_executed_total{kind="x25519",outcome="dropped"} 1');
  expect(text).toContain(
    'fedgrid_crypto_chunks_executed_total{kind="paillierEncrypt",outcome="error"} 1',
  );
  expect(text).toContain('fedgrid_crypto_chunk_execute_seconds_count{kind="x25519"} 3');
  expect(text).toMatch(/^fedgrid_crypto_chunk_execute_seconds_sum\{kind="x25519"\} 0\.6\d*$/m);
});
