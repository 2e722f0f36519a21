/**
 * The flow approval requests partners sent to this node: each opens as the DAG it is asked to
 * approve (the canvas, read-only, with every task's parameters, the parties and their datasets),
 * not only its digest; approve, or reject with a reason the initiator sees.
 */
import { App, Button, Descriptions, Input, Modal, Space, Table, Typography } from 'antd';
import { lazy, Suspense, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, asError, unwrap, useApi, type Page } from '../api';
import { canvasOf, type ComponentView } from '../flow-graph';
import type { FlowApprovalView } from '../flow-types';
import { PageFallback } from '../layout/AppLayout';
import { ErrorAlert, QueryView, StatusTag } from './QueryView';

const FlowCanvas = lazy(() => import('./FlowCanvas'));

function Review({
  approval,
  components,
  onDone,
  onClose,
}: {
  approval: FlowApprovalView;
  components: Map<string, ComponentView>;
  onDone: () => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const dag = approval.content.dag;
  const graph = useMemo(() => canvasOf(dag.tasks), [dag.tasks]);
  const answer = async (kind: 'approve' | 'reject') => {
    setBusy(true);
    setError(undefined);
    try {
      const path = { params: { path: { id: approval.id } } };
      const body = reason.trim() ? { reason: reason.trim() } : {};
      if (kind === 'approve')
        await unwrap(api.POST('/v1/flow-approvals/{id}/approve', { ...path, body }));
      else await unwrap(api.POST('/v1/flow-approvals/{id}/reject', { ...path, body }));
      void message.success(kind === 'approve' ? t('flows.approved') : t('flows.rejected'));
      onDone();
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(false);
    }
  };
  const pending = approval.status === 'pending';
  return (
    <Modal
      open
      width={1000}
      title={`${t('flows.review')}: ${approval.content.name}`}
      onCancel={onClose}
      footer={
        <Space>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button danger disabled={!pending} loading={busy} onClick={() => void answer('reject')}>
            {t('flows.reject')}
          </Button>
          <Button
            type="primary"
            disabled={!pending}
            loading={busy}
            onClick={() => void answer('approve')}
          >
            {t('flows.approve')}
          </Button>
        </Space>
      }
    >
      {error ? <ErrorAlert error={error} /> : null}
      <Descriptions size="small" column={2}>
        <Descriptions.Item label={t('flows.initiator')}>{approval.initiator}</Descriptions.Item>
        <Descriptions.Item label={t('flows.project')}>{approval.projectId}</Descriptions.Item>
        <Descriptions.Item label={t('flows.parties')}>
          {[
            `guest: ${dag.parties.guest.node}`,
            ...dag.parties.hosts.map((h, i) => `host-${i}: ${h.node}`),
            ...(dag.parties.arbiter ? [`arbiter: ${dag.parties.arbiter.node}`] : []),
          ].join(', ')}
        </Descriptions.Item>
        <Descriptions.Item label={t('flows.datasets')}>
          {Object.entries(dag.datasets)
            .map(([p, d]) => `${p}: ${d}`)
            .join(', ')}
        </Descriptions.Item>
        <Descriptions.Item label={t('flows.digest')} span={2}>
          <Typography.Text code copyable>
            {approval.digest}
          </Typography.Text>
        </Descriptions.Item>
      </Descriptions>
      <Suspense fallback={<PageFallback />}>
        <FlowCanvas components={components} nodes={graph.nodes} edges={graph.edges} height={300} />
      </Suspense>
      <Table
        size="small"
        rowKey="name"
        pagination={false}
        style={{ marginTop: 12 }}
        dataSource={dag.tasks}
        columns={[
          { title: t('flows.taskName'), dataIndex: 'name' },
          { title: t('jobs.component'), dataIndex: 'component' },
          {
            title: t('flows.inputs'),
            render: (_, r) =>
              Object.entries(r.inputs)
                .map(([k, v]) => `${k} ← ${v}`)
                .join(', '),
          },
          {
            title: t('flows.parameters'),
            render: (_, r) => <Typography.Text code>{JSON.stringify(r.params)}</Typography.Text>,
          },
        ]}
      />
      {approval.content.config && Object.keys(approval.content.config).length ? (
        <Typography.Paragraph style={{ marginTop: 8 }}>
          {t('flows.config')}:{' '}
          <Typography.Text code>{JSON.stringify(approval.content.config)}</Typography.Text>
        </Typography.Paragraph>
      ) : null}
      <Input.TextArea
        aria-label={t('flows.reason')}
        placeholder={t('flows.reason')}
        rows={2}
        value={reason}
        disabled={!pending}
        onChange={(e) => setReason(e.target.value)}
      />
    </Modal>
  );
}

export default function FlowApprovals({ components }: { components: Map<string, ComponentView> }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState<FlowApprovalView>();
  const list = useApi(
    () =>
      unwrap<Page<FlowApprovalView>>(
        api.GET('/v1/flow-approvals', {
          params: { query: { direction: 'incoming', pageSize: 200 } },
        }),
      ),
    [],
    5000,
  );
  return (
    <>
      <QueryView
        query={list}
        isEmpty={(p) => p.items.length === 0}
        emptyText={t('flows.noIncoming')}
      >
        {(p) => (
          <Table
            size="small"
            rowKey="id"
            dataSource={p.items}
            pagination={{ pageSize: 20, hideOnSinglePage: true }}
            columns={[
              { title: t('flows.flow'), render: (_, r) => r.content.name },
              { title: t('flows.initiator'), dataIndex: 'initiator' },
              { title: t('flows.version'), dataIndex: 'flowVersion' },
              {
                title: t('common.status'),
                render: (_, r) => <StatusTag status={r.status} />,
              },
              {
                title: t('common.actions'),
                render: (_, r) => (
                  <Button size="small" onClick={() => setOpen(r)}>
                    {t('flows.review')}
                  </Button>
                ),
              },
            ]}
          />
        )}
      </QueryView>
      {open ? (
        <Review
          approval={open}
          components={components}
          onClose={() => setOpen(undefined)}
          onDone={() => {
            setOpen(undefined);
            list.reload();
          }}
        />
      ) : null}
    </>
  );
}
