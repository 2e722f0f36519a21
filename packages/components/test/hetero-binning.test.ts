/**
 * hetero-binning: every party's WOE/IV against plaintext WOE/IV computed in the test from the
 * joined data (bins re-derived by the test, labels from the guest file, FATE's formulas written
 * out here). Labels are encrypted as integers, so bin counts are exact and WOE/IV must agree to
 * floating-point rounding. A spy on the host's channel shows that the host receives no plaintext
 * label: only the key, row counts, n ciphertexts of the key's size, and per-bin WOE/IV.
 * All runs use the default 2048-bit key (the library refuses shorter Paillier keys; the label
 * encryption of ≤ 3 000 rows takes about a second).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool, publicKeyFromJson } from '@fedgrid/crypto';
import {
  ComponentError,
  heteroBinning,
  type BinningModel,
  type ComponentSpec,
  type PortValue,
} from '@fedgrid/components';
import { recvMessage, sendMessage } from '@fedgrid/federation';
import type { Frame } from '@fedgrid/ml';
import { runComponent, runComponentSettled } from './harness.js';
import {
  BREAST,
  CREDIT,
  column,
  columns,
  dataset,
  head,
  loadAligned,
  runSpied,
} from './feature-fixtures.js';

let pool: CryptoPool;
let breast: { guest: Frame; host: Frame };
let credit: { guest: Frame; host: Frame };
beforeAll(async () => {
  pool = new CryptoPool({ threads: 2 });
  breast = await loadAligned(BREAST);
  credit = await loadAligned(CREDIT);
});
afterAll(async () => {
  await pool?.close();
});

const spec = heteroBinning as unknown as ComponentSpec<unknown>;
const modelOf = (v: PortValue | undefined) => (v as unknown as { model: BinningModel }).model;
const frameOf = (v: PortValue | undefined) => (v as unknown as { frame: Frame }).frame;

/** The bin of v under a feature's bins, written independently of the library. */
function binIn(f: BinningModel['features'][number], v: number): number {
  const b = f.bins;
  const regular = b.kind === 'numeric' ? b.cuts.length + 1 : b.categories.length;
  if (Number.isNaN(v)) return regular;
  if (b.kind === 'categorical') return b.categories.indexOf(v);
  return b.cuts.filter((c) => c < v).length;
}

/** FATE's WOE/IV from per-bin counts, written out. */
function plainWoe(events: number[], nonEvents: number[], a: number) {
  const E = events.reduce((s, v) => s + v, 0);
  const N = nonEvents.reduce((s, v) => s + v, 0);
  const woe: number[] = [];
  const ivs: number[] = [];
  events.forEach((e, b) => {
    const ne = nonEvents[b]!;
    const adj = e === 0 || ne === 0 ? a : 0;
    const er = (e + adj) / E;
    const nr = (ne + adj) / N;
    woe.push(Math.log(er / nr));
    ivs.push((er - nr) * Math.log(er / nr));
  });
  return { woe, ivs, iv: ivs.reduce((s, v) => s + v, 0) };
}

/** max |WOE, IV federated − plaintext| over a party's features (bins from its model). */
function woeError(
  model: BinningModel,
  frame: Frame,
  labels: Float64Array,
  a = 0.5,
): { woe: number; iv: number } {
  let dw = 0;
  let di = 0;
  for (const f of model.features) {
    const j = frame.featureNames.indexOf(f.name);
    const x = column(frame, j);
    const k = f.woe.length;
    const ev = new Array<number>(k).fill(0);
    const ne = new Array<number>(k).fill(0);
    x.forEach((v, i) => {
      const b = binIn(f, v);
      if (labels[i] === 1) ev[b]!++;
      else ne[b]!++;
    });
    expect(f.counts).toEqual(ev.map((e, b) => e + ne[b]!));
    const p = plainWoe(ev, ne, a);
    p.woe.forEach((w, b) => (dw = Math.max(dw, Math.abs(w - f.woe[b]!))));
    p.ivs.forEach((v, b) => (di = Math.max(di, Math.abs(v - f.ivPerBin[b]!))));
    di = Math.max(di, Math.abs(p.iv - f.iv));
  }
  return { woe: dw, iv: di };
}

/** Quantile cuts as the docs define them: x_(⌈k·n/B⌉), deduplicated, below the maximum. */
function plainQuantileCuts(values: Float64Array, B: number): number[] {
  const s = Array.from(values)
    .filter((v) => !Number.isNaN(v))
    .sort((a, b) => a - b);
  const cuts: number[] = [];
  for (let k = 1; k < B; k++) {
    const c = s[Math.ceil((k * s.length) / B) - 1]!;
    if (c < s[s.length - 1]! && (cuts.length === 0 || c > cuts[cuts.length - 1]!)) cuts.push(c);
  }
  return cuts;
}

describe('hetero-binning', () => {
  it('quantile binning on breast: host WOE/IV equal plaintext WOE/IV; the host never holds a label', async () => {
    const hostInput = dataset(breast.host);
    expect((hostInput as unknown as { frame: Frame }).frame.labels).toBeUndefined();
    const { results, received } = await runSpied(
      spec,
      { binNum: 10 },
      { guest: { data: dataset(breast.guest) }, 'host-0': { data: hostInput } },
      { hosts: 1, pool, spied: 'host-0' },
    );
    const y = breast.guest.labels!;
    const hm = modelOf(results['host-0']!.outputs['model']);
    const gm = modelOf(results['guest']!.outputs['model']);
    expect(hm.features.map((f) => f.name)).toEqual(breast.host.featureNames);
    hm.features.forEach((f, j) => {
      expect(f.bins.kind === 'numeric' && f.bins.cuts).toEqual(
        plainQuantileCuts(column(breast.host, j), 10),
      );
      expect(f.events).toBeUndefined();
    });
    const he = woeError(hm, breast.host, y);
    const ge = woeError(gm, breast.guest, y);
    expect(Math.max(he.woe, he.iv, ge.woe, ge.iv)).toBeLessThan(1e-12);
    console.log(
      `hetero-binning breast: host max |ΔWOE| ${he.woe.toExponential(2)}, |ΔIV| ${he.iv.toExponential(2)}; guest ${ge.woe.toExponential(2)}`,
    );

    // What the host received from the guest: exactly these messages.
    expect(received.every((r) => r.from === 'guest')).toBe(true);
    expect(received.map((r) => r.tag).sort()).toEqual(['bin-result', 'labels', 'meta', 'pubkey']);
    const byTag = new Map(received.map((r) => [r.tag, r.message]));
    expect(byTag.get('meta')!.blobs).toHaveLength(0);
    expect(byTag.get('pubkey')!.blobs).toHaveLength(0);
    const pub = publicKeyFromJson(byTag.get('pubkey')!.header);
    expect(pub.bits).toBe(2048);
    const labels = byTag.get('labels')!;
    expect(labels.blobs).toHaveLength(1);
    const n = breast.guest.ids.length;
    expect(labels.blobs[0]!.length).toBe(n * pub.cipherBytes);
    // Proper randomised ciphertexts: all distinct, none the trivial encoding 1 + y·n of a label.
    const cts = new Set<string>();
    for (let i = 0; i < n; i++) {
      let c = 0n;
      const bytes = labels.blobs[0]!.subarray(i * pub.cipherBytes, (i + 1) * pub.cipherBytes);
      for (let k = bytes.length - 1; k >= 0; k--) c = (c << 8n) | BigInt(bytes[k]!);
      expect(c === 1n || c === 1n + pub.n).toBe(false);
      expect(c > 0n && c < pub.nSquared).toBe(true);
      cts.add(c.toString(16));
    }
    expect(cts.size).toBe(n);
    // The result: per feature, one WOE and one IV per host bin; nothing per row.
    const result = byTag.get('bin-result')!;
    expect(result.blobs).toHaveLength(0);
    const feats = (result.header as { features: { woe: number[]; ivPerBin: number[] }[] }).features;
    expect(feats.map((f) => f.woe.length)).toEqual(hm.features.map((f) => f.woe.length));
    expect(JSON.stringify(result.header).length).toBeLessThan(50_000);
    // Nor do its outputs carry labels.
    expect(frameOf(results['host-0']!.outputs['data']).labels).toBeUndefined();
  });

  it('the shuffle hides the order: host WOE in value order differs from what it received', async () => {
    const { results, received } = await runSpied(
      spec,
      { binNum: 10 },
      { guest: { data: dataset(breast.guest) }, 'host-0': { data: dataset(breast.host) } },
      { hosts: 1, pool, spied: 'host-0' },
    );
    const hm = modelOf(results['host-0']!.outputs['model']);
    const sent = (
      received.find((r) => r.tag === 'bin-result')!.message.header as {
        features: { woe: number[] }[];
      }
    ).features;
    const same = hm.features.filter(
      (f, k) => JSON.stringify(f.woe) === JSON.stringify(sent[k]!.woe),
    ).length;
    // 20 features of ~10 bins: an unshuffled order for all would have probability ~ (1/10!)^20.
    expect(same).toBeLessThan(hm.features.length);
    hm.features.forEach((f, k) =>
      expect(f.woe.slice().sort()).toEqual(sent[k]!.woe.slice().sort()),
    );
  });

  it('chi-merge, equal-width and categorical on default_credit (3 000 rows, two hosts), WOE transform', async () => {
    const g = head(credit.guest, 3000);
    const h = head(credit.host, 3000);
    const h0 = columns(h, [0, 1, 2, 3, 4]);
    // host-1: integer codes (a categorical column) plus missing values in a numeric one.
    const h1 = columns(h, [5, 6, 7]);
    for (let i = 0; i < h1.x.rows; i++) {
      h1.x.data[i * 3] = Math.max(-2, Math.min(3, Math.round(h1.x.data[i * 3]!)));
      if (i % 11 === 0) h1.x.data[i * 3 + 2] = NaN;
    }
    const y = g.labels!;
    // Equal-width bins on these skewed columns leave tail bins of 2–7 rows, which the guest
    // refuses (every host bin ≥ 10 rows); on the columns' ranks they hold ≈ n/6 rows each.
    const tooSmall = await runComponentSettled(
      spec,
      { method: 'equal-width', binNum: 6 },
      { guest: { data: dataset(g) }, 'host-0': { data: dataset(h0) } },
      { pool },
    );
    expect(((tooSmall['host-0'] as PromiseRejectedResult).reason as ComponentError).code).toBe(
      'BIN_TOO_SMALL',
    );
    expect(tooSmall['guest']!.status).toBe('rejected');
    const ranked = (f: Frame, skip: number[]): Frame => {
      const data = f.x.data.slice();
      for (let j = 0; j < f.x.cols; j++) {
        if (skip.includes(j)) continue;
        const order = Array.from({ length: f.x.rows }, (_, i) => i).filter((i) =>
          Number.isFinite(data[i * f.x.cols + j]!),
        );
        order.sort((a, b) => data[a * f.x.cols + j]! - data[b * f.x.cols + j]!);
        order.forEach((i, r) => (data[i * f.x.cols + j] = r / order.length));
      }
      return { ...f, x: { ...f.x, data } };
    };
    for (const method of ['chi-merge', 'equal-width'] as const) {
      const [d0, d1] = method === 'equal-width' ? [ranked(h0, []), ranked(h1, [0])] : [h0, h1];
      const res = await runComponent(
        spec,
        { method, binNum: 6, categorical: { 'host-1': ['x5'] }, transform: 'woe' },
        {
          guest: { data: dataset(g) },
          'host-0': { data: dataset(d0) },
          'host-1': { data: dataset(d1) },
        },
        { pool, hosts: 2 },
      );
      const m0 = modelOf(res['host-0']!.outputs['model']);
      const m1 = modelOf(res['host-1']!.outputs['model']);
      const gm = modelOf(res['guest']!.outputs['model']);
      const worst = [woeError(m0, d0, y), woeError(m1, d1, y), woeError(gm, g, y)];
      expect(Math.max(...worst.map((w) => Math.max(w.woe, w.iv)))).toBeLessThan(1e-12);
      expect(m1.features[0]!.bins.kind).toBe('categorical');
      expect(m1.features[2]!.bins.missingBin).toBe(true);
      for (const f of [...m0.features, ...gm.features]) {
        const bins = f.bins.kind === 'numeric' ? f.bins.cuts.length + 1 : 0;
        expect(bins).toBeLessThanOrEqual(6);
      }
      // Host chi-merge equals plaintext chi-merge with the labels: the guest's own run on the
      // same column gives the same cuts (the guest file's column is used as a host column here).
      if (method === 'chi-merge') {
        const swap = await runComponent(
          spec,
          { method, binNum: 6 },
          { guest: { data: dataset(g) }, 'host-0': { data: dataset(columns(g, [0, 1, 2])) } },
          { pool },
        );
        const hs = modelOf(swap['host-0']!.outputs['model']);
        const gs = modelOf(swap['guest']!.outputs['model']);
        hs.features.forEach((f, k) => {
          expect(f.bins).toEqual(gs.features[k]!.bins);
          expect(f.woe).toEqual(gs.features[k]!.woe);
        });
      }
      // WOE transform: each binned value replaced by its bin's WOE.
      const out = frameOf(res['host-1']!.outputs['data']);
      for (let i = 0; i < out.x.rows; i += 97) {
        for (let j = 0; j < 3; j++) {
          const f = m1.features[j]!;
          expect(out.x.data[i * 3 + j]).toBe(f.woe[binIn(f, d1.x.data[i * 3 + j]!)]);
        }
      }
      expect(frameOf(res['guest']!.outputs['data']).labels).toEqual(g.labels);
    }
  });

  it('bin transform, adjustment factor, and clear errors', async () => {
    const g = head(breast.guest, 200);
    const h = columns(head(breast.host, 200), [0, 1]);
    const res = await runComponent(
      spec,
      { transform: 'bin', binNum: 10, adjustmentFactor: 1 },
      { guest: { data: dataset(g) }, 'host-0': { data: dataset(h) } },
      { pool },
    );
    const hm = modelOf(res['host-0']!.outputs['model']);
    expect(woeError(hm, h, g.labels!, 1).woe).toBeLessThan(1e-12);
    const out = frameOf(res['host-0']!.outputs['data']);
    expect(out.x.data[0]).toBe(binIn(hm.features[0]!, h.x.data[0]!));

    const noLabels = { ...g, labels: undefined } as Frame;
    const bad = await runComponentSettled(
      spec,
      {},
      { guest: { data: dataset(noLabels) }, 'host-0': { data: dataset(h) } },
      { pool },
    );
    expect(((bad['guest'] as PromiseRejectedResult).reason as ComponentError).code).toBe(
      'LABELS_MISSING',
    );
    expect(bad['host-0']!.status).toBe('rejected');

    const cat = await runComponentSettled(
      spec,
      { categorical: { 'host-0': ['x0'] } },
      { guest: { data: dataset(g) }, 'host-0': { data: dataset(h) } },
      { pool },
    );
    expect(((cat['host-0'] as PromiseRejectedResult).reason as ComponentError).code).toBe(
      'CATEGORY_INVALID',
    );
    expect(cat['guest']!.status).toBe('rejected');
  });

  it('every host bin holds ≥ 10 rows: the host refuses to send smaller ones, and the guest refuses a host that sends them anyway', async () => {
    const g = head(breast.guest, 200);
    const h = columns(head(breast.host, 200), [0, 1]);
    // 40 quantile bins on 200 rows: about 5 rows each (ties make some 4).
    const fine = await runComponentSettled(
      spec,
      { binNum: 40 },
      { guest: { data: dataset(g) }, 'host-0': { data: dataset(h) } },
      { pool },
    );
    const hostErr = (fine['host-0'] as PromiseRejectedResult).reason as ComponentError;
    expect(hostErr.code).toBe('BIN_TOO_SMALL');
    expect(hostErr.message).toMatch(/host-0 feature 'x0': \d+ bin\(s\) of only [45] row\(s\)/);
    expect(hostErr.message).toMatch(/at least 10 rows/);
    expect(fine['guest']!.status).toBe('rejected');

    // A host that skips its own check: the guest (the labels' owner) refuses before decrypting.
    const cheat: ComponentSpec<unknown> = {
      ...spec,
      programs: {
        ...spec.programs,
        host: async (ctx) => {
          const n = 200;
          await sendMessage(ctx.channel, 'guest', 'meta', { rows: n, features: 1 });
          await recvMessage(ctx.channel, 'guest', 'meta');
          await recvMessage(ctx.channel, 'guest', 'pubkey');
          await recvMessage(ctx.channel, 'guest', 'labels');
          await sendMessage(
            ctx.channel,
            'guest',
            'bin-sums',
            { bins: [2], totals: [3, n - 3], returnCounts: [false] },
            [new Uint8Array(16)],
          );
          await recvMessage(ctx.channel, 'guest', 'bin-result');
          return { outputs: {} };
        },
      },
    };
    const res = await runComponentSettled(
      cheat,
      {},
      { guest: { data: dataset(g) }, 'host-0': {} },
      { pool },
    );
    const err = (res['guest'] as PromiseRejectedResult).reason as ComponentError;
    expect(err.code).toBe('BIN_TOO_SMALL');
    expect(err.message).toMatch(/guest: host-0 feature 0: 1 bin\(s\) of only 3 row\(s\)/);
  });

  it('apply mode: a model fitted on train rows WOE-encodes other rows (no labels) locally, no messages', async () => {
    const train = { guest: head(breast.guest, 400), host: head(breast.host, 400) };
    const rest = (f: Frame): Frame => {
      const n = f.x.rows - 400;
      return {
        ids: f.ids.slice(400),
        x: { rows: n, cols: f.x.cols, data: f.x.data.slice(400 * f.x.cols) },
        featureNames: f.featureNames,
      };
    };
    const fitted = await runComponent(
      spec,
      { binNum: 8, transform: 'none' },
      { guest: { data: dataset(train.guest) }, 'host-0': { data: dataset(train.host) } },
      { pool },
    );
    const models = {
      guest: modelOf(fitted['guest']!.outputs['model']),
      'host-0': modelOf(fitted['host-0']!.outputs['model']),
    };
    const test = { guest: rest(breast.guest), 'host-0': rest(breast.host) };
    const { results, received } = await runSpied(
      spec,
      { transform: 'woe' },
      {
        guest: { data: dataset(test.guest), model: { kind: 'model', model: models.guest } },
        'host-0': {
          data: dataset(test['host-0']),
          model: { kind: 'model', model: models['host-0'] },
        },
      },
      { hosts: 1, pool, spied: 'host-0' },
    );
    expect(received).toEqual([]);
    for (const party of ['guest', 'host-0'] as const) {
      const m = models[party];
      const src = test[party];
      const out = frameOf(results[party]!.outputs['data']);
      expect(out.ids).toEqual(src.ids);
      expect(out.x.rows).toBe(169);
      expect(modelOf(results[party]!.outputs['model'])).toEqual(m);
      for (let i = 0; i < out.x.rows; i++) {
        for (const [j, f] of m.features.entries()) {
          const b = binIn(f, src.x.data[i * src.x.cols + j]!);
          expect(out.x.data[i * out.x.cols + j]).toBe(b < 0 ? 0 : f.woe[b]);
        }
      }
    }
    // Another party's part, or a model of another kind, is refused by name.
    const swapped = await runComponentSettled(
      spec,
      {},
      {
        guest: { data: dataset(test.guest), model: { kind: 'model', model: models['host-0'] } },
        'host-0': {
          data: dataset(test['host-0']),
          model: { kind: 'model', model: models['host-0'] },
        },
      },
      { pool },
    );
    const reason = (swapped['guest'] as PromiseRejectedResult).reason as ComponentError;
    expect(reason.code).toBe('MODEL_INVALID');
    expect(reason.message).toMatch(/host's binning part/);
    const other = await runComponentSettled(
      spec,
      {},
      {
        guest: {
          data: dataset(test.guest),
          model: { kind: 'model', model: { algorithm: 'hetero-lr' } },
        },
        'host-0': {
          data: dataset(test['host-0']),
          model: { kind: 'model', model: models['host-0'] },
        },
      },
      { pool },
    );
    expect(((other['guest'] as PromiseRejectedResult).reason as ComponentError).code).toBe(
      'MODEL_INVALID',
    );
  });
});
