/**
 * Partner checkpoints of the audit chain (issue 13 item 3) between two real nodes over mutual
 * TLS: a node signs its chain head for its partner, the partner verifies it against the pinned
 * certificate and keeps it; forged, misaddressed, replayed, future-dated or malformed checkpoints
 * are refused; and once the operator rewrites its own history — every hash recomputed, so that
 * its chain verifies locally — the checkpoint its partner holds exposes it.
 */
import { generateIdentity } from '@fedgrid/federation';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEventHash, chainedFields } from '../dist/audit/audit-hash.js';
import {
  checkpointsToKeep,
  signCheckpoint,
  type CheckpointBody,
  type SignedCheckpoint,
} from '../dist/audit/audit-checkpoints.js';
import { TestNodes, type TestNode } from './nodes.js';

const nodes = new TestNodes();
let a: TestNode;
let b: TestNode;
beforeAll(async () => {
  [a, b] = await Promise.all([nodes.start('ckpt-a'), nodes.start('ckpt-b')]);
  await nodes.contract(a, b);
});
afterAll(() => nodes.close());

interface Verify {
  ok: boolean;
  chain: { ok: boolean; headSeq: number; firstProblem?: { kind: string; seq: number } };
  partners: Array<{
    partner: string;
    status: string;
    checked: number;
    disagreements: Array<{ seq: number; message: string }>;
  }>;
}

const body = (over: Partial<CheckpointBody> = {}): CheckpointBody => ({
  type: 'fedgrid.audit-checkpoint',
  v: 1,
  node: 'ckpt-a',
  to: 'ckpt-b',
  alg: 'sha256',
  seq: 1,
  head: 'a'.repeat(64),
  at: new Date().toISOString(),
  ...over,
});

describe('audit checkpoints', () => {
  it('a node sends a signed checkpoint; its partner keeps it; verify agrees', async () => {
    const sent = await a.ok<{ items: Array<{ partner: string; ok: boolean; seq: number }> }>(
      'POST',
      '/v1/audit/checkpoints',
    );
    expect(sent.items).toEqual([{ partner: 'ckpt-b', ok: true, seq: expect.any(Number) }]);
    const held = await b.node.services.auditCheckpoints.heldAbout('ckpt-a');
    expect(held.items).toHaveLength(1);
    const v = await a.ok<Verify>('GET', '/v1/audit/verify');
    expect(v.ok).toBe(true);
    expect(v.partners).toEqual([
      expect.objectContaining({ partner: 'ckpt-b', status: 'ok', checked: 1, disagreements: [] }),
    ]);
  });

  it('refuses forged, misaddressed, replayed, future-dated and malformed checkpoints (400, nothing stored)', async () => {
    const recv = b.node.services.auditCheckpoints;
    const before = (await recv.heldAbout('ckpt-a')).items.length;
    const other = await generateIdentity('ckpt-a');
    const aKey = a.node.config.paths.key;
    const { readFile } = await import('node:fs/promises');
    const keyPem = await readFile(aKey, 'utf8');
    const cases: Array<[string, unknown, RegExp]> = [
      [
        'signed with another key',
        signCheckpoint(other.keyPem, body()),
        /signature does not verify/,
      ],
      [
        "another node's name",
        signCheckpoint(keyPem, body({ node: 'ckpt-c' })),
        /caller is 'ckpt-a'/,
      ],
      [
        'meant for another partner',
        signCheckpoint(keyPem, body({ to: 'ckpt-z' })),
        /checkpoint.to/,
      ],
      [
        'future-dated',
        signCheckpoint(keyPem, body({ at: new Date(Date.now() + 3600_000).toISOString() })),
        /future/,
      ],
      [
        'replayed older',
        signCheckpoint(
          keyPem,
          body({ seq: 0, head: '0'.repeat(64), at: '2020-01-01T00:00:00.000Z' }),
        ),
        /older than the one held/,
      ],
      [
        'not canonical',
        {
          ...signCheckpoint(keyPem, body()),
          checkpoint: ` ${signCheckpoint(keyPem, body()).checkpoint}`,
        },
        /canonical|JSON/,
      ],
      ['malformed head', signCheckpoint(keyPem, body({ head: 'xyz' })), /checkpoint.head/],
      ['oversized', { checkpoint: 'x'.repeat(5000), signature: 'AA==' }, /body.checkpoint/],
      ['extra fields', { ...signCheckpoint(keyPem, body()), more: 1 }, /body/],
    ];
    for (const [what, input, message] of cases) {
      await expect(recv.receive('ckpt-a', input), what).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        message,
      });
    }
    expect((await recv.heldAbout('ckpt-a')).items).toHaveLength(before);
  });

  it("over the wire a partner's oversized body is refused before it is parsed", async () => {
    const r = await nodesCallAsPeer();
    expect(r).toBeGreaterThanOrEqual(400);
  });

  it("after the operator rewrites its own history and recomputes every hash, the partner's checkpoint exposes it", async () => {
    // More history, certified to the partner.
    await a.call('POST', '/v1/datasets', { name: 'x1', path: '/nope.csv' });
    await a.ok('POST', '/v1/audit/checkpoints');
    const db = a.node.services.db;
    // The operator edits event 1 and recomputes every hash after it, and the head: locally clean.
    await db.transaction().execute(async (t) => {
      await sql`SET LOCAL session_replication_role = replica`.execute(t);
      await sql`UPDATE audit_events SET actor_id = 'nobody' WHERE seq = 1`.execute(t);
      const rows = await t.selectFrom('audit_events').selectAll().orderBy('seq').execute();
      let prev = '0'.repeat(64);
      for (const r of rows) {
        const hash = auditEventHash('sha256', chainedFields({ ...r, prev_hash: prev }));
        await sql`UPDATE audit_events SET prev_hash = ${prev}, hash = ${hash} WHERE id = ${r.id}`.execute(
          t,
        );
        prev = hash;
      }
      await sql`UPDATE audit_chain SET head_hash = ${prev}`.execute(t);
    });
    const v = await a.ok<Verify>('GET', '/v1/audit/verify');
    expect(v.chain.ok).toBe(true);
    expect(v.ok).toBe(false);
    const p = v.partners[0]!;
    expect(p).toMatchObject({ partner: 'ckpt-b', status: 'disagree' });
    expect(p.disagreements[0]?.message).toMatch(/was rewritten/);
  });

  it("a partner answering verify with checkpoints meant for another partner is 'invalid'; with an oversized answer, 'unreachable' (the answer is dropped)", async () => {
    const svc = b.node.services.auditCheckpoints;
    const original = svc.heldAbout.bind(svc);
    const { readFile } = await import('node:fs/promises');
    const keyPem = await readFile(a.node.config.paths.key, 'utf8');
    try {
      // Genuinely signed by a, but for 'ckpt-z': b passes it off as held about a for itself.
      svc.heldAbout = () =>
        Promise.resolve({ items: [signCheckpoint(keyPem, body({ to: 'ckpt-z' }))] });
      let v = await a.ok<Verify & { partners: Array<{ error?: string }> }>(
        'GET',
        '/v1/audit/verify',
      );
      expect(v.partners[0]).toMatchObject({ partner: 'ckpt-b', status: 'invalid', checked: 0 });
      expect(v.partners[0]?.error).toMatch(/not ours: signed by 'ckpt-a' for 'ckpt-z'/);
      // About 10 MB of junk: refused once past the limit, not parsed.
      const junk = { checkpoint: 'x'.repeat(1000), signature: 'AA==' };
      svc.heldAbout = () => Promise.resolve({ items: Array.from({ length: 10_000 }, () => junk) });
      v = await a.ok('GET', '/v1/audit/verify');
      expect(v.ok).toBe(false);
      expect(v.partners[0]).toMatchObject({ partner: 'ckpt-b', status: 'unreachable' });
      expect(v.partners[0]?.error).toMatch(/with more than 8388608 bytes; the answer is dropped/);
    } finally {
      svc.heldAbout = original;
    }
  });

  it('a partner that sends a burst of fresh checkpoints cannot flush the ones held about it; an exact replay is refused', async () => {
    const recv = b.node.services.auditCheckpoints;
    const { readFile } = await import('node:fs/promises');
    const keyPem = await readFile(a.node.config.paths.key, 'utf8');
    const heldBefore = (await recv.heldAbout('ckpt-a')).items;
    expect(heldBefore.length).toBeGreaterThan(0);
    const oldest = heldBefore.at(-1)!;
    // The newest one again, byte for byte: a replay.
    await expect(recv.receive('ckpt-a', heldBefore[0])).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: /older than the one held|replays are refused/,
    });
    // A node that rewrote its history (new heads) sends many more than `kept` (20 in tests) at once.
    const t0 = Date.now();
    for (let i = 1; i <= 25; i++) {
      await recv.receive(
        'ckpt-a',
        signCheckpoint(
          keyPem,
          body({
            seq: 1000 + i,
            head: i.toString(16).padStart(64, 'c'),
            at: new Date(t0 + i).toISOString(),
          }),
        ),
      );
    }
    const after = (await recv.heldAbout('ckpt-a')).items;
    const has = (c: SignedCheckpoint) => after.some((x) => x.checkpoint === c.checkpoint);
    // The genuine checkpoints received before the burst (one per 10-minute bucket) are still held.
    expect(has(oldest)).toBe(true);
    expect(after.length).toBeLessThanOrEqual(20 + 1 + heldBefore.length);
    expect(JSON.parse(after[0]!.checkpoint)).toMatchObject({ seq: 1025 });
  });
});

describe('checkpointsToKeep', () => {
  const min = 60_000;
  const day = 24 * 60 * min;
  const now = Date.UTC(2026, 5, 15, 12, 0, 0);
  it('keeps the newest `kept`, the first per 10 minutes for a day, the first per day within retention', () => {
    const rows: Array<{ id: string; seq: number; receivedAt: number }> = [];
    let seq = 0;
    const add = (id: string, receivedAt: number) => rows.push({ id, seq: ++seq, receivedAt });
    add('expired', now - 200 * day); // beyond 183 days: only kept if among the newest
    add('day-40-first', now - 40 * day);
    add('day-40-second', now - 40 * day + 60 * min);
    add('bucket-first', now - 3 * 60 * min); // 3 h ago, first of its 10-minute bucket
    add('bucket-second', now - 3 * 60 * min + min);
    for (let i = 0; i < 5; i++) add(`burst-${i}`, now - 100 + i); // a burst just now
    const keep = checkpointsToKeep(rows, { kept: 3, retentionDays: 183, now });
    expect([...keep].sort()).toEqual(
      ['burst-0', 'burst-2', 'burst-3', 'burst-4', 'bucket-first', 'day-40-first'].sort(),
    );
    // With room for all, nothing is dropped, expired or not.
    expect(checkpointsToKeep(rows, { kept: 100, retentionDays: 183, now }).size).toBe(rows.length);
  });
});

/** A POST to the partner route with a too-large body, over mutual TLS with a's certificate. */
async function nodesCallAsPeer(): Promise<number> {
  const api = await a.node.services.contracts.peerApi('ckpt-b');
  try {
    await a.node.services.peers.call(api, 'POST', '/v1/interconn/audit/checkpoints', {
      checkpoint: 'x'.repeat(10_000),
      signature: 'AA==',
    });
    return 200;
  } catch (err) {
    return (err as { details?: { status?: number } }).details?.status ?? 400;
  }
}
