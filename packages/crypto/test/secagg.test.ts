/**
 * The secure-aggregation protocol (Bonawitz et al. 2017; SecAgg+ of Bell et al. 2020): the
 * server's output equals the plaintext sum mod 2^32 of exactly the included clients, under
 * dropouts at every stage; too few survivors abort; clients never reveal both secrets of one
 * client; a masked input looks nothing like the input.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  SecAggAbortError,
  SecAggClient,
  SecAggServer,
  dequantizeSum,
  quantizationErrorBound,
  quantize,
  secAggGraph,
  simulateSecAggRound,
  type EncryptedShare,
} from '@fedgrid/crypto';

function randomInputs(n: number, L: number): Uint32Array[] {
  return Array.from({ length: n }, () => new Uint32Array(randomBytes(4 * L).buffer));
}

function plainSum(inputs: readonly Uint32Array[], ids: readonly number[]): Uint32Array {
  const s = new Uint32Array(inputs[0]!.length);
  for (const id of ids) {
    const x = inputs[id]!;
    for (let i = 0; i < s.length; i++) s[i] = s[i]! + x[i]!;
  }
  return s;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const without = (n: number, out: readonly number[]): number[] =>
  range(n).filter((i) => !out.includes(i));

/** A round driven by hand up to the masked inputs; returns the parties and routed shares. */
function roundToMasked(
  n: number,
  L: number,
  threshold: number,
  inputs: Uint32Array[],
  dropAfterShareKeys: number[] = [],
): { server: SecAggServer; clients: SecAggClient[]; routed: Map<number, EncryptedShare[]> } {
  const ids = range(n);
  const server = new SecAggServer({ clients: ids, threshold, length: L, round: 'r1' });
  const clients = ids.map((id) => new SecAggClient({ id, threshold, round: 'r1' }));
  for (const c of clients) server.receiveAdvertise(c.advertise());
  const roster = server.roster();
  for (const c of clients) server.receiveShareKeys(c.shareKeys(roster, server.neighboursOf(c.id)));
  const routed = server.routeShares();
  for (const c of clients)
    if (!dropAfterShareKeys.includes(c.id))
      server.receiveMasked(c.id, c.maskInput(inputs[c.id]!, routed.get(c.id)!));
  return { server, clients, routed };
}

describe('SecAgg round', () => {
  const L = 1000;

  it('sums all inputs exactly (mod 2^32) without dropouts', () => {
    const inputs = randomInputs(10, L);
    const r = simulateSecAggRound({ clients: 10, length: L, inputs });
    expect(r.included).toEqual(range(10));
    expect(r.sum).toEqual(plainSum(inputs, range(10)));
    expect(r.clientSeconds).toBeGreaterThan(0);
    expect(r.serverSeconds).toBeGreaterThan(0);
  });

  it('removes the masks of clients that drop after ShareKeys (via their s^SK shares)', () => {
    const inputs = randomInputs(10, L);
    const drop = [1, 4, 8];
    const r = simulateSecAggRound({ clients: 10, length: L, inputs, dropAfterShareKeys: drop });
    expect(r.included).toEqual(without(10, drop));
    expect(r.sum).toEqual(plainSum(inputs, r.included));
  });

  it('includes clients that drop after sending their masked input', () => {
    const inputs = randomInputs(10, L);
    const r = simulateSecAggRound({ clients: 10, length: L, inputs, dropAfterMasked: [0, 9] });
    expect(r.included).toEqual(range(10));
    expect(r.sum).toEqual(plainSum(inputs, range(10)));
  });

  it('handles 30% dropout at both stages at once', () => {
    const inputs = randomInputs(10, L);
    const r = simulateSecAggRound({
      clients: 10,
      length: L,
      inputs,
      dropAfterShareKeys: [2, 7],
      dropAfterMasked: [5],
    });
    expect(r.included).toEqual(without(10, [2, 7]));
    expect(r.sum).toEqual(plainSum(inputs, r.included));
  });

  it('SecAgg+: masks only with k neighbours and still sums exactly under dropouts', () => {
    const n = 12;
    const seed = new Uint8Array(32).fill(3);
    const graph = secAggGraph(range(n), 4, seed);
    const server = new SecAggServer({
      clients: range(n),
      threshold: 3,
      neighbours: 4,
      length: L,
      seed,
    });
    for (const id of range(n)) expect(server.neighboursOf(id)).toEqual(graph.get(id));
    // t = 3 of k = 4: each client may lose one neighbour. Drop a client after ShareKeys and a
    // second one, sharing no neighbour with it, after its masked input.
    const d1 = 3;
    const near = new Set([d1, ...graph.get(d1)!]);
    const d2 = range(n).find((v) => !near.has(v) && !graph.get(v)!.some((w) => near.has(w)));
    expect(d2).toBeDefined();
    const inputs = randomInputs(n, L);
    const opts = { clients: n, length: L, inputs, neighbours: 4, threshold: 3, seed };
    const r = simulateSecAggRound({ ...opts, dropAfterShareKeys: [d1], dropAfterMasked: [d2!] });
    expect(r.included).toEqual(without(n, [d1]));
    expect(r.sum).toEqual(plainSum(inputs, r.included));
    // Two dropped neighbours of one client leave only 2 < t holders of its secrets: abort.
    const [a, b] = graph.get(0)!;
    expect(() => simulateSecAggRound({ ...opts, dropAfterShareKeys: [a!, b!] })).toThrow(
      SecAggAbortError,
    );
  });

  it('50 clients × 10,000 with 30% dropout', () => {
    const n = 50;
    const inputs = randomInputs(n, 10_000);
    const drop1 = range(10).map((i) => i * 5);
    const r = simulateSecAggRound({
      clients: n,
      length: 10_000,
      inputs,
      dropAfterShareKeys: drop1,
      dropAfterMasked: [1, 11, 21, 31, 41],
    });
    expect(r.included).toEqual(without(n, drop1));
    expect(r.sum).toEqual(plainSum(inputs, r.included));
  });

  it('aggregates quantised real vectors (quantize → SecAgg → dequantizeSum)', () => {
    const n = 8;
    const opts = { clip: 1, bits: 20 };
    const reals = Array.from({ length: n }, (_, c) =>
      Float64Array.from({ length: L }, (_, i) => Math.sin(i + c)),
    );
    const r = simulateSecAggRound({
      clients: n,
      length: L,
      inputs: reals.map((x) => quantize(x, opts)),
      dropAfterShareKeys: [6],
    });
    const dec = dequantizeSum(r.sum, r.included.length, opts);
    const bound = quantizationErrorBound(r.included.length, opts);
    let maxErr = 0;
    for (let i = 0; i < L; i++) {
      let exact = 0;
      for (const c of r.included) exact += reals[c]![i]!;
      maxErr = Math.max(maxErr, Math.abs(dec[i]! - exact));
    }
    expect(maxErr).toBeLessThan(bound);
  });

  it('aborts when fewer than t clients survive a stage', () => {
    // n = 10, t = 7: four dropouts after ShareKeys leave 6 < 7 masked inputs.
    expect(() =>
      simulateSecAggRound({
        clients: 10,
        length: 10,
        threshold: 7,
        dropAfterShareKeys: [0, 1, 2, 3],
      }),
    ).toThrow(SecAggAbortError);
    // Too few clients share keys.
    const server = new SecAggServer({ clients: range(6), threshold: 4, length: 10 });
    const clients = range(6).map((id) => new SecAggClient({ id, threshold: 4 }));
    for (const c of clients) server.receiveAdvertise(c.advertise());
    const roster = server.roster();
    for (const c of clients.slice(0, 3))
      server.receiveShareKeys(c.shareKeys(roster, server.neighboursOf(c.id)));
    expect(() => server.routeShares()).toThrow(/only 3 clients shared their keys/);
    // Too few unmasking responses.
    const inputs = randomInputs(6, 10);
    const { server: s2, clients: c2 } = roundToMasked(6, 10, 4, inputs);
    const req = s2.unmaskRequest();
    for (const c of c2.slice(0, 3)) s2.receiveUnmask(c.unmask(req));
    expect(() => s2.finish()).toThrow(SecAggAbortError);
  });

  it('validates the threshold against the neighbour count', () => {
    expect(() => new SecAggServer({ clients: range(10), threshold: 4, length: 1 })).toThrow(
      /must exceed half/,
    );
    expect(() => new SecAggServer({ clients: range(10), threshold: 10, length: 1 })).toThrow(
      /exceeds the 9 neighbours/,
    );
    expect(
      () => new SecAggServer({ clients: range(10), threshold: 2, neighbours: 4, length: 1 }),
    ).toThrow(RangeError);
    expect(() => new SecAggServer({ clients: [0], threshold: 1, length: 1 })).toThrow(RangeError);
  });

  it('a client refuses to reveal both shares of one client, or to answer twice', () => {
    const inputs = randomInputs(6, 10);
    const { server, clients } = roundToMasked(6, 10, 4, inputs, [5]);
    const req = server.unmaskRequest();
    expect(req).toEqual({ dropped: [5], survivors: [0, 1, 2, 3, 4] });
    const c0 = clients[0]!;
    expect(() => c0.unmask({ dropped: [3], survivors: [0, 1, 2, 3, 4] })).toThrow(
      /both dropped and surviving/,
    );
    const msg = c0.unmask(req);
    expect(msg.skShares.map((s) => s.of)).toEqual([5]);
    expect(msg.bShares.map((s) => s.of)).toEqual([1, 2, 3, 4]);
    // A later request claiming 1 dropped (to get its s^SK share too) is refused.
    expect(() => c0.unmask({ dropped: [1, 5], survivors: [0, 2, 3, 4] })).toThrow(
      /already answered/,
    );
    server.receiveUnmask(msg);
    for (const c of clients.slice(1, 5)) server.receiveUnmask(c.unmask(req));
    expect(server.finish().sum).toEqual(plainSum(inputs, [0, 1, 2, 3, 4]));
  });

  it('a masked input differs from the input in almost every coordinate', () => {
    const inputs = randomInputs(4, L);
    inputs[0]!.fill(0); // a very structured input
    inputs[1]!.fill(0);
    const ids = range(4);
    const server = new SecAggServer({ clients: ids, threshold: 2, length: L });
    const clients = ids.map((id) => new SecAggClient({ id, threshold: 2 }));
    for (const c of clients) server.receiveAdvertise(c.advertise());
    const roster = server.roster();
    for (const c of clients)
      server.receiveShareKeys(c.shareKeys(roster, server.neighboursOf(c.id)));
    const routed = server.routeShares();
    const y0 = clients[0]!.maskInput(inputs[0]!, routed.get(0)!);
    const y1 = clients[1]!.maskInput(inputs[1]!, routed.get(1)!);
    let same0 = 0;
    let same01 = 0;
    let mean = 0;
    for (let i = 0; i < L; i++) {
      if (y0[i] === inputs[0]![i]) same0++;
      if (y0[i] === y1[i]) same01++;
      mean += y0[i]! / 2 ** 32 / L;
    }
    expect(same0).toBeLessThanOrEqual(1);
    expect(same01).toBeLessThanOrEqual(1);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
  });

  it('rejects tampered shares, out-of-order calls and mismatched rounds', () => {
    const ids = range(4);
    const server = new SecAggServer({ clients: ids, threshold: 2, length: 5, round: 'a' });
    const clients = ids.map((id) => new SecAggClient({ id, threshold: 2, round: 'a' }));
    expect(() => clients[0]!.maskInput(new Uint32Array(5), [])).toThrow(/stage 'new'/);
    for (const c of clients) server.receiveAdvertise(c.advertise());
    expect(() => server.receiveMasked(0, new Uint32Array(5))).toThrow(/stage/);
    const roster = server.roster();
    for (const c of clients)
      server.receiveShareKeys(c.shareKeys(roster, server.neighboursOf(c.id)));
    const routed = server.routeShares();
    const forC1 = routed.get(1)!.map((e) => ({ ...e, ciphertext: e.ciphertext.slice() }));
    forC1[0]!.ciphertext[3]! ^= 1;
    expect(() => clients[1]!.maskInput(new Uint32Array(5), forC1)).toThrow(/authentication/);
    // A client running under another round label: its shares do not authenticate.
    const s2 = new SecAggServer({ clients: ids, threshold: 2, length: 5, round: 'a' });
    const c2 = ids.map((id) => new SecAggClient({ id, threshold: 2, round: id === 3 ? 'b' : 'a' }));
    for (const c of c2) s2.receiveAdvertise(c.advertise());
    const roster2 = s2.roster();
    for (const c of c2) s2.receiveShareKeys(c.shareKeys(roster2, s2.neighboursOf(c.id)));
    const routed2 = s2.routeShares();
    expect(() => c2[0]!.maskInput(new Uint32Array(5), routed2.get(0)!)).toThrow(
      /from client 3 to client 0 failed authentication/,
    );
  });
});
