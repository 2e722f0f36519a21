/**
 * Worker-thread entry of {@link CryptoPool}: each export is one kind of task. Per-key objects
 * (arithmetic contexts, encryptors, decryptors) are cached per thread by key id.
 */
import { move } from 'piscina';
import { readBigUintLE, packBigUints, unpackBigUints } from '../kernels/bytes.js';
import { createModArith } from '../kernels/select.js';
import { hashToPoints } from '../ecdh/hash-to-point.js';
import { x25519Batch } from '../ecdh/x25519.js';
import { sm2HashToX, sm2MultiplyX } from '../ecdh/sm2.js';
import { buildPirTable, encodePirTable } from '../pir/table.js';
import { PaillierDecryptor } from '../paillier/decryptor.js';
import { PaillierEncryptor } from '../paillier/encryptor.js';
import { PaillierEvaluator } from '../paillier/evaluator.js';
import { CROSS_RHO_BYTES, paillierCrossTerms } from '../mpc/paillier-cross.js';
import { privateKeyFromJson, publicKeyFromJson, type PaillierPublicKey } from '../paillier/keys.js';
import type {
  AddTask,
  BuildTableTask,
  CiphertextsTask,
  DecryptTask,
  EncryptRingTask,
  EncryptTask,
  GilboaCrossTask,
  HashMultiplyTask,
  MultiExpTask,
  PaillierKeyRef,
  PirTableTask,
  Sm2MultiplyTask,
  X25519Task,
} from './tasks.js';

interface KeyState {
  key: PaillierPublicKey;
  encryptor: PaillierEncryptor;
  evaluator: PaillierEvaluator;
}

const keys = new Map<string, KeyState>();
const decryptors = new Map<string, PaillierDecryptor>();

function keyState(ref: PaillierKeyRef): KeyState {
  const cacheKey = `${ref.publicKey.n}:${ref.publicKey.hs}:${ref.window}`;
  let st = keys.get(cacheKey);
  if (!st) {
    const key = publicKeyFromJson(ref.publicKey);
    const arith = createModArith(key.nSquared);
    const encryptor = PaillierEncryptor.create(key, {
      arith,
      table: { data: ref.table, expBits: key.randomBits, window: ref.window },
    });
    st = { key, encryptor, evaluator: new PaillierEvaluator(key, arith) };
    keys.set(cacheKey, st);
  }
  return st;
}

export function pirBuildTable(task: PirTableTask): Uint8Array {
  const table = buildPirTable(task.key, task.keys, task.labels, task.labelBytes);
  return move(encodePirTable(table)) as unknown as Uint8Array;
}

export function x25519(task: X25519Task): Uint8Array {
  return move(x25519Batch(task.scalar, task.points)) as unknown as Uint8Array;
}

export function hashMultiply(task: HashMultiplyTask): Uint8Array {
  return move(x25519Batch(task.scalar, hashToPoints(task.ids))) as unknown as Uint8Array;
}

export function sm2Multiply(task: Sm2MultiplyTask): Uint8Array {
  return move(sm2MultiplyX(task.scalar, task.points)) as unknown as Uint8Array;
}

export function sm2HashMultiply(task: HashMultiplyTask): Uint8Array {
  return move(sm2MultiplyX(task.scalar, sm2HashToX(task.ids))) as unknown as Uint8Array;
}

export function paillierBuildTable(task: BuildTableTask): boolean {
  const key = publicKeyFromJson(task.publicKey);
  PaillierEncryptor.buildTable(key, task.window, task.table);
  return true;
}

export function paillierEncrypt(task: EncryptTask): Uint8Array {
  return move(
    keyState(task).encryptor.encrypt(task.values, task.fracBits),
  ) as unknown as Uint8Array;
}

export function paillierEncryptRing(task: EncryptRingTask): Uint8Array {
  const st = keyState(task);
  const w = Math.ceil(st.key.bits / 8);
  const count = task.ring.length / w;
  const ms = new Array<bigint>(count);
  for (let i = 0; i < count; i++) ms[i] = readBigUintLE(task.ring, i * w, w);
  return move(st.encryptor.encryptRing(ms)) as unknown as Uint8Array;
}

export function paillierRerandomize(task: CiphertextsTask): Uint8Array {
  return move(keyState(task).encryptor.rerandomize(task.cts)) as unknown as Uint8Array;
}

export function paillierAdd(task: AddTask): Uint8Array {
  return move(keyState(task).evaluator.add(task.a, task.b)) as unknown as Uint8Array;
}

export function paillierMultiExp(task: MultiExpTask): Uint8Array {
  return move(
    keyState(task).evaluator.dotColumns(task.cts, task.exps, task.columns),
  ) as unknown as Uint8Array;
}

/** Gilboa cross terms of dealer-free MPC triples: n × cipherBytes bytes. */
export function paillierGilboaCross(task: GilboaCrossTask): Uint8Array {
  const st = keyState(task);
  const rho = unpackBigUints(task.rho, CROSS_RHO_BYTES);
  return move(
    paillierCrossTerms(st.encryptor, st.evaluator, task.cts, task.a, task.b, rho),
  ) as unknown as Uint8Array;
}

/** Decrypts to ring elements, returned as count × nBytes little-endian bytes. */
export function paillierDecrypt(task: DecryptTask): Uint8Array {
  const cacheKey = `${task.privateKey.p}`;
  let dec = decryptors.get(cacheKey);
  if (!dec) {
    dec = new PaillierDecryptor(privateKeyFromJson(task.privateKey));
    decryptors.set(cacheKey, dec);
  }
  const w = Math.ceil(dec.privateKey.publicKey.bits / 8);
  return move(packBigUints(dec.decryptRing(task.cts), w)) as unknown as Uint8Array;
}

export { paillierBucketSum, paillierCompress, paillierProduct } from './histogram-tasks.js';
export { paillierInnerProduct } from './inner-product-task.js';
export { paillierCrtBuildTables, paillierCrtEncryptRing } from './crt-encrypt-task.js';
