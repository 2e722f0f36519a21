#!/usr/bin/env node
// Profile of the local computation of the MPC engine (issue 16 item 1: which of it pays for a
// chunk round trip through PostgreSQL). Run after `npx tsc -b`:
//   node packages/bench/scripts/profile-mpc-work.mjs [triples=256] [postgresUrl]
// Prints, single-threaded on the main thread: the dealer-free (Paillier 2048) triples' local work
// per step (key owner's encryptions, the other party's cross terms, the key owner's decryption),
// a dealer's triples and a comparison (all of runLocal's time is local computation, the messages
// are in memory), and — with a PostgreSQL URL — the round trip of one near-empty chunk through
// `crypto_batches` (queued → taken by a worker process → result collected).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CryptoPool,
  LocalWork,
  PaillierTriples,
  generatePaillierKeyPair,
  localDealerMpc,
  localMpc,
} from '../../crypto/dist/index.js';

const n = Number(process.argv[2] ?? 256);
const url = process.argv[3];
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const now = () => performance.now() / 1000;
const line = (what, items, wall, cpuS) =>
  console.log(
    `${what.padEnd(58)} ${String(items).padStart(8)} items  ${wall.toFixed(3)} s wall  ${cpuS.toFixed(3)} CPU-s  ${((wall / items) * 1e6).toFixed(1)} µs/item`,
  );

/** Drives two parties round by round, timing every LocalWork step by its request's op. */
function runTimed(mpc, program) {
  const gens = mpc.parties.map((p) => program(p));
  const times = new Map();
  let inboxes = mpc.parties.map(() => []);
  for (;;) {
    const steps = gens.map((g, i) => {
      let s = g.next(inboxes[i]);
      while (!s.done && s.value instanceof LocalWork) {
        const [w0, c0] = [now(), cpu()];
        const bytes = s.value.compute();
        const t = times.get(s.value.request.op) ?? { wall: 0, cpu: 0 };
        times.set(s.value.request.op, { wall: t.wall + now() - w0, cpu: t.cpu + cpu() - c0 });
        s = g.next([bytes]);
      }
      return s;
    });
    if (steps.every((s) => s.done)) return times;
    inboxes = mpc.parties.map(() => []);
    const P = mpc.parties.length;
    steps.forEach((s, from) =>
      s.value.forEach((m, to) => {
        if (!m) return;
        if (to === P) inboxes[from][P] = mpc.dealer.respond(m);
        else inboxes[to][from] = m;
      }),
    );
  }
}

console.log(
  `load: ${(await import('node:os'))
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
{
  const { publicKey, privateKey } = await generatePaillierKeyPair(2048);
  const mk = () =>
    localMpc([new PaillierTriples(publicKey, privateKey), new PaillierTriples(publicKey)]);
  runTimed(mk(), (p) => p.material.triples(p, 8)); // warm-up: the fixed-base tables
  const [w0, c0] = [now(), cpu()];
  const times = runTimed(mk(), (p) => p.material.triples(p, n));
  const [wall, cpuS] = [now() - w0, cpu() - c0];
  for (const [op, t] of times)
    line(`dealer-free triples: ${op}`, op === 'paillierEncryptRing' ? 2 * n : n, t.wall, t.cpu);
  line('dealer-free triples: everything (per triple)', n, wall, cpuS);
}
{
  const N = 1 << 20;
  const mpc = localDealerMpc(2);
  const [w0, c0] = [now(), cpu()];
  runTimed(mpc, (p) => p.material.triples(p, N));
  line('dealer triples (AES-CTR expansion + corrections)', N, now() - w0, cpu() - c0);
}
{
  const N = 1 << 16;
  const mpc = localDealerMpc(2);
  const xs = mpc.parties.map(() => new BigUint64Array(randomBytes(8 * N).buffer));
  const [w0, c0] = [now(), cpu()];
  let rounds = 0;
  runTimed(mpc, function* (p) {
    const r = yield* p.lt(xs[p.id], xs[1 - p.id]);
    rounds = p.rounds;
    return r;
  });
  const wall = now() - w0;
  line(`dealer comparison [x < y] (${rounds} rounds)`, N, wall, cpu() - c0);
  console.log(
    `  local computation per round of a 2^16 comparison batch: ${((wall / rounds) * 1000).toFixed(1)} ms`,
  );
}
if (url) {
  const { openStore, dropStoreSchema } = await import('../../node/dist/storage/db.js');
  const { BatchDispatcher } = await import('../../node/dist/cluster/batch-dispatcher.js');
  const { BatchExecutor } = await import('../../node/dist/cluster/batch-executor.js');
  const root = mkdtempSync(join(tmpdir(), 'fedgrid-profile-'));
  const schema = `fedgrid_profile_${randomBytes(4).toString('hex')}`;
  const stores = [];
  const store = async () => {
    const s = await openStore({
      dataDir: root,
      databaseUrl: url,
      databaseSchema: schema,
      lock: 'shared',
    });
    stores.push(s);
    return s;
  };
  const [a, b] = [await store(), await store()];
  const pools = [new CryptoPool({ threads: 1 }), new CryptoPool({ threads: 1 })];
  const trips = [];
  const d = new BatchDispatcher({
    db: a.db,
    databaseUrl: url,
    schema,
    name: 'profile:1:worker',
    threads: 1,
    pollMs: 500,
    observer: {
      dispatched() {},
      reclaimed() {},
      finished: (_k, place, s) => place === 'remote' && trips.push(s),
    },
  });
  const e = new BatchExecutor({
    db: b.db,
    databaseUrl: url,
    schema,
    name: 'profile:2:worker',
    pool: pools[1],
  });
  await d.start();
  await e.start();
  const point = { scalar: new Uint8Array(32).fill(9), points: new Uint8Array(32).fill(9) };
  for (let k = 0; k < 20; k++)
    // Two one-point chunks; this process holds its first for 200 ms, so the worker takes the other.
    await d.run('x25519', [point, point], async (t) => {
      await new Promise((r) => setTimeout(r, 200));
      return pools[0].run('x25519', t);
    });
  trips.sort((x, y) => x - y);
  console.log(
    `chunk round trip through PostgreSQL (1-point chunk, ${trips.length} samples): median ${(trips[trips.length >> 1] * 1000).toFixed(1)} ms, min ${(trips[0] * 1000).toFixed(1)} ms, max ${(trips.at(-1) * 1000).toFixed(1)} ms`,
  );
  await e.stop();
  await d.close();
  for (const p of pools) await p.close();
  for (const s of stores) await s.close();
  await dropStoreSchema(url, schema);
  rmSync(root, { recursive: true, force: true });
}
