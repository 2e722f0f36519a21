/** Sign-in with the node's admin token (until accounts land): checked with GET /v1/node. */
import { Alert, Button, Card, Form, Input, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation, useNavigate } from 'react-router';
import { ApiError, unwrap } from '@fedgrid/api-client';
import { createNodeApi } from '@fedgrid/api-client';
import { ErrorAlert } from '../components/QueryView';
import { LanguageSelect } from '../layout/AppLayout';
import { setToken } from '../session';

export default function SignIn() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const location = useLocation();
  const state = (location.state ?? {}) as { expired?: boolean; from?: string };
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);

  const submit = async ({ token }: { token: string }) => {
    setBusy(true);
    setError(undefined);
    try {
      const probe = createNodeApi({ baseUrl: window.location.origin, token: token.trim() });
      await unwrap(probe.GET('/v1/node'));
      setToken(token.trim());
      navigate(state.from && state.from !== '/sign-in' ? state.from : '/', { replace: true });
    } catch (e) {
      setError(e instanceof ApiError || e instanceof Error ? e : new Error(String(e)));
    } finally {
      setBusy(false);
    }
  };

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
      <Card style={{ width: 440 }}>
        <Space direction="vertical" size="middle" style={{ width: '100%' }}>
          <div style={{ display: 'flex', justifyContent: 'space-between' }}>
            <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
              {t('signIn.title')}
            </Typography.Title>
            <LanguageSelect />
          </div>
          <Typography.Paragraph type="secondary">{t('signIn.subtitle')}</Typography.Paragraph>
          {state.expired ? <Alert type="warning" showIcon message={t('signIn.expired')} /> : null}
          {error ? <ErrorAlert error={error} /> : null}
          <Form layout="vertical" onFinish={(v: { token: string }) => void submit(v)}>
            <Form.Item
              label={t('signIn.token')}
              name="token"
              rules={[{ required: true, whitespace: true, message: t('signIn.tokenRequired') }]}
            >
              <Input.Password autoFocus autoComplete="current-password" />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={busy} block>
              {t('signIn.submit')}
            </Button>
          </Form>
        </Space>
      </Card>
    </main>
  );
}
