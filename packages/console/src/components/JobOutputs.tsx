/**
 * A job's outputs on this node (GET /v1/jobs/:id/outputs, as `fedgrid job outputs`), each
 * downloadable as JSON (GET /v1/jobs/:id/outputs/:task/:party/:name, as `fedgrid job output`)
 * and, for predictions, as CSV (id, score, label … as `fedgrid job output … --csv`).
 */
import { predictionsCsv, type PredictionsOutput } from '@fedgrid/api-client';
import { Button, Card, Space, Table } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, asError, unwrap, useApi } from '../api';
import { ErrorAlert } from './QueryView';

/** One row of GET /v1/jobs/:id/outputs. */
export interface OutputRow {
  job_id: string;
  task_name: string;
  party: string;
  name: string;
  kind: string;
}

/** Saves `text` as a file named `name` through a blob URL. */
export function saveText(text: string, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  URL.revokeObjectURL(url);
}

/** One output's content (the node's JSON answer). */
export function fetchOutput(jobId: string, r: Omit<OutputRow, 'job_id' | 'kind'>) {
  return unwrap<unknown>(
    api.GET('/v1/jobs/{id}/outputs/{task}/{party}/{name}', {
      params: { path: { id: jobId, task: r.task_name, party: r.party, name: r.name } },
    }),
  );
}

export function JobOutputs({ jobId, version }: { jobId: string; version: string }) {
  const { t } = useTranslation();
  const [error, setError] = useState<Error>();
  const outputs = useApi(
    () =>
      unwrap<{ items: OutputRow[] }>(
        api.GET('/v1/jobs/{id}/outputs', { params: { path: { id: jobId } } }),
      ),
    [jobId, version],
  );
  const download = async (r: OutputRow, csv: boolean) => {
    setError(undefined);
    try {
      const v = await fetchOutput(jobId, r);
      const base = `${jobId}-${r.task_name}-${r.party}-${r.name}`;
      if (csv) saveText(predictionsCsv(v as PredictionsOutput), `${base}.csv`, 'text/csv');
      else saveText(JSON.stringify(v, null, 2), `${base}.json`, 'application/json');
    } catch (e) {
      setError(asError(e));
    }
  };
  const err = error ?? outputs.error;
  return (
    <Card title={t('jobOps.outputs')} style={{ marginTop: 16 }} data-testid="job-outputs">
      {err ? <ErrorAlert error={err} onRetry={outputs.reload} /> : null}
      <Table
        size="small"
        rowKey={(r) => `${r.task_name}/${r.party}/${r.name}`}
        loading={outputs.loading}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        dataSource={outputs.data?.items ?? []}
        locale={{ emptyText: t('jobOps.noOutputs') }}
        columns={[
          { title: t('results.task'), dataIndex: 'task_name' },
          { title: t('jobOps.party'), dataIndex: 'party' },
          { title: t('common.name'), dataIndex: 'name' },
          { title: t('jobs.kind'), dataIndex: 'kind' },
          {
            title: t('common.actions'),
            render: (_, r) => (
              <Space>
                <Button size="small" onClick={() => void download(r, false)}>
                  {t('jobOps.downloadJson')}
                </Button>
                {r.kind === 'predictions' ? (
                  <Button
                    size="small"
                    data-testid={`output-csv-${r.task_name}`}
                    onClick={() => void download(r, true)}
                  >
                    {t('jobOps.downloadCsv')}
                  </Button>
                ) : null}
              </Space>
            ),
          },
        ]}
      />
    </Card>
  );
}
