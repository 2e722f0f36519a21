/**
 * One job: progress, the live task graph (@xyflow/react, its own chunk), tasks and events.
 * Polled every 2 s while the job is not finished (the node has no event stream yet).
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
import { lazy, Suspense, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api, asError, unwrap, useApi } from '../api';
import { ErrorAlert, QueryView, StatusTag } from '../components/QueryView';
import { PageFallback } from '../layout/AppLayout';
import type { JobEvent, JobView } from '../types';

const TaskGraph = lazy(() => import('../components/TaskGraph'));
const FINISHED = ['succeeded', 'failed', 'stopped'];

export default function JobDetail() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const id = useParams().id ?? '';
  const [finished, setFinished] = useState(false);
  const poll = finished ? undefined : 2000;
  const job = useApi(
    async () => {
      const j = await unwrap<JobView>(api.GET('/v1/jobs/{id}', { params: { path: { id } } }));
      setFinished(FINISHED.includes(j.status));
      return j;
    },
    [id],
    poll,
  );
  const events = useApi(
    () =>
      unwrap<{ items: JobEvent[] }>(api.GET('/v1/jobs/{id}/events', { params: { path: { id } } })),
    [id],
    poll,
  );
  const [actionError, setActionError] = useState<Error>();
  const act = async (kind: 'stop' | 'rerun') => {
    setActionError(undefined);
    try {
      if (kind === 'stop')
        await unwrap(api.POST('/v1/jobs/{id}/stop', { params: { path: { id } } }));
      else await unwrap(api.POST('/v1/jobs/{id}/rerun', { params: { path: { id } }, body: {} }));
      void message.success(kind === 'stop' ? t('jobs.stopped') : t('jobs.rerunStarted'));
      setFinished(false);
      job.reload();
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
                        <Button size="small" onClick={() => void act('rerun')}>
                          {t('jobs.rerun')}
                        </Button>
                      )}
                      <Link to={`/results/${j.id}`}>{t('jobs.results')}</Link>
                    </Space>
                  }
                >
                  <Progress
                    percent={j.tasks.length ? Math.round((100 * done) / j.tasks.length) : 0}
                    status={j.status === 'failed' ? 'exception' : undefined}
                  />
                  <Descriptions column={1} size="small">
                    <Descriptions.Item label={t('common.id')}>
                      <Typography.Text code>{j.id}</Typography.Text>
                    </Descriptions.Item>
                    <Descriptions.Item label={t('common.status')}>
                      <StatusTag status={j.status} />
                      {poll ? (
                        <Typography.Text type="secondary"> {t('jobs.live')}</Typography.Text>
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
                    ]}
                  />
                </Card>
              </Col>
            </Row>
          );
        }}
      </QueryView>
      <Card title={t('jobs.events')} style={{ marginTop: 16 }}>
        <QueryView query={events} isEmpty={(e) => e.items.length === 0}>
          {(e) => (
            <Table
              size="small"
              rowKey="id"
              dataSource={[...e.items].reverse()}
              pagination={{ pageSize: 50, hideOnSinglePage: true }}
              columns={[
                { title: t('dashboard.at'), render: (_, r) => new Date(r.at).toLocaleTimeString() },
                { title: t('jobs.level'), dataIndex: 'level' },
                { title: t('jobs.kind'), dataIndex: 'kind' },
                { title: t('results.task'), render: (_, r) => r.task_name ?? '' },
                { title: t('jobs.message'), dataIndex: 'message' },
              ]}
            />
          )}
        </QueryView>
      </Card>
    </>
  );
}
