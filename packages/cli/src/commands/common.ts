/** Options every API command shares: which node (directory) and output format. */
import type { Command } from 'commander';
import { ApiClient, targetFromNodeDir } from '../api-client.js';
import { print, reportError } from '../output.js';

export interface CommonOpts {
  node: string;
  json?: boolean;
}

export function withNode(cmd: Command): Command {
  return cmd
    .option(
      '--node <dir>',
      'node directory (as created by `fedgrid node init`)',
      process.env.FEDGRID_NODE ?? '.',
    )
    .option('--json', 'print JSON instead of text');
}

export async function client(opts: CommonOpts): Promise<ApiClient> {
  return new ApiClient(await targetFromNodeDir(opts.node));
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
