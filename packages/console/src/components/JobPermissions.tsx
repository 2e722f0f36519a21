/**
 * Partners' ad-hoc job permissions (`fedgrid permission …`): which partner may start jobs here
 * without an approved flow, in which roles, with which components and datasets, until when.
 * GET/POST /v1/job-permissions, POST /v1/job-permissions/:id/revoke.
 */
import { App, Button, DatePicker, Form, Input, Select, Space } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, asError, unwrap, useApi, type Page } from '../api';
import type { PartnerView } from '../types';
import { ActionTable, FormModal, useAction } from './ActionTable';
import { StatusTag } from './QueryView';

/** One row of GET /v1/job-permissions. */
interface JobPermissionView {
  id: string;
  partner: string;
  roles: string[];
  components: string[];
  datasets: string[] | null;
  expiresAt: string | null;
  status: string;
  note: string;
  createdAt: string;
}

interface CreateForm {
  partner: string;
  roles: (typeof ROLES)[number][];
  components: string[];
  datasets?: string[];
  expiresAt?: { toISOString(): string };
  note?: string;
}

const ROLES = ['host', 'arbiter', 'edge', 'guest'] as const;

export function JobPermissions() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const list = useApi(
    () => unwrap<{ items: JobPermissionView[] }>(api.GET('/v1/job-permissions', {})),
    [],
  );
  const partners = useApi(
    () =>
      unwrap<Page<PartnerView>>(api.GET('/v1/partners', { params: { query: { pageSize: 1000 } } })),
    [],
  );
  const components = useApi(
    () =>
      unwrap<{ items: { code: string }[] }>(
        api.GET('/v1/components', { params: { query: { pageSize: 1000 } } }),
      ),
    [],
  );
  const [open, setOpen] = useState(false);
  const action = useAction(() => {
    setOpen(false);
    list.reload();
  });
  const create = (v: CreateForm) =>
    action.run(
      () =>
        unwrap(
          api.POST('/v1/job-permissions', {
            body: {
              partner: v.partner,
              roles: v.roles,
              components: v.components,
              ...(v.datasets?.length ? { datasets: v.datasets } : {}),
              ...(v.expiresAt ? { expiresAt: v.expiresAt.toISOString() } : {}),
              ...(v.note?.trim() ? { note: v.note.trim() } : {}),
            },
          }),
        ),
      t('permissions.created'),
    );
  const revoke = async (id: string) => {
    try {
      await unwrap(api.POST('/v1/job-permissions/{id}/revoke', { params: { path: { id } } }));
      void message.success(t('permissions.revoked'));
      list.reload();
    } catch (e) {
      void message.error(asError(e).message, 8);
    }
  };
  const codes = [...new Set((components.data?.items ?? []).map((c) => c.code))].sort();

  return (
    <>
      <Space style={{ marginBottom: 8 }}>
        <Button onClick={() => setOpen(true)}>{t('permissions.create')}</Button>
      </Space>
      <ActionTable
        query={list}
        columns={[
          { title: t('permissions.partner'), dataIndex: 'partner' },
          { title: t('permissions.roles'), render: (_, r) => r.roles.join(', ') },
          { title: t('permissions.components'), render: (_, r) => r.components.join(', ') },
          {
            title: t('permissions.datasets'),
            render: (_, r) => r.datasets?.join(', ') ?? t('permissions.anyGranted'),
          },
          {
            title: t('datasets.expiresAt'),
            render: (_, r) => (r.expiresAt ? new Date(r.expiresAt).toLocaleString() : '—'),
          },
          { title: t('permissions.note'), dataIndex: 'note' },
          { title: t('common.status'), render: (_, r) => <StatusTag status={r.status} /> },
          {
            title: t('common.actions'),
            render: (_, r) =>
              r.status === 'active' ? (
                <Button size="small" danger onClick={() => void revoke(r.id)}>
                  {t('datasetOps.revoke')}
                </Button>
              ) : null,
          },
        ]}
      />
      <FormModal<CreateForm>
        open={open}
        title={t('permissions.create')}
        onCancel={() => setOpen(false)}
        action={action}
        onFinish={(v) => void create(v)}
      >
        <Form.Item name="partner" label={t('permissions.partner')} rules={[{ required: true }]}>
          <Select
            loading={partners.loading}
            options={(partners.data?.items ?? []).map((p) => ({
              value: p.nodeId,
              label: `${p.name} (${p.nodeId})`,
            }))}
          />
        </Form.Item>
        <Form.Item name="roles" label={t('permissions.roles')} rules={[{ required: true }]}>
          <Select mode="multiple" options={ROLES.map((r) => ({ value: r, label: r }))} />
        </Form.Item>
        <Form.Item
          name="components"
          label={t('permissions.components')}
          rules={[{ required: true }]}
        >
          <Select
            mode="multiple"
            loading={components.loading}
            options={codes.map((c) => ({ value: c, label: c }))}
          />
        </Form.Item>
        <Form.Item
          name="datasets"
          label={t('permissions.datasets')}
          extra={t('permissions.datasetsHelp')}
        >
          <Select mode="tags" open={false} />
        </Form.Item>
        <Form.Item name="expiresAt" label={t('datasets.expiresAt')}>
          <DatePicker showTime />
        </Form.Item>
        <Form.Item name="note" label={t('permissions.note')}>
          <Input />
        </Form.Item>
      </FormModal>
    </>
  );
}
