/**
 * Where a grant given was used (GET /v1/grants/:id/usage, as `fedgrid grant usage`): each job,
 * task and party that read the dataset under it, with the rows read.
 */
import { Modal, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, unwrap, useApi } from '../api';
import { PAGED } from './ActionTable';
import { QueryView } from './QueryView';

interface Usage {
  jobId: string;
  task: string | null;
  party: string | null;
  event: string;
  rows: number;
  at: string;
}

/** The uses table and totals of one grant given (GET /v1/grants/:id/usage). */
export function GrantUsageTable({ grantId }: { grantId: string }) {
  const { t } = useTranslation();
  const usage = useApi(
    () =>
      unwrap<{ items: Usage[]; total: number; rows: number }>(
        api.GET('/v1/grants/{id}/usage', { params: { path: { id: grantId } } }),
      ),
    [grantId],
  );
  return (
    <QueryView query={usage} isEmpty={(u) => u.items.length === 0} emptyText={t('grantUsage.none')}>
      {(u) => (
        <>
          <Table
            size="small"
            rowKey={(r) => `${r.jobId}/${r.task ?? ''}/${r.party ?? ''}/${r.event}/${r.at}`}
            dataSource={u.items}
            pagination={PAGED}
            columns={[
              { title: t('dashboard.at'), render: (_, r) => new Date(r.at).toLocaleString() },
              {
                title: t('grantUsage.job'),
                render: (_, r) => <Link to={`/jobs/${r.jobId}`}>{r.jobId}</Link>,
              },
              { title: t('results.task'), render: (_, r) => r.task ?? '—' },
              { title: t('jobOps.party'), render: (_, r) => r.party ?? '—' },
              { title: t('jobs.kind'), dataIndex: 'event' },
              { title: t('datasets.rows'), dataIndex: 'rows' },
            ]}
          />
          <Typography.Text type="secondary">
            {t('grantUsage.total', { uses: u.total, rows: u.rows })}
          </Typography.Text>
        </>
      )}
    </QueryView>
  );
}

export function GrantUsage({ grantId, onClose }: { grantId: string; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal open width={900} title={t('grantUsage.title')} onCancel={onClose} footer={null}>
      <GrantUsageTable grantId={grantId} />
    </Modal>
  );
}
