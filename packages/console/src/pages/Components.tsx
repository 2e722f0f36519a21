/**
 * The component registry (`fedgrid component list | show | register | health | unregister`):
 * built-in components and external ones (metadata only), filtered by engine and text; a row
 * expands to its roles, ports and parameters. Parameter validation is in the flow canvas's
 * parameter forms (POST /v1/components/:code/:version/validate).
 */
import { App, Button, Card, Input, Modal, Select, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, asError, unwrap, useApi } from '../api';
import { ComponentDescription, type RegistryComponent } from '../components/ComponentDescription';
import { ErrorAlert, QueryView, StatusTag } from '../components/QueryView';

interface RegistryPage {
  items: RegistryComponent[];
  total: number;
  totals: { byEngine: Record<string, number> };
}

export default function Components() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [q, setQ] = useState('');
  const [engine, setEngine] = useState<string>();
  const list = useApi(
    () =>
      unwrap<RegistryPage>(
        api.GET('/v1/components', {
          params: { query: { pageSize: 1000, ...(q ? { q } : {}), ...(engine ? { engine } : {}) } },
        }),
      ),
    [q, engine],
  );
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [error, setError] = useState<Error>();
  const path = (c: RegistryComponent) => ({
    params: { path: { code: c.code, version: c.version } },
  });

  const act = async (fn: () => Promise<unknown>, done: (r: unknown) => string) => {
    setError(undefined);
    try {
      const r = await fn();
      void message.success(done(r));
      list.reload();
    } catch (e) {
      setError(asError(e));
    }
  };
  const register = async () => {
    setError(undefined);
    try {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (e) {
        throw new Error(`${t('componentsPage.badJson')}: ${(e as Error).message}`);
      }
      await unwrap(api.POST('/v1/components', { body: body as never }));
      void message.success(t('componentsPage.registered'));
      setOpen(false);
      setText('');
      list.reload();
    } catch (e) {
      setError(asError(e));
    }
  };

  return (
    <>
      <Typography.Title level={2}>{t('componentsPage.title')}</Typography.Title>
      {error && !open ? <ErrorAlert error={error} /> : null}
      <Card extra={<Button onClick={() => setOpen(true)}>{t('componentsPage.register')}</Button>}>
        <Space style={{ marginBottom: 8 }} wrap>
          <Input.Search
            aria-label={t('componentsPage.search')}
            placeholder={t('componentsPage.search')}
            allowClear
            onSearch={(v) => setQ(v.trim())}
            style={{ width: 260 }}
          />
          <Select
            aria-label={t('componentsPage.engine')}
            placeholder={t('componentsPage.engine')}
            allowClear
            style={{ width: 200 }}
            value={engine}
            onChange={setEngine}
            options={Object.entries(list.data?.totals.byEngine ?? {}).map(([e, n]) => ({
              value: e,
              label: `${e} (${n})`,
            }))}
          />
        </Space>
        <QueryView query={list} isEmpty={(d) => d.items.length === 0}>
          {(d) => (
            <Table
              size="small"
              rowKey={(r) => `${r.code}@${r.version}`}
              dataSource={d.items}
              pagination={{ pageSize: 20, hideOnSinglePage: true }}
              expandable={{
                expandedRowRender: (r) => <ComponentDescription c={r} />,
              }}
              columns={[
                { title: t('componentsPage.code'), dataIndex: 'code' },
                { title: t('datasets.version'), dataIndex: 'version' },
                { title: t('common.name'), dataIndex: 'name' },
                { title: t('componentsPage.engine'), dataIndex: 'engine' },
                { title: t('datasets.visibility'), dataIndex: 'visibility' },
                { title: t('common.status'), render: (_, r) => <StatusTag status={r.status} /> },
                {
                  title: t('common.actions'),
                  render: (_, r) =>
                    r.engine === 'builtin' ? null : (
                      <Space size={4}>
                        <Button
                          size="small"
                          onClick={() =>
                            void act(
                              () =>
                                unwrap<{ status: string; detail: string }>(
                                  api.POST('/v1/components/{code}/{version}/health', path(r)),
                                ),
                              (h) => {
                                const x = h as { status: string; detail: string };
                                return `${x.status}: ${x.detail}`;
                              },
                            )
                          }
                        >
                          {t('componentsPage.health')}
                        </Button>
                        <Button
                          size="small"
                          danger
                          onClick={() =>
                            void act(
                              () => unwrap(api.DELETE('/v1/components/{code}/{version}', path(r))),
                              () => t('componentsPage.unregistered'),
                            )
                          }
                        >
                          {t('componentsPage.unregister')}
                        </Button>
                      </Space>
                    ),
                },
              ]}
            />
          )}
        </QueryView>
      </Card>
      <Modal
        open={open}
        title={t('componentsPage.register')}
        onCancel={() => setOpen(false)}
        onOk={() => void register()}
        okText={t('common.submit')}
        destroyOnHidden
      >
        {error ? <ErrorAlert error={error} /> : null}
        <Typography.Paragraph type="secondary">
          {t('componentsPage.registerHelp')}
        </Typography.Paragraph>
        <Input.TextArea
          aria-label={t('componentsPage.register')}
          rows={12}
          value={text}
          onChange={(e) => setText(e.target.value)}
          style={{ fontFamily: 'monospace' }}
        />
      </Modal>
    </>
  );
}
