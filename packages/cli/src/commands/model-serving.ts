/**
 * `fedgrid model deploy | switch | undeploy | deployments | predict`: online prediction with a
 * published vertical model (docs/protocols/serving.md). The guest deploys its part as a named
 * prediction service; each host deploys its part with its serving feature table.
 */
import type { Command } from 'commander';
import { table } from '../output.js';
import { run, withNode, type CommonOpts } from './common.js';

interface DeploymentView {
  id: string;
  name: string;
  role: string;
  model: { id: string; name: string; version: string; jobId: string; task: string };
  algorithm: string;
  dataset: string | null;
  guest: string;
  hosts: { party: string; node: string }[];
  onHostFailure: string;
  deadlineMs: number;
  status: string;
  metrics: {
    requests: { ok: number; degraded: number; error: number; total: number };
    latencyMs: { p50: number | null; p99: number | null; max: number };
  } | null;
}

interface PredictResponse {
  model: string;
  version: string;
  task: string;
  degraded: boolean;
  failedHosts?: { node: string; party: string; message: string }[];
  results: {
    id: string;
    score?: number;
    label?: number;
    probabilities?: number[];
    error?: { code: string; message: string };
  }[];
  ms: number;
}

const rows = (ds: DeploymentView[]) =>
  table([
    [
      'name',
      'role',
      'model',
      'version',
      'dataset',
      'on host failure',
      'requests',
      'p99 ms',
      'status',
    ],
    ...ds.map((d) => [
      d.name,
      d.role,
      d.model.name,
      d.model.version,
      d.dataset ?? '-',
      d.role === 'guest' ? d.onHostFailure : '-',
      d.metrics ? String(d.metrics.requests.total) : '-',
      d.metrics?.latencyMs.p99 != null ? `≤ ${d.metrics.latencyMs.p99}` : '-',
      d.status,
    ]),
  ]);

const enc = encodeURIComponent;

/** Adds the serving subcommands to `fedgrid model`. */
export function addServingCommands(cmd: Command): void {
  withNode(
    cmd
      .command('deploy <model>')
      .description(
        'deploy a published model part (id or name) for online prediction: on the guest a named service, on a host its part bound to a serving feature table (--dataset)',
      ),
  )
    .option('--name <name>', 'the name predictions address (default: the model name)')
    .option('--dataset <id>', 'serving feature table: required on a host, optional on the guest')
    .option('--on-host-failure <mode>', 'error (default) or guest-only (degraded answers)')
    .option('--deadline-ms <n>', 'per-request deadline in ms (default: serving.deadlineMs)', Number)
    .action(
      (
        model: string,
        o: CommonOpts & {
          name?: string;
          dataset?: string;
          onHostFailure?: string;
          deadlineMs?: number;
        },
      ) =>
        run(
          o,
          (c) =>
            c.post<DeploymentView>('/v1/deployments', {
              model,
              ...(o.name ? { name: o.name } : {}),
              ...(o.dataset ? { dataset: o.dataset } : {}),
              ...(o.onHostFailure ? { onHostFailure: o.onHostFailure } : {}),
              ...(o.deadlineMs !== undefined ? { deadlineMs: o.deadlineMs } : {}),
            }),
          (d) =>
            `deployed ${d.model.name} (version ${d.model.version}) as '${d.name}'\n${rows([d])}`,
        ),
    );
  withNode(
    cmd
      .command('switch <deployment> <model>')
      .description('switch a deployment to another published version atomically'),
  ).action((deployment: string, model: string, o: CommonOpts) =>
    run(
      o,
      (c) => c.call<DeploymentView>('PATCH', `/v1/deployments/${enc(deployment)}`, { model }),
      (d) => `'${d.name}' now serves ${d.model.name} version ${d.model.version}`,
    ),
  );
  withNode(cmd.command('undeploy <deployment>').description('stop serving a deployment')).action(
    (deployment: string, o: CommonOpts) =>
      run(
        o,
        (c) => c.post<DeploymentView>(`/v1/deployments/${enc(deployment)}/undeploy`),
        (d) => `undeployed '${d.name}'`,
      ),
  );
  withNode(
    cmd
      .command('deployments')
      .description('list deployments with request counts and latency (active ones unless --all)'),
  )
    .option('--all', 'also undeployed ones')
    .action((o: CommonOpts & { all?: boolean }) =>
      run(
        o,
        (c) => c.get<{ items: DeploymentView[] }>(`/v1/deployments${o.all ? '?all=true' : ''}`),
        (r) => `${rows(r.items)}\n${r.items.length} deployment(s)`,
      ),
    );
  withNode(
    cmd
      .command('predict <name>')
      .description('online prediction with a deployed model for one or more ids'),
  )
    .requiredOption('--id <id...>', 'the id(s) to score')
    .option('--features <json>', "the guest's own features for a single id, as a JSON object")
    .action((name: string, o: CommonOpts & { id: string[]; features?: string }) =>
      run(
        o,
        (c) => {
          let features: unknown;
          if (o.features !== undefined) {
            try {
              features = JSON.parse(o.features);
            } catch (err) {
              throw new Error(`--features is not JSON: ${(err as Error).message}`);
            }
          }
          return c.post<PredictResponse>(`/v1/models/${enc(name)}/predict`, {
            ...(o.id.length === 1 ? { id: o.id[0] } : { ids: o.id }),
            ...(features !== undefined ? { features } : {}),
          });
        },
        (r) =>
          [
            `model ${r.model} version ${r.version} (${r.task})${r.degraded ? ` — DEGRADED: ${(r.failedHosts ?? []).map((h) => h.message).join('; ')}` : ''}`,
            table([
              ['id', 'score', 'label', 'error'],
              ...r.results.map((x) => [
                x.id,
                x.score === undefined ? '-' : String(x.score),
                x.label === undefined ? '-' : String(x.label),
                x.error ? `${x.error.code}: ${x.error.message}` : '',
              ]),
            ]),
            `${r.ms.toFixed(2)} ms`,
          ].join('\n'),
      ),
    );
}
