/**
 * One node process per node directory and per PostgreSQL schema (issue #11 item 1): a second
 * start is refused naming the holder's PID, and a lock left by a dead process is taken over.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dropStoreSchema, initNode, startNode } from '@fedgrid/node';
import { LOCK_FILE, processStartTicks } from '../dist/storage/node-lock.js';
import { TEST_DATABASE_URL, TestNodes } from './nodes.js';

const nodes = new TestNodes();
afterAll(() => nodes.close());

describe('node directory lock', () => {
  it('refuses a second process on a running node directory, naming the PID that holds it', async () => {
    const a = await nodes.start('lock-a');
    const dir = a.node.config.dir;
    const second = startNode({ dir, listen: false, logLevel: 'error' });
    await expect(second).rejects.toMatchObject({
      code: 'NODE_LOCKED',
      message: expect.stringContaining(`in use by process ${process.pid}`),
    });
    // The first node is untouched and keeps its lock.
    expect((await a.call('GET', '/v1/health')).status).toBe(200);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({
      pid: process.pid,
    });
    // Once it stops, the directory is free again.
    await a.node.close();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const again = await startNode({ dir, listen: false, logLevel: 'error' });
    await again.close();
  });

  it('takes over the lock of a process that is gone (crash, SIGKILL) or whose PID was reused', async () => {
    const b = await nodes.start('lock-b');
    const dir = b.node.config.dir;
    await b.node.close();
    // A PID that has exited: a child process that ran and ended.
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const stale = (pid: number, startTicks: string | null) =>
      writeFileSync(
        join(dir, LOCK_FILE),
        JSON.stringify({
          pid,
          hostname: hostname(),
          startTicks,
          startedAt: '2020-01-01T00:00:00.000Z',
          token: 'crashed',
        }),
      );
    for (const [pid, ticks] of [
      [dead, null],
      // This very PID, but recorded with another start time: a reused PID.
      ...(processStartTicks(process.pid) ? [[process.pid, '1']] : []),
    ] as [number, string | null][]) {
      stale(pid, ticks);
      const node = await startNode({ dir, listen: false, logLevel: 'error' });
      expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).token).not.toBe('crashed');
      await node.close();
    }
  });

  it.skipIf(!TEST_DATABASE_URL)(
    'refuses a second node on the same PostgreSQL schema from another directory',
    async () => {
      const c = await nodes.start('lock-c');
      const schema = c.node.config.config.storage.databaseSchema!;
      const dir = join(c.node.config.dir, '..', 'lock-c-twin');
      await initNode({
        dir,
        id: 'lock-c-twin',
        databaseUrl: TEST_DATABASE_URL!,
        databaseSchema: `${schema}_twin`,
      });
      try {
        await expect(
          startNode({ dir, databaseSchema: schema, listen: false, logLevel: 'error' }),
        ).rejects.toMatchObject({
          code: 'NODE_LOCKED',
          message: expect.stringContaining(`schema '${schema}' is in use by another node`),
        });
      } finally {
        await dropStoreSchema(TEST_DATABASE_URL!, `${schema}_twin`);
      }
    },
  );
});
