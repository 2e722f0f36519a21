/**
 * Serving audit events are written behind the answer (serving/serving-audit.ts): the storage
 * check that other writes run before their handler runs here before each batch write. A failed
 * check counts as a failed write: the batch is logged in full, the next requests are refused
 * (AUDIT_WRITE_FAILED upstream) and queued, and they are written once the check passes again —
 * never silently dropped. In-process, a stand-in audit log; about 0.1 s.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { expect, it } from 'vitest';
import type { AuditEvent, AuditService } from '../dist/audit/audit.service.js';
import { ServingAudit } from '../dist/serving/serving-audit.js';

const event = (i: number): AuditEvent => ({
  actorKind: 'peer',
  actorId: 'guest',
  action: 'serving.partial',
  outcome: 'success',
  details: { idHashes: [`h${i}`] },
});

it('a failing storage check fails the batch write: logged in full, later requests refused, written once the check passes', async () => {
  const written: AuditEvent[] = [];
  const audit = {
    recordMany: async (events: readonly AuditEvent[]) => {
      written.push(...events);
    },
  } as unknown as AuditService;
  const lines: Record<string, unknown>[] = [];
  const log = pino(
    { level: 'error' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  );
  let storageOk = false;
  let checks = 0;
  const s = new ServingAudit(audit, log, {
    lingerMs: 1,
    beforeWrite: async () => {
      checks++;
      if (!storageOk) throw new Error('the data directory was deleted or replaced');
    },
  });

  // Answered before the write; the write then fails its check.
  await expect(s.record(event(1))).resolves.toBeUndefined();
  await expect(s.record(event(2))).resolves.toBeUndefined();
  await s.flush();
  expect(checks).toBe(1); // once per batch, not per request
  expect(written).toEqual([]);
  const logged = lines.find((l) => String(l['msg']).includes('serving audit write failed'));
  expect(logged?.['auditEvents']).toEqual([event(1), event(2)]);
  expect(JSON.stringify(logged?.['err'])).toContain('data directory was deleted');

  // From then on every request is refused, and still queued.
  await expect(s.record(event(3))).rejects.toThrow('data directory was deleted');
  storageOk = true;
  await s.flush();
  expect(written).toEqual([event(3)]);
  await expect(s.record(event(4))).resolves.toBeUndefined();
  await s.flush();
  expect(written).toEqual([event(3), event(4)]);
});

it('a backlog is written in INSERTs of at most maxBatch rows, in order, with the event loop served between them', async () => {
  const batches: number[] = [];
  const written: AuditEvent[] = [];
  // Set by a macrotask queued during the first write: true at the second write only if the writer
  // yielded to the event loop in between (a chain of awaits alone would not let it run).
  let loopTurned = false;
  const turnedAtWrite: boolean[] = [];
  const audit = {
    recordMany: async (events: readonly AuditEvent[]) => {
      turnedAtWrite.push(loopTurned);
      if (batches.length === 0) setImmediate(() => (loopTurned = true));
      batches.push(events.length);
      written.push(...events);
    },
  } as unknown as AuditService;
  const s = new ServingAudit(audit, pino({ level: 'silent' }), { lingerMs: 1000, maxBatch: 4 });
  const events = Array.from({ length: 10 }, (_, i) => event(i));
  for (const e of events) await s.record(e);
  await s.flush();
  expect(written).toEqual(events);
  expect(batches.every((n) => n <= 4)).toBe(true);
  expect(batches.reduce((a, b) => a + b, 0)).toBe(10);
  expect(batches.length).toBeGreaterThanOrEqual(3);
  expect(turnedAtWrite[0]).toBe(false);
  expect(turnedAtWrite[1]).toBe(true);
});
