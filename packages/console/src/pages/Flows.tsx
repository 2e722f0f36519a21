/**
 * Projects and flows: pick a project and one of its flows (or start a new one), build the DAG on
 * the canvas from the component palette, set each task's parameters in the form generated from
 * its component's JSON Schema (checked by the node as they change), choose the parties and their
 * datasets, then save, ask the partners to approve, and run. Below: the approval requests
 * partners sent to this node, each shown as its DAG before it is approved or rejected.
 */
import type { ProjectView } from '@fedgrid/api-client';
import { App, Button, Card, Col, Empty, Input, Row, Select, Space, Tag, Typography } from 'antd';
import { lazy, Suspense, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { api, asError, unwrap, useApi, type Page } from '../api';
import { ComponentPalette } from '../components/ComponentPalette';
import { ErrorAlert, QueryView, StatusTag } from '../components/QueryView';
import { ParamForm, type ParamIssue } from '../components/ParamForm';
import {
  DATASET_NODE,
  canvasOf,
  changedParams,
  freshTaskName,
  taskNameProblem,
  tasksOf,
  type CanvasEdge,
  type CanvasNode,
  type ComponentView,
} from '../flow-graph';
import type { FlowView } from '../flow-types';
import { PageFallback } from '../layout/AppLayout';
import type { DatasetView, NodeView } from '../types';

const FlowCanvas = lazy(() => import('../components/FlowCanvas'));
const FlowApprovals = lazy(() => import('../components/FlowApprovals'));

const enc = encodeURIComponent;

/** An empty canvas: just the datasets node. */
const emptyCanvas = () => canvasOf([]);

export default function Flows() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const self = useApi(() => unwrap<NodeView>(api.GET('/v1/node')), []);
  const projects = useApi(
    () =>
      unwrap<Page<ProjectView>>(api.GET('/v1/projects', { params: { query: { pageSize: 1000 } } })),
    [],
  );
  const components = useApi(
    () =>
      unwrap<Page<ComponentView>>(
        api.GET('/v1/components', { params: { query: { pageSize: 1000 } } }),
      ),
    [],
  );
  const datasets = useApi(
    () =>
      unwrap<Page<DatasetView>>(api.GET('/v1/datasets', { params: { query: { pageSize: 1000 } } })),
    [],
  );
  const [projectId, setProjectId] = useState<string>();
  const [flowId, setFlowId] = useState<string>();
  const flows = useApi(
    async () =>
      projectId
        ? unwrap<Page<FlowView>>(
            api.GET('/v1/projects/{id}/flows', {
              params: { path: { id: projectId }, query: { pageSize: 1000 } },
            }),
          )
        : undefined,
    [projectId],
  );

  // The editor.
  const [name, setName] = useState('');
  const [host, setHost] = useState<string>();
  const [arbiter, setArbiter] = useState<string>();
  const [guestData, setGuestData] = useState<string>();
  const [hostData, setHostData] = useState('');
  const [graph, setGraph] = useState<{ nodes: CanvasNode[]; edges: CanvasEdge[] }>(emptyCanvas);
  const [selected, setSelected] = useState<string>();
  const [issues, setIssues] = useState<Record<string, ParamIssue[]>>({});
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const nextId = useRef(1);

  const saved = useApi(
    async () =>
      flowId
        ? unwrap<FlowView>(api.GET('/v1/flows/{id}', { params: { path: { id: flowId } } }))
        : undefined,
    [flowId],
    flowId ? 3000 : undefined,
  );

  const byCode = useMemo(
    () => new Map((components.data?.items ?? []).map((c) => [c.code, c])),
    [components.data],
  );
  const runnable = useMemo(
    () => (components.data?.items ?? []).filter((c) => c.runnable !== false),
    [components.data],
  );
  const project = projects.data?.items.find((p) => p.id === projectId);
  const me = self.data?.nodeId;
  const partnerOptions = (project?.members ?? [])
    .filter((m) => m.nodeId !== me && m.status === 'accepted')
    .map((m) => ({ value: m.nodeId, label: m.nodeId }));
  if (project && project.owner !== me && !partnerOptions.some((o) => o.value === project.owner))
    partnerOptions.push({ value: project.owner, label: project.owner });

  /** Loads a saved flow into the editor. */
  const load = (f: FlowView | undefined) => {
    setSelected(undefined);
    setIssues({});
    setError(undefined);
    if (!f) {
      setName('');
      setHost(undefined);
      setArbiter(undefined);
      setGuestData(undefined);
      setHostData('');
      setGraph(emptyCanvas());
      return;
    }
    setName(f.name);
    setHost(f.parties.hosts[0]?.node);
    setArbiter(f.parties.arbiter?.node);
    setGuestData(f.datasets['guest']);
    setHostData(f.datasets['host-0'] ?? '');
    const g = canvasOf(f.tasks);
    nextId.current = g.nodes.length + 1;
    setGraph(g);
  };

  const addComponent = (code: string, position?: { x: number; y: number }) => {
    const c = byCode.get(code);
    if (!c) return;
    setGraph((g) => {
      const id = `n-${nextId.current++}`;
      const taskName = freshTaskName(
        code,
        g.nodes.map((n) => n.data.name),
      );
      const count = g.nodes.length;
      const node: CanvasNode = {
        id,
        position: position ?? { x: 220 + (count % 3) * 200, y: 40 + Math.floor(count / 3) * 130 },
        data: { name: taskName, component: code, version: c.version, params: {} },
      };
      setSelected(id);
      return { nodes: [...g.nodes, node], edges: g.edges };
    });
  };

  const selectedNode = graph.nodes.find((n) => n.id === selected && n.id !== DATASET_NODE);
  const selectedComponent = selectedNode ? byCode.get(selectedNode.data.component) : undefined;

  const setNodeData = (id: string, patch: Partial<CanvasNode['data']>) =>
    setGraph((g) => ({
      nodes: g.nodes.map((n) => (n.id === id ? { ...n, data: { ...n.data, ...patch } } : n)),
      edges: g.edges,
    }));

  // The node's own check of the selected task's parameters, as they change.
  const paramsKey = selectedNode ? JSON.stringify(selectedNode.data.params) : '';
  useEffect(() => {
    if (!selectedNode || !selectedComponent) return;
    const id = selectedNode.id;
    const timer = setTimeout(() => {
      api
        .POST('/v1/components/{code}/{version}/validate', {
          params: { path: { code: selectedComponent.code, version: selectedComponent.version } },
          body: { params: selectedNode.data.params },
        })
        .then((r) => unwrap<{ issues: ParamIssue[] }>(Promise.resolve(r)))
        .then(
          (v) => setIssues((m) => ({ ...m, [id]: v.issues })),
          (e: unknown) => setError(asError(e)),
        );
    }, 250);
    return () => clearTimeout(timer);
  }, [selectedNode?.id, paramsKey, selectedComponent]);

  const body = () => ({
    name: name.trim(),
    parties: {
      guest: { node: me ?? '' },
      hosts: host ? [{ node: host }] : [],
      ...(arbiter ? { arbiter: { node: arbiter } } : {}),
    },
    datasets: {
      ...(guestData ? { guest: guestData } : {}),
      ...(hostData.trim() ? { 'host-0': hostData.trim() } : {}),
    },
    tasks: tasksOf(graph.nodes, graph.edges),
  });

  const run = async (what: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await what();
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(false);
    }
  };

  const save = () =>
    run(async () => {
      if (!projectId) throw new Error(t('flows.pickProject'));
      const f = flowId
        ? await unwrap<FlowView>(
            api.PATCH('/v1/flows/{id}', { params: { path: { id: flowId } }, body: body() }),
          )
        : await unwrap<FlowView>(api.POST('/v1/flows', { body: { projectId, ...body() } }));
      void message.success(t('flows.saved', { version: f.version }));
      setFlowId(f.id);
      flows.reload();
      saved.reload();
    });
  const requestApproval = () =>
    run(async () => {
      if (!flowId) return;
      await unwrap(api.POST('/v1/flows/{id}/approvals', { params: { path: { id: flowId } } }));
      void message.success(t('flows.approvalRequested'));
      saved.reload();
    });
  const start = () =>
    run(async () => {
      if (!flowId) return;
      const job = await unwrap<{ id: string }>(
        api.POST('/v1/flows/{id}/jobs', { params: { path: { id: flowId } }, body: {} }),
      );
      navigate(`/jobs/${enc(job.id)}`);
    });

  const nameProblem = selectedNode
    ? taskNameProblem(
        selectedNode.data.name,
        graph.nodes.filter((n) => n.id !== selectedNode.id).map((n) => n.data.name),
      )
    : undefined;
  const flow = saved.data;

  return (
    <>
      <Typography.Title level={2}>{t('flows.title')}</Typography.Title>
      <Card size="small" style={{ marginBottom: 16 }}>
        <Space wrap>
          <Select
            aria-label={t('flows.project')}
            placeholder={t('flows.project')}
            style={{ width: 260 }}
            loading={projects.loading}
            value={projectId}
            onChange={(v: string) => {
              setProjectId(v);
              setFlowId(undefined);
              load(undefined);
            }}
            options={(projects.data?.items ?? [])
              .filter((p) => p.status === 'active')
              .map((p) => ({ value: p.id, label: `${p.name} (${p.id})` }))}
          />
          <Select
            aria-label={t('flows.flow')}
            placeholder={t('flows.newFlow')}
            style={{ width: 300 }}
            disabled={!projectId}
            allowClear
            value={flowId}
            onChange={(v: string | undefined) => {
              setFlowId(v);
              load(flows.data?.items.find((f) => f.id === v));
            }}
            options={(flows.data?.items ?? []).map((f) => ({
              value: f.id,
              label: `${f.name} · v${f.version}`,
            }))}
          />
        </Space>
        {projects.error ? <ErrorAlert error={projects.error} onRetry={projects.reload} /> : null}
      </Card>

      {!projectId ? (
        <Card>
          <Empty description={t('flows.pickProject')} />
        </Card>
      ) : (
        <Card
          title={flowId ? `${t('flows.flow')}: ${flowId}` : t('flows.newFlow')}
          extra={
            <Space>
              <Button type="primary" loading={busy} onClick={() => void save()}>
                {t('flows.save')}
              </Button>
              <Button disabled={!flowId || busy} onClick={() => void requestApproval()}>
                {t('flows.requestApproval')}
              </Button>
              <Button
                disabled={!flowId || busy || !flow?.approval.approved}
                onClick={() => void start()}
              >
                {t('flows.run')}
              </Button>
            </Space>
          }
        >
          {error ? <ErrorAlert error={error} /> : null}
          <Space wrap style={{ marginBottom: 12 }}>
            <Input
              aria-label={t('flows.name')}
              placeholder={t('flows.name')}
              value={name}
              onChange={(e) => setName(e.target.value)}
              style={{ width: 220 }}
            />
            <Select
              aria-label={t('flows.guestDataset')}
              placeholder={t('flows.guestDataset')}
              style={{ width: 180 }}
              value={guestData}
              onChange={setGuestData}
              options={(datasets.data?.items ?? []).map((d) => ({ value: d.name, label: d.name }))}
            />
            <Select
              aria-label={t('flows.host')}
              placeholder={t('flows.host')}
              style={{ width: 150 }}
              value={host}
              onChange={setHost}
              options={partnerOptions}
            />
            <Input
              aria-label={t('flows.hostDataset')}
              placeholder={t('flows.hostDataset')}
              value={hostData}
              onChange={(e) => setHostData(e.target.value)}
              style={{ width: 170 }}
            />
            <Select
              aria-label={t('flows.arbiter')}
              placeholder={t('flows.arbiter')}
              style={{ width: 150 }}
              allowClear
              value={arbiter}
              onChange={setArbiter}
              options={[...(me ? [{ value: me, label: me }] : []), ...partnerOptions]}
            />
          </Space>
          {flow ? (
            <div style={{ marginBottom: 12 }} data-testid="flow-approval">
              <Typography.Text type="secondary">
                {t('flows.digest')}:{' '}
                <Typography.Text code>{flow.digest.slice(0, 16)}…</Typography.Text>{' '}
              </Typography.Text>
              {flow.approval.partners.map((p) => (
                <Tag key={p.node} color={p.status === 'approved' ? 'green' : undefined}>
                  {p.node}: {t(`flows.approval.${p.status}`, { defaultValue: p.status })}
                  {p.reason ? ` — ${p.reason}` : ''}
                </Tag>
              ))}
              {flow.approval.approved ? <StatusTag status="approved" /> : null}
            </div>
          ) : null}
          <QueryView query={components}>
            {() => (
              <Row gutter={12} wrap={false}>
                <Col flex="190px">
                  <ComponentPalette components={runnable} onAdd={(c) => addComponent(c)} />
                </Col>
                <Col flex="auto" style={{ minWidth: 0 }}>
                  <Suspense fallback={<PageFallback />}>
                    <FlowCanvas
                      components={byCode}
                      nodes={graph.nodes}
                      edges={graph.edges}
                      onChange={(nodes, edges) => setGraph({ nodes, edges })}
                      onDropComponent={(code, pos) => addComponent(code, pos)}
                      selected={selected}
                      onSelect={setSelected}
                    />
                  </Suspense>
                </Col>
                <Col flex="260px">
                  <Card
                    size="small"
                    title={t('flows.parameters')}
                    styles={{ body: { maxHeight: 440, overflowY: 'auto' } }}
                  >
                    {selectedNode && selectedComponent ? (
                      <>
                        <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
                          {selectedComponent.code} {selectedComponent.version}
                        </Typography.Paragraph>
                        <label htmlFor="task-name" style={{ fontSize: 12 }}>
                          {t('flows.taskName')}
                        </label>
                        <Input
                          id="task-name"
                          size="small"
                          status={nameProblem ? 'error' : undefined}
                          value={selectedNode.data.name}
                          onChange={(e) => setNodeData(selectedNode.id, { name: e.target.value })}
                        />
                        {nameProblem ? (
                          <Typography.Text type="danger" style={{ fontSize: 12 }}>
                            {nameProblem}
                          </Typography.Text>
                        ) : null}
                        <div style={{ marginTop: 8 }}>
                          <ParamForm
                            schema={selectedComponent.params}
                            values={selectedNode.data.params}
                            issues={issues[selectedNode.id] ?? []}
                            onChange={(v) =>
                              setNodeData(selectedNode.id, {
                                params: changedParams(selectedComponent.params, v),
                              })
                            }
                          />
                        </div>
                      </>
                    ) : (
                      <Typography.Text type="secondary">{t('flows.selectTask')}</Typography.Text>
                    )}
                  </Card>
                </Col>
              </Row>
            )}
          </QueryView>
        </Card>
      )}

      <Card title={t('flows.incoming')} style={{ marginTop: 16 }}>
        <Suspense fallback={<PageFallback />}>
          <FlowApprovals components={byCode} />
        </Suspense>
      </Card>
    </>
  );
}
