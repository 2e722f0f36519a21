/**
 * The embedded store's checkpoint policy (storage/wal-checkpoints.ts): past the bound of log
 * written since the last checkpoint it runs one, and the database's own numbers (the log written
 * since the redo point) comes down; with 0 nothing runs and pg_wal keeps every segment; closing the store
 * stops the timer. All assertions are on PostgreSQL's numbers, none on time.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../dist/storage/db.js';
import { startWalCheckpoints } from '../dist/storage/wal-checkpoints.js';
import { TEST_DATABASE_URL } from './nodes.js';

const MiB = 2 ** 20;
const root = mkdtempSync(join(tmpdir(), 'fedgrid-wal-checkpoints-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Log written since the last checkpoint's redo point (bytes), and that redo point. */
async function walSinceRedo(db: Kysely<unknown>): Promise<{ bytes: number; redo: string }> {
  const r = await sql<{ bytes: number; redo: string }>`
    select pg_wal_lsn_diff(pg_current_wal_lsn(), (pg_control_checkpoint()).redo_lsn)::float8 as bytes,
           (pg_control_checkpoint()).redo_lsn::text as redo`.execute(db);
  return { bytes: Number(r.rows[0]!.bytes), redo: r.rows[0]!.redo };
}

/** Writes at least `bytes` of log with audit-like rows (one commit per ≈ 1 MB). */
async function writeWal(db: Kysely<unknown>, bytes: number): Promise<void> {
  await sql`create table if not exists wal_filler (id bigserial primary key, body text)`.execute(
    db,
  );
  const start = (await walSinceRedo(db)).bytes;
  // Each row ≈ 1 KB of text that does not compress (md5s), so the log grows by about as much.
  while ((await walSinceRedo(db)).bytes - start < bytes)
    await sql`insert into wal_filler (body)
              select repeat(md5(g::text || random()::text), 30) from generate_series(1, 1000) g`.execute(
      db,
    );
}

/** WAL segment files in the store's pg_wal. */
function segments(dataDir: string): number {
  return readdirSync(join(dataDir, 'pglite', 'pg_wal')).filter((f) => /^[0-9A-F]{24}$/.test(f))
    .length;
}

describe.skipIf(!!TEST_DATABASE_URL)('WAL checkpoint policy (embedded store)', () => {
  it('past the bound runs a checkpoint: the log since the redo point comes down', async () => {
    const dataDir = join(root, 'bounded');
    const store = await openStore({ dataDir, checkpointWalMb: 16 });
    try {
      const db = store.db as unknown as Kysely<unknown>;
      const policy = store.walCheckpoints!;
      expect(policy.boundBytes).toBe(16 * MiB);
      // Below the bound: checked, nothing run.
      const before = await walSinceRedo(db);
      expect(await policy.checkNow()).toMatchObject({ ran: false });
      expect((await walSinceRedo(db)).redo).toBe(before.redo);

      // 56 MiB with a check after each 8 MiB, as the timer would.
      let ran = 0;
      for (let i = 0; i < 7; i++) {
        await writeWal(db, 8 * MiB);
        const c = (await policy.checkNow())!;
        if (c.ran) {
          ran++;
          expect(c.walBytes).toBeGreaterThan(16 * MiB);
          expect((await walSinceRedo(db)).bytes).toBeLessThan(MiB);
        } else expect(c.walBytes).toBeLessThanOrEqual(16 * MiB);
      }
      expect(ran).toBeGreaterThanOrEqual(2);
      const after = await walSinceRedo(db);
      expect(after.redo).not.toBe(before.redo);
      expect(after.bytes).toBeLessThanOrEqual(24 * MiB);
      expect(await store.check()).toEqual([]);
    } finally {
      await store.close();
    }
    expect(store.walCheckpoints!.active).toBe(false);
    expect(await store.walCheckpoints!.checkNow()).toBeUndefined();
  });

  it('with 0 no policy runs: the log since the redo point keeps growing', async () => {
    const dataDir = join(root, 'off');
    const store = await openStore({ dataDir, checkpointWalMb: 0 });
    try {
      expect(store.walCheckpoints).toBeUndefined();
      const db = store.db as unknown as Kysely<unknown>;
      const before = await walSinceRedo(db);
      const segmentsBefore = segments(dataDir);
      await writeWal(db, 40 * MiB);
      const after = await walSinceRedo(db);
      expect(after.redo).toBe(before.redo);
      expect(after.bytes - before.bytes).toBeGreaterThanOrEqual(40 * MiB);
      // Nothing removed or recycled: at least the 40 MiB written is held in new segments.
      expect(segments(dataDir)).toBeGreaterThanOrEqual(segmentsBefore + 2);
    } finally {
      await store.close();
    }
    // PGlite's close runs the shutdown checkpoint: the reopened store has (nearly) nothing to replay.
    const reopened = await openStore({ dataDir, checkpointWalMb: 0 });
    try {
      expect((await walSinceRedo(reopened.db as unknown as Kysely<unknown>)).bytes).toBeLessThan(
        MiB,
      );
    } finally {
      await reopened.close();
    }
  });

  it('ticks on its timer and stops it (a running check finished first)', async () => {
    const store = await openStore({ dataDir: join(root, 'timer'), checkpointWalMb: 0 });
    try {
      const db = store.db as unknown as Kysely<unknown>;
      const set: { run: () => void; ms: number; handle: object }[] = [];
      const cleared: unknown[] = [];
      const seen: number[] = [];
      const policy = startWalCheckpoints(db, {
        boundBytes: 4 * MiB,
        timers: {
          setInterval: (run, ms) => {
            const handle = {};
            set.push({ run, ms, handle });
            return handle;
          },
          clearInterval: (handle) => cleared.push(handle),
        },
        onCheckpoint: (c) => seen.push(c.walBytes),
      });
      expect(set).toHaveLength(1);
      expect(set[0]!.ms).toBe(30_000);
      await writeWal(db, 6 * MiB);
      const redo = (await walSinceRedo(db)).redo;
      // A tick starts a check; checkNow joins it instead of starting a second one.
      set[0]!.run();
      const c = (await policy.checkNow())!;
      expect(c.ran).toBe(true);
      expect(seen).toEqual([c.walBytes]);
      expect((await walSinceRedo(db)).redo).not.toBe(redo);

      await writeWal(db, 6 * MiB);
      const redo2 = (await walSinceRedo(db)).redo;
      await policy.stop();
      expect(cleared).toEqual([set[0]!.handle]);
      expect(policy.active).toBe(false);
      // A tick after stop queries nothing.
      set[0]!.run();
      expect(await policy.checkNow()).toBeUndefined();
      expect((await walSinceRedo(db)).redo).toBe(redo2);
      expect(seen).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('refuses a bound of 0 (the setting turns the policy off instead)', async () => {
    const store = await openStore({ dataDir: join(root, 'zero'), checkpointWalMb: 0 });
    try {
      expect(() =>
        startWalCheckpoints(store.db as unknown as Kysely<unknown>, { boundBytes: 0 }),
      ).toThrow(/must be positive/);
    } finally {
      await store.close();
    }
  });
});
