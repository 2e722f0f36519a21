/**
 * Configuration from environment variables (containers: docs/OPERATIONS.md, "Configuration").
 * Each variable overrides one setting of fedgrid.yaml at load time, before validation, so a bad
 * value is refused with the variable's name. The file itself is never rewritten with them.
 * FEDGRID_DATABASE_URL (config.ts) is read where the store is opened, not here.
 */
import { FedGridError } from '../errors/errors.js';
import { parseRelayList } from './relay-spec.js';

/** `relays`: `host:port#FINGERPRINT` entries separated by commas or white space (relay-spec.ts). */
type Kind = 'string' | 'int' | 'relays';

/** Variable → [path in fedgrid.yaml, kind]. */
export const CONFIG_ENV: Readonly<Record<string, readonly [readonly string[], Kind]>> = {
  FEDGRID_NODE_NAME: [['node', 'name'], 'string'],
  FEDGRID_API_HOST: [['api', 'host'], 'string'],
  FEDGRID_API_PORT: [['api', 'port'], 'int'],
  FEDGRID_DATA_HOST: [['dataPlane', 'host'], 'string'],
  FEDGRID_DATA_PORT: [['dataPlane', 'port'], 'int'],
  FEDGRID_ADVERTISE_API_URL: [['advertise', 'apiUrl'], 'string'],
  FEDGRID_ADVERTISE_DATA_ADDRESS: [['advertise', 'dataAddress'], 'string'],
  FEDGRID_RELAY_ADDRESS: [['relay', 'address'], 'string'],
  FEDGRID_RELAY_FINGERPRINT: [['relay', 'fingerprint'], 'string'],
  FEDGRID_RELAYS: [['relays'], 'relays'],
  FEDGRID_DATABASE_SCHEMA: [['storage', 'databaseSchema'], 'string'],
  FEDGRID_DATA_DIR: [['storage', 'dataDir'], 'string'],
  FEDGRID_CHECKPOINT_WAL_MB: [['storage', 'checkpointWalMb'], 'int'],
  FEDGRID_IDENTITY_KEY: [['identity', 'key'], 'string'],
  FEDGRID_IDENTITY_CERT: [['identity', 'cert'], 'string'],
  FEDGRID_ADMIN_TOKEN_FILE: [['adminTokenFile'], 'string'],
  FEDGRID_LOG_LEVEL: [['log', 'level'], 'string'],
  FEDGRID_CRYPTO_THREADS: [['runtime', 'cryptoThreads'], 'int'],
  FEDGRID_MAX_CONCURRENT_JOBS: [['runtime', 'maxConcurrentJobs'], 'int'],
  FEDGRID_TASKS_ON_WORKERS: [['runtime', 'tasksOnWorkers'], 'string'],
  FEDGRID_BATCH_LEASE_SECONDS: [['runtime', 'batchLeaseSeconds'], 'int'],
  FEDGRID_SERVING_GRPC_PORT: [['serving', 'grpcPort'], 'int'],
  FEDGRID_WORKER_METRICS_HOST: [['worker', 'metricsHost'], 'string'],
  FEDGRID_WORKER_METRICS_PORT: [['worker', 'metricsPort'], 'int'],
};

/** The variable that set the setting at `path` (or the list holding it), if one did. */
export function envVarFor(
  path: readonly (string | number)[],
  env: NodeJS.ProcessEnv,
): string | undefined {
  const key = path.join('.');
  return Object.entries(CONFIG_ENV).find(
    ([name, [p]]) =>
      (key === p.join('.') || key.startsWith(`${p.join('.')}.`)) &&
      env[name] !== undefined &&
      env[name] !== '',
  )?.[0];
}

/**
 * Returns a copy of the parsed fedgrid.yaml `raw` with the settings the environment gives.
 * An empty variable counts as unset.
 * @throws FedGridError VALIDATION_FAILED for an integer variable that is not an integer, or a
 *   relay list entry that is not `host:port#FINGERPRINT`.
 */
export function applyConfigEnv(raw: unknown, env: NodeJS.ProcessEnv): unknown {
  const root: Record<string, unknown> =
    raw && typeof raw === 'object' ? structuredClone(raw as Record<string, unknown>) : {};
  for (const [name, [path, kind]] of Object.entries(CONFIG_ENV)) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    let value: unknown = text;
    if (kind === 'relays') value = parseRelayList(text, name);
    if (kind === 'int') {
      if (!/^-?\d+$/.test(text.trim()))
        throw new FedGridError(
          'VALIDATION_FAILED',
          `environment variable ${name} must be an integer (it sets ${path.join('.')}), got '${text.slice(0, 40)}'`,
          { variable: name },
        );
      value = Number(text.trim());
    }
    let obj = root;
    for (const key of path.slice(0, -1)) {
      const next = obj[key];
      obj[key] = next && typeof next === 'object' ? { ...(next as object) } : {};
      obj = obj[key] as Record<string, unknown>;
    }
    obj[path[path.length - 1] as string] = value;
  }
  return root;
}
