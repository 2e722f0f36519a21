/**
 * The command line around a job's results, on three node processes (bank: guest, utility: host,
 * coordinator: arbiter — the node ids and dataset names of examples/flows/hetero-lr.yaml) with
 * the README's three contracts: `job submit --wait` of the headline example prints its progress
 * and ends with the metrics of the held-out rows; `job show` prints them again; `job watch` and
 * `job events --follow` re-attach to a running job, print its progress so far and then live,
 * and exit non-zero when the job does not succeed.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import type { JobView } from '@fedgrid/node';
import { signContract, type ClusterNode, type JobEvent } from 'fedgrid';
import { EXAMPLES, TestCluster, permitAdhoc, waitFor } from './cluster-helpers.js';

const BIN = fileURLToPath(new URL('../bin/fedgrid.js', import.meta.url));
const FLOW = fileURLToPath(new URL('../../../examples/flows/hetero-lr.yaml', import.meta.url));
const exec = promisify(execFile);

const cluster = new TestCluster();
let bank: ClusterNode;
let utility: ClusterNode;
let coordinator: ClusterNode;

/** `fedgrid <args> --node <bank>` as a child process: exit code and output. */
async function fedgrid(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(process.execPath, [BIN, ...args, '--node', bank.dir], {
      maxBuffer: 16 * 2 ** 20,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** A long-running `fedgrid` child whose output is collected as it comes. */
function follow(args: string[]) {
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args, '--node', bank.dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout?.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? -1)));
  return { child, out, exited };
}

beforeAll(async () => {
  [bank, utility, coordinator] = await Promise.all([
    cluster.launch('bank'),
    cluster.launch('utility'),
    cluster.launch('coordinator'),
  ]);
  // The README's three contracts: every pair of parties talks directly.
  await signContract(bank, utility);
  await signContract(bank, coordinator);
  await signContract(utility, coordinator);
  // The README's ad-hoc permissions: exactly the components each partner's parties run.
  await permitAdhoc([utility], bank, ['psi-ecdh', 'split', 'hetero-lr', 'hetero-lr-predict']);
  await permitAdhoc([coordinator], bank, ['hetero-lr']);
  await bank.api.post('/v1/datasets', {
    name: 'loans',
    path: join(EXAMPLES, 'fate/breast_hetero_guest.csv'),
    labelColumn: 'y',
  });
  await utility.api.post('/v1/datasets', {
    name: 'usage',
    path: join(EXAMPLES, 'fate/breast_hetero_host.csv'),
  });
  await utility.api.post('/v1/grants', { dataset: 'usage', grantee: 'bank' });
});
afterAll(() => cluster.close());

/** The headline example with its training cut to `params` (these tests check the CLI). */
async function example(params: Record<string, unknown>): Promise<string> {
  const flow = parseYaml(await readFile(FLOW, 'utf8')) as {
    tasks: { name: string; params?: Record<string, unknown> }[];
  };
  flow.tasks = flow.tasks.map((t) =>
    t.name === 'train' ? { ...t, params: { ...t.params, ...params } } : t,
  );
  const file = join(await cluster.dir(), `hetero-lr-${Object.values(params).join('-')}.yaml`);
  await writeFile(file, stringify(flow));
  return file;
}

test('job submit --wait prints progress and ends with the metrics of the held-out rows; job show repeats them', async () => {
  const r = await fedgrid(['job', 'submit', await example({ maxIter: 3 }), '--wait']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/PSI: 569 ids in common/);
  expect(r.stdout).toMatch(/training on \d+ rows, 10 guest features, 1 host\(s\), Paillier-2048/);
  expect(r.stdout).toMatch(/epoch\s+3\s+loss \d\.\d{6}/);
  const id = /^job (job-\S+) .*— succeeded$/m.exec(r.stdout)?.[1];
  expect(id, r.stdout).toBeDefined();

  // The held-out rows are the split's test rows, as many as the evaluation reports.
  const test = await bank.api.get<{ rows: number }>(`/v1/jobs/${id}/outputs/split/guest/test`);
  const block = `evaluation \`evaluate\` (binary) on guest: ${test.rows} held-out rows (split.test, not used in training)`;
  expect(r.stdout).toContain(block);
  const final = await bank.api.get<JobView>(`/v1/jobs/${id}`);
  const auc = (
    final.tasks.find((t) => t.name === 'evaluate')?.result as {
      guest: { metrics: { auc: number } };
    }
  ).guest.metrics.auc;
  expect(r.stdout).toMatch(new RegExp(`^auc\\s+${auc.toFixed(4)}$`, 'm'));

  const show = await fedgrid(['job', 'show', id!]);
  expect(show.code).toBe(0);
  expect(show.stdout).toContain(block);
  expect(show.stdout).toMatch(new RegExp(`^auc\\s+${auc.toFixed(4)}$`, 'm'));
});

test('job watch and job events --follow re-attach to a running job and exit 1 when it is stopped', async () => {
  // Many epochs and no early stop: the job is still training when the watchers attach.
  const flow = parseYaml(
    await readFile(await example({ maxIter: 500, earlyStop: 'none', tol: 0 }), 'utf8'),
  ) as object;
  const job = await bank.api.post<JobView>('/v1/jobs', flow);
  const epochsSoFar = async () => {
    const { items } = await bank.api.get<{ items: JobEvent[] }>(`/v1/jobs/${job.id}/events`);
    return items.filter((e) => e.kind === 'progress' && e.party === 'guest' && e.data?.['epoch'])
      .length;
  };
  await waitFor(async () => (await epochsSoFar()) >= 2, 180_000);

  const watch = follow(['job', 'watch', job.id]);
  const events = follow(['job', 'events', job.id, '--follow']);
  // Both print the progress from the start (epoch 1 happened before they attached), then live.
  for (const w of [watch, events]) {
    await waitFor(async () => /PSI: 569 ids in common/.test(w.out.stdout), 60_000);
    await waitFor(async () => /epoch\s+1\s+loss/.test(w.out.stdout), 60_000);
  }
  const seen = await epochsSoFar();
  await waitFor(async () => (await epochsSoFar()) > seen + 1, 120_000);
  await waitFor(
    async () => new RegExp(`epoch\\s+${seen + 1}\\s+loss`).test(watch.out.stdout),
    30_000,
  );
  expect(watch.child.exitCode).toBeNull();

  await bank.api.post(`/v1/jobs/${job.id}/stop`, { reason: 'test: stop while watched' });
  for (const w of [watch, events]) {
    expect(await w.exited, w.out.stderr).toBe(1);
    expect(w.out.stdout).toMatch(new RegExp(`^job ${job.id} .*— stopped$`, 'm'));
    // No evaluation ran, so there are no metrics to print.
    expect(w.out.stdout).not.toContain('evaluation `');
  }
});
