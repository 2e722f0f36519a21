/** Shared set-up for cross-process tests: nodes in a temp folder, torn down afterwards. */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILTIN_COMPONENTS } from '@fedgrid/components';
import { ensurePgliteTemplate } from '@fedgrid/node';
import { launchNode, signContract, type ClusterNode, type LaunchOptions } from 'fedgrid';

/** The bundled sample data, readable by every test node. */
export const EXAMPLES = fileURLToPath(new URL('../../../examples/data/', import.meta.url));

export class TestCluster {
  readonly nodes: ClusterNode[] = [];
  private root?: string;

  async dir(): Promise<string> {
    if (!this.root) {
      this.root = await mkdtemp(join(tmpdir(), 'fedgrid-cluster-'));
      await ensurePgliteTemplate();
    }
    return this.root;
  }

  /**
   * Starts a node; unless `opts.dataDirs` says otherwise it may register datasets from
   * examples/data and from this cluster's folder (where tests write their CSV files).
   */
  async launch(name: string, opts: LaunchOptions = {}): Promise<ClusterNode> {
    const root = await this.dir();
    const n = await launchNode(root, name, { dataDirs: [EXAMPLES, root], ...opts });
    this.nodes.push(n);
    return n;
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill().catch(() => {})));
    if (this.root) await rm(this.root, { recursive: true, force: true });
  }
}

/** A TCP port that is free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** Resolves with the value of `fn` once it is truthy, polling every `ms` until `timeoutMs`. */
export async function waitFor<T>(
  fn: () => Promise<T | undefined | false>,
  timeoutMs: number,
  ms = 250,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, ms));
  }
}

/**
 * Every node in `owners` permits `initiator`'s ad-hoc jobs (no approved flow) in every role, for
 * the given components (default: every built-in one) — the owner's explicit consent.
 */
export async function permitAdhoc(
  owners: ClusterNode[],
  initiator: ClusterNode,
  components: string[] = BUILTIN_COMPONENTS.map((c) => c.code),
): Promise<void> {
  for (const o of owners)
    await o.api.post('/v1/job-permissions', {
      partner: initiator.info.nodeId,
      roles: ['guest', 'host', 'arbiter', 'edge'],
      components,
    });
}

/**
 * A guest, a host and an arbiter as node processes of `cluster`, every pair contracted, and the
 * host and arbiter permitting the guest's ad-hoc jobs (the set-up of a three-party job).
 */
export async function threePartyCluster(
  cluster: TestCluster,
): Promise<[guest: ClusterNode, host: ClusterNode, arbiter: ClusterNode]> {
  const [guest, host, arbiter] = await Promise.all([
    cluster.launch('guest'),
    cluster.launch('host'),
    cluster.launch('arbiter'),
  ]);
  await signContract(guest, host);
  await signContract(guest, arbiter);
  await signContract(host, arbiter);
  await permitAdhoc([host, arbiter], guest);
  return [guest, host, arbiter];
}
