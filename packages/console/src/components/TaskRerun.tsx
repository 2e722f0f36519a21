/**
 * Rerun one task of an ended job, with changed parameters or as it was (`fedgrid job task-rerun
 * --params`, POST /v1/jobs/:id/tasks/:task/rerun), or it and every task downstream of it
 * (`fedgrid job rerun --from TASK --params`, POST /v1/jobs/:id/rerun): the form is generated from the task's
 * component's JSON Schema; only the fields filled in are sent, and the node merges them over the
 * task's current parameters (fields left empty keep their value). The node's own check of the
 * changes (POST /v1/components/:code/:version/validate) shows under the fields as they change.
 */
import { Checkbox, Modal, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, asError, unwrap, useApi } from '../api';
import type { ComponentView } from '../flow-graph';
import { ParamForm, type ParamIssue } from './ParamForm';
import { ErrorAlert, QueryView } from './QueryView';

/** The filled-in fields: empty ones are left out (they keep the task's current value). */
export function filledParams(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values).filter(([, v]) => v !== undefined && v !== null && v !== ''),
  );
}

export function TaskRerun({
  jobId,
  task,
  onClose,
  onDone,
}: {
  jobId: string;
  task: { name: string; component: string; version?: string };
  onClose: () => void;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const component = useApi(async () => {
    if (task.version)
      return unwrap<ComponentView>(
        api.GET('/v1/components/{code}/{version}', {
          params: { path: { code: task.component, version: task.version } },
        }),
      );
    // A job view without versions: the newest registered version of the component.
    const all = await unwrap<{ items: ComponentView[] }>(
      api.GET('/v1/components', { params: { query: { pageSize: 1000 } } }),
    );
    const c = all.items.find((x) => x.code === task.component);
    if (!c) throw new Error(`component ${task.component} is not registered on this node`);
    return c;
  }, [task.component, task.version]);
  const [values, setValues] = useState<Record<string, unknown>>({});
  const [issues, setIssues] = useState<ParamIssue[]>([]);
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const [downstream, setDownstream] = useState(false);
  const params = filledParams(values);
  const key = JSON.stringify(params);

  useEffect(() => {
    const c = component.data;
    if (!c) return;
    let live = true;
    const timer = setTimeout(() => {
      api
        .POST('/v1/components/{code}/{version}/validate', {
          params: { path: { code: c.code, version: c.version } },
          body: { params },
        })
        .then((r) => unwrap<{ issues: ParamIssue[] }>(Promise.resolve(r)))
        .then(
          (v) => live && setIssues(v.issues),
          (e: unknown) => live && setError(asError(e)),
        );
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key, component.data]);

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
      <QueryView query={component}>
        {(c) => (
          <div style={{ maxHeight: 420, overflowY: 'auto' }} data-testid="task-rerun-form">
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {c.code} {c.version}
            </Typography.Text>
            <ParamForm schema={c.params} values={values} issues={issues} onChange={setValues} />
          </div>
        )}
      </QueryView>
    </Modal>
  );
}
