/**
 * The tamper-evident audit chain (issue 13 item 3) on the backend of the test project (PGlite or
 * PostgreSQL): appends are gapless and serialised; `verifyChain` names the first edited, deleted,
 * reordered or cut-off event; bypassing the append-only trigger (session_replication_role =
 * replica, DISABLE TRIGGER) lets the database owner change rows but not escape verification;
 * events written before the chain existed are chained at migration time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePgliteTemplate } from '@fedgrid/node';
import { AuditService, type AuditEvent } from '../dist/audit/audit.service.js';
import { verifyChain } from '../dist/audit/audit-verify.js';
import {
  exportAuditArchive,
  isSealedArchive,
  openAuditArchive,
  sealAuditArchive,
  verifyAuditArchive,
} from '../dist/audit/audit-archive.js';
import { sealAtRest } from '@fedgrid/crypto';
import { generateIdentity } from '@fedgrid/federation';
import { openStore, type Store } from '../dist/storage/db.js';
import type { Database } from '../dist/storage/schema.js';
import { openTestStore, TEST_DATABASE_URL, testStoreLocation } from './nodes.js';

const root = mkdtempSync(join(tmpdir(), 'fedgrid-audit-chain-'));
const stores: Store[] = [];
beforeAll(async () => {
  if (!TEST_DATABASE_URL) await ensurePgliteTemplate();
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  rmSync(root, { recursive: true, force: true });
});

let n = 0;
async function chainOf(events: number): Promise<{ db: Kysely<Database>; audit: AuditService }> {
  const store = await openTestStore(join(root, `s${n++}`));
  stores.push(store);
  const audit = new AuditService(store.db, 'auditnode');
  for (let i = 1; i <= events; i++) await audit.record(event(i));
  return { db: store.db, audit };
}

function event(i: number): AuditEvent {
  return {
    actorKind: 'admin',
    actorId: 'admin',
    action: 'POST /v1/datasets',
    objectType: 'dataset',
    objectId: `ds-${i}`,
    outcome: 'success',
    status: 200,
    details: { i, note: 'ünïcode ✓', nested: { b: 2, a: [1, 'x', null] } },
  };
}

/** What the database owner can do: bypass the append-only trigger for one transaction. */
async function asOwner(db: Kysely<Database>, change: (t: Kysely<Database>) => Promise<unknown>) {
  await db.transaction().execute(async (t) => {
    await sql`SET LOCAL session_replication_role = replica`.execute(t);
    await change(t);
  });
}

const idAt = async (db: Kysely<Database>, seq: number) =>
  Number(
    (
      await db
        .selectFrom('audit_events')
        .select('id')
        .where('seq', '=', String(seq))
        .executeTakeFirstOrThrow()
    ).id,
  );

describe('audit hash chain', () => {
  it('untouched: verifies; concurrent appends get seqs 1..n without gaps or forks', async () => {
    const { db, audit } = await chainOf(3);
    await Promise.all(Array.from({ length: 40 }, (_, i) => audit.record(event(100 + i))));
    await audit.recordMany([event(200), event(201)]);
    const rows = await db
      .selectFrom('audit_events')
      .select(['seq', 'prev_hash', 'hash'])
      .orderBy('seq')
      .execute();
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 45 }, (_, i) => i + 1));
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prev_hash).toBe(rows[i - 1]!.hash);
    const v = await verifyChain(db);
    expect(v).toMatchObject({ ok: true, alg: 'sha256', checked: 45, headSeq: 45, problems: [] });
    expect(v.headHash).toBe(rows[44]!.hash);
  });

  it('writers that move the head behind each other (two services, a caller transaction) still make one chain', async () => {
    const { db, audit } = await chainOf(2);
    // A second writer on the same store (another process on one PostgreSQL schema, or a request's
    // own transaction) moves the head that `audit` last wrote: its next one-statement append must
    // insert nothing and fall back to the locking path, not fork the chain.
    const other = new AuditService(db, 'auditnode');
    await other.record(event(10));
    await audit.record(event(11));
    await db.transaction().execute((t) => other.record(event(12), t));
    await audit.recordMany([event(13), event(14)]);
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => audit.record(event(20 + i))),
      ...Array.from({ length: 10 }, (_, i) => other.record(event(40 + i))),
    ]);
    // A caller transaction that rolls back leaves no head behind that a later append trusts.
    await expect(
      db.transaction().execute(async (t) => {
        await audit.record(event(60), t);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await audit.record(event(61));
    const rows = await db
      .selectFrom('audit_events')
      .select(['seq', 'prev_hash', 'hash'])
      .orderBy('seq')
      .execute();
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 28 }, (_, i) => i + 1));
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prev_hash).toBe(rows[i - 1]!.hash);
    expect(await verifyChain(db)).toMatchObject({
      ok: true,
      checked: 28,
      headSeq: 28,
      problems: [],
    });
  });

  it('the append-only trigger still refuses UPDATE and DELETE to ordinary statements', async () => {
    const { db } = await chainOf(2);
    await expect(sql`UPDATE audit_events SET outcome = 'failure'`.execute(db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`DELETE FROM audit_events`.execute(db)).rejects.toThrow(/append-only/);
  });

  it("an edited event's payload (trigger bypassed with session_replication_role = replica) is named", async () => {
    const { db } = await chainOf(6);
    const id = await idAt(db, 4);
    await asOwner(db, (t) =>
      sql`UPDATE audit_events SET details = jsonb_set(details, '{i}', '40') WHERE seq = 4`.execute(
        t,
      ),
    );
    // The bypass worked: the row did change.
    const row = await db
      .selectFrom('audit_events')
      .select('details')
      .where('seq', '=', '4')
      .executeTakeFirstOrThrow();
    expect((row.details as { i: number }).i).toBe(40);
    const v = await verifyChain(db);
    expect(v.ok).toBe(false);
    expect(v.firstProblem).toMatchObject({ kind: 'edited', seq: 4, id });
    expect(v.problems).toHaveLength(1);
  });

  it('an edited actor (trigger disabled with ALTER TABLE … DISABLE TRIGGER) is named', async () => {
    const { db } = await chainOf(5);
    await sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change`.execute(db);
    await sql`UPDATE audit_events SET actor_id = 'someone-else' WHERE seq = 2`.execute(db);
    await sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change`.execute(db);
    const v = await verifyChain(db);
    expect(v.firstProblem).toMatchObject({ kind: 'edited', seq: 2, id: await idAt(db, 2) });
  });

  it('a deleted event is named by its seq', async () => {
    const { db } = await chainOf(6);
    await asOwner(db, (t) => sql`DELETE FROM audit_events WHERE seq = 3`.execute(t));
    const v = await verifyChain(db);
    expect(v.ok).toBe(false);
    expect(v.firstProblem).toMatchObject({ kind: 'missing', seq: 3 });
    expect(v.firstProblem?.message).toMatch(/seq 3 is missing/);
  });

  it('two events with swapped seqs are named as reordered', async () => {
    const { db } = await chainOf(6);
    const id2 = await idAt(db, 2);
    await asOwner(db, async (t) => {
      await sql`UPDATE audit_events SET seq = -1 WHERE seq = 2`.execute(t);
      await sql`UPDATE audit_events SET seq = 2 WHERE seq = 5`.execute(t);
      await sql`UPDATE audit_events SET seq = 5 WHERE seq = -1`.execute(t);
    });
    const v = await verifyChain(db);
    expect(v.ok).toBe(false);
    expect(v.firstProblem).toMatchObject({ kind: 'reordered', seq: 2 });
    expect(v.problems.map((p) => [p.kind, p.seq])).toContainEqual(['reordered', 5]);
    expect(v.problems.find((p) => p.seq === 5)?.id).toBe(id2);
  });

  it('a cut-off tail is named (the head row remembers the count)', async () => {
    const { db } = await chainOf(7);
    await asOwner(db, (t) => sql`DELETE FROM audit_events WHERE seq >= 5`.execute(t));
    const v = await verifyChain(db);
    expect(v.firstProblem).toMatchObject({ kind: 'truncated', seq: 5 });
    expect(v.firstProblem?.message).toMatch(/5–7 are missing/);
  });

  it('TRUNCATE of the whole log is named', async () => {
    const { db } = await chainOf(3);
    await sql`TRUNCATE audit_events`.execute(db);
    const v = await verifyChain(db);
    expect(v.firstProblem).toMatchObject({ kind: 'truncated', seq: 1 });
  });

  it('an event inserted outside the chain is named', async () => {
    const { db } = await chainOf(3);
    await sql`INSERT INTO audit_events (node_id, actor_kind, actor_id, action, outcome, seq, prev_hash, hash)
              VALUES ('auditnode', 'admin', 'admin', 'forged', 'success', 4, 'x', 'y')`.execute(db);
    const v = await verifyChain(db);
    expect(v.firstProblem).toMatchObject({ kind: 'edited', seq: 4 });
  });
});

describe('migration 0016', () => {
  it('chains the events written before it, in id order, and the chain verifies', async () => {
    const loc = testStoreLocation(join(root, 'upgrade'));
    try {
      const old = await openStore({ ...loc.options, migrateTo: '0014_deployments' });
      for (const action of ['POST /v1/a', 'POST /v1/b', 'DELETE /v1/c']) {
        await sql`INSERT INTO audit_events (node_id, actor_kind, actor_id, action, outcome, status, details)
                  VALUES ('oldnode', 'admin', 'admin', ${action}, 'success', 200, '{"k": [1, 2.5, "z"]}')`.execute(
          old.db,
        );
      }
      await old.close();
      const store = await openStore(loc.options);
      try {
        const rows = await store.db
          .selectFrom('audit_events')
          .select(['id', 'seq', 'action'])
          .orderBy('id')
          .execute();
        expect(rows.map((r) => [Number(r.seq), r.action])).toEqual([
          [1, 'POST /v1/a'],
          [2, 'POST /v1/b'],
          [3, 'DELETE /v1/c'],
        ]);
        const audit = new AuditService(store.db, 'oldnode');
        await audit.record(event(1));
        expect(await verifyChain(store.db)).toMatchObject({ ok: true, checked: 4, headSeq: 4 });
      } finally {
        await store.close();
      }
    } finally {
      await loc.drop();
    }
  });
});

describe('signed export archives', () => {
  it('verify offline; an edited, dropped or re-signed archive is refused naming the line', async () => {
    const { db } = await chainOf(5);
    const id = await generateIdentity('auditnode');
    const { text, manifest } = await exportAuditArchive(db, {
      nodeId: 'auditnode',
      keyPem: id.keyPem,
      certPem: id.certPem,
      from: 2,
      to: 4,
    });
    expect(manifest).toMatchObject({ fromSeq: 2, toSeq: 4, count: 3, alg: 'sha256' });
    expect(verifyAuditArchive(text)).toMatchObject({
      ok: true,
      checked: 3,
      node: 'auditnode',
      fingerprint: id.fingerprint,
    });
    expect(verifyAuditArchive(text, id.fingerprint).ok).toBe(true);
    const lines = text.trimEnd().split('\n');
    const edited = [...lines];
    edited[2] = edited[2]!.replace('"ds-3"', '"ds-X"');
    expect(verifyAuditArchive(edited.join('\n'))).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/line 3: event seq 3 .*edited/),
    });
    const dropped = lines.filter((_, i) => i !== 2);
    expect(verifyAuditArchive(dropped.join('\n')).problem).toMatch(/line 3: expected event seq 3/);
    const cut = lines.slice(0, 3);
    expect(verifyAuditArchive(cut.join('\n')).problem).toMatch(/cut off/);
    // Re-signed by someone else: verifies only against its own certificate, not the expected one.
    const other = await generateIdentity('auditnode');
    const forged = await exportAuditArchive(db, {
      nodeId: 'auditnode',
      keyPem: other.keyPem,
      certPem: other.certPem,
    });
    expect(verifyAuditArchive(forged.text, id.fingerprint).problem).toMatch(/not the expected/);
    // A manifest changed after signing.
    const header = JSON.parse(lines[0]!) as { manifest: { toSeq: number } };
    header.manifest.toSeq = 3;
    expect(
      verifyAuditArchive([JSON.stringify(header), ...lines.slice(1, 3)].join('\n')).problem,
    ).toMatch(/signature does not verify/);
    expect(verifyAuditArchive('garbage\n').problem).toMatch(/line 1: not JSON/);
  });

  it('sealed at rest by suite (issue 13 item 4): opens to the signed text, refuses a wrong secret, altered bytes, another purpose', async () => {
    const { db } = await chainOf(3);
    const id = await generateIdentity('auditnode');
    const { text } = await exportAuditArchive(db, {
      nodeId: 'auditnode',
      keyPem: id.keyPem,
      certPem: id.certPem,
    });
    const key = new Uint8Array(32).fill(7);
    for (const [suite, code] of [
      ['international', 1],
      ['gm', 2],
    ] as const) {
      const sealed = sealAuditArchive(text, suite, { passphrase: 'correct horse' });
      expect(isSealedArchive(sealed)).toBe(true);
      expect(isSealedArchive(Buffer.from(text))).toBe(false);
      // The suite is in the header (AES-256-GCM = 1, SM4 = 2); no event text is readable.
      expect(sealed[8]).toBe(code);
      expect(Buffer.from(sealed).includes('ds-2')).toBe(false);
      expect(Buffer.from(sealed).includes('fedgrid.audit-archive')).toBe(false);
      const opened = openAuditArchive(sealed, { passphrase: 'correct horse' }, 'a.fgar');
      expect(opened).toBe(text);
      expect(verifyAuditArchive(opened, id.fingerprint)).toMatchObject({ ok: true, checked: 3 });
      expect(() => openAuditArchive(sealed, { passphrase: 'wrong horse' }, 'a.fgar')).toThrow(
        /cannot open the sealed audit archive a\.fgar: .*failed authentication/,
      );
      const altered = Buffer.from(sealed);
      altered[altered.length - 40]! ^= 1;
      expect(() => openAuditArchive(altered, { passphrase: 'correct horse' })).toThrow(
        /failed authentication/,
      );
      expect(() => openAuditArchive(sealed, undefined, 'a.fgar')).toThrow(
        /a\.fgar is sealed: give the passphrase with --passphrase-file/,
      );
      // A key-sealed archive opens with the key only; a sealed secret file of the node (another
      // purpose) does not pass for an archive even under the same key.
      const byKey = sealAuditArchive(text, suite, { key });
      expect(openAuditArchive(byKey, { key })).toBe(text);
      expect(() => openAuditArchive(byKey, { passphrase: 'correct horse' })).toThrow(/with a key/);
      const tokenFile = sealAtRest(suite, { key }, Buffer.from(text), Buffer.from('admin-token'));
      expect(() => openAuditArchive(tokenFile, { key })).toThrow(/failed authentication/);
    }
    expect(() => openAuditArchive(Buffer.from(text), { key })).toThrow(/not sealed/);
  });
});
