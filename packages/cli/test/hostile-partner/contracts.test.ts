/**
 * Hostile partners and strangers against contracts and the directory (issue 10, defects 3, 8
 * and 9). Three node processes: `guest` (a directory) and `host` hold a contract; an impostor
 * launched elsewhere also calls itself `host`. A stranger with a certificate made on the spot
 * calls the partner routes directly.
 *
 * - an impostor proposing as `host` is refused; naming the contract it would replace, its
 *   proposal waits with both fingerprints shown while the real host keeps working, and only a
 *   confirmation moves the pin (ending the replaced contract);
 * - a wrong expected fingerprint leaves nothing stored at the partner;
 * - a stranger looping proposals is bounded (pending per certificate, rate limit);
 * - a duplicate proposal to a partner with an active contract is refused on both sides;
 * - a private dataset cannot be published to the directory, nor an offered one made private.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateIdentity } from '@fedgrid/federation';
import type { ContractView } from '@fedgrid/node';
import { ApiError, signContract, type ClusterNode } from 'fedgrid';
import { contractDetail } from '../../src/commands/contract.js';
import { asPartner, TestCluster, withIdentity } from './harness.js';

const cluster = new TestCluster();
/** The impostor lives in its own folder: its node directory is also called `host`. */
const elsewhere = new TestCluster();
let guest: ClusterNode;
let host: ClusterNode;
let impostor: ClusterNode;
let real: string; // the contract guest ↔ host

/** Guest's limits for nodes without a contract (small, so that the loop below reaches them). */
const REQUESTS_PER_MINUTE = 8;
const PENDING_PER_CLIENT = 2;

async function apiError(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

const contractsOf = async (n: ClusterNode) =>
  (await n.api.get<{ items: ContractView[] }>('/v1/contracts?pageSize=200')).items;

/** A proposal as a node sends it (POST /v1/interconn/contracts). */
function proposal(
  from: { nodeId: string; name: string; apiUrl: string; dataAddress: string; certPem: string },
  extra: Record<string, unknown> = {},
) {
  return {
    contractId: randomUUID(),
    from: {
      nodeId: from.nodeId,
      name: from.name,
      apiUrl: from.apiUrl,
      dataAddress: from.dataAddress,
      certPem: from.certPem,
    },
    description: 'hostile',
    authMethod: 'tls-certificate-pin',
    validUntil: new Date(Date.now() + 86_400_000).toISOString(),
    ...extra,
  };
}

beforeAll(async () => {
  [guest, host, impostor] = await Promise.all([
    cluster.launch('guest', {
      config: {
        directory: { enabled: true },
        firstContact: {
          requestsPerMinute: REQUESTS_PER_MINUTE,
          pendingProposalsPerClient: PENDING_PER_CLIENT,
        },
      },
    }),
    cluster.launch('host'),
    elsewhere.launch('host'),
  ]);
  await signContract(host, guest);
  real = (await contractsOf(guest)).find((c) => c.status === 'active')!.id;
});
afterAll(async () => {
  await Promise.all([cluster.close(), elsewhere.close()]);
});

describe('contract proposals', () => {
  test('a wrong expected fingerprint: the proposer refuses before anything is stored at the partner', async () => {
    const before = (await contractsOf(guest)).length;
    const err = await apiError(
      impostor.api.post('/v1/contracts', {
        peerApiUrl: guest.info.apiUrl,
        expectedFingerprint: host.info.fingerprint,
      }),
    );
    expect(err.body.code).toBe('CERTIFICATE_MISMATCH');
    expect(err.message).toContain(guest.info.fingerprint);
    const after = await contractsOf(guest);
    expect(after).toHaveLength(before);
    expect(after.filter((c) => c.peer.fingerprint === impostor.info.fingerprint)).toEqual([]);
    expect(await contractsOf(impostor)).toEqual([]);
  });

  test('a stranger looping proposals is bounded: pending per certificate, then rate-limited (429)', async () => {
    const id = await generateIdentity('stranger');
    const stranger = withIdentity({ key: id.keyPem, cert: id.certPem }, guest);
    const card = {
      nodeId: 'stranger',
      name: 'stranger',
      apiUrl: 'https://127.0.0.1:9',
      dataAddress: '127.0.0.1:9',
      certPem: id.certPem,
    };
    const answers = [];
    for (let i = 0; i < REQUESTS_PER_MINUTE + 4; i++)
      answers.push(
        await stranger.call<{ code?: string }>('POST', '/v1/interconn/contracts', proposal(card)),
      );
    const stored = answers.filter((a) => a.status === 201);
    expect(stored).toHaveLength(PENDING_PER_CLIENT);
    const refused = answers.filter((a) => a.status !== 201);
    expect(refused.every((a) => a.status === 429)).toBe(true);
    const codes = new Set(refused.map((a) => a.body.code));
    expect([...codes].sort()).toEqual(['PROPOSALS_LIMIT', 'RATE_LIMITED']);
    expect(answers[0]!.headers['x-ratelimit-limit']).toBe(String(REQUESTS_PER_MINUTE));
    expect(refused.at(-1)!.headers['retry-after']).toBeDefined();
    const fromStranger = (await contractsOf(guest)).filter(
      (c) => c.peer.fingerprint === id.fingerprint,
    );
    expect(fromStranger).toHaveLength(PENDING_PER_CLIENT);
    expect(fromStranger.every((c) => c.status === 'pending')).toBe(true);
  });

  test('a duplicate proposal to a partner with an active contract is refused, naming that contract', async () => {
    const before = (await contractsOf(guest)).length;
    // The proposer refuses it itself, before sending anything.
    const own = await apiError(
      host.api.post('/v1/contracts', {
        peerApiUrl: guest.info.apiUrl,
        expectedFingerprint: guest.info.fingerprint,
      }),
    );
    expect(own.status).toBe(409);
    expect(own.body.code).toBe('CONTRACT_EXISTS');
    expect(own.body.details).toMatchObject({ contract: real, peer: 'guest' });
    // The partner refuses it when sent anyway (the host's own certificate, bypassing its node).
    const raw = await (
      await asPartner(host, guest)
    ).call<{ code: string; message: string; details: Record<string, unknown> }>(
      'POST',
      '/v1/interconn/contracts',
      proposal(host.info),
    );
    expect(raw.status).toBe(409);
    expect(raw.body.code).toBe('CONTRACT_EXISTS');
    expect(raw.body.details).toMatchObject({ contract: real, peer: 'host' });
    expect(raw.body.message).toContain('replaces');
    expect(await contractsOf(guest)).toHaveLength(before);
  });
});

describe('the directory', () => {
  test('a private dataset cannot be published; an offered one cannot be made private', async () => {
    const csv = join(host.dir, 'rows.csv');
    await writeFile(csv, 'id,x\n' + Array.from({ length: 30 }, (_, i) => `r${i},${i}`).join('\n'));
    await host.api.post('/v1/datasets', { name: 'secret', path: csv, idColumn: 'id' });
    const refused = await apiError(
      host.api.post('/v1/directory/offers', {
        directory: 'guest',
        kind: 'dataset',
        dataset: 'secret',
      }),
    );
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('DATASET_NOT_PUBLIC');
    expect(refused.message).toContain('private');

    await host.api.post('/v1/datasets', {
      name: 'open',
      path: csv,
      idColumn: 'id',
      visibility: 'public',
    });
    await host.api.post('/v1/directory/offers', {
      directory: 'guest',
      kind: 'dataset',
      dataset: 'open',
    });
    const hide = await apiError(
      host.api.call('PATCH', '/v1/datasets/open', { visibility: 'private' }),
    );
    expect(hide.status).toBe(409);
    expect(hide.message).toContain('withdraw');
    const listed = await guest.api.get<{ items: { name: string }[] }>('/v1/directory/offers');
    expect(listed.items.map((o) => o.name)).toEqual(['open']);
  });
});

describe('an impostor calling itself host', () => {
  test('is refused without learning which contract or certificate is pinned', async () => {
    const before = (await contractsOf(guest)).length;
    const err = await apiError(
      impostor.api.post('/v1/contracts', {
        peerApiUrl: guest.info.apiUrl,
        expectedFingerprint: guest.info.fingerprint,
      }),
    );
    expect(err.body.details).toMatchObject({ peerCode: 'CONTRACT_EXISTS' });
    const said = JSON.stringify(err.body);
    expect(said).not.toContain(real);
    expect(said).not.toContain(host.info.fingerprint);
    expect(await contractsOf(guest)).toHaveLength(before);
  });

  test('naming the contract it replaces: pending with both fingerprints; the pin moves only on confirmation', async () => {
    const p = await impostor.api.post<ContractView>('/v1/contracts', {
      peerApiUrl: guest.info.apiUrl,
      expectedFingerprint: guest.info.fingerprint,
      replaces: real,
    });
    const pending = await guest.api.get<ContractView>(`/v1/contracts/${p.id}`);
    expect(pending).toMatchObject({
      status: 'pending',
      direction: 'incoming',
      peer: { nodeId: 'host', fingerprint: impostor.info.fingerprint },
      replaces: { id: real, status: 'active', fingerprint: host.info.fingerprint },
    });
    const shown = contractDetail(pending);
    expect(shown).toContain(impostor.info.fingerprint);
    expect(shown).toContain(host.info.fingerprint);
    expect(shown).toContain('the certificate changes');

    // Until confirmed, the real host keeps working both ways and the impostor is refused.
    expect(await host.api.post(`/v1/contracts/${real}/health`)).toMatchObject({ status: 'ok' });
    expect(await guest.api.post(`/v1/contracts/${real}/health`)).toMatchObject({ status: 'ok' });
    expect((await (await asPartner(host, guest)).call('GET', '/v1/interconn/health')).status).toBe(
      200,
    );
    expect(
      (await (await asPartner(impostor, guest)).call('GET', '/v1/interconn/health')).status,
    ).toBe(403);

    // Confirmed: the replaced contract ends on both sides and only the new certificate is pinned.
    const confirmed = await guest.api.post<ContractView>(`/v1/contracts/${p.id}/confirm`);
    expect(confirmed).toMatchObject({
      status: 'active',
      replaces: { id: real, status: 'terminated', fingerprint: host.info.fingerprint },
    });
    expect(contractDetail(confirmed)).toContain(host.info.fingerprint);
    const old = await guest.api.get<ContractView>(`/v1/contracts/${real}`);
    expect(old).toMatchObject({
      status: 'terminated',
      statusReason: `replaced by contract ${p.id}`,
    });
    expect((await host.api.get<ContractView>(`/v1/contracts/${real}`)).status).toBe('terminated');
    expect((await impostor.api.get<ContractView>(`/v1/contracts/${p.id}`)).status).toBe('active');
    expect((await (await asPartner(host, guest)).call('GET', '/v1/interconn/health')).status).toBe(
      403,
    );
    expect(
      (await (await asPartner(impostor, guest)).call('GET', '/v1/interconn/health')).status,
    ).toBe(200);
    const partners = await guest.api.get<{ items: { nodeId: string; fingerprint: string }[] }>(
      '/v1/partners',
    );
    expect(partners.items.filter((x) => x.nodeId === 'host')).toEqual([
      expect.objectContaining({ fingerprint: impostor.info.fingerprint }),
    ]);
  });
});
