/** Own datasets (register a CSV by path), grants given and grants received. */
import { App, Button, Card, Form, Input, Modal, Space, Table, Tabs, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, asError, unwrap, useApi, type Page } from '../api';
import { DatasetActions, columnStats } from '../components/DatasetActions';
import { DatasetUpload } from '../components/DatasetUpload';
import { GrantApplications } from '../components/GrantApplications';
import { GrantDetail } from '../components/GrantDetail';
import { GrantUsage } from '../components/GrantUsage';
import { PartnerDatasets } from '../components/PartnerDatasets';
import { PirQuery } from '../components/PirQuery';
import { ErrorAlert, QueryView, StatusTag } from '../components/QueryView';
import type { DatasetView, GrantView } from '../types';
import { DatasetDescriptionFields } from '../components/DatasetFields';

interface RegisterForm {
  name: string;
  path: string;
  idColumn?: string;
  labelColumn?: string;
  description?: string;
  visibility: 'private' | 'partners' | 'public';
}

export default function Datasets() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const datasets = useApi(
    () =>
      unwrap<Page<DatasetView>>(api.GET('/v1/datasets', { params: { query: { pageSize: 1000 } } })),
    [],
  );
  const given = useApi(
    () => unwrap<Page<GrantView>>(api.GET('/v1/grants', { params: { query: { pageSize: 1000 } } })),
    [],
  );
  const received = useApi(
    () =>
      unwrap<Page<GrantView>>(
        api.GET('/v1/grants/received', { params: { query: { pageSize: 1000 } } }),
      ),
    [],
  );
  const [open, setOpen] = useState(false);
  const [uploading, setUploading] = useState(false);
  const [usageOf, setUsageOf] = useState<string>();
  const [showingGrant, setShowingGrant] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();

  const register = async (v: RegisterForm) => {
    setBusy(true);
    setError(undefined);
    try {
      await unwrap(
        api.POST('/v1/datasets', {
          body: {
            name: v.name.trim(),
            path: v.path.trim(),
            visibility: v.visibility,
            ...(v.idColumn?.trim() ? { idColumn: v.idColumn.trim() } : {}),
            ...(v.labelColumn?.trim() ? { labelColumn: v.labelColumn.trim() } : {}),
            ...(v.description?.trim() ? { description: v.description.trim() } : {}),
          },
        }),
      );
      void message.success(t('datasets.registered'));
      setOpen(false);
      datasets.reload();
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(false);
    }
  };

  const grantAction = async (fn: () => Promise<unknown>, done: string) => {
    try {
      await fn();
      void message.success(done);
      given.reload();
    } catch (e) {
      void message.error(asError(e).message, 8);
    }
  };
  const grantActions = (_: unknown, r: GrantView) => (
    <Space size={4}>
      <Button size="small" onClick={() => setShowingGrant(r.id)}>
        {t('details.details')}
      </Button>
      <Button size="small" onClick={() => setUsageOf(r.id)}>
        {t('grantUsage.open')}
      </Button>
      {r.status === 'active' ? activeGrantActions(r) : null}
    </Space>
  );
  const syncReceived = async (owner: string) => {
    try {
      await unwrap(api.POST('/v1/grants/received/sync', { body: { owner } }));
      void message.success(t('grantUsage.synced'));
      received.reload();
    } catch (e) {
      void message.error(asError(e).message, 8);
    }
  };
  const receivedActions = (_: unknown, r: GrantView) =>
    r.owner ? (
      <Button size="small" onClick={() => void syncReceived(r.owner!)}>
        {t('grantUsage.sync')}
      </Button>
    ) : null;
  const activeGrantActions = (r: GrantView) => (
    <Space size={4}>
      <Button
        size="small"
        onClick={() =>
          void grantAction(
            () => unwrap(api.POST('/v1/grants/{id}/notify', { params: { path: { id: r.id } } })),
            t('datasetOps.notified'),
          )
        }
      >
        {t('datasetOps.notify')}
      </Button>
      <Button
        size="small"
        danger
        onClick={() =>
          void grantAction(
            () =>
              unwrap(
                api.POST('/v1/grants/{id}/revoke', { params: { path: { id: r.id } }, body: {} }),
              ),
            t('datasetOps.revoked'),
          )
        }
      >
        {t('datasetOps.revoke')}
      </Button>
    </Space>
  );

  const grantColumns = (who: 'grantee' | 'owner') => [
    {
      title: t(`datasets.${who}`),
      render: (_: unknown, r: GrantView) => (who === 'grantee' ? r.grantee : r.owner) ?? '',
    },
    {
      title: t('datasets.dataset'),
      render: (_: unknown, r: GrantView) => r.datasetName ?? r.datasetId,
    },
    { title: t('datasets.scope'), dataIndex: 'scope' },
    { title: t('datasets.uses'), render: (_: unknown, r: GrantView) => r.uses ?? '—' },
    {
      title: t('datasets.expiresAt'),
      render: (_: unknown, r: GrantView) =>
        r.expiresAt ? new Date(r.expiresAt).toLocaleString() : '—',
    },
    {
      title: t('common.status'),
      render: (_: unknown, r: GrantView) => <StatusTag status={r.status} />,
    },
    {
      title: t('common.actions'),
      render: who === 'grantee' ? grantActions : receivedActions,
    },
  ];

  return (
    <>
      <Typography.Title level={2}>{t('datasets.title')}</Typography.Title>
      <Tabs
        items={[
          {
            key: 'own',
            label: t('datasets.own'),
            children: (
              <Card
                extra={
                  <Space>
                    <Button type="primary" onClick={() => setUploading(true)}>
                      {t('datasetUpload.open')}
                    </Button>
                    <Button onClick={() => setOpen(true)}>{t('datasets.register')}</Button>
                  </Space>
                }
              >
                <QueryView query={datasets} isEmpty={(d) => d.items.length === 0}>
                  {(d) => (
                    <Table
                      size="small"
                      rowKey="id"
                      dataSource={d.items}
                      pagination={{ pageSize: 20, hideOnSinglePage: true }}
                      // The schema with the data dictionary (what partners see of it too).
                      expandable={{
                        expandedRowRender: (r) => (
                          <Table
                            size="small"
                            rowKey="name"
                            pagination={false}
                            dataSource={[
                              { name: r.idColumn, type: 'id' },
                              ...(r.labelColumn ? [{ name: r.labelColumn, type: 'label' }] : []),
                              ...r.features,
                            ].map((c) => ({ ...c, ...r.dictionary?.[c.name] }))}
                            columns={[
                              { title: t('datasets.column'), dataIndex: 'name' },
                              { title: t('datasets.type'), dataIndex: 'type' },
                              { title: t('datasets.description'), dataIndex: 'description' },
                              { title: t('datasets.unit'), dataIndex: 'unit' },
                              {
                                title: t('datasets.values'),
                                render: (_, c: { values?: string[] }) => c.values?.join(', ') ?? '',
                              },
                              ...columnStats(t),
                            ]}
                          />
                        ),
                      }}
                      columns={[
                        { title: t('datasets.name'), dataIndex: 'name' },
                        { title: t('datasets.rows'), dataIndex: 'rows' },
                        {
                          title: t('datasets.features'),
                          render: (_, r) => r.features?.length ?? 0,
                        },
                        {
                          title: t('datasets.labelColumn'),
                          render: (_, r) => r.labelColumn ?? '—',
                        },
                        { title: t('datasets.visibility'), dataIndex: 'visibility' },
                        { title: t('datasets.version'), dataIndex: 'version' },
                        {
                          title: t('datasets.enabled'),
                          render: (_, r) =>
                            r.enabled ? t('datasets.enabled') : t('datasets.disabled'),
                        },
                        {
                          title: t('common.createdAt'),
                          render: (_, r) => new Date(r.createdAt).toLocaleString(),
                        },
                        {
                          title: t('common.actions'),
                          render: (_, r) => <DatasetActions dataset={r} onDone={datasets.reload} />,
                        },
                      ]}
                    />
                  )}
                </QueryView>
              </Card>
            ),
          },
          {
            key: 'given',
            label: t('datasets.grantsGiven'),
            children: (
              <QueryView query={given} isEmpty={(g) => g.items.length === 0}>
                {(g) => (
                  <Table
                    size="small"
                    rowKey="id"
                    dataSource={g.items}
                    columns={grantColumns('grantee')}
                  />
                )}
              </QueryView>
            ),
          },
          {
            key: 'received',
            label: t('datasets.grantsReceived'),
            children: (
              <QueryView query={received} isEmpty={(g) => g.items.length === 0}>
                {(g) => (
                  <Table
                    size="small"
                    rowKey="id"
                    dataSource={g.items}
                    columns={grantColumns('owner')}
                  />
                )}
              </QueryView>
            ),
          },
          {
            key: 'partner',
            label: t('partnerDatasets.title'),
            children: <PartnerDatasets />,
          },
          { key: 'pir', label: t('pir.title'), children: <PirQuery /> },
          {
            key: 'applications',
            label: t('datasetOps.applications'),
            children: <GrantApplications />,
          },
        ]}
      />
      {usageOf ? <GrantUsage grantId={usageOf} onClose={() => setUsageOf(undefined)} /> : null}
      {showingGrant ? (
        <GrantDetail id={showingGrant} onClose={() => setShowingGrant(undefined)} />
      ) : null}
      <DatasetUpload
        open={uploading}
        onClose={(done) => {
          setUploading(false);
          if (done) {
            void message.success(t('datasetUpload.done'));
            datasets.reload();
          }
        }}
      />
      <Modal
        open={open}
        title={t('datasets.registerTitle')}
        onCancel={() => setOpen(false)}
        footer={null}
        destroyOnHidden
      >
        {error ? <ErrorAlert error={error} /> : null}
        <Form<RegisterForm>
          layout="vertical"
          initialValues={{ visibility: 'private', idColumn: 'id' }}
          onFinish={(v) => void register(v)}
        >
          <Form.Item
            name="name"
            label={t('datasets.name')}
            extra={t('datasets.nameHelp')}
            rules={[{ required: true, pattern: /^[A-Za-z0-9._-]{1,100}$/ }]}
          >
            <Input />
          </Form.Item>
          <Form.Item
            name="path"
            label={t('datasets.path')}
            extra={t('datasets.pathHelp')}
            rules={[{ required: true }]}
          >
            <Input />
          </Form.Item>
          <Form.Item name="idColumn" label={t('datasets.idColumn')}>
            <Input />
          </Form.Item>
          <Form.Item name="labelColumn" label={t('datasets.labelColumn')}>
            <Input />
          </Form.Item>
          <DatasetDescriptionFields />
          <Button type="primary" htmlType="submit" loading={busy}>
            {t('common.submit')}
          </Button>
        </Form>
      </Modal>
    </>
  );
}
