/**
 * `fedgrid model versions | show NAME@VERSION | diff`: versions of named models (issue 12 item 1;
 * standard 000 §7.6). Every training output is a version; a rerun adds one.
 */
import type { Page } from '@fedgrid/api-client';
import type { Command } from 'commander';
import type { ModelVersionView, VersionDiff } from '@fedgrid/node';
import { table } from '../output.js';
import { run, withNode, type CommonOpts } from './common.js';

interface PageOpts {
  page: number;
  pageSize: number;
}

const short = (digest: string | null) => (digest ? `${digest.slice(0, 12)}…` : '-');
/** Six significant digits, without trailing zeros after the decimal point. */
export function num(x: number): string {
  if (Number.isInteger(x)) return String(x);
  const s = x.toPrecision(6);
  return s.includes('.') && !s.includes('e') ? s.replace(/\.?0+$/, '') : s;
}

/** The URL of one version: `/v1/model-versions/NAME/VERSION` (VERSION `latest` without `@`). */
export function versionUrl(ref: string): string {
  const at = ref.lastIndexOf('@');
  const name = at < 0 ? ref : ref.slice(0, at);
  const version = at < 0 ? 'latest' : ref.slice(at + 1);
  return `/v1/model-versions/${encodeURIComponent(name)}/${encodeURIComponent(version)}`;
}

const headline = (v: ModelVersionView) => {
  const e = v.evaluation[0];
  if (!e) return '-';
  return Object.entries(e.metrics)
    .slice(0, 2)
    .map(([k, x]) => `${k} ${num(x)}`)
    .join(', ');
};

export function versionRows(vs: ModelVersionView[]): string {
  return table([
    ['version', 'algorithm', 'task', 'job (attempt)', 'status', 'metrics', 'created', 'deployed'],
    ...vs.map((v) => [
      v.ref,
      v.algorithm,
      v.task ?? '-',
      `${v.job.id} (${v.job.attempt})`,
      v.status,
      headline(v),
      v.createdAt,
      v.deployedAt ?? '-',
    ]),
  ]);
}

function featureList(f: string[] | null): string {
  if (!f) return 'not known here';
  const head = f.slice(0, 6).join(', ');
  return `${f.length}: ${head}${f.length > 6 ? ', … (--json lists all)' : ''}`;
}

/** A version, for people. */
export function describeVersion(v: ModelVersionView): string {
  const params = Object.entries(v.params)
    .map(([k, x]) => `${k}=${JSON.stringify(x)}`)
    .join(', ');
  const lines = [
    `model ${v.ref} — ${v.status}`,
    `${v.algorithm} (component ${v.component}), task ${v.task ?? 'not known here'}`,
    `job ${v.job.id}${v.job.name ? ` "${v.job.name}"` : ''}, task ${v.job.task}, attempt ${v.job.attempt}; project ${v.job.projectId ?? '-'}`,
    `created ${v.createdAt}; approved ${v.approvedAt ?? '-'}; published ${v.publishedAt ?? '-'}; deployed ${v.deployedAt ?? '-'}`,
    `parameters: ${params || '(defaults)'}`,
    table([
      ['party', 'node', 'part', 'features', 'digest', 'approved by'],
      ...v.parties.map((p) => [
        p.party,
        p.node,
        p.holdsPart ? (p.modelId ?? 'partner') : '-',
        p.holdsPart ? featureList(p.features) : '-',
        short(p.digest),
        p.approvals.map((a) => `${a.node} ${a.status}`).join(', ') || '-',
      ]),
    ]),
  ];
  for (const e of v.evaluation)
    lines.push(
      `evaluation ${e.task} (${e.kind ?? '?'}, ${e.rows ?? '?'} rows): ${Object.entries(e.metrics)
        .map(([k, x]) => `${k} ${num(x)}`)
        .join(', ')}`,
    );
  if (!v.evaluation.length) lines.push('evaluation: none on this node');
  return lines.join('\n');
}

/** A diff, for people. */
export function describeDiff(d: VersionDiff): string {
  const lines = [`${d.from} → ${d.to}${d.same ? ': same setup, features and parts' : ''}`];
  const show = (x: unknown) => (x === null ? '(unset)' : JSON.stringify(x));
  for (const f of d.fields) lines.push(`${f.field}: ${show(f.from)} → ${show(f.to)}`);
  if (d.params.length)
    lines.push(
      'parameters:',
      table(d.params.map((p) => [`  ${p.key}`, show(p.from), '→', show(p.to)])),
    );
  for (const f of d.features)
    lines.push(
      f.known
        ? `features ${f.party}: ${[...f.added.map((x) => `+${x}`), ...f.removed.map((x) => `-${x}`)].join(' ')}`
        : `features ${f.party}: not known here on one side`,
    );
  for (const g of d.digests) lines.push(`part ${g.party}: ${short(g.from)} → ${short(g.to)}`);
  if (d.metrics.length)
    lines.push(
      table([
        ['evaluation', 'metric', d.from, d.to, 'change'],
        ...d.metrics.map((m) => [
          m.task,
          m.metric,
          m.from === null ? '-' : num(m.from),
          m.to === null ? '-' : num(m.to),
          m.delta === null ? '-' : `${m.delta >= 0 ? '+' : ''}${num(m.delta)}`,
        ]),
      ]),
    );
  return lines.join('\n');
}

/** Adds `versions` and `diff` to `fedgrid model`. */
export function addVersionCommands(cmd: Command): void {
  withNode(
    cmd
      .command('versions [name]')
      .description('versions of a named model (all models without a name), newest first'),
  )
    .option('--job <id>', 'only versions trained by this job')
    .option('--page <n>', 'page', (v) => Number(v), 1)
    .option('--page-size <n>', 'versions per page', (v) => Number(v), 100)
    .action((name: string | undefined, o: CommonOpts & PageOpts & { job?: string }) => {
      const q = new URLSearchParams({ page: String(o.page), pageSize: String(o.pageSize) });
      if (name) q.set('name', name);
      if (o.job) q.set('job', o.job);
      return run(
        o,
        (c) => c.get<Page<ModelVersionView>>(`/v1/model-versions?${q.toString()}`),
        (r) => `${versionRows(r.items)}\n${r.total} version(s)`,
      );
    });
  withNode(
    cmd
      .command('diff <from> <to>')
      .description(
        'what changed between two versions (NAME@V NAME@W, or NAME@V W): parameters, features per party, part digests, evaluation metrics',
      ),
  ).action((from: string, to: string, o: CommonOpts) =>
    run(
      o,
      (c) =>
        c.get<VersionDiff>(
          `/v1/model-versions/diff?${new URLSearchParams({ from, to }).toString()}`,
        ),
      describeDiff,
    ),
  );
}
