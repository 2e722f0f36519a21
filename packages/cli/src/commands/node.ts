/**
 * `fedgrid node init | start | backup | restore | rotate-cert | rotate-admin-token | info | profile |
 * update | audit`.
 */
import { rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { Command, Option } from 'commander';
import type { NodeInfo } from '@fedgrid/node';
import { RUNTIME_FILE, type RuntimeFile } from '../api-client.js';
import { print, reportError, table } from '../output.js';
import { client, withNode, type CommonOpts } from './common.js';
import { syncRows } from './contract.js';
import { addRotateCommands } from './node-rotate.js';

/** GET /v1/node/profile (ProfileView in @fedgrid/node). */
interface NodeProfile {
  nodeId: string;
  name: string;
  description: string;
  apiUrl: string;
  dataAddress: string;
  fingerprint: string;
  directory: boolean;
  version: number;
  updatedAt: string | null;
  bootstrap: { name: string; description: string; apiUrl: string; dataAddress: string };
  overrides: {
    name: string | null;
    description: string | null;
    apiUrl: string | null;
    dataAddress: string | null;
  };
}

/** One row of GET /v1/audit. */
interface AuditEntry {
  id: number;
  at: string;
  node: string;
  actor: { kind: string; id: string };
  action: string;
  object: { type: string; id: string | null } | null;
  outcome: string;
  status: number | null;
  details: Record<string, unknown> | null;
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`port must be an integer 0–65535, got '${v}'`);
  return n;
}

export function nodeCommand(): Command {
  const node = new Command('node').description('create, run and inspect a node');

  node
    .command('init')
    .description(
      'create a node: identity (key + self-signed certificate), admin token, config, embedded store',
    )
    .requiredOption('--dir <dir>', 'new, empty node directory')
    .requiredOption('--id <id>', 'node id (letters, digits, . _ -)')
    .option('--name <name>', 'display name')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--api-port <port>', 'control-plane REST port', port, 8443)
    .option('--data-port <port>', 'data-plane gRPC port', port, 9443)
    .option(
      '--database-url <url>',
      'PostgreSQL URL (default: embedded PGlite in the node directory); a password in it is kept in identity/database-url (mode 0600), never in fedgrid.yaml — or leave it out and set PGPASSWORD',
    )
    .option(
      '--database-schema <name>',
      "PostgreSQL schema for this node's tables, so that nodes can share a database",
      'public',
    )
    .option(
      '--data-dir <dir>',
      "a directory datasets may be registered from, besides the node's imports/ folder (repeatable)",
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option(
      '--relay <host:port#fingerprint>',
      "a relay's tunnel port and certificate fingerprint, for a node that accepts no inbound connections (repeatable; docs/protocols/relay.md); set advertise to the relay's public ports",
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .addOption(
      new Option(
        '--suite <suite>',
        "crypto suite: 'international' (ECDSA P-256, SHA-256, AES-256-GCM) or 'gm' (adds an SM2 identity and SM2/SM3/SM4 protection; contracts only with gm partners)",
      )
        .choices(['international', 'gm'])
        .default('international'),
    )
    .option('--json', 'print JSON')
    .action(
      async (o: {
        dir: string;
        id: string;
        suite: 'international' | 'gm';
        dataDir: string[];
        relay: string[];
        name?: string;
        host: string;
        apiPort: number;
        dataPort: number;
        databaseUrl?: string;
        databaseSchema: string;
        json?: boolean;
      }) => {
        try {
          // Whatever the user's umask, nothing the node creates is readable by others.
          process.umask(0o077);
          // The server and store load only for the commands that run them (fast CLI start-up).
          const { initNode, parseRelaySpec } = await import('@fedgrid/node');
          const relays = o.relay.map((spec) => parseRelaySpec(spec, '--relay'));
          const r = await initNode({
            dir: o.dir,
            id: o.id,
            host: o.host,
            apiPort: o.apiPort,
            dataPort: o.dataPort,
            suite: o.suite,
            ...(o.name ? { name: o.name } : {}),
            ...(o.dataDir.length ? { dataDirs: o.dataDir } : {}),
            ...(relays.length ? { relays } : {}),
            ...(o.databaseUrl ? { databaseUrl: o.databaseUrl } : {}),
            ...(o.databaseUrl && o.databaseSchema !== 'public'
              ? { databaseSchema: o.databaseSchema }
              : {}),
          });
          print(
            {
              dir: r.dir,
              nodeId: r.config.node.id,
              suite: r.config.crypto.suite,
              fingerprint: r.fingerprint,
              datasetDirs: r.config.datasets.allowedDirs.map((d) =>
                isAbsolute(d) ? d : join(r.dir, d),
              ),
              firstUsers: r.firstUsers,
              relays: r.config.relays,
            },
            !!o.json,
            () =>
              [
                `created node '${r.config.node.id}' in ${r.dir} (crypto suite: ${r.config.crypto.suite})`,
                `certificate fingerprint (give it to partners out of band): ${r.fingerprint}`,
                `admin token (bootstrap / break-glass credential): ${join(r.dir, r.config.adminTokenFile)}`,
                'first users — one per officer; one-time passwords shown this once, to be changed at first sign-in (`fedgrid login`):',
                ...r.firstUsers.map((u) => `  ${u.name} (${u.role}): ${u.oneTimePassword}`),
                `datasets may be registered from: ${r.config.datasets.allowedDirs.map((d) => (isAbsolute(d) ? d : join(r.dir, d))).join(', ')}`,
                ...(r.config.relays.length
                  ? [
                      `relays (a tunnel to each at start): ${r.config.relays.map((x) => x.address).join(', ')} — set advertise.apiUrl and advertise.dataAddress in fedgrid.yaml (or FEDGRID_ADVERTISE_API_URL, FEDGRID_ADVERTISE_DATA_ADDRESS) to the relays' public ports`,
                    ]
                  : []),
                `start it with: fedgrid node start --dir ${o.dir}`,
              ].join('\n'),
          );
        } catch (err) {
          reportError(err);
        }
      },
    );

  node
    .command('backup')
    .description(
      "write the node's whole state to one file: every table (one consistent snapshot), identity, configuration, dataset snapshots, models and audit archives. PostgreSQL: while the node runs; embedded store: while it is stopped",
    )
    .requiredOption('--dir <dir>', 'node directory')
    .requiredOption(
      '--out <file>',
      'backup file to write (must not exist; holds private keys: keep it safe)',
    )
    .option(
      '--database-url <url>',
      'override the store with PostgreSQL (prefer FEDGRID_DATABASE_URL)',
    )
    .option('--database-schema <name>', 'override the PostgreSQL schema of the tables')
    .option('--include-imports', 'also copy the directories datasets are registered from')
    .option('--json', 'print JSON')
    .action(
      async (o: {
        dir: string;
        out: string;
        databaseUrl?: string;
        databaseSchema?: string;
        includeImports?: boolean;
        json?: boolean;
      }) => {
        try {
          process.umask(0o077);
          const { backupNode } = await import('@fedgrid/node');
          const r = await backupNode({
            dir: o.dir,
            out: o.out,
            ...(o.databaseUrl ? { databaseUrl: o.databaseUrl } : {}),
            ...(o.databaseSchema ? { databaseSchema: o.databaseSchema } : {}),
            ...(o.includeImports ? { includeImports: true } : {}),
          });
          print(r, !!o.json, () =>
            [
              `backed up node '${r.nodeId}' (${r.store}) to ${r.file}: ${r.tables} tables, ${r.rows} rows, ${r.files} files (${r.fileBytes} bytes); archive ${r.bytes} bytes`,
              `content SHA-256: ${r.sha256}`,
              ...(r.vanished.length
                ? [
                    `files deleted by the running node while copying (not needed by the snapshot): ${r.vanished.join(', ')}`,
                  ]
                : []),
            ].join('\n'),
          );
        } catch (err) {
          reportError(err);
          process.exitCode = 1;
        }
      },
    );

  node
    .command('restore')
    .description(
      'rebuild a node from a backup file into an empty node directory and store (verifies the checksum first; refuses a running or non-empty target unless --force)',
    )
    .argument('<file>', 'backup file (from `fedgrid node backup`)')
    .requiredOption('--dir <dir>', 'node directory to restore into')
    .option('--database-url <url>', 'restore into PostgreSQL (prefer FEDGRID_DATABASE_URL)')
    .option(
      '--database-schema <name>',
      'PostgreSQL schema to restore into (written to fedgrid.yaml)',
    )
    .option(
      '--force',
      'replace what is there: the directory is moved aside to <dir>.before-restore-<time>, the store’s tables are emptied',
    )
    .option('--json', 'print JSON')
    .action(
      async (
        file: string,
        o: {
          dir: string;
          databaseUrl?: string;
          databaseSchema?: string;
          force?: boolean;
          json?: boolean;
        },
      ) => {
        try {
          process.umask(0o077);
          const { restoreNode } = await import('@fedgrid/node');
          const r = await restoreNode({
            file,
            dir: o.dir,
            ...(o.databaseUrl ? { databaseUrl: o.databaseUrl } : {}),
            ...(o.databaseSchema ? { databaseSchema: o.databaseSchema } : {}),
            ...(o.force ? { force: true } : {}),
          });
          print(r, !!o.json, () =>
            [
              `restored node '${r.nodeId}' into ${r.dir} (${r.store}): ${r.tables} tables, ${r.rows} rows, ${r.files} files; checksum ${r.sha256} verified`,
              ...(r.movedAside ? [`the previous directory is kept at ${r.movedAside}`] : []),
              `start it with: fedgrid node start --dir ${r.dir}`,
            ].join('\n'),
          );
        } catch (err) {
          reportError(err);
          process.exitCode = 1;
        }
      },
    );

  node
    .command('start')
    .description('run the node (REST API + gRPC data plane) until interrupted')
    .requiredOption('--dir <dir>', 'node directory')
    .option('--api-port <port>', 'override the configured REST port (0: any free port)', port)
    .option('--data-port <port>', 'override the configured gRPC port (0: any free port)', port)
    .option(
      '--database-url <url>',
      'override the store with PostgreSQL (visible in the process list: prefer FEDGRID_DATABASE_URL or PGPASSWORD for a password)',
    )
    .option('--database-schema <name>', 'override the PostgreSQL schema of the tables')
    .option('--log-level <level>', 'trace, debug, info, warn or error')
    .option('--log-file <path>', 'write the JSON log here instead of stdout')
    .option(
      '--role <role>',
      'all (one process, the default), api (an API/data-plane replica; one of them leads the scheduler) or worker (runs task executions from the queue); api and worker need PostgreSQL. Also FEDGRID_ROLE',
    )
    .option(
      '--reinitialise',
      "start on a new, empty store when the node's store is missing (its data directory deleted or schema dropped); contracts, grants, datasets and audit log start over, the identity stays",
    )
    .action(
      async (o: {
        reinitialise?: boolean;
        dir: string;
        apiPort?: number;
        dataPort?: number;
        databaseUrl?: string;
        databaseSchema?: string;
        logLevel?: string;
        logFile?: string;
        role?: string;
      }) => {
        try {
          process.umask(0o077);
          const [{ startNode, parseNodeRole }, { pino }] = await Promise.all([
            import('@fedgrid/node'),
            import('pino'),
          ]);
          const role = o.role
            ? parseNodeRole(o.role, '--role')
            : parseNodeRole(process.env['FEDGRID_ROLE'], 'FEDGRID_ROLE');
          const running = await startNode({
            dir: o.dir,
            role,
            ...(o.apiPort !== undefined ? { apiPort: o.apiPort } : {}),
            ...(o.dataPort !== undefined ? { dataPort: o.dataPort } : {}),
            ...(o.databaseUrl ? { databaseUrl: o.databaseUrl } : {}),
            ...(o.databaseSchema ? { databaseSchema: o.databaseSchema } : {}),
            ...(o.logLevel ? { logLevel: o.logLevel } : {}),
            ...(o.reinitialise ? { reinitialise: true } : {}),
            ...(o.logFile
              ? { logDestination: pino.destination({ dest: o.logFile, sync: false, mkdir: true }) }
              : {}),
          });
          // A worker serves no API: it leaves the node directory's runtime file to the API.
          const runtimePath =
            role === 'worker' ? undefined : join(running.config.dir, RUNTIME_FILE);
          const runtime: RuntimeFile = {
            pid: process.pid,
            apiUrl: running.apiUrl,
            dataAddress: running.dataAddress,
            fingerprint: running.fingerprint,
            startedAt: new Date().toISOString(),
          };
          if (runtimePath)
            await writeFile(runtimePath, JSON.stringify(runtime, null, 2), { mode: 0o600 });
          let stopping = false;
          const stop = async (signal: string) => {
            if (stopping) return;
            stopping = true;
            running.log.info({ signal }, 'stopping');
            if (runtimePath) await rm(runtimePath, { force: true });
            await running.close();
            process.exit(0);
          };
          process.on('SIGINT', () => void stop('SIGINT'));
          process.on('SIGTERM', () => void stop('SIGTERM'));
          if (role === 'worker')
            process.stdout.write(
              `node '${running.config.config.node.id}' worker ${running.cluster?.name ?? ''} taking task executions${running.metricsPort !== undefined ? `; metrics on port ${running.metricsPort}` : ''}\n`,
            );
          else if (o.logFile)
            process.stdout.write(
              `node '${running.config.config.node.id}' listening: API ${running.apiUrl}, data plane ${running.dataAddress}\n`,
            );
        } catch (err) {
          reportError(err);
          process.exit(1);
        }
      },
    );

  addRotateCommands(node);

  withNode(
    node.command('info').description("show the node's identity, addresses and crypto backends"),
  ).action(async (o: CommonOpts) => {
    try {
      const info = await (await client(o)).get<NodeInfo>('/v1/node');
      print(info, !!o.json, () =>
        table([
          ['node', `${info.nodeId} (${info.name})`],
          ['api', info.apiUrl],
          ['data plane', info.dataAddress],
          ['fingerprint', info.fingerprint],
          ['storage', info.storage],
          ...Object.entries(info.backends).map(([k, v]) => [`backend ${k}`, v]),
        ]),
      );
    } catch (err) {
      reportError(err);
    }
  });
  withNode(
    node
      .command('profile')
      .description(
        "show the node's profile: effective name, description and addresses, the fedgrid.yaml values and what the profile overrides",
      ),
  ).action(async (o: CommonOpts) => {
    try {
      const p = await (await client(o)).get<NodeProfile>('/v1/node/profile');
      const shown = (f: keyof NodeProfile['overrides']) =>
        p.overrides[f] === null ? `${p[f]} (fedgrid.yaml)` : `${p[f]} (profile)`;
      print(p, !!o.json, () =>
        table([
          ['node', p.nodeId],
          ['name', shown('name')],
          ['description', shown('description')],
          ['api', shown('apiUrl')],
          ['data plane', shown('dataAddress')],
          ['fingerprint', p.fingerprint],
          ['directory', p.directory ? 'yes' : 'no'],
          ['version', `${p.version}${p.updatedAt ? ` (${p.updatedAt})` : ''}`],
        ]),
      );
    } catch (err) {
      reportError(err);
    }
  });
  withNode(
    node
      .command('update')
      .description(
        "change this node's name, description or advertised addresses (stored in its profile; fedgrid.yaml keeps the bootstrap values) and send them to every contracted partner",
      ),
  )
    .option('--name <name>', 'display name')
    .option('--description <text>', 'what the node is')
    .option('--api-url <url>', 'the https:// URL partners use for the REST API')
    .option('--data-address <host:port>', 'the address partners use for the data plane')
    .option(
      '--reset <field...>',
      'restore the fedgrid.yaml value of: name, description, apiUrl, dataAddress',
    )
    .action(
      async (
        o: CommonOpts & {
          name?: string;
          description?: string;
          apiUrl?: string;
          dataAddress?: string;
          reset?: string[];
        },
      ) => {
        try {
          const body: Record<string, string | null> = {};
          for (const f of o.reset ?? []) body[f] = null;
          if (o.name !== undefined) body['name'] = o.name;
          if (o.description !== undefined) body['description'] = o.description;
          if (o.apiUrl !== undefined) body['apiUrl'] = o.apiUrl;
          if (o.dataAddress !== undefined) body['dataAddress'] = o.dataAddress;
          const r = await (
            await client(o)
          ).call<{
            profile: { nodeId: string; name: string; apiUrl: string; dataAddress: string };
            partners: {
              contract: string;
              peer: string;
              health: string;
              nodeInfo: string;
              error?: string;
            }[];
          }>('PATCH', '/v1/node', body);
          print(r, !!o.json, () =>
            [
              table([
                ['node', `${r.profile.nodeId} (${r.profile.name})`],
                ['api', r.profile.apiUrl],
                ['data plane', r.profile.dataAddress],
              ]),
              '',
              syncRows(r.partners),
            ].join('\n'),
          );
          if (r.partners.some((p) => p.nodeInfo === 'failed')) {
            process.stderr.write(
              'some partners were not reached; they get the update on the next `fedgrid partner sync` or health check\n',
            );
          }
        } catch (err) {
          reportError(err);
        }
      },
    );
  withNode(
    node
      .command('audit')
      .description(
        "the node's audit log, newest first: every state-changing call, by its admin or a partner, allowed or refused",
      ),
  )
    .option('--action <action>', "only this action, e.g. 'POST /v1/contracts/:id/confirm'")
    .option('--object <id>', 'only calls on this object id')
    .option('--page <n>', 'page (from 1)')
    .option('--page-size <n>', 'events per page')
    .action(
      async (
        o: CommonOpts & { action?: string; object?: string; page?: string; pageSize?: string },
      ) => {
        try {
          const q = new URLSearchParams();
          if (o.action) q.set('action', o.action);
          if (o.object) q.set('object', o.object);
          if (o.page) q.set('page', o.page);
          if (o.pageSize) q.set('pageSize', o.pageSize);
          const r = await (
            await client(o)
          ).get<{ items: AuditEntry[]; total: number }>(`/v1/audit${q.size ? `?${q}` : ''}`);
          print(
            r,
            !!o.json,
            () =>
              `${table([
                ['at', 'actor', 'action', 'object', 'outcome'],
                ...r.items.map((e) => [
                  e.at.replace('T', ' ').slice(0, 19),
                  `${e.actor.kind}:${e.actor.id}`,
                  e.action,
                  e.object ? `${e.object.type} ${e.object.id ?? ''}`.trim() : '-',
                  `${e.outcome}${e.status !== null ? ` (${e.status})` : ''}`,
                ]),
              ])}\n${r.items.length} of ${r.total}`,
          );
        } catch (err) {
          reportError(err);
        }
      },
    );
  return node;
}
