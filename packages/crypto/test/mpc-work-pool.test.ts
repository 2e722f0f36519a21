/**
 * The engine's local work (work.ts) run on a crypto pool (pool/mpc-work-pool.ts): dealer-free
 * (Paillier) triples computed with their encryptions, cross terms and decryption on the pool's
 * threads give exactly the shares of the inline run with the same seeds, and they are triples
 * (c = a·b over Z_{2^64}); a runtime that resumes local work without its result is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CryptoPool,
  LocalWork,
  MpcProtocolError,
  PaillierTriples,
  PooledMpcWork,
  generatePaillierKeyPair,
  localMpc,
  localWork,
  runLocal,
  runLocalWith,
  type LocalMpc,
  type MpcWorkRunner,
  type PaillierPrivateKey,
  type PaillierPublicKey,
  type Ring,
} from '@fedgrid/crypto';

const seed = (k: number) => new Uint8Array(32).fill(k);

let pool: CryptoPool;
let keys: { publicKey: PaillierPublicKey; privateKey: PaillierPrivateKey };
beforeAll(async () => {
  pool = new CryptoPool({ threads: 2 });
  keys = await generatePaillierKeyPair(2048);
});
afterAll(async () => {
  await pool?.close();
});

function mpc(): LocalMpc {
  return localMpc([
    new PaillierTriples(keys.publicKey, keys.privateKey, seed(7)),
    new PaillierTriples(keys.publicKey, undefined, seed(8)),
  ]);
}

describe('dealer-free triples with their Paillier work on a crypto pool', () => {
  it('the same shares as the inline run, and c = a·b', async () => {
    // 150 triples: 3 chunks of cross terms on 2 threads, several of encryption.
    const n = 150;
    const ops: string[] = [];
    const counting: MpcWorkRunner = {
      run: (w: LocalWork) => {
        ops.push(w.request.op);
        return runner.run(w);
      },
    };
    const runner = new PooledMpcWork(pool);
    const pooled = await runLocalWith(mpc(), (p) => p.material.triples(p, n), counting);
    expect(ops.sort()).toEqual([
      'paillierDecryptLow64',
      'paillierEncryptRing',
      'paillierGilboaCross',
    ]);
    const inline = runLocal(mpc(), (p) => p.material.triples(p, n));
    const bytes = (t: [Ring, Ring, Ring][]) =>
      t.map((party) => party.map((r) => Buffer.from(r.buffer, r.byteOffset, r.byteLength)));
    expect(bytes(pooled)).toEqual(bytes(inline));
    const [[a0, b0, c0], [a1, b1, c1]] = pooled as [[Ring, Ring, Ring], [Ring, Ring, Ring]];
    for (let i = 0; i < n; i++)
      expect(BigInt.asUintN(64, c0[i]! + c1[i]!)).toBe(
        BigInt.asUintN(64, (a0[i]! + a1[i]!) * (b0[i]! + b1[i]!)),
      );
    // A second batch under the same key reuses the pooled key's table.
    const again = await runLocalWith(mpc(), (p) => p.material.triples(p, 20), runner);
    expect(again[0]![2].length).toBe(20);
  }, 300_000);

  it('a runtime that resumes local work without its bytes is refused', () => {
    const g = localWork(
      'test',
      { op: 'paillierEncryptRing', publicKey: keys.publicKey, values: [] },
      () => new Uint8Array(0),
    );
    expect(g.next().value).toBeInstanceOf(LocalWork);
    expect(() => g.next([])).toThrow(MpcProtocolError);
  });
});
