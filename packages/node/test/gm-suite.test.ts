/**
 * The `gm` crypto suite at node level (issue 13 item 4): `node init --suite gm` gives the node an
 * SM2 identity (key file mode 0600, certificate SM2-with-SM3 naming the node) and an SM3 audit
 * chain; the node card offers `gm` with the SM2 certificate; two gm nodes sign a `gm` contract;
 * a gm node and an international-only node refuse each other with SUITE_MISMATCH and store
 * nothing; partner cards with a bad SM2 certificate are refused.
 */
import { stat } from 'node:fs/promises';
import { request } from 'node:https';
import { readSm2Certificate, issueSm2Certificate, sm2GenerateKeyPair } from '@fedgrid/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FedGridError } from '@fedgrid/node';
import { negotiateSuite } from '../dist/contracts/contracts.service.js';
import { GmProtection } from '../dist/peers/gm-protection.js';
import { TestNodes, type TestNode } from './nodes.js';

const t = new TestNodes();
let gmA: TestNode;
let gmB: TestNode;
let intl: TestNode;

beforeAll(async () => {
  gmA = await t.start('gm-a', { suite: 'gm' });
  gmB = await t.start('gm-b', { suite: 'gm' });
  intl = await t.start('intl-c');
}, 120_000);
afterAll(() => t.close());

interface Card {
  nodeId: string;
  suites?: string[];
  sm2CertPem?: string;
}

/** The public node card as a partner reads it (first contact over TLS, from another node). */
async function readCard(n: TestNode): Promise<Card> {
  const other = n === intl ? gmB : intl;
  const r = await other.node.services.peers.firstContact<Card>(
    n.node.apiUrl,
    'GET',
    '/v1/interconn/node',
    undefined,
  );
  return r.body;
}

describe('gm node identity', () => {
  it('has an SM2 key (0600) and an SM2-with-SM3 certificate naming it, offered on its card', async () => {
    const paths = gmA.node.config.paths;
    expect((await stat(paths.sm2Key)).mode & 0o077).toBe(0);
    const card = await readCard(gmA);
    expect(card.suites).toEqual(['gm']);
    const info = readSm2Certificate(card.sm2CertPem!);
    expect(info.commonName).toBe('gm-a');
    expect(Buffer.from(info.publicKey)).toEqual(Buffer.from(gmA.node.services.sm2!.publicKey));
    const intlCard = await readCard(intl);
    expect(intlCard.suites).toEqual(['international']);
    expect(intlCard.sm2CertPem).toBeUndefined();
  });

  it('hashes its audit chain with SM3 (international: SHA-256)', async () => {
    const head = await gmA.node.services.audit.head();
    expect(head.alg).toBe('sm3');
    expect((await intl.node.services.audit.head()).alg).toBe('sha256');
  });
});

describe('contracts negotiate the suite', () => {
  it('two gm nodes sign a gm contract pinning each other’s SM2 certificate', async () => {
    const id = await t.contract(gmA, gmB);
    const a = await gmA.ok<{ suite: string }>('GET', `/v1/contracts/${id}`);
    const b = await gmB.ok<{ suite: string }>('GET', `/v1/contracts/${id}`);
    expect(a.suite).toBe('gm');
    expect(b.suite).toBe('gm');
  });

  it('a gm node refuses to propose to an international-only node, and nothing is stored', async () => {
    const r = await gmA.call<{ code: string; message: string }>('POST', '/v1/contracts', {
      peerApiUrl: intl.node.apiUrl,
      expectedFingerprint: intl.node.fingerprint,
    });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('SUITE_MISMATCH');
    expect(r.body.message).toMatch(/intl-c.*international.*gm/s);
    const mine = await gmA.ok<{ items: { peer: { nodeId: string } }[] }>('GET', '/v1/contracts');
    expect(mine.items.some((c) => c.peer.nodeId === 'intl-c')).toBe(false);
  });

  it('an international node proposing to a gm node is refused by it with the reason', async () => {
    const r = await intl.call<{ code: string; message: string; details?: { peerCode?: string } }>(
      'POST',
      '/v1/contracts',
      { peerApiUrl: gmB.node.apiUrl, expectedFingerprint: gmB.node.fingerprint },
    );
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(r.body)).toMatch(/SUITE_MISMATCH/);
    expect(r.body.message).toMatch(/gm/);
    const theirs = await gmB.ok<{ items: { peer: { nodeId: string } }[] }>('GET', '/v1/contracts');
    expect(theirs.items.some((c) => c.peer.nodeId === 'intl-c')).toBe(false);
  });
});

describe('negotiateSuite against hostile cards', () => {
  const own = sm2GenerateKeyPair();
  const good = issueSm2Certificate({ commonName: 'peer', privateKey: own.privateKey });
  const gm = { suites: ['gm' as const] };

  it('accepts a valid gm card and settles on the first shared suite', () => {
    expect(negotiateSuite(gm, { nodeId: 'peer', suites: ['gm'], sm2CertPem: good }).suite).toBe(
      'gm',
    );
    expect(
      negotiateSuite({ suites: ['international'] }, { nodeId: 'peer', suites: ['international'] })
        .suite,
    ).toBe('international');
    // An older card without `suites` is international-only.
    expect(negotiateSuite({}, { nodeId: 'peer' }).suite).toBe('international');
  });

  it('refuses a gm card without, with another node’s, or with an altered SM2 certificate', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as FedGridError).code;
      }
      return 'accepted';
    };
    expect(code(() => negotiateSuite(gm, { nodeId: 'peer', suites: ['gm'] }))).toBe(
      'VALIDATION_FAILED',
    );
    expect(
      code(() => negotiateSuite(gm, { nodeId: 'other', suites: ['gm'], sm2CertPem: good })),
    ).toBe('VALIDATION_FAILED');
    const der = Buffer.from(good.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    der[der.length - 10]! ^= 1;
    const altered = `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`;
    expect(
      code(() => negotiateSuite(gm, { nodeId: 'peer', suites: ['gm'], sm2CertPem: altered })),
    ).toBe('VALIDATION_FAILED');
    expect(code(() => negotiateSuite(gm, { nodeId: 'peer', suites: ['international'] }))).toBe(
      'SUITE_MISMATCH',
    );
  });
});

/** One HTTPS request to `to` presenting `from`'s TLS certificate; resolves {status, headers, body}. */
function rawCall(
  from: TestNode,
  to: TestNode,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<{ status: number; contentType: string | undefined; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, to.node.apiUrl),
      {
        method,
        key: from.node.services.identity.keyPem,
        cert: from.node.services.identity.certPem,
        rejectUnauthorized: false,
        agent: false,
        headers: { ...headers, ...(body ? { 'content-length': body.length } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'],
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('gm protection of partner calls (hostile partner)', () => {
  let pinnedB: Awaited<ReturnType<TestNode['node']['services']['contracts']['peerApi']>>;
  beforeAll(async () => {
    pinnedB = await gmA.node.services.contracts.peerApi('gm-b');
  });

  it('protects calls between gm partners: SM2 handshake, then sealed request and answer', async () => {
    expect(pinnedB.sm2CertPem).toContain('BEGIN CERTIFICATE');
    const health = await gmA.node.services.peers.call<{ status: string; nodeId: string }>(
      pinnedB,
      'GET',
      '/v1/interconn/health',
    );
    expect(health).toMatchObject({ status: 'ok', nodeId: 'gm-b' });
    // With a body (POST): the audit checkpoint exchange goes through the same protection.
    const again = await gmA.node.services.peers.call<{ status: string }>(
      pinnedB,
      'GET',
      '/v1/interconn/health?x=1',
    );
    expect(again.status).toBe('ok');
  });

  it('refuses an unprotected request from a gm partner with a clear message', async () => {
    const r = await rawCall(gmA, gmB, 'GET', '/v1/interconn/health', {});
    expect(r.status).toBe(403);
    const e = JSON.parse(r.body.toString()) as { code: string; message: string };
    expect(e.code).toBe('GM_PROTECTION_FAILED');
    expect(e.message).toMatch(/SM2-signed and SM4-sealed/);
  });

  it('refuses a replayed, a tampered and a wrong-path envelope, and stays up', async () => {
    // The partner's own protection object (its real SM2 key), used by a hostile client.
    const sm2 = gmA.node.services.sm2!;
    const hostile = new GmProtection({ nodeId: 'gm-a', ...sm2 });
    const handshake = (m: string, p: string, b: unknown) =>
      gmA.node.services.peers.call({ ...pinnedB, sm2CertPem: undefined }, m, p, b);
    const peer = { nodeId: 'gm-b', sm2CertPem: pinnedB.sm2CertPem! };
    const req = await hostile.protect(peer, 'GET', '/v1/interconn/health', undefined, handshake);
    const first = await rawCall(gmA, gmB, 'GET', '/v1/interconn/health', req.headers);
    expect(first.status).toBe(200);
    expect(first.contentType).toMatch(/x-fedgrid-gm/);
    expect(first.body.includes(Buffer.from('gm-b'))).toBe(false); // the answer is encrypted
    const opened = JSON.parse(req.openAnswer(200, first.contentType, first.body).toString());
    expect(opened.nodeId).toBe('gm-b');

    const replay = await rawCall(gmA, gmB, 'GET', '/v1/interconn/health', req.headers);
    expect(replay.status).toBe(403);
    expect(replay.body.toString()).toMatch(/REPLAY/);

    const next = await hostile.protect(peer, 'GET', '/v1/interconn/health', undefined, handshake);
    const env = Buffer.from(next.headers['x-fedgrid-gm-envelope']!, 'base64');
    env[env.length - 1]! ^= 1;
    const tampered = await rawCall(gmA, gmB, 'GET', '/v1/interconn/health', {
      ...next.headers,
      'x-fedgrid-gm-envelope': env.toString('base64'),
    });
    expect(tampered.status).toBe(403);
    expect(tampered.body.toString()).toMatch(/AUTHENTICATION/);

    // Sealed for one route, sent to another: bound to "METHOD path", refused.
    const moved = await hostile.protect(peer, 'GET', '/v1/interconn/health', undefined, handshake);
    const wrongPath = await rawCall(gmA, gmB, 'GET', '/v1/interconn/node', moved.headers);
    expect(wrongPath.status).toBe(403);

    const health = await gmA.node.services.peers.call<{ status: string }>(
      pinnedB,
      'GET',
      '/v1/interconn/health',
    );
    expect(health.status).toBe('ok');
  });

  it('a partner without the SM2 key its contract pins cannot open a session', async () => {
    const impostor = new GmProtection({ nodeId: 'gm-a', ...sm2GenerateKeyPair() });
    const handshake = (m: string, p: string, b: unknown) =>
      gmA.node.services.peers.call({ ...pinnedB, sm2CertPem: undefined }, m, p, b);
    await expect(
      impostor.protect(
        { nodeId: 'gm-b', sm2CertPem: pinnedB.sm2CertPem! },
        'GET',
        '/v1/interconn/health',
        undefined,
        handshake,
      ),
    ).rejects.toMatchObject({ code: 'GM_PROTECTION_FAILED' });
    // And a confirmation it cannot compute is refused by the callee.
    const r = await gmA.call('GET', '/v1/health');
    expect(r.status).toBe(200);
    const bad = await rawCall(
      gmA,
      gmB,
      'POST',
      '/v1/interconn/gm/confirm',
      { 'content-type': 'application/json' },
      Buffer.from(
        JSON.stringify({
          sessionId: '7f000000-0000-4000-8000-000000000000',
          confirmation: Buffer.alloc(32).toString('base64url'),
        }),
      ),
    );
    expect(bad.status).toBe(403);
    expect(bad.body.toString()).toMatch(/GM_PROTECTION_FAILED/);
  });

  it('an international partner cannot use the gm handshake routes', async () => {
    const r = await rawCall(
      intl,
      gmB,
      'POST',
      '/v1/interconn/gm/handshake',
      {
        'content-type': 'application/json',
      },
      Buffer.from('{}'),
    );
    expect(r.status).toBe(403); // no contract: not pinned
  });
});
