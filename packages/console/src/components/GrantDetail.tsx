/**
 * One grant given by this node (`fedgrid grant show` with `grant usage`): grantee, dataset,
 * scope, terms, uses, state, and where it was used (jobs, tasks, parties, rows read).
 * GET /v1/grants/:id and GET /v1/grants/:id/usage.
 */
import { Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, unwrap, useApi } from '../api';
import type { GrantView } from '../types';
import { DetailDrawer, Facts, when } from './DetailDrawer';
import { GrantUsageTable } from './GrantUsage';
import { StatusTag } from './QueryView';

interface GrantDetailView extends GrantView {
  jobId: string | null;
  projectId: string | null;
  maxUses: number | null;
  metered: boolean;
  applicationId: string | null;
  notice: { status: string; error: string | null };
  createdAt: string;
  revokedAt: string | null;
  revokeReason: string | null;
}

export function GrantDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const { t } = useTranslation();
  const grant = useApi(
    () => unwrap<GrantDetailView>(api.GET('/v1/grants/{id}', { params: { path: { id } } })),
    [id],
  );
  return (
    <DetailDrawer title={`${t('details.grant')} ${id}`} query={grant} onClose={onClose}>
      {(g) => (
        <>
          <Facts
            rows={[
              [t('datasets.grantee'), g.grantee ?? '—'],
              [
                t('datasets.dataset'),
                g.datasetName ? `${g.datasetName} (${g.datasetId})` : g.datasetId,
              ],
              [
                t('datasets.scope'),
                `${g.scope}${g.jobId ? ` · ${g.jobId}` : ''}${g.projectId ? ` · ${g.projectId}` : ''}`,
              ],
              [t('datasets.expiresAt'), when(g.expiresAt)],
              [t('datasetOps.maxUses'), g.maxUses ?? '—'],
              [
                t('datasets.uses'),
                `${g.uses ?? 0}${g.metered ? ` (${t('details.metered')})` : ''}`,
              ],
              [
                t('common.status'),
                <>
                  <StatusTag status={g.status} />{' '}
                  {g.revokedAt ? `${when(g.revokedAt)} ${g.revokeReason ?? ''}` : ''}
                </>,
              ],
              [t('details.application'), g.applicationId ?? '—'],
              [
                t('details.notice'),
                `${g.notice.status}${g.notice.error ? ` · ${g.notice.error}` : ''}`,
              ],
              [t('common.createdAt'), when(g.createdAt)],
            ]}
          />
          <Typography.Title level={3} style={{ fontSize: 16, marginTop: 16 }}>
            {t('grantUsage.title')}
          </Typography.Title>
          <GrantUsageTable grantId={id} />
        </>
      )}
    </DetailDrawer>
  );
}
