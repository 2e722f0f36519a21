/**
 * The node lifecycle both demos share: start one node process per name (in a temporary or the
 * given folder; on a shared PostgreSQL database each node gets a schema of this run's own),
 * sign contracts between every pair, hand the nodes to the demo, and stop them on every exit
 * path — removing folders and schemas after a success, keeping them for inspection after a
 * failure.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dropStoreSchema, ensurePgliteTemplate, type JobView } from '@fedgrid/node';
import { launchNode, signContract, type ClusterNode } from './cluster.js';

export interface DemoNodesOptions {
  names: string[];
  workdir?: string;
  keep?: boolean;
  databaseUrl?: string;
  /** Directories each node may register datasets from (by node name; `root` is the work folder). */
  dataDirs?: (node: string, root: string) => string[];
  write: (line: string) => void;
  /** Every node's crypto suite (`--suite`). @default 'international' */
  suite?: 'international' | 'gm';
}

/** Runs `fn` with the started, mutually contracted nodes (in `names` order). */
export async function withDemoNodes<T>(
  opts: DemoNodesOptions,
  fn: (nodes: ClusterNode[], root: string) => Promise<T>,
): Promise<T> {
  const { names, write } = opts;
  const root = opts.workdir
    ? resolve(opts.workdir)
    : await mkdtemp(join(tmpdir(), 'fedgrid-demo-'));
  await mkdir(root, { recursive: true });
  const run = randomBytes(3).toString('hex');
  const schemaOf = (node: string) => `fedgrid_demo_${run}_${node.replace(/-/g, '_')}`;
  const nodes: ClusterNode[] = [];
  let ok = false;
  try {
    write(
      `starting ${names.length} nodes in ${root} (${names.join(', ')}; crypto suite ${opts.suite ?? 'international'})`,
    );
    if (!opts.databaseUrl) await ensurePgliteTemplate();
    const launched = await Promise.allSettled(
      names.map((n) =>
        launchNode(root, n, {
          ...(opts.databaseUrl
            ? { databaseUrl: opts.databaseUrl, databaseSchema: schemaOf(n) }
            : {}),
          dataDirs: opts.dataDirs?.(n, root) ?? [],
          ...(opts.suite ? { suite: opts.suite } : {}),
        }),
      ),
    );
    for (const r of launched) if (r.status === 'fulfilled') nodes.push(r.value);
    const failed = launched.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    for (const n of nodes)
      write(
        `  ${n.name.padEnd(8)} ${n.info.apiUrl}  data ${n.info.dataAddress}  cert ${n.info.fingerprint.slice(0, 17)}…  paillier:${n.info.backends['paillier']} x25519:${n.info.backends['x25519']}`,
      );
    write('signing contracts (each side pins the other’s certificate)');
    for (let i = 0; i < nodes.length; i++)
      for (let j = i + 1; j < nodes.length; j++)
        await signContract(nodes[i] as ClusterNode, nodes[j] as ClusterNode);
    const result = await fn(nodes, root);
    ok = true;
    return result;
  } finally {
    await Promise.all(nodes.map((n) => n.stop().catch(() => {})));
    if (ok && !opts.workdir && !opts.keep) {
      await rm(root, { recursive: true, force: true });
      const url = opts.databaseUrl;
      if (url) await Promise.all(names.map((n) => dropStoreSchema(url, schemaOf(n))));
    } else if (!ok) write(`node directories and logs kept in ${root}`);
  }
}

/** Wall seconds of a task of a finished job (0 when it did not run). */
export function taskSeconds(job: JobView, name: string): number {
  const t = job.tasks.find((x) => x.name === name);
  return t?.startedAt && t.finishedAt
    ? (Date.parse(t.finishedAt) - Date.parse(t.startedAt)) / 1000
    : 0;
}

/**
 * Each partner in `job` permits the guest's ad-hoc job (no approved flow): the roles it plays and
 * the job's components — the explicit, audited consent an owner gives before anything runs on
 * its node (POST /v1/job-permissions). Returns the permissions' ids per node.
 */
export async function permitAdhocJob(
  job: {
    parties: {
      guest: { node: string };
      hosts: { node: string }[];
      arbiter?: { node: string };
      edges?: { node: string }[];
    };
    tasks: { component: string }[];
  },
  nodes: ClusterNode[],
): Promise<Record<string, string>> {
  const roles = new Map<string, Set<string>>();
  const add = (node: string, role: string) =>
    roles.set(node, (roles.get(node) ?? new Set()).add(role));
  job.parties.hosts.forEach((h) => add(h.node, 'host'));
  if (job.parties.arbiter) add(job.parties.arbiter.node, 'arbiter');
  job.parties.edges?.forEach((e) => add(e.node, 'edge'));
  roles.delete(job.parties.guest.node);
  const components = [...new Set(job.tasks.map((t) => t.component))];
  const out: Record<string, string> = {};
  for (const [nodeId, r] of roles) {
    const n = nodes.find((x) => x.info.nodeId === nodeId);
    if (!n) throw new Error(`no started node '${nodeId}' to permit the job`);
    const p = await n.api.post<{ id: string }>('/v1/job-permissions', {
      partner: job.parties.guest.node,
      roles: [...r],
      components,
      note: 'fedgrid demo',
    });
    out[nodeId] = p.id;
  }
  return out;
}
