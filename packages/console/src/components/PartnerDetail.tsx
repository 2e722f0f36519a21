/**
 * One partner (`fedgrid partner show`): what this node holds of it — node card, certificate
 * fingerprint in full, contract, health, whether it holds our current node card — and its node
 * card as it answers now; and the components it offers (`fedgrid component partner-list`, a row
 * expands to the description `partner-show` gives). GET /v1/partners/:nodeId and
 * GET /v1/partners/:node/components over the pinned connection.
 */
import { Input, Tabs, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap, useApi } from '../api';
import type { PartnerView } from '../types';
import { ActionTable } from './ActionTable';
import { ComponentDescription, type RegistryComponent } from './ComponentDescription';
import { DetailDrawer, Facts, Fingerprint, when } from './DetailDrawer';
import { StatusTag } from './QueryView';

/** GET /v1/partners/:nodeId: the partner list's row plus its live node card. */
interface PartnerDetailView extends PartnerView {
  description: string | null;
  dataAddress: string;
  lastHealthAt: string | null;
  nodeInfo: { current: boolean; syncedAt: string | null; error: string | null };
  live: { name: string; apiUrl: string; description?: string } | null;
  liveError: string | null;
}

/** The components a partner offers (public ones), searchable, each row expandable. */
export function PartnerComponents({ nodeId }: { nodeId: string }) {
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const list = useApi(
    () =>
      unwrap<{ items: RegistryComponent[] }>(
        api.GET('/v1/partners/{node}/components', {
          params: { path: { node: nodeId }, query: { pageSize: 1000, ...(q ? { q } : {}) } },
        }),
      ),
    [nodeId, q],
  );
  return (
    <>
      <Input.Search
        aria-label={t('componentsPage.search')}
        placeholder={t('componentsPage.search')}
        allowClear
        onSearch={(v) => setQ(v.trim())}
        style={{ width: 260, marginBottom: 8 }}
      />
      <ActionTable
        query={list}
        emptyText={t('details.noComponents')}
        rowKey={(r) => `${r.code}@${r.version}`}
        expandable={{ expandedRowRender: (r) => <ComponentDescription c={r} /> }}
        columns={[
          { title: t('componentsPage.code'), dataIndex: 'code' },
          { title: t('datasets.version'), dataIndex: 'version' },
          { title: t('common.name'), dataIndex: 'name' },
          { title: t('componentsPage.engine'), dataIndex: 'engine' },
        ]}
      />
    </>
  );
}

export function PartnerDetail({ nodeId, onClose }: { nodeId: string; onClose: () => void }) {
  const { t } = useTranslation();
  const partner = useApi(
    () =>
      unwrap<PartnerDetailView>(api.GET('/v1/partners/{nodeId}', { params: { path: { nodeId } } })),
    [nodeId],
  );
  return (
    <DetailDrawer title={`${t('details.partner')} ${nodeId}`} query={partner} onClose={onClose}>
      {(p) => (
        <Tabs
          items={[
            {
              key: 'overview',
              label: t('details.overview'),
              children: (
                <Facts
                  rows={[
                    [t('common.name'), `${p.name} (${p.nodeId})`],
                    [t('datasets.description'), p.description ?? '—'],
                    [t('partners.apiUrl'), p.apiUrl],
                    [t('details.dataAddress'), p.dataAddress],
                    [t('partners.theirFingerprint'), <Fingerprint value={p.fingerprint} />],
                    [
                      t('details.contract'),
                      <>
                        <StatusTag status={p.contract.status} /> {p.contract.id} ·{' '}
                        {t('partners.validUntil')} {when(p.contract.validUntil)}
                      </>,
                    ],
                    [
                      t('partners.health'),
                      <span title={p.lastHealthError ?? undefined}>
                        <StatusTag status={p.lastHealthyAt && !p.lastHealthError ? 'up' : 'down'} />
                        {p.lastHealthError ?? ''}
                      </span>,
                    ],
                    [t('partners.lastHealthy'), when(p.lastHealthyAt)],
                    [t('details.lastChecked'), when(p.lastHealthAt)],
                    [
                      t('details.nodeInfo'),
                      p.nodeInfo.current
                        ? t('details.nodeInfoCurrent', { at: when(p.nodeInfo.syncedAt) })
                        : t('details.nodeInfoStale', { error: p.nodeInfo.error ?? '—' }),
                    ],
                    [
                      t('details.live'),
                      p.live ? (
                        t('details.answersAs', { name: p.live.name, url: p.live.apiUrl })
                      ) : (
                        <Typography.Text type="danger">
                          {t('details.noAnswer', { error: p.liveError ?? '' })}
                        </Typography.Text>
                      ),
                    ],
                  ]}
                />
              ),
            },
            {
              key: 'components',
              label: t('details.components'),
              children: <PartnerComponents nodeId={p.nodeId} />,
            },
          ]}
        />
      )}
    </DetailDrawer>
  );
}
