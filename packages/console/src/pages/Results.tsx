/**
 * A job's evaluation: metrics, ROC and KS curves from the evaluation task's report, and the loss
 * curve from the job's progress events (ECharts).
 */
import { Card, Col, Descriptions, Empty, Input, Row, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { api, unwrap, useApi } from '../api';
import { Chart } from '../components/Chart';
import { QueryView } from '../components/QueryView';
import type { JobEvent, JobView } from '../types';

interface CurvePoint {
  fpr: number;
  tpr: number;
  threshold?: number;
}
interface Report {
  task: string;
  metrics: Record<string, number>;
  curves?: { roc?: CurvePoint[]; ks?: CurvePoint[] };
}

/**
 * The evaluation reports among a job's task results (those carrying metrics). A task's result is
 * keyed by party (`{guest: {...report}}`, jobs.service.ts); the first party with metrics counts.
 */
export function reportsOf(job: JobView): Report[] {
  type R = { metrics?: unknown; curves?: unknown } | null;
  const hasMetrics = (r: R) =>
    !!r && typeof r === 'object' && !!r.metrics && typeof r.metrics === 'object';
  return job.tasks.flatMap((task) => {
    const own = task.result as R;
    const r = hasMetrics(own)
      ? own
      : Object.values((own ?? {}) as Record<string, R>).find((x) => hasMetrics(x));
    return r && hasMetrics(r)
      ? [
          {
            task: task.name,
            metrics: r.metrics as Record<string, number>,
            curves: r.curves as Report['curves'],
          },
        ]
      : [];
  });
}

/** (iteration, loss) pairs from progress events whose data carries a numeric loss. */
export function lossSeries(events: JobEvent[]): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const e of events) {
    const loss = e.data?.['loss'];
    if (typeof loss !== 'number' || !Number.isFinite(loss)) continue;
    const key = e.task_name ?? '';
    const s = out.get(key) ?? [];
    const it = e.data?.['epoch'] ?? e.data?.['iteration'] ?? e.data?.['round'];
    s.push([typeof it === 'number' ? it : s.length + 1, loss]);
    out.set(key, s);
  }
  return out;
}

function ResultsOf({ jobId }: { jobId: string }) {
  const { t } = useTranslation();
  const data = useApi(async () => {
    const [job, events] = await Promise.all([
      unwrap<JobView>(api.GET('/v1/jobs/{id}', { params: { path: { id: jobId } } })),
      unwrap<{ items: JobEvent[] }>(
        api.GET('/v1/jobs/{id}/events', { params: { path: { id: jobId } } }),
      ),
    ]);
    return { reports: reportsOf(job), loss: lossSeries(events.items) };
  }, [jobId]);
  return (
    <QueryView query={data}>
      {({ reports, loss }) => (
        <Row gutter={[16, 16]}>
          {reports.length === 0 ? (
            <Col span={24}>
              <Empty description={t('results.noEvaluation')} />
            </Col>
          ) : null}
          {reports.map((r) => (
            <Col span={24} key={r.task}>
              <Card title={`${t('results.metrics')} — ${r.task}`}>
                <Descriptions size="small" column={4}>
                  {Object.entries(r.metrics)
                    .filter(([, v]) => typeof v === 'number')
                    .map(([k, v]) => (
                      <Descriptions.Item key={k} label={k}>
                        {v.toFixed(4)}
                      </Descriptions.Item>
                    ))}
                </Descriptions>
                <Row gutter={16}>
                  {r.curves?.roc ? (
                    <Col xs={24} lg={12}>
                      <Chart
                        label={t('results.roc')}
                        option={{
                          title: { text: t('results.roc'), textStyle: { fontSize: 14 } },
                          tooltip: { trigger: 'axis' },
                          xAxis: { type: 'value', min: 0, max: 1, name: t('results.fpr') },
                          yAxis: { type: 'value', min: 0, max: 1, name: t('results.tpr') },
                          series: [
                            {
                              type: 'line',
                              showSymbol: false,
                              data: r.curves.roc.map((p) => [p.fpr, p.tpr]),
                            },
                            {
                              type: 'line',
                              showSymbol: false,
                              lineStyle: { type: 'dashed' },
                              data: [
                                [0, 0],
                                [1, 1],
                              ],
                            },
                          ],
                        }}
                      />
                    </Col>
                  ) : null}
                  {r.curves?.ks ? (
                    <Col xs={24} lg={12}>
                      <Chart
                        label={t('results.ks')}
                        option={{
                          title: { text: t('results.ks'), textStyle: { fontSize: 14 } },
                          tooltip: { trigger: 'axis' },
                          legend: { bottom: 0 },
                          xAxis: { type: 'value', name: t('results.threshold') },
                          yAxis: { type: 'value', min: 0, max: 1 },
                          series: [
                            {
                              name: t('results.tpr'),
                              type: 'line',
                              showSymbol: false,
                              data: r.curves.ks.map((p, i) => [p.threshold ?? i, p.tpr]),
                            },
                            {
                              name: t('results.fpr'),
                              type: 'line',
                              showSymbol: false,
                              data: r.curves.ks.map((p, i) => [p.threshold ?? i, p.fpr]),
                            },
                          ],
                        }}
                      />
                    </Col>
                  ) : null}
                </Row>
              </Card>
            </Col>
          ))}
          <Col span={24}>
            <Card title={t('results.loss')}>
              {loss.size === 0 ? (
                <Empty description={t('results.noLoss')} />
              ) : (
                <Chart
                  label={t('results.loss')}
                  option={{
                    tooltip: { trigger: 'axis' },
                    legend: { bottom: 0 },
                    xAxis: { type: 'value', name: t('results.iteration') },
                    yAxis: { type: 'value', name: t('results.lossValue'), scale: true },
                    series: [...loss].map(([task, pts]) => ({
                      name: task,
                      type: 'line',
                      data: pts,
                    })),
                  }}
                />
              )}
            </Card>
          </Col>
        </Row>
      )}
    </QueryView>
  );
}

export default function Results() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const jobId = useParams().jobId;
  return (
    <>
      <Typography.Title level={2}>{t('results.title')}</Typography.Title>
      <Input.Search
        aria-label={t('results.jobId')}
        placeholder={t('results.pickJob')}
        defaultValue={jobId}
        enterButton={t('results.show')}
        onSearch={(v) => v.trim() && navigate(`/results/${encodeURIComponent(v.trim())}`)}
        style={{ maxWidth: 520, marginBottom: 16 }}
      />
      {jobId ? <ResultsOf jobId={jobId} /> : <Empty description={t('results.pickJob')} />}
    </>
  );
}
