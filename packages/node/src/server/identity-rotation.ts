/**
 * `fedgrid node rotate-cert` and `fedgrid node rotate-admin-token` (issue 16): replace a stopped
 * node's identity files in place — the TLS key and self-signed certificate (and, under the `gm`
 * suite, the SM2 key and SM2-with-SM3 certificate), or the admin token — made exactly as
 * `node init` makes them, sealed at rest when the node seals its secrets (crypto.sealedSecrets),
 * each file written completely under a temporary name and renamed into place (mode 0600).
 *
 * Both refuse, before writing anything, a node that runs (its directory's lock is held by a live
 * process; for certificates also a PostgreSQL schema held by any process of the node) and a
 * sealed node whose sealing secret is missing or does not open its current files.
 *
 * Partners pin the certificate's fingerprint (and the SM2 certificate under `gm`) in their
 * contracts: after a certificate rotation each active contract is replaced by a new proposal
 * naming it (`fedgrid contract propose … --replaces <id>`), confirmed by the partner after it
 * checked the new fingerprint out of band (docs/objects/contract.md).
 */
import { createHash, randomBytes } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SealSecret } from '@fedgrid/crypto';
import { generateIdentity } from '@fedgrid/federation';
import { auditHashAlgForSuite } from '../audit/audit-hash.js';
import { AuditService } from '../audit/audit.service.js';
import { loadConfig, resolveDatabaseUrl, type LoadedConfig } from '../config/config.js';
import { FedGridError } from '../errors/errors.js';
import { openStore } from '../storage/db.js';
import { writeFileAtomic } from '../storage/files.js';
import { lockNodeDir, type NodeLock } from '../storage/node-lock.js';
import {
  SEAL_KEY_ENV,
  SEAL_PASSPHRASE_ENV,
  sealSecretFromEnv,
  writeSecretFile,
} from '../storage/sealed-files.js';
import {
  generateSm2Identity,
  readDataKey,
  readIdentity,
  readSm2Identity,
  writeSm2Identity,
  type SealOptions,
  type UnsealOptions,
} from './identity-files.js';

export interface RotateOptions {
  /** Node directory. */
  dir: string;
  /**
   * The sealing secret of a node with crypto.sealedSecrets.
   * @default the FEDGRID_SEAL_KEY / FEDGRID_SEAL_PASSPHRASE environment variable
   */
  sealSecret?: SealSecret;
  /** PostgreSQL URL overriding the node's configuration (as `node start --database-url`). */
  databaseUrl?: string;
  /** PostgreSQL schema overriding the node's configuration. */
  databaseSchema?: string;
}

/** One rotated certificate: fingerprints (SHA-256, "AB:CD:…") and where the old pair is kept. */
export interface RotatedPair {
  oldFingerprint: string;
  newFingerprint: string;
  /** The old key and certificate files, as they were (still sealed when they were). */
  previous: { key: string; cert: string };
}

/** An active contract the new certificate must be re-pinned in. */
export interface ContractToReplace {
  id: string;
  peerNodeId: string;
  peerApiUrl: string;
  peerFingerprint: string;
}

export interface RotateCertResult {
  dir: string;
  nodeId: string;
  suite: 'international' | 'gm';
  /** Whether the new private keys are sealed at rest. */
  sealed: boolean;
  tls: RotatedPair;
  /** The SM2 identity (a `gm` node only). */
  sm2?: RotatedPair;
  /** The active contracts, or null when the store could not be read (see `contractsError`). */
  contracts: ContractToReplace[] | null;
  contractsError?: string;
  /**
   * The relays this node dials (`relays` in fedgrid.yaml): each must learn the new fingerprint
   * (`fedgrid relay add-node`) before the node starts with it.
   */
  relays: string[];
  /** Why the rotation could not be recorded in the audit log (the files are rotated anyway). */
  auditError?: string;
}

export interface RotateAdminTokenResult {
  dir: string;
  nodeId: string;
  /** The new admin token (shown once; kept only in the token file). */
  adminToken: string;
  file: string;
  sealed: boolean;
}

/** The SHA-256 fingerprint of a PEM certificate's DER, "AB:CD:…" (also for SM2 certificates). */
export function pemFingerprint(certPem: string): string {
  const body = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(certPem)?.[1];
  if (!body) throw new FedGridError('VALIDATION_FAILED', 'not a PEM certificate');
  const hex = createHash('sha256')
    .update(Buffer.from(body.replace(/\s+/g, ''), 'base64'))
    .digest('hex')
    .toUpperCase();
  return hex.match(/../g)!.join(':');
}

/** A file-name suffix for the files kept for rollback: `.previous-20261208T013000Z`. */
function previousSuffix(now: Date): string {
  return `.previous-${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}`;
}

/**
 * Loads the node's configuration, the sealing options and the directory's lock.
 * @throws FedGridError UNAUTHORIZED (sealed node, no secret), NODE_LOCKED (the node runs).
 */
async function prepare(
  opts: RotateOptions,
  what: string,
): Promise<{ loaded: LoadedConfig; unseal: UnsealOptions; seal?: SealOptions; lock: NodeLock }> {
  const loaded = await loadConfig(opts.dir);
  const { config } = loaded;
  const sealed = config.crypto.sealedSecrets;
  const secret = sealed ? (opts.sealSecret ?? sealSecretFromEnv()) : undefined;
  if (sealed && !secret)
    throw new FedGridError(
      'UNAUTHORIZED',
      `node '${config.node.id}' seals its secrets at rest (crypto.sealedSecrets): set ${SEAL_KEY_ENV} or ${SEAL_PASSPHRASE_ENV} to the secret it was created with, so that the new ${what} is sealed too; nothing was changed`,
    );
  const suite = config.crypto.suite;
  const unseal: UnsealOptions = { suite, required: sealed, ...(secret ? { secret } : {}) };
  let lock: NodeLock;
  try {
    lock = await lockNodeDir(loaded.dir);
  } catch (err) {
    if (err instanceof FedGridError && err.code === 'NODE_LOCKED')
      throw new FedGridError(
        'NODE_LOCKED',
        `${err.message}. The ${what} is rotated while the node is stopped (it reads its identity at start); nothing was changed`,
        err.details,
      );
    throw err;
  }
  return { loaded, unseal, ...(secret ? { seal: { suite, secret } } : {}), lock };
}

/**
 * Copies `path` byte for byte to `path + suffix` (mode 0600), or to `path + suffix + '-2'`, … when
 * that name is taken (two rotations within a second must not overwrite the first one's rollback
 * copy), and returns the copy's path.
 */
async function keepPrevious(path: string, suffix: string): Promise<string> {
  let copy = path + suffix;
  for (let n = 2; await exists(copy); n++) copy = `${path}${suffix}-${n}`;
  await writeFileAtomic(copy, await readFile(path));
  return copy;
}

function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Replaces the node's TLS identity (ECDSA P-256 key and self-signed certificate for the same
 * node id, as `node init` makes them) and, on a `gm` node, its SM2 identity. The node must be
 * stopped. The old files are kept beside the new ones (`<file>.previous-<UTC time>`), byte for
 * byte; the new private keys are sealed under the node's suite when it seals its secrets. A
 * rotation is recorded in the node's audit log when its store opens.
 *
 * Order: everything that can refuse (secret, lock, current files, store lock) runs before any
 * write; then the old files are copied, then the new ones renamed into place (if one of these
 * writes fails, the old files are written back).
 *
 * @throws FedGridError UNAUTHORIZED (a sealed node without the right secret), NODE_LOCKED (the
 *   node runs: its directory's lock, or its PostgreSQL schema held by a replica), NOT_FOUND /
 *   VALIDATION_FAILED (no readable identity or configuration). Nothing is written then.
 */
export async function rotateNodeCertificate(opts: RotateOptions): Promise<RotateCertResult> {
  const { loaded, unseal, seal, lock } = await prepare(opts, 'certificate');
  const { config, paths } = loaded;
  const nodeId = config.node.id;
  const suite = config.crypto.suite;
  try {
    // Opens the current files: a wrong secret or a replaced file is refused here.
    const current = await readIdentity(paths, unseal);
    const currentSm2 = suite === 'gm' ? await readSm2Identity(paths, nodeId, unseal) : undefined;
    const store = await openContracts(loaded, opts, 'certificate');
    try {
      const identity = await generateIdentity(nodeId);
      const sm2 = suite === 'gm' ? generateSm2Identity(nodeId) : undefined;
      const suffix = previousSuffix(new Date());
      const files = [paths.key, paths.cert, ...(sm2 ? [paths.sm2Key, paths.sm2Cert] : [])];
      const originals = await Promise.all(files.map((f) => readFile(f)));
      const kept: string[] = [];
      for (const f of files) kept.push(await keepPrevious(f, suffix));
      try {
        await writeSecretFile(paths.key, identity.keyPem, 'tls-private-key', seal);
        await writeFileAtomic(paths.cert, identity.certPem);
        if (sm2) await writeSm2Identity(paths, sm2, seal);
      } catch (err) {
        // Put the old identity back so that the node starts as before.
        for (const [i, f] of files.entries()) await writeFileAtomic(f, originals[i]!);
        throw err;
      }
      const result: RotateCertResult = {
        dir: loaded.dir,
        nodeId,
        suite,
        sealed: seal !== undefined,
        tls: {
          oldFingerprint: current.identity.fingerprint,
          newFingerprint: identity.fingerprint,
          previous: { key: kept[0]!, cert: kept[1]! },
        },
        ...(sm2 && currentSm2
          ? {
              sm2: {
                oldFingerprint: pemFingerprint(currentSm2.certPem),
                newFingerprint: pemFingerprint(sm2.certPem),
                previous: { key: kept[2]!, cert: kept[3]! },
              },
            }
          : {}),
        contracts: store.contracts,
        relays: config.relays.map((r) => r.address),
        ...(store.error ? { contractsError: store.error } : {}),
      };
      // The files are replaced: an audit log that cannot be written is reported, not fatal.
      await store
        .audit?.({
          actorKind: 'system',
          actorId: 'node rotate-cert',
          action: 'rotate certificate',
          objectType: 'node',
          objectId: nodeId,
          outcome: 'success',
          details: {
            oldFingerprint: result.tls.oldFingerprint,
            newFingerprint: result.tls.newFingerprint,
            ...(result.sm2
              ? {
                  oldSm2Fingerprint: result.sm2.oldFingerprint,
                  newSm2Fingerprint: result.sm2.newFingerprint,
                }
              : {}),
          },
        })
        .catch((err: Error) => {
          result.auditError = err.message;
        });
      return result;
    } finally {
      await store.close();
    }
  } finally {
    await lock.release();
  }
}

/**
 * Opens the node's store (stopped node) for its active contracts and the audit log. The
 * exclusive PostgreSQL schema lock also refuses a node run as replicas and workers, which do not
 * hold the directory's lock. A store that cannot be read (database down, embedded store missing)
 * is reported, not fatal: the rotation needs only the files.
 */
async function openContracts(
  loaded: LoadedConfig,
  opts: RotateOptions,
  what: string,
): Promise<{
  contracts: ContractToReplace[] | null;
  error?: string;
  audit?: (e: Parameters<AuditService['record']>[0]) => Promise<void>;
  close: () => Promise<void>;
}> {
  const { config, paths } = loaded;
  const none = async () => {};
  const databaseUrl = await resolveDatabaseUrl(loaded, opts.databaseUrl);
  if (!databaseUrl) {
    if (!(await exists(join(paths.dataDir, 'pglite', 'PG_VERSION'))))
      return {
        contracts: null,
        error: `no embedded store in ${paths.dataDir}`,
        close: none,
      };
  }
  const schema = opts.databaseSchema ?? config.storage.databaseSchema;
  let store;
  try {
    store = await openStore({
      dataDir: paths.dataDir,
      ...(databaseUrl ? { databaseUrl } : {}),
      ...(schema ? { databaseSchema: schema } : {}),
      lock: true,
    });
  } catch (err) {
    if (err instanceof FedGridError && err.code === 'NODE_LOCKED')
      throw new FedGridError(
        'NODE_LOCKED',
        `${err.message}; the node's processes (replicas, workers) are running: stop them all before rotating its ${what}; nothing was changed`,
        err.details,
      );
    return { contracts: null, error: (err as Error).message, close: none };
  }
  const opened = store;
  try {
    const rows = await opened.db
      .selectFrom('contracts')
      .select(['id', 'peer_node_id', 'peer_api_url', 'peer_fingerprint'])
      .where('status', '=', 'active')
      .orderBy('peer_node_id')
      .execute();
    const audit = new AuditService(
      opened.db,
      config.node.id,
      auditHashAlgForSuite(config.crypto.suite),
    );
    return {
      contracts: rows.map((r) => ({
        id: r.id,
        peerNodeId: r.peer_node_id,
        peerApiUrl: r.peer_api_url,
        peerFingerprint: r.peer_fingerprint,
      })),
      audit: (e) => audit.record(e),
      close: () => opened.close(),
    };
  } catch (err) {
    await opened.close().catch(() => {});
    return { contracts: null, error: (err as Error).message, close: none };
  }
}

/**
 * Replaces the node's admin token (32 random bytes, base64url) — sealed at rest when the node
 * seals its secrets — while the node is stopped; the old token stops working when it starts.
 * The old token is not kept (a token has nothing to roll back to).
 *
 * @throws FedGridError UNAUTHORIZED (a sealed node without the right secret: checked on its
 *   sealed data key), NODE_LOCKED (the node runs: its directory's lock, or its PostgreSQL schema
 *   held by a replica or worker), NOT_FOUND (no identity). Nothing is written then.
 */
export async function rotateAdminToken(opts: RotateOptions): Promise<RotateAdminTokenResult> {
  const { loaded, unseal, seal, lock } = await prepare(opts, 'admin token');
  try {
    const { paths, config } = loaded;
    // Replicas and workers on PostgreSQL hold the schema, not the directory's lock.
    if (await resolveDatabaseUrl(loaded, opts.databaseUrl))
      await (await openContracts(loaded, opts, 'admin token')).close();
    // The secret must be the node's own: a token sealed under another would lock the admin out
    // (checked on the sealed data key, which every sealed node has and start opens).
    if (seal) await readDataKey(paths.dataKey, unseal);
    const adminToken = randomBytes(32).toString('base64url');
    await writeSecretFile(paths.adminToken, adminToken + '\n', 'admin-token', seal);
    return {
      dir: loaded.dir,
      nodeId: config.node.id,
      adminToken,
      file: paths.adminToken,
      sealed: seal !== undefined,
    };
  } finally {
    await lock.release();
  }
}
