/**
 * The hostile-partner harness: real node processes (`fedgrid node start`, each with its own
 * identity), contracts signed as users sign them, and a raw caller that talks to a victim's
 * partner API **with the attacker node's own certificate** — exactly what a contracted but
 * hostile organisation can do with the files on its own machine, bypassing its node's logic.
 */
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { signContract, type ClusterNode } from 'fedgrid';
import { TestCluster } from '../cluster-helpers.js';

export { TestCluster, waitFor } from '../cluster-helpers.js';

/** A partner-route answer, never thrown: tests assert on the status and body. */
export interface PartnerAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: import('node:http').IncomingHttpHeaders;
}

/** Calls `victim`'s API as `attacker`, presenting the attacker node's own TLS identity. */
export interface PartnerCaller {
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<PartnerAnswer<T>>;
}

/** The attacker's key and certificate, read from its node directory (identity/). */
export async function identityOf(node: ClusterNode): Promise<{ key: string; cert: string }> {
  const [key, cert] = await Promise.all([
    readFile(join(node.dir, 'identity', 'key.pem'), 'utf8'),
    readFile(join(node.dir, 'identity', 'cert.pem'), 'utf8'),
  ]);
  return { key, cert };
}

/** A caller of `victim`'s API (partner routes) with `attacker`'s certificate. */
export async function asPartner(
  attacker: ClusterNode,
  victim: ClusterNode,
): Promise<PartnerCaller> {
  return withIdentity(await identityOf(attacker), victim);
}

/**
 * A caller of `victim`'s API presenting any key and certificate (e.g. one made on the spot with
 * `generateIdentity`: a client no node knows).
 */
export function withIdentity(
  { key, cert }: { key: string; cert: string },
  victim: ClusterNode,
): PartnerCaller {
  return {
    call: <T>(method: string, path: string, body?: unknown) =>
      new Promise<PartnerAnswer<T>>((resolve, reject) => {
        const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
        const req = request(
          new URL(path, victim.info.apiUrl),
          {
            method,
            key,
            cert,
            minVersion: 'TLSv1.3',
            servername: 'fedgrid',
            rejectUnauthorized: false, // the attacker does not care who answers
            agent: false,
            headers: {
              accept: 'application/json',
              ...(payload
                ? { 'content-type': 'application/json', 'content-length': payload.length }
                : {}),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('error', reject);
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              let parsed: unknown;
              try {
                parsed = text ? JSON.parse(text) : {};
              } catch {
                parsed = { text };
              }
              resolve({ status: res.statusCode ?? 0, body: parsed as T, headers: res.headers });
            });
          },
        );
        req.on('error', reject);
        req.end(payload);
      }),
  };
}

/** Launches nodes `names` as processes and signs a contract between every pair. */
export async function contractedCluster(
  cluster: TestCluster,
  names: string[],
): Promise<ClusterNode[]> {
  const nodes = await Promise.all(names.map((n) => cluster.launch(n)));
  for (let i = 0; i < nodes.length; i++)
    for (let j = i + 1; j < nodes.length; j++)
      await signContract(nodes[i] as ClusterNode, nodes[j] as ClusterNode);
  return nodes;
}
