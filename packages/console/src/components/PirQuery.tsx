/**
 * Keyword private information retrieval against a partner's PIR-enabled dataset (POST
 * /v1/pir/query, as `fedgrid pir query`; docs/protocols/pir.md "Online queries"): this node
 * blinds the keys, so the partner learns how many were asked, not which. Shows each key's label
 * columns or "not found".
 */
import { Button, Form, Input, Select, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, asError, unwrap, useApi, type Page } from '../api';
import type { PartnerView } from '../types';
import { ErrorAlert } from './QueryView';

interface PirQueryOutput {
  partner: string;
  dataset: string;
  columns: string[];
  serverRows: number;
  results: { key: string; found: boolean; values?: Record<string, number> }[];
}
interface QueryForm {
  partner: string;
  dataset: string;
  keys: string;
}

export function PirQuery() {
  const { t } = useTranslation();
  const partners = useApi(
    () =>
      unwrap<Page<PartnerView>>(api.GET('/v1/partners', { params: { query: { pageSize: 1000 } } })),
    [],
  );
  const [out, setOut] = useState<PirQueryOutput>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const query = async (v: QueryForm) => {
    setBusy(true);
    setError(undefined);
    try {
      const keys = v.keys
        .split(/[\n,]/)
        .map((k) => k.trim())
        .filter(Boolean);
      if (!keys.length) throw new Error(t('pir.noKeys'));
      setOut(
        await unwrap<PirQueryOutput>(
          api.POST('/v1/pir/query', {
            body: { partner: v.partner, dataset: v.dataset.trim(), keys },
          }),
        ),
      );
    } catch (e) {
      setOut(undefined);
      setError(asError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Typography.Paragraph type="secondary">{t('pir.help')}</Typography.Paragraph>
      {error ? <ErrorAlert error={error} /> : null}
      <Form<QueryForm> layout="inline" onFinish={(v) => void query(v)} style={{ rowGap: 8 }}>
        <Form.Item name="partner" label={t('partnerDatasets.partner')} rules={[{ required: true }]}>
          <Select
            style={{ width: 240 }}
            loading={partners.loading}
            options={(partners.data?.items ?? []).map((p) => ({
              value: p.nodeId,
              label: `${p.name} (${p.nodeId})`,
            }))}
          />
        </Form.Item>
        <Form.Item name="dataset" label={t('datasets.dataset')} rules={[{ required: true }]}>
          <Input style={{ width: 220 }} />
        </Form.Item>
        <Form.Item name="keys" label={t('pir.keys')} rules={[{ required: true }]}>
          <Input.TextArea autoSize style={{ width: 260 }} placeholder={t('pir.keysHelp')} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={busy}>
          {t('pir.query')}
        </Button>
      </Form>
      {out ? (
        <>
          <Table
            style={{ marginTop: 12 }}
            size="small"
            rowKey="key"
            pagination={{ pageSize: 50, hideOnSinglePage: true }}
            dataSource={out.results}
            columns={[
              { title: t('pir.key'), dataIndex: 'key' },
              ...out.columns.map((c) => ({
                title: c,
                render: (_: unknown, r: PirQueryOutput['results'][number]) =>
                  r.found ? String(r.values?.[c] ?? '') : t('pir.notFound'),
              })),
            ]}
          />
          <Typography.Text type="secondary">
            {t('pir.summary', {
              found: out.results.filter((r) => r.found).length,
              total: out.results.length,
              rows: out.serverRows,
            })}
          </Typography.Text>
        </>
      ) : null}
    </>
  );
}
