/** `fedgrid node rotate-cert | rotate-admin-token`: replace a stopped node's identity files. */
import { open, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { RotateAdminTokenResult, RotateCertResult } from '@fedgrid/node';
import { print, reportError } from '../output.js';

/** Quotes a word for a POSIX shell when it needs it (printed commands are copied as they are). */
function sh(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command that re-pins the new certificate at the partner of one active contract: a new
 * proposal naming the contract it replaces (the partner confirms it).
 */
export function replacementCommand(
  dir: string,
  c: { id: string; peerApiUrl: string; peerFingerprint: string },
): string {
  return [
    'fedgrid contract propose --node',
    sh(dir),
    '--peer',
    sh(c.peerApiUrl),
    '--fingerprint',
    c.peerFingerprint,
    '--replaces',
    c.id,
  ].join(' ');
}

/** The text `rotate-cert` prints (no secret: fingerprints, file names and commands). */
export function rotateCertText(r: RotateCertResult): string {
  const lines = [
    `rotated the certificate of node '${r.nodeId}' (crypto suite ${r.suite}; private keys ${r.sealed ? 'sealed at rest' : 'not sealed: crypto.sealedSecrets is off'})`,
    `  old fingerprint: ${r.tls.oldFingerprint}`,
    `  new fingerprint: ${r.tls.newFingerprint}  (give it to every partner out of band)`,
    `  the old key and certificate are kept for rollback: ${r.tls.previous.key}, ${r.tls.previous.cert}`,
  ];
  if (r.sm2)
    lines.push(
      `  SM2 certificate: old ${r.sm2.oldFingerprint}`,
      `                   new ${r.sm2.newFingerprint}`,
      `  the old SM2 key and certificate are kept: ${r.sm2.previous.key}, ${r.sm2.previous.cert}`,
    );
  if (r.auditError)
    lines.push(`  not recorded in the audit log (the files are rotated): ${r.auditError}`);
  if (r.relays.length)
    lines.push(
      `this node is reached through relays (${r.relays.join(', ')}): before it starts, register the new fingerprint on each relay's host with: fedgrid relay add-node --dir <relay dir> --id ${r.nodeId} --fingerprint ${r.tls.newFingerprint}`,
    );
  lines.push(
    `start the node (its API and data plane then present the new certificate): fedgrid node start --dir ${sh(r.dir)}`,
  );
  if (r.contracts === null)
    lines.push(
      `the node's contracts could not be read while it is stopped (${r.contractsError ?? 'unknown'}); once it runs, list the active ones with \`fedgrid contract list --node ${sh(r.dir)}\` and for each run \`fedgrid contract propose --node ${sh(r.dir)} --peer <partner API URL> --fingerprint <partner fingerprint> --replaces <contract id>\``,
    );
  else if (r.contracts.length === 0)
    lines.push('no active contracts: partners pin the new fingerprint when they sign one');
  else
    lines.push(
      `partners refuse the new certificate until each active contract is replaced; once the node runs, propose the replacements (each partner confirms with \`fedgrid contract confirm <new id>\` after checking the new fingerprint with you):`,
      ...r.contracts.map((c) => `  ${replacementCommand(r.dir, c)}   # ${c.peerNodeId}`),
    );
  return lines.join('\n');
}

/** Adds the rotation commands to `fedgrid node`. */
export function addRotateCommands(node: Command): void {
  node
    .command('rotate-cert')
    .description(
      "replace a stopped node's key and self-signed certificate (and its SM2 identity under the gm suite), sealed at rest when the node seals its secrets; keeps the old files for rollback and prints the contract replacements partners need",
    )
    .requiredOption('--dir <dir>', 'node directory')
    .option(
      '--database-url <url>',
      'override the store with PostgreSQL, to list the active contracts (prefer FEDGRID_DATABASE_URL)',
    )
    .option('--database-schema <name>', 'override the PostgreSQL schema of the tables')
    .option('--json', 'print JSON')
    .action(
      async (o: { dir: string; databaseUrl?: string; databaseSchema?: string; json?: boolean }) => {
        try {
          process.umask(0o077);
          const { rotateNodeCertificate } = await import('@fedgrid/node');
          const r = await rotateNodeCertificate({
            dir: o.dir,
            ...(o.databaseUrl ? { databaseUrl: o.databaseUrl } : {}),
            ...(o.databaseSchema ? { databaseSchema: o.databaseSchema } : {}),
          });
          print(
            {
              ...r,
              replacements:
                r.contracts?.map((c) => ({
                  contract: c.id,
                  peer: c.peerNodeId,
                  command: replacementCommand(r.dir, c),
                })) ?? null,
            },
            !!o.json,
            () => rotateCertText(r),
          );
        } catch (err) {
          reportError(err);
        }
      },
    );

  node
    .command('rotate-admin-token')
    .description(
      "replace a stopped node's admin token with a new random one (sealed at rest when the node seals its secrets); the old token is refused once the node starts",
    )
    .requiredOption('--dir <dir>', 'node directory')
    .option(
      '--database-url <url>',
      "override the store with PostgreSQL, to check that none of the node's processes runs (prefer FEDGRID_DATABASE_URL)",
    )
    .option('--database-schema <name>', 'override the PostgreSQL schema of the tables')
    .option(
      '--out <file>',
      'write the new token to this new file (mode 0600) instead of printing it',
    )
    .option('--json', 'print JSON')
    .action(
      async (o: {
        dir: string;
        out?: string;
        databaseUrl?: string;
        databaseSchema?: string;
        json?: boolean;
      }) => {
        try {
          process.umask(0o077);
          const { rotateAdminToken, FedGridError } = await import('@fedgrid/node');
          // Checked before the rotation: a token that cannot be handed over must not replace the old.
          const out = o.out
            ? await open(resolve(o.out), 'wx', 0o600).catch((err: NodeJS.ErrnoException) => {
                throw new FedGridError(
                  'CONFLICT',
                  `cannot create ${resolve(o.out!)} for the new admin token (${err.code ?? err.message}): name a new file in a writable directory; nothing was changed`,
                );
              })
            : undefined;
          let r: RotateAdminTokenResult;
          try {
            r = await rotateAdminToken({
              dir: o.dir,
              ...(o.databaseUrl ? { databaseUrl: o.databaseUrl } : {}),
              ...(o.databaseSchema ? { databaseSchema: o.databaseSchema } : {}),
            });
            if (out) {
              await out.writeFile(r.adminToken + '\n');
              await out.sync();
            }
          } catch (err) {
            await out?.close();
            if (out) await rm(resolve(o.out!), { force: true });
            throw err;
          }
          await out?.close();
          const shown = {
            dir: r.dir,
            nodeId: r.nodeId,
            file: r.file,
            sealed: r.sealed,
            ...(o.out ? { out: resolve(o.out) } : { adminToken: r.adminToken }),
          };
          print(shown, !!o.json, () =>
            [
              `rotated the admin token of node '${r.nodeId}' (${r.file}, ${r.sealed ? 'sealed at rest' : 'not sealed: crypto.sealedSecrets is off'})`,
              o.out
                ? `the new token is in ${resolve(o.out)} (mode 0600)`
                : `new admin token (shown this once): ${r.adminToken}`,
              `the old token is refused once the node starts: fedgrid node start --dir ${sh(r.dir)}`,
            ].join('\n'),
          );
        } catch (err) {
          reportError(err);
        }
      },
    );
}
