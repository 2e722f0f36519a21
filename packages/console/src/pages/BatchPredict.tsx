/**
 * Batch prediction (`fedgrid predict batch`): pick a published model version (NAME@VERSION),
 * this node's new dataset and, for each host of the model's training job, the host's new
 * dataset; submit the job (PSI, then `predict` with `model:NAME@VERSION`, the request built by
 * `batchPredictRequest` of @fedgrid/api-client, as the CLI's), follow it live, and download the
 * guest's scores as CSV (`predictionsCsv`, the CLI's `--out` format).
 */
import { batchPredictRequest, predictionsCsv, type PredictionsOutput } from '@fedgrid/api-client';
import {
  Alert,
  Button,
  Card,
  Col,
  Descriptions,
  Form,
  Input,
  Progress,
  Row,
  Select,
  Space,
  Switch,
  Typography,
} from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, asError, unwrap, useApi, type Page } from '../api';
import { fetchOutput, saveText } from '../components/JobOutputs';
import { ErrorAlert, QueryView, StatusTag } from '../components/QueryView';
import type { ModelPartView } from '../flow-types';
import { useJobStream } from '../job-stream';
import type { DatasetView, JobView, NodeView } from '../types';

const FINISHED = ['succeeded', 'failed', 'stopped'];
const enc = encodeURIComponent;

/** The hosts of a job in their order (`host-0`, `host-1`, …), from its parties. */
export function hostsOf(parties: Record<string, string>): { role: string; node: string }[] {
  return Object.entries(parties)
    .filter(([role]) => /^host-\d+$/.test(role))
    .map(([role, node]) => ({ role, node }))
    .sort((a, b) => Number(a.role.slice(5)) - Number(b.role.slice(5)));
}

export default function BatchPredict() {
  const { t } = useTranslation();
  const self = useApi(() => unwrap<NodeView>(api.GET('/v1/node')), []);
  const models = useApi(
    () =>
      unwrap<Page<ModelPartView>>(
        api.GET('/v1/models', { params: { query: { status: 'published', pageSize: 1000 } } }),
      ),
    [],
  );
  const datasets = useApi(
    () =>
      unwrap<Page<DatasetView>>(api.GET('/v1/datasets', { params: { query: { pageSize: 1000 } } })),
    [],
  );
  const [ref, setRef] = useState<string>();
  const [guestData, setGuestData] = useState<string>();
  const [hostData, setHostData] = useState<Record<string, string>>({});
  const [local, setLocal] = useState(false);
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const [jobId, setJobId] = useState<string>();

  // One entry per published version (a node may hold several parts of one version).
  const versions = useMemo(() => {
    const m = new Map<string, ModelPartView>();
    for (const p of models.data?.items ?? []) if (p.ref && !m.has(p.ref)) m.set(p.ref, p);
    return [...m.values()];
  }, [models.data]);
  const part = versions.find((p) => p.ref === ref);
  // The training job says who the hosts were and in which order.
  const training = useApi(
    async () =>
      part
        ? unwrap<JobView>(api.GET('/v1/jobs/{id}', { params: { path: { id: part.jobId } } }))
        : undefined,
    [part?.jobId],
  );
  const hosts = training.data ? hostsOf(training.data.parties) : [];
  // The guest's part of the model scores on the guest: another node's model is not ours to run.
  const notGuest =
    !!training.data && !!self.data && training.data.parties['guest'] !== self.data.nodeId;

  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const body = batchPredictRequest({
        guestNode: self.data?.nodeId ?? '',
        model: ref ?? '',
        guestDataset: guestData ?? '',
        hosts: hosts.map((h) => ({ node: h.node, dataset: (hostData[h.role] ?? '').trim() })),
        ...(local ? { local: true } : {}),
      });
      const job = await unwrap<{ id: string }>(api.POST('/v1/jobs', { body }));
      setJobId(job.id);
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Typography.Title level={2}>{t('batchPredict.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('batchPredict.help')}</Typography.Paragraph>
      <Row gutter={16}>
        <Col xs={24} lg={12}>
          <Card title={t('batchPredict.form')}>
            <QueryView
              query={models}
              isEmpty={(d) => !d.items.some((p) => p.ref)}
              emptyText={t('batchPredict.noModels')}
            >
              {() => (
                <Form layout="vertical" onFinish={() => void submit()}>
                  {error ? <ErrorAlert error={error} /> : null}
                  <Form.Item label={t('batchPredict.model')} htmlFor="predict-model">
                    <Select
                      id="predict-model"
                      value={ref}
                      onChange={(v: string) => {
                        setRef(v);
                        setHostData({});
                      }}
                      options={versions.map((p) => ({
                        value: p.ref ?? '',
                        label: `${p.ref ?? ''} · ${p.component}`,
                      }))}
                    />
                  </Form.Item>
                  {training.error ? (
                    <ErrorAlert error={training.error} onRetry={training.reload} />
                  ) : null}
                  <Form.Item label={t('batchPredict.guestDataset')} htmlFor="predict-guest">
                    <Select
                      id="predict-guest"
                      loading={datasets.loading}
                      value={guestData}
                      onChange={setGuestData}
                      options={(datasets.data?.items ?? []).map((d) => ({
                        value: d.name,
                        label: `${d.name} (${d.rows})`,
                      }))}
                      notFoundContent={t('batchPredict.noDatasets')}
                    />
                  </Form.Item>
                  {hosts.map((h) => (
                    <Form.Item
                      key={h.role}
                      label={t('batchPredict.hostDataset', { role: h.role, node: h.node })}
                      htmlFor={`predict-${h.role}`}
                    >
                      <Input
                        id={`predict-${h.role}`}
                        value={hostData[h.role] ?? ''}
                        onChange={(e) => setHostData((m) => ({ ...m, [h.role]: e.target.value }))}
                      />
                    </Form.Item>
                  ))}
                  {notGuest ? (
                    <Alert
                      type="warning"
                      showIcon
                      message={t('batchPredict.notGuest', {
                        node: training.data?.parties['guest'] ?? '',
                      })}
                    />
                  ) : null}
                  {part && training.data && hosts.length === 0 ? (
                    <Alert type="warning" showIcon message={t('batchPredict.noHosts')} />
                  ) : null}
                  <Form.Item>
                    <Space>
                      <Switch
                        id="predict-local"
                        checked={local}
                        onChange={setLocal}
                        aria-label={t('batchPredict.local')}
                      />
                      <label htmlFor="predict-local">{t('batchPredict.local')}</label>
                    </Space>
                  </Form.Item>
                  <Button
                    type="primary"
                    htmlType="submit"
                    loading={busy}
                    disabled={!ref || !guestData || training.loading || notGuest}
                  >
                    {t('batchPredict.submit')}
                  </Button>
                </Form>
              )}
            </QueryView>
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('batchPredict.job')}>
            {jobId ? (
              <FollowPrediction jobId={jobId} />
            ) : (
              <Typography.Text type="secondary">{t('batchPredict.notSubmitted')}</Typography.Text>
            )}
          </Card>
        </Col>
      </Row>
    </>
  );
}

/** The submitted job, live; once it succeeded, the guest's scores as CSV. */
function FollowPrediction({ jobId }: { jobId: string }) {
  const { t } = useTranslation();
  const stream = useJobStream(jobId);
  const [error, setError] = useState<Error>();
  const [rows, setRows] = useState<number>();
  const job = stream.job;
  const done = job ? job.tasks.filter((x) => x.status === 'succeeded').length : 0;
  const download = async () => {
    setError(undefined);
    try {
      const v = (await fetchOutput(jobId, {
        task_name: 'predict',
        party: 'guest',
        name: 'predictions',
      })) as PredictionsOutput;
      const csv = predictionsCsv(v);
      setRows(v.ids.length);
      saveText(csv, `${jobId}-scores.csv`, 'text/csv');
    } catch (e) {
      setError(asError(e));
    }
  };
  return (
    <div data-testid="predict-job">
      {stream.error ? <ErrorAlert error={stream.error} /> : null}
      {error ? <ErrorAlert error={error} /> : null}
      <Descriptions column={1} size="small">
        <Descriptions.Item label={t('common.id')}>
          <Link to={`/jobs/${enc(jobId)}`}>{jobId}</Link>
        </Descriptions.Item>
        <Descriptions.Item label={t('common.status')}>
          <StatusTag status={job?.status ?? 'queued'} />
        </Descriptions.Item>
      </Descriptions>
      {job ? (
        <Progress
          percent={job.tasks.length ? Math.round((100 * done) / job.tasks.length) : 0}
          status={job.status === 'failed' ? 'exception' : undefined}
          aria-label={t('batchPredict.progress')}
        />
      ) : null}
      {job && FINISHED.includes(job.status) && job.status !== 'succeeded' ? (
        <Alert
          type="error"
          showIcon
          message={t('batchPredict.failed', { status: job.status })}
          description={(job.error as { message?: string } | null)?.message ?? ''}
        />
      ) : null}
      {job?.status === 'succeeded' ? (
        <Space direction="vertical">
          <Button type="primary" data-testid="predict-download" onClick={() => void download()}>
            {t('batchPredict.download')}
          </Button>
          {rows !== undefined ? (
            <Typography.Text>{t('batchPredict.rows', { rows })}</Typography.Text>
          ) : null}
        </Space>
      ) : null}
    </div>
  );
}
