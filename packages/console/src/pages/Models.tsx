/**
 * Models: the model parts this node holds (name them, ask the job's partners to approve a part's
 * digest, publish / unpublish, deploy), the versions they form, the approvals inbox (approve or
 * reject a partner's part with a comment; outgoing requests with their answers) and the
 * deployments (request counts and latency, switch version, undeploy, and an online test form that
 * calls `POST /v1/models/{name}/predict`).
 */
import type { ModelApprovalView } from '@fedgrid/api-client';
import {
  App,
  Button,
  Card,
  Descriptions,
  Form,
  Input,
  InputNumber,
  Modal,
  Select,
  Space,
  Table,
  Tabs,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, asError, unwrap, useApi, type Page } from '../api';
import { ApprovalDetail } from '../components/ApprovalDetail';
import { ModelDiff } from '../components/ModelDiff';
import { ErrorAlert, QueryView, StatusTag } from '../components/QueryView';
import { useCan } from '../me';

interface ModelPart {
  id: string;
  name: string;
  version: number | null;
  ref: string | null;
  jobId: string;
  task: string;
  component: string;
  algorithm: string | null;
  party: string;
  role: string;
  digest: string;
  size: number | null;
  createdAt: string;
  status: string;
  approval: { digest: string; partners: { node: string; status: string; reason: string | null }[] };
  published: { at: string; by: string; current: boolean } | null;
}
interface VersionView {
  name: string;
  version: number;
  ref: string;
  algorithm: string;
  task: string | null;
  job: { id: string; task: string };
  status: string;
  createdAt: string;
  deployedAt: string | null;
}
interface DeploymentView {
  id: string;
  name: string;
  role: string;
  model: { id: string; name: string; version: string };
  algorithm: string;
  dataset: string | null;
  status: string;
  deadlineMs: number;
  onHostFailure: string;
  createdAt: string;
  metrics: {
    requests: { ok: number; degraded: number; error: number; total: number };
    latencyMs: { p50: number | null; p99: number | null };
  } | null;
}

const when = (s: string | null | undefined) => (s ? new Date(s).toLocaleString() : '—');

export default function Models() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const can = useCan();
  const manage = can('model:manage');
  const models = useApi(
    () => unwrap<Page<ModelPart>>(api.GET('/v1/models', { params: { query: { pageSize: 200 } } })),
    [],
  );
  const versions = useApi(
    () =>
      unwrap<Page<VersionView>>(
        api.GET('/v1/model-versions', { params: { query: { pageSize: 200 } } }),
      ),
    [],
  );
  const approvals = useApi(
    () =>
      unwrap<Page<ModelApprovalView>>(
        api.GET('/v1/model-approvals', { params: { query: { pageSize: 200 } } }),
      ),
    [],
  );
  const deployments = useApi(
    () =>
      unwrap<{ items: DeploymentView[] }>(
        api.GET('/v1/deployments', { params: { query: { all: true } } }),
      ),
    [],
  );
  const [deciding, setDeciding] = useState<{ a: ModelApprovalView; verb: 'approve' | 'reject' }>();
  const [deploying, setDeploying] = useState<ModelPart>();
  const [naming, setNaming] = useState<ModelPart>();
  const [testing, setTesting] = useState<DeploymentView>();
  const [showingApproval, setShowingApproval] = useState<string>();
  const [switching, setSwitching] = useState<DeploymentView>();
  const [prediction, setPrediction] = useState<unknown>();
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);

  const run = async (fn: () => Promise<void>, done?: string) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
      if (done) void message.success(done);
      setDeciding(undefined);
      setDeploying(undefined);
      setNaming(undefined);
      setSwitching(undefined);
      models.reload();
      versions.reload();
      approvals.reload();
      deployments.reload();
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(false);
    }
  };
  const post = (
    path: '/v1/models/{id}/approvals' | '/v1/models/{id}/publish' | '/v1/models/{id}/unpublish',
    id: string,
    done: string,
  ) =>
    run(async () => {
      await unwrap(
        path === '/v1/models/{id}/approvals'
          ? api.POST(path, { params: { path: { id } }, body: {} })
          : api.POST(path, { params: { path: { id } } }),
      );
    }, done);

  const inbox = (approvals.data?.items ?? []).filter(
    (a) => a.direction === 'incoming' && a.status === 'pending',
  );

  const partsTab = (
    <QueryView
      query={models}
      isEmpty={(m) => m.items.length === 0}
      emptyText={t('models.noModels')}
    >
      {(m) => (
        <Table
          size="small"
          rowKey="id"
          dataSource={m.items}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          expandable={{
            expandedRowRender: (r) => (
              <Descriptions size="small" column={1} bordered>
                <Descriptions.Item label={t('modelOps.digest')}>
                  <Typography.Text code style={{ wordBreak: 'break-all' }}>
                    {r.digest}
                  </Typography.Text>
                </Descriptions.Item>
                <Descriptions.Item label={t('modelOps.approvals')}>
                  {r.approval.partners.length
                    ? r.approval.partners.map((p) => (
                        <div key={p.node}>
                          {p.node}: <StatusTag status={p.status} /> {p.reason ?? ''}
                        </div>
                      ))
                    : t('modelOps.noApprovalNeeded')}
                </Descriptions.Item>
                <Descriptions.Item label={t('modelOps.published')}>
                  {r.published ? `${when(r.published.at)} (${r.published.by})` : '—'}
                </Descriptions.Item>
              </Descriptions>
            ),
          }}
          columns={[
            { title: t('common.name'), render: (_, r) => r.ref ?? r.name },
            { title: t('modelOps.party'), render: (_, r) => `${r.party} (${r.role})` },
            { title: t('jobs.component'), dataIndex: 'component' },
            {
              title: t('models.job'),
              render: (_, r) => <Link to={`/jobs/${r.jobId}`}>{r.jobId}</Link>,
            },
            { title: t('common.status'), render: (_, r) => <StatusTag status={r.status} /> },
            ...(manage
              ? [
                  {
                    title: t('common.actions'),
                    render: (_: unknown, r: ModelPart) => (
                      <Space wrap size={4}>
                        <Button size="small" onClick={() => setNaming(r)}>
                          {t('modelOps.rename')}
                        </Button>
                        {r.status === 'unapproved' || r.status === 'rejected' ? (
                          <Button
                            size="small"
                            onClick={() =>
                              void post('/v1/models/{id}/approvals', r.id, t('modelOps.requested'))
                            }
                          >
                            {t('modelOps.requestApproval')}
                          </Button>
                        ) : null}
                        {r.status === 'pending' ? (
                          <Button
                            size="small"
                            onClick={() =>
                              void run(async () => {
                                await unwrap(
                                  api.POST('/v1/models/{id}/approvals/sync', {
                                    params: { path: { id: r.id } },
                                  }),
                                );
                              }, t('partnerOps.synced'))
                            }
                          >
                            {t('partnerOps.sync')}
                          </Button>
                        ) : null}
                        {r.status === 'approved' ? (
                          <Button
                            size="small"
                            type="primary"
                            onClick={() =>
                              void post(
                                '/v1/models/{id}/publish',
                                r.id,
                                t('modelOps.publishedDone'),
                              )
                            }
                          >
                            {t('modelOps.publish')}
                          </Button>
                        ) : null}
                        {r.status === 'published' ? (
                          <>
                            <Button size="small" type="primary" onClick={() => setDeploying(r)}>
                              {t('modelOps.deploy')}
                            </Button>
                            <Button
                              size="small"
                              onClick={() =>
                                void post(
                                  '/v1/models/{id}/unpublish',
                                  r.id,
                                  t('modelOps.unpublishedDone'),
                                )
                              }
                            >
                              {t('modelOps.unpublish')}
                            </Button>
                          </>
                        ) : null}
                      </Space>
                    ),
                  },
                ]
              : []),
          ]}
        />
      )}
    </QueryView>
  );

  const approvalColumns = [
    { title: t('modelOps.model'), render: (_: unknown, a: ModelApprovalView) => a.modelName },
    {
      title: t('modelOps.requester'),
      render: (_: unknown, a: ModelApprovalView) =>
        a.direction === 'incoming' ? a.requester : a.approver,
    },
    {
      title: t('models.job'),
      render: (_: unknown, a: ModelApprovalView) => `${a.jobId} / ${a.task} (${a.party})`,
    },
    { title: t('modelOps.algorithm'), render: (_: unknown, a: ModelApprovalView) => a.algorithm },
    {
      title: t('modelOps.digest'),
      render: (_: unknown, a: ModelApprovalView) => (
        <Typography.Text code style={{ fontSize: 12 }} title={a.digest}>
          {a.digest.slice(0, 16)}…
        </Typography.Text>
      ),
    },
    {
      title: t('common.status'),
      render: (_: unknown, a: ModelApprovalView) => (
        <span title={a.deliveryError ?? a.reason ?? undefined}>
          <StatusTag status={a.status} />
        </span>
      ),
    },
  ];

  const inboxTab = (
    <QueryView
      query={approvals}
      isEmpty={() => inbox.length === 0}
      emptyText={t('modelOps.inboxEmpty')}
    >
      {() => (
        <Table
          size="small"
          rowKey="id"
          dataSource={inbox}
          pagination={false}
          columns={[
            ...approvalColumns,
            ...(manage
              ? [
                  {
                    title: t('common.actions'),
                    render: (_: unknown, a: ModelApprovalView) => (
                      <Space>
                        <Button
                          size="small"
                          type="primary"
                          onClick={() => setDeciding({ a, verb: 'approve' })}
                        >
                          {t('modelOps.approve')}
                        </Button>
                        <Button
                          size="small"
                          danger
                          onClick={() => setDeciding({ a, verb: 'reject' })}
                        >
                          {t('partners.reject')}
                        </Button>
                      </Space>
                    ),
                  },
                ]
              : []),
          ]}
        />
      )}
    </QueryView>
  );

  const allApprovalsTab = (
    <QueryView query={approvals} isEmpty={(a) => a.items.length === 0}>
      {(a) => (
        <Table
          size="small"
          rowKey="id"
          dataSource={a.items}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          columns={[
            {
              title: t('partners.direction'),
              render: (_: unknown, x: ModelApprovalView) => t(`modelOps.${x.direction}`),
            },
            ...approvalColumns,
            {
              title: t('modelOps.comment'),
              render: (_: unknown, x: ModelApprovalView) => x.reason ?? '',
            },
            {
              title: t('common.actions'),
              render: (_: unknown, x: ModelApprovalView) => (
                <Button size="small" onClick={() => setShowingApproval(x.id)}>
                  {t('details.details')}
                </Button>
              ),
            },
          ]}
        />
      )}
    </QueryView>
  );

  const versionsTab = (
    <QueryView query={versions} isEmpty={(v) => v.items.length === 0}>
      {(v) => (
        <Table
          size="small"
          rowKey="ref"
          dataSource={v.items}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          columns={[
            { title: t('modelOps.ref'), dataIndex: 'ref' },
            { title: t('modelOps.algorithm'), dataIndex: 'algorithm' },
            { title: t('modelOps.task'), render: (_, r) => r.task ?? '—' },
            {
              title: t('models.job'),
              render: (_, r) => <Link to={`/jobs/${r.job.id}`}>{r.job.id}</Link>,
            },
            { title: t('common.status'), render: (_, r) => <StatusTag status={r.status} /> },
            { title: t('modelOps.deployedAt'), render: (_, r) => when(r.deployedAt) },
            { title: t('common.createdAt'), render: (_, r) => when(r.createdAt) },
          ]}
        />
      )}
    </QueryView>
  );

  const deploymentsTab = (
    <QueryView
      query={deployments}
      isEmpty={(d) => d.items.length === 0}
      emptyText={t('modelOps.noDeployments')}
    >
      {(d) => (
        <Table
          size="small"
          rowKey="id"
          dataSource={d.items}
          pagination={false}
          columns={[
            { title: t('common.name'), dataIndex: 'name' },
            { title: t('modelOps.model'), render: (_, r) => `${r.model.name}@${r.model.version}` },
            { title: t('modelOps.party'), dataIndex: 'role' },
            { title: t('common.status'), render: (_, r) => <StatusTag status={r.status} /> },
            {
              title: t('modelOps.requests'),
              render: (_, r) =>
                r.metrics
                  ? `${r.metrics.requests.total} (${t('modelOps.errors')}: ${r.metrics.requests.error})`
                  : '—',
            },
            {
              title: t('modelOps.latency'),
              render: (_, r) =>
                r.metrics?.latencyMs.p50 != null
                  ? `p50 ≤ ${r.metrics.latencyMs.p50} ms, p99 ≤ ${r.metrics.latencyMs.p99} ms`
                  : '—',
            },
            {
              title: t('common.actions'),
              render: (_, r) =>
                r.status === 'active' ? (
                  <Space size={4}>
                    {can('model:predict') && r.role === 'guest' ? (
                      <Button
                        size="small"
                        type="primary"
                        onClick={() => {
                          setPrediction(undefined);
                          setError(undefined);
                          setTesting(r);
                        }}
                      >
                        {t('modelOps.test')}
                      </Button>
                    ) : null}
                    {manage ? (
                      <Button size="small" onClick={() => setSwitching(r)}>
                        {t('modelOps.switch')}
                      </Button>
                    ) : null}
                    {manage ? (
                      <Button
                        size="small"
                        danger
                        onClick={() =>
                          void run(async () => {
                            await unwrap(
                              api.POST('/v1/deployments/{id}/undeploy', {
                                params: { path: { id: r.id } },
                              }),
                            );
                          }, t('modelOps.undeployed'))
                        }
                      >
                        {t('modelOps.undeploy')}
                      </Button>
                    ) : null}
                  </Space>
                ) : null,
            },
          ]}
        />
      )}
    </QueryView>
  );

  return (
    <>
      <Typography.Title level={2}>{t('models.title')}</Typography.Title>
      {error && !deciding && !deploying && !naming && !testing ? (
        <ErrorAlert error={error} />
      ) : null}
      <Card>
        <Tabs
          items={[
            { key: 'parts', label: t('models.models'), children: partsTab },
            { key: 'versions', label: t('models.versions'), children: versionsTab },
            {
              key: 'inbox',
              label: `${t('modelOps.inbox')}${inbox.length ? ` (${inbox.length})` : ''}`,
              children: inboxTab,
            },
            { key: 'approvals', label: t('modelOps.allApprovals'), children: allApprovalsTab },
            { key: 'deployments', label: t('modelOps.deployments'), children: deploymentsTab },
            {
              key: 'diff',
              label: t('modelDiff.title'),
              children: <ModelDiff refs={(versions.data?.items ?? []).map((v) => v.ref)} />,
            },
          ]}
        />
      </Card>
      {showingApproval ? (
        <ApprovalDetail
          id={showingApproval}
          onClose={() => setShowingApproval(undefined)}
          onChanged={() => {
            approvals.reload();
            models.reload();
          }}
        />
      ) : null}

      <Modal
        open={deciding !== undefined}
        title={
          deciding?.verb === 'approve' ? t('modelOps.approveTitle') : t('modelOps.rejectTitle')
        }
        onCancel={() => setDeciding(undefined)}
        footer={null}
        destroyOnHidden
      >
        {error ? <ErrorAlert error={error} /> : null}
        {deciding ? (
          <Descriptions size="small" column={1} bordered style={{ marginBottom: 16 }}>
            <Descriptions.Item label={t('modelOps.requester')}>
              {deciding.a.requester}
            </Descriptions.Item>
            <Descriptions.Item label={t('modelOps.model')}>
              {deciding.a.modelName} — {deciding.a.component} ({deciding.a.algorithm})
            </Descriptions.Item>
            <Descriptions.Item label={t('modelOps.features')}>
              {deciding.a.features?.join(', ') ?? '—'}
            </Descriptions.Item>
            <Descriptions.Item label={t('modelOps.digest')}>
              <Typography.Text code style={{ wordBreak: 'break-all' }}>
                {deciding.a.digest}
              </Typography.Text>
            </Descriptions.Item>
          </Descriptions>
        ) : null}
        <Form
          layout="vertical"
          onFinish={(v: { reason?: string }) =>
            deciding &&
            void run(
              async () => {
                const body = v.reason?.trim() ? { reason: v.reason.trim() } : {};
                const params = { path: { id: deciding.a.id } };
                await unwrap(
                  deciding.verb === 'approve'
                    ? api.POST('/v1/model-approvals/{id}/approve', { params, body })
                    : api.POST('/v1/model-approvals/{id}/reject', { params, body }),
                );
              },
              deciding.verb === 'approve' ? t('modelOps.approved') : t('modelOps.rejected'),
            )
          }
        >
          <Form.Item
            name="reason"
            label={t('modelOps.comment')}
            rules={deciding?.verb === 'reject' ? [{ required: true, whitespace: true }] : []}
          >
            <Input.TextArea autoSize={{ minRows: 2 }} maxLength={2000} />
          </Form.Item>
          <Button
            type="primary"
            danger={deciding?.verb === 'reject'}
            htmlType="submit"
            loading={busy}
          >
            {deciding?.verb === 'approve' ? t('modelOps.approve') : t('partners.reject')}
          </Button>
        </Form>
      </Modal>

      <Modal
        open={naming !== undefined}
        title={t('modelOps.rename')}
        onCancel={() => setNaming(undefined)}
        footer={null}
        destroyOnHidden
      >
        {error ? <ErrorAlert error={error} /> : null}
        <Form
          layout="vertical"
          initialValues={{ name: naming?.name }}
          onFinish={(v: { name: string }) =>
            naming &&
            void run(async () => {
              await unwrap(
                api.PATCH('/v1/models/{id}', {
                  params: { path: { id: naming.id } },
                  body: { name: v.name.trim() },
                }),
              );
            }, t('common.saved'))
          }
        >
          <Form.Item
            name="name"
            label={t('common.name')}
            rules={[{ required: true, whitespace: true }]}
          >
            <Input />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy}>
            {t('common.submit')}
          </Button>
        </Form>
      </Modal>

      <Modal
        open={switching !== undefined}
        title={t('modelOps.switchTitle', { name: switching?.name ?? '' })}
        onCancel={() => setSwitching(undefined)}
        footer={null}
        destroyOnHidden
      >
        {error ? <ErrorAlert error={error} /> : null}
        <Form
          layout="vertical"
          onFinish={(v: { model: string }) =>
            switching &&
            void run(async () => {
              await unwrap(
                api.PATCH('/v1/deployments/{id}', {
                  params: { path: { id: switching.id } },
                  body: { model: v.model },
                }),
              );
            }, t('common.saved'))
          }
        >
          <Form.Item name="model" label={t('modelOps.model')} rules={[{ required: true }]}>
            <Select
              options={(models.data?.items ?? [])
                .filter((m) => m.status === 'published' && m.id !== switching?.model.id)
                .map((m) => ({ value: m.id, label: `${m.ref ?? m.name} (${m.party})` }))}
            />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy}>
            {t('modelOps.switch')}
          </Button>
        </Form>
      </Modal>

      <Modal
        open={deploying !== undefined}
        title={t('modelOps.deployTitle')}
        onCancel={() => setDeploying(undefined)}
        footer={null}
        destroyOnHidden
      >
        {error ? <ErrorAlert error={error} /> : null}
        <Form
          layout="vertical"
          initialValues={{ onHostFailure: 'error' }}
          onFinish={(v: {
            name?: string;
            dataset?: string;
            onHostFailure: 'error' | 'guest-only';
            deadlineMs?: number;
          }) =>
            deploying &&
            void run(async () => {
              await unwrap(
                api.POST('/v1/deployments', {
                  body: {
                    model: deploying.id,
                    onHostFailure: v.onHostFailure,
                    ...(v.name?.trim() ? { name: v.name.trim() } : {}),
                    ...(v.dataset?.trim() ? { dataset: v.dataset.trim() } : {}),
                    ...(v.deadlineMs ? { deadlineMs: v.deadlineMs } : {}),
                  },
                }),
              );
            }, t('modelOps.deployed'))
          }
        >
          <Form.Item
            name="name"
            label={t('modelOps.deploymentName')}
            extra={t('modelOps.deploymentNameHelp')}
          >
            <Input />
          </Form.Item>
          <Form.Item
            name="dataset"
            label={t('modelOps.featureDataset')}
            extra={t('modelOps.featureDatasetHelp')}
          >
            <Input />
          </Form.Item>
          <Form.Item name="onHostFailure" label={t('modelOps.onHostFailure')}>
            <Select
              options={[
                { value: 'error', label: t('modelOps.failError') },
                { value: 'guest-only', label: t('modelOps.failGuestOnly') },
              ]}
            />
          </Form.Item>
          <Form.Item name="deadlineMs" label={t('modelOps.deadlineMs')}>
            <InputNumber min={10} max={60000} />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy}>
            {t('modelOps.deploy')}
          </Button>
        </Form>
      </Modal>

      <Modal
        open={testing !== undefined}
        title={t('modelOps.testTitle', { name: testing?.name ?? '' })}
        onCancel={() => setTesting(undefined)}
        footer={null}
        width={720}
        destroyOnHidden
      >
        {error ? <ErrorAlert error={error} /> : null}
        <Typography.Paragraph type="secondary">{t('modelOps.testHelp')}</Typography.Paragraph>
        <Form
          layout="vertical"
          onFinish={(v: { ids?: string; features?: string }) =>
            testing &&
            void (async () => {
              setBusy(true);
              setError(undefined);
              try {
                const ids = (v.ids ?? '')
                  .split(/[\s,]+/)
                  .map((s) => s.trim())
                  .filter(Boolean);
                let features: Record<string, number | null> | undefined;
                if (v.features?.trim()) {
                  try {
                    features = JSON.parse(v.features) as Record<string, number | null>;
                  } catch (e) {
                    throw new Error(`${t('modelOps.featuresJson')}: ${(e as Error).message}`);
                  }
                }
                const body = {
                  ...(ids.length === 1 ? { id: ids[0]! } : ids.length > 1 ? { ids } : {}),
                  ...(features ? { features } : {}),
                };
                setPrediction(
                  await unwrap(
                    api.POST('/v1/models/{id}/predict', {
                      params: { path: { id: testing.name } },
                      body,
                    }),
                  ),
                );
              } catch (e) {
                setError(asError(e));
              } finally {
                setBusy(false);
              }
            })()
          }
        >
          <Form.Item
            name="ids"
            label={t('modelOps.ids')}
            extra={t('modelOps.idsHelp')}
            rules={[{ required: true, whitespace: true }]}
          >
            <Input.TextArea autoSize />
          </Form.Item>
          <Form.Item
            name="features"
            label={t('modelOps.features')}
            extra={t('modelOps.featuresHelp')}
          >
            <Input.TextArea autoSize={{ minRows: 2 }} placeholder='{"x0": 0.5, "x1": -1.2}' />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy}>
            {t('modelOps.predict')}
          </Button>
        </Form>
        {prediction !== undefined ? (
          <pre
            aria-label={t('modelOps.result')}
            style={{ marginTop: 16, background: '#f5f5f5', padding: 12, whiteSpace: 'pre-wrap' }}
          >
            {JSON.stringify(prediction, null, 2)}
          </pre>
        ) : null}
      </Modal>
    </>
  );
}
