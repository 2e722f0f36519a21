/**
 * W3C trace context of a job (observability/trace-context.ts): strict parsing of `traceparent`
 * (version 00; anything else ignored), one trace id per job on every party, and the header a
 * node's partner calls of a job carry (checked on a real HTTPS server with a pinned certificate).
 */
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateIdentity, type TlsIdentity } from '@fedgrid/federation';
import {
  formatTraceparent,
  jobOfPartnerCall,
  jobTraceId,
  jobTraceparent,
  parseTraceparent,
} from '../dist/observability/trace-context.js';
import { PeerClient } from '../dist/peers/peer-client.js';

it('parses version-00 traceparent values and ignores every malformed one', () => {
  const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  expect(parseTraceparent(tp)).toEqual({
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    sampled: true,
  });
  expect(formatTraceparent(parseTraceparent(tp)!)).toBe(tp);
  expect(parseTraceparent(tp.replace(/-01$/, '-00'))?.sampled).toBe(false);
  for (const bad of [
    undefined,
    42,
    '',
    tp.toUpperCase(),
    `01${tp.slice(2)}`, // another version
    `00-${'0'.repeat(32)}-b7ad6b7169203331-01`, // zero trace id
    `00-0af7651916cd43dd8448eb211c80319c-${'0'.repeat(16)}-01`, // zero span id
    `${tp}-extra`,
    tp.slice(0, 54),
    ['a', 'b'],
  ])
    expect(parseTraceparent(bad)).toBeUndefined();
});

it('every party derives the same trace id from the job id; span ids are fresh', () => {
  expect(jobTraceId('job-1')).toMatch(/^[0-9a-f]{32}$/);
  expect(jobTraceId('job-1')).toBe(jobTraceId('job-1'));
  expect(jobTraceId('job-1')).not.toBe(jobTraceId('job-2'));
  const a = parseTraceparent(jobTraceparent('job-1'))!;
  const b = parseTraceparent(jobTraceparent('job-1'))!;
  expect(a.traceId).toBe(jobTraceId('job-1'));
  expect(b.traceId).toBe(a.traceId);
  expect(b.spanId).not.toBe(a.spanId);
});

it("finds the job of a partner call from its path or the creation's body", () => {
  expect(jobOfPartnerCall('/v1/interconn/jobs/j-9/report', {})).toBe('j-9');
  expect(jobOfPartnerCall('/v1/interconn/jobs/j%2F9', undefined)).toBe('j/9');
  expect(jobOfPartnerCall('/v1/interconn/jobs', { id: 'j-7' })).toBe('j-7');
  expect(jobOfPartnerCall('/v1/interconn/jobs', { id: 7 })).toBeUndefined();
  expect(jobOfPartnerCall('/v1/interconn/health', undefined)).toBeUndefined();
  expect(jobOfPartnerCall('/v1/interconn/contracts', { id: 'c-1' })).toBeUndefined();
});

let server: ReturnType<typeof createServer>;
let serverId: TlsIdentity;
let port: number;
const seen: (string | undefined)[] = [];
beforeAll(async () => {
  serverId = await generateIdentity('partner');
  server = createServer({ key: serverId.keyPem, cert: serverId.certPem }, (req, res) => {
    seen.push(req.headers.traceparent as string | undefined);
    req.resume();
    res.setHeader('content-type', 'application/json');
    res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

it("a node's partner calls of a job carry the job's traceparent; other calls carry none", async () => {
  const client = new PeerClient(await generateIdentity('initiator'));
  const peer = {
    nodeId: 'partner',
    apiUrl: `https://127.0.0.1:${port}`,
    certPem: serverId.certPem,
    fingerprint: serverId.fingerprint,
  };
  await client.call(peer, 'POST', '/v1/interconn/jobs', { id: 'job-42' });
  await client.call(peer, 'POST', '/v1/interconn/jobs/job-42/report', {});
  await client.call(peer, 'GET', '/v1/interconn/health');
  expect(seen).toHaveLength(3);
  expect(parseTraceparent(seen[0])?.traceId).toBe(jobTraceId('job-42'));
  expect(parseTraceparent(seen[1])?.traceId).toBe(jobTraceId('job-42'));
  expect(seen[2]).toBeUndefined();
});
