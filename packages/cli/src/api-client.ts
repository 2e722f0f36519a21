/**
 * Client of a node's local REST API, as its admin: the admin token in a Bearer header, and the
 * node's own certificate as the only trusted one (pinned by fingerprint).
 *
 * Commands move to the typed client (`ApiClient.typed`, generated from docs/openapi.json) one by
 * one; both go through the same pinned HTTPS transport (`ApiClient.fetch`).
 */
import { request, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { ApiError, createNodeApi, type ApiErrorBody, type NodeApi } from '@fedgrid/api-client';
import { loadConfig } from '@fedgrid/node/client';

/**
 * An error answer of the node: one class for the hand-written calls below and the typed client
 * of @fedgrid/api-client (`unwrap`), so `instanceof ApiError` holds for both.
 */
export { ApiError };

export interface ApiTarget {
  url: string;
  token: string;
  certPem: string;
  /**
   * Server name sent in TLS (SNI): `<node id>.fedgrid` lets a relay route the call to a node in an
   * outbound-only network (docs/protocols/relay.md); the certificate is pinned either way.
   * @default 'fedgrid'
   */
  servername?: string;
}

/** What `fedgrid node start` writes into the node directory while it runs. */
export interface RuntimeFile {
  pid: number;
  apiUrl: string;
  dataAddress: string;
  fingerprint: string;
  startedAt: string;
}

export const RUNTIME_FILE = 'runtime.json';

/** Builds a target from a node directory (its running node's URL, token and certificate). */
export async function targetFromNodeDir(dir: string): Promise<ApiTarget> {
  const loaded = await loadConfig(dir);
  let runtime: RuntimeFile;
  try {
    runtime = JSON.parse(await readFile(join(loaded.dir, RUNTIME_FILE), 'utf8')) as RuntimeFile;
  } catch {
    throw new Error(
      `the node in ${loaded.dir} is not running (no ${RUNTIME_FILE}); start it with \`fedgrid node start --dir ${dir}\``,
    );
  }
  const [tokenBytes, certPem] = await Promise.all([
    readFile(loaded.paths.adminToken),
    readFile(loaded.paths.cert, 'utf8'),
  ]);
  let token = tokenBytes.toString('utf8');
  if (token.startsWith('FGSEAL1')) {
    // Sealed at rest (crypto.sealedSecrets): opened with the node's FEDGRID_SEAL_KEY /
    // FEDGRID_SEAL_PASSPHRASE; the full node package loads only for such nodes.
    const { readSecretFile, sealSecretFromEnv } = await import('@fedgrid/node');
    const secret = sealSecretFromEnv();
    token = await readSecretFile(loaded.paths.adminToken, 'admin-token', {
      suite: loaded.config.crypto.suite,
      ...(secret ? { secret } : {}),
    });
  }
  return {
    url: runtime.apiUrl,
    token: token.trim(),
    certPem,
    servername: `${loaded.config.node.id}.fedgrid`,
  };
}

interface RawAnswer {
  status: number;
  headers: [string, string][];
  body: Buffer;
}

export class ApiClient {
  private readonly fingerprint: string;
  private typedClient?: NodeApi;

  constructor(private readonly target: ApiTarget) {
    this.fingerprint = new X509Certificate(target.certPem).fingerprint256;
  }

  get url(): string {
    return this.target.url;
  }

  /**
   * The typed client of @fedgrid/api-client (paths, parameters and bodies checked against
   * docs/openapi.json), over this client's pinned transport with the admin token.
   */
  get typed(): NodeApi {
    this.typedClient ??= createNodeApi({
      baseUrl: this.target.url,
      token: this.target.token,
      fetch: (req) => this.fetch(req),
    });
    return this.typedClient;
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  /**
   * @throws ApiError with the node's {code, message, details} for error responses; Error when the
   *   node cannot be reached.
   */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const res = await this.send(
      method,
      new URL(path, this.target.url),
      {
        authorization: `Bearer ${this.target.token}`,
        accept: 'application/json',
        ...(payload ? { 'content-type': 'application/json' } : {}),
      },
      payload,
    );
    const text = res.body.toString('utf8');
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = { code: 'BAD_RESPONSE', message: text };
    }
    if (res.status >= 400) throw new ApiError(res.status, parsed as ApiErrorBody);
    return parsed as T;
  }

  /**
   * A WHATWG `fetch` over this client's transport (TLS 1.3, the node's certificate pinned by
   * fingerprint): what the typed client calls. The request's headers are sent as they are.
   *
   * @throws Error when the node cannot be reached (as `fetch` rejects on network errors).
   */
  async fetch(req: Request): Promise<Response> {
    const payload = req.body ? Buffer.from(await req.arrayBuffer()) : undefined;
    const headers: Record<string, string> = {};
    req.headers.forEach((v, k) => (headers[k] = v));
    const res = await this.send(req.method, new URL(req.url), headers, payload);
    const empty = res.status === 204 || res.status === 304 || req.method === 'HEAD';
    return new Response(empty ? null : new Uint8Array(res.body), {
      status: res.status,
      headers: res.headers,
    });
  }

  /** TLS options of every request: TLS 1.3, the node's certificate pinned by fingerprint. */
  private tlsOptions(): RequestOptions {
    return {
      ca: this.target.certPem,
      servername: this.target.servername ?? 'fedgrid',
      minVersion: 'TLSv1.3',
      checkServerIdentity: (_h, cert) =>
        cert.fingerprint256 === this.fingerprint
          ? undefined
          : new Error(
              `node at ${this.target.url} presented ${cert.fingerprint256}, expected ${this.fingerprint}`,
            ),
    };
  }

  /**
   * Streams `body` (`bytes` long) to `path` as application/octet-stream — a dataset upload that
   * is never held in memory whole — and answers the JSON response.
   * @throws ApiError for error responses; Error when the node cannot be reached.
   */
  async upload<T>(path: string, body: Readable, bytes: number): Promise<T> {
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(new URL(path, this.target.url), {
        method: 'POST',
        ...this.tlsOptions(),
        headers: {
          authorization: `Bearer ${this.target.token}`,
          accept: 'application/json',
          'content-type': 'application/octet-stream',
          'content-length': bytes,
        },
      });
      req.on('response', resolve);
      req.on('error', (err) =>
        reject(new Error(`cannot reach the node at ${this.target.url}: ${err.message}`)),
      );
      body.on('error', (err) => req.destroy(err));
      body.pipe(req);
    });
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = { code: 'BAD_RESPONSE', message: text };
    }
    if ((res.statusCode ?? 500) >= 400)
      throw new ApiError(res.statusCode ?? 500, parsed as ApiErrorBody);
    return parsed as T;
  }

  /**
   * Streams the answer of GET `path` into `out` (a download that is never held in memory whole).
   * @throws ApiError for error responses; Error when the node cannot be reached.
   */
  async download(path: string, out: Writable): Promise<void> {
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(new URL(path, this.target.url), {
        method: 'GET',
        ...this.tlsOptions(),
        headers: { authorization: `Bearer ${this.target.token}` },
      });
      req.on('response', resolve);
      req.on('error', (err) =>
        reject(new Error(`cannot reach the node at ${this.target.url}: ${err.message}`)),
      );
      req.end();
    });
    if ((res.statusCode ?? 500) >= 400) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        parsed = { code: 'BAD_RESPONSE', message: `status ${res.statusCode}` };
      }
      throw new ApiError(res.statusCode ?? 500, parsed as ApiErrorBody);
    }
    await pipeline(res, out);
  }

  private send(
    method: string,
    url: URL,
    headers: Record<string, string>,
    payload: Buffer | undefined,
  ): Promise<RawAnswer> {
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          ca: this.target.certPem,
          servername: this.target.servername ?? 'fedgrid',
          minVersion: 'TLSv1.3',
          checkServerIdentity: (_h, cert) =>
            cert.fingerprint256 === this.fingerprint
              ? undefined
              : new Error(
                  `node at ${this.target.url} presented ${cert.fingerprint256}, expected ${this.fingerprint}`,
                ),
          headers: { ...headers, ...(payload ? { 'content-length': payload.length } : {}) },
          timeout: 120_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const out: [string, string][] = [];
            for (const [k, v] of Object.entries(res.headers))
              if (v !== undefined) out.push([k, Array.isArray(v) ? v.join(', ') : v]);
            resolve({ status: res.statusCode ?? 500, headers: out, body: Buffer.concat(chunks) });
          });
        },
      );
      req.on('timeout', () =>
        req.destroy(new Error(`no answer from ${this.target.url} within 120 s`)),
      );
      req.on('error', (err) =>
        reject(new Error(`cannot reach the node at ${this.target.url}: ${err.message}`)),
      );
      req.end(payload);
    });
  }
}
