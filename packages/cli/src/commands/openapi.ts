/** `fedgrid openapi` — print or write the node API's OpenAPI document. */
import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { reportError } from '../output.js';

export function openapiCommand(): Command {
  return new Command('openapi')
    .description(
      "write the node REST API's OpenAPI 3 document (the copy in docs/openapi.json comes from here)",
    )
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (o: { out?: string }) => {
      try {
        // Loaded here: the server is heavy, and other commands do not need it.
        const { exportOpenApi } = await import('@fedgrid/node');
        const text = JSON.stringify(await exportOpenApi(), null, 2) + '\n';
        if (o.out) await writeFile(o.out, text);
        else process.stdout.write(text);
      } catch (err) {
        reportError(err);
      }
    });
}
