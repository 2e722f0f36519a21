/** Reading and writing a node's identity files (key, certificate, admin token, SM2 identity). */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  issueSm2Certificate,
  readSm2Certificate,
  sm2GenerateKeyPair,
  sm2PublicKeyFromPrivate,
} from '@fedgrid/crypto';
import { certificateFingerprint, type TlsIdentity } from '@fedgrid/federation';
import { FedGridError } from '../errors/errors.js';
import { mkdirPrivate, writeFileAtomic } from '../storage/files.js';
import {
  readSecretFile,
  SEAL_KEY_ENV,
  SEAL_PASSPHRASE_ENV,
  writeSecretFile,
  type SecretPurpose,
} from '../storage/sealed-files.js';
import type { SealSecret } from '@fedgrid/crypto';

/**
 * Writes the identity files: directories 0700, files 0600 whatever the umask, each complete and
 * fsynced. Returns the new admin token.
 */
export async function writeIdentity(
  paths: { key: string; cert: string; adminToken: string },
  identity: TlsIdentity,
  seal?: SealOptions,
): Promise<string> {
  for (const p of [paths.key, paths.cert, paths.adminToken]) await mkdirPrivate(dirname(p));
  await writeSecretFile(paths.key, identity.keyPem, 'tls-private-key', seal);
  await writeFileAtomic(paths.cert, identity.certPem);
  const token = randomBytes(32).toString('base64url');
  await writeSecretFile(paths.adminToken, token + '\n', 'admin-token', seal);
  return token;
}

/** How secrets are sealed at rest: the suite's cipher under a secret from the environment. */
export interface SealOptions {
  suite: 'international' | 'gm';
  secret: SealSecret;
}

/** How secret files are read: `required` refuses unsealed ones (crypto.sealedSecrets). */
export interface UnsealOptions {
  suite?: 'international' | 'gm';
  secret?: SealSecret;
  required?: boolean;
}

async function readSecret(path: string, purpose: SecretPurpose, opts: UnsealOptions) {
  if (opts.required) {
    if (!opts.secret)
      throw new FedGridError(
        'UNAUTHORIZED',
        `this node's secrets are sealed at rest (crypto.sealedSecrets): set ${SEAL_KEY_ENV} or ${SEAL_PASSPHRASE_ENV} to the secret it was created with`,
      );
    if (await isPlain(path))
      throw new FedGridError(
        'UNAUTHORIZED',
        `${path} is not sealed although crypto.sealedSecrets is set: refusing a secret file that may have been replaced`,
      );
  }
  return readSecretFile(path, purpose, opts);
}

async function isPlain(path: string): Promise<boolean> {
  const head = (await readFile(path)).subarray(0, 7).toString('latin1');
  return head !== 'FGSEAL1';
}

export async function readIdentity(
  paths: {
    key: string;
    cert: string;
    adminToken: string;
  },
  unseal: UnsealOptions = {},
): Promise<{ identity: TlsIdentity; adminToken: string }> {
  try {
    const [keyPem, certPem, token] = await Promise.all([
      readSecret(paths.key, 'tls-private-key', unseal),
      readFile(paths.cert, 'utf8'),
      readSecret(paths.adminToken, 'admin-token', unseal),
    ]);
    return {
      identity: { keyPem, certPem, fingerprint: certificateFingerprint(certPem) },
      adminToken: token.trim(),
    };
  } catch (err) {
    if (err instanceof FedGridError && err.code === 'UNAUTHORIZED') throw err;
    throw new FedGridError(
      'NOT_FOUND',
      `cannot read the node identity (${(err as Error).message}); was the node created with \`fedgrid node init\`?`,
    );
  }
}

/** A `gm` node's SM2 identity (issue 13 item 4). */
export interface Sm2Identity {
  /** 32-byte private key d. */
  privateKey: Uint8Array;
  /** 65-byte public key 04‖x‖y, as its certificate states it. */
  publicKey: Uint8Array;
  /** Self-signed certificate, SM2-with-SM3 with the default user ID (PEM). */
  certPem: string;
}

/** Creates an SM2 key pair and its self-signed SM2-with-SM3 certificate naming `nodeId`. */
export function generateSm2Identity(nodeId: string): Sm2Identity {
  const kp = sm2GenerateKeyPair();
  const certPem = issueSm2Certificate({ commonName: nodeId, privateKey: kp.privateKey });
  return { ...kp, certPem };
}

/** Writes the SM2 key (hex, mode 0600) and certificate. */
export async function writeSm2Identity(
  paths: { sm2Key: string; sm2Cert: string },
  identity: Sm2Identity,
  seal?: SealOptions,
): Promise<void> {
  for (const p of [paths.sm2Key, paths.sm2Cert]) await mkdirPrivate(dirname(p));
  await writeSecretFile(
    paths.sm2Key,
    Buffer.from(identity.privateKey).toString('hex') + '\n',
    'sm2-private-key',
    seal,
  );
  await writeFileAtomic(paths.sm2Cert, identity.certPem);
}

/**
 * Reads a `gm` node's SM2 identity and checks that the certificate is a valid self-signed
 * SM2-with-SM3 certificate naming `nodeId` for the key in the key file.
 * @throws FedGridError NOT_FOUND (files missing) or VALIDATION_FAILED (what does not match).
 */
export async function readSm2Identity(
  paths: { sm2Key: string; sm2Cert: string },
  nodeId: string,
  unseal: UnsealOptions = {},
): Promise<Sm2Identity> {
  let keyText: string;
  let certPem: string;
  try {
    [keyText, certPem] = await Promise.all([
      readSecret(paths.sm2Key, 'sm2-private-key', unseal),
      readFile(paths.sm2Cert, 'utf8'),
    ]);
  } catch (err) {
    if (err instanceof FedGridError && err.code === 'UNAUTHORIZED') throw err;
    throw new FedGridError(
      'NOT_FOUND',
      `cannot read the node's SM2 identity (${(err as Error).message}); a node with crypto.suite 'gm' is created with \`fedgrid node init --suite gm\``,
    );
  }
  const hex = keyText.trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw new FedGridError(
      'VALIDATION_FAILED',
      `${paths.sm2Key} does not hold an SM2 private key (64 hex digits expected)`,
    );
  }
  const privateKey = new Uint8Array(Buffer.from(hex, 'hex'));
  let info: ReturnType<typeof readSm2Certificate>;
  try {
    info = readSm2Certificate(certPem);
  } catch (err) {
    throw new FedGridError('VALIDATION_FAILED', `${paths.sm2Cert}: ${(err as Error).message}`);
  }
  const publicKey = sm2PublicKeyFromPrivate(privateKey);
  if (info.commonName !== nodeId || !Buffer.from(publicKey).equals(Buffer.from(info.publicKey))) {
    throw new FedGridError(
      'VALIDATION_FAILED',
      `${paths.sm2Cert} is not the SM2 certificate of this node's SM2 key for node '${nodeId}'`,
    );
  }
  return { privateKey, publicKey, certPem };
}

/** Creates the node's data key (32 random bytes, hex) and writes it sealed. */
export async function writeDataKey(path: string, seal: SealOptions): Promise<void> {
  await mkdirPrivate(dirname(path));
  await writeSecretFile(path, randomBytes(32).toString('hex') + '\n', 'data-key', seal);
}

/**
 * Reads the node's data key (crypto.sealedSecrets only).
 * @throws FedGridError UNAUTHORIZED (no or wrong secret, unsealed or altered file), NOT_FOUND.
 */
export async function readDataKey(path: string, unseal: UnsealOptions): Promise<Uint8Array> {
  const hex = (await readSecret(path, 'data-key', { ...unseal, required: true })).trim();
  if (!/^[0-9a-f]{64}$/.test(hex))
    throw new FedGridError('VALIDATION_FAILED', `${path} does not hold a data key`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
