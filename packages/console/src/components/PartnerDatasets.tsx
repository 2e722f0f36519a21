/**
 * A partner's datasets, metadata only: those it lists to partners (GET
 * /v1/partner-datasets/:node, as `fedgrid dataset partner-list`) or those it granted this node,
 * with the grants (GET /v1/partner-datasets/:node/granted, as `granted-to-me`); a row expands to
 * its schema (as `partner-show`).
 */
import { Radio, Select, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap, useApi, type Page } from '../api';
import type { PartnerView } from '../types';
import { QueryView, StatusTag } from './QueryView';

interface PartnerDataset {
  id: string;
  owner: string;
  name: string;
  description: string;
  visibility: string;
  rows: number;
  idColumn: string;
  labelColumn: string | null;
  features: { name: string; type: string }[];
  grants?: { id: string; scope: string; expiresAt: string | null; uses: number; status: string }[];
}

export function PartnerDatasets() {
  const { t } = useTranslation();
  const partners = useApi(
    () =>
      unwrap<Page<PartnerView>>(api.GET('/v1/partners', { params: { query: { pageSize: 1000 } } })),
    [],
  );
  const [node, setNode] = useState<string>();
  const [which, setWhich] = useState<'listed' | 'granted'>('listed');
  const list = useApi(async () => {
    if (!node) return undefined;
    const path = { node };
    return unwrap<{ items: PartnerDataset[]; total: number }>(
      which === 'granted'
        ? api.GET('/v1/partner-datasets/{node}/granted', { params: { path } })
        : api.GET('/v1/partner-datasets/{node}', { params: { path } }),
    );
  }, [node, which]);

  return (
    <>
      <Space style={{ marginBottom: 8 }} wrap>
        <Select
          aria-label={t('partnerDatasets.partner')}
          placeholder={t('partnerDatasets.partner')}
          style={{ width: 280 }}
          loading={partners.loading}
          value={node}
          onChange={setNode}
          options={(partners.data?.items ?? []).map((p) => ({
            value: p.nodeId,
            label: `${p.name} (${p.nodeId})`,
          }))}
        />
        <Radio.Group
          value={which}
          onChange={(e) => setWhich(e.target.value as 'listed' | 'granted')}
          options={[
            { value: 'listed', label: t('partnerDatasets.listed') },
            { value: 'granted', label: t('partnerDatasets.granted') },
          ]}
        />
      </Space>
      {!node ? (
        <Typography.Paragraph type="secondary">{t('partnerDatasets.pick')}</Typography.Paragraph>
      ) : (
        <QueryView query={list} isEmpty={(d) => !d || d.items.length === 0}>
          {(d) => (
            <Table
              size="small"
              rowKey="id"
              dataSource={d?.items ?? []}
              pagination={{ pageSize: 20, hideOnSinglePage: true }}
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
                    ]}
                    columns={[
                      { title: t('datasets.column'), dataIndex: 'name' },
                      { title: t('datasets.type'), dataIndex: 'type' },
                    ]}
                  />
                ),
              }}
              columns={[
                { title: t('datasets.name'), dataIndex: 'name' },
                { title: t('common.id'), dataIndex: 'id' },
                { title: t('datasets.description'), dataIndex: 'description' },
                { title: t('datasets.visibility'), dataIndex: 'visibility' },
                { title: t('datasets.rows'), dataIndex: 'rows' },
                { title: t('datasets.features'), render: (_, r) => r.features.length },
                { title: t('datasets.labelColumn'), render: (_, r) => r.labelColumn ?? '—' },
                {
                  title: t('partnerDatasets.grants'),
                  render: (_, r) =>
                    r.grants?.length ? (
                      <Space size={4} wrap>
                        {r.grants.map((g) => (
                          <span key={g.id}>
                            {g.scope} <StatusTag status={g.status} />
                          </span>
                        ))}
                      </Space>
                    ) : (
                      '—'
                    ),
                },
              ]}
            />
          )}
        </QueryView>
      )}
    </>
  );
}
