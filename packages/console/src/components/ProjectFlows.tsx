/**
 * A project's flows (GET /v1/projects/:id/flows, as `fedgrid flow list --project`): version,
 * digest and each partner's approval; per flow the jobs created from it (`fedgrid flow jobs`),
 * a partner's approval synced when its callback did not arrive (`fedgrid flow approval-sync`)
 * and delete (`fedgrid flow delete`). Editing and running a flow happen on the flows page.
 */
import { App, Button, Popconfirm, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, asError, unwrap, useApi, type Page } from '../api';
import type { FlowView } from '../flow-types';
import type { JobView } from '../types';
import { ErrorAlert, QueryView, StatusTag } from './QueryView';

const enc = encodeURIComponent;

export function ProjectFlows({ projectId }: { projectId: string }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const flows = useApi(
    () =>
      unwrap<Page<FlowView>>(
        api.GET('/v1/projects/{id}/flows', {
          params: { path: { id: projectId }, query: { pageSize: 1000 } },
        }),
      ),
    [projectId],
  );
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const act = async (what: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setError(undefined);
    try {
      await what();
      void message.success(done);
      flows.reload();
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div data-testid={`project-flows-${projectId}`}>
      {error ? <ErrorAlert error={error} /> : null}
      <QueryView
        query={flows}
        isEmpty={(d) => d.items.length === 0}
        emptyText={t('projects.noFlows')}
      >
        {(d) => (
          <Table
            size="small"
            rowKey="id"
            dataSource={d.items}
            pagination={{ pageSize: 10, hideOnSinglePage: true }}
            expandable={{ expandedRowRender: (f) => <FlowJobs flowId={f.id} /> }}
            columns={[
              {
                title: t('common.name'),
                render: (_, f) => (
                  <>
                    {f.name} <Typography.Text type="secondary">({f.id})</Typography.Text>
                  </>
                ),
              },
              { title: t('projects.version'), dataIndex: 'version' },
              {
                title: t('projects.approvals'),
                render: (_, f) => (
                  <Space wrap size={4}>
                    {f.approval.partners.map((p) => (
                      <Space key={p.node} size={2}>
                        <Tag>
                          {p.node}: {t(`flows.approval.${p.status}`, { defaultValue: p.status })}
                        </Tag>
                        {p.approvalId ? (
                          <Button
                            size="small"
                            disabled={busy}
                            data-testid={`approval-sync-${p.node}`}
                            onClick={() =>
                              void act(
                                () =>
                                  unwrap(
                                    api.POST('/v1/flow-approvals/{id}/sync', {
                                      params: { path: { id: p.approvalId ?? '' } },
                                    }),
                                  ),
                                t('projects.approvalSynced'),
                              )
                            }
                          >
                            {t('projects.approvalSync')}
                          </Button>
                        ) : null}
                      </Space>
                    ))}
                    {f.approval.approved ? <StatusTag status="approved" /> : null}
                  </Space>
                ),
              },
              {
                title: t('common.actions'),
                render: (_, f) => (
                  <Popconfirm
                    title={t('projects.deleteFlowConfirm', { name: f.name })}
                    onConfirm={() =>
                      void act(
                        () =>
                          unwrap(api.DELETE('/v1/flows/{id}', { params: { path: { id: f.id } } })),
                        t('projects.flowDeleted'),
                      )
                    }
                  >
                    <Button size="small" danger disabled={busy}>
                      {t('projects.deleteFlow')}
                    </Button>
                  </Popconfirm>
                ),
              },
            ]}
          />
        )}
      </QueryView>
    </div>
  );
}

/** The jobs created from a flow, newest first, each linked to its page. */
function FlowJobs({ flowId }: { flowId: string }) {
  const { t } = useTranslation();
  const jobs = useApi(
    () =>
      unwrap<Page<JobView>>(
        api.GET('/v1/flows/{id}/jobs', {
          params: { path: { id: flowId }, query: { pageSize: 100 } },
        }),
      ),
    [flowId],
  );
  return (
    <div data-testid={`flow-jobs-${flowId}`}>
      <QueryView
        query={jobs}
        isEmpty={(d) => d.items.length === 0}
        emptyText={t('projects.noJobs')}
      >
        {(d) => (
          <Table
            size="small"
            rowKey="id"
            dataSource={d.items}
            pagination={{ pageSize: 10, hideOnSinglePage: true }}
            columns={[
              {
                title: t('common.id'),
                render: (_, j) => <Link to={`/jobs/${enc(j.id)}`}>{j.id}</Link>,
              },
              { title: t('common.status'), render: (_, j) => <StatusTag status={j.status} /> },
              {
                title: t('common.createdAt'),
                render: (_, j) => new Date(j.createdAt).toLocaleString(),
              },
              {
                title: t('jobs.tasks'),
                render: (_, j) => j.tasks.map((x) => `${x.name}: ${x.status}`).join(', '),
              },
            ]}
          />
        )}
      </QueryView>
    </div>
  );
}
