/**
 * Rerun one task of an ended job, with changed parameters or as it was (`fedgrid job task-rerun
 * --params`, POST /v1/jobs/:id/tasks/:task/rerun), or it and every task downstream of it
 * (`fedgrid job rerun --from TASK --params`, POST /v1/jobs/:id/rerun): the form is generated from the task's
 * component's JSON Schema (TaskParamsEditor); only the fields filled in are sent, and the node
 * merges them over the task's current parameters (fields left empty keep their value). Several
 * tasks in one rerun: JobRerun.
 */
import { Checkbox, Modal, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, asError, unwrap } from '../api';
import { ErrorAlert } from './QueryView';
import { filledParams } from '../rerun-params';
import { TaskParamsEditor, type RerunTask } from './TaskParamsEditor';

export function TaskRerun({
  jobId,
  task,
  onClose,
  onDone,
}: {
  jobId: string;
  task: RerunTask;
  onClose: () => void;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const [values, setValues] = useState<Record<string, unknown>>({});
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const [downstream, setDownstream] = useState(false);
  const params = filledParams(values);

  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const changed = Object.keys(params).length > 0;
      if (downstream)
        await unwrap(
          api.POST('/v1/jobs/{id}/rerun', {
            params: { path: { id: jobId } },
            body: { from: task.name, ...(changed ? { params: { [task.name]: params } } : {}) },
          }),
        );
      else
        await unwrap(
          api.POST('/v1/jobs/{id}/tasks/{task}/rerun', {
            params: { path: { id: jobId, task: task.name } },
            body: changed ? { params } : {},
          }),
        );
      onDone();
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(false);
    }
  };

  const changed = Object.keys(params).length;
  return (
    <Modal
      open
      title={t('taskRerun.title', { task: task.name })}
      okText={
        changed ? t('taskRerun.submitChanged', { count: changed }) : t('taskRerun.submitSame')
      }
      cancelText={t('common.cancel')}
      confirmLoading={busy}
      onOk={() => void submit()}
      onCancel={onClose}
      width={560}
    >
      <Typography.Paragraph type="secondary">{t('taskRerun.help')}</Typography.Paragraph>
      {error ? <ErrorAlert error={error} /> : null}
      <Checkbox
        checked={downstream}
        onChange={(e) => setDownstream(e.target.checked)}
        style={{ marginBottom: 8 }}
      >
        {t('taskRerun.downstream')}
      </Checkbox>
      <div style={{ maxHeight: 420, overflowY: 'auto' }} data-testid="task-rerun-form">
        <TaskParamsEditor task={task} values={values} onChange={setValues} />
      </div>
    </Modal>
  );
}
