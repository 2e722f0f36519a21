/**
 * The model parts of a job on its job page: this node's own parts (ask the partners to approve
 * the digest, then publish), and the parts partners asked this node to approve (approve, or
 * reject with a reason). The node-wide approvals inbox lives on the models pages.
 */
import type { ModelApprovalView } from '@fedgrid/api-client';
import { App, Button, Card, Input, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, asError, unwrap, useApi, type Page } from '../api';
import type { ModelPartView } from '../flow-types';
import { TAG_TEXT } from '../theme';
import { ErrorAlert, StatusTag } from './QueryView';

export function JobModels({ jobId }: { jobId: string }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [error, setError] = useState<Error>();
  const [reason, setReason] = useState('');
  const models = useApi(
    () =>
      unwrap<Page<ModelPartView>>(
        api.GET('/v1/models', { params: { query: { job: jobId, pageSize: 200 } } }),
      ),
    [jobId],
    // Partners' answers arrive at any time, also after the job ended.
    5000,
  );
  const incoming = useApi(
    () =>
      unwrap<Page<ModelApprovalView>>(
        api.GET('/v1/model-approvals', {
          params: { query: { job: jobId, direction: 'incoming', pageSize: 200 } },
        }),
      ),
    [jobId],
    5000,
  );
  const act = async (what: () => Promise<unknown>, done: string) => {
    setError(undefined);
    try {
      await what();
      void message.success(done);
      models.reload();
      incoming.reload();
    } catch (e) {
      setError(asError(e));
    }
  };
  const path = (id: string) => ({ params: { path: { id } } });
  const own = models.data?.items ?? [];
  const asked = incoming.data?.items ?? [];
  if (!own.length && !asked.length && !error) return null;
  return (
    <Card title={t('jobModels.title')} style={{ marginTop: 16 }} data-testid="job-models">
      {error ? <ErrorAlert error={error} /> : null}
      {own.length ? (
        <Table
          size="small"
          rowKey="id"
          pagination={false}
          dataSource={own}
          columns={[
            { title: t('common.name'), render: (_, m) => m.ref ?? m.name },
            { title: t('jobModels.part'), render: (_, m) => `${m.task} · ${m.party}` },
            {
              title: t('jobModels.approvals'),
              render: (_, m) =>
                m.approval.partners.map((p) => (
                  <Tag
                    key={p.node}
                    color={p.status === 'approved' ? 'green' : undefined}
                    // Ant Design's green text falls below WCAG AA contrast (theme.ts).
                    style={p.status === 'approved' ? { color: TAG_TEXT['green'] } : undefined}
                  >
                    {p.node}: {t(`flows.approval.${p.status}`, { defaultValue: p.status })}
                  </Tag>
                )),
            },
            { title: t('common.status'), render: (_, m) => <StatusTag status={m.status} /> },
            {
              title: t('common.actions'),
              render: (_, m) => (
                <Space>
                  <Button
                    size="small"
                    disabled={m.status === 'approved' || m.status === 'published'}
                    onClick={() =>
                      void act(
                        () =>
                          unwrap(
                            api.POST('/v1/models/{id}/approvals', { ...path(m.id), body: {} }),
                          ),
                        t('jobModels.requested'),
                      )
                    }
                  >
                    {t('jobModels.requestApproval')}
                  </Button>
                  <Button
                    size="small"
                    type="primary"
                    disabled={m.status !== 'approved'}
                    onClick={() =>
                      void act(
                        () => unwrap(api.POST('/v1/models/{id}/publish', path(m.id))),
                        t('jobModels.publishedMessage'),
                      )
                    }
                  >
                    {t('jobModels.publish')}
                  </Button>
                </Space>
              ),
            },
          ]}
        />
      ) : null}
      {asked.length ? (
        <>
          <Typography.Title level={5} style={{ marginTop: 12 }}>
            {t('jobModels.incoming')}
          </Typography.Title>
          <Input
            aria-label={t('jobModels.comment')}
            placeholder={t('jobModels.comment')}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            style={{ marginBottom: 8, maxWidth: 400 }}
          />
          <Table
            size="small"
            rowKey="id"
            pagination={false}
            dataSource={asked}
            columns={[
              { title: t('jobModels.requester'), dataIndex: 'requester' },
              { title: t('jobModels.part'), render: (_, a) => `${a.task} · ${a.party}` },
              {
                title: t('flows.digest'),
                render: (_, a) => <Typography.Text code>{a.digest.slice(0, 16)}…</Typography.Text>,
              },
              { title: t('common.status'), render: (_, a) => <StatusTag status={a.status} /> },
              {
                title: t('common.actions'),
                render: (_, a) => (
                  <Space>
                    {(['approve', 'reject'] as const).map((kind) => (
                      <Button
                        key={kind}
                        size="small"
                        danger={kind === 'reject'}
                        type={kind === 'approve' ? 'primary' : 'default'}
                        disabled={a.status !== 'pending'}
                        onClick={() =>
                          void act(
                            () =>
                              unwrap(
                                kind === 'approve'
                                  ? api.POST('/v1/model-approvals/{id}/approve', {
                                      ...path(a.id),
                                      body: reason.trim() ? { reason: reason.trim() } : {},
                                    })
                                  : api.POST('/v1/model-approvals/{id}/reject', {
                                      ...path(a.id),
                                      body: reason.trim() ? { reason: reason.trim() } : {},
                                    }),
                              ),
                            kind === 'approve' ? t('flows.approved') : t('flows.rejected'),
                          )
                        }
                      >
                        {kind === 'approve' ? t('flows.approve') : t('flows.reject')}
                      </Button>
                    ))}
                  </Space>
                ),
              },
            ]}
          />
        </>
      ) : null}
    </Card>
  );
}
