/**
 * `fedgrid audit verify | checkpoint | export | verify-archive`: the tamper-evident audit log (issue 13 item 3).
 * `verify` walks the node's hash chain and names the first edited, deleted, reordered or missing
 * event, then compares the chain with the signed checkpoints every partner holds about this node;
 * it exits 1 when anything disagrees. `checkpoint` sends a signed checkpoint to every partner now
 * (nodes also do so every `audit.checkpointIntervalSeconds`). `export --seal` seals the archive
 * at rest by the node's suite (SM4 for `gm`, AES-256-GCM for `international`) under a passphrase
 * from --passphrase-file or the node's FEDGRID_SEAL_PASSPHRASE / FEDGRID_SEAL_KEY; the archive is
 * sealed here, in the CLI, so the passphrase never travels to the node. `verify-archive` opens a
 * sealed archive with the same secret, then verifies it exactly as a clear one.
 */
import { Command } from 'commander';
import { readFile, writeFile } from 'node:fs/promises';
import {
  isSealedArchive,
  openAuditArchive,
  readPassphraseFile,
  sealAuditArchive,
  sealSecretFromEnv,
  verifyAuditArchive,
} from '@fedgrid/node';
import { loadConfig } from '@fedgrid/node/client';
import { print, reportError, table } from '../output.js';
import { run, withNode, type CommonOpts } from './common.js';

interface VerifyResult {
  ok: boolean;
  chain: {
    ok: boolean;
    alg: string;
    checked: number;
    anchorSeq: number;
    headSeq: number;
    headHash: string;
    firstProblem?: { kind: string; seq: number; id?: number; message: string };
    problems: Array<{ kind: string; seq: number; id?: number; message: string }>;
  };
  partners: Array<{
    partner: string;
    status: string;
    checked: number;
    pruned: number;
    disagreements: Array<{ seq: number; message: string }>;
    error?: string;
  }>;
}

/** The sealing secret: --passphrase-file, else FEDGRID_SEAL_KEY / FEDGRID_SEAL_PASSPHRASE. */
async function archiveSecret(passphraseFile: string | undefined) {
  return passphraseFile ? readPassphraseFile(passphraseFile) : sealSecretFromEnv();
}

const SEAL_CIPHER = { international: 'AES-256-GCM', gm: 'SM4-CTR + HMAC-SM3' } as const;

function verifyText(r: VerifyResult): string {
  const c = r.chain;
  const lines = [
    `chain: ${c.ok ? 'ok' : 'BROKEN'} — ${c.checked} events checked (${c.alg}), head seq ${c.headSeq} ${c.headHash.slice(0, 16)}…${c.anchorSeq ? `, from anchor seq ${c.anchorSeq}` : ''}`,
  ];
  if (c.firstProblem) {
    lines.push(`first problem: ${c.firstProblem.message}`);
    for (const p of c.problems.slice(1)) lines.push(`  also: ${p.message}`);
  }
  if (r.partners.length) {
    lines.push(
      table([
        ['partner', 'checkpoints', 'status'],
        ...r.partners.map((p) => [p.partner, p.checked, p.status]),
      ]),
    );
    for (const p of r.partners) {
      for (const d of p.disagreements) lines.push(`${p.partner}: ${d.message}`);
      if (p.error) lines.push(`${p.partner}: ${p.error}`);
    }
  } else lines.push('partners: none checked');
  lines.push(r.ok ? 'audit log verified' : 'audit log NOT verified');
  return lines.join('\n');
}

export function auditCommand(): Command {
  const cmd = new Command('audit').description(
    "verify the node's tamper-evident audit log (hash chain and partners' checkpoints)",
  );
  withNode(
    cmd
      .command('verify')
      .description(
        'walk the hash chain, name the first edited, deleted, reordered or missing event, and compare with the checkpoints partners hold (exit 1 if anything disagrees)',
      ),
  )
    .option('--no-partners', 'check the chain only, do not ask partners')
    .action((o: CommonOpts & { partners: boolean }) =>
      run(
        o,
        async (c) => {
          const r = await c.get<VerifyResult>(
            `/v1/audit/verify${o.partners ? '' : '?partners=false'}`,
          );
          if (!r.ok) process.exitCode = 1;
          return r;
        },
        verifyText,
      ),
    );
  withNode(
    cmd
      .command('checkpoint')
      .description('send a signed checkpoint of the audit chain to every contracted partner now'),
  ).action((o: CommonOpts) =>
    run(
      o,
      async (c) => {
        const r = await c.post<{
          items: Array<{ partner: string; ok: boolean; seq?: number; error?: string }>;
        }>('/v1/audit/checkpoints', {});
        if (r.items.some((i) => !i.ok)) process.exitCode = 1;
        return r;
      },
      (r) =>
        r.items.length
          ? table([
              ['partner', 'result'],
              ...r.items.map((i) => [
                i.partner,
                i.ok ? `stored (seq ${i.seq})` : `failed: ${i.error}`,
              ]),
            ])
          : 'no contracted partners',
    ),
  );
  withNode(
    cmd
      .command('export')
      .description(
        'write a signed export archive of the audit chain (JSON Lines: signed manifest with the node certificate, then the events)',
      ),
  )
    .option('--from <seq>', 'first event (default: the first kept)')
    .option('--to <seq>', 'last event (default: the newest)')
    .requiredOption('--out <file>', 'archive file to write (not overwritten)')
    .option(
      '--seal',
      "seal the archive at rest by the node's crypto suite (gm: SM4, international: AES-256-GCM) under --passphrase-file or $FEDGRID_SEAL_PASSPHRASE / $FEDGRID_SEAL_KEY",
    )
    .option(
      '--passphrase-file <file>',
      'with --seal: read the passphrase from this file (first line) instead of the environment',
    )
    .action(
      (
        o: CommonOpts & {
          from?: string;
          to?: string;
          out: string;
          seal?: boolean;
          passphraseFile?: string;
        },
      ) =>
        run(
          o,
          async (c) => {
            if (o.passphraseFile && !o.seal)
              throw new Error('--passphrase-file is for sealing: add --seal');
            // The secret and suite first: nothing is exported when the archive cannot be sealed.
            const secret = o.seal ? await archiveSecret(o.passphraseFile) : undefined;
            if (o.seal && !secret)
              throw new Error(
                '--seal needs a passphrase: --passphrase-file <file>, or set FEDGRID_SEAL_PASSPHRASE (or FEDGRID_SEAL_KEY, 32 bytes as 64 hex digits)',
              );
            const suite = o.seal ? (await loadConfig(o.node)).config.crypto.suite : undefined;
            const q = new URLSearchParams();
            if (o.from) q.set('from', o.from);
            if (o.to) q.set('to', o.to);
            const r = await c.get<{ archive: string }>(`/v1/audit/export${q.size ? `?${q}` : ''}`);
            const v = verifyAuditArchive(r.archive);
            const bytes = secret && suite ? sealAuditArchive(r.archive, suite, secret) : r.archive;
            await writeFile(o.out, bytes, { flag: 'wx', mode: 0o600 });
            return { file: o.out, ...(suite ? { sealed: SEAL_CIPHER[suite] } : {}), ...v };
          },
          (r) =>
            `${r.file}: events seq ${r.fromSeq}–${r.toSeq} (${r.checked}), signed by ${r.node} (${r.fingerprint})${r.sealed ? `, sealed with ${r.sealed}` : ''}`,
        ),
    );
  cmd
    .command('verify-archive')
    .description(
      'verify an export archive offline (no node needed): signature, every event hash, links and range',
    )
    .argument('<file>', 'archive written by `fedgrid audit export` (clear or --seal)')
    .option('--fingerprint <sha256>', 'require this signing certificate (e.g. the pinned one)')
    .option(
      '--passphrase-file <file>',
      'for a sealed archive: read the passphrase from this file (default: $FEDGRID_SEAL_PASSPHRASE / $FEDGRID_SEAL_KEY)',
    )
    .option('--json', 'print JSON instead of text')
    .action(
      async (
        file: string,
        o: { fingerprint?: string; passphraseFile?: string; json?: boolean },
      ) => {
        try {
          const bytes = await readFile(file);
          const sealed = isSealedArchive(bytes);
          // A sealed archive is opened (authenticated) first; nothing of it is shown otherwise.
          const text = sealed
            ? openAuditArchive(bytes, await archiveSecret(o.passphraseFile), file)
            : bytes.toString('utf8');
          const v = { ...verifyAuditArchive(text, o.fingerprint), sealed };
          if (!v.ok) process.exitCode = 1;
          print(v, !!o.json, () =>
            v.ok
              ? `${sealed ? 'sealed archive opened; ' : ''}archive verified: events seq ${v.fromSeq}–${v.toSeq} (${v.checked}) of node ${v.node}, signed by certificate ${v.fingerprint}`
              : `archive NOT verified: ${v.problem}`,
          );
        } catch (err) {
          reportError(err);
        }
      },
    );
  return cmd;
}
