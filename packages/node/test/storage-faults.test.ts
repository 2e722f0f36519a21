/**
 * A full disk (issue #11 item 2), simulated by injecting the write system call: a dataset whose
 * snapshot cannot be written completely is not registered, leaves no temp file, is logged, and
 * the node reports itself degraded until a write succeeds again.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_FILE_OPS, writeFileAtomic } from '../dist/storage/files.js';
import { TestNodes } from './nodes.js';

const root = mkdtempSync(join(tmpdir(), 'fedgrid-storage-faults-'));
const nodes = new TestNodes();
afterAll(async () => {
  await nodes.close();
  rmSync(root, { recursive: true, force: true });
});

/** A disk with `room` bytes left: writes are cut short at the limit, then fail with ENOSPC. */
class SmallDisk {
  room = Infinity;
  write = async (fh: FileHandle, data: Uint8Array, offset: number): Promise<number> => {
    const want = data.length - offset;
    if (this.room <= 0)
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const n = Math.min(want, this.room);
    this.room -= n;
    return (await fh.write(data, offset, n)).bytesWritten;
  };
}

function csv(rows: number): string {
  const path = join(root, `data-${rows}.csv`);
  const lines = ['id,x1,x2,y'];
  for (let i = 0; i < rows; i++) lines.push(`${i},${i / rows},${(i * 7) % 11},${i % 2}`);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

describe('disk full', () => {
  it('refuses the registration, leaves no file behind, logs it and reports degraded health', async () => {
    const disk = new SmallDisk();
    const log: string[] = [];
    const n = await nodes.start('faults-disk', {
      startOptions: {
        fileOps: { write: disk.write },
        logDestination: { write: (line: string) => void log.push(line) },
      },
    });
    const health0 = await n.call<{ status: string }>('GET', '/v1/health');
    expect(health0.status).toBe(200);
    expect(health0.body.status).toBe('ok');

    disk.room = 100; // the snapshot needs several KiB
    const r = await n.call<{ code: string; message: string }>('POST', '/v1/datasets', {
      name: 'usage',
      path: csv(200),
      labelColumn: 'y',
    });
    expect(r.status).toBe(507);
    expect(r.body.code).toBe('STORAGE_FULL');
    // Nothing recorded, nothing left on disk (neither a short snapshot nor its temp file).
    const list = await n.ok<{ items: unknown[] }>('GET', '/v1/datasets');
    expect(list.items).toEqual([]);
    const dataDir = n.node.config.paths.dataDir;
    expect(await readdir(join(dataDir, 'datasets'))).toEqual([]);
    // A second attempt on the full disk fails the same way and leaves no 0-byte temp file.
    expect(
      (await n.call('POST', '/v1/datasets', { name: 'usage', path: csv(200), labelColumn: 'y' }))
        .status,
    ).toBe(507);
    expect(await readdir(join(dataDir, 'datasets'))).toEqual([]);

    const health = await n.call<{
      status: string;
      storage: { ok: boolean; lastWriteError: { code: string } | null; problems: string[] };
    }>('GET', '/v1/health');
    expect(health.status).toBe(503);
    expect(health.body.status).toBe('degraded');
    expect(health.body.storage.lastWriteError?.code).toBe('ENOSPC');
    expect(log.some((l) => l.includes('storage write failed'))).toBe(true);

    // Space again: the next registration succeeds completely and health recovers.
    disk.room = Infinity;
    const ds = await n.ok<{ id: string; rows: number }>('POST', '/v1/datasets', {
      name: 'usage',
      path: csv(200),
      labelColumn: 'y',
    });
    expect(ds.rows).toBe(200);
    expect(await readdir(join(dataDir, 'datasets'))).toEqual([`${ds.id}.fgds`]);
    await expect(n.node.services.datasets.load(ds.id)).resolves.toMatchObject({
      ids: expect.any(Array),
    });
    const healed = await n.call<{ status: string }>('GET', '/v1/health');
    expect(healed.status).toBe(200);
    expect(healed.body.status).toBe('ok');
  });
});

describe('writeFileAtomic', () => {
  it('continues short writes until the whole file is written', async () => {
    const path = join(root, 'short.bin');
    const data = Buffer.from('0123456789'.repeat(50));
    await writeFileAtomic(path, [data.subarray(0, 7), data.subarray(7)], {
      ops: {
        ...DEFAULT_FILE_OPS,
        // At most 3 bytes per call, as write(2) may do near a full disk or on a signal.
        write: async (fh, d, off) =>
          (await fh.write(d, off, Math.min(3, d.length - off))).bytesWritten,
      },
    });
    expect(readFileSync(path)).toEqual(data);
  });

  it('keeps the old file and removes the temp file when fsync fails', async () => {
    const dir = mkdtempSync(join(root, 'sync-'));
    const path = join(dir, 'config.yaml');
    await writeFileAtomic(path, 'old\n');
    await expect(
      writeFileAtomic(path, 'new\n', {
        ops: {
          ...DEFAULT_FILE_OPS,
          sync: () => Promise.reject(Object.assign(new Error('EIO'), { code: 'EIO' })),
        },
      }),
    ).rejects.toMatchObject({ code: 'EIO' });
    expect(readFileSync(path, 'utf8')).toBe('old\n');
    expect(await readdir(dir)).toEqual(['config.yaml']);
  });
});
