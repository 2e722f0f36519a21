/** Reading and writing a node's identity files (key, certificate, admin token). */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { certificateFingerprint, type TlsIdentity } from '@fedgrid/federation';
import { FedGridError } from '../errors/errors.js';
import { mkdirPrivate, writeFileAtomic } from '../storage/files.js';

/**
 * Writes the identity files: directories 0700, files 0600 whatever the umask, each complete and
 * fsynced. Returns the new admin token.
 */
export async function writeIdentity(
  paths: { key: string; cert: string; adminToken: string },
  identity: TlsIdentity,
): Promise<string> {
  for (const p of [paths.key, paths.cert, paths.adminToken]) await mkdirPrivate(dirname(p));
  await writeFileAtomic(paths.key, identity.keyPem);
  await writeFileAtomic(paths.cert, identity.certPem);
  const token = randomBytes(32).toString('base64url');
  await writeFileAtomic(paths.adminToken, token + '\n');
  return token;
}

export async function readIdentity(paths: {
  key: string;
  cert: string;
  adminToken: string;
}): Promise<{ identity: TlsIdentity; adminToken: string }> {
  try {
    const [keyPem, certPem, token] = await Promise.all([
      readFile(paths.key, 'utf8'),
      readFile(paths.cert, 'utf8'),
      readFile(paths.adminToken, 'utf8'),
    ]);
    return {
      identity: { keyPem, certPem, fingerprint: certificateFingerprint(certPem) },
      adminToken: token.trim(),
    };
  } catch (err) {
    throw new FedGridError(
      'NOT_FOUND',
      `cannot read the node identity (${(err as Error).message}); was the node created with \`fedgrid node init\`?`,
    );
  }
}
