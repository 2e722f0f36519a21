/**
 * The node's secrets at rest (issue 13 item 4): the TLS private key, the SM2 private key and the
 * admin token are sealed by suite — AES-256-GCM (`international`) or SM4-CTR + HMAC-SM3 (`gm`),
 * crypto/seal/at-rest.ts — under a key from the environment: FEDGRID_SEAL_KEY (32 bytes as 64
 * hex digits or base64) or FEDGRID_SEAL_PASSPHRASE (scrypt / PBKDF2-HMAC-SM3). Each file is bound
 * to its purpose (the AAD), so one sealed secret cannot be swapped for another. A sealed file
 * starts with the "FGSEAL1" header; an unsealed one (a node created without a sealing secret) is
 * read as before.
 */
import { readFile } from 'node:fs/promises';
import { openAtRest, parseSealKey, sealAtRest, type SealSecret } from '@fedgrid/crypto';
import { FedGridError } from '../errors/errors.js';
import { writeFileAtomic, type DataSealer } from './files.js';

/** Environment variable holding the 32-byte sealing key. */
export const SEAL_KEY_ENV = 'FEDGRID_SEAL_KEY';
/** Environment variable holding the sealing passphrase. */
export const SEAL_PASSPHRASE_ENV = 'FEDGRID_SEAL_PASSPHRASE';

const MAGIC = Buffer.from('FGSEAL1\0');

/** What a sealed secret file holds (bound into its authentication). */
export type SecretPurpose = 'tls-private-key' | 'sm2-private-key' | 'admin-token' | 'data-key';

/** Bytes of the data key that seals the node's data files. */
export const DATA_KEY_BYTES = 32;

/**
 * Seals the node's data files (model parameters, task outputs, dataset snapshots) with the
 * suite's cipher under the node's data key — a random 32-byte key made at init and itself kept
 * sealed under the environment's secret (`identity/data-key`), so a passphrase is stretched once
 * at start rather than for every file.
 */
export class FileSealer implements DataSealer {
  constructor(
    private readonly suite: 'international' | 'gm',
    private readonly key: Uint8Array,
  ) {}

  seal(data: Uint8Array): Uint8Array {
    return sealAtRest(this.suite, { key: this.key }, data, DATA_AAD);
  }

  /** @throws FedGridError UNAUTHORIZED for a sealed file that does not open (altered, other key). */
  open(data: Buffer, path: string): Buffer {
    if (!data.subarray(0, MAGIC.length).equals(MAGIC)) return data;
    try {
      return Buffer.from(openAtRest({ key: this.key }, data, DATA_AAD, { suite: this.suite }));
    } catch (err) {
      throw new FedGridError(
        'UNAUTHORIZED',
        `cannot open the sealed data file ${path}: ${(err as Error).message}`,
      );
    }
  }
}

const DATA_AAD = Buffer.from('node-data-file');

/**
 * The sealing secret from the environment, or undefined when neither variable is set.
 * @throws FedGridError VALIDATION_FAILED for a malformed key (the value is not echoed).
 */
export function sealSecretFromEnv(env: NodeJS.ProcessEnv = process.env): SealSecret | undefined {
  const key = env[SEAL_KEY_ENV];
  if (key) {
    try {
      return { key: parseSealKey(key) };
    } catch (err) {
      throw new FedGridError('VALIDATION_FAILED', `${SEAL_KEY_ENV}: ${(err as Error).message}`);
    }
  }
  const passphrase = env[SEAL_PASSPHRASE_ENV];
  return passphrase ? { passphrase } : undefined;
}

/**
 * A passphrase from a file (e.g. `--passphrase-file`, so that it is never a command-line argument
 * visible in the process list or shell history): the file's text without one trailing newline.
 * @throws FedGridError NOT_FOUND (unreadable) or VALIDATION_FAILED (empty); the content is never
 *   echoed.
 */
export async function readPassphraseFile(path: string): Promise<SealSecret> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new FedGridError(
      'NOT_FOUND',
      `cannot read the passphrase file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const passphrase = text.replace(/\r?\n$/, '');
  if (passphrase.length === 0)
    throw new FedGridError(
      'VALIDATION_FAILED',
      `the passphrase file ${path} is empty: write the passphrase on its first line`,
    );
  return { passphrase };
}

/** Writes a secret file (mode 0600), sealed when `seal` is given. */
export async function writeSecretFile(
  path: string,
  text: string,
  purpose: SecretPurpose,
  seal?: { suite: 'international' | 'gm'; secret: SealSecret },
): Promise<void> {
  if (!seal) return writeFileAtomic(path, text);
  const sealed = sealAtRest(
    seal.suite,
    seal.secret,
    Buffer.from(text, 'utf8'),
    Buffer.from(purpose),
  );
  await writeFileAtomic(path, Buffer.from(sealed));
}

/**
 * Reads a secret file, opening it when sealed.
 * @param opts.suite refuse a file sealed under another suite (no downgrade).
 * @throws FedGridError NOT_FOUND (unreadable), UNAUTHORIZED (sealed but no secret in the
 *   environment, or the secret does not open it — wrong key/passphrase or altered file).
 */
export async function readSecretFile(
  path: string,
  purpose: SecretPurpose,
  opts: { secret?: SealSecret; suite?: 'international' | 'gm' } = {},
): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new FedGridError('NOT_FOUND', `cannot read ${path}: ${(err as Error).message}`);
  }
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) return bytes.toString('utf8');
  if (!opts.secret)
    throw new FedGridError(
      'UNAUTHORIZED',
      `${path} is sealed at rest; set ${SEAL_KEY_ENV} (the 32-byte key) or ${SEAL_PASSPHRASE_ENV} to the secret the node was created with`,
    );
  try {
    return Buffer.from(
      openAtRest(opts.secret, bytes, Buffer.from(purpose), opts.suite ? { suite: opts.suite } : {}),
    ).toString('utf8');
  } catch (err) {
    throw new FedGridError(
      'UNAUTHORIZED',
      `cannot open the sealed ${purpose} in ${path}: ${(err as Error).message}; check ${SEAL_KEY_ENV} / ${SEAL_PASSPHRASE_ENV}`,
    );
  }
}
