/**
 * `fedgrid job submit | list | show | watch | events | stop | rerun | tasks | task | task-stop |
 * task-rerun | logs | outputs | output [--csv]`.
 */
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import type { JobView } from '@fedgrid/node';
import { parse as parseYaml } from 'yaml';
import { followJob, type JobEvent } from '../job-watch.js';
import { describeJob as describe } from '../job-summary.js';
import type { ApiClient } from '../api-client.js';
import { print, reportError, table } from '../output.js';
import { predictionsCsv, type PredictionsOutput } from '../predictions-csv.js';
import { writeCsv } from './csv-out.js';
import { client, withNode, type CommonOpts } from './common.js';

/** A row of GET /v1/jobs/:id/outputs. */
interface OutputRow {
  job_id: string;
  task_name: string;
  party: string;
  name: string;
  kind: string;
}

/**
 * Starts a rerun with `start` and prints the job; with `--wait`, follows the rerun's events (not
 * the earlier ones) until the job ends and prints the final job (exit code 1 unless it succeeded).
 */
async function rerun(
  api: ApiClient,
  id: string,
  o: CommonOpts & { wait?: boolean },
  start: () => Promise<JobView>,
): Promise<void> {
  if (!o.wait) {
    const j = await start();
    return print(j, !!o.json, () => describe(j));
  }
  const { items } = await api.get<{ items: JobEvent[] }>(`/v1/jobs/${id}/events`);
  const seen = items.reduce((m, e) => Math.max(m, Number(e.id)), 0);
  await start();
  await follow(api, id, o, seen);
}

/**
 * Follows a job to its end with one line per progress event after event id `after` (none with
 * `--json`), then prints the final job with its evaluation metrics; the exit code is 1 unless
 * the job succeeded.
 */
async function follow(api: ApiClient, id: string, o: CommonOpts, after = 0): Promise<void> {
  const final = await followJob(api, id, {
    after,
    ...(o.json ? {} : { write: (line: string) => process.stdout.write(line + '\n') }),
  });
  print(final, !!o.json, () => describe(final));
  if (final.status !== 'succeeded') process.exitCode = 1;
}

export function jobCommand(): Command {
  const cmd = new Command('job').description('run flows across nodes');
  withNode(
    cmd
      .command('submit <file>')
      .description('submit a job (YAML or JSON flow file; see examples/flows)'),
  )
    .option('--wait', 'follow progress until the job ends')
    .action(async (file: string, o: CommonOpts & { wait?: boolean }) => {
      try {
        const text = await readFile(file, 'utf8');
        const body = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
        const api = await client(o);
        const job = await api.post<JobView>('/v1/jobs', body);
        if (!o.wait) return print(job, !!o.json, () => describe(job));
        await follow(api, job.id, o);
      } catch (err) {
        reportError(err);
      }
    });
  withNode(cmd.command('list').description('list jobs, newest first'))
    .option('--flow <id>', 'only jobs of this flow')
    .option('--project <id>', 'only jobs of this project')
    .option('--status <status>', 'only jobs in this state')
    .option('--page <n>', 'page', (v) => Number(v), 1)
    .option('--page-size <n>', 'jobs per page', (v) => Number(v), 50)
    .action(
      async (
        o: CommonOpts & {
          flow?: string;
          project?: string;
          status?: string;
          page: number;
          pageSize: number;
        },
      ) => {
        try {
          const q = new URLSearchParams({ page: String(o.page), pageSize: String(o.pageSize) });
          if (o.flow) q.set('flow', o.flow);
          if (o.project) q.set('project', o.project);
          if (o.status) q.set('status', o.status);
          const r = await (
            await client(o)
          ).get<{ items: JobView[]; total: number }>(`/v1/jobs?${q.toString()}`);
          print(
            r,
            !!o.json,
            () =>
              table([
                ['id', 'status', 'priority', 'created', 'tasks'],
                ...r.items.map((j) => [
                  j.id,
                  j.status,
                  j.priority,
                  j.createdAt,
                  j.tasks.map((t) => t.name).join(','),
                ]),
              ]) + `\n${r.items.length} of ${r.total}`,
          );
        } catch (err) {
          reportError(err);
        }
      },
    );
  withNode(
    cmd
      .command('rerun <id>')
      .description(
        'rerun a finished job: failed tasks, tasks given new parameters, and their downstream',
      ),
  )
    .option('--params <json>', 'parameter overrides per task, e.g. {"train":{"maxIter":10}}')
    .option('--from <task>', 'rerun this task and everything downstream of it')
    .option('--wait', 'follow progress until the job ends again')
    .action(
      async (id: string, o: CommonOpts & { params?: string; from?: string; wait?: boolean }) => {
        try {
          const body = {
            ...(o.params ? { params: JSON.parse(o.params) as unknown } : {}),
            ...(o.from ? { from: o.from } : {}),
          };
          const api = await client(o);
          await rerun(api, id, o, () => api.post<JobView>(`/v1/jobs/${id}/rerun`, body));
        } catch (err) {
          reportError(err);
        }
      },
    );
  withNode(cmd.command('tasks <id>').description("a job's tasks with per-party states")).action(
    async (id: string, o: CommonOpts) => {
      try {
        const r = await (await client(o)).get<{ items: JobView['tasks'] }>(`/v1/jobs/${id}/tasks`);
        print(r, !!o.json, () =>
          table([
            ['task', 'component', 'status', 'attempt', 'parties'],
            ...r.items.map((t) => [
              t.name,
              t.component,
              t.status,
              t.attempt,
              Object.entries(t.parties)
                .map(([p, s]) => `${p}:${s.status}`)
                .join(' '),
            ]),
          ]),
        );
      } catch (err) {
        reportError(err);
      }
    },
  );
  withNode(
    cmd
      .command('task <id> <task>')
      .description('one task: per-party states, attempt, result or error'),
  ).action(async (id: string, task: string, o: CommonOpts) => {
    try {
      const t = await (
        await client(o)
      ).get<JobView['tasks'][number]>(`/v1/jobs/${id}/tasks/${encodeURIComponent(task)}`);
      print(t, !!o.json, () =>
        table([
          ['task', 'component', 'status', 'attempt', 'parties'],
          [
            t.name,
            t.component,
            t.status,
            t.attempt,
            Object.entries(t.parties)
              .map(([p, s]) => `${p}:${s.status}`)
              .join(' '),
          ],
        ]),
      );
    } catch (err) {
      reportError(err);
    }
  });
  withNode(
    cmd.command('outputs <id>').description("this node's outputs of a job (per task and party)"),
  ).action(async (id: string, o: CommonOpts) => {
    try {
      const r = await (await client(o)).get<{ items: OutputRow[] }>(`/v1/jobs/${id}/outputs`);
      print(r, !!o.json, () =>
        table([
          ['task', 'party', 'name', 'kind'],
          ...r.items.map((x) => [x.task_name, x.party, x.name, x.kind]),
        ]),
      );
    } catch (err) {
      reportError(err);
    }
  });
  withNode(
    cmd
      .command('output <id> <task> [party] [name]')
      .description(
        'one output of a task on a party of this node (a dataset: its ids and columns; predictions: ids, scores, labels; a model: its content); party defaults to guest, name to predictions',
      ),
  )
    .option('--csv', 'predictions as CSV: id,score,label (multiclass: p_<class> columns too)')
    .option('--out <file>', 'with --csv: write the CSV to this file instead of standard output')
    .action(
      async (
        id: string,
        task: string,
        party: string | undefined,
        name: string | undefined,
        o: CommonOpts & { csv?: boolean; out?: string },
      ) => {
        try {
          const where = [task, party ?? 'guest', name ?? 'predictions'];
          const v = await (
            await client(o)
          ).get<{ kind: string; ids?: string[]; rows?: number }>(
            `/v1/jobs/${id}/outputs/${where.map(encodeURIComponent).join('/')}`,
          );
          if (o.csv) return await writeCsv(predictionsCsv(v as PredictionsOutput), o.out);
          print(
            v,
            !!o.json,
            () =>
              `${task}.${where[2]} on ${where[1]}: ${v.kind}${v.ids ? `, ${v.ids.length} rows` : ''} (use --json for the content, --csv for predictions as CSV)`,
          );
        } catch (err) {
          reportError(err);
        }
      },
    );
  withNode(
    cmd
      .command('task-stop <id> <task>')
      .description('stop a running task (and so its job) on every party'),
  ).action(async (id: string, task: string, o: CommonOpts) => {
    try {
      const j = await (await client(o)).post<JobView>(`/v1/jobs/${id}/tasks/${task}/stop`);
      print(j, !!o.json, () => describe(j));
    } catch (err) {
      reportError(err);
    }
  });
  withNode(
    cmd
      .command('task-rerun <id> <task>')
      .description('rerun one task (new parameters allowed) without starting downstream tasks'),
  )
    .option('--params <json>', 'new parameters, e.g. {"maxIter":10}')
    .option('--wait', 'follow progress until the job ends again')
    .action(
      async (id: string, task: string, o: CommonOpts & { params?: string; wait?: boolean }) => {
        try {
          const body = o.params ? { params: JSON.parse(o.params) as unknown } : {};
          const api = await client(o);
          await rerun(api, id, o, () =>
            api.post<JobView>(`/v1/jobs/${id}/tasks/${task}/rerun`, body),
          );
        } catch (err) {
          reportError(err);
        }
      },
    );
  withNode(
    cmd
      .command('logs <id> <task>')
      .description("a task's log, time-ordered (at most 1 MB per page)"),
  )
    .option('--level <level>', 'debug, info, warn or error (and above)')
    .option('--after <eventId>', 'continue after this event id', '0')
    .action(async (id: string, task: string, o: CommonOpts & { level?: string; after: string }) => {
      try {
        const q = new URLSearchParams({ after: o.after, ...(o.level ? { level: o.level } : {}) });
        const r = await (
          await client(o)
        ).get<{
          items: { id: number; at: string; level: string; party: string | null; message: string }[];
          truncated: boolean;
          next: number;
        }>(`/v1/jobs/${id}/tasks/${task}/logs?${q.toString()}`);
        print(
          r,
          !!o.json,
          () =>
            r.items
              .map((l) => `${l.at} ${l.level.padEnd(5)} ${l.party ?? '-'} ${l.message}`)
              .join('\n') + (r.truncated ? `\n… more after --after ${r.next}` : ''),
        );
      } catch (err) {
        reportError(err);
      }
    });
  withNode(cmd.command('show <id>').description('show a job and its tasks')).action(
    async (id: string, o: CommonOpts) => {
      try {
        const j = await (await client(o)).get<JobView>(`/v1/jobs/${id}`);
        print(j, !!o.json, () => describe(j));
      } catch (err) {
        reportError(err);
      }
    },
  );
  withNode(
    cmd
      .command('watch <id>')
      .description(
        'follow a job (e.g. one submitted without --wait) to its end: its progress so far, then live, then the result and metrics (exit code 1 unless it succeeded)',
      ),
  ).action(async (id: string, o: CommonOpts) => {
    try {
      await follow(await client(o), id, o);
    } catch (err) {
      reportError(err);
    }
  });
  withNode(cmd.command('events <id>').description("print a job's events (logs and progress)"))
    .option('--follow', 'follow the job to its end instead, as `job watch` does')
    .action(async (id: string, o: CommonOpts & { follow?: boolean }) => {
      try {
        if (o.follow) return await follow(await client(o), id, o);
        const r = await (await client(o)).get<{ items: JobEvent[] }>(`/v1/jobs/${id}/events`);
        print(r, !!o.json, () =>
          r.items
            .map(
              (e) =>
                `${e.at} ${e.level.padEnd(5)} ${e.party ?? '-'} ${e.task_name ?? '-'} ${e.message}${e.data ? ' ' + JSON.stringify(e.data) : ''}`,
            )
            .join('\n'),
        );
      } catch (err) {
        reportError(err);
      }
    });
  withNode(cmd.command('stop <id>').description('stop a job on every party')).action(
    async (id: string, o: CommonOpts) => {
      try {
        const j = await (
          await client(o)
        ).post<JobView>(`/v1/jobs/${id}/stop`, { reason: 'stopped from the CLI' });
        print(j, !!o.json, () => describe(j));
      } catch (err) {
        reportError(err);
      }
    },
  );
  return cmd;
}
