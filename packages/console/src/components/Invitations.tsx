/**
 * Invitations (dataset or compute) sent to and received from partners: create a draft, publish it
 * to its provider, withdraw it, ask the provider for its answer (sync); accept or reject a
 * received one (accepting a dataset invitation creates the demander's grant).
 */
import { Button, DatePicker, Form, Input, InputNumber, Select, Space } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap, useApi, type Page } from '../api';
import { useCan } from '../me';
import { ActionTable, RequiredText, FormModal, useAction } from './ActionTable';
import { ErrorAlert, StatusTag } from './QueryView';

interface InvitationView {
  id: string;
  role: 'sent' | 'received';
  demander: string;
  provider: string;
  kind: 'dataset' | 'compute';
  dataset: string | null;
  resource: string;
  message: string;
  terms: { type: string; until?: string; uses?: number };
  status: string;
  statusReason: string | null;
  createdAt: string;
}
interface CreateForm {
  provider: string;
  kind: 'dataset' | 'compute';
  dataset?: string;
  resource?: string;
  message?: string;
  termsType: 'unlimited' | 'until' | 'uses' | 'metered';
  until?: { toISOString(): string };
  uses?: number;
}

type Verb = 'publish' | 'sync' | 'accept' | 'reject';

export function Invitations() {
  const { t } = useTranslation();
  const manage = useCan()('invitation:manage');
  const list = useApi(
    () =>
      unwrap<Page<InvitationView>>(
        api.GET('/v1/invitations', { params: { query: { pageSize: 500 } } }),
      ),
    [],
  );
  const [creating, setCreating] = useState(false);
  const action = useAction(() => {
    setCreating(false);
    list.reload();
  });
  const { run, error } = action;
  const call = (verb: Verb, id: string) => {
    const params = { path: { id } };
    switch (verb) {
      case 'publish':
        return api.POST('/v1/invitations/{id}/publish', { params });
      case 'sync':
        return api.POST('/v1/invitations/{id}/sync', { params });
      case 'accept':
        return api.POST('/v1/invitations/{id}/accept', { params });
      case 'reject':
        return api.POST('/v1/invitations/{id}/reject', { params, body: {} });
    }
  };
  const post = (verb: Verb, id: string) =>
    run(() => unwrap(call(verb, id)), t(`partnerOps.invitation_${verb}`));
  const button = (verb: Verb, id: string, primary = false) => (
    <Button size="small" type={primary ? 'primary' : 'default'} onClick={() => void post(verb, id)}>
      {t(`partnerOps.${verb}`)}
    </Button>
  );

  return (
    <>
      {error && !creating ? <ErrorAlert error={error} /> : null}
      {manage ? (
        <Button type="primary" style={{ marginBottom: 12 }} onClick={() => setCreating(true)}>
          {t('partnerOps.createInvitation')}
        </Button>
      ) : null}
      <ActionTable
        query={list}
        emptyText={t('partnerOps.noInvitations')}
        columns={[
          { title: t('partners.direction'), render: (_, r) => t(`partnerOps.${r.role}`) },
          {
            title: t('partners.peer'),
            render: (_, r) => (r.role === 'sent' ? r.provider : r.demander),
          },
          { title: t('partnerOps.kind'), render: (_, r) => t(`partnerOps.kind_${r.kind}`) },
          { title: t('datasets.dataset'), render: (_, r) => r.dataset ?? r.resource ?? '—' },
          {
            title: t('partnerOps.terms'),
            render: (_, r) =>
              r.terms.type === 'until'
                ? `${t('partnerOps.terms_until')} ${new Date(r.terms.until ?? '').toLocaleDateString()}`
                : r.terms.type === 'uses'
                  ? `${r.terms.uses} × ${t('datasets.uses')}`
                  : t(`partnerOps.terms_${r.terms.type}`, { defaultValue: r.terms.type }),
          },
          { title: t('jobs.message'), dataIndex: 'message' },
          {
            title: t('common.status'),
            render: (_, r) => (
              <span title={r.statusReason ?? undefined}>
                <StatusTag status={r.status} />
              </span>
            ),
          },
          ...(manage
            ? [
                {
                  title: t('common.actions'),
                  render: (_: unknown, r: InvitationView) => (
                    <Space size={4} wrap>
                      {r.role === 'sent' && r.status === 'draft'
                        ? button('publish', r.id, true)
                        : null}
                      {r.role === 'sent' && r.status === 'pending' ? button('sync', r.id) : null}
                      {r.role === 'sent' && (r.status === 'draft' || r.status === 'pending') ? (
                        <Button
                          size="small"
                          danger
                          onClick={() =>
                            void run(
                              () =>
                                unwrap(
                                  api.DELETE('/v1/invitations/{id}', {
                                    params: { path: { id: r.id } },
                                    body: {},
                                  }),
                                ),
                              t('partnerOps.invitation_withdraw'),
                            )
                          }
                        >
                          {t('partnerOps.withdraw')}
                        </Button>
                      ) : null}
                      {r.role === 'received' && r.status === 'pending' ? (
                        <>
                          {button('accept', r.id, true)}
                          {button('reject', r.id)}
                        </>
                      ) : null}
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      <FormModal<CreateForm>
        open={creating}
        title={t('partnerOps.createInvitation')}
        onCancel={() => setCreating(false)}
        action={action}
        initialValues={{ kind: 'dataset', termsType: 'unlimited' }}
        onFinish={(v) =>
          void run(
            () =>
              unwrap(
                api.POST('/v1/invitations', {
                  body: {
                    provider: v.provider.trim(),
                    kind: v.kind,
                    ...(v.dataset?.trim() ? { dataset: v.dataset.trim() } : {}),
                    resource: v.resource?.trim() ?? '',
                    message: v.message?.trim() ?? '',
                    terms:
                      v.termsType === 'until'
                        ? { type: 'until', until: v.until?.toISOString() ?? '' }
                        : v.termsType === 'uses'
                          ? { type: 'uses', uses: v.uses ?? 1 }
                          : { type: v.termsType },
                  },
                }),
              ),
            t('partnerOps.invitationCreated'),
          )
        }
      >
        <RequiredText name="provider" label={t('partnerOps.provider')} />
        <Form.Item name="kind" label={t('partnerOps.kind')}>
          <Select
            options={[
              { value: 'dataset', label: t('partnerOps.kind_dataset') },
              { value: 'compute', label: t('partnerOps.kind_compute') },
            ]}
          />
        </Form.Item>
        <Form.Item name="dataset" label={t('datasets.dataset')} extra={t('partnerOps.datasetHelp')}>
          <Input />
        </Form.Item>
        <Form.Item name="resource" label={t('partnerOps.resource')}>
          <Input />
        </Form.Item>
        <Form.Item name="message" label={t('jobs.message')}>
          <Input.TextArea autoSize />
        </Form.Item>
        <Form.Item name="termsType" label={t('partnerOps.terms')}>
          <Select
            options={(['unlimited', 'until', 'uses', 'metered'] as const).map((x) => ({
              value: x,
              label: t(`partnerOps.terms_${x}`),
            }))}
          />
        </Form.Item>
        <Form.Item noStyle shouldUpdate>
          {({ getFieldValue }) =>
            getFieldValue('termsType') === 'until' ? (
              <Form.Item
                name="until"
                label={t('partnerOps.terms_until')}
                rules={[{ required: true }]}
              >
                <DatePicker showTime />
              </Form.Item>
            ) : getFieldValue('termsType') === 'uses' ? (
              <Form.Item name="uses" label={t('datasets.uses')} rules={[{ required: true }]}>
                <InputNumber min={1} max={1_000_000} />
              </Form.Item>
            ) : null
          }
        </Form.Item>
      </FormModal>
    </>
  );
}
