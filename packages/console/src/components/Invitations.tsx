/**
 * Invitations (dataset or compute) sent to and received from partners: create a draft, publish it
 * to its provider, withdraw it, ask the provider for its answer (sync); accept or reject a
 * received one (accepting a dataset invitation creates the demander's grant).
 */
import { Button, Form, Select, Space } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap, useApi, type Page } from '../api';
import { useCan } from '../me';
import { ActionTable, RequiredText, FormModal, useAction } from './ActionTable';
import {
  InvitationDetail,
  InvitationFields,
  invitationBody,
  termsOf,
  termsText,
  type InvitationFieldsForm,
  type InvitationView,
} from './InvitationDetail';
import { ErrorAlert, StatusTag } from './QueryView';

interface CreateForm extends InvitationFieldsForm {
  provider: string;
  kind: 'dataset' | 'compute';
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
  const [showing, setShowing] = useState<string>();
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
            render: (_, r) => termsText(t, r.terms),
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
          {
            title: t('common.actions'),
            render: (_: unknown, r: InvitationView) => (
              <Space size={4} wrap>
                <Button size="small" onClick={() => setShowing(r.id)}>
                  {t('details.details')}
                </Button>
                {manage ? (
                  <>
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
                  </>
                ) : null}
              </Space>
            ),
          },
        ]}
      />
      {showing ? (
        <InvitationDetail
          id={showing}
          onClose={() => setShowing(undefined)}
          onChanged={list.reload}
        />
      ) : null}
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
                    ...invitationBody(v),
                    terms: termsOf(v) ?? { type: 'until', until: '' },
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
        <InvitationFields requireUntil />
      </FormModal>
    </>
  );
}
