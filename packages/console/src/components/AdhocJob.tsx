/**
 * A job submitted without a saved flow (`fedgrid job submit FILE`, POST /v1/jobs): the job
 * description as JSON (parties, datasets, tasks with their components, inputs and parameters),
 * optionally in a project. The node checks it (partners, contracts, grants, ad-hoc permissions)
 * and its error says what to fix; on success the job's page opens.
 */
import type { paths } from '@fedgrid/api-client';
import { Button, Card, Input, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { api, asError, unwrap } from '../api';
import { ErrorAlert } from './QueryView';

/** The job request (POST /v1/jobs) as the API declares it. */
type JobBody = paths['/v1/jobs']['post']['requestBody']['content']['application/json'];

/** A starting point: the guest is this node; one PSI task. */
function template(self: string | undefined): string {
  return JSON.stringify(
    {
      name: 'psi',
      parties: { guest: { node: self ?? 'GUEST' }, hosts: [{ node: 'HOST' }] },
      datasets: { guest: 'GUEST_DATASET', 'host-0': 'HOST_DATASET' },
      tasks: [{ name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } }],
    },
    null,
    2,
  );
}

/**
 * Parses the job text.
 * @throws Error saying where the JSON is malformed, or that it is not an object.
 */
export function parseJobText(text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`the job is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Error('the job must be a JSON object with parties, datasets and tasks');
  return v as Record<string, unknown>;
}

export function AdhocJob({
  self,
  projects,
}: {
  self: string | undefined;
  projects: { id: string; name: string; status: string }[];
}) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [text, setText] = useState<string>();
  const [projectId, setProjectId] = useState<string>();
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const value = text ?? template(self);
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const body = { ...parseJobText(value), ...(projectId ? { projectId } : {}) };
      const job = await unwrap<{ id: string }>(api.POST('/v1/jobs', { body: body as JobBody }));
      navigate(`/jobs/${encodeURIComponent(job.id)}`);
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={t('adhocJob.title')} style={{ marginTop: 16 }} data-testid="adhoc-job">
      <Typography.Paragraph type="secondary">{t('adhocJob.help')}</Typography.Paragraph>
      {error ? <ErrorAlert error={error} /> : null}
      <label htmlFor="adhoc-job-text">{t('adhocJob.spec')}</label>
      <Input.TextArea
        id="adhoc-job-text"
        rows={12}
        spellCheck={false}
        style={{ fontFamily: 'monospace', fontSize: 12 }}
        value={value}
        onChange={(e) => setText(e.target.value)}
      />
      <Space style={{ marginTop: 8 }} wrap>
        <Select
          aria-label={t('adhocJob.project')}
          placeholder={t('adhocJob.project')}
          allowClear
          style={{ width: 260 }}
          value={projectId}
          onChange={setProjectId}
          options={projects
            .filter((p) => p.status === 'active')
            .map((p) => ({ value: p.id, label: `${p.name} (${p.id})` }))}
        />
        <Button type="primary" loading={busy} onClick={() => void submit()}>
          {t('adhocJob.submit')}
        </Button>
        <Button onClick={() => setText(template(self))}>{t('adhocJob.reset')}</Button>
      </Space>
    </Card>
  );
}
