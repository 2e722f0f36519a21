/**
 * The interconnection control plane end to end (issue 4): three node processes — `bank` (guest,
 * initiator), `utility` (host) and `coordinator` (arbiter) — on PostgreSQL, each in a schema of
 * its own, driven only through the `fedgrid` command line (packages/cli/bin/fedgrid.js run as a
 * child process with `--json`). The same operations are tested in-process in packages/node/test;
 * this walk adds separate processes, the real CLI and PostgreSQL.
 *
 * Walked, with the state checked on both sides after each step: contracts (propose with the
 * pinned fingerprint, a wrong fingerprint refused, confirm, reject with a reason, cancel while
 * pending, health, status query, terminate and the partner calls refused after it), partners and
 * a node update pushed to them, projects (invite, accept, reject, re-invite, update synced,
 * paged lists, a partner's view), datasets (a malformed CSV refused with file:line:column and
 * nothing registered; visibility; partner listings), grant applications (reject with a reason,
 * cancel, an expiry in the past, confirm), grants that are or become expired (a job using only
 * those refused), revocation seen by the grantee, the fallback queries (`grant query`,
 * `grant sync`, `flow approval-sync`, `project member-status`, `contract sync`, `model sync`),
 * flows (run refused without approvals naming the partner, a rejection, a new request, run),
 * the job (PSI → HeteroLR with 2048-bit Paillier → prediction → evaluation, compared with its
 * plaintext twin), tasks, logs, outputs, task rerun with new parameters, job rerun, models
 * (publication refused before approval, approvals, publication) and the audit log.
 *
 * Database: FEDGRID_POSTGRES_URL (vitest.config.ts sets it from FEDGRID_TEST_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/test); `off` runs the same walk on PGlite.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { heteroLrParams, lrParams } from '@fedgrid/components';
import {
  binaryMetrics,
  hstack,
  predictProba,
  selectFrameRows,
  trainLogisticRegression,
} from '@fedgrid/ml';
import {
  dropStoreSchema,
  ensurePgliteTemplate,
  importCsv,
  type ContractView,
  type DatasetView,
  type GrantView,
  type JobView,
  type NodeInfo,
} from '@fedgrid/node';
import { launchNode, type ClusterNode } from 'fedgrid';
import { waitFor } from './cluster-helpers.js';

const BIN = fileURLToPath(new URL('../bin/fedgrid.js', import.meta.url));
const SAMPLES = fileURLToPath(new URL('../../../examples/data/fate/', import.meta.url));
const GUEST_CSV = join(SAMPLES, 'breast_hetero_guest.csv');
const HOST_CSV = join(SAMPLES, 'breast_hetero_host.csv');

const envUrl = process.env['FEDGRID_POSTGRES_URL'];
const DATABASE_URL =
  envUrl === 'off' ? undefined : envUrl || 'postgres://postgres@127.0.0.1:5432/test';
const RUN = randomBytes(4).toString('hex');
const schemaOf = (name: string) => `fedgrid_walk_${RUN}_${name}`;

const exec = promisify(execFile);

// ---------------------------------------------------------------------------------------------
// The command line

interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

interface CliFailure {
  exitCode: number;
  code: string | undefined;
  message: string;
  details: Record<string, unknown> | undefined;
}

/** Runs `fedgrid <args> --node <dir> --json` as a child process. */
async function cli(node: ClusterNode, args: string[]): Promise<CliResult> {
  try {
    const r = await exec(process.execPath, [BIN, ...args, '--node', node.dir, '--json'], {
      maxBuffer: 64 * 2 ** 20,
    });
    return { exitCode: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { exitCode: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** A successful CLI call's parsed JSON output. @throws Error with the CLI's stderr otherwise. */
async function fg<T>(node: ClusterNode, ...args: string[]): Promise<T> {
  const r = await cli(node, args);
  if (r.exitCode !== 0)
    throw new Error(
      `fedgrid ${args.join(' ')} on ${node.name} exited with ${r.exitCode}: ${r.stderr}`,
    );
  return JSON.parse(r.stdout) as T;
}

/**
 * A CLI call that must fail: its exit code and the `error CODE: message` (+ `details: {…}`) it
 * printed on stderr.
 */
async function fgFails(node: ClusterNode, ...args: string[]): Promise<CliFailure> {
  const r = await cli(node, args);
  if (r.exitCode === 0)
    throw new Error(
      `fedgrid ${args.join(' ')} on ${node.name} was expected to fail; it printed ${r.stdout.slice(0, 400)}`,
    );
  const m = /^error (?:([A-Z][A-Z0-9_]*): )?([\s\S]*?)(?:\n {2}details: (.*))?\n?$/.exec(r.stderr);
  if (!m) throw new Error(`unexpected stderr of fedgrid ${args.join(' ')}: ${r.stderr}`);
  return {
    exitCode: r.exitCode,
    code: m[1],
    message: m[2] ?? '',
    details: m[3] ? (JSON.parse(m[3]) as Record<string, unknown>) : undefined,
  };
}

/**
 * A CLI call with `--wait` (flow run, job rerun, job task-rerun): the final job it prints.
 * @throws Error (with the job's error) unless the job succeeded and the exit code is 0.
 */
async function fgWait(node: ClusterNode, ...args: string[]): Promise<JobView> {
  const r = await cli(node, [...args, '--wait']);
  let job: JobView | undefined;
  try {
    job = JSON.parse(r.stdout) as JobView;
  } catch {
    // no job printed: the call itself failed
  }
  if (r.exitCode !== 0 || job?.status !== 'succeeded')
    throw new Error(
      `fedgrid ${args.join(' ')} --wait on ${node.name} exited with ${r.exitCode}, job ${job?.status}: ${JSON.stringify(job?.error ?? r.stderr)}`,
    );
  return job;
}

// ---------------------------------------------------------------------------------------------
// What the CLI prints (the node's REST views)

interface Page<T> {
  items: T[];
  total: number;
  page?: number;
  pageSize?: number;
}
interface ContractSync extends ContractView {
  partnerStatus: string;
  changed: boolean;
}
interface Partner {
  nodeId: string;
  name: string;
  description: string | null;
  contract: { id: string; status: string };
  lastHealthyAt: string | null;
  nodeInfo: { current: boolean };
  live?: { name: string; description?: string } | null;
}
interface SyncItem {
  contract: string;
  peer: string;
  health: string;
  nodeInfo: string;
}
interface Project {
  id: string;
  name: string;
  description: string;
  type: string;
  owner: string;
  status: string;
  version: number;
  role: string;
  membership: string | null;
  members: { nodeId: string; status: string; reason: string | null }[];
  sync?: { node: string; ok: boolean }[];
}
interface PartnerDataset {
  id: string;
  owner: string;
  name: string;
  visibility: string;
  rows: number;
  listed?: boolean;
  grants?: { id: string; status: string }[];
}
interface Received {
  id: string;
  owner: string;
  datasetName: string;
  scope: string;
  projectId: string | null;
  expiresAt: string | null;
  status: string;
  applicationId: string | null;
}
interface Application {
  id: string;
  direction: string;
  applicant: string;
  owner: string;
  datasetName: string | null;
  scope: string;
  projectId: string | null;
  reason: string;
  status: string;
  statusReason: string | null;
  grantId: string | null;
}
interface Flow {
  id: string;
  projectId: string;
  version: number;
  digest: string;
  approval: {
    approved: boolean;
    partners: { node: string; status: string; approvalId: string | null; reason: string | null }[];
  };
}
interface FlowApproval {
  id: string;
  direction: string;
  flowId: string;
  initiator: string;
  approver: string;
  digest: string;
  status: string;
  reason: string | null;
  content: { name: string; dag?: { tasks: { name: string }[] } };
}
type Task = JobView['tasks'][number];
interface Model {
  id: string;
  ref: string | null;
  attempt: number;
  jobId: string;
  task: string;
  party: string;
  role: string;
  projectId: string | null;
  digest: string;
  status: string;
  approval: { partners: { node: string; status: string; approvalId: string | null }[] };
  published: { digest: string; current: boolean } | null;
}
interface ModelVersion {
  name: string;
  version: number;
  ref: string;
  job: { id: string; attempt: number };
  parties: { party: string; digest: string | null }[];
  evaluation: { task: string; metrics: Record<string, number> }[];
}
interface ModelApproval {
  id: string;
  direction: string;
  modelId: string;
  requester: string;
  approver: string;
  digest: string;
  status: string;
  reason: string | null;
}
interface AuditEntry {
  action: string;
  actor: { kind: string; id: string };
  object: { type: string; id: string | null } | null;
  outcome: string;
  status: number | null;
}
interface TrainResult {
  epochs: number;
  lossHistory: number[];
  keyBits: number;
}

/**
 * The plaintext twin of the job's training: both CSV files joined on their ids in one place (what
 * federation avoids; here only to compare), HeteroLR's defaults with `maxIter` iterations and no
 * early stop, scored on the same rows. @returns the joined rows and the AUC.
 */
async function plaintextTwin(maxIter: number): Promise<{ rows: number; auc: number }> {
  const [g, h] = await Promise.all([
    importCsv({ path: GUEST_CSV, idColumn: 'id', labelColumn: 'y' }),
    importCsv({ path: HOST_CSV, idColumn: 'id' }),
  ]);
  const hostRow = new Map(h.frame.ids.map((id, i) => [id, i]));
  const keep = g.frame.ids.flatMap((id, i) => (hostRow.has(id) ? [i] : []));
  const guest = selectFrameRows(g.frame, keep);
  const host = selectFrameRows(
    h.frame,
    keep.map((i) => hostRow.get(g.frame.ids[i]!)!),
  );
  const x = hstack(guest.x, host.x);
  const labels = (guest.labels as Float64Array).map((v) => (v === -1 ? 0 : v));
  const params = lrParams(heteroLrParams.parse({ maxIter, earlyStop: 'none' }));
  const model = trainLogisticRegression(x, labels, params).model;
  return { rows: keep.length, auc: binaryMetrics(labels, predictProba(model, x)).auc };
}

// ---------------------------------------------------------------------------------------------
// The cluster

let root: string;
const nodes: ClusterNode[] = [];
let bank: ClusterNode;
let utility: ClusterNode;
let coordinator: ClusterNode;
const info: Record<string, NodeInfo> = {};

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fedgrid-walk-'));
  if (!DATABASE_URL) await ensurePgliteTemplate();
  const launched = await Promise.allSettled(
    ['bank', 'utility', 'coordinator'].map((name) =>
      launchNode(root, name, {
        // The FATE samples, and the walk's own folder (where it writes a malformed CSV).
        dataDirs: [SAMPLES, root],
        ...(DATABASE_URL ? { databaseUrl: DATABASE_URL, databaseSchema: schemaOf(name) } : {}),
      }),
    ),
  );
  for (const r of launched) if (r.status === 'fulfilled') nodes.push(r.value);
  const failed = launched.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  [bank, utility, coordinator] = nodes as [ClusterNode, ClusterNode, ClusterNode];
}, 120_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.kill().catch(() => {})));
  if (DATABASE_URL) {
    const url = DATABASE_URL;
    await Promise.all(
      ['bank', 'utility', 'coordinator'].map((n) => dropStoreSchema(url, schemaOf(n))),
    );
  }
  if (root) await rm(root, { recursive: true, force: true });
});

// State shared by the steps (each step builds on the previous ones).
let bankUtility: string; // contract bank → utility
let project: string;
let loans: DatasetView;
let usage: DatasetView;
let usagePrivate: DatasetView;
let grantId: string; // utility → bank, project-scoped, from an application
let expiring: GrantView; // utility → bank, expires 15 s after it is made
let flow: Flow;
let jobId: string;
let firstDigest: string; // of the guest's model part before the task rerun

const contract = (n: ClusterNode, id: string) => fg<ContractView>(n, 'contract', 'show', id);
const projectOn = (n: ClusterNode, id: string) => fg<Project>(n, 'project', 'show', id);
const member = (p: Project, node: string) => p.members.find((m) => m.nodeId === node);
const terminal = (s: string) => ['succeeded', 'failed', 'stopped'].includes(s);
const pastIso = () => new Date(Date.now() - 3_600_000).toISOString();

describe('the control plane across three node processes, through the CLI', () => {
  test('node info: each node reports its identity and the storage it runs on', async () => {
    const all = await Promise.all(nodes.map((n) => fg<NodeInfo>(n, 'node', 'info')));
    for (const [k, n] of nodes.entries()) {
      const i = all[k]!;
      info[n.name] = i;
      expect(i.nodeId).toBe(n.name);
      expect(i.fingerprint).toBe(n.info.fingerprint);
      expect(i.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      expect(i.storage).toMatch(DATABASE_URL ? /postgres/i : /pglite/i);
    }
  });

  test('contracts: propose with the pinned fingerprint → pending on both → confirm → active on both', async () => {
    // A proposal pinning another certificate than the partner presents is refused.
    const wrong = await fgFails(
      bank,
      'contract',
      'propose',
      '--peer',
      info['utility']!.apiUrl,
      '--fingerprint',
      info['coordinator']!.fingerprint,
    );
    expect(wrong.code).toBe('CERTIFICATE_MISMATCH');
    expect(wrong.exitCode).toBe(1);

    const p = await fg<ContractView>(
      bank,
      'contract',
      'propose',
      '--peer',
      info['utility']!.apiUrl,
      '--fingerprint',
      info['utility']!.fingerprint,
      '--description',
      'credit scoring with usage data',
    );
    bankUtility = p.id;
    expect(p).toMatchObject({
      status: 'pending',
      direction: 'outgoing',
      peer: { nodeId: 'utility', fingerprint: info['utility']!.fingerprint },
    });
    const atUtility = await contract(utility, p.id);
    expect(atUtility).toMatchObject({
      status: 'pending',
      direction: 'incoming',
      description: 'credit scoring with usage data',
      peer: { nodeId: 'bank', fingerprint: info['bank']!.fingerprint },
    });
    // Only the proposer cancels; only the partner confirms.
    expect((await fgFails(utility, 'contract', 'cancel', p.id)).code).toBe('CONTRACT_STATE');
    expect((await fgFails(bank, 'contract', 'confirm', p.id)).code).toBe('CONTRACT_STATE');

    expect((await fg<ContractView>(utility, 'contract', 'confirm', p.id)).status).toBe('active');
    expect((await contract(bank, p.id)).status).toBe('active');
    // The status query agrees and changes nothing.
    const s = await fg<ContractSync>(bank, 'contract', 'sync', p.id);
    expect(s).toMatchObject({ status: 'active', partnerStatus: 'active', changed: false });
  });

  test('contracts: a second proposal rejected with a reason, another cancelled while pending', async () => {
    const propose = (from: ClusterNode, to: string) =>
      fg<ContractView>(
        from,
        'contract',
        'propose',
        '--peer',
        info[to]!.apiUrl,
        '--fingerprint',
        info[to]!.fingerprint,
      );
    const [second, third] = await Promise.all([
      propose(coordinator, 'bank'),
      propose(coordinator, 'bank'),
    ]);
    const pending = await Promise.all([contract(bank, second.id), contract(bank, third.id)]);
    expect(pending.map((c) => [c.status, c.direction])).toEqual([
      ['pending', 'incoming'],
      ['pending', 'incoming'],
    ]);
    // The partner rejects one; the proposer cancels the other.
    const [rejected, cancelled] = await Promise.all([
      fg<ContractView>(
        bank,
        'contract',
        'reject',
        second.id,
        '--reason',
        'send the coordination terms first',
      ),
      fg<ContractView>(coordinator, 'contract', 'cancel', third.id, '--reason', 'wrong terms'),
    ]);
    expect(rejected.status).toBe('rejected');
    expect(cancelled.status).toBe('cancelled');
    const [rejectedThere, cancelledThere, late] = await Promise.all([
      contract(coordinator, second.id),
      contract(bank, third.id),
      // Cancelled is final: the partner can no longer confirm it.
      fgFails(bank, 'contract', 'confirm', third.id),
    ]);
    expect(rejectedThere).toMatchObject({
      status: 'rejected',
      statusReason: 'send the coordination terms first',
    });
    expect(cancelledThere.status).toBe('cancelled');
    expect(cancelledThere.statusReason).toContain('wrong terms');
    expect(late.code).toBe('CONTRACT_STATE');
    expect(late.details).toMatchObject({ status: 'cancelled' });

    // The contracts the job needs: bank ↔ coordinator and utility ↔ coordinator.
    const [bc, uc] = await Promise.all([
      propose(bank, 'coordinator'),
      propose(utility, 'coordinator'),
    ]);
    for (const c of [bc, uc])
      expect((await fg<ContractView>(coordinator, 'contract', 'confirm', c.id)).status).toBe(
        'active',
      );
    const [onBank, onCoordinator] = await Promise.all([
      fg<Page<ContractView>>(bank, 'contract', 'list'),
      fg<Page<ContractView>>(coordinator, 'contract', 'list'),
    ]);
    const byId = (p: Page<ContractView>) => Object.fromEntries(p.items.map((c) => [c.id, c]));
    expect(byId(onBank)[second.id]?.status).toBe('rejected');
    expect(byId(onBank)[third.id]?.status).toBe('cancelled');
    expect(byId(onBank)[bc.id]?.status).toBe('active');
    expect(byId(onCoordinator)[uc.id]?.status).toBe('active');
    const activePeers = (p: Page<ContractView>) =>
      p.items
        .filter((c) => c.status === 'active')
        .map((c) => c.peer.nodeId)
        .sort();
    expect(activePeers(onBank)).toEqual(['coordinator', 'utility']);
    expect(activePeers(onCoordinator)).toEqual(['bank', 'utility']);
  });

  test('health, partner list and partner show', async () => {
    const h = await fg<{ peer: string; status: string }>(bank, 'contract', 'health', bankUtility);
    expect(h).toMatchObject({ peer: 'utility', status: 'ok' });
    const [ps, live, nobody] = await Promise.all([
      fg<Page<Partner>>(bank, 'partner', 'list'),
      fg<Partner>(bank, 'partner', 'show', 'utility'),
      fgFails(bank, 'partner', 'show', 'nobody'),
    ]);
    expect(ps.items.map((p) => p.nodeId).sort()).toEqual(['coordinator', 'utility']);
    const u = ps.items.find((p) => p.nodeId === 'utility')!;
    expect(u.contract).toMatchObject({ id: bankUtility, status: 'active' });
    expect(u.lastHealthyAt).not.toBeNull(); // the health check is recorded with the partner
    expect(live).toMatchObject({ nodeId: 'utility', live: { name: 'utility' } });
    expect(nobody.code).toBe('FORBIDDEN');
    expect(nobody.message).toMatch(/no active contract with node 'nobody'/);
  });

  test('node update: the new name and description reach every partner', async () => {
    const r = await fg<{ profile: { name: string; description: string }; partners: SyncItem[] }>(
      bank,
      'node',
      'update',
      '--name',
      'First Bank',
      '--description',
      'retail bank, north region',
    );
    expect(r.profile).toMatchObject({
      name: 'First Bank',
      description: 'retail bank, north region',
    });
    expect(r.partners.map((p) => [p.peer, p.nodeInfo]).sort()).toEqual([
      ['coordinator', 'sent'],
      ['utility', 'sent'],
    ]);
    const [profile, atUtility, atCoordinator] = await Promise.all([
      fg<{ name: string; bootstrap: { name: string }; overrides: { name: string | null } }>(
        bank,
        'node',
        'profile',
      ),
      fg<Partner>(utility, 'partner', 'show', 'bank'),
      fg<Page<Partner>>(coordinator, 'partner', 'list', '--q', 'bank'),
    ]);
    expect(profile).toMatchObject({
      name: 'First Bank',
      bootstrap: { name: 'bank' },
      overrides: { name: 'First Bank' },
    });
    expect(atUtility).toMatchObject({
      name: 'First Bank',
      description: 'retail bank, north region',
      live: { name: 'First Bank' },
    });
    expect(atCoordinator.items.map((p) => p.name)).toEqual(['First Bank']);
    expect((await contract(utility, bankUtility)).peer.name).toBe('First Bank');
  });

  test('projects: invite, accept, reject, re-invite, update synced, paged lists', async () => {
    const p = await fg<Project>(
      bank,
      'project',
      'create',
      '--name',
      'credit scoring',
      '--type',
      'vertical',
      '--description',
      'default risk from loans and usage',
    );
    project = p.id;
    expect(p).toMatchObject({ owner: 'bank', role: 'owner', status: 'active', version: 1 });
    expect(p.id).toMatch(/^bank:prj-/);
    await Promise.all([
      fg(bank, 'project', 'invite', project, 'utility'),
      fg(bank, 'project', 'invite', project, 'coordinator'),
    ]);
    const [invited, own0] = await Promise.all([
      fg<Page<Project>>(utility, 'project', 'list', '--membership', 'invited'),
      projectOn(bank, project),
    ]);
    expect(invited.items.map((x) => x.id)).toEqual([project]);
    expect(invited.items[0]).toMatchObject({
      role: 'member',
      membership: 'invited',
      owner: 'bank',
    });
    expect(own0.members.map((m) => [m.nodeId, m.status]).sort()).toEqual([
      ['coordinator', 'invited'],
      ['utility', 'invited'],
    ]);

    const [accepted, rejected] = await Promise.all([
      fg<Project>(utility, 'project', 'accept', project),
      fg<Project>(
        coordinator,
        'project',
        'reject',
        project,
        '--reason',
        'no arbiter capacity this month',
      ),
    ]);
    expect(accepted.membership).toBe('accepted');
    expect(rejected.membership).toBe('rejected');
    const [own1, ms] = await Promise.all([
      projectOn(bank, project),
      // The fallback status query asks the member for its own answer.
      fg<{ nodeId: string; status: string; remote: { status: string } }>(
        bank,
        'project',
        'member-status',
        project,
        'coordinator',
      ),
    ]);
    expect(member(own1, 'utility')?.status).toBe('accepted');
    expect(member(own1, 'coordinator')).toMatchObject({
      status: 'rejected',
      reason: 'no arbiter capacity this month',
    });
    expect(ms).toMatchObject({ status: 'rejected', remote: { status: 'rejected' } });

    // Re-inviting after a rejection starts over.
    await fg(bank, 'project', 'invite', project, 'coordinator');
    expect((await projectOn(coordinator, project)).membership).toBe('invited');
    expect((await fg<Project>(coordinator, 'project', 'accept', project)).membership).toBe(
      'accepted',
    );
    const [own2, again] = await Promise.all([
      projectOn(bank, project),
      // Inviting an accepted member again is a conflict.
      fgFails(bank, 'project', 'invite', project, 'utility'),
    ]);
    expect(own2.members.map((m) => [m.nodeId, m.status]).sort()).toEqual([
      ['coordinator', 'accepted'],
      ['utility', 'accepted'],
    ]);
    expect(again.code).toBe('CONFLICT');

    const updated = await fg<Project>(
      bank,
      'project',
      'update',
      project,
      '--description',
      'default risk from loans and electricity usage',
    );
    expect(updated.version).toBe(2);
    expect(updated.sync?.map((s) => [s.node, s.ok]).sort()).toEqual([
      ['coordinator', true],
      ['utility', true],
    ]);
    const [copyU, copyC, notOwner] = await Promise.all([
      projectOn(utility, project),
      projectOn(coordinator, project),
      fgFails(utility, 'project', 'update', project, '--name', 'mine now'),
      fg(bank, 'project', 'create', '--name', 'churn study'),
    ]);
    for (const c of [copyU, copyC])
      expect(c).toMatchObject({
        version: 2,
        description: 'default risk from loans and electricity usage',
        role: 'member',
        membership: 'accepted',
      });
    expect(notOwner.code).toBe('FORBIDDEN');
    expect(notOwner.message).toMatch(/only its owner can update it/);

    // Paged and searched lists; a partner's view holds only the project it was invited into.
    const [page1, found, shared] = await Promise.all([
      fg<Page<Project> & { stats: { byRole: { owner: number } } }>(
        bank,
        'project',
        'list',
        '--page-size',
        '1',
      ),
      fg<Page<Project>>(bank, 'project', 'list', '--q', 'CREDIT'),
      fg<Page<{ id: string; version: number }>>(utility, 'project', 'partner-list', 'bank'),
    ]);
    expect(page1).toMatchObject({ total: 2, page: 1, pageSize: 1 });
    expect(page1.items).toHaveLength(1);
    expect(page1.stats.byRole.owner).toBe(2);
    expect(found.items.map((x) => x.id)).toEqual([project]);
    expect(shared.items.map((x) => [x.id, x.version])).toEqual([[project, 2]]);
  });

  test('datasets: a malformed CSV is refused with file:line:column and nothing is registered', async () => {
    const lines = (await readFile(GUEST_CSV, 'utf8')).split('\n').slice(0, 6);
    const cells = lines[2]!.split(',');
    cells[3] = 'abc'; // line 3, column 4: feature x1
    lines[2] = cells.join(',');
    const bad = join(root, 'loans-bad.csv');
    await writeFile(bad, lines.join('\n') + '\n');
    const e = await fgFails(
      bank,
      'dataset',
      'register',
      '--name',
      'loans',
      '--file',
      bad,
      '--label',
      'y',
    );
    expect(e.exitCode).toBe(1);
    expect(e.code).toBe('CSV_INVALID');
    expect(e.message).toContain(`${bad}:3:4:`);
    expect(e.message).toContain("'abc' is not a number");
    expect(e.message).toContain('nothing was registered');
    expect((e.details?.['problems'] as unknown[])[0]).toMatchObject({
      line: 3,
      column: 4,
      field: 'x1',
    });
    expect((await fg<Page<DatasetView>>(bank, 'dataset', 'list')).total).toBe(0);
  });

  test('datasets: register the FATE files; partners list only listed ones, never paths', async () => {
    [loans, usage, usagePrivate] = await Promise.all([
      fg<DatasetView>(
        bank,
        'dataset',
        'register',
        '--name',
        'loans',
        '--file',
        GUEST_CSV,
        '--label',
        'y',
      ),
      fg<DatasetView>(
        utility,
        'dataset',
        'register',
        '--name',
        'usage',
        '--file',
        HOST_CSV,
        '--visibility',
        'partners',
        '--description',
        'monthly electricity usage',
      ),
      fg<DatasetView>(
        utility,
        'dataset',
        'register',
        '--name',
        'usage-private',
        '--file',
        HOST_CSV,
      ),
    ]);
    expect(loans).toMatchObject({ rows: 569, labelColumn: 'y', visibility: 'private' });
    expect(loans.features).toHaveLength(10);
    expect(usage).toMatchObject({ rows: 569, labelColumn: null, visibility: 'partners' });
    expect(usage.features).toHaveLength(20);
    expect(usagePrivate.visibility).toBe('private');
    const mine = await fg<Page<DatasetView>>(utility, 'dataset', 'list', '--visibility', 'private');
    expect(mine.items.map((d) => d.name)).toEqual(['usage-private']);

    const listed = await fg<Page<PartnerDataset>>(bank, 'dataset', 'partner-list', 'utility');
    expect(listed.items.map((d) => d.name)).toEqual(['usage']);
    expect(listed.items[0]).toMatchObject({ owner: 'utility', rows: 569, visibility: 'partners' });
    expect(JSON.stringify(listed)).not.toContain(SAMPLES);
    // A private dataset answers exactly like a missing one.
    const hidden = await fgFails(bank, 'dataset', 'partner-show', 'utility', 'usage-private');
    const missing = await fgFails(bank, 'dataset', 'partner-show', 'utility', 'no-such-dataset');
    expect(hidden.code).toBe('PEER_REFUSED');
    expect(hidden.details?.['peerCode']).toBe('NOT_FOUND');
    expect(missing.details?.['peerCode']).toBe('NOT_FOUND');
    // Applications for it are refused the same way and stored nowhere.
    const apply = await fgFails(
      bank,
      'grant',
      'apply',
      '--owner',
      'utility',
      '--dataset',
      'usage-private',
    );
    expect(apply.details?.['peerCode']).toBe('NOT_FOUND');
  });

  test('grant applications: rejected with a reason, cancelled, a past expiry, confirmed', async () => {
    // A grant that expires 15 s after it is made: active when made; its expiry is awaited
    // after the job has run (below).
    const soonAt = new Date(Date.now() + 15_000).toISOString();
    expiring = await fg<GrantView>(
      utility,
      'grant',
      'create',
      '--dataset',
      'usage-private',
      '--to',
      'bank',
      '--expires',
      soonAt,
    );
    expect(expiring).toMatchObject({ status: 'active', notice: { status: 'sent' } });

    const apply = (...terms: string[]) =>
      fg<Application>(bank, 'grant', 'apply', '--owner', 'utility', '--dataset', 'usage', ...terms);
    const [a1, a2, a3, a4, copy] = await Promise.all([
      apply('--reason', 'credit scoring'),
      apply(),
      apply('--expires', pastIso()),
      apply('--project', project, '--reason', 'credit scoring project'),
      fg<Page<Received>>(bank, 'grant', 'received', '--from', 'utility'),
    ]);
    // The grantee holds a copy with the same terms.
    expect(copy.items.map((g) => [g.id, g.datasetName, g.expiresAt])).toEqual([
      [expiring.id, 'usage-private', expiring.expiresAt],
    ]);
    for (const a of [a1, a2, a3, a4])
      expect(a).toMatchObject({
        direction: 'outgoing',
        status: 'pending',
        applicant: 'bank',
        owner: 'utility',
      });
    expect(a1.id).toMatch(/^bank:gapp-/);
    expect(a1.scope).toBe('any');
    expect(a4).toMatchObject({ scope: 'project', projectId: project });
    const incoming = await fg<Page<Application>>(
      utility,
      'grant',
      'applications',
      '--direction',
      'incoming',
      '--status',
      'pending',
    );
    expect(incoming.items.map((x) => x.id).sort()).toEqual(
      [a1, a2, a3, a4].map((a) => a.id).sort(),
    );
    expect(incoming.items.find((x) => x.id === a1.id)).toMatchObject({
      direction: 'incoming',
      applicant: 'bank',
      datasetName: 'usage',
      reason: 'credit scoring',
    });

    // The owner rejects a1, the applicant cancels a2, the owner cannot confirm a3 (its expiry
    // has passed) and confirms a4.
    const [r1, c2, stale, c4] = await Promise.all([
      fg<Application>(utility, 'grant', 'reject', a1.id, '--reason', 'scope it to the project'),
      fg<Application>(bank, 'grant', 'cancel', a2.id),
      fgFails(utility, 'grant', 'confirm', a3.id),
      fg<Application>(utility, 'grant', 'confirm', a4.id),
    ]);
    expect(r1.status).toBe('rejected');
    expect(c2.status).toBe('cancelled');
    expect(stale.code).toBe('CONFLICT');
    expect(stale.message).toMatch(/has passed/);
    expect(c4.status).toBe('confirmed');
    grantId = c4.grantId!;
    expect(grantId).toMatch(/^utility:grant-/);

    const [app1, app2, lateConfirm, lateCancel, app3, given, app4, received, granted] =
      await Promise.all([
        fg<Application>(bank, 'grant', 'application', a1.id),
        fg<Application>(utility, 'grant', 'application', a2.id),
        fgFails(utility, 'grant', 'confirm', a2.id),
        fgFails(bank, 'grant', 'cancel', a2.id),
        fg<Application>(utility, 'grant', 'application', a3.id),
        fg<GrantView>(utility, 'grant', 'show', grantId),
        fg<Application>(bank, 'grant', 'application', a4.id),
        fg<Page<Received>>(bank, 'grant', 'received', '--from', 'utility', '--status', 'active'),
        fg<Page<PartnerDataset>>(bank, 'dataset', 'granted-to-me', 'utility'),
      ]);
    // The applicant sees the reason of the rejection.
    expect(app1).toMatchObject({
      status: 'rejected',
      statusReason: 'scope it to the project',
      grantId: null,
    });
    // Cancelled on the owner too; it can no longer be confirmed, nor cancelled again.
    expect(app2.status).toBe('cancelled');
    expect(lateConfirm.message).toMatch(/cancelled/);
    expect(lateCancel.exitCode).toBe(1);
    expect(lateCancel.message).toMatch(/cancelled/);
    expect(app3.status).toBe('pending');
    // The confirmed application's grant carries the applied terms; the applicant holds a copy.
    expect(given).toMatchObject({
      grantee: 'bank',
      datasetName: 'usage',
      scope: 'project',
      projectId: project,
      status: 'active',
      applicationId: a4.id,
      notice: { status: 'sent' },
    });
    expect(app4).toMatchObject({ status: 'confirmed', grantId });
    // (The expiring grant of usage-private may or may not have expired by now.)
    const ofUsage = received.items.filter((g) => g.datasetName === 'usage');
    expect(ofUsage.map((g) => g.id)).toEqual([grantId]);
    expect(ofUsage[0]).toMatchObject({
      scope: 'project',
      projectId: project,
      applicationId: a4.id,
    });
    expect(granted.items.find((d) => d.name === 'usage')!.grants?.map((g) => g.id)).toEqual([
      grantId,
    ]);
    // The fallback status query agrees with the callback.
    expect(await fg<Application>(bank, 'grant', 'query', a4.id)).toMatchObject({
      status: 'confirmed',
      grantId,
    });
    await fg(utility, 'grant', 'reject', a3.id, '--reason', 'its expiry has passed');
  });

  test('flows: run refused without approvals, a rejection, a new request, approved', async () => {
    const file = join(root, 'credit-flow.yaml');
    await writeFile(
      file,
      [
        'name: credit default — HeteroLR',
        'description: PSI, vertical LR (2048-bit Paillier), prediction, evaluation',
        'parties:',
        '  guest: { node: bank }',
        '  hosts: [{ node: utility }]',
        '  arbiter: { node: coordinator }',
        'datasets: { guest: loans, host-0: usage }',
        'tasks:',
        '  - name: psi',
        '    component: psi-ecdh',
        '    inputs: { data: job.dataset }',
        '    params: { resultParties: all }',
        '  - name: train',
        '    component: hetero-lr',
        '    inputs: { data: psi.data }',
        '    params: { maxIter: 3, keyBits: 2048, earlyStop: none }',
        '  - name: predict',
        '    component: hetero-lr-predict',
        '    inputs: { data: psi.data, model: train.model }',
        '  - name: evaluate',
        '    component: evaluation',
        '    inputs: { predictions: predict.predictions }',
        // Partners approve the iteration count as a range: reruns may change it within it.
        'config: { priority: 0, timeoutSeconds: 900, tunable: { train: { maxIter: { min: 1, max: 10 } } } }',
        '',
      ].join('\n'),
    );
    flow = await fg<Flow>(bank, 'flow', 'submit', file, '--project', project);
    expect(flow.id).toMatch(/^bank:flow-/);
    expect(flow).toMatchObject({ projectId: project, version: 1, approval: { approved: false } });

    const never = await fgFails(bank, 'flow', 'run', flow.id);
    expect(never.code).toBe('FORBIDDEN');
    expect(never.message).toMatch(/not approved by node 'utility' \(never asked\)/);
    expect(never.message).toMatch(/node 'coordinator' \(never asked\)/);

    const req = await fg<{ items: FlowApproval[] }>(bank, 'flow', 'request-approval', flow.id);
    expect(req.items.map((a) => [a.approver, a.status]).sort()).toEqual([
      ['coordinator', 'pending'],
      ['utility', 'pending'],
    ]);
    const [atU, atC] = await Promise.all([
      fg<Page<FlowApproval>>(utility, 'flow', 'approvals', '--incoming', '--status', 'pending'),
      fg<Page<FlowApproval>>(coordinator, 'flow', 'approvals', '--incoming', '--status', 'pending'),
    ]);
    expect(atU.items).toHaveLength(1);
    expect(atC.items).toHaveLength(1);
    const fromU = atU.items[0]!;
    const fromC = atC.items[0]!;
    expect(fromU).toMatchObject({ flowId: flow.id, initiator: 'bank', digest: flow.digest });
    // The approver reviews the content it is asked to approve; utility approves, the
    // coordinator rejects.
    const [shown, approvedU, rejectedC] = await Promise.all([
      fg<FlowApproval>(coordinator, 'flow', 'approval', fromC.id),
      fg<FlowApproval>(utility, 'flow', 'approve', fromU.id),
      fg<FlowApproval>(
        coordinator,
        'flow',
        'reject',
        fromC.id,
        '--reason',
        'review the key size first',
      ),
    ]);
    expect(shown).toMatchObject({
      direction: 'incoming',
      approver: 'coordinator',
      digest: flow.digest,
    });
    expect(shown.content.dag?.tasks.map((t) => t.name)).toEqual([
      'psi',
      'train',
      'predict',
      'evaluate',
    ]);
    expect(approvedU.status).toBe('approved');
    expect(rejectedC.status).toBe('rejected');
    const [after, final, rejected] = await Promise.all([
      fg<Flow>(bank, 'flow', 'show', flow.id),
      // A decision is final.
      fgFails(coordinator, 'flow', 'approve', fromC.id),
      fgFails(bank, 'flow', 'run', flow.id),
    ]);
    expect(after.approval.partners).toEqual([
      { node: 'utility', status: 'approved', approvalId: fromU.id, reason: null },
      {
        node: 'coordinator',
        status: 'rejected',
        approvalId: fromC.id,
        reason: 'review the key size first',
      },
    ]);
    expect(final.code).toBe('CONFLICT');
    expect(rejected.code).toBe('FORBIDDEN');
    expect(rejected.message).toMatch(/node 'coordinator' \(rejected: review the key size first/);
    expect(rejected.message).not.toMatch(/node 'utility'/);

    // Asking again: utility's approval stands, the coordinator gets a new request.
    const again = await fg<{ items: FlowApproval[] }>(bank, 'flow', 'request-approval', flow.id);
    const byApprover = Object.fromEntries(again.items.map((a) => [a.approver, a]));
    expect(byApprover['utility']).toMatchObject({ id: fromU.id, status: 'approved' });
    const second = byApprover['coordinator']!;
    expect(second.id).not.toBe(fromC.id);
    expect(second.status).toBe('pending');
    await fg(coordinator, 'flow', 'approve', second.id);
    // The fallback query (as after a lost callback) finds the same answer.
    const synced = await fg<FlowApproval>(bank, 'flow', 'approval-sync', second.id);
    expect(synced).toMatchObject({ status: 'approved', approver: 'coordinator' });
    expect((await fg<Flow>(bank, 'flow', 'show', flow.id)).approval.approved).toBe(true);
  });

  test('the job: PSI → HeteroLR (2048-bit Paillier) → prediction → evaluation, on every node, as its plaintext twin', async () => {
    const job = await fgWait(bank, 'flow', 'run', flow.id);
    jobId = job.id;
    expect(job).toMatchObject({ flowId: flow.id, projectId: project, initiator: 'bank' });

    // Every party's copy ends succeeded.
    for (const n of [utility, coordinator]) {
      const j = await waitFor(
        async () => {
          const v = await fg<JobView>(n, 'job', 'show', jobId);
          return terminal(v.status) ? v : undefined;
        },
        30_000,
        500,
      );
      expect(j.status).toBe('succeeded');
    }

    // The plaintext twin: the same rows (the id intersection) and hyper-parameters in one place.
    const results = job.results as Record<string, Record<string, Record<string, unknown>>>;
    const train = results['train']!['guest'] as unknown as TrainResult;
    expect(train.keyBits).toBe(2048);
    expect(train.lossHistory).toHaveLength(3);
    const twin = await plaintextTwin(3);
    expect(results['psi']!['guest']!['intersection']).toBe(twin.rows);
    const metrics = results['evaluate']!['guest']!['metrics'] as Record<string, number>;
    expect(Math.abs(metrics['auc']! - twin.auc)).toBeLessThanOrEqual(0.01);

    const [list, flowJobs, tasks, logs, outputs, models] = await Promise.all([
      fg<Page<JobView>>(bank, 'job', 'list', '--flow', flow.id),
      fg<Page<JobView>>(bank, 'flow', 'jobs', flow.id),
      fg<{ items: Task[] }>(bank, 'job', 'tasks', jobId),
      fg<{ items: { level: string; message: string; party: string | null }[] }>(
        bank,
        'job',
        'logs',
        jobId,
        'train',
      ),
      fg<{ items: { task_name: string; party: string; name: string; kind: string }[] }>(
        bank,
        'job',
        'outputs',
        jobId,
      ),
      fg<Page<Model>>(bank, 'model', 'list', '--job', jobId),
    ]);
    firstDigest = models.items[0]!.digest;
    expect(list.items.map((j) => [j.id, j.status])).toEqual([[jobId, 'succeeded']]);
    expect(flowJobs.total).toBe(1);
    expect(tasks.items.map((t) => [t.name, t.status, t.attempt])).toEqual([
      ['psi', 'succeeded', 0],
      ['train', 'succeeded', 0],
      ['predict', 'succeeded', 0],
      ['evaluate', 'succeeded', 0],
    ]);
    expect(Object.keys(tasks.items[1]!.parties).sort()).toEqual(['arbiter', 'guest', 'host-0']);
    expect(logs.items.length).toBeGreaterThan(0);
    expect(logs.items.every((l) => ['debug', 'info', 'warn', 'error'].includes(l.level))).toBe(
      true,
    );
    // Outputs live with their owners: the guest holds its predictions, never the host's data.
    expect(outputs.items.every((o) => o.party === 'guest')).toBe(true);
    expect(outputs.items.map((o) => `${o.task_name}.${o.name}`)).toContain('predict.predictions');
    const preds = await fg<{ kind: string; ids: string[]; scores: number[] }>(
      bank,
      'job',
      'output',
      jobId,
      'predict',
      'guest',
      'predictions',
    );
    expect(preds.kind).toBe('predictions');
    expect(preds.ids).toHaveLength(twin.rows);
    expect(preds.scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    // The host's task view on its own node shows only what it ran.
    const hostTrain = await fg<Task>(utility, 'job', 'task', jobId, 'train');
    expect(hostTrain.status).toBe('succeeded');
  }, 180_000);

  test('grants that are or become expired: expired on both sides; a job using them is refused', async () => {
    const [old] = await Promise.all([
      fg<GrantView>(
        utility,
        'grant',
        'create',
        '--dataset',
        'usage-private',
        '--to',
        'bank',
        '--expires',
        pastIso(),
      ),
      // Wait until the expiry time has passed, then until the owner reads it expired.
      new Promise((r) =>
        setTimeout(r, Math.max(0, Date.parse(expiring.expiresAt!) - Date.now())),
      ).then(() =>
        waitFor(
          async () =>
            (await fg<GrantView>(utility, 'grant', 'show', expiring.id)).status === 'expired',
          60_000,
          500,
        ),
      ),
    ]);
    expect(old.status).toBe('expired');
    const [expired, granted] = await Promise.all([
      fg<Page<Received>>(bank, 'grant', 'received', '--status', 'expired'),
      fg<Page<PartnerDataset>>(bank, 'dataset', 'granted-to-me', 'utility'),
    ]);
    expect(expired.items.map((g) => g.id).sort()).toEqual([old.id, expiring.id].sort());
    expect(granted.items.map((d) => d.name)).toEqual(['usage']);

    // A job that would read usage-private is refused by its owner when the job is accepted.
    const jobFile = join(root, 'psi-private.yaml');
    await writeFile(
      jobFile,
      [
        'name: psi on the private usage table',
        'parties: { guest: { node: bank }, hosts: [{ node: utility }] }',
        'datasets: { guest: loans, host-0: usage-private }',
        'tasks:',
        '  - { name: psi, component: psi-ecdh, inputs: { data: job.dataset } }',
        '',
      ].join('\n'),
    );
    // Without the owner's permission for ad-hoc jobs it is refused before any grant is looked at.
    const unpermitted = await fgFails(bank, 'job', 'submit', jobFile);
    expect(unpermitted.details?.['peerCode']).toBe('FORBIDDEN');
    expect(unpermitted.message).toMatch(/fedgrid permission create --to bank/);
    await fg(
      utility,
      'permission',
      'create',
      '--to',
      'bank',
      '--roles',
      'host',
      '--components',
      'psi-ecdh',
    );
    const refused = await fgFails(bank, 'job', 'submit', jobFile);
    expect(refused.code).toBe('PEER_REFUSED');
    expect(refused.details?.['peerCode']).toBe('GRANT_EXPIRED');
    expect(refused.message).toMatch(
      /grant utility:grant-\S+ of dataset usage-private to 'bank' expired/,
    );
    const failedJobs = await fg<Page<JobView>>(bank, 'job', 'list', '--status', 'failed');
    expect(failedJobs.items.map((j) => j.name)).toEqual([
      'psi on the private usage table',
      'psi on the private usage table',
    ]);
  });

  test('task rerun with new parameters (no downstream), then a job rerun from a task', async () => {
    const done = await fgWait(
      bank,
      'job',
      'task-rerun',
      jobId,
      'train',
      '--params',
      '{"maxIter":2}',
    );
    expect(done.tasks.map((t) => [t.name, t.attempt])).toEqual([
      ['psi', 0],
      ['train', 1],
      ['predict', 0],
      ['evaluate', 0],
    ]);
    const train = (done.results as Record<string, Record<string, TrainResult>>)['train']!['guest']!;
    expect(train.lossHistory).toHaveLength(2);

    // A rerun while nothing failed and nothing changed has nothing to do.
    expect((await fgFails(bank, 'job', 'rerun', jobId)).code).toBe('JOB_STATE');
    // Only the initiator reruns.
    expect((await fgFails(utility, 'job', 'rerun', jobId, '--from', 'predict')).code).toBe(
      'FORBIDDEN',
    );
    const again = await fgWait(bank, 'job', 'rerun', jobId, '--from', 'predict');
    expect(again.tasks.map((t) => [t.name, t.attempt])).toEqual([
      ['psi', 0],
      ['train', 1],
      ['predict', 1],
      ['evaluate', 1],
    ]);
    // The evaluation now scores the 2-iteration model, as its plaintext twin does.
    const twin = await plaintextTwin(2);
    const metrics = (again.results as Record<string, Record<string, Record<string, unknown>>>)[
      'evaluate'
    ]!['guest']!['metrics'] as Record<string, number>;
    expect(Math.abs(metrics['auc']! - twin.auc)).toBeLessThanOrEqual(0.01);
    const onHost = await waitFor(
      async () => {
        const v = await fg<JobView>(utility, 'job', 'show', jobId);
        return terminal(v.status) && v.tasks.find((t) => t.name === 'predict')?.attempt === 1
          ? v
          : undefined;
      },
      30_000,
      500,
    );
    expect(onHost.status).toBe('succeeded');
  }, 300_000);

  test('models: listed by each party; publication refused before approval; approvals; published', async () => {
    const [mb, mu, mc] = await Promise.all([
      fg<Page<Model>>(bank, 'model', 'list', '--job', jobId),
      fg<Page<Model>>(utility, 'model', 'list', '--job', jobId),
      fg<Page<Model>>(coordinator, 'model', 'list', '--job', jobId),
    ]);
    // The task rerun added a part (a new version, issue 12 item 1) and kept the first one; the
    // newest is listed first.
    expect(mb.items.map((m) => [m.party, m.role, m.status, m.attempt])).toEqual([
      ['guest', 'guest', 'unapproved', 1],
      ['guest', 'guest', 'unapproved', 0],
    ]);
    expect(mu.items.map((m) => [m.party, m.role, m.attempt])).toEqual([
      ['host-0', 'host', 1],
      ['host-0', 'host', 0],
    ]);
    expect(mc.total).toBe(0); // the arbiter keeps no part
    const model = mb.items[0]!;
    expect(model).toMatchObject({ task: 'train', projectId: project });
    expect(model.digest).not.toBe(mu.items[0]!.digest);
    // The rerun's part has a new digest (approvals bind a digest); the first keeps its own.
    expect(model.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(model.digest).not.toBe(firstDigest);
    expect(mb.items[1]!.digest).toBe(firstDigest);

    // The two runs are versions 1 and 2 of one named model, on both part holders.
    const versions = await fg<Page<ModelVersion>>(bank, 'model', 'versions', '--job', jobId);
    expect(versions.items.map((v) => [v.version, v.job.attempt])).toEqual([
      [2, 1],
      [1, 0],
    ]);
    const [v2, v1] = versions.items as [ModelVersion, ModelVersion];
    expect(model.ref).toBe(v2.ref);
    expect(v2.evaluation[0]?.metrics['auc']).toEqual(expect.any(Number));
    const onHost = await fg<Page<ModelVersion>>(utility, 'model', 'versions', v2.name);
    expect(onHost.items.map((v) => v.ref)).toEqual([v2.ref, v1.ref]);
    const shown = await fg<ModelVersion>(bank, 'model', 'show', v1.ref);
    expect(shown).toMatchObject({ ref: v1.ref, job: { id: jobId, attempt: 0 } });
    expect(shown.parties.find((p) => p.party === 'guest')?.digest).toBe(firstDigest);
    const diff = await fg<{
      fields: { field: string; from: unknown; to: unknown }[];
      digests: { party: string }[];
    }>(bank, 'model', 'diff', v1.ref, String(v2.version));
    expect(diff.fields).toContainEqual({ field: 'attempt', from: 0, to: 1 });
    expect(diff.digests.map((d) => d.party)).toContain('guest');

    const early = await fgFails(bank, 'model', 'publish', model.id);
    expect(early.code).toBe('CONFLICT');
    expect(early.message).toMatch(/not approved by every partner/);

    const req = await fg<{ requests: ModelApproval[] }>(
      bank,
      'model',
      'request-approval',
      model.id,
    );
    expect(req.requests.map((a) => [a.approver, a.status]).sort()).toEqual([
      ['coordinator', 'pending'],
      ['utility', 'pending'],
    ]);
    const [inU, inC] = await Promise.all([
      fg<Page<ModelApproval>>(utility, 'model', 'approvals', '--direction', 'incoming'),
      fg<Page<ModelApproval>>(coordinator, 'model', 'approvals', '--direction', 'incoming'),
    ]);
    for (const p of [inU, inC]) {
      expect(p.items).toHaveLength(1);
      expect(p.items[0]).toMatchObject({
        modelId: model.id,
        requester: 'bank',
        digest: model.digest,
        status: 'pending',
      });
    }
    await fg(utility, 'model', 'approve', inU.items[0]!.id, '--comment', 'part and digest match');
    const half = await fgFails(bank, 'model', 'publish', model.id);
    expect(half.message).toMatch(/coordinator/);
    expect(half.message).not.toMatch(/'utility'/);
    await fg(coordinator, 'model', 'approve', inC.items[0]!.id);
    // The fallback status query finds the same decisions.
    const synced = await fg<{ model: Model }>(bank, 'model', 'sync', model.id);
    expect(synced.model.status).toBe('approved');
    expect(synced.model.approval.partners.map((p) => [p.node, p.status]).sort()).toEqual([
      ['coordinator', 'approved'],
      ['utility', 'approved'],
    ]);
    expect(await fg<ModelApproval>(utility, 'model', 'approval', inU.items[0]!.id)).toMatchObject({
      direction: 'incoming',
      status: 'approved',
      reason: 'part and digest match',
    });
    const published = await fg<Model>(bank, 'model', 'publish', model.id);
    expect(published.status).toBe('published');
    expect(published.published).toMatchObject({ digest: model.digest, current: true });
  });

  test('revocation: the grantee sees it, and the flow can no longer run', async () => {
    const r = await fg<GrantView>(
      utility,
      'grant',
      'revoke',
      grantId,
      '--reason',
      'project closed',
    );
    expect(r).toMatchObject({ status: 'revoked', notice: { status: 'sent' } });
    const [copy, granted, synced] = await Promise.all([
      fg<Page<Received>>(bank, 'grant', 'received', '--status', 'revoked'),
      fg<Page<PartnerDataset>>(bank, 'dataset', 'granted-to-me', 'utility'),
      // The fallback: every grant the owner gave, as it holds them.
      fg<{ items: Received[] }>(bank, 'grant', 'sync', 'utility'),
    ]);
    expect(copy.items.map((g) => g.id)).toEqual([grantId]);
    expect(granted.total).toBe(0);
    const states = Object.fromEntries(synced.items.map((g) => [g.id, g.status]));
    expect(states[grantId]).toBe('revoked');
    expect(Object.values(states).filter((s) => s === 'expired')).toHaveLength(2);

    const refused = await fgFails(bank, 'flow', 'run', flow.id);
    expect(refused.code).toBe('PEER_REFUSED');
    expect(refused.details?.['peerCode']).toBe('GRANT_REVOKED');
    expect(refused.message).toContain(grantId);
  });

  test('terminate: both sides read terminated, and partner calls are refused', async () => {
    const t = await fg<ContractView>(
      bank,
      'contract',
      'terminate',
      bankUtility,
      '--reason',
      'walkthrough finished',
    );
    expect(t.status).toBe('terminated');
    const atUtility = await contract(utility, bankUtility);
    expect(atUtility.status).toBe('terminated');
    expect(atUtility.statusReason).toContain('walkthrough finished');

    const [listing, projects, health] = await Promise.all([
      fgFails(bank, 'dataset', 'partner-list', 'utility'),
      fgFails(utility, 'project', 'partner-list', 'bank'),
      fgFails(bank, 'contract', 'health', bankUtility),
    ]);
    expect(listing.code).toBe('FORBIDDEN');
    expect(listing.message).toMatch(/no active contract with node 'utility'/);
    expect(projects.code).toBe('FORBIDDEN');
    expect(health.code).toBe('CONTRACT_STATE');
    const ps = await fg<Page<Partner>>(bank, 'partner', 'list');
    expect(ps.items.map((p) => p.nodeId)).toEqual(['coordinator']);
  });

  test('audit: the state-changing calls, by admins and partners, allowed and refused', async () => {
    const audit = (n: ClusterNode) =>
      fg<Page<AuditEntry>>(n, 'node', 'audit', '--page-size', '1000').then((p) => p.items);
    const has = (items: AuditEntry[], e: Partial<AuditEntry> & { objectId?: string }) =>
      items.some(
        (i) =>
          i.action === e.action &&
          (!e.outcome || i.outcome === e.outcome) &&
          (!e.status || i.status === e.status) &&
          (!e.actor || (i.actor.kind === e.actor.kind && i.actor.id === e.actor.id)) &&
          (!e.objectId || i.object?.id === e.objectId),
      );
    // Audit rows are written as each response ends: poll until the last ones are in.
    const [onBank, onUtility] = await waitFor(
      async () => {
        const [b, u] = await Promise.all([audit(bank), audit(utility)]);
        return has(b, { action: 'POST /v1/contracts/:id/terminate', objectId: bankUtility }) &&
          has(u, { action: 'POST /v1/interconn/contracts/:id/terminate' })
          ? ([b, u] as const)
          : undefined;
      },
      20_000,
      500,
    );
    const admin = { kind: 'admin', id: 'admin' };
    // Plain reads are not audited; reads of sensitive content (model parameters, task outputs
    // and logs, the audit log itself) are.
    const sensitive =
      /^GET \/v1\/(models\/:id|jobs\/:id\/outputs|jobs\/:id\/tasks\/:task\/logs|audit)(\/|$)/;
    const reads = onBank.filter((i) => i.action.startsWith('GET '));
    expect(reads.filter((i) => !sensitive.test(i.action)).map((i) => i.action)).toEqual([]);
    // The reads of the audit log above are themselves in the log now.
    expect((await audit(bank)).some((i) => i.action === 'GET /v1/audit')).toBe(true);
    expect(
      has(onBank, {
        action: 'POST /v1/contracts',
        outcome: 'success',
        actor: admin,
        objectId: bankUtility,
      }),
    ).toBe(true);
    expect(
      has(onBank, { action: 'POST /v1/contracts/:id/reject', outcome: 'success', actor: admin }),
    ).toBe(true);
    expect(has(onBank, { action: 'POST /v1/datasets', outcome: 'failure', status: 400 })).toBe(
      true,
    );
    expect(
      has(onBank, { action: 'POST /v1/flows/:id/jobs', outcome: 'failure', status: 403 }),
    ).toBe(true);
    expect(has(onBank, { action: 'POST /v1/flows/:id/jobs', outcome: 'success' })).toBe(true);
    expect(
      has(onBank, { action: 'POST /v1/models/:id/publish', outcome: 'failure', status: 409 }),
    ).toBe(true);
    expect(
      has(onUtility, {
        action: 'POST /v1/contracts/:id/confirm',
        outcome: 'success',
        actor: admin,
        objectId: bankUtility,
      }),
    ).toBe(true);
    expect(
      has(onUtility, {
        action: 'POST /v1/grant-applications/:id/reject',
        outcome: 'success',
        actor: admin,
      }),
    ).toBe(true);
    expect(
      has(onUtility, {
        action: 'POST /v1/grants/:id/revoke',
        outcome: 'success',
        objectId: grantId,
      }),
    ).toBe(true);
    // Partner calls are recorded with the partner as the actor.
    expect(
      has(onUtility, {
        action: 'POST /v1/interconn/grant-applications',
        outcome: 'success',
        actor: { kind: 'peer', id: 'bank' },
      }),
    ).toBe(true);
    expect(
      has(onUtility, {
        action: 'POST /v1/interconn/jobs',
        outcome: 'failure',
        actor: { kind: 'peer', id: 'bank' },
      }),
    ).toBe(true);
  });
});
