/**
 * The job event stream (GET /v1/jobs/:id/events/stream, server-sent events) over the node's real
 * HTTPS port: it replays the events the list route returns, sends the job's states and ends once
 * the job is finished; it resumes after Last-Event-ID; it needs job:read.
 */
import { request } from 'node:https';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sseFrame } from '../dist/jobs/job-events-stream.js';
import { TestNodes, type TestNode } from './nodes.js';

const t = new TestNodes();
let guest: TestNode;
let host: TestNode;
let work: string;

interface Frame {
  event: string;
  id?: string;
  data: unknown;
}

/** Reads a whole SSE response (the stream ends by itself once the job is finished). */
function readStream(
  n: TestNode,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string; frames: Frame[]; raw: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${n.node.apiUrl}${path}`,
      {
        rejectUnauthorized: false,
        headers: { authorization: `Bearer ${n.token}`, ...headers },
      },
      (res) => {
        let raw = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (raw += c));
        res.on('end', () => {
          const frames: Frame[] = [];
          for (const block of raw.split('\n\n')) {
            const f: Partial<Frame> & { lines: string[] } = { lines: [] };
            for (const line of block.split('\n')) {
              if (line.startsWith('event: ')) f.event = line.slice(7);
              else if (line.startsWith('id: ')) f.id = line.slice(4);
              else if (line.startsWith('data: ')) f.lines.push(line.slice(6));
            }
            if (f.event)
              frames.push({ event: f.event, id: f.id, data: JSON.parse(f.lines.join('\n')) });
          }
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type']),
            frames,
            raw,
          });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

let jobId: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'fedgrid-sse-'));
  const g = ['id,y,a'];
  const h = ['id,b'];
  for (let i = 0; i < 40; i++) {
    g.push(`u${i},${i % 2},${(i % 7) / 7}`);
    if (i % 3 !== 0) h.push(`u${i},${(i % 5) / 5}`);
  }
  await writeFile(join(work, 'g.csv'), g.join('\n') + '\n');
  await writeFile(join(work, 'h.csv'), h.join('\n') + '\n');
  [guest, host] = await Promise.all([t.start('guest'), t.start('host')]);
  await t.contractAll();
  await t.permitAll();
  const gds = (
    await guest.ok<{ id: string }>('POST', '/v1/datasets', {
      name: 'g',
      path: join(work, 'g.csv'),
      labelColumn: 'y',
    })
  ).id;
  const hds = (
    await host.ok<{ id: string }>('POST', '/v1/datasets', { name: 'h', path: join(work, 'h.csv') })
  ).id;
  await host.ok('POST', '/v1/grants', { dataset: hds, grantee: 'guest' });
  jobId = (
    await guest.ok<{ id: string }>('POST', '/v1/jobs', {
      parties: { guest: { node: 'guest' }, hosts: [{ node: 'host' }] },
      datasets: { guest: gds, 'host-0': hds },
      tasks: [{ name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } }],
    })
  ).id;
}, 180_000);

afterAll(async () => {
  await t.close();
  await rm(work, { recursive: true, force: true });
});

describe('job event stream', () => {
  it('formats one frame per event with its id', () => {
    expect(sseFrame('job-event', { a: 'x\ny' }, 7)).toBe(
      'id: 7\nevent: job-event\ndata: {"a":"x\\ny"}\n\n',
    );
  });

  it('streams from the start (opened while the job may still run) and ends when it is finished', async () => {
    const s = await readStream(guest, `/v1/jobs/${encodeURIComponent(jobId)}/events/stream`);
    expect(s.status).toBe(200);
    expect(s.type).toMatch(/^text\/event-stream/);
    const last = s.frames[s.frames.length - 1]!;
    expect(last.event).toBe('end');
    expect(last.data).toEqual({ status: 'succeeded' });
    const jobs = s.frames.filter((f) => f.event === 'job').map((f) => f.data as { status: string });
    expect(jobs.at(-1)!.status).toBe('succeeded');
    // The same events as the list route, in order, each with its id.
    const listed = await guest.ok<{ items: { id: number; kind: string }[] }>(
      'GET',
      `/v1/jobs/${encodeURIComponent(jobId)}/events`,
    );
    const streamed = s.frames.filter((f) => f.event === 'job-event');
    // Ids are bigint on PostgreSQL: JSON strings there, numbers on PGlite.
    expect(streamed.map((f) => Number(f.id))).toEqual(listed.items.map((e) => Number(e.id)));
    expect(streamed.map((f) => (f.data as { kind: string }).kind)).toEqual(
      listed.items.map((e) => e.kind),
    );
    expect(listed.items.length).toBeGreaterThan(1);
  });

  it('resumes after Last-Event-ID (or ?after=)', async () => {
    const listed = await guest.ok<{ items: { id: number }[] }>(
      'GET',
      `/v1/jobs/${encodeURIComponent(jobId)}/events`,
    );
    const first = listed.items[0]!.id;
    const path = `/v1/jobs/${encodeURIComponent(jobId)}/events/stream`;
    const [byHeader, byQuery] = await Promise.all([
      readStream(guest, path, { 'last-event-id': String(first) }),
      readStream(guest, `${path}?after=${first}`),
    ]);
    for (const s of [byHeader, byQuery])
      expect(s.frames.filter((f) => f.event === 'job-event').map((f) => Number(f.id))).toEqual(
        listed.items.slice(1).map((e) => Number(e.id)),
      );
  });

  it('needs a credential with job:read; an unknown job is a JSON 404', async () => {
    const anon = await guest.node.app.inject({
      method: 'GET',
      url: `/v1/jobs/${encodeURIComponent(jobId)}/events/stream`,
    });
    expect(anon.statusCode).toBe(401);
    const missing = await guest.call<{ code: string }>('GET', '/v1/jobs/no-such-job/events/stream');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('NOT_FOUND');
  });
});
