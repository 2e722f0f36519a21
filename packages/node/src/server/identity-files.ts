/** Reading and writing a node's identity files (key, certificate, admin token). */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { certificateFingerprint, type TlsIdentity } from '@fedgrid/federation';
import { FedGridError } from '../errors/errors.js';

export async function writeIdentity(
  paths: { key: string; cert: string; adminToken: string },
  identity: TlsIdentity,
): Promise<string> {
  await mkdir(dirname(paths.key), { recursive: true, mode: 0o700 });
  await writeFile(paths.key, identity.keyPem, { mode: 0o600, flag: 'wx' });
  await writeFile(paths.cert, identity.certPem, { mode: 0o644, flag: 'wx' });
  const token = randomBytes(32).toString('base64url');
  await writeFile(paths.adminToken, token + '\n', { mode: 0o600, flag: 'wx' });
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
