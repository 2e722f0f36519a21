/**
 * Runs the MPC engine's {@link LocalWork} (the Paillier operations of dealer-free triples,
 * mpc/material.ts) on a {@link CryptoPool}: the work leaves the event loop, is split by elements
 * across the pool's threads and — when the pool has an offload (a node run as several
 * processes, batch-offload.ts) — across the node's other worker processes.
 *
 * What may leave the process: the encryptions of the key owner's shares a0, b0
 * (`paillierEncryptRing`: the public key and those shares) and the other party's cross terms
 * (`paillierGilboaCross`: the public key, the key owner's ciphertexts, this party's shares a1, b1
 * and masks ρ of the chunk's triples). The decryption of the cross terms needs the per-job
 * private key and runs on this process's threads only (`paillierDecrypt` is not offloadable).
 * Results are the bytes {@link LocalWork.compute} returns, up to the randomisers of fresh
 * ciphertexts (their plaintexts, and so every triple share, are the same).
 */
import { packBigUints } from '../kernels/bytes.js';
import { CROSS_RHO_BYTES } from '../mpc/paillier-cross.js';
import { low64 } from '../mpc/material.js';
import type { LocalWork, MpcWorkRequest, MpcWorkRunner } from '../mpc/work.js';
import type { PaillierPublicKey } from '../paillier/keys.js';
import type { CryptoPool, PooledPaillier } from './crypto-pool.js';

type Handler<R extends MpcWorkRequest> = (runner: PooledMpcWork, request: R) => Promise<Uint8Array>;
type Handlers = { [Op in MpcWorkRequest['op']]: Handler<Extract<MpcWorkRequest, { op: Op }>> };

const HANDLERS: Handlers = {
  async paillierEncryptRing(runner, r) {
    return (await runner.paillier(r.publicKey)).encryptRing(r.values);
  },
  async paillierDecryptLow64(runner, r) {
    const p = await runner.paillier(r.privateKey.publicKey);
    return low64(await p.decryptRing(r.privateKey, r.cts));
  },
  async paillierGilboaCross(runner, r) {
    const p = await runner.paillier(r.publicKey);
    const w = p.cipherBytes;
    const n = r.rho.length;
    if (r.a.length !== n || r.b.length !== n || r.cts.length !== 2 * n * w)
      throw new RangeError(
        `cross terms of ${n} triples need ${n} shares of a and b and ${2 * n} ciphertexts; got ${r.a.length}, ${r.b.length} and ${r.cts.length / w}`,
      );
    const rho = packBigUints(r.rho, CROSS_RHO_BYTES);
    return runner.pool.map('paillierGilboaCross', n, (s, e) => {
      // [[a0]] and [[b0]] of the chunk's range, copied (a subarray would carry the whole batch).
      const cts = new Uint8Array(2 * (e - s) * w);
      cts.set(r.cts.subarray(s * w, e * w), 0);
      cts.set(r.cts.subarray((n + s) * w, (n + e) * w), (e - s) * w);
      return {
        ...p.keyRef,
        cts,
        a: r.a.slice(s, e),
        b: r.b.slice(s, e),
        rho: rho.slice(s * CROSS_RHO_BYTES, e * CROSS_RHO_BYTES),
      };
    });
  },
};

/** {@link MpcWorkRunner} on a crypto pool; one per MPC session (it caches per-key tables). */
export class PooledMpcWork implements MpcWorkRunner {
  readonly #keys = new Map<bigint, Promise<PooledPaillier>>();

  constructor(readonly pool: CryptoPool) {}

  /** The pooled key (its fixed-base table is built once per key, on a pool thread). */
  paillier(publicKey: PaillierPublicKey): Promise<PooledPaillier> {
    let p = this.#keys.get(publicKey.n);
    if (!p) {
      p = this.pool.paillier(publicKey);
      this.#keys.set(publicKey.n, p);
      p.catch(() => this.#keys.delete(publicKey.n));
    }
    return p;
  }

  /**
   * @throws RangeError for inconsistent sizes; the pool's errors (a failed chunk, a stopping
   *   process).
   */
  run(work: LocalWork): Promise<Uint8Array> {
    const handler = HANDLERS[work.request.op] as Handler<MpcWorkRequest>;
    return handler(this, work.request);
  }
}
