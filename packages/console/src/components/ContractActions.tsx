/**
 * The actions on a contract besides confirm / reject: check the partner's health over the pinned
 * connection, cancel our pending proposal, terminate an active contract, and sync (ask the partner
 * for its copy when a callback was lost).
 */
import { App, Button, Popconfirm, Space } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, asError, unwrap } from '../api';
import { useCan } from '../me';
import type { ContractView } from '../types';

export function ContractActions({
  contract,
  onDone,
}: {
  contract: ContractView;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const can = useCan();
  const [busy, setBusy] = useState(false);
  const params = { path: { id: contract.id } };
  const run = async (fn: () => Promise<unknown>, done: string) => {
    setBusy(true);
    try {
      await fn();
      void message.success(done);
      onDone();
    } catch (e) {
      // A toast with the node's message (the table stays usable).
      void message.error(asError(e).message, 8);
    } finally {
      setBusy(false);
    }
  };
  const active = contract.status === 'active';
  const pendingOut = contract.direction === 'outgoing' && contract.status === 'proposed';
  return (
    <Space size={4} wrap>
      {active ? (
        <Button
          size="small"
          loading={busy}
          onClick={() =>
            void run(
              () => unwrap(api.POST('/v1/contracts/{id}/health', { params })),
              t('partnerOps.healthy'),
            )
          }
        >
          {t('partnerOps.checkHealth')}
        </Button>
      ) : null}
      {can('contract:propose') || can('contract:answer') ? (
        <Button
          size="small"
          loading={busy}
          onClick={() =>
            void run(
              () => unwrap(api.POST('/v1/contracts/{id}/sync', { params })),
              t('partnerOps.synced'),
            )
          }
        >
          {t('partnerOps.sync')}
        </Button>
      ) : null}
      {pendingOut && can('contract:propose') ? (
        <Button
          size="small"
          danger
          loading={busy}
          onClick={() =>
            void run(
              () => unwrap(api.POST('/v1/contracts/{id}/cancel', { params, body: {} })),
              t('partnerOps.cancelled'),
            )
          }
        >
          {t('common.cancel')}
        </Button>
      ) : null}
      {active && can('contract:terminate') ? (
        <Popconfirm
          title={t('partnerOps.terminateConfirm')}
          okText={t('partnerOps.terminate')}
          cancelText={t('common.cancel')}
          onConfirm={() =>
            void run(
              () => unwrap(api.POST('/v1/contracts/{id}/terminate', { params, body: {} })),
              t('partnerOps.terminated'),
            )
          }
        >
          <Button size="small" danger loading={busy}>
            {t('partnerOps.terminate')}
          </Button>
        </Popconfirm>
      ) : null}
    </Space>
  );
}
