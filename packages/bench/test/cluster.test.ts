/**
 * The multi-process harness of the benchmarks: parties in separate OS processes over the gRPC
 * data plane with pinned mutual TLS. Checks results and failure handling, never timings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FederatedCluster,
  FederatedRunError,
  idFrame,
  measureForSync,
  median,
  psiIds,
} from '@fedgrid/bench';
import type { Frame } from '@fedgrid/ml';

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('psiIds', () => {
  it('gives each side n distinct ids with exactly the requested overlap', () => {
    const { guest, host, common } = psiIds(1000, 300);
    expect(new Set(guest).size).toBe(1000);
    expect(new Set(host).size).toBe(1000);
    expect(common.size).toBe(300);
    expect(guest.filter((id) => host.includes(id)).sort()).toEqual([...common].sort());
    expect(guest.slice(0, 20)).not.toEqual(host.slice(0, 20));
  });
});

describe('measure helpers', () => {
  it('runs a step until the operation budget is met', () => {
    let calls = 0;
    const m = measureForSync({ minSeconds: 0, minOps: 5 }, () => {
      calls++;
      return 2;
    });
    expect(calls).toBe(3);
    expect(m.ops).toBe(6);
  });

  it('takes medians of odd and even lists', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });
});

describe('FederatedCluster', () => {
  let cluster: FederatedCluster;

  beforeAll(async () => {
    cluster = await FederatedCluster.start({ parties: ['guest', 'host-0', 'arbiter'], threads: 1 });
  });

  afterAll(async () => {
    const pids = Object.values(cluster.pids);
    await cluster.close();
    for (const pid of pids) expect(alive(pid)).toBe(false);
  });

  it('runs ECDH-PSI with guest and host in separate processes and returns aligned outputs', async () => {
    const { guest, host, common } = psiIds(1000, 300, 7);
    const progress: string[] = [];
    const run = await cluster.run({
      component: 'psi-ecdh',
      inputs: {
        guest: { data: { kind: 'dataset', frame: idFrame(guest) } },
        'host-0': { data: { kind: 'dataset', frame: idFrame(host) } },
      },
      returnOutputs: true,
      onProgress: (party, d) => progress.push(`${party}:${String(d.step)}`),
    });
    expect(Object.keys(run.parties).sort()).toEqual(['guest', 'host-0']); // the arbiter has no PSI program
    const g = run.parties.guest?.outputs?.data;
    const h = run.parties['host-0']?.outputs?.data;
    expect(g?.kind).toBe('dataset');
    expect(h?.kind).toBe('dataset');
    const gIds = (g as { frame: Frame }).frame.ids;
    expect(new Set(gIds)).toEqual(common);
    expect((h as { frame: Frame }).frame.ids).toEqual(gIds);
    expect(run.parties.guest?.summary?.intersection).toBe(300);
    expect(progress).toContain('guest:done');
  });

  it('reports the failing party and aborts the others, leaving the cluster usable', async () => {
    const { guest, host } = psiIds(50, 50);
    // HeteroLR needs labels on the guest: the guest fails, host and arbiter are aborted.
    const err = await cluster
      .run({
        component: 'hetero-lr',
        params: { maxIter: 1 },
        inputs: {
          guest: { data: { kind: 'dataset', frame: idFrame(guest) } },
          'host-0': { data: { kind: 'dataset', frame: idFrame(host) } },
        },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FederatedRunError);
    expect((err as FederatedRunError).party).toBe('guest');
    expect((err as FederatedRunError).remote?.code).toBe('LABELS_MISSING');

    const again = await cluster.run({
      component: 'psi-ecdh',
      inputs: {
        guest: { data: { kind: 'dataset', frame: idFrame(guest) } },
        'host-0': { data: { kind: 'dataset', frame: idFrame(host) } },
      },
    });
    expect(again.parties.guest?.summary?.intersection).toBe(50);
  });

  it('rejects parties that are not in the cluster', async () => {
    await expect(
      cluster.run({ component: 'psi-ecdh', parties: ['guest', 'host-1'], inputs: {} }),
    ).rejects.toThrow(/not part of the cluster/);
  });
});
