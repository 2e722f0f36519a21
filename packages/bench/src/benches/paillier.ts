/**
 * `paillier.encrypt`, `paillier.decrypt`, `paillier.mul_scalar`: ours (batch API, one thread, on
 * the main thread) side by side with the npm package paillier-bigint (`@paillier-bigint`) under
 * the same key, on the same random 64-bit plaintexts and scalars; and ours on every core through
 * {@link CryptoPool} (`threads` in params).
 */
import {
  CryptoPool,
  generatePaillierKeyPair,
  modInverse,
  packBigUints,
  PaillierDecryptor,
  PaillierEncryptor,
  PaillierEvaluator,
  randomBits,
  type PaillierKeyPair,
} from '@fedgrid/crypto';
import * as pb from 'paillier-bigint';
import { measureRounds, timed, type Budget, type RoundsMeasured } from '../measure.js';
import { cpuFields, result, sig, type BenchResult } from '../report.js';

const PEER = 'paillier-bigint';
const UNIT = 'operations';

export interface PaillierBenchOptions {
  keyBits: number;
  /** Plaintexts per batch call of our single-threaded API. */
  batch: number;
  /** Budget of each of our single-threaded measurements (split into rounds; the median round counts). */
  ours: Budget & { rounds: number };
  /** Budget of each paillier-bigint measurement (it does ~20 encryptions/s: time, not count). */
  peer?: Budget & { rounds: number };
  /** Measure the pooled batch API on this many threads (with its batch size and budget). */
  pooled?: { threads: number; batch: number; budget: Budget & { rounds: number } };
  log?: (line: string) => void;
}

/** CPU figures of the median round and the rate of every round. */
function rounds(m: RoundsMeasured, threads: number): Record<string, unknown> {
  return { ...cpuFields(m.cpu, m.seconds, threads), round_rates: m.rates.map((r) => sig(r, 4)) };
}

/** n random 64-bit unsigned integers. */
function random64(n: number): bigint[] {
  return Array.from({ length: n }, () => randomBits(64));
}

function expectEqual(what: string, got: readonly bigint[], want: readonly bigint[]): void {
  if (got.length !== want.length)
    throw new Error(`${what}: ${got.length} results for ${want.length} inputs`);
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i])
      throw new Error(
        `${what}: wrong result at ${i} (${got[i]} ≠ ${want[i]}); the benchmark would measure a broken computation`,
      );
  }
}

/** Runs the Paillier benchmarks at one key length. */
export async function benchPaillier(opts: PaillierBenchOptions): Promise<BenchResult[]> {
  const log = opts.log ?? (() => {});
  const { keyBits, batch } = opts;
  const params = { key_bits: keyBits };
  const keygen = await timed(() => generatePaillierKeyPair(keyBits));
  const { publicKey: pub, privateKey: priv }: PaillierKeyPair = keygen.value;
  const n = pub.n;
  const w = pub.cipherBytes;
  const ms = random64(batch);
  const ks = random64(batch);
  const out: BenchResult[] = [];
  const mode = { threads: 1, thread: 'main' };

  // ---- ours, single-threaded, batch API ----
  const setup = await timed(() => PaillierEncryptor.create(pub));
  const enc = setup.value;
  const dec = new PaillierDecryptor(priv);
  const ev = new PaillierEvaluator(pub);
  enc.encryptRing(ms.slice(0, 16)); // warm-up
  let cts = enc.encryptRing(ms);
  expectEqual('our decryption of our encryption', dec.decryptRing(cts), ms);
  const oursEnc = await measureRounds(opts.ours, () => {
    cts = enc.encryptRing(ms);
    return batch;
  });
  log(`paillier.encrypt ${keyBits}: ${sig(oursEnc.ops / oursEnc.seconds, 3)}/s`);
  const oursDec = await measureRounds(opts.ours, () => dec.decryptRing(cts).length);
  log(`paillier.decrypt ${keyBits}: ${sig(oursDec.ops / oursDec.seconds, 3)}/s`);
  let prod = ev.mulScalar(cts, ks);
  expectEqual(
    'our mul_scalar',
    dec.decryptRing(prod),
    ms.map((m, i) => (m * (ks[i] as bigint)) % n),
  );
  const oursMul = await measureRounds(opts.ours, () => {
    prod = ev.mulScalar(cts, ks);
    return batch;
  });
  log(`paillier.mul_scalar ${keyBits}: ${sig(oursMul.ops / oursMul.seconds, 3)}/s`);

  // ---- paillier-bigint, the same key (g = n + 1, CRT decryption with p and q) ----
  let peer: { enc: number; dec: number; mul: number } | undefined;
  const peerEntries: BenchResult[] = [];
  if (opts.peer) {
    const lambda = (priv.p - 1n) * (priv.q - 1n);
    const pbPub = new pb.PublicKey(n, n + 1n);
    const pbPriv = new pb.PrivateKey(lambda, modInverse(lambda, n), pbPub, priv.p, priv.q);
    // Cross-checks: each implementation decrypts the other's ciphertexts.
    const sample = Math.min(8, batch);
    const ourCts = Array.from({ length: sample }, (_, i) => ev.at(cts, i));
    expectEqual(
      'paillier-bigint decrypting our ciphertexts',
      ourCts.map((c) => pbPriv.decrypt(c)),
      ms.slice(0, sample),
    );
    const theirs: bigint[] = [];
    let i = 0;
    const pEnc = await measureRounds(opts.peer, () => {
      theirs[i % batch] = pbPub.encrypt(ms[i % batch] as bigint);
      i++;
      return 1;
    });
    const encrypted = Math.min(i, batch);
    expectEqual(
      'our decryption of paillier-bigint ciphertexts',
      dec.decryptRing(packBigUints(theirs.slice(0, encrypted), w)),
      ms.slice(0, encrypted),
    );
    log(`paillier.encrypt@${PEER} ${keyBits}: ${sig(pEnc.ops / pEnc.seconds, 3)}/s`);
    i = 0;
    const decrypted: bigint[] = [];
    const pDec = await measureRounds(opts.peer, () => {
      decrypted[i % encrypted] = pbPriv.decrypt(theirs[i % encrypted] as bigint);
      i++;
      return 1;
    });
    expectEqual('paillier-bigint decryption', decrypted, ms.slice(0, decrypted.length));
    log(`paillier.decrypt@${PEER} ${keyBits}: ${sig(pDec.ops / pDec.seconds, 3)}/s`);
    i = 0;
    let last = 0n;
    const pMul = await measureRounds(opts.peer, () => {
      last = pbPub.multiply(theirs[i % encrypted] as bigint, ks[i % encrypted] as bigint);
      i++;
      return 1;
    });
    const j = (i - 1) % encrypted;
    if (pbPriv.decrypt(last) !== ((ms[j] as bigint) * (ks[j] as bigint)) % n)
      throw new Error('paillier-bigint mul_scalar result is wrong');
    log(`paillier.mul_scalar@${PEER} ${keyBits}: ${sig(pMul.ops / pMul.seconds, 3)}/s`);
    peer = {
      enc: pEnc.ops / pEnc.seconds,
      dec: pDec.ops / pDec.seconds,
      mul: pMul.ops / pMul.seconds,
    };
    const peerExtra = {
      ...mode,
      implementation: 'paillier-bigint 3.4.3: g^m·r^n mod n², CRT decryption (p, q given)',
    };
    peerEntries.push(
      result(`paillier.encrypt@${PEER}`, params, pEnc.seconds, pEnc.ops, UNIT, {
        ...peerExtra,
        ...rounds(pEnc, 1),
      }),
      result(`paillier.decrypt@${PEER}`, params, pDec.seconds, pDec.ops, UNIT, {
        ...peerExtra,
        ...rounds(pDec, 1),
      }),
      result(`paillier.mul_scalar@${PEER}`, params, pMul.seconds, pMul.ops, UNIT, {
        ...peerExtra,
        ...rounds(pMul, 1),
      }),
    );
  }
  const vs = (ours: number, theirs: number | undefined) =>
    theirs ? { [`vs_${PEER}`]: sig(ours / theirs, 3) } : {};
  out.push(
    result('paillier.encrypt', params, oursEnc.seconds, oursEnc.ops, UNIT, {
      ...mode,
      batch,
      setup_seconds: sig(setup.seconds, 3),
      keygen_seconds: sig(keygen.seconds, 3),
      ...vs(oursEnc.ops / oursEnc.seconds, peer?.enc),
      ...rounds(oursEnc, 1),
    }),
    ...peerEntries.slice(0, 1),
    result('paillier.decrypt', params, oursDec.seconds, oursDec.ops, UNIT, {
      ...mode,
      batch,
      ...vs(oursDec.ops / oursDec.seconds, peer?.dec),
      ...rounds(oursDec, 1),
    }),
    ...peerEntries.slice(1, 2),
    result('paillier.mul_scalar', params, oursMul.seconds, oursMul.ops, UNIT, {
      ...mode,
      batch,
      scalar_bits: 64,
      ...vs(oursMul.ops / oursMul.seconds, peer?.mul),
      ...rounds(oursMul, 1),
    }),
    ...peerEntries.slice(2),
  );

  // ---- ours on every core: CryptoPool + PooledPaillier ----
  if (opts.pooled) {
    const { threads, budget } = opts.pooled;
    const big = random64(opts.pooled.batch);
    const pool = new CryptoPool({ threads });
    try {
      const pooledSetup = await timed(() => pool.paillier(pub));
      const pp = pooledSetup.value;
      let pcts = await pp.encryptRing(big); // warm-up, and the ciphertexts to decrypt
      expectEqual('pooled decryption of pooled encryption', await pp.decryptRing(priv, pcts), big);
      const pEnc = await measureRounds(budget, async () => {
        pcts = await pp.encryptRing(big);
        return big.length;
      });
      log(`paillier.encrypt ${keyBits} ×${threads}: ${sig(pEnc.ops / pEnc.seconds, 3)}/s`);
      const pDec = await measureRounds(
        budget,
        async () => (await pp.decryptRing(priv, pcts)).length,
      );
      log(`paillier.decrypt ${keyBits} ×${threads}: ${sig(pDec.ops / pDec.seconds, 3)}/s`);
      const pparams = { key_bits: keyBits, threads };
      const extra = { batch: big.length, api: 'CryptoPool + PooledPaillier' };
      out.push(
        result('paillier.encrypt', pparams, pEnc.seconds, pEnc.ops, UNIT, {
          ...extra,
          setup_seconds: sig(pooledSetup.seconds, 3),
          ...vs(pEnc.ops / pEnc.seconds, peer?.enc),
          ...rounds(pEnc, threads),
        }),
        result('paillier.decrypt', pparams, pDec.seconds, pDec.ops, UNIT, {
          ...extra,
          ...vs(pDec.ops / pDec.seconds, peer?.dec),
          ...rounds(pDec, threads),
        }),
      );
    } finally {
      await pool.close();
    }
  }
  return out;
}
