/** Jobs, newest first, filtered by status and text; refreshed every 5 s. */
import { Card, Input, Select, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, unwrap, useApi, type Page } from '../api';
import { QueryView, StatusTag } from '../components/QueryView';
import type { JobView } from '../types';

const STATUSES = ['pending', 'running', 'succeeded', 'failed', 'stopped'];

export default function Jobs() {
  const { t } = useTranslation();
  const [status, setStatus] = useState<string>();
  const [q, setQ] = useState('');
  const jobs = useApi(
    () =>
      unwrap<Page<JobView>>(
        api.GET('/v1/jobs', {
          params: { query: { pageSize: 200, ...(status ? { status } : {}), ...(q ? { q } : {}) } },
        }),
      ),
    [status, q],
    5000,
  );
  return (
    <>
      <Typography.Title level={2}>{t('jobs.title')}</Typography.Title>
      <Card>
        <Space style={{ marginBottom: 16 }}>
          <Select
            aria-label={t('jobs.filterStatus')}
            allowClear
            placeholder={t('jobs.allStatuses')}
            style={{ width: 180 }}
            value={status}
            onChange={(v?: string) => setStatus(v)}
            options={STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))}
          />
          <Input.Search
            aria-label={t('jobs.filterText')}
            placeholder={t('jobs.filterText')}
            allowClear
            onSearch={(v) => setQ(v.trim())}
            style={{ width: 280 }}
          />
        </Space>
        <QueryView query={jobs} isEmpty={(j) => j.items.length === 0}>
          {(j) => (
            <Table
              size="small"
              rowKey="id"
              dataSource={j.items}
              pagination={{ pageSize: 20, hideOnSinglePage: true }}
              columns={[
                {
                  title: t('common.name'),
                  render: (_, r) => <Link to={`/jobs/${r.id}`}>{r.name || r.id}</Link>,
                },
                { title: t('jobs.initiator'), dataIndex: 'initiator' },
                { title: t('common.status'), render: (_, r) => <StatusTag status={r.status} /> },
                {
                  title: t('jobs.tasks'),
                  render: (_, r) =>
                    `${r.tasks.filter((x) => x.status === 'succeeded').length} / ${r.tasks.length}`,
                },
                {
                  title: t('common.createdAt'),
                  render: (_, r) => new Date(r.createdAt).toLocaleString(),
                },
              ]}
            />
          )}
        </QueryView>
      </Card>
    </>
  );
}
