/**
 * The guest's connections to its hosts for online prediction: HTTPS over mutual TLS 1.3 with
 * the certificate the contract pins, kept alive between requests (one agent per host, so a
 * prediction costs no handshake), each call bounded by the request's deadline.
 */
import { Agent, request } from 'node:https';
import { FedGridError, type ErrorBody } from '../errors/errors.js';
import type { PinnedApi } from '../peers/peer-client.js';
import type { GmProtection, RawCall } from '../peers/gm-protection.js';
import type { TlsIdentity } from '@fedgrid/federation';

/** What the guest asks a host (the body of `POST /v1/interconn/serving/partial`). */
export interface PartialRequest {
  /** The model part's training job and task: the version both sides deployed. */
  job: string;
  task: string;
  ids: string[];
}

/** A host's answer: one entry per requested id, in order. */
export interface PartialResponse {
  partials: ({ id: string; partial: Record<string, unknown> } | { id: string; found: false })[];
}

export class ServingClient {
  private readonly agents = new Map<string, { fingerprint: string; agent: Agent }>();

  /**
   * @param gm under the gm suite: seals partials requests to hosts whose contract runs gm, with
   *   `handshake` making the SM2 key exchange's raw calls (the node's PeerClient).
   */
  constructor(
    private readonly identity: TlsIdentity,
    private readonly gm?: { protection: GmProtection; handshake: (peer: PinnedApi) => RawCall },
  ) {}

  private agentFor(peer: PinnedApi): Agent {
    const known = this.agents.get(peer.nodeId);
    if (known && known.fingerprint === peer.fingerprint) return known.agent;
    known?.agent.destroy();
    const agent = new Agent({
      keepAlive: true,
      maxSockets: 64,
      key: this.identity.keyPem,
      cert: this.identity.certPem,
      ca: peer.certPem,
      minVersion: 'TLSv1.3',
      servername: 'fedgrid',
      checkServerIdentity: (_host, cert) =>
        cert.fingerprint256 === peer.fingerprint
          ? undefined
          : new FedGridError(
              'CERTIFICATE_MISMATCH',
              `node '${peer.nodeId}' presented certificate ${cert.fingerprint256}, but the contract pins ${peer.fingerprint}`,
              { peer: peer.nodeId },
            ),
    });
    this.agents.set(peer.nodeId, { fingerprint: peer.fingerprint, agent });
    return agent;
  }

  /**
   * Asks one host for its partials. Rejects with SERVING_HOST_FAILED naming the host (and its
   * party) when it does not answer within `timeoutMs`, cannot be reached or refuses.
   */
  async partial(
    peer: PinnedApi,
    party: string,
    body: PartialRequest,
    timeoutMs: number,
  ): Promise<PartialResponse> {
    const path = '/v1/interconn/serving/partial';
    const protect =
      peer.sm2CertPem && this.gm
        ? await this.gm.protection.protect(
            { nodeId: peer.nodeId, sm2CertPem: peer.sm2CertPem },
            'POST',
            path,
            body,
            this.gm.handshake(peer),
          )
        : undefined;
    const payload = protect?.body ?? Buffer.from(JSON.stringify(body));
    const fail = (why: string, extra: Record<string, unknown> = {}) =>
      new FedGridError(
        'SERVING_HOST_FAILED',
        `host node '${peer.nodeId}' (party ${party}) ${why}`,
        { host: peer.nodeId, party, ...extra },
      );
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(path, peer.apiUrl),
        {
          method: 'POST',
          agent: this.agentFor(peer),
          headers: {
            'content-type': 'application/json',
            'content-length': payload.length,
            ...protect?.headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => reject(fail(`broke off its answer: ${err.message}`)));
          res.on('end', () => {
            clearTimeout(timer);
            let parsed: unknown;
            let raw: Buffer = Buffer.concat(chunks);
            try {
              if (protect)
                raw = protect.openAnswer(res.statusCode ?? 500, res.headers['content-type'], raw);
            } catch (err) {
              return reject(
                fail(`answered without valid gm protection: ${(err as Error).message}`),
              );
            }
            try {
              parsed = JSON.parse(raw.toString('utf8'));
            } catch {
              return reject(fail('answered something that is not JSON'));
            }
            if ((res.statusCode ?? 500) >= 400) {
              const e = parsed as Partial<ErrorBody>;
              return reject(
                fail(`refused: ${e.code ?? res.statusCode} ${e.message ?? ''}`.trim(), {
                  status: res.statusCode,
                  peerCode: e.code,
                }),
              );
            }
            resolve(parsed as PartialResponse);
          });
        },
      );
      const timer = setTimeout(
        () => req.destroy(fail(`did not answer within ${timeoutMs} ms`, { timeoutMs })),
        Math.max(1, timeoutMs),
      );
      req.on('error', (err: Error & { code?: string }) => {
        clearTimeout(timer);
        if (err instanceof FedGridError) return reject(err);
        reject(fail(`cannot be reached: ${err.code ?? ''} ${err.message}`.trim()));
      });
      req.end(payload);
    });
  }

  close(): void {
    for (const { agent } of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}
