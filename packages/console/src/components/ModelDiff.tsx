/**
 * What changed between two model versions (GET /v1/model-versions/diff?from=&to=, as
 * `fedgrid model diff NAME@V NAME@W`): changed facts, training parameters, features per party,
 * part digests and every evaluation metric with its delta.
 */
import { Alert, AutoComplete, Button, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, asError, unwrap } from '../api';
import { ErrorAlert } from './QueryView';

interface VersionDiff {
  from: string;
  to: string;
  same: boolean;
  fields: { field: string; from: unknown; to: unknown }[];
  params: { key: string; from: unknown; to: unknown }[];
  features: { party: string; known: boolean; added: string[]; removed: string[] }[];
  digests: { party: string; from: string | null; to: string | null }[];
  metrics: {
    task: string;
    metric: string;
    from: number | null;
    to: number | null;
    delta: number | null;
  }[];
}

const show = (v: unknown) => (v === null || v === undefined ? '—' : JSON.stringify(v));

export function ModelDiff({ refs }: { refs: string[] }) {
  const { t } = useTranslation();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [diff, setDiff] = useState<VersionDiff>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const options = refs.map((r) => ({ value: r }));
  const compare = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setDiff(
        await unwrap<VersionDiff>(
          api.GET('/v1/model-versions/diff', {
            params: { query: { from: from.trim(), to: to.trim() } },
          }),
        ),
      );
    } catch (e) {
      setDiff(undefined);
      setError(asError(e));
    } finally {
      setBusy(false);
    }
  };
  const small = <R extends object>(
    title: string,
    rows: R[],
    columns: { title: string; render: (r: R) => string }[],
  ) =>
    rows.length ? (
      <>
        <Typography.Title level={5}>{title}</Typography.Title>
        <Table<R>
          size="small"
          rowKey={(r) => JSON.stringify(r)}
          pagination={false}
          dataSource={rows}
          columns={columns.map((c, i) => ({
            key: i,
            title: c.title,
            render: (_: unknown, r: R) => c.render(r),
          }))}
        />
      </>
    ) : null;
  return (
    <>
      <Space wrap style={{ marginBottom: 8 }}>
        <AutoComplete
          aria-label={t('modelDiff.from')}
          placeholder={`${t('modelDiff.from')} (NAME@V)`}
          style={{ width: 240 }}
          options={options}
          value={from}
          onChange={setFrom}
          filterOption={(input, o) => String(o?.value).includes(input)}
        />
        <AutoComplete
          aria-label={t('modelDiff.to')}
          placeholder={`${t('modelDiff.to')} (NAME@W)`}
          style={{ width: 240 }}
          options={options}
          value={to}
          onChange={setTo}
          filterOption={(input, o) => String(o?.value).includes(input)}
        />
        <Button
          type="primary"
          disabled={!from.trim() || !to.trim()}
          loading={busy}
          onClick={() => void compare()}
        >
          {t('modelDiff.compare')}
        </Button>
      </Space>
      {error ? <ErrorAlert error={error} /> : null}
      {diff ? (
        <div data-testid="model-diff">
          {diff.same ? <Alert type="info" showIcon message={t('modelDiff.same')} /> : null}
          {small(t('modelDiff.fields'), diff.fields, [
            { title: t('modelDiff.field'), render: (r: VersionDiff['fields'][number]) => r.field },
            { title: diff.from, render: (r: VersionDiff['fields'][number]) => show(r.from) },
            { title: diff.to, render: (r: VersionDiff['fields'][number]) => show(r.to) },
          ])}
          {small(t('modelDiff.params'), diff.params, [
            {
              title: t('componentsPage.parameter'),
              render: (r: VersionDiff['params'][number]) => r.key,
            },
            { title: diff.from, render: (r: VersionDiff['params'][number]) => show(r.from) },
            { title: diff.to, render: (r: VersionDiff['params'][number]) => show(r.to) },
          ])}
          {small(t('modelDiff.features'), diff.features, [
            { title: t('jobOps.party'), render: (r: VersionDiff['features'][number]) => r.party },
            {
              title: t('modelDiff.added'),
              render: (r: VersionDiff['features'][number]) =>
                r.known ? r.added.join(', ') || '—' : t('modelDiff.unknown'),
            },
            {
              title: t('modelDiff.removed'),
              render: (r: VersionDiff['features'][number]) =>
                r.known ? r.removed.join(', ') || '—' : t('modelDiff.unknown'),
            },
          ])}
          {small(t('modelDiff.digests'), diff.digests, [
            { title: t('jobOps.party'), render: (r: VersionDiff['digests'][number]) => r.party },
            { title: diff.from, render: (r: VersionDiff['digests'][number]) => r.from ?? '—' },
            { title: diff.to, render: (r: VersionDiff['digests'][number]) => r.to ?? '—' },
          ])}
          {small(t('modelDiff.metrics'), diff.metrics, [
            { title: t('results.task'), render: (r: VersionDiff['metrics'][number]) => r.task },
            {
              title: t('modelDiff.metric'),
              render: (r: VersionDiff['metrics'][number]) => r.metric,
            },
            { title: diff.from, render: (r: VersionDiff['metrics'][number]) => show(r.from) },
            { title: diff.to, render: (r: VersionDiff['metrics'][number]) => show(r.to) },
            {
              title: t('modelDiff.delta'),
              render: (r: VersionDiff['metrics'][number]) =>
                r.delta === null ? '—' : (r.delta > 0 ? '+' : '') + r.delta.toPrecision(4),
            },
          ])}
        </div>
      ) : null}
    </>
  );
}
