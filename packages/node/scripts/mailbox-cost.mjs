// The cost of the data plane's PostgreSQL mailbox (a node run as several processes) against the
// in-memory one: 128 MiB in 4 MiB chunks pushed and taken, and 500 small messages pushed and
// taken one after the other, in one process on a throwaway schema. docs/OPERATIONS.md, "Cost".
// Usage (after npm run build): node packages/node/scripts/mailbox-cost.mjs [POSTGRES_URL]
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Mailbox } from '@fedgrid/federation';
import { openStore, dropStoreSchema } from '../dist/storage/db.js';
import { DbMailbox } from '../dist/cluster/db-mailbox.js';
const url = process.argv[2] ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `fedgrid_measure_${randomBytes(4).toString('hex')}`;
const store = await openStore({
  dataDir: mkdtempSync(join(tmpdir(), 'm-')),
  databaseUrl: url,
  databaseSchema: schema,
});
const opts = {
  localParties: ['guest'],
  allowSender: () => true,
  partyNodes: { guest: 'a', host: 'b' },
};
const chunk = randomBytes(4 * 2 ** 20);
async function run(box, label, payloads, chunks) {
  await box.openSession('s', opts);
  const t0 = performance.now();
  for (let p = 0; p < payloads; p++) {
    for (let i = 0; i < chunks; i++)
      await box.deliver(
        {
          session: 's',
          tag: `t${p}`,
          src: 'host',
          dst: 'guest',
          seq: i,
          total: chunks,
          data: chunk.subarray(0, chunk.length),
        },
        'b',
      );
    await box.take('s', `t${p}`, 'host', 'guest');
  }
  const ms = performance.now() - t0;
  const mib = payloads * chunks * 4;
  console.log(
    `${label}: ${mib} MiB in ${payloads} payloads of ${chunks}×4 MiB: ${ms.toFixed(0)} ms, ${(mib / (ms / 1000)).toFixed(1)} MiB/s`,
  );
  await box.closeSession('s');
}
async function small(box, label, n) {
  await box.openSession('s', opts);
  const t0 = performance.now();
  for (let p = 0; p < n; p++) {
    await box.deliver(
      {
        session: 's',
        tag: `m${p}`,
        src: 'host',
        dst: 'guest',
        seq: 0,
        total: 1,
        data: chunk.subarray(0, 1024),
      },
      'b',
    );
    await box.take('s', `m${p}`, 'host', 'guest');
  }
  const ms = performance.now() - t0;
  console.log(`${label}: ${n} 1-KiB messages push+take: ${(ms / n).toFixed(2)} ms each`);
  await box.closeSession('s');
}
const db = new DbMailbox({
  db: store.db,
  databaseUrl: url,
  schema,
  log: pino({ level: 'silent' }),
});
await db.start();
await run(new Mailbox(), 'in-memory', 8, 4);
await run(db, 'PostgreSQL', 8, 4);
await small(new Mailbox(), 'in-memory', 500);
await small(db, 'PostgreSQL', 500);
await db.close();
await store.close();
await dropStoreSchema(url, schema);
