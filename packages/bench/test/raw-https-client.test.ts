/**
 * The load generator's raw HTTP/1.1-over-TLS client (raw-https-client.ts): answers reach the
 * right request, connections are reused and bounded, and a broken or silent server fails the
 * request with an error saying what happened instead of hanging.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateIdentity } from '@fedgrid/federation';
import { RawHttpsClient } from '@fedgrid/bench';

let server: Server;
let url = '';
let ca = '';
const sockets = new Set<TLSSocket>();

beforeAll(async () => {
  const id = await generateIdentity('raw-client-test');
  ca = id.certPem;
  server = createServer({ key: id.keyPem, cert: id.certPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      sockets.add(req.socket as TLSSocket);
      const body = Buffer.concat(chunks).toString();
      if (req.url === '/silent') return;
      if (req.url === '/chunked') {
        res.write('a');
        res.end('b');
        return;
      }
      if (req.url === '/close') {
        res.setHeader('connection', 'close');
        res.end('bye');
        return;
      }
      const answer = JSON.stringify({
        method: req.method,
        url: req.url,
        body,
        auth: req.headers.authorization,
      });
      res.statusCode = req.url === '/missing' ? 404 : 200;
      res.setHeader('content-length', Buffer.byteLength(answer));
      res.end(answer);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const client = (maxSockets?: number, timeoutMs?: number) =>
  new RawHttpsClient({
    url,
    ...(maxSockets ? { maxSockets } : {}),
    ...(timeoutMs ? { timeoutMs } : {}),
    tls: { ca, servername: 'raw-client-test', checkServerIdentity: () => undefined },
  });

describe('RawHttpsClient', () => {
  it('answers each request with its own answer, over at most maxSockets reused connections', async () => {
    sockets.clear();
    const c = client(2);
    try {
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, k) =>
          c.request('POST', `/p/${k}`, ['authorization: Bearer t'], Buffer.from(`{"id":"${k}"}`)),
        ),
      );
      answers.forEach((a, k) => {
        expect(a.status).toBe(200);
        expect(JSON.parse(a.body.toString())).toEqual({
          method: 'POST',
          url: `/p/${k}`,
          body: `{"id":"${k}"}`,
          auth: 'Bearer t',
        });
      });
      expect(sockets.size).toBe(2);
      const missing = await c.request('GET', '/missing', [], Buffer.alloc(0));
      expect(missing.status).toBe(404);
    } finally {
      c.close();
    }
  });

  it('opens a new connection after the server asked to close one', async () => {
    const c = client(1);
    try {
      const bye = await c.request('GET', '/close', [], Buffer.alloc(0));
      expect(bye.body.toString()).toBe('bye');
      const next = await c.request('GET', '/after', [], Buffer.alloc(0));
      expect(next.status).toBe(200);
    } finally {
      c.close();
    }
  });

  it('fails a chunked answer, a silent server and a closed client with errors saying so', async () => {
    const c = client(4, 300);
    await expect(c.request('GET', '/chunked', [], Buffer.alloc(0))).rejects.toThrow(
      /transfer-encoding chunked/,
    );
    await expect(c.request('GET', '/silent', [], Buffer.alloc(0))).rejects.toThrow(
      /no answer within 300 ms/,
    );
    c.close();
    await expect(c.request('GET', '/x', [], Buffer.alloc(0))).rejects.toThrow(/closed/);
  });

  it('fails a request to a server that is not there', async () => {
    const c = new RawHttpsClient({ url: 'https://127.0.0.1:1', tls: { ca } });
    await expect(c.request('GET', '/', [], Buffer.alloc(0))).rejects.toThrow(/could not connect/);
    c.close();
  });
});
