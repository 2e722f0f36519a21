/**
 * Actions on one of this node's datasets: preview its first rows, download it as CSV, read its
 * source again (refresh), enable / disable it for new jobs, grant a partner its use, delete it;
 * and the column statistics shown in its schema table.
 */
import {
  App,
  Button,
  DatePicker,
  Dropdown,
  Form,
  Input,
  InputNumber,
  Modal,
  Popconfirm,
  Space,
  Switch,
  Table,
} from 'antd';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, asError, unwrap } from '../api';
import { useCan } from '../me';
import { getToken } from '../session';
import type { DatasetView } from '../types';
import { DatasetEdit } from './DatasetEdit';
import { ErrorAlert } from './QueryView';

interface Stats {
  min?: number | null;
  max?: number | null;
  mean?: number | null;
  missing?: number;
  categories?: number;
}
const num = (v: number | null | undefined) =>
  v === null || v === undefined || Number.isNaN(v) ? '—' : Number(v.toPrecision(6)).toString();

/**
 * Columns of the schema table: minimum, maximum, mean, missing cells, categories (the node's
 * column summary of each feature; the id and label rows have none).
 */
export function columnStats(t: TFunction) {
  const s = (c: object) => c as Stats;
  return [
    { title: t('datasetOps.min'), render: (_: unknown, c: object) => num(s(c).min) },
    { title: t('datasetOps.max'), render: (_: unknown, c: object) => num(s(c).max) },
    { title: t('datasetOps.mean'), render: (_: unknown, c: object) => num(s(c).mean) },
    { title: t('datasetOps.missing'), render: (_: unknown, c: object) => s(c).missing ?? '—' },
    {
      title: t('datasetOps.categories'),
      render: (_: unknown, c: object) => s(c).categories ?? '—',
    },
  ];
}

interface Preview {
  columns?: string[];
  header?: string[];
  rows: (string | number | null)[][] | Record<string, unknown>[];
}

export function DatasetActions({ dataset, onDone }: { dataset: DatasetView; onDone: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const can = useCan();
  const [preview, setPreview] = useState<Preview>();
  const [granting, setGranting] = useState(false);
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const params = { path: { id: dataset.id } };

  const run = async (fn: () => Promise<unknown>, done?: string) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
      if (done) void message.success(done);
      setGranting(false);
      onDone();
    } catch (e) {
      const err = asError(e);
      setError(err);
      if (!granting) void message.error(err.message, 8);
    } finally {
      setBusy(false);
    }
  };

  const download = async () => {
    // Streamed CSV: a plain fetch with the bearer token, saved through a blob URL.
    const r = await fetch(`/v1/datasets/${encodeURIComponent(dataset.id)}/download`, {
      headers: { authorization: `Bearer ${getToken() ?? ''}` },
    });
    if (!r.ok)
      throw new Error(
        ((await r.json().catch(() => ({}))) as { message?: string }).message ?? `HTTP ${r.status}`,
      );
    const url = URL.createObjectURL(await r.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = `${dataset.name}.csv`;
    a.click();
    URL.revokeObjectURL(url);
  };

  const header = preview?.columns ?? preview?.header ?? [];
  const rows = (preview?.rows ?? []).map((row, i) =>
    Array.isArray(row)
      ? { key: i, ...Object.fromEntries(header.map((h, j) => [h, row[j]])) }
      : { key: i, ...row },
  );
  const keys = header.length ? header : Object.keys(rows[0] ?? {}).filter((k) => k !== 'key');

  return (
    <Space size={4}>
      <Button
        size="small"
        onClick={() =>
          void run(async () =>
            setPreview(await unwrap<Preview>(api.GET('/v1/datasets/{id}/preview', { params }))),
          )
        }
      >
        {t('datasetOps.preview')}
      </Button>
      <Dropdown
        trigger={['click']}
        menu={{
          items: [
            { key: 'download', label: t('datasetOps.download') },
            ...(can('dataset:register')
              ? [
                  { key: 'edit', label: t('datasetEdit.title') },
                  { key: 'refresh', label: t('datasetOps.refresh') },
                  {
                    key: 'toggle',
                    label: dataset.enabled ? t('datasetOps.disable') : t('datasetOps.enable'),
                  },
                ]
              : []),
            ...(can('grant:create') ? [{ key: 'grant', label: t('datasetOps.grant') }] : []),
          ],
          onClick: ({ key }) => {
            if (key === 'download') void run(download);
            if (key === 'edit') setEditing(true);
            if (key === 'refresh')
              void run(
                () => unwrap(api.POST('/v1/datasets/{id}/refresh', { params })),
                t('datasetOps.refreshed'),
              );
            if (key === 'toggle')
              void run(
                () =>
                  unwrap(
                    api.PATCH('/v1/datasets/{id}', { params, body: { enabled: !dataset.enabled } }),
                  ),
                t('common.saved'),
              );
            if (key === 'grant') {
              setError(undefined);
              setGranting(true);
            }
          },
        }}
      >
        <Button size="small" loading={busy}>
          {t('datasetOps.more')}
        </Button>
      </Dropdown>
      {can('dataset:register') ? (
        <Popconfirm
          title={t('datasetOps.deleteConfirm', { name: dataset.name })}
          okText={t('users.delete')}
          cancelText={t('common.cancel')}
          onConfirm={() =>
            void run(
              () => unwrap(api.DELETE('/v1/datasets/{id}', { params })),
              t('datasetOps.deleted'),
            )
          }
        >
          <Button size="small" danger>
            {t('users.delete')}
          </Button>
        </Popconfirm>
      ) : null}
      {editing ? (
        <DatasetEdit
          dataset={dataset}
          onClose={(saved) => {
            setEditing(false);
            if (saved) {
              void message.success(t('common.saved'));
              onDone();
            }
          }}
        />
      ) : null}
      <Modal
        open={preview !== undefined}
        title={`${t('datasetOps.preview')}: ${dataset.name}`}
        onCancel={() => setPreview(undefined)}
        footer={null}
        width={1000}
      >
        <Table
          size="small"
          scroll={{ x: true }}
          pagination={false}
          dataSource={rows}
          columns={keys.map((k) => ({
            title: k,
            dataIndex: k,
            render: (v: unknown) => String(v ?? ''),
          }))}
        />
      </Modal>
      <Modal
        open={granting}
        title={`${t('datasetOps.grant')}: ${dataset.name}`}
        onCancel={() => setGranting(false)}
        footer={null}
        destroyOnHidden
      >
        {error ? <ErrorAlert error={error} /> : null}
        <Form
          layout="vertical"
          onFinish={(v: {
            grantee: string;
            expiresAt?: { toISOString(): string };
            maxUses?: number;
            metered?: boolean;
          }) =>
            void run(
              () =>
                unwrap(
                  api.POST('/v1/grants', {
                    body: {
                      dataset: dataset.id,
                      grantee: v.grantee.trim(),
                      ...(v.expiresAt ? { expiresAt: v.expiresAt.toISOString() } : {}),
                      ...(v.maxUses ? { maxUses: v.maxUses } : {}),
                      ...(v.metered ? { metered: true } : {}),
                    },
                  }),
                ),
              t('datasetOps.granted'),
            )
          }
        >
          <Form.Item
            name="grantee"
            label={t('datasets.grantee')}
            extra={t('datasetOps.granteeHelp')}
            rules={[{ required: true, whitespace: true }]}
          >
            <Input />
          </Form.Item>
          <Form.Item name="expiresAt" label={t('datasets.expiresAt')}>
            <DatePicker showTime />
          </Form.Item>
          <Form.Item name="maxUses" label={t('datasetOps.maxUses')}>
            <InputNumber min={1} />
          </Form.Item>
          <Form.Item name="metered" label={t('datasetOps.metered')} valuePropName="checked">
            <Switch />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy}>
            {t('common.submit')}
          </Button>
        </Form>
      </Modal>
    </Space>
  );
}
