/**
 * Sign-in: with a user account of the node (name + password, and the 6-digit TOTP code when the
 * user enrolled a second factor; `POST /v1/auth/login`), or with a token (the node's admin token,
 * the bootstrap credential, or an API token; checked with `GET /v1/me`). A user signing in with a
 * one-time password (new user, or after a reset) sets a new password before going on, since the
 * node refuses everything else until then (PASSWORD_CHANGE_REQUIRED).
 */
import { Alert, Button, Card, Form, Input, Space, Tabs, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation, useNavigate } from 'react-router';
import { ApiError, createNodeApi, unwrap } from '@fedgrid/api-client';
import { ErrorAlert } from '../components/QueryView';
import { LanguageSelect } from '../layout/AppLayout';
import { setToken } from '../session';

interface LoginAnswer {
  token: string;
  sessionId: string;
  expiresAt: string;
  idleTimeoutSeconds: number;
  mustChangePassword: boolean;
}

const asErr = (e: unknown) => (e instanceof Error ? e : new Error(String(e)));
const client = (token?: string) =>
  createNodeApi({ baseUrl: window.location.origin, ...(token ? { token } : {}) });

export default function SignIn() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const location = useLocation();
  const state = (location.state ?? {}) as { expired?: boolean; from?: string };
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const [needCode, setNeedCode] = useState(false);
  /** Set after a sign-in with a one-time password: the session and that password. */
  const [mustChange, setMustChange] = useState<{ token: string; current: string }>();

  const done = () =>
    navigate(state.from && state.from !== '/sign-in' ? state.from : '/', { replace: true });

  const attempt = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
    } catch (e) {
      if (e instanceof ApiError && e.code === 'TOTP_REQUIRED') setNeedCode(true);
      setError(asErr(e));
    } finally {
      setBusy(false);
    }
  };

  const withToken = ({ token }: { token: string }) =>
    attempt(async () => {
      await unwrap(client(token.trim()).GET('/v1/me'));
      setToken(token.trim(), 'token');
      done();
    });

  const withPassword = (v: { user: string; password: string; code?: string }) =>
    attempt(async () => {
      const r = await unwrap<LoginAnswer>(
        client().POST('/v1/auth/login', {
          body: {
            user: v.user.trim(),
            password: v.password,
            ...(v.code?.trim() ? { code: v.code.trim() } : {}),
          },
        }),
      );
      if (r.mustChangePassword) {
        setMustChange({ token: r.token, current: v.password });
        return;
      }
      setToken(r.token, 'session');
      done();
    });

  const changePassword = (v: { password: string }) =>
    attempt(async () => {
      if (!mustChange) return;
      await unwrap(
        client(mustChange.token).POST('/v1/me/password', {
          body: { current: mustChange.current, password: v.password },
        }),
      );
      setToken(mustChange.token, 'session');
      done();
    });

  const accountForm = mustChange ? (
    <Form layout="vertical" onFinish={(v: { password: string }) => void changePassword(v)}>
      <Alert type="info" showIcon message={t('account.mustChange')} style={{ marginBottom: 16 }} />
      <Form.Item
        label={t('account.newPassword')}
        name="password"
        extra={t('account.passwordPolicy')}
        rules={[{ required: true, min: 12, message: t('account.passwordPolicy') }]}
      >
        <Input.Password autoComplete="new-password" />
      </Form.Item>
      <Form.Item
        label={t('account.repeatPassword')}
        name="repeat"
        dependencies={['password']}
        rules={[
          { required: true, message: t('account.repeatPassword') },
          ({ getFieldValue }) => ({
            validator: (_, value) =>
              value === getFieldValue('password')
                ? Promise.resolve()
                : Promise.reject(new Error(t('account.passwordsDiffer'))),
          }),
        ]}
      >
        <Input.Password autoComplete="new-password" />
      </Form.Item>
      <Button type="primary" htmlType="submit" loading={busy} block>
        {t('account.setPassword')}
      </Button>
    </Form>
  ) : (
    <Form
      layout="vertical"
      onFinish={(v: { user: string; password: string; code?: string }) => void withPassword(v)}
    >
      <Form.Item
        label={t('account.user')}
        name="user"
        rules={[{ required: true, whitespace: true, message: t('account.userRequired') }]}
      >
        <Input autoFocus autoComplete="username" />
      </Form.Item>
      <Form.Item
        label={t('account.password')}
        name="password"
        rules={[{ required: true, message: t('account.passwordRequired') }]}
      >
        <Input.Password autoComplete="current-password" />
      </Form.Item>
      {needCode ? (
        <Form.Item
          label={t('account.code')}
          name="code"
          extra={t('account.codeHelp')}
          rules={[{ required: true, pattern: /^\s*\d{6}\s*$/, message: t('account.codeHelp') }]}
        >
          <Input inputMode="numeric" autoComplete="one-time-code" maxLength={6} />
        </Form.Item>
      ) : null}
      <Button type="primary" htmlType="submit" loading={busy} block>
        {t('signIn.submit')}
      </Button>
    </Form>
  );

  return (
    <main
      style={{
        minHeight: '100vh',
        display: 'flex',
        alignItems: 'center',
        justifyContent: 'center',
        background: '#f5f5f5',
      }}
    >
      <Card style={{ width: 460 }}>
        <Space direction="vertical" size="middle" style={{ width: '100%' }}>
          <div style={{ display: 'flex', justifyContent: 'space-between' }}>
            <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
              {t('signIn.title')}
            </Typography.Title>
            <LanguageSelect />
          </div>
          {state.expired ? <Alert type="warning" showIcon message={t('signIn.expired')} /> : null}
          {error ? <ErrorAlert error={error} /> : null}
          <Tabs
            onChange={() => setError(undefined)}
            items={[
              { key: 'account', label: t('account.tabAccount'), children: accountForm },
              {
                key: 'token',
                label: t('account.tabToken'),
                children: (
                  <>
                    <Typography.Paragraph type="secondary">
                      {t('signIn.subtitle')}
                    </Typography.Paragraph>
                    <Form layout="vertical" onFinish={(v: { token: string }) => void withToken(v)}>
                      <Form.Item
                        label={t('signIn.token')}
                        name="token"
                        rules={[
                          { required: true, whitespace: true, message: t('signIn.tokenRequired') },
                        ]}
                      >
                        <Input.Password autoComplete="current-password" />
                      </Form.Item>
                      <Button type="primary" htmlType="submit" loading={busy} block>
                        {t('signIn.submit')}
                      </Button>
                    </Form>
                  </>
                ),
              },
            ]}
          />
        </Space>
      </Card>
    </main>
  );
}
