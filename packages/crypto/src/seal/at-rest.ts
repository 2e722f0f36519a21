/**
 * At-rest sealing by crypto suite (issue 13 item 4: private keys, tokens, model parameters,
 * snapshots and audit archives): `international` = AES-256-GCM, `gm` = SM4-CTR + HMAC-SM3
 * ({@link sm4Seal}), under a 32-byte key given directly (e.g. from the environment) or derived
 * from a passphrase (scrypt for `international`, PBKDF2-HMAC-SM3 for `gm`).
 *
 * Sealed layout (all of it authenticated; the header is the AAD prefix):
 *   header = "FGSEAL1\0" (8) ‖ suite (1: 1 international, 2 gm) ‖ key source (1: 0 key,
 *            1 passphrase) ‖ KDF cost (4, BE: scrypt log2 N or PBKDF2 iterations; 0 for a key)
 *            ‖ salt (16; zeros for a key)
 *   body   = international: IV (12) ‖ AES-256-GCM ciphertext ‖ tag (16)
 *            gm:            sm4Seal output (IV 16 ‖ ciphertext ‖ HMAC-SM3 tag 32)
 * Not wired into the node yet.
 */
import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import { sm4Open, sm4Seal } from '../sm/sm4.js';

/** A node's crypto suite. */
export type CryptoSuite = 'international' | 'gm';

/** Bytes of a sealing key. */
export const SEAL_KEY_BYTES = 32;

const MAGIC = new TextEncoder().encode('FGSEAL1\0');
const HEADER_BYTES = MAGIC.length + 1 + 1 + 4 + 16;
const SUITE_CODE: Record<CryptoSuite, number> = { international: 1, gm: 2 };
/** scrypt N = 2^15, r = 8, p = 1 (≈ 32 MiB, RFC 7914 interactive-login cost). */
const SCRYPT_LOG2N = 15;
/** PBKDF2-HMAC-SM3 iterations (OWASP's 2023 PBKDF2-HMAC-SHA256 figure). */
const PBKDF2_ITERATIONS = 600_000;

/** Where the key comes from: a 32-byte key, or a passphrase. */
export type SealSecret = { key: Uint8Array } | { passphrase: string };

function deriveKey(
  suite: CryptoSuite,
  passphrase: string,
  salt: Uint8Array,
  cost: number,
): Uint8Array {
  if (passphrase.length === 0) throw new RangeError('sealing passphrase must not be empty');
  return suite === 'international'
    ? new Uint8Array(
        scryptSync(passphrase, salt, SEAL_KEY_BYTES, {
          N: 2 ** cost,
          r: 8,
          p: 1,
          maxmem: 2 ** cost * 8 * 8 * 128 * 2,
        }),
      )
    : new Uint8Array(pbkdf2Sync(passphrase, salt, cost, SEAL_KEY_BYTES, 'sm3'));
}

/** A plain Uint8Array (not a Buffer, whose slice() would alias). */
function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function checkKey(key: Uint8Array): void {
  if (key.length !== SEAL_KEY_BYTES) {
    throw new RangeError(`sealing key must be ${SEAL_KEY_BYTES} bytes, got ${key.length}`);
  }
}

/**
 * Seals `plaintext` for storage.
 * @param suite `international` (AES-256-GCM) or `gm` (SM4-CTR + HMAC-SM3).
 * @param secret a 32-byte key, or a non-empty passphrase (a fresh 16-byte salt per call; the KDF
 *   costs ≈ 0.1–0.5 s by design).
 * @param aad context bound to the sealed bytes (e.g. the file's purpose), needed again to open.
 * @throws RangeError for a key that is not 32 bytes or an empty passphrase.
 */
export function sealAtRest(
  suite: CryptoSuite,
  secret: SealSecret,
  plaintext: Uint8Array,
  aad: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const header = new Uint8Array(HEADER_BYTES);
  header.set(MAGIC, 0);
  header[8] = SUITE_CODE[suite];
  let key: Uint8Array;
  if ('key' in secret) {
    checkKey(secret.key);
    key = secret.key;
  } else {
    const cost = suite === 'international' ? SCRYPT_LOG2N : PBKDF2_ITERATIONS;
    const salt = randomBytes(16);
    header[9] = 1;
    new DataView(header.buffer).setUint32(10, cost);
    header.set(salt, 14);
    key = deriveKey(suite, secret.passphrase, salt, cost);
  }
  const ad = Buffer.concat([header, aad]);
  if (suite === 'gm') return concat(header, sm4Seal(key, plaintext, ad));
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv).setAAD(ad);
  const ct = Buffer.concat([c.update(plaintext), c.final()]);
  return concat(header, iv, ct, c.getAuthTag());
}

/**
 * Opens a {@link sealAtRest} output.
 * @param secret the same key, or the same passphrase, as at sealing.
 * @param options.suite when given, refuse anything sealed under another suite (no downgrade).
 * @throws Error with a message saying what is wrong: not a sealed blob, another suite than
 *   required, a key where a passphrase was used (or the reverse), or failed authentication
 *   (wrong key/passphrase/AAD or altered bytes). Never returns unauthenticated bytes.
 */
export function openAtRest(
  secret: SealSecret,
  sealed: Uint8Array,
  aad: Uint8Array = new Uint8Array(0),
  options: { suite?: CryptoSuite } = {},
): Uint8Array {
  if (
    sealed.length < HEADER_BYTES ||
    !Buffer.from(sealed.subarray(0, MAGIC.length)).equals(Buffer.from(MAGIC))
  ) {
    throw new Error('not a FedGrid sealed blob (missing FGSEAL1 header)');
  }
  const header = sealed.subarray(0, HEADER_BYTES);
  const suite = (Object.keys(SUITE_CODE) as CryptoSuite[]).find((s) => SUITE_CODE[s] === header[8]);
  if (!suite) throw new Error(`sealed blob names an unknown suite code ${header[8]}`);
  if (options.suite && options.suite !== suite) {
    throw new Error(`sealed blob uses the ${suite} suite; this node requires ${options.suite}`);
  }
  const fromPassphrase = header[9] === 1;
  let key: Uint8Array;
  if ('key' in secret) {
    if (fromPassphrase) throw new Error('sealed blob was sealed with a passphrase, not a key');
    checkKey(secret.key);
    key = secret.key;
  } else {
    if (!fromPassphrase) throw new Error('sealed blob was sealed with a key, not a passphrase');
    const cost = new DataView(header.buffer, header.byteOffset).getUint32(10);
    const maxCost = suite === 'international' ? 20 : 10_000_000;
    if (cost < 1 || cost > maxCost)
      throw new Error(`sealed blob names an implausible KDF cost ${cost}`);
    key = deriveKey(suite, secret.passphrase, header.subarray(14, 30), cost);
  }
  const ad = Buffer.concat([header, aad]);
  const body = sealed.subarray(HEADER_BYTES);
  if (suite === 'gm') {
    try {
      return sm4Open(key, body, ad);
    } catch {
      throw new Error(
        'sealed blob failed authentication (wrong key or passphrase, wrong context, or altered bytes)',
      );
    }
  }
  if (body.length < 28) throw new Error('sealed blob is truncated');
  const d = createDecipheriv('aes-256-gcm', key, body.subarray(0, 12)).setAAD(ad);
  d.setAuthTag(body.subarray(body.length - 16));
  try {
    return new Uint8Array(
      Buffer.concat([d.update(body.subarray(12, body.length - 16)), d.final()]),
    );
  } catch {
    throw new Error(
      'sealed blob failed authentication (wrong key or passphrase, wrong context, or altered bytes)',
    );
  }
}

/**
 * Reads a 32-byte sealing key from text (e.g. an environment variable): 64 hex digits or the
 * base64 / base64url of 32 bytes.
 * @throws RangeError saying which forms are accepted (the text itself is not echoed).
 */
export function parseSealKey(text: string): Uint8Array {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return new Uint8Array(Buffer.from(t, 'hex'));
  if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(t)) {
    const b = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (b.length === SEAL_KEY_BYTES) return new Uint8Array(b);
  }
  throw new RangeError(
    'sealing key must be 32 bytes written as 64 hex digits or 43–44 base64 characters',
  );
}
