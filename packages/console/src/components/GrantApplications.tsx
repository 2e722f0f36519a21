/**
 * Grant applications: apply to a partner for one of its datasets; confirm or reject a partner's
 * pending application for one of ours (confirming creates the grant); cancel or query our own.
 */
import { Button, DatePicker, Form, Input, InputNumber, Space } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap, useApi, type Page } from '../api';
import { useCan } from '../me';
import { ActionTable, RequiredText, FormModal, useAction } from './ActionTable';
import { ErrorAlert, StatusTag } from './QueryView';

interface ApplicationView {
  id: string;
  direction: 'outgoing' | 'incoming';
  applicant: string;
  owner: string;
  datasetId: string;
  datasetName: string | null;
  scope: string;
  expiresAt: string | null;
  maxUses: number | null;
  reason: string;
  status: string;
  statusReason: string | null;
  createdAt: string;
}
interface ApplyForm {
  owner: string;
  dataset: string;
  expiresAt?: { toISOString(): string };
  maxUses?: number;
  reason?: string;
}
type Verb = 'confirm' | 'reject' | 'cancel' | 'query';

export function GrantApplications() {
  const { t } = useTranslation();
  const can = useCan();
  const list = useApi(
    () =>
      unwrap<Page<ApplicationView>>(
        api.GET('/v1/grant-applications', { params: { query: { pageSize: 500 } } }),
      ),
    [],
  );
  const [applying, setApplying] = useState(false);
  const action = useAction(() => {
    setApplying(false);
    list.reload();
  });
  const { run, error } = action;
  const call = (verb: Verb, id: string) => {
    const params = { path: { id } };
    switch (verb) {
      case 'confirm':
        return api.POST('/v1/grant-applications/{id}/confirm', { params });
      case 'reject':
        return api.POST('/v1/grant-applications/{id}/reject', { params, body: {} });
      case 'cancel':
        return api.POST('/v1/grant-applications/{id}/cancel', { params });
      case 'query':
        return api.POST('/v1/grant-applications/{id}/query', { params });
    }
  };
  const button = (verb: Verb, id: string, primary = false) => (
    <Button
      size="small"
      type={primary ? 'primary' : 'default'}
      onClick={() => void run(() => unwrap(call(verb, id)), t(`datasetOps.application_${verb}`))}
    >
      {t(`datasetOps.${verb}`)}
    </Button>
  );

  return (
    <>
      {error && !applying ? <ErrorAlert error={error} /> : null}
      {can('grant:create') ? (
        <Button type="primary" style={{ marginBottom: 12 }} onClick={() => setApplying(true)}>
          {t('datasetOps.apply')}
        </Button>
      ) : null}
      <ActionTable
        query={list}
        emptyText={t('datasetOps.noApplications')}
        columns={[
          { title: t('partners.direction'), render: (_, r) => t(`modelOps.${r.direction}`) },
          {
            title: t('partners.peer'),
            render: (_, r) => (r.direction === 'outgoing' ? r.owner : r.applicant),
          },
          { title: t('datasets.dataset'), render: (_, r) => r.datasetName ?? r.datasetId },
          { title: t('datasets.scope'), dataIndex: 'scope' },
          {
            title: t('datasets.expiresAt'),
            render: (_, r) => (r.expiresAt ? new Date(r.expiresAt).toLocaleString() : '—'),
          },
          { title: t('datasets.uses'), render: (_, r) => r.maxUses ?? '—' },
          { title: t('datasetOps.reason'), dataIndex: 'reason' },
          {
            title: t('common.status'),
            render: (_, r) => (
              <span title={r.statusReason ?? undefined}>
                <StatusTag status={r.status} />
              </span>
            ),
          },
          {
            title: t('common.actions'),
            render: (_, r) =>
              r.status !== 'pending' ? null : r.direction === 'incoming' ? (
                can('grant:answer') ? (
                  <Space size={4}>
                    {button('confirm', r.id, true)}
                    {button('reject', r.id)}
                  </Space>
                ) : null
              ) : (
                <Space size={4}>
                  {button('query', r.id)}
                  {button('cancel', r.id)}
                </Space>
              ),
          },
        ]}
      />
      <FormModal<ApplyForm>
        open={applying}
        title={t('datasetOps.apply')}
        onCancel={() => setApplying(false)}
        action={action}
        onFinish={(v) =>
          void run(
            () =>
              unwrap(
                api.POST('/v1/grant-applications', {
                  body: {
                    owner: v.owner.trim(),
                    dataset: v.dataset.trim(),
                    ...(v.expiresAt ? { expiresAt: v.expiresAt.toISOString() } : {}),
                    ...(v.maxUses ? { maxUses: v.maxUses } : {}),
                    reason: v.reason?.trim() ?? '',
                  },
                }),
              ),
            t('datasetOps.applied'),
          )
        }
      >
        <RequiredText name="owner" label={t('datasets.owner')} extra={t('datasetOps.ownerHelp')} />
        <RequiredText name="dataset" label={t('datasets.dataset')} />
        <Form.Item name="expiresAt" label={t('datasets.expiresAt')}>
          <DatePicker showTime />
        </Form.Item>
        <Form.Item name="maxUses" label={t('datasetOps.maxUses')}>
          <InputNumber min={1} />
        </Form.Item>
        <Form.Item name="reason" label={t('datasetOps.reason')}>
          <Input.TextArea autoSize />
        </Form.Item>
      </FormModal>
    </>
  );
}
