/** Options every API command shares: which node (directory) and output format. */
import type { Command } from 'commander';
import { ApiClient, targetFromNodeDir } from '../api-client.js';

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
