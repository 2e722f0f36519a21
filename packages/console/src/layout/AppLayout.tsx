/**
 * The signed-in frame: side navigation (from the menu the node derives from the caller's
 * permissions, `GET /v1/me`), language switch, the signed-in user and sign-out; pages render in
 * the outlet. Without a token (or after a 401 anywhere) it sends the user to the sign-in page.
 */
import {
  ApartmentOutlined,
  AppstoreOutlined,
  AuditOutlined,
  DashboardOutlined,
  DatabaseOutlined,
  DeploymentUnitOutlined,
  FolderOpenOutlined,
  LineChartOutlined,
  NodeIndexOutlined,
  SettingOutlined,
  ThunderboltOutlined,
  TeamOutlined,
  UserOutlined,
  UsergroupAddOutlined,
} from '@ant-design/icons';
import { Button, Layout, Menu, Select, Space, Spin, Typography } from 'antd';
import { Suspense, useEffect, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, Outlet, useLocation, useNavigate } from 'react-router';
import { api, unwrap, useApi } from '../api';
import { ErrorAlert } from '../components/QueryView';
import { LANGUAGES, setLanguage, type Language } from '../i18n';
import { MeContext, type MeView } from '../me';
import {
  clearToken,
  getToken,
  getTokenKind,
  sessionWasExpired,
  UNAUTHORIZED_EVENT,
} from '../session';

export function PageFallback() {
  const { t } = useTranslation();
  return (
    <div
      role="status"
      aria-label={t('common.loading')}
      style={{ padding: 48, textAlign: 'center' }}
    >
      <Spin />
    </div>
  );
}

export function LanguageSelect() {
  const { t, i18n } = useTranslation();
  return (
    <Select
      aria-label={t('app.language')}
      size="small"
      value={i18n.language as Language}
      onChange={(v: Language) => void setLanguage(v)}
      options={LANGUAGES.map((l) => ({ value: l, label: l === 'zh-CN' ? '简体中文' : 'English' }))}
      style={{ width: 110 }}
    />
  );
}

/**
 * Console routes, each shown when the node's menu for the caller has one of `menu` (the keys of
 * packages/node/src/accounts/roles.ts MENU).
 */
const NAV: { key: string; icon: ReactNode; label: string; menu: string[] }[] = [
  { key: '/', icon: <DashboardOutlined />, label: 'nav.dashboard', menu: ['node'] },
  { key: '/partners', icon: <TeamOutlined />, label: 'nav.partners', menu: ['contracts'] },
  { key: '/datasets', icon: <DatabaseOutlined />, label: 'nav.datasets', menu: ['datasets'] },
  { key: '/projects', icon: <FolderOpenOutlined />, label: 'projects.nav', menu: ['projects'] },
  { key: '/flows', icon: <NodeIndexOutlined />, label: 'flows.nav', menu: ['flows', 'projects'] },
  // The registry feeds the flow canvas's palette: shown with the flows.
  { key: '/components', icon: <AppstoreOutlined />, label: 'componentsPage.nav', menu: ['flows'] },
  { key: '/jobs', icon: <ApartmentOutlined />, label: 'nav.jobs', menu: ['jobs'] },
  { key: '/results', icon: <LineChartOutlined />, label: 'nav.results', menu: ['jobs'] },
  { key: '/models', icon: <DeploymentUnitOutlined />, label: 'nav.models', menu: ['models'] },
  // Scoring new data needs a published model: shown with the models.
  {
    key: '/predict',
    icon: <ThunderboltOutlined />,
    label: 'batchPredict.nav',
    menu: ['models'],
  },
  {
    key: '/users',
    icon: <UsergroupAddOutlined />,
    label: 'navMore.users',
    menu: ['users', 'roles'],
  },
  { key: '/audit', icon: <AuditOutlined />, label: 'navMore.audit', menu: ['audit'] },
  { key: '/settings', icon: <SettingOutlined />, label: 'navMore.settings', menu: ['node'] },
  { key: '/me', icon: <UserOutlined />, label: 'navMore.me', menu: ['me'] },
];

/** The console's navigation for a caller: the entries its menu allows (no user centre for the admin token). */
export function navFor(me: MeView) {
  const keys = new Set(me.menu.map((m) => m.key));
  if (!me.user) keys.delete('me');
  return NAV.filter((n) => n.menu.some((k) => keys.has(k)));
}

async function signOut(): Promise<void> {
  // A user's session ends on the node too; the admin token and API tokens stay valid.
  if (getTokenKind() === 'session') await api.POST('/v1/auth/logout').catch(() => undefined);
  clearToken();
}

export function AppLayout() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const location = useLocation();
  const token = getToken();
  const me = useApi(() => (token ? unwrap<MeView>(api.GET('/v1/me')) : Promise.reject()), [token]);

  useEffect(() => {
    const onUnauthorized = () => navigate('/sign-in', { replace: true, state: { expired: true } });
    window.addEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
  }, [navigate]);

  // No token: never signed in, signed out, or a 401 ended the session (whichever re-render
  // notices first, the sign-in page says so).
  if (!token)
    return (
      <Navigate
        to="/sign-in"
        replace
        state={{ from: location.pathname, expired: sessionWasExpired() }}
      />
    );
  const nav = me.data ? navFor(me.data) : [];
  // A caller without the dashboard (e.g. the audit administrator) starts on its first page.
  if (location.pathname === '/' && me.data && nav[0] && !nav.some((n) => n.key === '/'))
    return <Navigate to={nav[0].key} replace />;
  const selected =
    nav.filter((n) => n.key !== '/' && location.pathname.startsWith(n.key))[0]?.key ?? '/';

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider width={220} theme="light" breakpoint="lg" collapsedWidth={64}>
        <div style={{ padding: '16px 20px' }}>
          <Typography.Text strong style={{ fontSize: 18 }}>
            FedGrid
          </Typography.Text>
        </div>
        <nav aria-label={t('app.title')}>
          <Menu
            mode="inline"
            selectedKeys={[selected]}
            items={nav.map((n) => ({ key: n.key, icon: n.icon, label: t(n.label) }))}
            onClick={(e) => navigate(e.key)}
          />
        </nav>
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{
            background: '#fff',
            display: 'flex',
            justifyContent: 'flex-end',
            alignItems: 'center',
            padding: '0 24px',
          }}
        >
          <Space>
            {me.data ? (
              <Typography.Text>
                {me.data.user
                  ? `${me.data.user.name} (${me.data.roles.join(', ') || '—'})`
                  : t('navMore.adminToken')}
              </Typography.Text>
            ) : null}
            <LanguageSelect />
            <Button
              onClick={() => void signOut().then(() => navigate('/sign-in', { replace: true }))}
            >
              {t('app.signOut')}
            </Button>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: 24 }}>
          <main>
            {me.error && !me.data ? (
              <ErrorAlert error={me.error} onRetry={me.reload} />
            ) : !me.data ? (
              <PageFallback />
            ) : (
              <MeContext.Provider value={me.data}>
                <Suspense fallback={<PageFallback />}>
                  <Outlet />
                </Suspense>
              </MeContext.Provider>
            )}
          </main>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
