/**
 * Projects (`fedgrid project …`): create an own project, invite contracted partners, remove a
 * member or ask it for its answer, delete; accept, reject or refresh a partner's project this
 * node was invited into. Expanding a project lists its flows (`fedgrid flow …`: delete, the jobs
 * created from it, and each partner's approval synced when its callback did not arrive). Below:
 * the projects a partner shares with this node, and a job submitted without a saved flow.
 */
import type { ProjectView, SharedProjectView } from '@fedgrid/api-client';
import {
  App,
  Button,
  Card,
  Input,
  Modal,
  Popconfirm,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, asError, unwrap, useApi, type Page } from '../api';
import { AdhocJob } from '../components/AdhocJob';
import { ProjectFlows } from '../components/ProjectFlows';
import { ErrorAlert, QueryView, StatusTag } from '../components/QueryView';
import type { NodeView, PartnerView } from '../types';

const TYPES = ['vertical', 'horizontal', 'statistics', 'transfer', 'other'] as const;
type ProjectType = (typeof TYPES)[number];

export default function Projects() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const self = useApi(() => unwrap<NodeView>(api.GET('/v1/node')), []);
  const [role, setRole] = useState<'all' | 'owner' | 'member'>('all');
  const [status, setStatus] = useState<'active' | 'deleted' | 'all'>('active');
  const projects = useApi(
    () =>
      unwrap<Page<ProjectView>>(
        api.GET('/v1/projects', { params: { query: { pageSize: 1000, role, status } } }),
      ),
    [role, status],
  );
  const partners = useApi(
    () =>
      unwrap<Page<PartnerView>>(api.GET('/v1/partners', { params: { query: { pageSize: 1000 } } })),
    [],
  );
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<ProjectView>();
  const [inviting, setInviting] = useState<ProjectView>();
  const [rejecting, setRejecting] = useState<ProjectView>();

  /** Runs one action; a sync failure to some member is shown as a warning, not an error. */
  const act = async (what: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setError(undefined);
    try {
      const r = (await what()) as Partial<ProjectView> | undefined;
      const failed = (r?.sync ?? []).filter((s) => !s.ok);
      if (failed.length)
        void message.warning(
          t('projects.notTold', {
            nodes: failed.map((s) => `${s.node}: ${s.error ?? ''}`).join('; '),
          }),
        );
      else void message.success(done);
      projects.reload();
      return true;
    } catch (e) {
      setError(asError(e));
      return false;
    } finally {
      setBusy(false);
    }
  };
  const path = (id: string) => ({ params: { path: { id } } });
  const partnerOptions = (partners.data?.items ?? [])
    .filter((p) => p.contract.status === 'active')
    .map((p) => ({ value: p.nodeId, label: `${p.name} (${p.nodeId})` }));
  const me = self.data?.nodeId;

  return (
    <>
      <Typography.Title level={2}>{t('projects.title')}</Typography.Title>
      {error ? <ErrorAlert error={error} /> : null}
      <Card
        title={t('projects.list')}
        extra={
          <Space wrap>
            <Select
              aria-label={t('projects.role')}
              size="small"
              style={{ width: 150 }}
              value={role}
              onChange={setRole}
              options={(['all', 'owner', 'member'] as const).map((v) => ({
                value: v,
                label: t(`projects.roles.${v}`),
              }))}
            />
            <Select
              aria-label={t('common.status')}
              size="small"
              style={{ width: 130 }}
              value={status}
              onChange={setStatus}
              options={(['active', 'deleted', 'all'] as const).map((v) => ({
                value: v,
                label: t(`projects.statuses.${v}`),
              }))}
            />
            <Button type="primary" size="small" onClick={() => setCreating(true)}>
              {t('projects.create')}
            </Button>
          </Space>
        }
      >
        <QueryView
          query={projects}
          isEmpty={(d) => d.items.length === 0}
          emptyText={t('projects.none')}
        >
          {(d) => (
            <Table
              size="small"
              rowKey="id"
              data-testid="projects"
              dataSource={d.items}
              pagination={{ pageSize: 20, hideOnSinglePage: true }}
              expandable={{
                expandedRowRender: (p) => (
                  <ProjectBody
                    project={p}
                    self={me}
                    busy={busy}
                    onRemove={(node) =>
                      void act(
                        () =>
                          unwrap(
                            api.DELETE('/v1/projects/{id}/members/{node}', {
                              params: { path: { id: p.id, node } },
                            }),
                          ),
                        t('projects.removed'),
                      )
                    }
                    onSync={(node) =>
                      void act(
                        () =>
                          unwrap(
                            api.POST('/v1/projects/{id}/members/{node}/sync', {
                              params: { path: { id: p.id, node } },
                            }),
                          ),
                        t('projects.memberSynced'),
                      )
                    }
                  />
                ),
              }}
              columns={[
                {
                  title: t('common.name'),
                  render: (_, p) => (
                    <>
                      {p.name} <Typography.Text type="secondary">({p.id})</Typography.Text>
                    </>
                  ),
                },
                { title: t('projects.type'), render: (_, p) => t(`projects.types.${p.type}`) },
                { title: t('projects.owner'), dataIndex: 'owner' },
                { title: t('common.status'), render: (_, p) => <StatusTag status={p.status} /> },
                {
                  title: t('projects.membership'),
                  render: (_, p) =>
                    p.role === 'owner' ? (
                      <Tag>{t('projects.own')}</Tag>
                    ) : (
                      <StatusTag status={p.membership} />
                    ),
                },
                {
                  title: t('common.actions'),
                  render: (_, p) =>
                    p.status !== 'active' ? null : p.role === 'owner' ? (
                      <Space>
                        <Button size="small" disabled={busy} onClick={() => setInviting(p)}>
                          {t('projects.invite')}
                        </Button>
                        <Button size="small" disabled={busy} onClick={() => setEditing(p)}>
                          {t('projects.edit')}
                        </Button>
                        <Popconfirm
                          title={t('projects.deleteConfirm', { name: p.name })}
                          onConfirm={() =>
                            void act(
                              () => unwrap(api.DELETE('/v1/projects/{id}', path(p.id))),
                              t('projects.deleted'),
                            )
                          }
                        >
                          <Button size="small" danger disabled={busy}>
                            {t('projects.delete')}
                          </Button>
                        </Popconfirm>
                      </Space>
                    ) : (
                      <Space>
                        {p.membership === 'invited' ? (
                          <>
                            <Button
                              size="small"
                              type="primary"
                              disabled={busy}
                              onClick={() =>
                                void act(
                                  () => unwrap(api.POST('/v1/projects/{id}/accept', path(p.id))),
                                  t('projects.accepted'),
                                )
                              }
                            >
                              {t('projects.accept')}
                            </Button>
                            <Button size="small" disabled={busy} onClick={() => setRejecting(p)}>
                              {t('projects.reject')}
                            </Button>
                          </>
                        ) : null}
                        <Button
                          size="small"
                          disabled={busy}
                          onClick={() =>
                            void act(
                              () => unwrap(api.POST('/v1/projects/{id}/refresh', path(p.id))),
                              t('projects.refreshed'),
                            )
                          }
                        >
                          {t('projects.refresh')}
                        </Button>
                      </Space>
                    ),
                },
              ]}
            />
          )}
        </QueryView>
      </Card>

      <PartnerProjects partners={partnerOptions} />
      <AdhocJob self={me} projects={projects.data?.items ?? []} />

      {editing ? (
        <CreateProject
          initial={editing}
          onClose={() => setEditing(undefined)}
          onCreate={async (body) => {
            if (
              await act(
                () =>
                  unwrap(
                    api.PATCH('/v1/projects/{id}', {
                      params: { path: { id: editing.id } },
                      body,
                    }),
                  ),
                t('projects.updated'),
              )
            )
              setEditing(undefined);
          }}
          busy={busy}
          error={error}
        />
      ) : null}
      {creating ? (
        <CreateProject
          onClose={() => setCreating(false)}
          onCreate={async (body) => {
            if (await act(() => unwrap(api.POST('/v1/projects', { body })), t('projects.created')))
              setCreating(false);
          }}
          busy={busy}
          error={error}
        />
      ) : null}
      {inviting ? (
        <PickModal
          title={t('projects.inviteTitle', { name: inviting.name })}
          label={t('projects.partner')}
          options={partnerOptions.filter(
            (o) => !inviting.members.some((m) => m.nodeId === o.value && m.status !== 'removed'),
          )}
          busy={busy}
          error={error}
          onClose={() => setInviting(undefined)}
          onOk={async (node) => {
            if (
              await act(
                () =>
                  unwrap(
                    api.POST('/v1/projects/{id}/members', {
                      params: { path: { id: inviting.id } },
                      body: { node },
                    }),
                  ),
                t('projects.invited'),
              )
            )
              setInviting(undefined);
          }}
        />
      ) : null}
      {rejecting ? (
        <PickModal
          title={t('projects.rejectTitle', { name: rejecting.name })}
          label={t('projects.reason')}
          busy={busy}
          error={error}
          onClose={() => setRejecting(undefined)}
          onOk={async (reason) => {
            if (
              await act(
                () =>
                  unwrap(
                    api.POST('/v1/projects/{id}/reject', {
                      params: { path: { id: rejecting.id } },
                      body: reason ? { reason } : {},
                    }),
                  ),
                t('projects.rejected'),
              )
            )
              setRejecting(undefined);
          }}
        />
      ) : null}
    </>
  );
}

/** An expanded project: description, members (remove, ask for an answer) and its flows. */
function ProjectBody({
  project: p,
  self,
  busy,
  onRemove,
  onSync,
}: {
  project: ProjectView;
  self: string | undefined;
  busy: boolean;
  onRemove: (node: string) => void;
  onSync: (node: string) => void;
}) {
  const { t } = useTranslation();
  const own = p.role === 'owner';
  return (
    <div data-testid={`project-${p.id}`}>
      {p.description ? <Typography.Paragraph>{p.description}</Typography.Paragraph> : null}
      {p.syncError ? (
        <Typography.Paragraph type="warning">{p.syncError}</Typography.Paragraph>
      ) : null}
      <Typography.Title level={5}>{t('projects.members')}</Typography.Title>
      <Table
        size="small"
        rowKey="nodeId"
        pagination={false}
        dataSource={p.members}
        locale={{ emptyText: t('projects.noMembers') }}
        columns={[
          { title: t('projects.node'), dataIndex: 'nodeId' },
          { title: t('common.status'), render: (_, m) => <StatusTag status={m.status} /> },
          { title: t('projects.reason'), render: (_, m) => m.reason ?? '' },
          ...(own
            ? [
                {
                  title: t('common.actions'),
                  render: (_: unknown, m: ProjectView['members'][number]) =>
                    m.status === 'removed' || m.nodeId === self ? null : (
                      <Space>
                        <Button size="small" disabled={busy} onClick={() => onSync(m.nodeId)}>
                          {t('projects.memberSync')}
                        </Button>
                        <Popconfirm
                          title={t('projects.removeConfirm', { node: m.nodeId })}
                          onConfirm={() => onRemove(m.nodeId)}
                        >
                          <Button size="small" danger disabled={busy}>
                            {t('projects.remove')}
                          </Button>
                        </Popconfirm>
                      </Space>
                    ),
                },
              ]
            : []),
        ]}
      />
      <Typography.Title level={5} style={{ marginTop: 12 }}>
        {t('projects.flows')}
      </Typography.Title>
      <ProjectFlows projectId={p.id} />
    </div>
  );
}

/** The form of a new project, or of an own project's changes when `initial` is given. */
function CreateProject({
  initial,
  onClose,
  onCreate,
  busy,
  error,
}: {
  initial?: ProjectView;
  onClose: () => void;
  onCreate: (body: { name: string; type: ProjectType; description: string }) => Promise<void>;
  busy: boolean;
  error: Error | undefined;
}) {
  const { t } = useTranslation();
  const [name, setName] = useState(initial?.name ?? '');
  const [type, setType] = useState<ProjectType>(TYPES.find((x) => x === initial?.type) ?? 'other');
  const [description, setDescription] = useState(initial?.description ?? '');
  const title = initial ? t('projects.editTitle', { name: initial.name }) : t('projects.create');
  return (
    <Modal
      open
      title={title}
      okText={initial ? t('projects.save') : t('projects.create')}
      cancelText={t('common.cancel')}
      confirmLoading={busy}
      okButtonProps={{ disabled: !name.trim() }}
      onCancel={onClose}
      onOk={() => void onCreate({ name: name.trim(), type, description })}
    >
      {error ? <ErrorAlert error={error} /> : null}
      <Space direction="vertical" style={{ width: '100%' }}>
        <label htmlFor="project-name">{t('common.name')}</label>
        <Input id="project-name" value={name} onChange={(e) => setName(e.target.value)} />
        <label htmlFor="project-type">{t('projects.type')}</label>
        <Select
          id="project-type"
          style={{ width: '100%' }}
          value={type}
          onChange={setType}
          options={TYPES.map((v) => ({ value: v, label: t(`projects.types.${v}`) }))}
        />
        <label htmlFor="project-description">{t('projects.description')}</label>
        <Input.TextArea
          id="project-description"
          rows={3}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
      </Space>
    </Modal>
  );
}

/** A modal asking one value: a choice among `options`, or free text without them. */
function PickModal({
  title,
  label,
  options,
  busy,
  error,
  onClose,
  onOk,
}: {
  title: string;
  label: string;
  options?: { value: string; label: string }[];
  busy: boolean;
  error: Error | undefined;
  onClose: () => void;
  onOk: (value: string) => Promise<void>;
}) {
  const { t } = useTranslation();
  const [value, setValue] = useState('');
  return (
    <Modal
      open
      title={title}
      okText={t('common.submit')}
      cancelText={t('common.cancel')}
      confirmLoading={busy}
      okButtonProps={{ disabled: !!options && !value }}
      onCancel={onClose}
      onOk={() => void onOk(value.trim())}
    >
      {error ? <ErrorAlert error={error} /> : null}
      <label htmlFor="pick-value">{label}</label>
      {options ? (
        <Select
          id="pick-value"
          style={{ width: '100%' }}
          value={value || undefined}
          onChange={setValue}
          options={options}
          notFoundContent={t('projects.noPartners')}
        />
      ) : (
        <Input id="pick-value" value={value} onChange={(e) => setValue(e.target.value)} />
      )}
    </Modal>
  );
}

/** The projects a partner shares with this node (`fedgrid project partner-list / partner-show`). */
function PartnerProjects({ partners }: { partners: { value: string; label: string }[] }) {
  const { t } = useTranslation();
  const [node, setNode] = useState<string>();
  const shared = useApi(
    async () =>
      node
        ? unwrap<Page<SharedProjectView>>(
            api.GET('/v1/partners/{node}/projects', {
              params: { path: { node }, query: { pageSize: 100 } },
            }),
          )
        : undefined,
    [node],
  );
  return (
    <Card
      title={t('projects.partnerProjects')}
      style={{ marginTop: 16 }}
      extra={
        <Select
          aria-label={t('projects.partner')}
          placeholder={t('projects.partner')}
          size="small"
          style={{ width: 260 }}
          value={node}
          onChange={setNode}
          options={partners}
          notFoundContent={t('projects.noPartners')}
        />
      }
    >
      {!node ? (
        <Typography.Text type="secondary">{t('projects.pickPartner')}</Typography.Text>
      ) : (
        <QueryView
          query={shared}
          isEmpty={(d) => !d?.items.length}
          emptyText={t('projects.noneShared')}
        >
          {(d) => (
            <Table
              size="small"
              rowKey="id"
              dataSource={d?.items ?? []}
              pagination={{ pageSize: 20, hideOnSinglePage: true }}
              expandable={{
                expandedRowRender: (p) => (
                  <>
                    {p.description ? (
                      <Typography.Paragraph>{p.description}</Typography.Paragraph>
                    ) : null}
                    {p.members.map((m) => (
                      <Tag key={m.nodeId}>
                        {m.nodeId}: {t(`status.${m.status}`, { defaultValue: m.status })}
                      </Tag>
                    ))}
                  </>
                ),
              }}
              columns={[
                { title: t('common.id'), dataIndex: 'id' },
                { title: t('common.name'), dataIndex: 'name' },
                { title: t('projects.type'), render: (_, p) => t(`projects.types.${p.type}`) },
                { title: t('common.status'), render: (_, p) => <StatusTag status={p.status} /> },
                { title: t('projects.version'), dataIndex: 'version' },
              ]}
            />
          )}
        </QueryView>
      )}
    </Card>
  );
}
