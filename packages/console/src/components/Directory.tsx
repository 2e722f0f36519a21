/**
 * The directory: browse a directory node's offers (datasets' public metadata and compute), the
 * offers this node published, publish a dataset offer and withdraw one.
 */
import { Button, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap, useApi, type Page } from '../api';
import { useCan } from '../me';
import { ActionTable, RequiredText, ConfirmButton, FormModal, useAction } from './ActionTable';
import { ErrorAlert, StatusTag } from './QueryView';

interface OfferView {
  id: string;
  kind: string;
  name: string;
  description: string;
  node: { nodeId: string; name: string; apiUrl: string; fingerprint: string };
  publishedAt: string;
}
interface PublishedView {
  id: string;
  directory: string;
  kind: string;
  name: string;
  description: string;
  status: string;
  publishedAt: string;
}

export function Directory() {
  const { t } = useTranslation();
  const manage = useCan()('invitation:manage');
  const [search, setSearch] = useState<{ directory?: string; q?: string }>();
  const offers = useApi(
    () =>
      search
        ? unwrap<Page<OfferView>>(
            api.GET('/v1/directory/offers', {
              params: {
                query: {
                  pageSize: 200,
                  ...(search.directory ? { directory: search.directory } : {}),
                  ...(search.q ? { q: search.q } : {}),
                },
              },
            }),
          )
        : Promise.resolve(undefined),
    [search],
  );
  const published = useApi(
    () =>
      unwrap<Page<PublishedView>>(
        api.GET('/v1/directory/published', { params: { query: { pageSize: 200 } } }),
      ),
    [],
  );
  const [publishing, setPublishing] = useState(false);
  const action = useAction(() => {
    setPublishing(false);
    published.reload();
  });
  const { run, error } = action;

  return (
    <>
      {error && !publishing ? <ErrorAlert error={error} /> : null}
      <Typography.Title level={3} style={{ fontSize: 16 }}>
        {t('partnerOps.browse')}
      </Typography.Title>
      <Form
        layout="inline"
        style={{ marginBottom: 12 }}
        onFinish={(v: { directory?: string; q?: string }) =>
          setSearch({ directory: v.directory?.trim() || undefined, q: v.q?.trim() || undefined })
        }
      >
        <Form.Item name="directory" label={t('partnerOps.directoryNode')}>
          <Input placeholder={t('partnerOps.directoryDefault')} />
        </Form.Item>
        <Form.Item name="q" label={t('partnerOps.search')}>
          <Input allowClear />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          {t('partnerOps.browse')}
        </Button>
      </Form>
      {search ? (
        <ActionTable
          query={offers}
          columns={[
            { title: t('common.name'), dataIndex: 'name' },
            {
              title: t('partnerOps.kind'),
              render: (_, r) => t(`partnerOps.kind_${r.kind}`, { defaultValue: r.kind }),
            },
            {
              title: t('partners.peer'),
              render: (_, r) => `${r.node.name} (${r.node.nodeId})`,
            },
            { title: t('partners.apiUrl'), render: (_, r) => r.node.apiUrl },
            { title: t('datasets.description'), dataIndex: 'description' },
          ]}
        />
      ) : (
        <Typography.Paragraph type="secondary">{t('partnerOps.browseHint')}</Typography.Paragraph>
      )}
      <Typography.Title level={3} style={{ fontSize: 16, marginTop: 16 }}>
        {t('partnerOps.published')}
      </Typography.Title>
      {manage ? (
        <Button style={{ marginBottom: 12 }} onClick={() => setPublishing(true)}>
          {t('partnerOps.publishOffer')}
        </Button>
      ) : null}
      <ActionTable
        query={published}
        emptyText={t('partnerOps.noOffers')}
        pagination={false}
        columns={[
          { title: t('common.name'), dataIndex: 'name' },
          { title: t('partnerOps.directoryNode'), dataIndex: 'directory' },
          {
            title: t('partnerOps.kind'),
            render: (_, r) => t(`partnerOps.kind_${r.kind}`, { defaultValue: r.kind }),
          },
          { title: t('common.status'), render: (_, r) => <StatusTag status={r.status} /> },
          {
            title: t('common.actions'),
            render: (_, r) =>
              manage && r.status === 'published' ? (
                <ConfirmButton
                  title={t('partnerOps.withdrawOffer')}
                  okText={t('partnerOps.withdraw')}
                  onConfirm={() =>
                    void run(
                      () =>
                        unwrap(
                          api.DELETE('/v1/directory/offers/{id}', {
                            params: { path: { id: r.id } },
                          }),
                        ),
                      t('partnerOps.offerWithdrawn'),
                    )
                  }
                >
                  {t('partnerOps.withdraw')}
                </ConfirmButton>
              ) : null,
          },
        ]}
      />
      <FormModal<{ directory: string; dataset: string; description?: string }>
        open={publishing}
        title={t('partnerOps.publishOffer')}
        onCancel={() => setPublishing(false)}
        action={action}
        onFinish={(v) =>
          void run(
            () =>
              unwrap(
                api.POST('/v1/directory/offers', {
                  body: {
                    directory: v.directory.trim(),
                    kind: 'dataset',
                    dataset: v.dataset.trim(),
                    ...(v.description?.trim() ? { description: v.description.trim() } : {}),
                  },
                }),
              ),
            t('partnerOps.offerPublished'),
          )
        }
      >
        <RequiredText name="directory" label={t('partnerOps.directoryNode')} />
        <RequiredText name="dataset" label={t('datasets.dataset')} />
        <Form.Item name="description" label={t('datasets.description')}>
          <Input.TextArea autoSize />
        </Form.Item>
      </FormModal>
    </>
  );
}
