/**
 * The directory: browse a directory node's offers (datasets' public metadata and compute), the
 * offers this node published, publish a dataset offer and withdraw one.
 */
import { App, Button, Form, Input, Modal, Popconfirm, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, asError, unwrap, useApi, type Page } from '../api';
import { useCan } from '../me';
import { ErrorAlert, QueryView, StatusTag } from './QueryView';

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
  const { message } = App.useApp();
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
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);

  const run = async (fn: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
      void message.success(done);
      setPublishing(false);
      published.reload();
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(false);
    }
  };

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
        <QueryView query={offers} isEmpty={(o) => !o || o.items.length === 0}>
          {(o) => (
            <Table
              size="small"
              rowKey="id"
              dataSource={o?.items ?? []}
              pagination={{ pageSize: 20, hideOnSinglePage: true }}
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
          )}
        </QueryView>
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
      <QueryView
        query={published}
        isEmpty={(p) => p.items.length === 0}
        emptyText={t('partnerOps.noOffers')}
      >
        {(p) => (
          <Table
            size="small"
            rowKey="id"
            dataSource={p.items}
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
                    <Popconfirm
                      title={t('partnerOps.withdrawOffer')}
                      okText={t('partnerOps.withdraw')}
                      cancelText={t('common.cancel')}
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
                      <Button size="small" danger>
                        {t('partnerOps.withdraw')}
                      </Button>
                    </Popconfirm>
                  ) : null,
              },
            ]}
          />
        )}
      </QueryView>
      <Modal
        open={publishing}
        title={t('partnerOps.publishOffer')}
        onCancel={() => setPublishing(false)}
        footer={null}
        destroyOnHidden
      >
        {error ? <ErrorAlert error={error} /> : null}
        <Form
          layout="vertical"
          onFinish={(v: { directory: string; dataset: string; description?: string }) =>
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
          <Form.Item
            name="directory"
            label={t('partnerOps.directoryNode')}
            rules={[{ required: true, whitespace: true }]}
          >
            <Input />
          </Form.Item>
          <Form.Item
            name="dataset"
            label={t('datasets.dataset')}
            rules={[{ required: true, whitespace: true }]}
          >
            <Input />
          </Form.Item>
          <Form.Item name="description" label={t('datasets.description')}>
            <Input.TextArea autoSize />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy}>
            {t('common.submit')}
          </Button>
        </Form>
      </Modal>
    </>
  );
}
