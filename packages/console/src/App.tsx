/**
 * Routes (each page a separate chunk via React.lazy) under the Ant Design provider in the
 * current language.
 */
import { App as AntApp, ConfigProvider } from 'antd';
import enUSAntd from 'antd/locale/en_US';
import zhCNAntd from 'antd/locale/zh_CN';
import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { AppLayout, PageFallback } from './layout/AppLayout';
import { THEME } from './theme';

const SignIn = lazy(() => import('./pages/SignIn'));
const Dashboard = lazy(() => import('./pages/Dashboard'));
const Partners = lazy(() => import('./pages/Partners'));
const Datasets = lazy(() => import('./pages/Datasets'));
const Jobs = lazy(() => import('./pages/Jobs'));
const JobDetail = lazy(() => import('./pages/JobDetail'));
const Results = lazy(() => import('./pages/Results'));
const Models = lazy(() => import('./pages/Models'));
const NotFound = lazy(() => import('./pages/NotFound'));
const Audit = lazy(() => import('./pages/Audit'));
const Users = lazy(() => import('./pages/Users'));
const Me = lazy(() => import('./pages/Me'));
const Settings = lazy(() => import('./pages/Settings'));
const Flows = lazy(() => import('./pages/Flows'));
const Components = lazy(() => import('./pages/Components'));
const Projects = lazy(() => import('./pages/Projects'));
const BatchPredict = lazy(() => import('./pages/BatchPredict'));

export function App() {
  const { i18n } = useTranslation();
  return (
    <ConfigProvider theme={THEME} locale={i18n.language === 'en-US' ? enUSAntd : zhCNAntd}>
      <AntApp>
        <BrowserRouter>
          <Suspense fallback={<PageFallback />}>
            <Routes>
              <Route path="/sign-in" element={<SignIn />} />
              <Route element={<AppLayout />}>
                <Route index element={<Dashboard />} />
                <Route path="partners" element={<Partners />} />
                <Route path="datasets" element={<Datasets />} />
                <Route path="jobs" element={<Jobs />} />
                <Route path="jobs/:id" element={<JobDetail />} />
                <Route path="results" element={<Results />} />
                <Route path="results/:jobId" element={<Results />} />
                <Route path="models" element={<Models />} />
                <Route path="flows" element={<Flows />} />
                <Route path="components" element={<Components />} />
                <Route path="projects" element={<Projects />} />
                <Route path="predict" element={<BatchPredict />} />
                <Route path="dashboard" element={<Navigate to="/" replace />} />
                <Route path="audit" element={<Audit />} />
                <Route path="users" element={<Users />} />
                <Route path="me" element={<Me />} />
                <Route path="settings" element={<Settings />} />
                <Route path="*" element={<NotFound />} />
              </Route>
            </Routes>
          </Suspense>
        </BrowserRouter>
      </AntApp>
    </ConfigProvider>
  );
}
