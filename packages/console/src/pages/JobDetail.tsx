/**
 * One job: progress (tasks done, and epoch / tree / round with an ETA for training tasks), the
 * live task graph (@xyflow/react, its own chunk), tasks, the log stream and events, and the
 * job's model parts. Live through the node's event stream (server-sent events, job-stream.ts).
 */
import {
  App,
  Button,
  Card,
  Col,
  Descriptions,
  Progress,
  Row,
  Space,
  Table,
  Typography,
} from 'antd';
import { lazy, Suspense, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api, asError, unwrap, useApi } from '../api';
import { JobModels } from '../components/JobModels';
import { JobRerun } from '../components/JobRerun';
import { JobOutputs } from '../components/JobOutputs';
import { TaskLogs } from '../components/TaskLogs';
import { TaskRerun } from '../components/TaskRerun';
import { ErrorAlert, QueryView, StatusTag } from '../components/QueryView';
import type { ComponentView, JsonSchema } from '../flow-graph';
import type { FlowView } from '../flow-types';
import { progressOf, type TaskProgress } from '../job-progress';
import { useJobStream } from '../job-stream';
import { PageFallback } from '../layout/AppLayout';
import type { JobEvent, JobView, TaskView } from '../types';

const TaskGraph = lazy(() => import('../components/TaskGraph'));
const FINISHED = ['succeeded', 'failed', 'stopped'];

export default function JobDetail() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const id = useParams().id ?? '';
  const [restart, setRestart] = useState(0);
  const fetched = useApi(
    () => unwrap<JobView>(api.GET('/v1/jobs/{id}', { params: { path: { id } } })),
    [id, restart],
  );
  const stream = useJobStream(id, restart);
  const current = stream.job ?? fetched.data;
  const job = { ...fetched, data: current };
  const totals = usePlannedSteps(current);
  const progress = useMemo(() => progressOf(stream.events, totals), [stream.events, totals]);
  const logs = stream.events.filter((e) => e.kind === 'log');
  const events = stream.events.filter((e) => e.kind !== 'log');
  const [actionError, setActionError] = useState<Error>();
  const [logsOf, setLogsOf] = useState<string>();
  const [rerunOf, setRerunOf] = useState<TaskView & { version?: string }>();
  const [rerunningJob, setRerunningJob] = useState(false);
  const act = async (kind: 'stop' | 'rerun', task?: string) => {
    setActionError(undefined);
    try {
      if (task) {
        const path = { path: { id, task } };
        if (kind === 'stop')
          await unwrap(api.POST('/v1/jobs/{id}/tasks/{task}/stop', { params: path }));
        else await unwrap(api.POST('/v1/jobs/{id}/tasks/{task}/rerun', { params: path, body: {} }));
      } else if (kind === 'stop')
        await unwrap(api.POST('/v1/jobs/{id}/stop', { params: { path: { id } } }));
      else await unwrap(api.POST('/v1/jobs/{id}/rerun', { params: { path: { id } }, body: {} }));
      void message.success(
        task
          ? t(kind === 'stop' ? 'jobOps.taskStopped' : 'jobOps.taskRerun')
          : t(kind === 'stop' ? 'jobs.stopped' : 'jobs.rerunStarted'),
      );
      setRestart((n) => n + 1);
    } catch (e) {
      setActionError(asError(e));
    }
  };

  return (
    <>
      <Typography.Title level={2}>
        {t('jobs.detail')} {job.data ? `— ${job.data.name || id}` : ''}
      </Typography.Title>
      {actionError ? <ErrorAlert error={actionError} /> : null}
      <QueryView query={job}>
        {(j) => {
          const done = j.tasks.filter((x) => x.status === 'succeeded').length;
          return (
            <Row gutter={[16, 16]}>
              <Col xs={24} lg={10}>
                <Card
                  title={t('jobs.progress')}
                  extra={
                    <Space>
                      {!FINISHED.includes(j.status) ? (
                        <Button danger size="small" onClick={() => void act('stop')}>
                          {t('jobs.stop')}
                        </Button>
                      ) : (
                        <>
                          <Button size="small" onClick={() => void act('rerun')}>
                            {t('jobs.rerun')}
                          </Button>
                          <Button
                            size="small"
                            data-testid="job-rerun-params"
                            onClick={() => setRerunningJob(true)}
                          >
                            {t('jobRerun.open')}
                          </Button>
                        </>
                      )}
                      <Link to={`/results/${j.id}`}>{t('jobs.results')}</Link>
                    </Space>
                  }
                >
                  <Progress
                    percent={j.tasks.length ? Math.round((100 * done) / j.tasks.length) : 0}
                    status={j.status === 'failed' ? 'exception' : undefined}
                    aria-label={t('jobs.progress')}
                  />
                  {progress.map((p) => (
                    <TrainingProgress key={p.task} p={p} />
                  ))}
                  <Descriptions column={1} size="small">
                    <Descriptions.Item label={t('common.id')}>
                      <Typography.Text code>{j.id}</Typography.Text>
                    </Descriptions.Item>
                    <Descriptions.Item label={t('common.status')}>
                      <StatusTag status={j.status} />
                      {stream.live ? (
                        <Typography.Text type="secondary" data-testid="job-live">
                          {' '}
                          {t('jobs.live')}
                        </Typography.Text>
                      ) : null}
                    </Descriptions.Item>
                    <Descriptions.Item label={t('jobs.initiator')}>{j.initiator}</Descriptions.Item>
                    <Descriptions.Item label={t('jobs.parties')}>
                      {Object.entries(j.parties)
                        .map(([role, node]) => `${role}: ${node}`)
                        .join(', ')}
                    </Descriptions.Item>
                    <Descriptions.Item label={t('jobs.started')}>
                      {j.startedAt ? new Date(j.startedAt).toLocaleString() : '—'}
                    </Descriptions.Item>
                    <Descriptions.Item label={t('jobs.finished')}>
                      {j.finishedAt ? new Date(j.finishedAt).toLocaleString() : '—'}
                    </Descriptions.Item>
                  </Descriptions>
                </Card>
              </Col>
              <Col xs={24} lg={14}>
                <Card title={t('jobs.dag')}>
                  <Suspense fallback={<PageFallback />}>
                    <TaskGraph tasks={j.tasks} />
                  </Suspense>
                </Card>
              </Col>
              <Col span={24}>
                <Card title={t('jobs.tasks')}>
                  <Table
                    size="small"
                    rowKey="name"
                    pagination={false}
                    dataSource={j.tasks}
                    columns={[
                      { title: t('common.name'), dataIndex: 'name' },
                      { title: t('jobs.component'), dataIndex: 'component' },
                      {
                        title: t('common.status'),
                        render: (_, r) => <StatusTag status={r.status} />,
                      },
                      { title: t('jobs.attempt'), dataIndex: 'attempt' },
                      {
                        title: t('common.actions'),
                        render: (_, r) => (
                          <Space>
                            <Button
                              size="small"
                              data-testid={`task-logs-${r.name}`}
                              onClick={() => setLogsOf(r.name)}
                            >
                              {t('jobOps.logs')}
                            </Button>
                            {!FINISHED.includes(j.status) && !FINISHED.includes(r.status) ? (
                              <Button danger size="small" onClick={() => void act('stop', r.name)}>
                                {t('jobOps.stopTask')}
                              </Button>
                            ) : null}
                            {FINISHED.includes(j.status) ? (
                              <Button
                                size="small"
                                data-testid={`task-rerun-${r.name}`}
                                onClick={() => setRerunOf(r)}
                              >
                                {t('jobOps.rerunTask')}
                              </Button>
                            ) : null}
                          </Space>
                        ),
                      },
                    ]}
                  />
                </Card>
              </Col>
            </Row>
          );
        }}
      </QueryView>
      <JobModels jobId={id} />
      <JobOutputs jobId={id} version={`${current?.status ?? ''}:${restart}`} />
      {rerunOf ? (
        <TaskRerun
          jobId={id}
          task={rerunOf}
          onClose={() => setRerunOf(undefined)}
          onDone={() => {
            setRerunOf(undefined);
            void message.success(t('jobOps.taskRerun'));
            setRestart((n) => n + 1);
          }}
        />
      ) : null}
      {rerunningJob && current ? (
        <JobRerun
          jobId={id}
          tasks={(current.tasks as (TaskView & { version?: string })[]).map((x) => ({
            name: x.name,
            component: x.component,
            ...(x.version ? { version: x.version } : {}),
          }))}
          onClose={() => setRerunningJob(false)}
          onDone={() => {
            setRerunningJob(false);
            void message.success(t('jobs.rerunStarted'));
            setRestart((n) => n + 1);
          }}
        />
      ) : null}
      {logsOf ? <TaskLogs jobId={id} task={logsOf} onClose={() => setLogsOf(undefined)} /> : null}
      <Card title={t('jobStream.logs')} style={{ marginTop: 16 }}>
        <LogView lines={logs} />
      </Card>
      <Card title={t('jobs.events')} style={{ marginTop: 16 }}>
        {stream.error ? <ErrorAlert error={stream.error} /> : null}
        <Table
          size="small"
          rowKey="id"
          data-testid="job-events"
          dataSource={[...events].reverse()}
          pagination={{ pageSize: 50, hideOnSinglePage: true }}
          locale={{ emptyText: t('common.empty') }}
          columns={[
            { title: t('dashboard.at'), render: (_, r) => new Date(r.at).toLocaleTimeString() },
            { title: t('jobs.level'), dataIndex: 'level' },
            { title: t('jobs.kind'), dataIndex: 'kind' },
            { title: t('results.task'), render: (_, r) => r.task_name ?? '' },
            { title: t('jobs.message'), dataIndex: 'message' },
          ]}
        />
      </Card>
    </>
  );
}

/** Seconds as `1 min 5 s` / `42 s`. */
function duration(seconds: number): string {
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

/** One training task's steps done of planned, loss and ETA. */
function TrainingProgress({ p }: { p: TaskProgress }) {
  const { t } = useTranslation();
  const unit = t(`jobStream.unit.${p.unit}`);
  return (
    <div style={{ marginBottom: 8 }} data-testid={`progress-${p.task}`}>
      <Typography.Text>
        {p.task}: {unit} {p.current}
        {p.total !== undefined ? ` / ${p.total}` : ''}
        {p.loss !== undefined ? ` · ${t('jobStream.loss')} ${p.loss.toFixed(6)}` : ''}
        {p.etaSeconds !== undefined && p.current < (p.total ?? 0)
          ? ` · ${t('jobStream.eta')} ${duration(p.etaSeconds)}`
          : ''}
      </Typography.Text>
      {p.total ? (
        <Progress
          size="small"
          percent={Math.min(100, Math.round((100 * p.current) / p.total))}
          aria-label={`${p.task} ${unit}`}
        />
      ) : null}
    </div>
  );
}

/** The task log lines, newest at the bottom, following the end unless scrolled up. */
function LogView({ lines }: { lines: JobEvent[] }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLPreElement>(null);
  const shown = lines.slice(-1000);
  useEffect(() => {
    const el = ref.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 80) el.scrollTop = el.scrollHeight;
  }, [shown.length]);
  if (!shown.length)
    return <Typography.Text type="secondary">{t('jobStream.noLogs')}</Typography.Text>;
  return (
    <pre
      ref={ref}
      data-testid="job-logs"
      tabIndex={0}
      aria-label={t('jobStream.logs')}
      style={{ maxHeight: 300, overflow: 'auto', fontSize: 12, background: '#fafafa', padding: 8 }}
    >
      {shown
        .map(
          (e) =>
            `${new Date(e.at).toLocaleTimeString()} ${e.level.padEnd(5)} ${e.task_name ?? ''}${e.party ? `@${e.party}` : ''} ${e.message}`,
        )
        .join('\n')}
    </pre>
  );
}

/**
 * Planned steps per task when progress events do not say: `maxIter` of the flow's task, else its
 * component's default (GET /v1/components/:code/:version).
 */
function usePlannedSteps(view: JobView | undefined): Record<string, number | undefined> {
  // Fields of the node's job view that types.ts does not list.
  const job = view as
    | (Omit<JobView, 'tasks'> & {
        flowId?: string | null;
        tasks: (TaskView & { version?: string })[];
      })
    | undefined;
  const flowId = job?.flowId ?? undefined;
  const tasks = job?.tasks.map((x) => `${x.name}:${x.component}:${x.version ?? ''}`).join(',');
  const q = useApi(async () => {
    if (!job) return {};
    const flow = flowId
      ? await unwrap<FlowView>(
          api.GET('/v1/flows/{id}', { params: { path: { id: flowId } } }),
        ).catch(() => undefined)
      : undefined;
    const out: Record<string, number | undefined> = {};
    for (const task of job.tasks) {
      const own = flow?.tasks.find((x) => x.name === task.name)?.params['maxIter'];
      if (typeof own === 'number') {
        out[task.name] = own;
        continue;
      }
      if (!task.version) continue;
      const c = await unwrap<ComponentView>(
        api.GET('/v1/components/{code}/{version}', {
          params: { path: { code: task.component, version: task.version } },
        }),
      ).catch(() => undefined);
      const d = (c?.params.properties?.['maxIter'] as JsonSchema | undefined)?.default;
      if (typeof d === 'number') out[task.name] = d;
    }
    return out;
  }, [flowId, tasks]);
  return q.data ?? {};
}
