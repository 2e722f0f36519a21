/**
 * One task's stored log (GET /v1/jobs/:id/tasks/:task/logs, as `fedgrid job logs`): time-ordered,
 * filtered by level, paged by event id ("more" continues after the last line, 1 MB a page), and
 * downloadable as text. The live log of the whole job stays on the job page.
 */
import { Button, Modal, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap, useApi } from '../api';
import { saveText } from './JobOutputs';
import { ErrorAlert } from './QueryView';

type Level = 'debug' | 'info' | 'warn' | 'error';
interface LogLine {
  id: number;
  at: string;
  level: string;
  party: string | null;
  message: string;
}
interface LogPage {
  items: LogLine[];
  truncated: boolean;
  next: number;
}

export function TaskLogs({
  jobId,
  task,
  onClose,
}: {
  jobId: string;
  task: string;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [level, setLevel] = useState<Level | undefined>();
  const [after, setAfter] = useState(0);
  const [lines, setLines] = useState<LogLine[]>([]);
  const page = useApi(async () => {
    const r = await unwrap<LogPage>(
      api.GET('/v1/jobs/{id}/tasks/{task}/logs', {
        params: {
          path: { id: jobId, task },
          query: { after, ...(level ? { level } : {}) },
        },
      }),
    );
    setLines((prev) => (after === 0 ? r.items : [...prev, ...r.items]));
    return r;
  }, [jobId, task, level, after]);
  const text = lines
    .map((l) => `${l.at} ${l.level.padEnd(5)} ${l.party ?? '-'} ${l.message}`)
    .join('\n');
  return (
    <Modal
      open
      width={960}
      title={`${t('jobOps.taskLogs')} — ${task}`}
      onCancel={onClose}
      footer={null}
    >
      <Space style={{ marginBottom: 8 }} wrap>
        <Select<Level | ''>
          aria-label={t('jobs.level')}
          style={{ width: 160 }}
          value={level ?? ''}
          onChange={(v) => {
            setAfter(0);
            setLevel(v || undefined);
          }}
          options={[
            { value: '', label: t('jobOps.allLevels') },
            ...(['debug', 'info', 'warn', 'error'] as const).map((l) => ({ value: l, label: l })),
          ]}
        />
        <Button
          disabled={!lines.length}
          onClick={() => saveText(text + '\n', `${jobId}-${task}.log`, 'text/plain')}
        >
          {t('jobOps.downloadLog')}
        </Button>
        {page.data?.truncated ? (
          <Button onClick={() => setAfter(page.data!.next)}>{t('jobOps.moreLogs')}</Button>
        ) : null}
      </Space>
      {page.error ? <ErrorAlert error={page.error} onRetry={page.reload} /> : null}
      {page.loading && !lines.length ? (
        <Typography.Text type="secondary">{t('common.loading')}</Typography.Text>
      ) : lines.length ? (
        <pre
          data-testid="task-logs"
          tabIndex={0}
          aria-label={t('jobOps.taskLogs')}
          style={{
            maxHeight: 480,
            overflow: 'auto',
            fontSize: 12,
            background: '#fafafa',
            padding: 8,
          }}
        >
          {text}
        </pre>
      ) : (
        <Typography.Text type="secondary">{t('jobStream.noLogs')}</Typography.Text>
      )}
    </Modal>
  );
}
