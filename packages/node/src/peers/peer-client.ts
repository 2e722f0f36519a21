/**
 * HTTPS client for a partner's control-plane API, over mutual TLS 1.3. Calls to contracted
 * partners trust exactly the pinned certificate; the first contact (a contract proposal) reads
 * the certificate the partner presents so that the user can compare its fingerprint out of band.
 */
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { presentedFingerprint, type TlsIdentity } from '@fedgrid/federation';
import { FedGridError, type ErrorBody } from '../errors/errors.js';
import { jobOfPartnerCall, jobTraceparent } from '../observability/trace-context.js';
import type { GmProtection, ProtectedRequest } from './gm-protection.js';

export interface PinnedApi {
  nodeId: string;
  apiUrl: string;
  certPem: string;
  fingerprint: string;
  /**
   * The partner's SM2 certificate when the contract runs the `gm` suite: calls are then SM2-signed
   * and SM4-sealed (gm-protection.ts).
   */
  sm2CertPem?: string;
}

export interface FirstContact<T> {
  body: T;
  /** The certificate the partner presented (PEM) and its SHA-256 fingerprint. */
  certPem: string;
  fingerprint: string;
}

function derToPem(der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`;
}

function traceHeader(path: string, body: unknown): Record<string, string> {
  const job = jobOfPartnerCall(path, body);
  return job ? { traceparent: jobTraceparent(job) } : {};
}

/**
 * Server name (SNI) of a call to a contracted partner: `<node id>.fedgrid`, as on the data plane.
 * The partner's certificate is checked by fingerprint, not by this name; a relay in front of a
 * partner in an outbound-only network routes by it (docs/protocols/relay.md).
 */
export function pinnedServerName(nodeId: string): string {
  return `${nodeId}.fedgrid`;
}

/**
 * Server name of a first contact, whose node id is not known yet: the URL's host name when it is
 * a DNS name (a relay with a wildcard name `*.relay.example.org` routes `<node id>.relay…` by its
 * first label), else `fedgrid` (an IP address is not sent as SNI, RFC 6066 §3).
 */
export function firstContactServerName(apiUrl: string): string {
  const host = new URL(apiUrl).hostname;
  return isIP(host.replace(/^\[(.*)\]$/, '$1')) ? 'fedgrid' : host;
}

/** Bounds on a partner's answer ({@link PeerClient.call}). */
export interface AnswerLimits {
  /** Largest answer accepted, bytes on the wire. */
  maxAnswerBytes?: number;
  /** The whole call must end within this many ms. */
  deadlineMs?: number;
  /**
   * Longest silence between packets, ms, for a call whose answer takes a while to prepare (the
   * first PIR table request builds the table).
   * @default the client's timeout (30 s)
   */
  idleMs?: number;
}

export class PeerClient {
  constructor(
    private readonly identity: TlsIdentity,
    private readonly timeoutMs = 30_000,
    /** This node's gm protection (gm suite only): used for partners whose contract runs gm. */
    private readonly gm?: GmProtection,
  ) {}

  /**
   * Calls a contracted partner.
   * @param limits bounds on the answer, for calls whose answer a hostile partner could inflate or
   *   drip out to stall the caller: `maxAnswerBytes` (bytes on the wire) and `deadlineMs` (whole
   *   call, ms; the default timeout only bounds idle time between packets).
   * @throws FedGridError PEER_UNREACHABLE, CERTIFICATE_MISMATCH, or PEER_REFUSED (with the
   *   partner's error code and message, or when the answer exceeds `limits`).
   */
  async call<T>(
    peer: PinnedApi,
    method: string,
    path: string,
    body?: unknown,
    limits: AnswerLimits = {},
  ): Promise<T> {
    try {
      return await this.callPinned<T>(peer, method, path, body, limits);
    } catch (err) {
      // A TLS verification failure looks like unreachability; find out which certificate the
      // peer shows so that the error can name it.
      if (err instanceof FedGridError && err.code === 'PEER_UNREACHABLE') {
        const u = new URL(peer.apiUrl);
        const seen = await presentedFingerprint(
          `${u.hostname}:${u.port || 443}`,
          this.identity,
          3000,
          pinnedServerName(peer.nodeId),
        ).catch(() => undefined);
        if (seen && seen !== peer.fingerprint) {
          throw new FedGridError(
            'CERTIFICATE_MISMATCH',
            `node '${peer.nodeId}' at ${peer.apiUrl} presented certificate ${seen}, but the contract pins ${peer.fingerprint}; refusing to talk to it`,
            { peer: peer.nodeId, seen, pinned: peer.fingerprint },
          );
        }
      }
      throw err;
    }
  }

  /**
   * Calls a contracted partner route that answers bytes (application/octet-stream) and returns
   * them as they arrived (opened first under the gm suite). Errors as {@link call}; an error
   * answer (status ≥ 400) is read as JSON.
   * @param limits as for {@link call}; give `maxAnswerBytes` (a hostile partner could send more).
   */
  async callBytes(
    peer: PinnedApi,
    method: string,
    path: string,
    limits: AnswerLimits = {},
  ): Promise<Buffer> {
    return this.callPinned<Buffer>(peer, method, path, undefined, limits, true);
  }

  private async callPinned<T>(
    peer: PinnedApi,
    method: string,
    path: string,
    body: unknown,
    limits: AnswerLimits,
    bytes = false,
  ): Promise<T> {
    const protect =
      peer.sm2CertPem && this.gm
        ? await this.gm.protect(
            { nodeId: peer.nodeId, sm2CertPem: peer.sm2CertPem },
            method,
            path,
            body,
            (m, p, b) =>
              this.callPinned({ ...peer, sm2CertPem: undefined }, m, p, b, {}) as Promise<unknown>,
          )
        : undefined;
    const res = await this.send(
      peer.apiUrl,
      method,
      path,
      body,
      {
        ca: peer.certPem,
        checkServerIdentity: (_host, cert) =>
          cert.fingerprint256 === peer.fingerprint
            ? undefined
            : new FedGridError(
                'CERTIFICATE_MISMATCH',
                `node '${peer.nodeId}' at ${peer.apiUrl} presented certificate ${cert.fingerprint256}, but the contract pins ${peer.fingerprint}`,
                { peer: peer.nodeId, seen: cert.fingerprint256, pinned: peer.fingerprint },
              ),
      },
      peer.nodeId,
      protect,
      pinnedServerName(peer.nodeId),
      limits,
      bytes,
    );
    return res.body as T;
  }

  /**
   * Calls a node we have no contract with yet, accepting whatever certificate it presents and
   * returning it. If `expectedFingerprint` is given, a different certificate is refused.
   */
  async firstContact<T>(
    apiUrl: string,
    method: string,
    path: string,
    body: unknown,
    expectedFingerprint?: string,
  ): Promise<FirstContact<T>> {
    const res = await this.send(
      apiUrl,
      method,
      path,
      body,
      { rejectUnauthorized: false },
      apiUrl,
      undefined,
      firstContactServerName(apiUrl),
    );
    if (expectedFingerprint && res.fingerprint !== expectedFingerprint) {
      throw new FedGridError(
        'CERTIFICATE_MISMATCH',
        `${apiUrl} presented certificate ${res.fingerprint}, expected ${expectedFingerprint}; not proposing a contract`,
        { seen: res.fingerprint, expected: expectedFingerprint },
      );
    }
    return { body: res.body as T, certPem: res.certPem, fingerprint: res.fingerprint };
  }

  private send(
    apiUrl: string,
    method: string,
    path: string,
    body: unknown,
    tls: Pick<RequestOptions, 'ca' | 'checkServerIdentity' | 'rejectUnauthorized'>,
    peerName: string,
    protect: ProtectedRequest | undefined,
    servername: string,
    limits: AnswerLimits = {},
    bytes = false,
  ): Promise<{ body: unknown; certPem: string; fingerprint: string }> {
    const url = new URL(path, apiUrl);
    const payload = protect
      ? protect.body
      : body === undefined
        ? undefined
        : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      let answer: IncomingMessage | undefined;
      const req = httpsRequest(
        url,
        {
          method,
          key: this.identity.keyPem,
          cert: this.identity.certPem,
          minVersion: 'TLSv1.3',
          servername,
          timeout: limits.idleMs ?? this.timeoutMs,
          agent: false,
          headers: {
            accept: bytes ? 'application/octet-stream, application/json' : 'application/json',
            // A job's calls carry its W3C trace context (observability/trace-context.ts).
            ...traceHeader(path, body),
            ...(payload
              ? { 'content-type': 'application/json', 'content-length': payload.length }
              : {}),
            ...protect?.headers,
          },
          ...tls,
        },
        (res) => {
          answer = res;
          const chunks: Buffer[] = [];
          let received = 0;
          res.on('data', (c: Buffer) => {
            received += c.length;
            if (limits.maxAnswerBytes !== undefined && received > limits.maxAnswerBytes) {
              res.destroy(
                new FedGridError(
                  'PEER_REFUSED',
                  `node ${peerName} answered ${method} ${path} with more than ${limits.maxAnswerBytes} bytes; the answer is dropped`,
                  { peer: peerName, maxAnswerBytes: limits.maxAnswerBytes },
                ),
              );
              return;
            }
            chunks.push(c);
          });
          res.on('error', reject);
          res.on('end', () => {
            const raw = res.socket as import('node:tls').TLSSocket;
            const peerCert = raw.getPeerCertificate?.(false);
            const der = peerCert?.raw as Buffer | undefined;
            const certPem = der ? derToPem(der) : '';
            const fingerprint = der ? new X509Certificate(der).fingerprint256 : '';
            let raw2: Buffer = Buffer.concat(chunks);
            if (protect) {
              try {
                raw2 = protect.openAnswer(res.statusCode ?? 500, res.headers['content-type'], raw2);
              } catch (err) {
                reject(err);
                return;
              }
            }
            if (bytes && (res.statusCode ?? 500) < 400) {
              resolve({ body: raw2, certPem, fingerprint });
              return;
            }
            const text = raw2.toString('utf8');
            let parsed: unknown = undefined;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              parsed = { message: text };
            }
            if ((res.statusCode ?? 500) >= 400) {
              const e = (parsed ?? {}) as Partial<ErrorBody>;
              reject(
                new FedGridError(
                  'PEER_REFUSED',
                  `node ${peerName} refused ${method} ${path}: ${e.code ?? res.statusCode} ${e.message ?? ''}`.trim(),
                  {
                    peer: peerName,
                    status: res.statusCode,
                    peerCode: e.code,
                    peerDetails: e.details,
                  },
                ),
              );
              return;
            }
            resolve({ body: parsed, certPem, fingerprint });
          });
        },
      );
      req.on('timeout', () =>
        req.destroy(new Error(`no answer within ${(limits.idleMs ?? this.timeoutMs) / 1000} s`)),
      );
      if (limits.deadlineMs !== undefined) {
        const deadline = setTimeout(() => {
          const err = new FedGridError(
            'PEER_UNREACHABLE',
            `node ${peerName} did not complete ${method} ${path} within ${limits.deadlineMs! / 1000} s`,
            { peer: peerName },
          );
          if (answer) answer.destroy(err);
          else req.destroy(err);
        }, limits.deadlineMs);
        deadline.unref();
        req.on('close', () => clearTimeout(deadline));
      }
      req.on('error', (err: Error & { code?: string }) => {
        if (err instanceof FedGridError) return reject(err);
        const cause = (err as { cause?: unknown }).cause;
        if (cause instanceof FedGridError) return reject(cause);
        reject(
          new FedGridError(
            'PEER_UNREACHABLE',
            `cannot reach node ${peerName} at ${apiUrl}: ${err.code ?? ''} ${err.message}`.trim(),
            {
              peer: peerName,
              url: apiUrl,
            },
          ),
        );
      });
      req.end(payload);
    });
  }
}
