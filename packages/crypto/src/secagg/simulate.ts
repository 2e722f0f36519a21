/**
 * One whole secure-aggregation round with every party in this process (for tests and the
 * `secagg.round` benchmark), timing client and server work separately.
 */
import { randomFillSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { SecAggClient } from './client.js';
import { defaultThreshold } from './params.js';
import { SecAggServer } from './server.js';

/** Options of {@link simulateSecAggRound}. */
export interface SimulateSecAggOptions {
  /** Number of clients n (ids 0 … n − 1). */
  clients: number;
  /** Vector length L. */
  length: number;
  /** Threshold t; default ⌈2k/3⌉ (at least ⌊k/2⌋ + 1), k = neighbours per client. */
  threshold?: number;
  /** SecAgg+ neighbours per client k; default / 0 = all (classic SecAgg). */
  neighbours?: number;
  /** Clients that share keys and then drop (no masked input). */
  dropAfterShareKeys?: number[];
  /** Clients that send their masked input and then drop (no unmasking); still included. */
  dropAfterMasked?: number[];
  /** n inputs of L words; default uniformly random. */
  inputs?: Uint32Array[];
  /** Round label; default 'simulation'. */
  round?: string;
  /** 32-byte seed of the SecAgg+ graph (see `secAggGraph`); default random. */
  seed?: Uint8Array;
}

/** Outcome of {@link simulateSecAggRound}. */
export interface SimulateSecAggResult {
  /** Σ of the included inputs mod 2^32, L words. */
  sum: Uint32Array;
  /** Ids of the included clients (those that sent masked inputs). */
  included: number[];
  /**
   * Mean per-client compute time (s) over the included clients: advertise + shareKeys +
   * maskInput (+ unmask for those that did not drop).
   */
  clientSeconds: number;
  /** Server compute time (s) over all its calls. */
  serverSeconds: number;
}

/**
 * Runs one round: AdvertiseKeys, ShareKeys, MaskedInputCollection, Unmasking.
 * @returns the server's output and the timings.
 * @throws RangeError on bad options (inputs of the wrong count or length, unknown dropout
 *   ids, a bad threshold); SecAggAbortError if too few clients survive.
 */
export function simulateSecAggRound(opts: SimulateSecAggOptions): SimulateSecAggResult {
  const n = opts.clients;
  if (!Number.isInteger(n) || n < 2)
    throw new RangeError(`clients must be an integer ≥ 2, got ${n}`);
  const L = opts.length;
  const ids = Array.from({ length: n }, (_, i) => i);
  const inputs =
    opts.inputs ??
    ids.map(() => {
      const x = new Uint32Array(L);
      randomFillSync(x);
      return x;
    });
  if (inputs.length !== n)
    throw new RangeError(`inputs: expected ${n} vectors, got ${inputs.length}`);
  inputs.forEach((x, i) => {
    if (!(x instanceof Uint32Array) || x.length !== L)
      throw new RangeError(`inputs[${i}] must be a Uint32Array of ${L} words`);
  });
  const drop1 = new Set(opts.dropAfterShareKeys ?? []);
  const drop2 = new Set(opts.dropAfterMasked ?? []);
  for (const d of [...drop1, ...drop2])
    if (!Number.isInteger(d) || d < 0 || d >= n)
      throw new RangeError(`dropout id ${d} is not a client`);
  const k =
    opts.neighbours === undefined || opts.neighbours === 0
      ? n - 1
      : Math.min(opts.neighbours, n - 1);
  const threshold = opts.threshold ?? defaultThreshold(k);
  const round = opts.round ?? 'simulation';

  const clientTime = new Float64Array(n);
  let serverTime = 0;
  const onClient = <T>(i: number, f: () => T): T => {
    const t0 = performance.now();
    const r = f();
    clientTime[i]! += performance.now() - t0;
    return r;
  };
  const onServer = <T>(f: () => T): T => {
    const t0 = performance.now();
    const r = f();
    serverTime += performance.now() - t0;
    return r;
  };

  const server = onServer(
    () =>
      new SecAggServer({
        clients: ids,
        threshold,
        neighbours: opts.neighbours,
        length: L,
        round,
        ...(opts.seed ? { seed: opts.seed } : {}),
      }),
  );
  const clients = ids.map((id) => onClient(id, () => new SecAggClient({ id, threshold, round })));
  for (const c of clients) {
    const msg = onClient(c.id, () => c.advertise());
    onServer(() => server.receiveAdvertise(msg));
  }
  for (const c of clients) {
    const roster = onServer(() => server.roster(c.id));
    const nb = server.neighboursOf(c.id);
    const msg = onClient(c.id, () => c.shareKeys(roster, nb));
    onServer(() => server.receiveShareKeys(msg));
  }
  const routed = onServer(() => server.routeShares());
  const alive = clients.filter((c) => !drop1.has(c.id));
  for (const c of alive) {
    const y = onClient(c.id, () => c.maskInput(inputs[c.id]!, routed.get(c.id) ?? []));
    onServer(() => server.receiveMasked(c.id, y));
  }
  const req = onServer(() => server.unmaskRequest());
  for (const c of alive) {
    if (drop2.has(c.id)) continue;
    const msg = onClient(c.id, () => c.unmask(req));
    onServer(() => server.receiveUnmask(msg));
  }
  const { sum, included } = onServer(() => server.finish());
  let total = 0;
  for (const id of included) total += clientTime[id]!;
  return {
    sum,
    included,
    clientSeconds: included.length > 0 ? total / included.length / 1000 : 0,
    serverSeconds: serverTime / 1000,
  };
}
