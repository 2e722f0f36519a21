/**
 * The guest's connections to its hosts for online prediction, each call bounded by the request's
 * deadline: by default one long-lived Partials stream per host on the gRPC data plane (mutual TLS
 * 1.3, the pinned certificates; a frame per batch instead of an HTTPS request), or HTTPS to
 * `POST /v1/interconn/serving/partial` with the certificate the contract pins, kept alive between
 * requests (one agent per host, so a prediction costs no handshake).
 */
import { Agent, request } from 'node:https';
import { ChannelError, type GrpcTransport } from '@fedgrid/federation';
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
  partials: (
    | { id: string; partial: Record<string, unknown> }
    | { id: string; found: false }
    /**
     * The host cannot compute this id's partial from its row (e.g. an unseen category under the
     * training's `unseen: error`): a code and a message naming only the column, never its value.
     */
    | { id: string; refused: { code: string; message: string; column?: string } }
  )[];
}

/**
 * A host's answer (status and JSON body) as partials, or the refusal as SERVING_HOST_FAILED
 * naming the host and carrying the host's code as `peerCode`.
 */
function answerOf(
  status: number,
  body: Buffer,
  fail: (why: string, extra?: Record<string, unknown>) => FedGridError,
): PartialResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw fail('answered something that is not JSON');
  }
  if (status >= 400) {
    const e = (parsed ?? {}) as Partial<ErrorBody>;
    throw fail(`refused: ${e.code ?? status} ${e.message ?? ''}`.trim(), {
      status,
      peerCode: e.code,
    });
  }
  return parsed as PartialResponse;
}

/** Longest a keep-alive connection to a host stays idle (shorter when the host announces less). */
const IDLE_MS = 30_000;

export class ServingClient {
  private readonly agents = new Map<string, { fingerprint: string; agent: Agent }>();

  /**
   * @param transport the data plane; with it (and `via: 'grpc'`) partials go over its Partials
   *   streams, otherwise over HTTPS.
   * @param gm under the gm suite: seals partials requests to hosts whose contract runs gm, with
   *   `handshake` making the SM2 key exchange's raw calls (the node's PeerClient). Sealed
   *   requests go over HTTPS, where the gm protection of partner calls applies.
   */
  constructor(
    private readonly identity: TlsIdentity,
    private readonly transport?: Pick<GrpcTransport, 'partials'>,
    private readonly via: 'grpc' | 'https' = 'grpc',
    private readonly gm?: { protection: GmProtection; handshake: (peer: PinnedApi) => RawCall },
  ) {}

  private agentFor(peer: PinnedApi): Agent {
    const known = this.agents.get(peer.nodeId);
    if (known && known.fingerprint === peer.fingerprint) return known.agent;
    known?.agent.destroy();
    const agent = new Agent({
      keepAlive: true,
      // An idle connection is closed by this side before the host closes it: node:http's Agent
      // lowers this to the host's announced `Keep-Alive: timeout` less 1 s (Fastify: 72 s), but
      // only when a timeout is set at all — without one it kept idle sockets for ever, and a
      // partial call written on one just as the host closed it failed (ECONNRESET, issue 12).
      // Calls under way are bounded by their own deadline (the timer below), not by this.
      timeout: IDLE_MS,
      maxSockets: 64,
      key: this.identity.keyPem,
      cert: this.identity.certPem,
      ca: peer.certPem,
      minVersion: 'TLSv1.3',
      // `<node id>.fedgrid`: a relay in front of the host routes by it (docs/protocols/relay.md).
      servername: `${peer.nodeId}.fedgrid`,
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
    if (this.transport && this.via === 'grpc' && !protect)
      return this.transport.partials(peer.nodeId, payload, timeoutMs).then(
        (a) => answerOf(a.status, a.body, fail),
        (err: Error) => {
          throw /did not answer within/.test(err.message)
            ? fail(`did not answer within ${timeoutMs} ms`, { timeoutMs })
            : fail(
                `cannot be reached: ${err instanceof ChannelError ? `${err.code} ` : ''}${err.message}`,
              );
        },
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
              resolve(answerOf(res.statusCode ?? 500, raw, fail));
            } catch (err) {
              reject(err as Error);
            }
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
