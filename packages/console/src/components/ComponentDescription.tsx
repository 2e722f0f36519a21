/**
 * One component's description as the registry answers it (own or a partner's public one): its
 * text, roles, ports and parameter table (name, type, default, description).
 */
import { Space, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';

/** A component as GET /v1/components (and a partner's /v1/partners/:node/components) lists it. */
export interface RegistryComponent {
  code: string;
  version: string;
  engine: string;
  name: string;
  description: string;
  roles: string[];
  inputs: { name: string; kind: string }[];
  outputs: { name: string; kind: string }[];
  params: {
    properties?: Record<string, { type?: string; default?: unknown; description?: string }>;
  };
  visibility: string;
  status: string;
}

export function ComponentDescription({ c }: { c: RegistryComponent }) {
  const { t } = useTranslation();
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Text>{c.description}</Typography.Text>
      <Typography.Text>
        {t('componentsPage.roles')}: {c.roles.join(', ')} · {t('componentsPage.inputs')}:{' '}
        {c.inputs.map((p) => `${p.name} (${p.kind})`).join(', ') || '—'} ·{' '}
        {t('componentsPage.outputs')}:{' '}
        {c.outputs.map((p) => `${p.name} (${p.kind})`).join(', ') || '—'}
      </Typography.Text>
      <Table
        size="small"
        rowKey="name"
        pagination={false}
        dataSource={Object.entries(c.params.properties ?? {}).map(([name, v]) => ({
          name,
          ...v,
        }))}
        locale={{ emptyText: t('common.empty') }}
        columns={[
          { title: t('componentsPage.parameter'), dataIndex: 'name' },
          { title: t('datasets.type'), render: (_, p) => p.type ?? '—' },
          {
            title: t('componentsPage.default'),
            render: (_, p) => (p.default === undefined ? '—' : JSON.stringify(p.default)),
          },
          { title: t('datasets.description'), render: (_, p) => p.description ?? '' },
        ]}
      />
    </Space>
  );
}
