/**
 * One model approval (`fedgrid model approval`) and its sync by approval id (`fedgrid model sync
 * <approval-id>`): ask the approver for the status of an undecided approval this node requested
 * — the fallback for a lost callback. GET /v1/model-approvals/:id, POST …/:id/sync.
 */
import type { ModelApprovalView } from '@fedgrid/api-client';
import { Button, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, unwrap, useApi } from '../api';
import { useAction } from './ActionTable';
import { DetailDrawer, Facts, when } from './DetailDrawer';
import { ErrorAlert, StatusTag } from './QueryView';

export function ApprovalDetail({
  id,
  onClose,
  onChanged,
}: {
  id: string;
  onClose: () => void;
  /** Called after a sync (the lists reload). */
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  const approval = useApi(
    () =>
      unwrap<ModelApprovalView>(api.GET('/v1/model-approvals/{id}', { params: { path: { id } } })),
    [id],
  );
  const action = useAction(() => {
    approval.reload();
    onChanged();
  });
  const a = approval.data;
  return (
    <DetailDrawer
      title={`${t('details.approval')} ${id}`}
      query={approval}
      onClose={onClose}
      extra={
        a?.direction === 'outgoing' && a.status === 'pending' ? (
          <Button
            loading={action.busy}
            onClick={() =>
              void action.run(
                () =>
                  unwrap(api.POST('/v1/model-approvals/{id}/sync', { params: { path: { id } } })),
                t('partnerOps.synced'),
              )
            }
          >
            {t('partnerOps.sync')}
          </Button>
        ) : null
      }
    >
      {(v) => (
        <>
          {action.error ? <ErrorAlert error={action.error} /> : null}
          <Facts
            rows={[
              [t('partners.direction'), t(`modelOps.${v.direction}`)],
              [t('details.model'), `${v.modelName} (${v.modelId})`],
              [t('details.requester'), v.requester],
              [t('details.approver'), v.approver],
              [t('models.job'), v.jobId],
              [t('modelOps.task'), `${v.task} · ${v.party} · ${v.component}`],
              [t('modelOps.algorithm'), v.algorithm],
              [
                t('details.digest'),
                <Typography.Text code copyable style={{ wordBreak: 'break-all' }}>
                  {v.digest}
                </Typography.Text>,
              ],
              [t('details.features'), v.features?.join(', ') ?? '—'],
              [
                t('common.status'),
                <>
                  <StatusTag status={v.status} /> {v.reason ?? ''}
                </>,
              ],
              [t('details.delivery'), v.deliveryError ?? t('details.delivered')],
              [t('common.createdAt'), when(v.createdAt)],
            ]}
          />
        </>
      )}
    </DetailDrawer>
  );
}
