/**
 * The parameter changes of one task of a job, for a rerun: the form generated from the task's
 * component's JSON Schema (GET /v1/components/:code/:version, or the newest registered version
 * when the job view carries none), with the node's own check of the changes
 * (POST /v1/components/:code/:version/validate) under the fields as they change. Used by the
 * one-task rerun (TaskRerun) and the job-level rerun of several tasks (JobRerun).
 */
import { Typography } from 'antd';
import { useEffect, useState } from 'react';
import { api, asError, unwrap, useApi } from '../api';
import type { ComponentView } from '../flow-graph';
import { filledParams } from '../rerun-params';
import { ParamForm, type ParamIssue } from './ParamForm';
import { ErrorAlert, QueryView } from './QueryView';

/** A job's task as the job view lists it (the version when the node says it). */
export interface RerunTask {
  name: string;
  component: string;
  version?: string;
}

/**
 * The form of `task`; `values` holds every field touched (the caller sends `filledParams` of
 * them), `onChange` gets them all on each edit.
 */
export function TaskParamsEditor({
  task,
  values,
  onChange,
}: {
  task: RerunTask;
  values: Record<string, unknown>;
  onChange: (values: Record<string, unknown>) => void;
}) {
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
  const [issues, setIssues] = useState<ParamIssue[]>([]);
  const [error, setError] = useState<Error>();
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
          (v) => {
            if (!live) return;
            setIssues(v.issues);
            setError(undefined);
          },
          (e: unknown) => live && setError(asError(e)),
        );
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key, component.data]);

  return (
    <>
      {error ? <ErrorAlert error={error} /> : null}
      <QueryView query={component}>
        {(c) => (
          <>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {c.code} {c.version}
            </Typography.Text>
            <ParamForm
              schema={c.params}
              values={values}
              issues={issues}
              onChange={onChange}
              idPrefix={`${task.name}-`}
            />
          </>
        )}
      </QueryView>
    </>
  );
}
