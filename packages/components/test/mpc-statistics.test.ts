/**
 * mpc-statistics over the in-memory transport (guest + 1 or 2 hosts + arbiter as dealer):
 * results equal the plaintext float64 computation within the §9.4 bound (2^-32 relative or
 * absolute below 1), groups below the minimum size are suppressed, and a dead, silent or hostile
 * partner makes the task fail with a named error instead of hanging or crashing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '@fedgrid/crypto';
import { decodeMessage, encodeMessage, MemoryNetwork, type Channel } from '@fedgrid/federation';
import {
  MemoryDisclosureLedger,
  mpcStatistics,
  type ComponentSpec,
  type PortValue,
  type ProgramContext,
  type ProgramResult,
} from '@fedgrid/components';
import type { Frame } from '@fedgrid/ml';
import { rng, runComponent, runComponentSettled } from './harness.js';

const spec = mpcStatistics as ComponentSpec<unknown>;

let pool: CryptoPool;
beforeAll(() => {
  pool = new CryptoPool({ threads: 1 });
});
afterAll(async () => {
  await pool?.close();
});

function frame(ids: string[], names: string[], cols: number[][]): Frame {
  const n = ids.length;
  const data = new Float64Array(n * names.length);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < names.length; j++) data[i * names.length + j] = cols[j]![i]!;
  return { ids, x: { rows: n, cols: names.length, data }, featureNames: names };
}

/** numpy-style statistics of plain values. */
function plain(v: number[], qs: number[]) {
  const n = v.length;
  const sum = v.reduce((s, x) => s + x, 0);
  const mean = sum / n;
  const variance = v.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
  const s = [...v].sort((a, b) => a - b);
  const quantiles = qs.map((q) => {
    const pos = q * (n - 1);
    const l = Math.floor(pos);
    const h = Math.min(l + 1, n - 1);
    return s[l]! + (pos - l) * (s[h]! - s[l]!);
  });
  return {
    count: n,
    sum,
    mean,
    variance,
    std: Math.sqrt(variance),
    min: s[0]!,
    max: s[n - 1]!,
    quantiles,
  };
}

/** The §9.4 bound: 2^-32 relative, or absolute below 1. */
function close(got: number, want: number, what: string): void {
  const err = Math.abs(got - want);
  if (!(err <= 2 ** -32 * Math.abs(want) || err < 1))
    throw new Error(`${what}: ${got} vs ${want} (error ${err})`);
}

type Report = {
  groups: {
    key: Record<string, number>;
    count: number;
    stats: Record<string, ReturnType<typeof plain>>;
  }[];
  suppressedGroups: number;
  precision: { fracBits: number; sumAbsErrorBound: number };
};
function report(r: ProgramResult | undefined): Report {
  const v = r?.outputs['report'];
  expect(v?.kind).toBe('report');
  return (v as unknown as { report: Report }).report;
}

/** Vertical data: guest has emissions and year, host-0 output and region (codes 0..3). */
function vertical(n: number, seed: number) {
  const r = rng(seed);
  const ids = Array.from({ length: n }, (_, i) => `f${String(i).padStart(5, '0')}`);
  const emis = ids.map((_, i) => (i % 17 === 0 ? 0 : Math.round((r() - 0.2) * 2e6 * 100) / 100));
  const year = ids.map(() => 2011 + Math.floor(r() * 3));
  const output = ids.map(() => r() * 5e4 - 1e3);
  const region = ids.map((_, i) => (i < 3 ? 9 : Math.floor(r() * 3)));
  // The host holds its rows in another order: the runtime aligns by id.
  const perm = ids.map((_, i) => i).reverse();
  return {
    ids,
    emis,
    year,
    output,
    region,
    inputs: {
      guest: { data: { kind: 'dataset', frame: frame(ids, ['emis', 'year'], [emis, year]) } },
      'host-0': {
        data: {
          kind: 'dataset',
          frame: frame(
            perm.map((i) => ids[i]!),
            ['output', 'region'],
            [perm.map((i) => output[i]!), perm.map((i) => region[i]!)],
          ),
        },
      },
    } as Record<string, Record<string, PortValue>>,
  };
}

describe('mpc-statistics', () => {
  it('vertical, grouped by a host key: every statistic equals plaintext within 2^-32 relative or < 1 absolute; groups of < 5 rows suppressed', async () => {
    const d = vertical(300, 7);
    const qs = [0, 0.1, 0.5, 0.9, 1];
    const out = await runComponent(
      spec,
      { columns: ['emis', 'output'], groupBy: ['region'], quantiles: qs, bound: 1e7 },
      d.inputs,
      { pool, arbiter: true },
    );
    const rep = report(out['guest']);
    expect(out['host-0']?.outputs['report']).toBeUndefined();
    expect(rep.suppressedGroups).toBe(1); // region 9 has 3 rows
    expect(rep.groups.map((g) => g.key['region'])).toEqual([0, 1, 2]);
    for (const g of rep.groups) {
      const rows = d.region.flatMap((k, i) => (k === g.key['region'] ? [i] : []));
      expect(g.count).toBe(rows.length);
      for (const [col, vals] of [
        ['emis', d.emis],
        ['output', d.output],
      ] as const) {
        const want = plain(
          rows.map((i) => vals[i]!),
          qs,
        );
        const got = g.stats[col]!;
        for (const k of ['sum', 'mean', 'variance', 'std', 'min', 'max'] as const)
          close(got[k], want[k], `${col} region ${g.key['region']} ${k}`);
        got.quantiles.forEach((q, j) => close(q, want.quantiles[j]!, `${col} q${qs[j]}`));
        expect(Math.abs(got.sum - want.sum)).toBeLessThanOrEqual(
          rep.precision.sumAbsErrorBound + 1e-6,
        );
      }
    }
  });

  it('large values (|x| up to 2·10^8, squares stored in units of 2^-fSq with fSq < 0): still within the bound', async () => {
    const d = vertical(100, 13);
    const big = d.emis.map((v) => v * 100);
    (d.inputs['guest']!['data'] as { frame: Frame }).frame = frame(
      d.ids,
      ['emis', 'year'],
      [big, d.year],
    );
    const out = await runComponent(
      spec,
      { columns: ['emis'], quantiles: [0.5], bound: 1e9 },
      d.inputs,
      {
        pool,
        arbiter: true,
      },
    );
    const rep = report(out['guest']) as Report & { precision: { squareFracBits: number } };
    expect(rep.precision.squareFracBits).toBeLessThan(0);
    const want = plain(big, [0.5]);
    const got = rep.groups[0]!.stats['emis']!;
    for (const k of ['count', 'sum', 'mean', 'variance', 'std', 'min', 'max'] as const)
      close(got[k], want[k], k);
    close(got.quantiles[0]!, want.quantiles[0]!, 'median');
  });

  it('horizontal over three parties, per time bucket, with negatives and zeros', async () => {
    const r = rng(11);
    const parts = [40, 33, 27].map((n, p) => {
      const ids = Array.from({ length: n }, (_, i) => `p${p}-${i}`);
      const t = ids.map(() => 201101 + Math.floor(r() * 24));
      const v = ids.map((_, i) => (i % 9 === 0 ? 0 : (r() - 0.5) * 1000));
      return { ids, t, v };
    });
    const names = ['guest', 'host-0', 'host-1'];
    const inputs = Object.fromEntries(
      parts.map((q, p) => [
        names[p]!,
        { data: { kind: 'dataset', frame: frame(q.ids, ['t', 'v'], [q.t, q.v]) } },
      ]),
    ) as Record<string, Record<string, PortValue>>;
    const out = await runComponent(
      spec,
      {
        mode: 'horizontal',
        columns: ['v'],
        timeColumn: 't',
        bucketWidth: 100,
        quantiles: [0.5],
        bound: 1e4,
      },
      inputs,
      { pool, hosts: 2, arbiter: true },
    );
    const rep = report(out['guest']);
    const all = parts.flatMap((q) =>
      q.t.map((t, i) => ({ b: Math.floor(t / 100) * 100, v: q.v[i]! })),
    );
    const buckets = [...new Set(all.map((a) => a.b))].sort();
    expect(rep.groups.map((g) => g.key['t'])).toEqual(buckets);
    for (const g of rep.groups) {
      const want = plain(
        all.filter((a) => a.b === g.key['t']).map((a) => a.v),
        [0.5],
      );
      for (const k of ['count', 'sum', 'mean', 'variance', 'std', 'min', 'max'] as const)
        close(g.stats['v']![k], want[k], `bucket ${g.key['t']} ${k}`);
      close(g.stats['v']!.quantiles[0]!, want.quantiles[0]!, 'median');
    }
  });

  it("the host's disclosure ledger bounds the aggregates of its values revealed across jobs (one per row)", async () => {
    const d = vertical(40, 17);
    const ledger = new MemoryDisclosureLedger('host-0');
    const params = { columns: ['output'], quantiles: [0.5], bound: 1e7 };
    // Per job: Σx, Σx², min, max and the two order statistics around the median = 6 units.
    let runs = 0;
    for (;;) {
      const s = await runComponentSettled(spec, params, d.inputs, {
        pool,
        arbiter: true,
        disclosure: { 'host-0': ledger },
      });
      if (s['host-0']!.status === 'rejected') {
        const e = (s['host-0'] as PromiseRejectedResult).reason as { code: string };
        expect(e.code).toBe('DISCLOSURE_BUDGET_EXCEEDED');
        expect(s['guest']!.status).toBe('rejected');
        break;
      }
      runs++;
    }
    expect(runs).toBe(6);
    expect(ledger.used('guest', 'mpc-aggregates')).toBe(36);
  });

  it('per group and per time bucket together (horizontal, two parties): each (group, bucket) cell as plaintext', async () => {
    const r = rng(23);
    const parts = [60, 50].map((n, p) => {
      const ids = Array.from({ length: n }, (_, i) => `q${p}-${i}`);
      return {
        ids,
        k: ids.map(() => Math.floor(r() * 2)),
        t: ids.map(() => 2019 + Math.floor(r() * 2)),
        v: ids.map(() => (r() - 0.4) * 1e5),
      };
    });
    const names = ['guest', 'host-0'];
    const inputs = Object.fromEntries(
      parts.map((q, p) => [
        names[p]!,
        { data: { kind: 'dataset', frame: frame(q.ids, ['k', 't', 'v'], [q.k, q.t, q.v]) } },
      ]),
    ) as Record<string, Record<string, PortValue>>;
    const out = await runComponent(
      spec,
      {
        mode: 'horizontal',
        columns: ['v'],
        groupBy: ['k'],
        timeColumn: 't',
        quantiles: [0.25],
        bound: 1e6,
      },
      inputs,
      { pool, arbiter: true },
    );
    const rep = report(out['guest']);
    const rows = parts.flatMap((q) =>
      q.ids.map((_, i) => ({ k: q.k[i]!, t: q.t[i]!, v: q.v[i]! })),
    );
    expect(rep.groups.map((g) => [g.key['k'], g.key['t']])).toEqual([
      [0, 2019],
      [0, 2020],
      [1, 2019],
      [1, 2020],
    ]);
    for (const g of rep.groups) {
      const want = plain(
        rows.filter((x) => x.k === g.key['k'] && x.t === g.key['t']).map((x) => x.v),
        [0.25],
      );
      const got = g.stats['v']!;
      for (const k of ['count', 'sum', 'mean', 'variance', 'std', 'min', 'max'] as const)
        close(got[k], want[k], `cell ${g.key['k']}/${g.key['t']} ${k}`);
      close(got.quantiles[0]!, want.quantiles[0]!, 'q25');
    }
  });

  it('names an unknown column, keys of two parties, and data that was not joined by PSI', async () => {
    const d = vertical(30, 3);
    const fail = async (params: Record<string, unknown>, inputs = d.inputs) => {
      const s = await runComponentSettled(spec, { bound: 1e7, ...params }, inputs, {
        pool,
        arbiter: true,
      });
      const r = s['guest'] as PromiseRejectedResult;
      expect(r.status).toBe('rejected');
      return r.reason as Error & { code: string };
    };
    let e = await fail({ columns: ['emissions'] });
    expect(e.code).toBe('COLUMN_UNKNOWN');
    expect(e.message).toMatch(
      /unknown column 'emissions' \(columns: guest: emis, year; host-0: output, region\)/,
    );
    e = await fail({ columns: ['emis'], groupBy: ['region', 'year'] });
    expect(e.code).toBe('KEYS_SPLIT');
    const other = structuredClone(d.inputs);
    (other['host-0']!['data'] as { frame: Frame }).frame.ids[0] = 'zzz';
    e = await fail({ columns: ['emis'] }, other);
    expect(e.code).toBe('DATA_NOT_ALIGNED');
    e = await fail({ columns: ['emis'], bound: 10 });
    expect(e.code).toBe('VALUE_OUT_OF_RANGE');
    expect(e.message).not.toMatch(/\d{4,}\.\d/); // names how many rows, never a value
  });
});

describe('mpc runtime: what a non-result party receives', () => {
  it('every round byte host-0 receives is uniform (chi-square on byte values), for all-zero inputs too', async () => {
    const n = 200;
    const ids = Array.from({ length: n }, (_, i) => `r${String(i).padStart(4, '0')}`);
    const zeros = ids.map(() => 0);
    const small = ids.map((_, i) => i % 3);
    const inputs: Record<string, Record<string, PortValue>> = {
      guest: { data: { kind: 'dataset', frame: frame(ids, ['z'], [zeros]) } },
      'host-0': { data: { kind: 'dataset', frame: frame(ids, ['g'], [small]) } },
    };
    const counts = new Float64Array(256);
    let bytes = 0;
    const recording: ComponentSpec<unknown> = {
      ...spec,
      programs: {
        ...spec.programs,
        guest: (ctx: ProgramContext<unknown>) =>
          spec.programs.guest!({
            ...ctx,
            channel: tamper(ctx.channel, (tag, payload) => {
              if (tag.startsWith('mpc/r'))
                for (const b of payload.subarray(5)) {
                  counts[b]!++;
                  bytes++;
                }
              return undefined;
            }),
          }),
      },
    };
    const out = await runComponent(
      recording,
      { columns: ['z'], groupBy: ['g'], quantiles: [0.5], bound: 10 },
      inputs,
      {
        pool,
        arbiter: true,
      },
    );
    expect(report(out['guest']).groups.map((g) => g.stats['z']!.sum)).toEqual([0, 0, 0]);
    expect(bytes).toBeGreaterThan(100_000);
    const chi = (c: Float64Array, total: number) =>
      c.reduce((s, o) => s + (o - total / 256) ** 2 / (total / 256), 0);
    // 255 degrees of freedom: 341 is the 0.03% tail.
    expect(chi(counts, bytes)).toBeLessThan(341);
    // The test has power: the encoded inputs themselves are far from uniform.
    const plainBytes = new Uint8Array(BigUint64Array.from(small, (v) => BigInt(v) << 20n).buffer);
    const pc = new Float64Array(256);
    for (const b of plainBytes) pc[b]!++;
    expect(chi(pc, plainBytes.length)).toBeGreaterThan(10_000);
  });
});

describe('mpc runtime: dead, silent and hostile partners', () => {
  const params = { columns: ['emis', 'output'], groupBy: ['region'], quantiles: [0.5], bound: 1e7 };

  it('a party whose node dies mid-computation fails every other party with MPC_PEER_FAILED', async () => {
    const d = vertical(120, 5);
    const network = new MemoryNetwork();
    let killed = false;
    const settled = await runComponentSettled(spec, params, d.inputs, {
      pool,
      arbiter: true,
      network,
      onProgress: (party, data) => {
        if (party === 'host-0' && data['step'] === 'compute') {
          killed = true;
          network.setDown('host-0');
        }
      },
    });
    expect(killed).toBe(true);
    const g = settled['guest'] as PromiseRejectedResult;
    expect(g.status).toBe('rejected');
    expect((g.reason as { code: string }).code).toMatch(/MPC_PEER_FAILED|MPC_TIMEOUT/);
    expect(String(g.reason.message)).toMatch(/host-0/);
    expect(settled['arbiter']!.status).toBe('rejected');
  });

  it('a partner that stops sending fails the others with MPC_TIMEOUT after timeoutSeconds', async () => {
    const d = vertical(60, 5);
    const silent: ComponentSpec<unknown> = {
      ...spec,
      programs: {
        ...spec.programs,
        // Takes part in the set-up, then never sends a round message (its node stays up); it
        // and the arbiter would wait a minute, so the guest's 1 s limit is what ends the task.
        arbiter: (ctx: ProgramContext<unknown>) =>
          spec.programs.arbiter!({
            ...ctx,
            params: { ...(ctx.params as object), timeoutSeconds: 60 },
          }),
        host: (ctx: ProgramContext<unknown>) =>
          spec.programs.host!({
            ...ctx,
            params: { ...(ctx.params as object), timeoutSeconds: 60 },
            channel: tamper(ctx.channel, (tag) => (tag.startsWith('mpc/r') ? null : undefined)),
          }),
      },
    };
    const settled = await runComponentSettled(silent, { ...params, timeoutSeconds: 1 }, d.inputs, {
      pool,
      arbiter: true,
    });
    const g = settled['guest'] as PromiseRejectedResult;
    expect((g.reason as { code: string }).code).toBe('MPC_TIMEOUT');
    expect(String(g.reason.message)).toMatch(/round 1: no message from host-0 within 1 s/);
  });

  const hostile = (
    change: (tag: string, payload: Uint8Array) => Uint8Array | null | undefined,
  ): ComponentSpec<unknown> => ({
    ...spec,
    programs: {
      ...spec.programs,
      host: (ctx: ProgramContext<unknown>) =>
        spec.programs.host!({ ...ctx, channel: tamper(ctx.channel, change) }),
    },
  });
  const cases: [string, (tag: string, p: Uint8Array) => Uint8Array | undefined, RegExp][] = [
    [
      'a truncated frame',
      (t, p) => (t === 'mpc/r1' ? p.subarray(0, 3) : undefined),
      /round 1: message from host-0 has 3 bytes, shorter than the 5-byte frame header/,
    ],
    [
      'a frame of an unknown kind',
      (t, p) => (t === 'mpc/r1' ? Uint8Array.from([7, ...p.subarray(1)]) : undefined),
      /message from host-0 is of kind 7/,
    ],
    [
      'an out-of-order frame (round 2 sent under round 1)',
      (t, p) => {
        if (t !== 'mpc/r1') return undefined;
        const q = p.slice();
        q[1] = 2;
        return q;
      },
      /message from host-0 belongs to step 2, not 1 \(out of order\)/,
    ],
    [
      'an oversized frame',
      (t, p) =>
        t === 'mpc/r1'
          ? Uint8Array.from([...p.subarray(0, 5), ...new Uint8Array(2 ** 20 + 8)])
          : undefined,
      /carries 1048584 bytes, above the limit of 1048576/,
    ],
    [
      'a frame of the wrong length for the protocol step',
      (t, p) =>
        t === 'mpc/r1'
          ? Uint8Array.from([1, ...p.subarray(1, 5), ...new Uint8Array(24)])
          : undefined,
      /unexpected message of 24 bytes from party 1 in round 1|expected \d+ bytes/,
    ],
    [
      'group counts that do not add up to its rows',
      (t, p) => {
        if (t !== 'mpc/groups') return undefined;
        const m = decodeMessage<{ keys: number[][]; counts: number[] }>(p).header;
        return encodeMessage({ header: { ...m, counts: m.counts.map((c) => c + 1) }, blobs: [] });
      },
      /group counts add up to \d+ rows, not the 40 announced/,
    ],
    [
      'a group announcement of the wrong shape',
      (t) =>
        t === 'mpc/groups'
          ? encodeMessage({ header: { keys: 'x', counts: [-1] }, blobs: [] })
          : undefined,
      /announcement 'mpc\/groups' from host-0 is malformed: keys: /,
    ],
    [
      'a malformed schema announcement',
      (t) => (t === 'mpc/schema' ? Uint8Array.from([1, 2, 3]) : undefined),
      /announcement 'mpc\/schema' from host-0 is not a message frame/,
    ],
  ];
  for (const [what, change, message] of cases)
    it(`a hostile host sending ${what} gets a PROTOCOL error on the guest, and no party crashes`, async () => {
      const d = vertical(40, 9);
      const settled = await runComponentSettled(
        hostile(change),
        { ...params, maxMessageMiB: 1, quantiles: [] },
        d.inputs,
        {
          pool,
          arbiter: true,
        },
      );
      const g = settled['guest'] as PromiseRejectedResult;
      expect(g.status).toBe('rejected');
      expect((g.reason as { code: string }).code).toBe('PROTOCOL');
      expect(String(g.reason.message)).toMatch(message);
    });

  it('a hostile last party sending a malformed dealer request is refused by the arbiter', async () => {
    const d = vertical(40, 9);
    const settled = await runComponentSettled(
      hostile((t, p) =>
        t === 'mpc/d0'
          ? Uint8Array.from([...p.subarray(0, 5), ...new Uint8Array(32).fill(255)])
          : undefined,
      ),
      params,
      d.inputs,
      { pool, arbiter: true },
    );
    const a = settled['arbiter'] as PromiseRejectedResult;
    expect((a.reason as { code: string }).code).toBe('PROTOCOL');
    expect(String(a.reason.message)).toMatch(/dealer request 0 from host-0/);
  });

  it('a hostile host inflating its row count (horizontal) is refused from the public sizes before any allocation', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `h${i}`);
    const inputs: Record<string, Record<string, PortValue>> = {
      guest: { data: { kind: 'dataset', frame: frame(ids, ['v'], [ids.map((_, i) => i)]) } },
      'host-0': { data: { kind: 'dataset', frame: frame(ids, ['v'], [ids.map((_, i) => -i)]) } },
    };
    const inflate = hostile((t, p) => {
      if (t !== 'mpc/schema') return undefined;
      const m = decodeMessage<Record<string, unknown>>(p).header;
      return encodeMessage({ header: { ...m, rows: 2 ** 26 }, blobs: [] });
    });
    const settled = await runComponentSettled(
      inflate,
      { mode: 'horizontal', columns: ['v'], bound: 100 },
      inputs,
      {
        pool,
        arbiter: true,
      },
    );
    const g = settled['guest'] as PromiseRejectedResult;
    expect((g.reason as { code: string }).code).toBe('TOO_LARGE');
    expect(String(g.reason.message)).toMatch(
      /1 columns × 1 groups × 67108894 rows need 134217788 Beaver products/,
    );
  });

  it('a hostile last party asking the dealer for more material than the message limit is refused before any is made', async () => {
    const d = vertical(40, 9);
    const huge = new BigUint64Array([1n, 1n << 25n, 0n, 0n]); // 2^25 Beaver triples
    const settled = await runComponentSettled(
      hostile((t, p) =>
        t === 'mpc/d0'
          ? Uint8Array.from([...p.subarray(0, 5), ...new Uint8Array(huge.buffer)])
          : undefined,
      ),
      { ...params, maxMessageMiB: 1 },
      d.inputs,
      { pool, arbiter: true },
    );
    const a = settled['arbiter'] as PromiseRejectedResult;
    expect((a.reason as { code: string }).code).toBe('PROTOCOL');
    expect(String(a.reason.message)).toMatch(
      /asks for 33554432 correction words, above the limit of 1048576 bytes/,
    );
  });
});

/** The channel with outgoing payloads replaced: undefined keeps, null drops. */
function tamper(
  ch: Channel,
  change: (tag: string, payload: Uint8Array) => Uint8Array | null | undefined,
): Channel {
  return {
    session: ch.session,
    self: ch.self,
    peers: ch.peers,
    recv: (from, tag) => ch.recv(from, tag),
    send: async (to, tag, payload) => {
      const c = change(tag, payload);
      if (c === null) return;
      return ch.send(to, tag, c ?? payload);
    },
  };
}
