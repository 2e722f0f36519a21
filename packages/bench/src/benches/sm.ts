/**
 * The SM suite's primitives, single-threaded: `sm2.sign` and `sm2.verify` (GM/T 0003.2 with the
 * default user ID, ZA included in every operation) and `sm4.encrypt` (authenticated SM4:
 * SM4-CTR + HMAC-SM3, the form the `gm` suite uses for payloads).
 */
import { randomBytes } from 'node:crypto';
import { sm2GenerateKeyPair, sm2Sign, sm2Verify, sm4Seal } from '@fedgrid/crypto';
import { measureForSync } from '../measure.js';
import { cpuFields, result, sig, type BenchResult } from '../report.js';

export interface SmBenchOptions {
  /** Seconds per measured primitive. */
  minSeconds: number;
  /** Message bytes signed/verified. @default 1024 */
  signBytes?: number;
  /** Plaintext bytes per SM4 seal. @default 1 MiB */
  sm4Bytes?: number;
}

/**
 * Measures SM2 sign/verify on `signBytes`-byte messages and SM4 sealing of `sm4Bytes` buffers.
 * @throws Error if a produced signature does not verify (a benchmark of a wrong result is worthless).
 */
export function benchSm(options: SmBenchOptions): BenchResult[] {
  const signBytes = options.signBytes ?? 1024;
  const sm4Bytes = options.sm4Bytes ?? 1 << 20;
  const budget = { minSeconds: options.minSeconds, minOps: 20 };
  const kp = sm2GenerateKeyPair();
  const msg = new Uint8Array(randomBytes(signBytes));
  let signature = sm2Sign(kp.privateKey, msg, { publicKey: kp.publicKey });
  if (!sm2Verify(kp.publicKey, msg, signature))
    throw new Error('sm2.sign produced a bad signature');

  const signRun = measureForSync(budget, () => {
    signature = sm2Sign(kp.privateKey, msg, { publicKey: kp.publicKey });
    return 1;
  });
  let ok = true;
  const verifyRun = measureForSync(budget, () => {
    ok = sm2Verify(kp.publicKey, msg, signature) && ok;
    return 1;
  });
  if (!ok) throw new Error('sm2.verify rejected a valid signature');

  const key = new Uint8Array(randomBytes(32));
  const plain = new Uint8Array(randomBytes(sm4Bytes));
  const sealRun = measureForSync({ minSeconds: options.minSeconds, minOps: 5 }, () => {
    sm4Seal(key, plain);
    return 1;
  });
  return [
    result('sm2.sign', { bytes: signBytes }, signRun.seconds, signRun.ops, 'operations', {
      backend: '@noble/curves arithmetic + SM3 (node:crypto)',
      ...cpuFields(signRun.cpu, signRun.seconds, 1),
    }),
    result('sm2.verify', { bytes: signBytes }, verifyRun.seconds, verifyRun.ops, 'operations', {
      backend: '@noble/curves arithmetic + SM3 (node:crypto)',
      ...cpuFields(verifyRun.cpu, verifyRun.seconds, 1),
    }),
    result('sm4.encrypt', { bytes: sm4Bytes }, sealRun.seconds, sealRun.ops * sm4Bytes, 'bytes', {
      mode: 'sm4-ctr+hmac-sm3',
      mb_per_second: sig((sealRun.ops * sm4Bytes) / sealRun.seconds / 1e6, 4),
      ...cpuFields(sealRun.cpu, sealRun.seconds, 1),
    }),
  ];
}
