// Times `fedgrid node backup` and `restore` of an embedded-store node holding ROWS extra job
// event rows and a data file of MIB MiB (random, incompressible). docs/OPERATIONS.md, "Recovery
// objectives". Usage (after npm run build): node packages/node/scripts/backup-timing.mjs [ROWS] [MIB]
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
const N = await import('../dist/index.js');
const { openStore } = await import('../dist/storage/db.js');
const root = await mkdtemp(join(tmpdir(), 'opsbench-'));
const dir = join(root, 'n');
await N.ensurePgliteTemplate();
await N.initNode({ dir, id: 'bench', apiPort: 0, dataPort: 0 });
const loaded = await N.loadConfig(dir);
const store = await openStore({ dataDir: loaded.paths.dataDir });
const rows = Number(process.argv[2] ?? 200000);
await sql`insert into job_events (job_id, task_name, party, level, kind, message, data, at)
  select 'job-' || (g % 100), 'psi', 'guest', 'info', 'progress', 'stage ' || g, jsonb_build_object('i', g, 'x', g * 1.5), now()
  from generate_series(1, ${rows}) g`.execute(store.db);
await store.close();
const fileMiB = Number(process.argv[3] ?? 256);
await writeFile(join(loaded.paths.dataDir, 'big.bin'), randomBytes(fileMiB * 2 ** 20));
let t = performance.now();
const b = await N.backupNode({ dir, out: join(root, 'b.fgbak') });
const tb = (performance.now() - t) / 1000;
t = performance.now();
const r = await N.restoreNode({ file: join(root, 'b.fgbak'), dir: join(root, 'r') });
const tr = (performance.now() - t) / 1000;
console.log(
  JSON.stringify({
    rows: b.rows,
    files: b.files,
    fileBytes: b.fileBytes,
    archiveBytes: b.bytes,
    backupSeconds: +tb.toFixed(1),
    restoreSeconds: +tr.toFixed(1),
    restoredRows: r.rows,
  }),
);
await rm(root, { recursive: true, force: true });
