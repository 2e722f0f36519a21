/**
 * One contract (`fedgrid contract show`): both certificate fingerprints in full (the partner's,
 * pinned by the contract, and this node's), the crypto suite agreed, state, validity, the
 * contract it replaces, the partner's last health check; the contract's actions (check health,
 * sync, cancel, terminate). GET /v1/contracts/:id, GET /v1/node, GET /v1/partners.
 */
import { useTranslation } from 'react-i18next';
import { api, unwrap, useApi, type Page } from '../api';
import type { ContractView, NodeView, PartnerView } from '../types';
import { ContractActions } from './ContractActions';
import { DetailDrawer, Facts, Fingerprint, when } from './DetailDrawer';
import { StatusTag } from './QueryView';

interface ContractDetailView extends ContractView {
  peer: ContractView['peer'] & { dataAddress: string };
  description: string;
  authMethod: string;
  replaces: { id: string; status: string | null; fingerprint: string | null } | null;
  suite: string;
}

export function ContractDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const { t } = useTranslation();
  const contract = useApi(
    () => unwrap<ContractDetailView>(api.GET('/v1/contracts/{id}', { params: { path: { id } } })),
    [id],
  );
  const node = useApi(() => unwrap<NodeView>(api.GET('/v1/node')), []);
  const partners = useApi(
    () =>
      unwrap<Page<PartnerView>>(api.GET('/v1/partners', { params: { query: { pageSize: 1000 } } })),
    [],
  );
  const health = partners.data?.items.find((p) => p.contract.id === id);
  const reload = () => {
    contract.reload();
    partners.reload();
  };
  return (
    <DetailDrawer
      title={`${t('details.contract')} ${id}`}
      query={contract}
      onClose={onClose}
      extra={contract.data ? <ContractActions contract={contract.data} onDone={reload} /> : null}
    >
      {(c) => (
        <Facts
          rows={[
            [t('partners.peer'), `${c.peer.name} (${c.peer.nodeId})`],
            [t('partners.apiUrl'), c.peer.apiUrl],
            [t('details.dataAddress'), c.peer.dataAddress],
            [t('partners.direction'), t(`modelOps.${c.direction}`)],
            [
              t('common.status'),
              <>
                <StatusTag status={c.status} /> {c.statusReason ?? ''}
              </>,
            ],
            [t('datasets.description'), c.description || '—'],
            [t('details.suite'), t(`details.suite_${c.suite}`, { defaultValue: c.suite })],
            [t('details.authMethod'), c.authMethod],
            [t('partners.theirFingerprint'), <Fingerprint value={c.peer.fingerprint} />],
            [
              t('partners.ourFingerprint'),
              node.data ? <Fingerprint value={node.data.fingerprint} /> : t('common.loading'),
            ],
            [t('partners.validUntil'), when(c.validUntil)],
            [t('common.createdAt'), when(c.createdAt)],
            [
              t('details.replaces'),
              c.replaces ? (
                <>
                  {c.replaces.id} <StatusTag status={c.replaces.status} />
                  {c.replaces.fingerprint ? <Fingerprint value={c.replaces.fingerprint} /> : null}
                </>
              ) : (
                '—'
              ),
            ],
            [
              t('partners.health'),
              health ? (
                <span title={health.lastHealthError ?? undefined}>
                  <StatusTag
                    status={health.lastHealthyAt && !health.lastHealthError ? 'up' : 'down'}
                  />
                  {t('partners.lastHealthy')}: {when(health.lastHealthyAt)}
                  {health.lastHealthError ? ` · ${health.lastHealthError}` : ''}
                </span>
              ) : (
                t('details.notActive')
              ),
            ],
          ]}
        />
      )}
    </DetailDrawer>
  );
}
