/**
 * A hostile SecureBoost guest against the real host program (docs/protocols/secureboost.md,
 * security model: a contracted partner may send any message). The guest runs the real guest
 * program, but its first split request (round 0, depth 0) is replaced by one naming the root of
 * tree 0 and a host feature, with a malformed `leftBins`: unsorted, out of range, duplicate,
 * not an integer, empty, the full set, null, on a numeric feature, an oversized array and a huge
 * string. UCI German credit (examples/data/credit), 2048-bit keys, in-memory transport.
 *
 * Checked for each: the host refuses with a PROTOCOL error naming the field, its message quoting
 * the request to at most 200 characters; nothing the host sent the guest (message headers, the
 * error) holds one of the host's category names; the host program ends with that error (a
 * handled refusal, not a crash). A control request with a valid set on the same feature and node
 * passes the host's check (so each refusal is for `leftBins`, not for the node or feature), and
 * an honest job on the same crypto pool afterwards succeeds.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CryptoPool } from '@fedgrid/crypto';
import { decodeMessage, encodeMessage, type Channel } from '@fedgrid/federation';
import {
  ComponentError,
  secureBoost,
  type ComponentSpec,
  type PortValue,
} from '@fedgrid/components';
import type { Frame } from '@fedgrid/ml';
import { importCsv } from '@fedgrid/node';
import { runComponentSettled } from './harness.js';

const GUEST = 'examples/data/credit/german_credit_guest.csv';
const HOST = 'examples/data/credit/german_credit_host.csv';
const PARAMS = { trees: 1, maxDepth: 2, objective: 'binary' };
/** The first split request of the protocol (round 0, depth 0; protocol.ts `tag.split`). */
const FIRST_SPLIT = '0/0/split';

let pool: CryptoPool;
let data: { guest: Frame; host: Frame };
/** A host categorical feature (index, number of categories) and a numeric one. */
let cat: { index: number; count: number };
let numeric: number;
/** The host's category names (its own data: never sent to the guest). */
let names: string[];

const dataset = (frame: Frame): PortValue => ({ kind: 'dataset', frame });

/** The first `n` rows of `f`. */
function head(f: Frame, n: number): Frame {
  const cols = f.x.cols;
  return {
    ...f,
    ids: f.ids.slice(0, n),
    x: { rows: n, cols, data: f.x.data.slice(0, n * cols) },
    ...(f.labels ? { labels: f.labels.slice(0, n) } : {}),
  };
}

/** `ch` with every payload sent passed through `edit` first. */
function editing(ch: Channel, edit: (tag: string, payload: Uint8Array) => Uint8Array): Channel {
  return {
    session: ch.session,
    self: ch.self,
    peers: ch.peers,
    recv: (from, tag) => ch.recv(from, tag),
    send: (to, tag, payload) => ch.send(to, tag, edit(tag, payload)),
  };
}

/**
 * Runs one job: the real guest program whose first split request is replaced by `request`, the
 * real host program whose outgoing message headers are recorded.
 */
async function run(request: Record<string, unknown> | undefined) {
  const spec = secureBoost as unknown as ComponentSpec<unknown>;
  const guest = spec.programs['guest']!;
  const host = spec.programs['host']!;
  const sentByHost: string[] = [];
  const hostile: ComponentSpec<unknown> = {
    ...spec,
    programs: {
      ...spec.programs,
      guest: (ctx) =>
        guest({
          ...ctx,
          channel: editing(ctx.channel, (tag, payload) => {
            if (tag !== FIRST_SPLIT || !request) return payload;
            const m = decodeMessage(payload);
            return encodeMessage({ header: { requests: [request] }, blobs: m.blobs });
          }),
        }),
      host: (ctx) =>
        host({
          ...ctx,
          channel: editing(ctx.channel, (_tag, payload) => {
            sentByHost.push(JSON.stringify(decodeMessage(payload).header));
            return payload;
          }),
        }),
    },
  };
  const res = await runComponentSettled(
    hostile,
    PARAMS,
    { guest: { data: dataset(data.guest) }, 'host-0': { data: dataset(data.host) } },
    { pool, hosts: 1 },
  );
  return { res, sentByHost };
}

beforeAll(async () => {
  pool = new CryptoPool({ threads: 2 });
  const g = (await importCsv({ path: GUEST, idColumn: 'id', labelColumn: 'bad' })).frame;
  const h = (await importCsv({ path: HOST, idColumn: 'id' })).frame;
  // The first 500 rows: the refusal comes at the first level, after one encryption of the
  // gradients, so fewer rows only make each run cheaper.
  data = { guest: head(g, 500), host: head(h, 500) };
  const types = h.columnTypes ?? {};
  const catIndex = h.featureNames.findIndex((f) => {
    const t = types[f];
    return t?.type === 'categorical' && t.levels.length >= 4;
  });
  const t = types[h.featureNames[catIndex] as string];
  if (t?.type !== 'categorical') throw new Error('the host file has no categorical column');
  cat = { index: catIndex, count: t.levels.length };
  numeric = h.featureNames.findIndex((f) => types[f] === undefined);
  expect(numeric).toBeGreaterThanOrEqual(0);
  // Names long enough not to occur by chance in JSON keys or numbers ('none', 'own' would).
  names = Object.values(types)
    .flatMap((c) => (c.type === 'categorical' ? c.levels : []))
    .filter((n) => n.length >= 5);
  expect(names.length).toBeGreaterThan(5);
}, 120_000);
afterAll(async () => {
  await pool?.close();
});

const at = (feature: number, leftBins: unknown) => ({
  tree: 0,
  node: 0,
  feature,
  bin: 0,
  missingLeft: false,
  leftBins,
});

it('a valid set on the same node and feature passes the host check (the control)', async () => {
  const { res } = await run(at(cat.index, [0, 2]));
  const host = res['host-0']!;
  // The job may still end otherwise (the guest did not choose this split), but not by refusing
  // the request.
  if (host.status === 'rejected')
    expect(String((host.reason as Error).message)).not.toMatch(/bad split request/);
}, 300_000);

const HOSTILE: [string, () => Record<string, unknown>][] = [
  ['unsorted', () => at(cat.index, [2, 0])],
  ['out of range', () => at(cat.index, [0, cat.count])],
  ['negative', () => at(cat.index, [-1, 0])],
  ['duplicate', () => at(cat.index, [1, 1])],
  ['not integers', () => at(cat.index, [0.5, 1])],
  ['empty', () => at(cat.index, [])],
  [
    'the full set',
    () =>
      at(
        cat.index,
        Array.from({ length: cat.count }, (_, i) => i),
      ),
  ],
  ['null', () => at(cat.index, null)],
  ['on a numeric feature', () => at(numeric, [0])],
  [
    'an oversized array',
    () =>
      at(
        cat.index,
        Array.from({ length: 200_000 }, (_, i) => i),
      ),
  ],
  ['a huge string', () => at(cat.index, 'x'.repeat(4 * 2 ** 20))],
];

it.each(HOSTILE)(
  'leftBins %s: the host refuses with a protocol error naming the field, and reveals no category name',
  async (_name, make) => {
    const { res, sentByHost } = await run(make());
    const host = res['host-0']!;
    expect(host.status).toBe('rejected');
    const err = (host as PromiseRejectedResult).reason as ComponentError;
    // A handled refusal of the request: the program's own error, not a crash of the host.
    expect(err).toBeInstanceOf(ComponentError);
    expect(err.code).toBe('PROTOCOL');
    expect(err.message).toMatch(/^secureboost host: bad split request \{/);
    expect(err.message).toContain('"leftBins":');
    expect(err.message.length).toBeLessThanOrEqual(
      'secureboost host: bad split request '.length + 200,
    );
    // The guest's job ends too (its channel is aborted by the host's failure).
    expect(res['guest']!.status).toBe('rejected');
    // Nothing sent back names the host's categories: not the headers (the host's meta and
    // histogram headers went out before the refusal), not the error.
    expect(sentByHost.length).toBeGreaterThanOrEqual(2);
    for (const text of [...sentByHost, err.message])
      for (const n of names) expect(text.includes(n), `${n} in ${text.slice(0, 80)}`).toBe(false);
  },
  300_000,
);

it('after the hostile requests, an honest job on the same pool succeeds', async () => {
  const { res } = await run(undefined);
  expect(res['host-0']!.status).toBe('fulfilled');
  expect(res['guest']!.status).toBe('fulfilled');
}, 300_000);
