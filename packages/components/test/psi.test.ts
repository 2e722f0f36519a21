/**
 * ECDH-PSI (psi-ecdh) against the plaintext set intersection: every party runs in this process
 * over the in-memory transport with a real CryptoPool (see harness.ts).
 *
 * Each input row carries features derived from its id and its input position, so that the tests
 * can check that features and labels moved with their rows.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bigToBytes, CryptoPool, isSm2X } from '@fedgrid/crypto';
import { decodeMessage, encodeMessage, MemoryNetwork, type PartyName } from '@fedgrid/federation';
import {
  psiEcdh,
  type ComponentSpec,
  type PortValue,
  type ProgramResult,
} from '@fedgrid/components';
import type { Frame } from '@fedgrid/ml';
import { runComponent, runComponentSettled, rng } from './harness.js';

const psi = psiEcdh as ComponentSpec<unknown>;

let pool: CryptoPool;
beforeAll(() => {
  pool = new CryptoPool({ threads: 2 });
});
afterAll(async () => {
  await pool?.close();
});

function shuffle<T>(xs: readonly T[], rand: () => number): T[] {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

/** A number that depends only on the id (FNV-1a over UTF-16 code units), below 2^31. */
function idNum(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h & 0x7fffffff;
}

/**
 * A frame whose row i has features [idNum(id), i, salt] and (if `labels`) label idNum(id) mod 2,
 * so that every output row can be traced back to exactly one input row.
 */
function frameOf(ids: readonly string[], salt: number, labels = false): Frame {
  const cols = 3;
  const data = new Float64Array(ids.length * cols);
  ids.forEach((id, i) => {
    data[i * cols] = idNum(id);
    data[i * cols + 1] = i;
    data[i * cols + 2] = salt;
  });
  return {
    ids: ids.slice(),
    x: { rows: ids.length, cols, data },
    featureNames: ['id_num', 'row', 'salt'],
    ...(labels ? { labels: Float64Array.from(ids, (id) => idNum(id) % 2), labelName: 'y' } : {}),
  };
}

function partyNames(hosts: number): string[] {
  return ['guest', ...Array.from({ length: hosts }, (_, k) => `host-${k}`)];
}

async function runPsi(
  idsByParty: string[][],
  params: Record<string, unknown> = {},
): Promise<{ frames: Frame[]; results: Record<string, ProgramResult> }> {
  const hosts = idsByParty.length - 1;
  const names = partyNames(hosts);
  const frames = idsByParty.map((ids, k) => frameOf(ids, 1000 + k, k === 0));
  const inputs: Record<string, Record<string, PortValue>> = {};
  names.forEach((p, k) => (inputs[p] = { data: { kind: 'dataset', frame: frames[k] as Frame } }));
  const results = await runComponent(psi, params, inputs, { pool, hosts });
  return { frames, results };
}

/** The plaintext reference: ids present in every party's input (as a set). */
function plainIntersection(idsByParty: string[][]): Set<string> {
  const [first, ...rest] = idsByParty.map((ids) => new Set(ids));
  return new Set([...(first as Set<string>)].filter((id) => rest.every((s) => s.has(id))));
}

function outputFrame(result: ProgramResult | undefined): Frame {
  const v = result?.outputs['data'];
  expect(v?.kind).toBe('dataset');
  return (v as Extract<PortValue, { kind: 'dataset' }>).frame;
}

/**
 * Checks one output frame against its input: exactly the expected ids, no duplicates, and each
 * row (features and label) is an input row with that id.
 */
function checkAligned(out: Frame, input: Frame, expected: Set<string>): void {
  expect(out.ids.length).toBe(expected.size);
  expect(new Set(out.ids).size).toBe(out.ids.length);
  expect(new Set(out.ids)).toEqual(expected);
  expect(out.featureNames).toEqual(input.featureNames);
  expect(out.x.rows).toBe(out.ids.length);
  expect(out.x.cols).toBe(input.x.cols);
  expect(out.x.data.length).toBe(out.ids.length * input.x.cols);
  const cols = input.x.cols;
  out.ids.forEach((id, r) => {
    const row = Array.from(out.x.data.subarray(r * cols, (r + 1) * cols));
    expect(row[0]).toBe(idNum(id));
    const src = row[1] as number;
    // The row it came from is an input row with the same id, copied whole.
    expect(input.ids[src]).toBe(id);
    expect(row).toEqual(Array.from(input.x.data.subarray(src * cols, (src + 1) * cols)));
    if (input.labels) {
      expect(out.labels?.[r]).toBe(input.labels[src]);
    }
  });
  if (input.labels) {
    expect(out.labels?.length).toBe(out.ids.length);
    expect(out.labelName).toBe(input.labelName);
  } else {
    expect(out.labels).toBeUndefined();
  }
}

/** Runs PSI with 'all' result parties and checks every party's output against the plaintext intersection. */
async function expectExact(
  idsByParty: string[][],
  params: Record<string, unknown> = {},
): Promise<Frame> {
  const { frames, results } = await runPsi(idsByParty, params);
  const expected = plainIntersection(idsByParty);
  const names = partyNames(idsByParty.length - 1);
  const outs = names.map((p) => outputFrame(results[p]));
  outs.forEach((out, k) => checkAligned(out, frames[k] as Frame, expected));
  // Same ids in the same order on every party.
  for (const out of outs.slice(1)) expect(out.ids).toEqual((outs[0] as Frame).ids);
  expect(results['guest']?.summary?.['intersection']).toBe(expected.size);
  return outs[0] as Frame;
}

/** `count` distinct ids with a prefix, e.g. u-17. */
function ids(prefix: string, from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${from + i}`);
}

describe('psi-ecdh: exactness against the plaintext intersection', () => {
  it('empty guest set vs 100 host ids: empty intersection on both sides', async () => {
    const out = await expectExact([[], ids('id-', 0, 100)]);
    expect(out.ids).toEqual([]);
  });

  it('100 guest ids vs an empty host set: empty intersection on both sides', async () => {
    const out = await expectExact([ids('id-', 0, 100), []]);
    expect(out.ids).toEqual([]);
  });

  it('both sets empty', async () => {
    const out = await expectExact([[], []]);
    expect(out.ids).toEqual([]);
  });

  it('1 vs 1, same id', async () => {
    const out = await expectExact([['only'], ['only']]);
    expect(out.ids).toEqual(['only']);
  });

  it('1 vs 1, different ids', async () => {
    const out = await expectExact([['a'], ['b']]);
    expect(out.ids).toEqual([]);
  });

  it('1000 vs 700 random ids with 300 in common, rows in random order on each side', async () => {
    const rand = rng(1);
    const pool1 = shuffle(ids('c', 0, 2000), rand);
    const common = pool1.slice(0, 300);
    const guestOnly = pool1.slice(300, 1000);
    const hostOnly = pool1.slice(1000, 1400);
    const g = shuffle([...common, ...guestOnly], rand);
    const h = shuffle([...common, ...hostOnly], rand);
    expect(g.length).toBe(1000);
    expect(h.length).toBe(700);
    const out = await expectExact([g, h]);
    expect(out.ids.length).toBe(300);
  });

  it('disjoint sets: empty intersection', async () => {
    const out = await expectExact([ids('g', 0, 200), ids('h', 0, 150)]);
    expect(out.ids).toEqual([]);
  });

  it('identical sets in different row orders: everything matches', async () => {
    const rand = rng(2);
    const all = ids('same-', 0, 300);
    const out = await expectExact([shuffle(all, rand), shuffle(all, rand)]);
    expect(new Set(out.ids)).toEqual(new Set(all));
  });

  it('duplicate ids within one party: the result is the set intersection without duplicates', async () => {
    const rand = rng(3);
    const base = ids('d', 0, 120);
    // Guest repeats some ids (some of them in the intersection, some not); host repeats others.
    const g = shuffle(
      [...base.slice(0, 80), ...base.slice(10, 30), ...base.slice(70, 75), ...base.slice(70, 75)],
      rand,
    );
    const h = shuffle(
      [...base.slice(40, 120), ...base.slice(50, 60), ...base.slice(100, 110), 'h-only', 'h-only'],
      rand,
    );
    expect(new Set(g).size).toBeLessThan(g.length);
    expect(new Set(h).size).toBeLessThan(h.length);
    const out = await expectExact([g, h]);
    expect(new Set(out.ids)).toEqual(new Set(base.slice(40, 80)));
  });

  it('every row of both inputs duplicated (each id twice): one output row per common id', async () => {
    const g = [...ids('x', 0, 50), ...ids('x', 0, 50)];
    const h = [...ids('x', 25, 50), ...ids('x', 25, 50)].reverse();
    const out = await expectExact([g, h]);
    expect(new Set(out.ids)).toEqual(new Set(ids('x', 25, 25)));
  });

  it('two hosts: the intersection of all three sets, aligned on every party', async () => {
    const rand = rng(4);
    const all = shuffle(ids('t', 0, 1000), rand);
    // guest: 0..499, host-0: 200..699, host-1: 0..99 ∪ 300..899  →  300..499
    const g = shuffle(all.slice(0, 500), rand);
    const h0 = shuffle(all.slice(200, 700), rand);
    const h1 = shuffle([...all.slice(0, 100), ...all.slice(300, 900)], rand);
    const out = await expectExact([g, h0, h1]);
    expect(new Set(out.ids)).toEqual(new Set(all.slice(300, 500)));
  });

  it('two hosts where an id is common to guest and only one host: not in the result', async () => {
    const out = await expectExact([
      ['a', 'b', 'c', 'd'],
      ['b', 'c', 'd', 'e'],
      ['c', 'd', 'a', 'f'],
    ]);
    expect(new Set(out.ids)).toEqual(new Set(['c', 'd']));
  });

  it("resultParties 'guest': the guest gets the aligned frame, hosts get no data output", async () => {
    const rand = rng(5);
    const all = shuffle(ids('r', 0, 400), rand);
    const idsByParty = [all.slice(0, 250), all.slice(150, 400), shuffle(all.slice(100, 300), rand)];
    const { frames, results } = await runPsi(idsByParty, { resultParties: 'guest' });
    const expected = plainIntersection(idsByParty);
    checkAligned(outputFrame(results['guest']), frames[0] as Frame, expected);
    expect(expected.size).toBe(100);
    for (const h of ['host-0', 'host-1']) {
      expect(results[h]).toBeDefined();
      expect(results[h]?.outputs['data']).toBeUndefined();
      expect(Object.keys(results[h]?.outputs ?? {})).toEqual([]);
    }
  });

  it('batchSize smaller than the sets (several batches, last one partial)', async () => {
    const rand = rng(6);
    const all = shuffle(ids('b', 0, 700), rand);
    const g = all.slice(0, 333);
    const h = shuffle([...all.slice(100, 333), ...all.slice(400, 700)], rand);
    const out = await expectExact([g, h], { batchSize: 64 });
    expect(new Set(out.ids)).toEqual(new Set(all.slice(100, 333)));
  });

  it('batchSize 7 with two hosts of different sizes', async () => {
    const rand = rng(7);
    const all = shuffle(ids('s', 0, 100), rand);
    await expectExact(
      [all.slice(0, 60), shuffle(all.slice(20, 90), rand), shuffle(all.slice(10, 45), rand)],
      { batchSize: 7 },
    );
  });

  it('batchSize 1', async () => {
    await expectExact(
      [
        ['a', 'b', 'c', 'd', 'e'],
        ['e', 'x', 'c', 'a'],
      ],
      { batchSize: 1 },
    );
  });

  it('ids with unicode, commas, quotes, whitespace and newlines match exactly (no normalisation)', async () => {
    const g = [
      'a,b',
      'a;b',
      '"quoted"',
      '名字',
      '😀 emoji',
      'caf\u00e9', // é precomposed (NFC)
      'line\nbreak',
      ' lead',
      'trail ',
      'Case',
      '',
      'tab\there',
      'ünïcödé,with,commas',
    ];
    const h = [
      'a,b',
      'a',
      'b',
      '"quoted"',
      '名字',
      '名',
      '😀 emoji',
      'cafe\u0301', // é decomposed (NFD): a different string
      'line\nbreak',
      'lead',
      'trail',
      'case',
      '',
      'tab\there',
      'ünïcödé,with,commas',
    ];
    const out = await expectExact([g, h]);
    expect(new Set(out.ids)).toEqual(
      new Set([
        'a,b',
        '"quoted"',
        '名字',
        '😀 emoji',
        'line\nbreak',
        '',
        'tab\there',
        'ünïcödé,with,commas',
      ]),
    );
  });

  it('ids that are not well-formed Unicode (lone surrogates) are refused, not hashed to U+FFFD', async () => {
    // '\uD800' and '\uDC00' differ, but both would hash like U+FFFD as UTF-8 and "match".
    const frame = (ids: string[]): PortValue => ({
      kind: 'dataset',
      frame: {
        ids,
        x: { rows: ids.length, cols: 1, data: new Float64Array(ids.length) },
        featureNames: ['f'],
      },
    });
    const settled = await runComponentSettled(
      psi,
      {},
      { guest: { data: frame(['\uD800', 'ok']) }, 'host-0': { data: frame(['\uDC00', 'ok']) } },
      { pool },
    );
    for (const party of ['guest', 'host-0']) {
      const r = settled[party]!;
      expect(r.status).toBe('rejected');
      expect(String((r as PromiseRejectedResult).reason.message)).toMatch(
        /not well-formed Unicode/,
      );
    }
  });
});

/** A network that records every payload a party hands to its channel. */
class TappedNetwork extends MemoryNetwork {
  readonly sent: { from: PartyName; to: PartyName; tag: string; payload: Uint8Array }[] = [];
  override channels(...args: Parameters<MemoryNetwork['channels']>) {
    const out = super.channels(...args);
    for (const [from, ch] of out) {
      const send = ch.send.bind(ch);
      ch.send = (to, tag, payload) => {
        this.sent.push({ from, to, tag, payload: payload.slice() });
        return send(to, tag, payload);
      };
    }
    return out;
  }
}

describe('psi-ecdh: wire order reveals no row positions', () => {
  it('1000 common ids in the same file order: each party blinds and sends them in its own secret order; the intersection and its order are unchanged', async () => {
    const all = ids('w', 0, 1000);
    const frames = [frameOf(all, 1000, true), frameOf(all, 1001)];
    const network = new TappedNetwork();
    const spy = vi.spyOn(pool, 'hashMultiply');
    let results: Record<string, ProgramResult>;
    let calls: (typeof spy.mock.calls)[number][];
    try {
      results = await runComponent(
        psi,
        { batchSize: 300 },
        {
          guest: { data: { kind: 'dataset', frame: frames[0] as Frame } },
          'host-0': { data: { kind: 'dataset', frame: frames[1] as Frame } },
        },
        { pool, hosts: 1, network },
      );
    } finally {
      calls = spy.mock.calls.slice();
      spy.mockRestore();
    }
    // Ids in the order each party blinded them, batch after batch: the order on the wire of
    // messages 2 (guest) and 3 (host). One scalar per party.
    const wire = new Map<string, string[]>();
    for (const [scalar, batch] of calls) {
      const key = Buffer.from(scalar).toString('hex');
      wire.set(key, [...(wire.get(key) ?? []), ...batch]);
    }
    expect(wire.size).toBe(2);
    const [first, second] = [...wire.values()] as [string[], string[]];
    for (const order of [first, second]) {
      expect([...order].sort()).toEqual([...all].sort());
      // P(a uniform permutation of 1000 is the identity) = 1/1000!.
      expect(order).not.toEqual(all);
    }
    expect(first).not.toEqual(second);

    // The result names host rows by wire position, in guest order: no longer the identity that
    // would tell the guest "your row i is the host's row i".
    const result = network.sent.filter((m) => m.tag === 'result');
    expect(result.length).toBe(1);
    const positions = Array.from(
      new Uint32Array(new Uint8Array(decodeMessage(result[0]!.payload).blobs[0]!).buffer),
    );
    expect([...positions].sort((a, b) => a - b)).toEqual(all.map((_, i) => i));
    expect(positions).not.toEqual(all.map((_, i) => i));

    // Unchanged outputs: every id, in the guest's order, aligned on both parties.
    const expected = new Set(all);
    const outs = ['guest', 'host-0'].map((p) => outputFrame(results[p]));
    outs.forEach((out, k) => checkAligned(out, frames[k] as Frame, expected));
    expect(outs[0]?.ids).toEqual(all);
    expect(outs[1]?.ids).toEqual(all);
    // The host sent its ids in the order named by those positions.
    const hostWire = [first, second].find((o) => o[positions[0] as number] === all[0]);
    expect(hostWire).toBeDefined();
    expect(positions.map((p) => hostWire?.[p])).toEqual(all);
  });
});

describe("psi-ecdh curve 'sm2' (SM2 curve, SM3 try-and-increment)", () => {
  it('gives the same intersection, aligned the same way, as x25519', async () => {
    const rand = rng(13);
    const universe = shuffle(ids('sm', 0, 900), rand);
    const g = shuffle([...universe.slice(0, 250), ...universe.slice(250, 600)], rand);
    const h = shuffle([...universe.slice(0, 250), ...universe.slice(600, 900)], rand);
    const sm2 = await expectExact([g, h], { curve: 'sm2', batchSize: 128 });
    const x25519 = await expectExact([g, h], { curve: 'x25519', batchSize: 128 });
    expect(sm2.ids.length).toBe(250);
    expect(new Set(sm2.ids)).toEqual(new Set(x25519.ids));
  });

  it('two hosts: the intersection of all three sets', async () => {
    const out = await expectExact([ids('t', 0, 120), ids('t', 40, 120), ids('t', 60, 120)], {
      curve: 'sm2',
    });
    expect(new Set(out.ids)).toEqual(new Set(ids('t', 60, 60)));
  });

  it('a peer that sends values off the SM2 curve is refused, naming it', async () => {
    let bad = 0n;
    while (isSm2X(bad)) bad++;
    const spy = vi.spyOn(pool, 'sm2HashMultiply').mockImplementation(async (_k, batch) => {
      const out = new Uint8Array(batch.length * 32);
      for (let i = 0; i < batch.length; i++) out.set(bigToBytes(bad, 32), i * 32);
      return out;
    });
    let settled: Record<string, PromiseSettledResult<ProgramResult>>;
    try {
      settled = await runComponentSettled(
        psi,
        { curve: 'sm2' },
        {
          guest: { data: { kind: 'dataset', frame: frameOf(ids('z', 0, 20), 1, true) } },
          'host-0': { data: { kind: 'dataset', frame: frameOf(ids('z', 0, 20), 2) } },
        },
        { pool, hosts: 1 },
      );
    } finally {
      spy.mockRestore();
    }
    const reasons = Object.values(settled)
      .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      .map((r) => r.reason as Error & { code?: string });
    expect(reasons.length).toBe(2);
    expect(
      reasons.some(
        (e) =>
          e.code === 'PROTOCOL' &&
          /^(guest|host-0) sent an SM2-PSI value that is not an SM2 curve x-coordinate/.test(
            e.message,
          ),
      ),
    ).toBe(true);
  });
});

/** Rewrites the `size` header one party sends, as if that party were configured differently. */
class SizeRewritingNetwork extends MemoryNetwork {
  constructor(
    private readonly party: PartyName,
    private readonly patch: Record<string, unknown>,
  ) {
    super();
  }
  override channels(...args: Parameters<MemoryNetwork['channels']>) {
    const out = super.channels(...args);
    for (const [from, ch] of out) {
      const send = ch.send.bind(ch);
      ch.send = (to, tag, payload) => {
        if (from !== this.party || tag !== 'size') return send(to, tag, payload);
        const msg = decodeMessage<Record<string, unknown>>(payload);
        return send(to, tag, encodeMessage({ ...msg, header: { ...msg.header, ...this.patch } }));
      };
    }
    return out;
  }
}

describe('psi-ecdh: parties on different curves', () => {
  for (const [liar, victim] of [
    ['host-0', 'guest'],
    ['guest', 'host-0'],
  ] as const) {
    it(`${liar} announcing x25519 to an sm2 ${victim} is refused with PARAMS_MISMATCH`, async () => {
      const settled = await runComponentSettled(
        psi,
        { curve: 'sm2' },
        {
          guest: { data: { kind: 'dataset', frame: frameOf(ids('q', 0, 10), 1, true) } },
          'host-0': { data: { kind: 'dataset', frame: frameOf(ids('q', 0, 10), 2) } },
        },
        { pool, hosts: 1, network: new SizeRewritingNetwork(liar, { curve: 'x25519' }) },
      );
      const r = settled[victim];
      expect(r?.status).toBe('rejected');
      const e = (r as PromiseRejectedResult).reason as Error & { code?: string };
      expect(e.code).toBe('PARAMS_MISMATCH');
      expect(e.message).toMatch(/runs PSI on curve "x25519", this (guest|host) on sm2/);
    });
  }
});

/** Bucket of an id as the protocol computes it: FNV-1a over UTF-8 bytes (= idNum's for ASCII ids) mod B. */
function asciiBucket(id: string, buckets: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % buckets;
}

describe('psi-ecdh buckets: the partitioned run gives exactly the unpartitioned result', () => {
  /** Runs 1 bucket and `buckets` buckets on the same inputs and expects identical outputs. */
  async function expectSameAsUnpartitioned(
    idsByParty: string[][],
    buckets: number,
    batchSize = 1 << 15,
  ): Promise<Frame[]> {
    const names = partyNames(idsByParty.length - 1);
    const one = await runPsi(idsByParty, { batchSize });
    const many = await runPsi(idsByParty, { batchSize, buckets });
    const expected = plainIntersection(idsByParty);
    const outs = names.map((p) => outputFrame(many.results[p]));
    names.forEach((p, k) => {
      // Same ids, rows, features and labels, in the same order, as without buckets.
      expect(outs[k]).toEqual(outputFrame(one.results[p]));
      checkAligned(outs[k] as Frame, many.frames[k] as Frame, expected);
    });
    expect(many.results['guest']?.summary?.['intersection']).toBe(expected.size);
    expect(many.results['guest']?.summary?.['buckets']).toBe(buckets);
    expect(many.results['guest']?.summary?.['hostRows']).toEqual(
      one.results['guest']?.summary?.['hostRows'],
    );
    return outs;
  }

  it('3000 vs 2000 random ids with 777 in common, 7 buckets, several batches per bucket', async () => {
    const rand = rng(41);
    const common = ids('c', 0, 777);
    const g = shuffle([...common, ...ids('g', 0, 3000 - 777)], rand);
    const h = shuffle([...common, ...ids('h', 0, 2000 - 777)], rand);
    const outs = await expectSameAsUnpartitioned([g, h], 7, 97);
    expect(outs[0]?.ids.length).toBe(777);
  });

  it('more buckets than ids: most buckets empty on both sides (padded to the largest)', async () => {
    const g = ids('e', 0, 12);
    const h = ids('e', 6, 12);
    const used = new Set([...g, ...h].map((id) => asciiBucket(id, 256)));
    expect(used.size).toBeLessThan(64); // ≥ 192 of 256 buckets hold no id of either side
    const outs = await expectSameAsUnpartitioned([g, h], 256, 3);
    expect(outs[0]?.ids).toEqual(ids('e', 6, 6));
  });

  it('a bucket empty on one side only', async () => {
    // Every guest id in bucket 0 of 2, every host id in bucket 1, except one common id.
    const all = ids('s', 0, 400);
    const zero = all.filter((id) => asciiBucket(id, 2) === 0);
    const one = all.filter((id) => asciiBucket(id, 2) === 1);
    const g = [...zero.slice(0, 50)];
    const h = [...one.slice(0, 50), zero[7] as string];
    const outs = await expectSameAsUnpartitioned([g, h], 2, 16);
    expect(outs[0]?.ids).toEqual([zero[7]]);
  });

  it('duplicate ids within each party: one output row per common id, the first occurrence', async () => {
    const rand = rng(43);
    const common = ids('d', 0, 150);
    const g = shuffle([...common, ...common.slice(0, 70), ...ids('x', 0, 200)], rand);
    const h = shuffle([...common, ...common.slice(30, 120), ...ids('y', 0, 80)], rand);
    const outs = await expectSameAsUnpartitioned([g, h], 5, 33);
    expect(outs[0]?.ids.length).toBe(150);
  });

  for (const [label, sets] of [
    ['guest empty', [[], ids('z', 0, 300)]],
    ['host empty', [ids('z', 0, 300), []]],
    ['both empty', [[], []]],
  ] as const) {
    it(`one side empty (${label}), 9 buckets: empty intersection on both sides`, async () => {
      const outs = await expectSameAsUnpartitioned(
        sets.map((s) => [...s]),
        9,
      );
      expect(outs.every((o) => o.ids.length === 0)).toBe(true);
    });
  }

  it('two hosts, 4 buckets: the intersection of all three sets, aligned on every party', async () => {
    const rand = rng(47);
    const all3 = ids('t', 0, 120);
    const g = shuffle(
      [...all3, ...ids('gh0-', 0, 40), ...ids('gh1-', 0, 40), ...ids('g', 0, 90)],
      rand,
    );
    const h0 = shuffle([...all3, ...ids('gh0-', 0, 40), ...ids('h0-', 0, 60)], rand);
    const h1 = shuffle([...all3, ...ids('gh1-', 0, 40), ...ids('h1-', 0, 30)], rand);
    const outs = await expectSameAsUnpartitioned([g, h0, h1], 4, 25);
    expect(new Set(outs[0]?.ids)).toEqual(new Set(all3));
  });

  it('non-ASCII ids are bucketed by their UTF-8 bytes the same way on both sides', async () => {
    const uni = ['é', '東京', '🙂', 'a\u0301', 'ü-1', 'Ω', '𝔘𝔫𝔦'].flatMap((s) =>
      Array.from({ length: 5 }, (_, i) => `${s}${i}`),
    );
    const g = uni.slice(0, 25);
    const h = uni.slice(10);
    const outs = await expectSameAsUnpartitioned([g, h], 6, 4);
    expect(new Set(outs[0]?.ids)).toEqual(new Set(uni.slice(10, 25)));
  });

  it("resultParties 'guest' with buckets: the guest's frame as unpartitioned, no host output", async () => {
    const g = ids('r', 0, 200);
    const h = ids('r', 120, 200);
    const one = await runPsi([g, h], { resultParties: 'guest' });
    const many = await runPsi([g, h], { resultParties: 'guest', buckets: 3 });
    expect(outputFrame(many.results['guest'])).toEqual(outputFrame(one.results['guest']));
    expect(many.results['host-0']?.outputs['data']).toBeUndefined();
  });

  it('each party pads every bucket to its largest: the peer sees equal bucket sizes', async () => {
    const g = ids('p', 0, 100);
    const h = ids('p', 50, 30);
    const network = new TappedNetwork();
    const frames = [frameOf(g, 1, true), frameOf(h, 2)];
    await runComponent(
      psi,
      { buckets: 4, batchSize: 1 << 10 },
      {
        guest: { data: { kind: 'dataset', frame: frames[0] as Frame } },
        'host-0': { data: { kind: 'dataset', frame: frames[1] as Frame } },
      },
      { pool, hosts: 1, network },
    );
    for (const [prefix, set] of [
      ['g/', g],
      ['h/', h],
    ] as const) {
      const counts = Array.from({ length: 4 }, (_, b) =>
        set.reduce((a, id) => a + (asciiBucket(id, 4) === b ? 1 : 0), 0),
      );
      expect(new Set(counts).size).toBeGreaterThan(1); // the real bucket sizes differ
      const sizes = network.sent
        .filter((m) => m.tag.startsWith(prefix))
        .map((m) => (decodeMessage(m.payload).blobs[0] as Uint8Array).length / 32);
      expect(sizes).toEqual(Array.from({ length: 4 }, () => Math.max(...counts)));
    }
  });

  it('parties with different bucket counts are refused with PARAMS_MISMATCH', async () => {
    const settled = await runComponentSettled(
      psi,
      { buckets: 4 },
      {
        guest: { data: { kind: 'dataset', frame: frameOf(ids('q', 0, 10), 1, true) } },
        'host-0': { data: { kind: 'dataset', frame: frameOf(ids('q', 0, 10), 2) } },
      },
      { pool, hosts: 1, network: new SizeRewritingNetwork('host-0', { buckets: 2 }) },
    );
    const r = settled['guest'];
    expect(r?.status).toBe('rejected');
    const e = (r as PromiseRejectedResult).reason as Error & { code?: string };
    expect(e.code).toBe('PARAMS_MISMATCH');
    expect(e.message).toMatch(/host host-0 runs PSI in 2 bucket\(s\), this guest in 4/);
  });
});

describe('psi-ecdh: one worker thread and two give the same result', () => {
  it('the same intersection, in the same order, with a 1-thread pool as with a 2-thread pool', async () => {
    const rand = rng(53);
    const common = ids('k', 0, 300);
    const g = shuffle([...common, ...ids('kg', 0, 500)], rand);
    const h = shuffle([...common, ...ids('kh', 0, 400)], rand);
    const frames = [frameOf(g, 1, true), frameOf(h, 2)];
    const inputs = {
      guest: { data: { kind: 'dataset' as const, frame: frames[0] as Frame } },
      'host-0': { data: { kind: 'dataset' as const, frame: frames[1] as Frame } },
    };
    const single = new CryptoPool({ threads: 1 });
    try {
      const a = await runComponent(psi, { buckets: 3, batchSize: 64 }, inputs, {
        pool: single,
        hosts: 1,
      });
      const b = await runComponent(psi, { buckets: 3, batchSize: 64 }, inputs, { pool, hosts: 1 });
      for (const p of ['guest', 'host-0']) expect(outputFrame(a[p])).toEqual(outputFrame(b[p]));
      expect(outputFrame(a['guest']).ids.length).toBe(300);
    } finally {
      await single.close();
    }
  });
});
