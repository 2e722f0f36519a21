/**
 * One invitation (`fedgrid invitation show`) and its change (`fedgrid invitation modify`): a
 * draft or pending invitation this node sent can change its dataset, resource, message and
 * terms (the provider's copy of a pending one is changed first, by the node). Also the fields
 * and request body the create form shares. GET / PATCH /v1/invitations/:id.
 */
import { Button, DatePicker, Form, Input, InputNumber, Select } from 'antd';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap, useApi } from '../api';
import { useCan } from '../me';
import { FormModal, useAction } from './ActionTable';
import { DetailDrawer, Facts, when } from './DetailDrawer';
import { StatusTag } from './QueryView';

/** An invitation as GET /v1/invitations(/:id) answers it. */
export interface InvitationView {
  id: string;
  role: 'sent' | 'received';
  demander: string;
  provider: string;
  kind: 'dataset' | 'compute';
  dataset: string | null;
  offer?: string | null;
  resource: string;
  message: string;
  terms: { type: string; until?: string; uses?: number };
  status: string;
  statusReason: string | null;
  version?: number;
  createdAt: string;
  updatedAt?: string;
}

/** The fields an invitation's create and modify forms share. */
export interface InvitationFieldsForm {
  dataset?: string;
  resource?: string;
  message?: string;
  termsType: 'unlimited' | 'until' | 'uses' | 'metered';
  until?: { toISOString(): string };
  uses?: number;
}

/** An invitation's terms in words (“until 2027-01-01”, “5 × uses”, “unlimited”). */
export function termsText(t: TFunction, terms: InvitationView['terms']): string {
  return terms.type === 'until'
    ? `${t('partnerOps.terms_until')} ${new Date(terms.until ?? '').toLocaleDateString()}`
    : terms.type === 'uses'
      ? `${terms.uses} × ${t('datasets.uses')}`
      : t(`partnerOps.terms_${terms.type}`, { defaultValue: terms.type });
}

/**
 * The terms the form's fields give; none for `until` without a date (the modify form's way of
 * keeping the current end date — the create form requires the date).
 */
export function termsOf(v: InvitationFieldsForm) {
  return v.termsType === 'until'
    ? v.until
      ? { type: 'until' as const, until: v.until.toISOString() }
      : undefined
    : v.termsType === 'uses'
      ? { type: 'uses' as const, uses: v.uses ?? 1 }
      : { type: v.termsType };
}

/** The request body of the shared fields (terms left out when {@link termsOf} gives none). */
export function invitationBody(v: InvitationFieldsForm) {
  const terms = termsOf(v);
  return {
    ...(v.dataset?.trim() ? { dataset: v.dataset.trim() } : {}),
    resource: v.resource?.trim() ?? '',
    message: v.message?.trim() ?? '',
    ...(terms ? { terms } : {}),
  };
}

/** Dataset, resource, message and terms (with the end date or the number of uses). */
export function InvitationFields({ requireUntil }: { requireUntil: boolean }) {
  const { t } = useTranslation();
  return (
    <>
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
              {...(requireUntil
                ? { rules: [{ required: true }] }
                : { extra: t('details.keepUntil') })}
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
    </>
  );
}

export function InvitationDetail({
  id,
  onClose,
  onChanged,
}: {
  id: string;
  onClose: () => void;
  /** Called after a modification (the list reloads). */
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  const manage = useCan()('invitation:manage');
  const inv = useApi(
    () => unwrap<InvitationView>(api.GET('/v1/invitations/{id}', { params: { path: { id } } })),
    [id],
  );
  const [modifying, setModifying] = useState(false);
  const action = useAction(() => {
    setModifying(false);
    inv.reload();
    onChanged();
  });
  const i = inv.data;
  const canModify =
    manage && i?.role === 'sent' && (i.status === 'draft' || i.status === 'pending');
  return (
    <>
      <DetailDrawer
        title={`${t('details.invitation')} ${id}`}
        query={inv}
        onClose={onClose}
        extra={
          canModify ? (
            <Button type="primary" onClick={() => setModifying(true)}>
              {t('details.modify')}
            </Button>
          ) : null
        }
      >
        {(v) => (
          <Facts
            rows={[
              [t('partners.direction'), t(`partnerOps.${v.role}`)],
              [t('details.demander'), v.demander],
              [t('partnerOps.provider'), v.provider],
              [t('partnerOps.kind'), t(`partnerOps.kind_${v.kind}`)],
              [t('datasets.dataset'), v.dataset ?? '—'],
              [t('details.offer'), v.offer ?? '—'],
              [t('partnerOps.resource'), v.resource || '—'],
              [t('jobs.message'), v.message || '—'],
              [t('partnerOps.terms'), termsText(t, v.terms)],
              [
                t('common.status'),
                <>
                  <StatusTag status={v.status} /> {v.statusReason ?? ''}
                </>,
              ],
              [t('datasets.version'), v.version ?? '—'],
              [t('common.createdAt'), when(v.createdAt)],
              [t('details.updatedAt'), when(v.updatedAt)],
            ]}
          />
        )}
      </DetailDrawer>
      {i ? (
        <FormModal<InvitationFieldsForm>
          open={modifying}
          title={t('details.modifyTitle', { id })}
          onCancel={() => setModifying(false)}
          action={action}
          initialValues={{
            dataset: i.dataset ?? '',
            resource: i.resource,
            message: i.message,
            termsType: i.terms.type as InvitationFieldsForm['termsType'],
            ...(i.terms.uses ? { uses: i.terms.uses } : {}),
          }}
          onFinish={(v) =>
            void action.run(
              () =>
                unwrap(
                  api.PATCH('/v1/invitations/{id}', {
                    params: { path: { id } },
                    body: invitationBody(v),
                  }),
                ),
              t('details.modified'),
            )
          }
        >
          <InvitationFields requireUntil={false} />
        </FormModal>
      ) : null}
    </>
  );
}
