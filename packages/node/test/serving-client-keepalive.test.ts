/**
 * The guest's HTTPS connections to a host for partials (serving-client.ts, `serving.hostTransport:
 * https`) are closed by the guest before the host's keep-alive timeout closes them (issue 12): a
 * partial call written on a connection just as the host closed it was lost (ECONNRESET), failing
 * a prediction. Both ends run in this process, so their idle timers run on one event loop: the
 * guest's (the host's announced `Keep-Alive: timeout=2` less 1 s, from reading the answer) comes
 * before the host's (2 s + Node's 1 s, from writing it) — the test waits for the connection to
 * close and asserts which side closed it.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateIdentity, type TlsIdentity } from '@fedgrid/federation';
import { ServingClient } from '../src/serving/serving-client.js';

let server: Server;
let host: TlsIdentity;
let guest: TlsIdentity;
let apiUrl = '';
/** Per connection the host accepted: resolves with true when the guest closed it first. */
const closes: Promise<boolean>[] = [];

beforeAll(async () => {
  host = await generateIdentity('host');
  guest = await generateIdentity('guest');
  server = createServer(
    { key: host.keyPem, cert: host.certPem, minVersion: 'TLSv1.3' },
    (req, res) => {
      req.resume();
      req.on('end', () => {
        const body = JSON.stringify({ partials: [{ id: 'a', found: false }] });
        res.setHeader('content-type', 'application/json');
        res.setHeader('content-length', Buffer.byteLength(body));
        res.end(body);
      });
    },
  );
  server.keepAliveTimeout = 2000;
  server.on('secureConnection', (s: TLSSocket) => {
    closes.push(
      new Promise((resolve) => {
        let guestEnded = false;
        s.on('end', () => (guestEnded = true));
        s.on('close', () => resolve(guestEnded));
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  apiUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('ServingClient over HTTPS', () => {
  it('closes an idle connection to a host before the host times it out', async () => {
    const client = new ServingClient(guest, undefined, 'https');
    try {
      const peer = { nodeId: 'host', apiUrl, certPem: host.certPem, fingerprint: host.fingerprint };
      const answer = await client.partial(
        peer,
        'host-0',
        { job: 'j', task: 't', ids: ['a'] },
        10_000,
      );
      expect(answer.partials).toEqual([{ id: 'a', found: false }]);
      expect(closes.length).toBe(1);
      expect(await closes[0]).toBe(true);
    } finally {
      client.close();
    }
  });
});
