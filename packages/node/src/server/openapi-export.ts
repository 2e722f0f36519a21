/**
 * Produces the OpenAPI document of a node's REST API without listening on any port: a throwaway
 * node in a temporary directory, the API built in-process, the document taken, everything removed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initNode } from './init.js';
import { startNode } from './start.js';

export async function exportOpenApi(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'fedgrid-openapi-'));
  try {
    await initNode({ dir: join(dir, 'node'), id: 'openapi' });
    const node = await startNode({ dir: join(dir, 'node'), listen: false, logLevel: 'error' });
    try {
      const doc = node.app.swagger() as Record<string, unknown>;
      // Server addresses are per deployment; keep the committed document stable.
      delete doc['servers'];
      return doc;
    } finally {
      await node.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
