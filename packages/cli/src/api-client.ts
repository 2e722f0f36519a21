/**
 * Client of a node's local REST API, as its admin: the admin token in a Bearer header, and the
 * node's own certificate as the only trusted one (pinned by fingerprint).
 */
import { request } from 'node:https';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { loadConfig, type ErrorBody } from '@fedgrid/node/client';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(body.message);
    this.name = 'ApiError';
  }
}

export interface ApiTarget {
  url: string;
  token: string;
  certPem: string;
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
  const [token, certPem] = await Promise.all([
    readFile(loaded.paths.adminToken, 'utf8'),
    readFile(loaded.paths.cert, 'utf8'),
  ]);
  return { url: runtime.apiUrl, token: token.trim(), certPem };
}

export class ApiClient {
  private readonly fingerprint: string;

  constructor(private readonly target: ApiTarget) {
    this.fingerprint = new X509Certificate(target.certPem).fingerprint256;
  }

  get url(): string {
    return this.target.url;
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
  call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const url = new URL(path, this.target.url);
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          ca: this.target.certPem,
          servername: 'fedgrid',
          minVersion: 'TLSv1.3',
          checkServerIdentity: (_h, cert) =>
            cert.fingerprint256 === this.fingerprint
              ? undefined
              : new Error(
                  `node at ${this.target.url} presented ${cert.fingerprint256}, expected ${this.fingerprint}`,
                ),
          headers: {
            authorization: `Bearer ${this.target.token}`,
            accept: 'application/json',
            ...(payload
              ? { 'content-type': 'application/json', 'content-length': payload.length }
              : {}),
          },
          timeout: 120_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              parsed = { code: 'BAD_RESPONSE', message: text };
            }
            if ((res.statusCode ?? 500) >= 400)
              reject(new ApiError(res.statusCode ?? 500, parsed as ErrorBody));
            else resolve(parsed as T);
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
