/**
 * The signed-in frame: side navigation, language switch and sign-out; pages render in the
 * outlet. Without a token (or after a 401 anywhere) it sends the user to the sign-in page.
 */
import {
  ApartmentOutlined,
  DashboardOutlined,
  DatabaseOutlined,
  DeploymentUnitOutlined,
  LineChartOutlined,
  TeamOutlined,
} from '@ant-design/icons';
import { Button, Layout, Menu, Select, Space, Spin, Typography } from 'antd';
import { Suspense, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, Outlet, useLocation, useNavigate } from 'react-router';
import { LANGUAGES, setLanguage, type Language } from '../i18n';
import { clearToken, getToken, UNAUTHORIZED_EVENT } from '../session';

export function PageFallback() {
  const { t } = useTranslation();
  return (
    <div style={{ padding: 48, textAlign: 'center' }}>
      <Spin aria-label={t('common.loading')} />
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

const NAV = [
  { key: '/', icon: <DashboardOutlined />, label: 'nav.dashboard' },
  { key: '/partners', icon: <TeamOutlined />, label: 'nav.partners' },
  { key: '/datasets', icon: <DatabaseOutlined />, label: 'nav.datasets' },
  { key: '/jobs', icon: <ApartmentOutlined />, label: 'nav.jobs' },
  { key: '/results', icon: <LineChartOutlined />, label: 'nav.results' },
  { key: '/models', icon: <DeploymentUnitOutlined />, label: 'nav.models' },
];

export function AppLayout() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const location = useLocation();

  useEffect(() => {
    const onUnauthorized = () => navigate('/sign-in', { replace: true, state: { expired: true } });
    window.addEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
  }, [navigate]);

  if (!getToken()) return <Navigate to="/sign-in" replace state={{ from: location.pathname }} />;
  const selected =
    NAV.filter((n) => n.key !== '/' && location.pathname.startsWith(n.key))[0]?.key ?? '/';

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
            items={NAV.map((n) => ({ key: n.key, icon: n.icon, label: t(n.label) }))}
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
            <LanguageSelect />
            <Button
              onClick={() => {
                clearToken();
                navigate('/sign-in', { replace: true });
              }}
            >
              {t('app.signOut')}
            </Button>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: 24 }}>
          <main>
            <Suspense fallback={<PageFallback />}>
              <Outlet />
            </Suspense>
          </main>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
