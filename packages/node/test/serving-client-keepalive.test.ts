/**
 * The guest's HTTPS connections to a host for partials (serving-client.ts, `serving.hostTransport:
 * https`) are closed by the guest before the host's keep-alive timeout closes them (issue 12): a
 * partial call written on a connection just as the host closed it was lost (ECONNRESET), failing
 * a prediction. node:http's Agent arms an idle timer on a kept connection only when the agent has
 * a `timeout`, and then lowers it to the server's announced `Keep-Alive: timeout` less 1 s. The
 * test reads that timer off the connection the agent keeps after a partial call (no race between
 * the two sides' timers): 1,000 ms for a host announcing `timeout=2`; without the agent's timeout
 * it is 0 (never closed by the guest), and the test fails.
 */
import { createServer, type Agent, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateIdentity, type TlsIdentity } from '@fedgrid/federation';
import { ServingClient } from '../src/serving/serving-client.js';

let server: Server;
let host: TlsIdentity;
let guest: TlsIdentity;
let apiUrl = '';
/** Connections the host accepted. */
let connections = 0;

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
  server.on('secureConnection', () => (connections += 1));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  apiUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('ServingClient over HTTPS', () => {
  it("arms the idle timer of a kept connection below the host's announced keep-alive", async () => {
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
      // The connection goes back to the agent's free list once the answer is read.
      const agents = (client as unknown as { agents: Map<string, { agent: Agent }> }).agents;
      const agent = [...agents.values()][0]!.agent;
      const free = await new Promise<TLSSocket[]>((resolve) => {
        const look = () => {
          const list = Object.values(agent.freeSockets).flat() as TLSSocket[];
          if (list.length > 0) resolve(list);
          else setImmediate(look);
        };
        look();
      });
      expect(free).toHaveLength(1);
      expect(free[0]!.timeout).toBe(1000);
      expect(connections).toBe(1);
    } finally {
      client.close();
    }
  });
});
