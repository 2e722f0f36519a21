/**
 * Two `fedgrid node start --dir X` (issue #11 item 1): the second exits at once naming the PID
 * of the running one, without touching its store; after a crash (SIGKILL) the node restarts
 * without manual cleanup.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { TestCluster } from './cluster-helpers.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const run = promisify(execFile);
const cluster = new TestCluster();
afterAll(() => cluster.close());

test('a second process on a node directory is refused; a crashed node restarts', async () => {
  const first = await cluster.launch('locked');
  const pid = first.process.pid!;
  const second = await run(process.execPath, [BIN, 'node', 'start', '--dir', first.dir]).then(
    () => ({ code: 0, stderr: '' }),
    (err: { code: number; stderr: string }) => err,
  );
  expect(second.code).toBe(1);
  expect(second.stderr).toContain('NODE_LOCKED');
  expect(second.stderr).toContain(`in use by process ${pid}`);
  // The first node still serves.
  expect((await first.api.get<{ nodeId: string }>('/v1/node')).nodeId).toBe('locked');

  await first.kill();
  cluster.nodes.splice(cluster.nodes.indexOf(first), 1);
  const restarted = await cluster.launch('locked', { existing: true });
  expect((await restarted.api.get<{ nodeId: string }>('/v1/node')).nodeId).toBe('locked');
});
