/**
 * Worker-thread side of {@link PooledCrtEncryptor}: builds the CRT tables into shared memory and
 * encrypts chunks of ring plaintexts. Encryptors are cached per thread by key and window.
 */
import { move } from 'piscina';
import { readBigUintLE } from '../kernels/bytes.js';
import { PaillierCrtEncryptor } from '../paillier/crt-encryptor.js';
import { privateKeyFromJson, type PaillierPrivateKeyJson } from '../paillier/keys.js';

/** A private key and its CRT tables (on SharedArrayBuffers). */
export interface CrtKeyRef {
  privateKey: PaillierPrivateKeyJson;
  tableP: Uint8Array;
  tableQ: Uint8Array;
  window: number;
}

export interface CrtEncryptTask extends CrtKeyRef {
  /** Plaintexts in [0, n), count × ⌈bits(n)/8⌉ little-endian bytes. */
  ring: Uint8Array;
}

const cache = new Map<string, PaillierCrtEncryptor>();

function encryptorFor(ref: CrtKeyRef): PaillierCrtEncryptor {
  const key = `${ref.privateKey.p}:${ref.window}`;
  let enc = cache.get(key);
  if (!enc) {
    const privateKey = privateKeyFromJson(ref.privateKey);
    const expBits = privateKey.publicKey.randomBits;
    enc = PaillierCrtEncryptor.create(privateKey, {
      tables: {
        p: { data: ref.tableP, expBits, window: ref.window },
        q: { data: ref.tableQ, expBits, window: ref.window },
      },
    });
    cache.set(key, enc);
  }
  return enc;
}

export function paillierCrtBuildTables(task: CrtKeyRef): boolean {
  PaillierCrtEncryptor.buildTables(privateKeyFromJson(task.privateKey), task.window, {
    p: task.tableP,
    q: task.tableQ,
  });
  return true;
}

export function paillierCrtEncryptRing(task: CrtEncryptTask): Uint8Array {
  const enc = encryptorFor(task);
  const w = Math.ceil(enc.privateKey.publicKey.bits / 8);
  const count = task.ring.length / w;
  const ms = new Array<bigint>(count);
  for (let i = 0; i < count; i++) ms[i] = readBigUintLE(task.ring, i * w, w);
  return move(enc.encryptRing(ms)) as unknown as Uint8Array;
}
