/**
 * `fedgrid node init`: creates a node directory with an identity (ECDSA P-256 key and
 * self-signed certificate), an admin token, a configuration file and the store (embedded PGlite
 * in the node's data folder, or a checked and migrated PostgreSQL database).
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { generateIdentity } from '@fedgrid/federation';
import { nodeConfigSchema, resolvePaths, saveConfig, type NodeConfig } from '../config/config.js';
import { FedGridError } from '../errors/errors.js';
import { openStore } from '../storage/db.js';
import { writeIdentity } from './identity-files.js';

export interface InitNodeOptions {
  dir: string;
  id: string;
  name?: string;
  host?: string;
  apiPort?: number;
  dataPort?: number;
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
}

export interface InitNodeResult {
  dir: string;
  config: NodeConfig;
  fingerprint: string;
  adminToken: string;
}

/** @throws FedGridError CONFLICT if the directory is not empty; VALIDATION_FAILED for bad options. */
export async function initNode(opts: InitNodeOptions): Promise<InitNodeResult> {
  const dir = resolve(opts.dir);
  await mkdir(dir, { recursive: true });
  if ((await readdir(dir)).length > 0) {
    throw new FedGridError(
      'CONFLICT',
      `${dir} is not empty; a node directory must start empty (or remove the old node first)`,
    );
  }
  const parsed = nodeConfigSchema.safeParse({
    node: { id: opts.id, name: opts.name ?? opts.id },
    api: { host: opts.host ?? '127.0.0.1', port: opts.apiPort ?? 8443 },
    dataPlane: { host: opts.host ?? '127.0.0.1', port: opts.dataPort ?? 9443 },
    storage: {
      dataDir: 'data',
      ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}),
      ...(opts.databaseSchema ? { databaseSchema: opts.databaseSchema } : {}),
    },
    datasets: {
      allowedDirs: [...new Set(['imports', ...(opts.dataDirs ?? []).map((d) => resolve(d))])],
    },
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
  const adminToken = await writeIdentity(paths, identity);
  await mkdir(paths.dataDir, { recursive: true, mode: 0o700 });
  await mkdir(join(dir, 'imports'), { recursive: true, mode: 0o700 });
  await saveConfig(dir, config);
  // Create (or, for PostgreSQL, check and migrate) the store now, so that problems show at init.
  const store = await openStore({
    dataDir: paths.dataDir,
    ...(config.storage.databaseUrl ? { databaseUrl: config.storage.databaseUrl } : {}),
    ...(config.storage.databaseSchema ? { databaseSchema: config.storage.databaseSchema } : {}),
  });
  await store.close();
  return { dir, config, fingerprint: identity.fingerprint, adminToken };
}
