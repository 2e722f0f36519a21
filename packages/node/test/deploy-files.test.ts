/**
 * The container files, checked statically (Docker and Kubernetes are not available here):
 * the Dockerfile with dockerfile-utils' validator (the linter of the Docker language server) and
 * structural rules (multi-stage, native kernels checked at build, non-root, health check); the
 * compose file's three parties and their PostgreSQL; the Kubernetes manifests against the
 * Kubernetes OpenAPI schemas (kubernetes-models) and our rules (Secret-held database URL,
 * probes on /livez and /readyz, limits, non-root). Every FEDGRID_* variable they set is one the
 * node reads, and every file they copy exists.
 */
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { validate as validateDockerfile } from 'dockerfile-utils';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { CONFIG_ENV } from '../dist/config/config-env.js';
import { missingV8Flags } from '../dist/server/process-flags.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (p: string) => readFile(root + p, 'utf8');
/** Variables the entrypoint and the node read besides the fedgrid.yaml overrides. */
const KNOWN_ENV = new Set([
  ...Object.keys(CONFIG_ENV),
  'FEDGRID_DATABASE_URL',
  'FEDGRID_NODE_ID',
  'FEDGRID_NODE_DIR',
  // Read by `fedgrid node start` (the process's part in its node: all, api or worker).
  'FEDGRID_ROLE',
]);

describe('Dockerfile', () => {
  it('passes the Dockerfile validator with no problem', async () => {
    const problems = validateDockerfile(await read('Dockerfile'));
    expect(problems.map((p) => `${p.range.start.line + 1}: ${p.message}`)).toEqual([]);
    // It does report problems (so the check above can fail).
    expect(
      validateDockerfile('FROM node:20 AS a\nEXPOSE port\nHEALTHCHECK\n').length,
    ).toBeGreaterThan(0);
  });

  it('builds in one stage and runs as a non-root user in a slim second stage with the native kernels checked', async () => {
    const text = await read('Dockerfile');
    const lines = text.split('\n');
    const froms = lines.filter((l) => /^FROM /.test(l));
    expect(froms.length).toBe(2);
    expect(froms[0]).toMatch(/ AS build$/);
    expect(froms[1]).toMatch(/-slim AS runtime$/);
    const runtime = text.slice(text.indexOf(froms[1]!));
    // The build stage has the compiler, and fails when the native kernels do not load.
    expect(text.slice(0, text.indexOf(froms[1]!))).toMatch(/python3 make g\+\+/);
    expect(text).toMatch(/nativeLoadError\(\).*process\.exit\(1\)/);
    expect(text).toMatch(/npm prune --omit=dev/);
    const user = /^USER (\S+)$/m.exec(runtime)?.[1];
    expect(user).toBeDefined();
    expect(user!.split(':')[0]).not.toMatch(/^(0|root)$/);
    expect(runtime).toMatch(/^HEALTHCHECK [^\n]*\\\n\s+CMD [^\n]*\/livez/m);
    expect(runtime).toMatch(/^ENTRYPOINT \["\/usr\/local\/bin\/fedgrid-entrypoint"\]$/m);
    expect(runtime).toMatch(
      /^COPY deploy\/docker\/entrypoint\.sh \/usr\/local\/bin\/fedgrid-entrypoint$/m,
    );
    // The node process's V8 flags, which must be set at its start, are in the image's NODE_OPTIONS.
    const nodeOptions = /^\s+NODE_OPTIONS=(\S+)/m.exec(runtime)?.[1];
    expect(missingV8Flags([], nodeOptions ?? '')).toEqual([]);
    // Sources copied from the build context exist.
    for (const m of text.matchAll(/^COPY (?!--from)(.+) \S+$/gm))
      for (const src of m[1]!.split(/\s+/))
        expect(
          (await stat(root + src)).isFile() || (await stat(root + src)).isDirectory(),
          src,
        ).toBe(true);
    // node_modules and build output stay out of the build context.
    const ignore = await read('.dockerignore');
    for (const p of ['**/node_modules', '**/dist', '.git']) expect(ignore).toContain(p);
  });
});

describe('compose file', () => {
  it('runs three parties, each on its own PostgreSQL it waits for, with distinct ids and ports', async () => {
    const doc = parse(await read('deploy/compose/docker-compose.yml'), { merge: true }) as {
      services: Record<string, Record<string, unknown>>;
    };
    const nodes = Object.entries(doc.services).filter(([, s]) => {
      const env = s['environment'] as Record<string, string> | undefined;
      return env?.['FEDGRID_NODE_ID'];
    });
    expect(nodes.map(([n]) => n).sort()).toEqual(['arbiter', 'guest', 'host']);
    const ports = new Set<string>();
    for (const [name, s] of nodes) {
      const env = s['environment'] as Record<string, string>;
      expect(env['FEDGRID_NODE_ID']).toBe(name);
      for (const k of Object.keys(env).filter((k) => k.startsWith('FEDGRID_')))
        expect(KNOWN_ENV.has(k), `${name}: ${k}`).toBe(true);
      const db = new URL(env['FEDGRID_DATABASE_URL']!);
      expect(db.password, 'the password comes from PGPASSWORD, not the URL').toBe('');
      expect(env['PGPASSWORD']).toMatch(/^\$\{[A-Z_]+:\?/);
      const dbService = db.hostname;
      expect(doc.services[dbService]?.['image']).toMatch(/^postgres:/);
      expect((s['depends_on'] as Record<string, { condition: string }>)[dbService]?.condition).toBe(
        'service_healthy',
      );
      expect(env['FEDGRID_ADVERTISE_API_URL']).toBe(`https://${name}:8443`);
      for (const p of s['ports'] as string[]) {
        expect(ports.has(p.split(':')[0]!)).toBe(false);
        ports.add(p.split(':')[0]!);
      }
      expect(s['read_only']).toBe(true);
      expect((s['build'] as { dockerfile: string }).dockerfile).toBe('Dockerfile');
      expect(JSON.stringify(s['healthcheck'])).toContain('/readyz');
    }
  });
});

describe('Kubernetes manifests', () => {
  async function docs(): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (const f of ['deploy/kubernetes/secret.yaml', 'deploy/kubernetes/node.yaml'])
      for (const d of parseAllDocuments(await read(f)))
        out.push(d.toJS() as Record<string, unknown>);
    return out;
  }

  it('validate against the Kubernetes schemas', async () => {
    const models: Record<string, new (d: never) => { validate(): void }> = {
      'v1/Secret': Secret as never,
      'v1/Service': Service as never,
      'apps/v1/StatefulSet': StatefulSet as never,
    };
    const all = await docs();
    expect(all.map((d) => d['kind']).sort()).toEqual(['Secret', 'Service', 'StatefulSet']);
    for (const d of all) {
      const Model = models[`${String(d['apiVersion'])}/${String(d['kind'])}`];
      expect(Model, `${String(d['kind'])}`).toBeDefined();
      expect(() => new Model!(d as never).validate()).not.toThrow();
    }
    // The validator does catch a wrong field type (so the check above can fail).
    const bad = structuredClone(all.find((d) => d['kind'] === 'StatefulSet')!);
    (bad['spec'] as Record<string, unknown>)['replicas'] = 'one';
    expect(() => new StatefulSet(bad as never).validate()).toThrow();
  });

  it('take the database URL from a Secret, probe /livez and /readyz, set limits and run as non-root', async () => {
    const all = await docs();
    const secret = all.find((d) => d['kind'] === 'Secret')!;
    const sts = all.find((d) => d['kind'] === 'StatefulSet') as {
      spec: {
        replicas: number;
        template: {
          spec: {
            securityContext: { runAsNonRoot: boolean; runAsUser: number };
            containers: {
              env: {
                name: string;
                value?: string;
                valueFrom?: { secretKeyRef: { name: string; key: string } };
              }[];
              resources: { limits: Record<string, string>; requests: Record<string, string> };
              livenessProbe: { httpGet: { path: string; scheme: string } };
              readinessProbe: { httpGet: { path: string; scheme: string } };
              securityContext: {
                readOnlyRootFilesystem: boolean;
                allowPrivilegeEscalation: boolean;
              };
              volumeMounts: { mountPath: string }[];
            }[];
          };
        };
      };
    };
    expect(sts.spec.replicas).toBeGreaterThanOrEqual(1);
    const pod = sts.spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).not.toBe(0);
    const [c] = pod.containers;
    const url = c!.env.find((e) => e.name === 'FEDGRID_DATABASE_URL')!;
    expect(url.value).toBeUndefined();
    const ref = url.valueFrom!.secretKeyRef;
    expect(ref.name).toBe((secret['metadata'] as { name: string }).name);
    expect(Object.keys(secret['stringData'] as object)).toContain(ref.key);
    for (const e of c!.env.filter((e) => e.name.startsWith('FEDGRID_')))
      expect(KNOWN_ENV.has(e.name), e.name).toBe(true);
    expect(c!.livenessProbe.httpGet).toMatchObject({ path: '/livez', scheme: 'HTTPS' });
    expect(c!.readinessProbe.httpGet).toMatchObject({ path: '/readyz', scheme: 'HTTPS' });
    expect(c!.resources.limits['cpu']).toBeDefined();
    expect(c!.resources.limits['memory']).toBeDefined();
    expect(c!.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    // The node directory the image uses (FEDGRID_NODE_DIR) is on the persistent volume.
    const dockerfile = await read('Dockerfile');
    const nodeDir = /FEDGRID_NODE_DIR=(\S+)/.exec(dockerfile)![1]!;
    expect(c!.volumeMounts.some((m) => nodeDir.startsWith(m.mountPath))).toBe(true);
    // The probed paths are routes of the node (the API description lists them).
    const openapi = JSON.parse(await read('docs/openapi.json')) as {
      paths: Record<string, unknown>;
    };
    expect(openapi.paths['/livez']).toBeDefined();
    expect(openapi.paths['/readyz']).toBeDefined();
  });

  it('run a node as api replicas and workers sharing one identity, volume and database (multi-process)', async () => {
    const all = parseAllDocuments(await read('deploy/kubernetes/node-multiprocess.yaml')).map(
      (d) => d.toJS() as Record<string, unknown>,
    );
    const models: Record<string, new (d: never) => { validate(): void }> = {
      'v1/PersistentVolumeClaim': PersistentVolumeClaim as never,
      'v1/Service': Service as never,
      'apps/v1/Deployment': Deployment as never,
    };
    for (const d of all) {
      const Model = models[`${String(d['apiVersion'])}/${String(d['kind'])}`];
      expect(Model, `${String(d['kind'])}`).toBeDefined();
      expect(() => new Model!(d as never).validate()).not.toThrow();
    }
    interface Dep {
      metadata: { name: string };
      spec: {
        replicas: number;
        template: {
          metadata: { labels: Record<string, string> };
          spec: {
            securityContext: { runAsNonRoot: boolean };
            containers: {
              env: { name: string; value?: string; valueFrom?: unknown }[];
              resources: { limits: Record<string, string> };
              volumeMounts: { name: string; mountPath: string }[];
            }[];
            volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[];
          };
        };
      };
    }
    const deps = all.filter((d) => d['kind'] === 'Deployment') as unknown as Dep[];
    const roleOf = (d: Dep) =>
      d.spec.template.spec.containers[0]!.env.find((e) => e.name === 'FEDGRID_ROLE')?.value;
    expect(deps.map(roleOf).sort()).toEqual(['api', 'worker']);
    const pvc = all.find((d) => d['kind'] === 'PersistentVolumeClaim') as {
      metadata: { name: string };
      spec: { accessModes: string[] };
    };
    expect(pvc.spec.accessModes).toContain('ReadWriteMany');
    const schema = new Set<string | undefined>();
    for (const d of deps) {
      const pod = d.spec.template.spec;
      const [c] = pod.containers;
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(c!.resources.limits['memory']).toBeDefined();
      for (const e of c!.env.filter((e) => e.name.startsWith('FEDGRID_')))
        expect(KNOWN_ENV.has(e.name), e.name).toBe(true);
      expect(c!.env.find((e) => e.name === 'FEDGRID_DATABASE_URL')!.valueFrom).toBeDefined();
      schema.add(c!.env.find((e) => e.name === 'FEDGRID_DATABASE_SCHEMA')?.value);
      // Every process mounts the one shared node volume.
      const vol = pod.volumes.find((v) => v.persistentVolumeClaim)!;
      expect(vol.persistentVolumeClaim!.claimName).toBe(pvc.metadata.name);
      expect(c!.volumeMounts.some((m) => m.name === vol.name)).toBe(true);
    }
    expect(schema.size).toBe(1);
    const api = deps.find((d) => roleOf(d) === 'api')!;
    expect(api.spec.replicas).toBeGreaterThanOrEqual(2);
    // The partners' one address selects the api replicas only.
    const svc = all.find((d) => d['kind'] === 'Service') as {
      spec: { selector: Record<string, string> };
    };
    expect(api.spec.template.metadata.labels).toMatchObject(svc.spec.selector);
    const worker = deps.find((d) => roleOf(d) === 'worker')!;
    expect(worker.spec.template.metadata.labels).not.toMatchObject(svc.spec.selector);
  });

  it('let Prometheus scrape every process: workers serve /metrics and their probes on a port of their own', async () => {
    const all = parseAllDocuments(await read('deploy/kubernetes/node-multiprocess.yaml')).map(
      (d) => d.toJS() as Record<string, unknown>,
    );
    const deps = all.filter((d) => d['kind'] === 'Deployment') as unknown as PodOwner[];
    const env = (d: PodOwner, name: string) =>
      d.spec.template.spec.containers[0]!.env.find((e) => e.name === name)?.value;
    const worker = deps.find((d) => env(d, 'FEDGRID_ROLE') === 'worker')!;
    const c = worker.spec.template.spec.containers[0]!;
    // The worker binds its endpoint on the pod's address, on the port the pod names `metrics`.
    expect(env(worker, 'FEDGRID_WORKER_METRICS_HOST')).toBe('0.0.0.0');
    const port = Number(env(worker, 'FEDGRID_WORKER_METRICS_PORT'));
    expect(port).toBeGreaterThan(0);
    expect(c.ports?.find((p) => p.name === 'metrics')?.containerPort).toBe(port);
    for (const [probe, path] of [
      [c.livenessProbe, '/livez'],
      [c.readinessProbe, '/readyz'],
      [c.startupProbe, '/livez'],
    ] as const)
      expect(probe?.httpGet, path).toEqual({ path, port: 'metrics', scheme: 'HTTPS' });
    // Annotation-based discovery finds every process of the node at its own port.
    for (const d of deps) {
      const a = d.spec.template.metadata.annotations ?? {};
      const named = d.spec.template.spec.containers[0]!.ports ?? [];
      expect(a['prometheus.io/scheme'], d.metadata.name).toBe('https');
      expect(a['prometheus.io/path']).toBe('/metrics');
      expect(named.map((p) => p.containerPort)).toContain(Number(a['prometheus.io/port']));
    }
  });

  it('the PodMonitor scrapes the api replicas and the workers with a metrics:read token over verified TLS', async () => {
    const mon = parseAllDocuments(await read('deploy/kubernetes/podmonitor.yaml')).map(
      (d) => d.toJS() as Record<string, unknown>,
    );
    const deps = parseAllDocuments(await read('deploy/kubernetes/node-multiprocess.yaml'))
      .map((d) => d.toJS() as Record<string, unknown>)
      .filter((d) => d['kind'] === 'Deployment') as unknown as PodOwner[];
    expect(mon.map((d) => d['kind']).sort()).toEqual(['PodMonitor', 'Secret']);
    const secret = mon.find((d) => d['kind'] === 'Secret')!;
    expect(() => new Secret(secret as never).validate()).not.toThrow();
    const pm = mon.find((d) => d['kind'] === 'PodMonitor') as {
      apiVersion: string;
      spec: {
        selector: { matchLabels: Record<string, string> };
        podTargetLabels: string[];
        podMetricsEndpoints: {
          port: string;
          path: string;
          scheme: string;
          authorization: { type: string; credentials: { name: string; key: string } };
          tlsConfig: { serverName: string; ca: { configMap: { name: string; key: string } } };
          insecureSkipVerify?: boolean;
        }[];
      };
    };
    expect(pm.apiVersion).toBe('monitoring.coreos.com/v1');
    const scraped = new Set<string>();
    for (const d of deps) {
      const pod = d.spec.template;
      // Every process of the node is selected, and its role becomes a target label.
      expect(pod.metadata.labels).toMatchObject(pm.spec.selector.matchLabels);
      for (const l of pm.spec.podTargetLabels) expect(pod.metadata.labels[l]).toBeDefined();
      const names = (pod.spec.containers[0]!.ports ?? []).map((p) => p.name);
      const ep = pm.spec.podMetricsEndpoints.find((e) => names.includes(e.port));
      expect(ep, d.metadata.name).toBeDefined();
      scraped.add(d.metadata.name);
    }
    expect(scraped.size).toBe(deps.length);
    const nodeId = deps
      .map((d) => d.spec.template.spec.containers[0]!.env.find((e) => e.name === 'FEDGRID_NODE_ID'))
      .find(Boolean)?.value;
    expect(nodeId).toMatch(/\S/);
    const stringData = secret['stringData'] as Record<string, string>;
    for (const ep of pm.spec.podMetricsEndpoints) {
      expect(ep).toMatchObject({ path: '/metrics', scheme: 'https' });
      expect(ep.insecureSkipVerify).toBeUndefined();
      // The certificate is checked against the node's own, by the name it carries.
      expect(ep.tlsConfig.serverName).toBe(`${nodeId}.fedgrid`);
      expect(ep.tlsConfig.ca.configMap.key).toMatch(/\.pem$/);
      expect(ep.authorization.type).toBe('Bearer');
      expect(ep.authorization.credentials.name).toBe((secret['metadata'] as { name: string }).name);
      expect(Object.keys(stringData)).toContain(ep.authorization.credentials.key);
    }
  });
});

/** The pod template of a Deployment, as far as the scrape checks read it. */
interface PodOwner {
  metadata: { name: string };
  spec: {
    template: {
      metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
      spec: {
        containers: {
          env: { name: string; value?: string }[];
          ports?: { name: string; containerPort: number }[];
          livenessProbe?: { httpGet: unknown };
          readinessProbe?: { httpGet: unknown };
          startupProbe?: { httpGet: unknown };
        }[];
      };
    };
  };
}
