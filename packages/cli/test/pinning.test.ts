/**
 * Nodes accept each other only through a contract that pins the certificate: a node without a
 * contract, or one whose certificate changed, is refused with an error naming the peer and the
 * fingerprint it presented.
 */
import { writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateIdentity } from '@fedgrid/federation';
import { ApiError, signContract, type ClusterNode } from 'fedgrid';
import { freePort, TestCluster } from './cluster-helpers.js';

const cluster = new TestCluster();
let a: ClusterNode;
let b: ClusterNode;

beforeAll(async () => {
  const [apiPort, dataPort] = [await freePort(), await freePort()];
  [a, b] = await Promise.all([
    cluster.launch('alpha'),
    cluster.launch('bravo', { apiPort, dataPort }),
  ]);
});
afterAll(() => cluster.close());

/** Calls a partner endpoint with some identity's client certificate. */
function callAs(
  identity: { keyPem: string; certPem: string },
  url: string,
): Promise<{ status: number; body: { code: string; message: string } }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        key: identity.keyPem,
        cert: identity.certPem,
        rejectUnauthorized: false,
        minVersion: 'TLSv1.3',
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function apiError(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

describe('certificate pinning', () => {
  test('a proposal to a node presenting another certificate than expected is refused', async () => {
    const stranger = await generateIdentity('stranger');
    const err = await apiError(
      a.api.post('/v1/contracts', {
        peerApiUrl: b.info.apiUrl,
        expectedFingerprint: stranger.fingerprint,
      }),
    );
    expect(err.body.code).toBe('CERTIFICATE_MISMATCH');
    expect(err.body.message).toContain(b.info.fingerprint);
    expect(err.body.message).toContain(stranger.fingerprint);
  });

  test('partner endpoints refuse a certificate no contract pins, naming its fingerprint', async () => {
    const stranger = await generateIdentity('stranger');
    const r = await callAs(stranger, `${a.info.apiUrl}/v1/interconn/health`);
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('PEER_NOT_PINNED');
    expect(r.body.message).toContain(stranger.fingerprint);
  });

  test('after signing, partners reach each other; a changed certificate is then refused', async () => {
    await signContract(a, b);
    const { items: contracts } = await a.api.get<{ items: { id: string; status: string }[] }>(
      '/v1/contracts',
    );
    const id = contracts[0]!.id;
    expect(contracts[0]!.status).toBe('active');
    expect(await a.api.post<{ status: string }>(`/v1/contracts/${id}/health`)).toMatchObject({
      status: 'ok',
      peer: 'bravo',
    });

    // bravo gets a new key and certificate and comes back at the same address.
    await b.stop();
    const fresh = await generateIdentity('bravo');
    await writeFile(join(b.dir, 'identity', 'key.pem'), fresh.keyPem);
    await writeFile(join(b.dir, 'identity', 'cert.pem'), fresh.certPem);
    cluster.nodes.splice(cluster.nodes.indexOf(b), 1);
    const b2 = await cluster.launch('bravo', { existing: true });
    expect(b2.info.fingerprint).toBe(fresh.fingerprint);

    const err = await apiError(a.api.post(`/v1/contracts/${id}/health`));
    expect(err.body.code).toBe('CERTIFICATE_MISMATCH');
    expect(err.body.message).toContain("'bravo'");
    expect(err.body.message).toContain(fresh.fingerprint);
    expect(err.body.message).toContain(b.info.fingerprint);

    // And alpha refuses bravo's new certificate on its partner endpoints.
    const r = await callAs(fresh, `${a.info.apiUrl}/v1/interconn/health`);
    expect(r.status).toBe(403);
    expect(r.body.message).toContain(fresh.fingerprint);
  });
});
