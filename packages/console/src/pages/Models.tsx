/** The model parts this node holds (list only this session; versions and approvals follow). */
import { Card, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, unwrap, useApi, type Page } from '../api';
import { QueryView, StatusTag } from '../components/QueryView';
import type { ModelView } from '../types';

export default function Models() {
  const { t } = useTranslation();
  const models = useApi(
    () => unwrap<Page<ModelView>>(api.GET('/v1/models', { params: { query: { pageSize: 200 } } })),
    [],
  );
  return (
    <>
      <Typography.Title level={2}>{t('models.title')}</Typography.Title>
      <Card title={t('models.models')}>
        <QueryView
          query={models}
          isEmpty={(m) => m.items.length === 0}
          emptyText={t('models.noModels')}
        >
          {(m) => (
            <Table
              size="small"
              rowKey="id"
              dataSource={m.items}
              columns={[
                { title: t('common.name'), render: (_, r) => r.name ?? r.id },
                { title: t('models.version'), render: (_, r) => r.version ?? '—' },
                {
                  title: t('models.job'),
                  render: (_, r) => {
                    const job = r.jobId ?? r.job_id;
                    return job ? <Link to={`/jobs/${job}`}>{job}</Link> : '—';
                  },
                },
                { title: t('common.status'), render: (_, r) => <StatusTag status={r.status} /> },
              ]}
            />
          )}
        </QueryView>
      </Card>
    </>
  );
}
