/**
 * Rerun an ended job with changed parameters for several tasks at once — the console's
 * `fedgrid job rerun ID --params '{"taskA":{…},"taskB":{…}}' [--from TASK]`, one
 * POST /v1/jobs/:id/rerun. Each chosen task gets its own form generated from its component's
 * JSON Schema (TaskParamsEditor); only the fields filled in are sent and the node merges them over
 * the task's current parameters. A chosen task with nothing changed is sent with no changes, which
 * still reruns it (the node reruns every task named in `params`, and everything downstream of it).
 * Without any chosen task the node reruns the tasks that did not succeed; `from` reruns that task
 * and its downstream as well.
 */
import { Card, Checkbox, Form, Modal, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, asError, unwrap } from '../api';
import { jobRerunBody } from '../rerun-params';
import { ErrorAlert } from './QueryView';
import { TaskParamsEditor, type RerunTask } from './TaskParamsEditor';

export function JobRerun({
  jobId,
  tasks,
  onClose,
  onDone,
}: {
  jobId: string;
  /** The job's tasks in the job's order. */
  tasks: RerunTask[];
  onClose: () => void;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const [chosen, setChosen] = useState<string[]>([]);
  const [values, setValues] = useState<Record<string, Record<string, unknown>>>({});
  const [from, setFrom] = useState<string>();
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const body = jobRerunBody(chosen, values, from);
  const fields = Object.values(body.params ?? {}).reduce((n, p) => n + Object.keys(p).length, 0);
  const shown = tasks.filter((x) => chosen.includes(x.name));

  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await unwrap(api.POST('/v1/jobs/{id}/rerun', { params: { path: { id: jobId } }, body }));
      onDone();
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open
      title={t('jobRerun.title')}
      okText={
        chosen.length
          ? t('jobRerun.submitTasks', { count: chosen.length, fields })
          : from
            ? t('jobRerun.submitFrom', { task: from })
            : t('jobRerun.submitFailed')
      }
      cancelText={t('common.cancel')}
      confirmLoading={busy}
      onOk={() => void submit()}
      onCancel={onClose}
      width={720}
    >
      <Typography.Paragraph type="secondary">{t('jobRerun.help')}</Typography.Paragraph>
      {error ? <ErrorAlert error={error} /> : null}
      <Form layout="vertical" size="small">
        <Form.Item label={t('jobRerun.tasks')}>
          <div role="group" aria-label={t('jobRerun.tasks')} data-testid="job-rerun-tasks">
            <Checkbox.Group
              value={chosen}
              onChange={(v) => setChosen(v)}
              options={tasks.map((x) => ({ value: x.name, label: `${x.name} (${x.component})` }))}
            />
          </div>
        </Form.Item>
        <Form.Item
          label={t('jobRerun.from')}
          htmlFor="job-rerun-from"
          help={t('jobRerun.fromHelp')}
        >
          <Select
            id="job-rerun-from"
            allowClear
            value={from}
            onChange={(v?: string) => setFrom(v)}
            placeholder={t('jobRerun.fromNone')}
            options={tasks.map((x) => ({ value: x.name, label: x.name }))}
          />
        </Form.Item>
      </Form>
      <Space direction="vertical" style={{ width: '100%', maxHeight: 440, overflowY: 'auto' }}>
        {shown.map((task) => (
          <Card
            key={task.name}
            size="small"
            title={t('jobRerun.paramsOf', { task: task.name })}
            data-testid={`job-rerun-params-${task.name}`}
          >
            <TaskParamsEditor
              task={task}
              values={values[task.name] ?? {}}
              onChange={(v) => setValues((all) => ({ ...all, [task.name]: v }))}
            />
          </Card>
        ))}
      </Space>
    </Modal>
  );
}
