/** Node health, partners up/down, running jobs and recent audit events; refreshed every 5 s. */
import { Card, Col, Descriptions, List, Row, Statistic, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, unwrap, useApi, type Page } from '../api';
import { QueryView, StatusTag } from '../components/QueryView';
import type { AuditRow, HealthView, JobView, NodeView, PartnerView } from '../types';

const POLL_MS = 5000;

function partnerUp(p: PartnerView): boolean {
  return p.lastHealthyAt !== null && !p.lastHealthError;
}

export default function Dashboard() {
  const { t } = useTranslation();
  const node = useApi(() => unwrap<NodeView>(api.GET('/v1/node')), []);
  // 503 is the degraded answer: the body still says why, so read it either way.
  const health = useApi(
    async () => {
      const r = await api.GET('/v1/health');
      if (r.response.status === 503) return r.error as unknown as HealthView;
      return unwrap<HealthView>(Promise.resolve(r));
    },
    [],
    POLL_MS,
  );
  const partners = useApi(
    () =>
      unwrap<Page<PartnerView>>(api.GET('/v1/partners', { params: { query: { pageSize: 1000 } } })),
    [],
    POLL_MS,
  );
  const running = useApi(
    () =>
      unwrap<Page<JobView>>(
        api.GET('/v1/jobs', { params: { query: { status: 'running', pageSize: 20 } } }),
      ),
    [],
    POLL_MS,
  );
  const events = useApi(
    () => unwrap<Page<AuditRow>>(api.GET('/v1/audit', { params: { query: { pageSize: 10 } } })),
    [],
    POLL_MS,
  );

  return (
    <>
      <Typography.Title level={2}>{t('dashboard.title')}</Typography.Title>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={12}>
          <Card title={t('dashboard.health')}>
            <QueryView query={health}>
              {(h) => (
                <Descriptions column={1} size="small">
                  <Descriptions.Item label={t('common.status')}>
                    <StatusTag status={h.status} />
                  </Descriptions.Item>
                  <Descriptions.Item label={t('dashboard.freeSpace')}>
                    {h.storage?.freeBytes != null
                      ? `${(h.storage.freeBytes / 2 ** 30).toFixed(1)} GiB`
                      : '—'}
                  </Descriptions.Item>
                  {h.storage?.problems?.length ? (
                    <Descriptions.Item label={t('dashboard.storage')}>
                      {h.storage.problems.join('; ')}
                    </Descriptions.Item>
                  ) : null}
                </Descriptions>
              )}
            </QueryView>
            <QueryView query={node}>
              {(n) => (
                <Descriptions column={1} size="small">
                  <Descriptions.Item label={t('app.node')}>
                    {n.name} ({n.nodeId})
                  </Descriptions.Item>
                  <Descriptions.Item label={t('dashboard.version')}>{n.version}</Descriptions.Item>
                  <Descriptions.Item label={t('dashboard.fingerprint')}>
                    <Typography.Text code copyable style={{ wordBreak: 'break-all' }}>
                      {n.fingerprint}
                    </Typography.Text>
                  </Descriptions.Item>
                </Descriptions>
              )}
            </QueryView>
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('dashboard.partners')}>
            <QueryView query={partners}>
              {(p) => (
                <>
                  <Row gutter={16}>
                    <Col span={12}>
                      <Statistic
                        title={t('dashboard.partnersUp')}
                        value={p.items.filter(partnerUp).length}
                      />
                    </Col>
                    <Col span={12}>
                      <Statistic
                        title={t('dashboard.partnersDown')}
                        value={p.items.filter((x) => !partnerUp(x)).length}
                      />
                    </Col>
                  </Row>
                  <List
                    size="small"
                    dataSource={p.items}
                    locale={{ emptyText: t('common.empty') }}
                    renderItem={(x) => (
                      <List.Item>
                        {x.name} ({x.nodeId}) <StatusTag status={partnerUp(x) ? 'up' : 'down'} />
                      </List.Item>
                    )}
                  />
                </>
              )}
            </QueryView>
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('dashboard.runningJobs')}>
            <QueryView
              query={running}
              isEmpty={(j) => j.items.length === 0}
              emptyText={t('dashboard.noRunningJobs')}
            >
              {(j) => (
                <List
                  size="small"
                  dataSource={j.items}
                  renderItem={(x) => (
                    <List.Item>
                      <Link to={`/jobs/${x.id}`}>{x.name || x.id}</Link>
                      <StatusTag status={x.status} />
                    </List.Item>
                  )}
                />
              )}
            </QueryView>
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('dashboard.recentEvents')}>
            <QueryView
              query={events}
              isEmpty={(e) => e.items.length === 0}
              emptyText={t('dashboard.noEvents')}
            >
              {(e) => (
                <Table
                  size="small"
                  pagination={false}
                  rowKey={(r, i) => String(r.id ?? i)}
                  dataSource={e.items}
                  columns={[
                    {
                      title: t('dashboard.at'),
                      render: (_, r) => new Date(r.at ?? r.created_at ?? '').toLocaleString(),
                    },
                    { title: t('dashboard.action'), dataIndex: 'action' },
                    {
                      title: t('dashboard.actor'),
                      render: (_, r) => r.actorId ?? r.actor_id ?? '',
                    },
                    {
                      title: t('dashboard.outcome'),
                      render: (_, r) => r.outcome ?? '',
                    },
                  ]}
                />
              )}
            </QueryView>
          </Card>
        </Col>
      </Row>
    </>
  );
}
