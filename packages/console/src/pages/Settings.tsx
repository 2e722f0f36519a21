/**
 * Settings: this node's identity, addresses, storage, crypto suite and backends (`GET /v1/node`);
 * its profile — name, description and advertised addresses, sent to partners (`PATCH /v1/node`,
 * an empty field restores the fedgrid.yaml value); and the data dictionary (`GET /v1/dictionary`:
 * the value lists of roles, job, task, grant, contract and token states, visibilities).
 */
import { App, Button, Card, Descriptions, Form, Input, Table, Tabs, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, asError, unwrap, useApi } from '../api';
import { ErrorAlert, QueryView } from '../components/QueryView';
import { useCan } from '../me';

type Dictionary = Record<string, { value: string; label: string }[]>;
interface ProfileForm {
  name?: string;
  description?: string;
  apiUrl?: string;
  dataAddress?: string;
}

/** Scalars as text, objects as compact JSON; PEM blocks are left out (long, and in the card). */
function show(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export default function Settings() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const can = useCan();
  const node = useApi(() => unwrap<Record<string, unknown>>(api.GET('/v1/node')), []);
  const dictionary = useApi(() => unwrap<Dictionary>(api.GET('/v1/dictionary')), []);
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);

  const save = async (v: ProfileForm) => {
    setBusy(true);
    setError(undefined);
    const field = (s?: string) => (s?.trim() ? s.trim() : null);
    try {
      await unwrap(
        api.PATCH('/v1/node', {
          body: {
            name: field(v.name),
            description: field(v.description),
            apiUrl: field(v.apiUrl),
            dataAddress: field(v.dataAddress),
          },
        }),
      );
      void message.success(t('common.saved'));
      node.reload();
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Typography.Title level={2}>{t('settings.title')}</Typography.Title>
      <Tabs
        items={[
          {
            key: 'node',
            label: t('settings.node'),
            children: (
              <QueryView query={node}>
                {(n) => (
                  <>
                    <Card title={t('settings.identity')} style={{ marginBottom: 16 }}>
                      <Descriptions size="small" bordered column={1}>
                        {Object.entries(n)
                          .filter(([k]) => !/pem$/i.test(k))
                          .map(([k, v]) => (
                            <Descriptions.Item key={k} label={k}>
                              <Typography.Text style={{ wordBreak: 'break-all' }}>
                                {show(v)}
                              </Typography.Text>
                            </Descriptions.Item>
                          ))}
                      </Descriptions>
                    </Card>
                    {can('node:update') ? (
                      <Card title={t('settings.profile')}>
                        {error ? <ErrorAlert error={error} /> : null}
                        <Typography.Paragraph type="secondary">
                          {t('settings.profileHelp')}
                        </Typography.Paragraph>
                        <Form<ProfileForm>
                          layout="vertical"
                          style={{ maxWidth: 560 }}
                          initialValues={{
                            name: typeof n['name'] === 'string' ? n['name'] : '',
                            description:
                              typeof n['description'] === 'string' ? n['description'] : '',
                            apiUrl: typeof n['apiUrl'] === 'string' ? n['apiUrl'] : '',
                            dataAddress:
                              typeof n['dataAddress'] === 'string' ? n['dataAddress'] : '',
                          }}
                          onFinish={(v) => void save(v)}
                        >
                          <Form.Item name="name" label={t('common.name')}>
                            <Input />
                          </Form.Item>
                          <Form.Item name="description" label={t('datasets.description')}>
                            <Input.TextArea autoSize />
                          </Form.Item>
                          <Form.Item name="apiUrl" label={t('partners.apiUrl')}>
                            <Input />
                          </Form.Item>
                          <Form.Item name="dataAddress" label={t('settings.dataAddress')}>
                            <Input placeholder="host:port" />
                          </Form.Item>
                          <Button type="primary" htmlType="submit" loading={busy}>
                            {t('common.submit')}
                          </Button>
                        </Form>
                      </Card>
                    ) : null}
                  </>
                )}
              </QueryView>
            ),
          },
          {
            key: 'dictionary',
            label: t('settings.dictionary'),
            children: (
              <QueryView query={dictionary} isEmpty={(d) => Object.keys(d).length === 0}>
                {(d) => (
                  <Table
                    size="small"
                    rowKey="key"
                    pagination={false}
                    dataSource={Object.entries(d).map(([key, values]) => ({ key, values }))}
                    columns={[
                      { title: t('settings.list'), dataIndex: 'key', width: 200 },
                      {
                        title: t('settings.values'),
                        render: (_, r) =>
                          r.values
                            .map((x) =>
                              x.label && x.label !== x.value ? `${x.value} (${x.label})` : x.value,
                            )
                            .join(' · '),
                      },
                    ]}
                  />
                )}
              </QueryView>
            ),
          },
        ]}
      />
    </>
  );
}
