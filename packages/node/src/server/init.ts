/**
 * `fedgrid node init`: creates a node directory with an identity (ECDSA P-256 key and
 * self-signed certificate; under the `gm` suite also an SM2 key and SM2-with-SM3 certificate), an admin token (the bootstrap / break-glass credential), a
 * configuration file, the store (embedded PGlite in the node's data folder, or a checked and
 * migrated PostgreSQL database) and the first users: one per officer of the three-officer
 * separation (system, security and audit administrator), each with a one-time password that is
 * returned here once and must be changed at first sign-in.
 */
import { chmod, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { generateIdentity } from '@fedgrid/federation';
import {
  nodeConfigSchema,
  resolvePaths,
  saveConfig,
  urlHasPassword,
  DATABASE_URL_ENV,
  type NodeConfig,
} from '../config/config.js';
import { AccountService } from '../accounts/accounts.service.js';
import { AuditService } from '../audit/audit.service.js';
import { FedGridError } from '../errors/errors.js';
import { openStore } from '../storage/db.js';
import { mkdirPrivate, PRIVATE_DIR_MODE, writeFileAtomic } from '../storage/files.js';
import { markNewStore } from '../storage/store-marker.js';
import {
  generateSm2Identity,
  writeDataKey,
  writeIdentity,
  writeSm2Identity,
} from './identity-files.js';
import { auditHashAlgForSuite } from '../audit/audit-hash.js';
import { sealSecretFromEnv } from '../storage/sealed-files.js';
import type { SealSecret } from '@fedgrid/crypto';
import type { RelaySetting } from '../config/relay-spec.js';

export interface InitNodeOptions {
  dir: string;
  id: string;
  name?: string;
  host?: string;
  apiPort?: number;
  dataPort?: number;
  /**
   * PostgreSQL URL. One with a password is kept in {@link DATABASE_URL_FILE} (mode 0600) and
   * referenced by `storage.databaseUrlFile`; fedgrid.yaml never holds a password.
   */
  databaseUrl?: string;
  /** PostgreSQL schema for this node's tables. @default 'public' */
  databaseSchema?: string;
  /**
   * Further directories datasets may be registered from (resolved against the current
   * directory), besides the node directory's `imports/` folder, which is always created.
   * Stored as `datasets.allowedDirs` in fedgrid.yaml.
   * @default []
   */
  dataDirs?: string[];
  /**
   * The node's crypto suite: `gm` adds an SM2 identity (key and SM2-with-SM3 certificate), an
   * SM3 audit chain and SM2/SM4 protection of partner requests (docs/protocols/gm-suite.md).
   * @default 'international'
   */
  suite?: 'international' | 'gm';
  /**
   * Seal the private keys and the admin token at rest under this secret (by suite: AES-256-GCM
   * or SM4). @default the FEDGRID_SEAL_KEY / FEDGRID_SEAL_PASSPHRASE environment variable, if set
   */
  sealSecret?: SealSecret;
  /**
   * Relays the node keeps a tunnel to (docs/protocols/relay.md), stored as `relays` in
   * fedgrid.yaml; partners then need `advertise` set to a relay's public ports. @default []
   */
  relays?: RelaySetting[];
}

/** Where `node init` keeps a database URL that carries a password (relative to the node dir). */
export const DATABASE_URL_FILE = 'identity/database-url';

/** The first users `node init` creates: name and role of each officer. */
export const FIRST_USERS = [
  { name: 'sysadmin', role: 'system-admin' },
  { name: 'secadmin', role: 'security-admin' },
  { name: 'auditadmin', role: 'audit-admin' },
] as const;

export interface InitNodeResult {
  dir: string;
  config: NodeConfig;
  fingerprint: string;
  adminToken: string;
  /** The first users and their one-time passwords (shown once; kept nowhere in the clear). */
  firstUsers: { name: string; role: string; oneTimePassword: string }[];
}

/** @throws FedGridError CONFLICT if the directory is not empty; VALIDATION_FAILED for bad options. */
export async function initNode(opts: InitNodeOptions): Promise<InitNodeResult> {
  const dir = resolve(opts.dir);
  await mkdirPrivate(dir);
  if ((await readdir(dir)).length > 0) {
    throw new FedGridError(
      'CONFLICT',
      `${dir} is not empty; a node directory must start empty (or remove the old node first)`,
    );
  }
  // An empty folder the user made with a wide mode: the node's secrets go in here.
  await chmod(dir, PRIVATE_DIR_MODE);
  const sealSecret = opts.sealSecret ?? sealSecretFromEnv();
  const seal = sealSecret
    ? { suite: opts.suite ?? 'international', secret: sealSecret }
    : undefined;
  const secretUrl = opts.databaseUrl !== undefined && urlHasPassword(opts.databaseUrl);
  const parsed = nodeConfigSchema.safeParse({
    node: { id: opts.id, name: opts.name ?? opts.id },
    api: { host: opts.host ?? '127.0.0.1', port: opts.apiPort ?? 8443 },
    dataPlane: { host: opts.host ?? '127.0.0.1', port: opts.dataPort ?? 9443 },
    storage: {
      dataDir: 'data',
      ...(opts.databaseUrl
        ? secretUrl
          ? { databaseUrlFile: DATABASE_URL_FILE }
          : { databaseUrl: opts.databaseUrl }
        : {}),
      ...(opts.databaseSchema ? { databaseSchema: opts.databaseSchema } : {}),
    },
    crypto: { suite: opts.suite ?? 'international', sealedSecrets: seal !== undefined },
    datasets: {
      allowedDirs: [...new Set(['imports', ...(opts.dataDirs ?? []).map((d) => resolve(d))])],
    },
    ...(opts.relays?.length ? { relays: opts.relays } : {}),
  });
  if (!parsed.success) {
    throw new FedGridError(
      'VALIDATION_FAILED',
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  }
  const config = parsed.data;
  const paths = resolvePaths(dir, config);
  const identity = await generateIdentity(config.node.id);
  const adminToken = await writeIdentity(paths, identity, seal);
  if (config.crypto.suite === 'gm')
    await writeSm2Identity(paths, generateSm2Identity(config.node.id), seal);
  if (seal) await writeDataKey(paths.dataKey, seal);
  if (secretUrl) {
    const file = join(dir, DATABASE_URL_FILE);
    await mkdirPrivate(dirname(file));
    await writeFileAtomic(file, `${opts.databaseUrl}\n`);
  }
  await mkdirPrivate(paths.dataDir);
  await mkdirPrivate(join(dir, 'imports'));
  await saveConfig(dir, config);
  // Create (or, for PostgreSQL, check and migrate) the store now, so that problems show at init.
  // Without a URL given, FEDGRID_DATABASE_URL (containers) names the store; it is not written
  // anywhere — the node reads the same variable when it starts.
  const storeUrl = opts.databaseUrl ?? (process.env[DATABASE_URL_ENV] || undefined);
  const storeSchema =
    config.storage.databaseSchema ?? (process.env['FEDGRID_DATABASE_SCHEMA'] || undefined);
  const store = await openStore({
    dataDir: paths.dataDir,
    ...(storeUrl ? { databaseUrl: storeUrl } : {}),
    ...(storeSchema ? { databaseSchema: storeSchema } : {}),
    lock: true,
  });
  let firstUsers: InitNodeResult['firstUsers'];
  try {
    await markNewStore(store, dir);
    const audit = new AuditService(
      store.db,
      config.node.id,
      auditHashAlgForSuite(config.crypto.suite),
    );
    const accounts = new AccountService(store.db, audit, config.node.id);
    // argon2 runs on libuv's pool: the three hashes overlap.
    firstUsers = await Promise.all(
      FIRST_USERS.map(async (f) => ({
        name: f.name,
        role: f.role,
        oneTimePassword: (await accounts.createUser({ name: f.name, roles: [f.role] }))
          .oneTimePassword,
      })),
    );
    await audit.record({
      actorKind: 'system',
      actorId: 'node init',
      action: 'create first users',
      objectType: 'user',
      outcome: 'success',
      details: { users: FIRST_USERS.map((f) => `${f.name} (${f.role})`) },
    });
  } finally {
    await store.close();
  }
  return { dir, config, fingerprint: identity.fingerprint, adminToken, firstUsers };
}
