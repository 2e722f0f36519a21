/**
 * Partners (with health) and contracts: propose by URL + fingerprint; confirm an incoming
 * proposal only after both certificate fingerprints, shown in full, are compared.
 */
import { Button, Card, Descriptions, Form, Input, Modal, Space, Tabs, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap, useApi, type Page } from '../api';
import { ActionTable, FormModal, useAction } from '../components/ActionTable';
import { ContractActions } from '../components/ContractActions';
import { ContractDetail } from '../components/ContractDetail';
import { Fingerprint } from '../components/DetailDrawer';
import { PartnerDetail } from '../components/PartnerDetail';
import { JobPermissions } from '../components/JobPermissions';
import { Directory } from '../components/Directory';
import { Invitations } from '../components/Invitations';
import { ErrorAlert, StatusTag } from '../components/QueryView';
import type { ContractView, NodeView, PartnerView } from '../types';

export default function Partners() {
  const { t } = useTranslation();
  const node = useApi(() => unwrap<NodeView>(api.GET('/v1/node')), []);
  const partners = useApi(
    () =>
      unwrap<Page<PartnerView>>(api.GET('/v1/partners', { params: { query: { pageSize: 1000 } } })),
    [],
  );
  const contracts = useApi(
    () =>
      unwrap<Page<ContractView>>(
        api.GET('/v1/contracts', { params: { query: { pageSize: 1000 } } }),
      ),
    [],
  );
  const [proposing, setProposing] = useState(false);
  const [showingPartner, setShowingPartner] = useState<string>();
  const [showingContract, setShowingContract] = useState<string>();
  const [confirming, setConfirming] = useState<ContractView>();
  const action = useAction(() => {
    setProposing(false);
    setConfirming(undefined);
    contracts.reload();
    partners.reload();
  });
  const { run, busy, error: actionError } = action;

  return (
    <>
      <Typography.Title level={2}>{t('partners.title')}</Typography.Title>
      <Card
        title={t('partners.partners')}
        style={{ marginBottom: 16 }}
        extra={
          <Button
            loading={busy}
            onClick={() =>
              void run(
                () => unwrap(api.POST('/v1/partners/sync', { body: {} })),
                t('partnerOps.synced'),
              )
            }
          >
            {t('partnerOps.syncPartners')}
          </Button>
        }
      >
        <ActionTable
          query={partners}
          rowKey="nodeId"
          pagination={false}
          columns={[
            { title: t('partners.peer'), render: (_, r) => `${r.name} (${r.nodeId})` },
            { title: t('partners.apiUrl'), dataIndex: 'apiUrl' },
            {
              title: t('partners.health'),
              render: (_, r) => (
                <span title={r.lastHealthError ?? undefined}>
                  <StatusTag status={r.lastHealthyAt && !r.lastHealthError ? 'up' : 'down'} />
                </span>
              ),
            },
            {
              title: t('partners.lastHealthy'),
              render: (_, r) =>
                r.lastHealthyAt ? new Date(r.lastHealthyAt).toLocaleString() : '—',
            },
            {
              title: t('common.actions'),
              render: (_, r) => (
                <Button size="small" onClick={() => setShowingPartner(r.nodeId)}>
                  {t('details.detailsAndComponents')}
                </Button>
              ),
            },
          ]}
        />
      </Card>
      <Card
        title={t('partners.contracts')}
        extra={
          <Button type="primary" onClick={() => setProposing(true)}>
            {t('partners.propose')}
          </Button>
        }
      >
        <ActionTable
          query={contracts}
          pagination={false}
          columns={[
            {
              title: t('partners.peer'),
              render: (_, r) => `${r.peer.name} (${r.peer.nodeId})`,
            },
            { title: t('partners.direction'), dataIndex: 'direction' },
            { title: t('common.status'), render: (_, r) => <StatusTag status={r.status} /> },
            {
              title: t('partners.validUntil'),
              render: (_, r) => new Date(r.validUntil).toLocaleDateString(),
            },
            {
              title: t('common.actions'),
              render: (_, r) =>
                r.direction === 'incoming' && r.status === 'proposed' ? (
                  <Space>
                    <Button size="small" type="primary" onClick={() => setConfirming(r)}>
                      {t('partners.confirm')}
                    </Button>
                    <Button
                      size="small"
                      danger
                      onClick={() =>
                        void run(
                          () =>
                            unwrap(
                              api.POST('/v1/contracts/{id}/reject', {
                                params: { path: { id: r.id } },
                              }),
                            ),
                          t('partners.rejected'),
                        )
                      }
                    >
                      {t('partners.reject')}
                    </Button>
                  </Space>
                ) : (
                  <Space size={4} wrap>
                    <Button size="small" onClick={() => setShowingContract(r.id)}>
                      {t('details.details')}
                    </Button>
                    <ContractActions contract={r} onDone={contracts.reload} />
                  </Space>
                ),
            },
          ]}
        />
      </Card>
      <Card style={{ marginTop: 16 }}>
        <Tabs
          items={[
            {
              key: 'invitations',
              label: t('partnerOps.invitations'),
              children: <Invitations />,
            },
            { key: 'directory', label: t('partnerOps.directory'), children: <Directory /> },
            {
              key: 'permissions',
              label: t('permissions.title'),
              children: <JobPermissions />,
            },
          ]}
        />
      </Card>

      {showingPartner ? (
        <PartnerDetail nodeId={showingPartner} onClose={() => setShowingPartner(undefined)} />
      ) : null}
      {showingContract ? (
        <ContractDetail id={showingContract} onClose={() => setShowingContract(undefined)} />
      ) : null}
      <FormModal<{ peerApiUrl: string; expectedFingerprint: string }>
        open={proposing}
        title={t('partners.proposeTitle')}
        onCancel={() => setProposing(false)}
        action={action}
        onFinish={(v) =>
          void run(
            () =>
              unwrap(
                api.POST('/v1/contracts', {
                  body: {
                    peerApiUrl: v.peerApiUrl.trim(),
                    expectedFingerprint: v.expectedFingerprint.trim().toUpperCase(),
                  },
                }),
              ),
            t('partners.proposed'),
          )
        }
      >
        <Form.Item
          name="peerApiUrl"
          label={t('partners.url')}
          extra={t('partners.urlHelp')}
          rules={[{ required: true, type: 'url' }]}
        >
          <Input placeholder="https://" />
        </Form.Item>
        <Form.Item
          name="expectedFingerprint"
          label={t('partners.fingerprint')}
          extra={t('partners.fingerprintHelp')}
          rules={[{ required: true, pattern: /^\s*([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}\s*$/ }]}
        >
          <Input.TextArea autoSize placeholder="AB:CD:…" />
        </Form.Item>
      </FormModal>

      <Modal
        open={confirming !== undefined}
        title={t('partners.confirmTitle')}
        onCancel={() => setConfirming(undefined)}
        okText={t('partners.confirm')}
        cancelText={t('common.cancel')}
        confirmLoading={busy}
        onOk={() =>
          confirming &&
          void run(
            () =>
              unwrap(
                api.POST('/v1/contracts/{id}/confirm', {
                  params: { path: { id: confirming.id } },
                }),
              ),
            t('partners.confirmed'),
          )
        }
        destroyOnHidden
      >
        {actionError ? <ErrorAlert error={actionError} /> : null}
        <Typography.Paragraph>{t('partners.confirmHint')}</Typography.Paragraph>
        {confirming ? (
          <Descriptions column={1} bordered size="small">
            <Descriptions.Item label={t('partners.peer')}>
              {confirming.peer.name} ({confirming.peer.nodeId}) — {confirming.peer.apiUrl}
            </Descriptions.Item>
            <Descriptions.Item label={t('partners.theirFingerprint')}>
              <Fingerprint value={confirming.peer.fingerprint} />
            </Descriptions.Item>
            <Descriptions.Item label={t('partners.ourFingerprint')}>
              {node.data ? <Fingerprint value={node.data.fingerprint} /> : t('common.loading')}
            </Descriptions.Item>
          </Descriptions>
        ) : null}
      </Modal>
    </>
  );
}
