/**
 * The relay's directory (docs/protocols/relay.md, docs/OPERATIONS.md "Relay for isolated
 * networks"): relay.yaml, the relay's TLS identity, and the inside nodes allowed to register.
 * Created by `fedgrid relay init`, nodes added by `fedgrid relay add-node`, read by
 * `fedgrid relay start` — and again at every tunnel connection, so an added node needs no restart.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { certificateFingerprint, generateIdentity, type TlsIdentity } from '@fedgrid/federation';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { FedGridError } from '../errors/errors.js';
import { writeFileAtomic } from '../storage/files.js';

export const RELAY_CONFIG_FILE = 'relay.yaml';

const NODE_ID = /^[A-Za-z0-9._-]{1,64}$/;
const FINGERPRINT = /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/;

const endpoint = (port: number) =>
  z
    .object({
      host: z.string().min(1).default('0.0.0.0'),
      port: z.number().int().min(0).max(65535).default(port),
    })
    .default({ host: '0.0.0.0', port });

export const relayConfigSchema = z.object({
  relay: z.object({ id: z.string().regex(NODE_ID, '1–64 characters of A–Z, a–z, 0–9, . _ -') }),
  /** Where inside nodes dial in (mutual TLS 1.3; reachable from the inside network). */
  tunnel: endpoint(7443),
  /** Public port partners use for an inside node's control-plane API (its advertise.apiUrl). */
  api: endpoint(8443),
  /** Public port partners use for an inside node's data plane (its advertise.dataAddress). */
  data: endpoint(9443),
  identity: z
    .object({
      key: z.string().default('identity/key.pem'),
      cert: z.string().default('identity/cert.pem'),
    })
    .default({ key: 'identity/key.pem', cert: 'identity/cert.pem' }),
  /** Inside nodes allowed to register: node id and its certificate's SHA-256 fingerprint. */
  nodes: z
    .array(
      z.object({
        id: z.string().regex(NODE_ID, 'node id: 1–64 characters of A–Z, a–z, 0–9, . _ -'),
        fingerprint: z
          .string()
          .regex(FINGERPRINT, 'a SHA-256 fingerprint AB:CD:… (fedgrid node info prints it)'),
      }),
    )
    .default([])
    .superRefine((nodes, ctx) => {
      const seen = new Set<string>();
      for (const [i, n] of nodes.entries()) {
        // Partners' server names are case-insensitive (RFC 4343): so are the routes.
        const id = n.id.toLowerCase();
        if (seen.has(id))
          ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `node '${n.id}' listed twice` });
        seen.add(id);
      }
    }),
  log: z
    .object({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info') })
    .default({ level: 'info' }),
  /**
   * Abuse limits (docs/protocols/relay.md, "Limits"); an unset field takes its default
   * (DEFAULT_RELAY_LIMITS in @fedgrid/federation).
   */
  limits: z
    .object({
      maxTunnelsPerNode: z.number().int().min(1).optional(),
      maxConnectionsPerNode: z.number().int().min(1).optional(),
      maxConnectionsPerSource: z.number().int().min(1).optional(),
      connectionsPerSecondPerSource: z.number().positive().optional(),
      connectionBurstPerSource: z.number().int().min(1).optional(),
      maxPendingHellos: z.number().int().min(1).optional(),
      maxTunnels: z.number().int().min(1).optional(),
      bytesPerSecondPerNode: z.number().int().min(1).optional(),
      byteBurstPerNode: z.number().int().min(1).optional(),
      bytesPerSecondPerSource: z.number().int().min(1).optional(),
      byteBurstPerSource: z.number().int().min(1).optional(),
    })
    .strict()
    .default({}),
  /**
   * Prometheus `/metrics` (plain HTTP, no authentication: bind it to a management address).
   * Unset: no metrics endpoint.
   */
  metrics: z
    .object({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(9464),
    })
    .optional(),
});

export type RelayConfig = z.infer<typeof relayConfigSchema>;

export interface LoadedRelayConfig {
  dir: string;
  file: string;
  config: RelayConfig;
  paths: { key: string; cert: string };
}

/**
 * Reads `dir/relay.yaml`.
 * @throws FedGridError NOT_FOUND (no such file) or VALIDATION_FAILED naming the bad fields.
 */
export async function loadRelayConfig(dir: string): Promise<LoadedRelayConfig> {
  const root = resolve(dir);
  const file = join(root, RELAY_CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new FedGridError(
      'NOT_FOUND',
      `cannot read relay configuration ${file}: ${(err as Error).message} (create one with \`fedgrid relay init\`)`,
      { file },
    );
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    throw new FedGridError('VALIDATION_FAILED', `${file} is not YAML: ${(err as Error).message}`, {
      file,
    });
  }
  const parsed = relayConfigSchema.safeParse(raw);
  if (!parsed.success)
    throw new FedGridError(
      'VALIDATION_FAILED',
      `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      { file },
    );
  const abs = (p: string) => (isAbsolute(p) ? p : join(root, p));
  return {
    dir: root,
    file,
    config: parsed.data,
    paths: { key: abs(parsed.data.identity.key), cert: abs(parsed.data.identity.cert) },
  };
}

/** Reads the relay's key and certificate. @throws FedGridError NOT_FOUND when either is missing. */
export async function readRelayIdentity(loaded: LoadedRelayConfig): Promise<TlsIdentity> {
  try {
    const [keyPem, certPem] = await Promise.all([
      readFile(loaded.paths.key, 'utf8'),
      readFile(loaded.paths.cert, 'utf8'),
    ]);
    return { keyPem, certPem, fingerprint: certificateFingerprint(certPem) };
  } catch (err) {
    throw new FedGridError(
      'NOT_FOUND',
      `cannot read the relay's identity (${loaded.paths.key}, ${loaded.paths.cert}): ${(err as Error).message}`,
    );
  }
}

export interface InitRelayOptions {
  dir: string;
  /** The relay's name (its certificate's common name). @default 'relay' */
  id?: string;
  host?: string;
  tunnelPort?: number;
  apiPort?: number;
  dataPort?: number;
}

/**
 * Creates a relay directory: relay.yaml and a new identity (key mode 0600).
 * @returns the relay's certificate fingerprint (what inside nodes pin as relay.fingerprint).
 * @throws FedGridError CONFLICT when the directory already holds a relay.
 */
export async function initRelay(
  opts: InitRelayOptions,
): Promise<{ dir: string; fingerprint: string }> {
  const dir = resolve(opts.dir);
  if (await stat(join(dir, RELAY_CONFIG_FILE)).catch(() => undefined))
    throw new FedGridError('CONFLICT', `${dir} already holds a relay (${RELAY_CONFIG_FILE})`, {
      dir,
    });
  const id = opts.id ?? 'relay';
  const host = opts.host ?? '0.0.0.0';
  const config = relayConfigSchema.parse({
    relay: { id },
    tunnel: { host, port: opts.tunnelPort ?? 7443 },
    api: { host, port: opts.apiPort ?? 8443 },
    data: { host, port: opts.dataPort ?? 9443 },
  });
  const identity = await generateIdentity(id);
  await mkdir(join(dir, 'identity'), { recursive: true, mode: 0o700 });
  await writeFileAtomic(join(dir, config.identity.key), identity.keyPem, { mode: 0o600 });
  await writeFileAtomic(join(dir, config.identity.cert), identity.certPem, { mode: 0o644 });
  await writeFileAtomic(join(dir, RELAY_CONFIG_FILE), stringify(config), { mode: 0o600 });
  return { dir, fingerprint: identity.fingerprint };
}

/**
 * Lets an inside node register (adds or replaces its entry in relay.yaml). A running relay reads
 * the list again at the node's next tunnel connection.
 * @throws FedGridError VALIDATION_FAILED for a bad id or fingerprint.
 */
export async function addRelayNode(dir: string, id: string, fingerprint: string): Promise<void> {
  const loaded = await loadRelayConfig(dir);
  const nodes = loaded.config.nodes.filter((n) => n.id.toLowerCase() !== id.toLowerCase());
  nodes.push({ id, fingerprint: fingerprint.toUpperCase() });
  const parsed = relayConfigSchema.safeParse({ ...loaded.config, nodes });
  if (!parsed.success)
    throw new FedGridError(
      'VALIDATION_FAILED',
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  await writeFileAtomic(loaded.file, stringify(parsed.data), { mode: 0o600 });
}
