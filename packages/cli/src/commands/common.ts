/** Options every API command shares: which node (directory), which credential, output format. */
import { X509Certificate } from 'node:crypto';
import type { Command } from 'commander';
import { ApiClient, targetFromNodeDir, type ApiTarget } from '../api-client.js';
import { savedSession } from '../credentials.js';
import { print, reportError } from '../output.js';

export interface CommonOpts {
  node: string;
  json?: boolean;
  token?: string;
}

export function withNode(cmd: Command): Command {
  return cmd
    .option(
      '--node <dir>',
      'node directory (as created by `fedgrid node init`)',
      process.env.FEDGRID_NODE ?? '.',
    )
    .option(
      '--token <token>',
      'a session or API token to call with (default: $FEDGRID_TOKEN, else the session `fedgrid login` saved for this node, else the node’s admin token)',
    )
    .option('--json', 'print JSON instead of text');
}

/**
 * The node's URL and certificate, and the credential to call it with: --token, $FEDGRID_TOKEN,
 * the session `fedgrid login` saved for this node, or (break-glass) the node's admin token.
 */
export async function target(opts: CommonOpts): Promise<ApiTarget & { fingerprint: string }> {
  const t = await targetFromNodeDir(opts.node);
  const fingerprint = new X509Certificate(t.certPem).fingerprint256;
  const explicit = opts.token ?? process.env['FEDGRID_TOKEN'];
  const token = explicit || (await savedSession(fingerprint))?.token || t.token;
  return { ...t, token, fingerprint };
}

export async function client(opts: CommonOpts): Promise<ApiClient> {
  return new ApiClient(await target(opts));
}

/** Runs an API call against the node and prints its result (text, or JSON with --json). */
export function run<T>(
  o: CommonOpts,
  fn: (c: ApiClient) => Promise<T>,
  text: (r: T) => string,
): Promise<void> {
  return client(o)
    .then(fn)
    .then((r) => print(r, !!o.json, () => text(r)))
    .catch(reportError);
}
