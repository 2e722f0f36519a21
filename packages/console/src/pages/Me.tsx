/**
 * The user centre (every signed-in user, `session:own`): who one is, change the password, enrol a
 * TOTP second factor (secret and otpauth:// URI shown for an authenticator app, then confirmed
 * with a code) or remove it, list and end one's sessions, list / issue / revoke one's API tokens
 * (scopes a subset of one's permissions, expiry in days; the token is shown once). The admin
 * token has no user centre: the page says so.
 */
import {
  Alert,
  App,
  Button,
  Card,
  Descriptions,
  Form,
  Input,
  InputNumber,
  Modal,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, asError, unwrap, useApi } from '../api';
import { ErrorAlert, QueryView, StatusTag } from '../components/QueryView';
import { TAG_TEXT } from '../theme';
import { useMe } from '../me';

interface SessionView {
  id: string;
  ip: string | null;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  current: boolean;
}
interface TokenView {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  status: string;
}

const when = (s: string | null) => (s ? new Date(s).toLocaleString() : '—');

export default function Me() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const me = useMe();
  const isUser = !!me?.user;
  const sessions = useApi(
    () =>
      isUser
        ? unwrap<{ items: SessionView[] }>(api.GET('/v1/me/sessions'))
        : Promise.resolve({ items: [] }),
    [isUser],
  );
  const tokens = useApi(
    () =>
      isUser
        ? unwrap<{ items: TokenView[] }>(api.GET('/v1/me/tokens'))
        : Promise.resolve({ items: [] }),
    [isUser],
  );
  const [enrolment, setEnrolment] = useState<{ secret: string; uri: string }>();
  const [totpOn, setTotpOn] = useState<boolean>(me?.user?.totp ?? false);
  const [issued, setIssued] = useState<{ token: string; expiresAt: string }>();
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState<string>();
  const [pwForm] = Form.useForm();

  const run = async (name: string, fn: () => Promise<void>, done?: string) => {
    setBusy(name);
    setError(undefined);
    try {
      await fn();
      if (done) void message.success(done);
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(undefined);
    }
  };

  if (!me?.user)
    return (
      <>
        <Typography.Title level={2}>{t('me.title')}</Typography.Title>
        <Alert type="info" showIcon message={t('me.adminToken')} />
      </>
    );
  const user = me.user;

  return (
    <>
      <Typography.Title level={2}>{t('me.title')}</Typography.Title>
      {error ? <ErrorAlert error={error} /> : null}
      <Card title={t('me.profile')} style={{ marginBottom: 16 }}>
        <Descriptions size="small" column={2}>
          <Descriptions.Item label={t('common.name')}>{user.name}</Descriptions.Item>
          <Descriptions.Item label={t('users.roles')}>
            {user.roles.map((r) => (
              <Tag key={r}>{r}</Tag>
            ))}
          </Descriptions.Item>
          <Descriptions.Item label={t('users.permissions')} span={2}>
            <Typography.Text style={{ fontSize: 12 }}>{me.permissions.join(', ')}</Typography.Text>
          </Descriptions.Item>
        </Descriptions>
      </Card>

      <Space align="start" style={{ width: '100%', marginBottom: 16 }} wrap>
        <Card title={t('me.changePassword')} style={{ width: 440 }}>
          <Form
            form={pwForm}
            layout="vertical"
            onFinish={(v: { current: string; password: string }) =>
              void run(
                'password',
                async () => {
                  await unwrap(
                    api.POST('/v1/me/password', {
                      body: { current: v.current, password: v.password },
                    }),
                  );
                  pwForm.resetFields();
                  sessions.reload();
                  tokens.reload();
                },
                t('me.passwordChanged'),
              )
            }
          >
            <Form.Item
              name="current"
              label={t('me.currentPassword')}
              rules={[{ required: true, message: t('account.passwordRequired') }]}
            >
              <Input.Password autoComplete="current-password" />
            </Form.Item>
            <Form.Item
              name="password"
              label={t('account.newPassword')}
              extra={t('account.passwordPolicy')}
              rules={[{ required: true, min: 12, message: t('account.passwordPolicy') }]}
            >
              <Input.Password autoComplete="new-password" />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={busy === 'password'}>
              {t('me.changePassword')}
            </Button>
          </Form>
        </Card>

        <Card title={t('me.totp')} style={{ width: 560 }}>
          <Typography.Paragraph>
            {t('me.totpState')}:{' '}
            {totpOn ? (
              <Tag color="green" style={{ color: TAG_TEXT.green }}>
                {t('me.totpOn')}
              </Tag>
            ) : (
              <Tag>{t('me.totpOff')}</Tag>
            )}
          </Typography.Paragraph>
          {enrolment ? (
            <Space direction="vertical" style={{ width: '100%' }}>
              <Alert type="info" showIcon message={t('me.totpScan')} />
              <Descriptions size="small" column={1} bordered>
                <Descriptions.Item label={t('me.secret')}>
                  <Typography.Text code copyable style={{ wordBreak: 'break-all' }}>
                    {enrolment.secret}
                  </Typography.Text>
                </Descriptions.Item>
                <Descriptions.Item label={t('me.uri')}>
                  <Typography.Text code copyable style={{ wordBreak: 'break-all' }}>
                    {enrolment.uri}
                  </Typography.Text>
                </Descriptions.Item>
              </Descriptions>
              <Form
                layout="inline"
                onFinish={(v: { code: string }) =>
                  void run(
                    'confirm',
                    async () => {
                      await unwrap(
                        api.POST('/v1/me/totp/confirm', { body: { code: v.code.trim() } }),
                      );
                      setEnrolment(undefined);
                      setTotpOn(true);
                    },
                    t('me.totpConfirmed'),
                  )
                }
              >
                <Form.Item
                  name="code"
                  label={t('account.code')}
                  rules={[
                    { required: true, pattern: /^\s*\d{6}\s*$/, message: t('account.codeHelp') },
                  ]}
                >
                  <Input inputMode="numeric" autoComplete="one-time-code" maxLength={6} />
                </Form.Item>
                <Button type="primary" htmlType="submit" loading={busy === 'confirm'}>
                  {t('me.confirmTotp')}
                </Button>
              </Form>
            </Space>
          ) : (
            <Button
              type={totpOn ? 'default' : 'primary'}
              loading={busy === 'enrol'}
              onClick={() =>
                void run('enrol', async () =>
                  setEnrolment(
                    await unwrap<{ secret: string; uri: string }>(api.POST('/v1/me/totp')),
                  ),
                )
              }
            >
              {totpOn ? t('me.totpRenew') : t('me.totpEnrol')}
            </Button>
          )}
          {totpOn && !enrolment ? (
            <Form
              layout="inline"
              style={{ marginTop: 16 }}
              onFinish={(v: { password: string }) =>
                void run(
                  'remove',
                  async () => {
                    await unwrap(api.DELETE('/v1/me/totp', { body: { password: v.password } }));
                    setTotpOn(false);
                  },
                  t('me.totpRemoved'),
                )
              }
            >
              <Form.Item
                name="password"
                label={t('account.password')}
                rules={[{ required: true, message: t('account.passwordRequired') }]}
              >
                <Input.Password autoComplete="current-password" />
              </Form.Item>
              <Button danger htmlType="submit" loading={busy === 'remove'}>
                {t('me.totpRemove')}
              </Button>
            </Form>
          ) : null}
        </Card>
      </Space>

      <Card title={t('me.sessions')} style={{ marginBottom: 16 }}>
        <QueryView query={sessions} isEmpty={(s) => s.items.length === 0}>
          {(s) => (
            <Table
              size="small"
              rowKey="id"
              pagination={false}
              dataSource={s.items}
              columns={[
                {
                  title: t('me.session'),
                  render: (_, r) => (
                    <>
                      <Typography.Text code>{r.id.slice(0, 8)}</Typography.Text>{' '}
                      {r.current ? (
                        <Tag color="blue" style={{ color: TAG_TEXT.blue }}>
                          {t('me.current')}
                        </Tag>
                      ) : null}
                    </>
                  ),
                },
                { title: 'IP', render: (_, r) => r.ip ?? '—' },
                { title: t('common.createdAt'), render: (_, r) => when(r.createdAt) },
                { title: t('me.lastSeen'), render: (_, r) => when(r.lastSeenAt) },
                { title: t('datasets.expiresAt'), render: (_, r) => when(r.expiresAt) },
                {
                  title: t('common.actions'),
                  render: (_, r) =>
                    r.current ? null : (
                      <Button
                        size="small"
                        danger
                        onClick={() =>
                          void run(
                            'session',
                            async () => {
                              await unwrap(
                                api.DELETE('/v1/me/sessions/{id}', {
                                  params: { path: { id: r.id } },
                                }),
                              );
                              sessions.reload();
                            },
                            t('me.revoked'),
                          )
                        }
                      >
                        {t('me.endSession')}
                      </Button>
                    ),
                },
              ]}
            />
          )}
        </QueryView>
      </Card>

      <Card title={t('me.tokens')}>
        <Form
          layout="inline"
          style={{ marginBottom: 16, rowGap: 8 }}
          initialValues={{ expiresInDays: 90 }}
          onFinish={(v: { name: string; scopes: string[]; expiresInDays: number }) =>
            void run('token', async () => {
              const r = await unwrap<{ token: string; expiresAt: string }>(
                api.POST('/v1/me/tokens', {
                  body: { name: v.name.trim(), scopes: v.scopes, expiresInDays: v.expiresInDays },
                }),
              );
              setIssued(r);
              tokens.reload();
            })
          }
        >
          <Form.Item
            name="name"
            label={t('common.name')}
            rules={[{ required: true, whitespace: true }]}
          >
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item
            name="scopes"
            label={t('me.scopes')}
            rules={[{ required: true, type: 'array', min: 1, message: t('me.scopesHelp') }]}
          >
            <Select
              mode="multiple"
              style={{ minWidth: 280 }}
              options={me.permissions.map((p) => ({ value: p, label: p }))}
            />
          </Form.Item>
          <Form.Item
            name="expiresInDays"
            label={t('me.expiresInDays')}
            rules={[{ required: true }]}
          >
            <InputNumber min={1} max={366} />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy === 'token'}>
            {t('me.createToken')}
          </Button>
        </Form>
        <QueryView
          query={tokens}
          isEmpty={(x) => x.items.length === 0}
          emptyText={t('me.noTokens')}
        >
          {(x) => (
            <Table
              size="small"
              rowKey="id"
              pagination={false}
              dataSource={x.items}
              columns={[
                { title: t('common.name'), dataIndex: 'name' },
                {
                  title: t('me.scopes'),
                  render: (_, r) => r.scopes.map((s) => <Tag key={s}>{s}</Tag>),
                },
                { title: t('common.status'), render: (_, r) => <StatusTag status={r.status} /> },
                { title: t('datasets.expiresAt'), render: (_, r) => when(r.expiresAt) },
                { title: t('me.lastUsed'), render: (_, r) => when(r.lastUsedAt) },
                {
                  title: t('common.actions'),
                  render: (_, r) =>
                    r.status === 'active' ? (
                      <Button
                        size="small"
                        danger
                        onClick={() =>
                          void run(
                            'revoke',
                            async () => {
                              await unwrap(
                                api.DELETE('/v1/me/tokens/{id}', {
                                  params: { path: { id: r.id } },
                                }),
                              );
                              tokens.reload();
                            },
                            t('me.revoked'),
                          )
                        }
                      >
                        {t('me.revoke')}
                      </Button>
                    ) : null,
                },
              ]}
            />
          )}
        </QueryView>
      </Card>

      <Modal
        open={issued !== undefined}
        title={t('me.tokenIssued')}
        onCancel={() => setIssued(undefined)}
        footer={<Button onClick={() => setIssued(undefined)}>{t('users.close')}</Button>}
      >
        <Alert type="warning" showIcon message={t('me.tokenOnce')} />
        <Typography.Paragraph style={{ marginTop: 16 }}>
          <Typography.Text code copyable style={{ wordBreak: 'break-all' }}>
            {issued?.token}
          </Typography.Text>
        </Typography.Paragraph>
      </Modal>
    </>
  );
}
