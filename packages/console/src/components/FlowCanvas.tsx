/**
 * The flow editor's canvas (@xyflow/react): components dropped from the palette (HTML5 drag and
 * drop, `application/x-fedgrid-component`) become task nodes; an output handle dragged onto an
 * input handle of the same kind wires them. One node stands for each party's own dataset
 * (`job.dataset`). Read-only, it draws a flow under approval.
 */
import {
  Background,
  Controls,
  Handle,
  Position,
  ReactFlow,
  ReactFlowProvider,
  applyEdgeChanges,
  applyNodeChanges,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type Node,
  type NodeChange,
  type NodeProps,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { createContext, useCallback, useContext, useMemo, type DragEvent } from 'react';
import { useTranslation } from 'react-i18next';
import {
  DATASET_NODE,
  DATASET_OUTPUT,
  canConnect,
  edgeOf,
  type CanvasEdge,
  type CanvasNode,
  type ComponentView,
  type TaskNodeData,
} from '../flow-graph';

/** The drag payload type of a palette item: the component's code. */
export const DRAG_TYPE = 'application/x-fedgrid-component';

const Components = createContext<Map<string, ComponentView>>(new Map());

const PORT_GAP = 22;
const box = (selected: boolean, colour: string) => ({
  background: '#fff',
  border: `2px solid ${selected ? '#1677ff' : colour}`,
  borderRadius: 6,
  padding: '6px 10px',
  width: 180,
  fontSize: 12,
});

function TaskNode({ data, selected }: NodeProps<Node<TaskNodeData>>) {
  const components = useContext(Components);
  const c = components.get(data.component);
  const inputs = c?.inputs ?? [];
  const outputs = c?.outputs ?? [];
  const height = Math.max(inputs.length, outputs.length, 1) * PORT_GAP + 34;
  return (
    <div style={{ ...box(selected, '#8c8c8c'), height }} data-testid={`task-node-${data.name}`}>
      <div style={{ fontWeight: 600 }}>{data.name}</div>
      <div style={{ color: '#595959' }}>{c?.name ?? data.component}</div>
      {inputs.map((p, i) => (
        <Handle
          key={`in-${p.name}`}
          type="target"
          position={Position.Left}
          id={p.name}
          style={{ top: 34 + i * PORT_GAP, width: 10, height: 10 }}
          data-testid={`in-${data.name}-${p.name}`}
          aria-label={`${data.name} ← ${p.name} (${p.kind})`}
          title={`${p.name} (${p.kind})`}
        />
      ))}
      {outputs.map((p, i) => (
        <Handle
          key={`out-${p.name}`}
          type="source"
          position={Position.Right}
          id={p.name}
          style={{ top: 34 + i * PORT_GAP, width: 10, height: 10 }}
          data-testid={`out-${data.name}-${p.name}`}
          aria-label={`${data.name} → ${p.name} (${p.kind})`}
          title={`${p.name} (${p.kind})`}
        />
      ))}
    </div>
  );
}

function DatasetNode({ selected }: NodeProps<Node<TaskNodeData>>) {
  const { t } = useTranslation();
  return (
    <div style={{ ...box(selected, '#52c41a'), height: 56 }} data-testid="task-node-job.dataset">
      <div style={{ fontWeight: 600 }}>{t('flows.datasetNode')}</div>
      <div style={{ color: '#595959' }}>job.dataset</div>
      <Handle
        type="source"
        position={Position.Right}
        id={DATASET_OUTPUT}
        style={{ top: 34, width: 10, height: 10 }}
        data-testid="out-job.dataset-dataset"
        aria-label={`job.dataset → ${DATASET_OUTPUT}`}
      />
    </div>
  );
}

const NODE_TYPES = { task: TaskNode, dataset: DatasetNode };

/** A connection being drawn, or an edge. */
type Link = {
  source: string;
  target: string;
  sourceHandle?: string | null;
  targetHandle?: string | null;
};

export interface FlowCanvasProps {
  components: Map<string, ComponentView>;
  nodes: CanvasNode[];
  edges: CanvasEdge[];
  /** Absent: read-only. */
  onChange?: (nodes: CanvasNode[], edges: CanvasEdge[]) => void;
  /** A component was dropped at a flow position. */
  onDropComponent?: (code: string, position: { x: number; y: number }) => void;
  onSelect?: (id: string | undefined) => void;
  selected?: string | undefined;
  height?: number;
}

function Canvas(props: FlowCanvasProps) {
  const { components, nodes, edges, onChange, onDropComponent, onSelect, selected } = props;
  const { t } = useTranslation();
  const flow = useReactFlow();
  const readOnly = !onChange;

  const rfNodes = useMemo<Node<TaskNodeData>[]>(
    () =>
      nodes.map((n) => ({
        ...n,
        type: n.id === DATASET_NODE ? 'dataset' : 'task',
        selected: n.id === selected,
        deletable: !readOnly && n.id !== DATASET_NODE,
      })),
    [nodes, selected, readOnly],
  );
  const rfEdges = useMemo(() => edges.map((e) => ({ ...e, animated: false })), [edges]);

  const onNodesChange = useCallback(
    (changes: NodeChange<Node<TaskNodeData>>[]) => {
      if (!onChange) return;
      // Kept whole: React Flow keeps each node's measured size on it.
      const next: CanvasNode[] = applyNodeChanges(changes, rfNodes);
      const ids = new Set(next.map((n) => n.id));
      onChange(
        next,
        edges.filter((e) => ids.has(e.source) && ids.has(e.target)),
      );
      for (const c of changes) if (c.type === 'select' && c.selected) onSelect?.(c.id);
    },
    [onChange, rfNodes, edges, onSelect],
  );
  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => {
      if (!onChange) return;
      const next = applyEdgeChanges(changes, rfEdges).map((e) =>
        edgeOf(e.source, e.sourceHandle ?? '', e.target, e.targetHandle ?? ''),
      );
      onChange(nodes, next);
    },
    [onChange, rfEdges, nodes],
  );
  const toCanvas = (c: Link) => ({
    source: c.source,
    target: c.target,
    sourceHandle: c.sourceHandle ?? '',
    targetHandle: c.targetHandle ?? '',
  });
  const isValidConnection = useCallback(
    (c: Link) => canConnect(toCanvas(c), nodes, edges, components),
    [nodes, edges, components],
  );
  const onConnect = useCallback(
    (c: Connection) => {
      if (!onChange) return;
      const x = toCanvas(c);
      if (!canConnect(x, nodes, edges, components)) return;
      onChange(nodes, [...edges, edgeOf(x.source, x.sourceHandle, x.target, x.targetHandle)]);
    },
    [onChange, nodes, edges, components],
  );

  const onDragOver = (e: DragEvent) => {
    if (readOnly) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'move';
  };
  const onDrop = (e: DragEvent) => {
    if (readOnly) return;
    e.preventDefault();
    const code = e.dataTransfer.getData(DRAG_TYPE) || e.dataTransfer.getData('text/plain');
    if (!code || !components.has(code)) return;
    onDropComponent?.(code, flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
  };

  return (
    <div
      style={{ height: props.height ?? 480, border: '1px solid #f0f0f0', borderRadius: 6 }}
      onDragOver={onDragOver}
      onDrop={onDrop}
      data-testid={readOnly ? 'flow-view' : 'flow-canvas'}
      aria-label={t('flows.canvas')}
      role="region"
    >
      <Components.Provider value={components}>
        <ReactFlow
          nodes={rfNodes}
          edges={rfEdges}
          nodeTypes={NODE_TYPES}
          onNodesChange={onNodesChange}
          onEdgesChange={onEdgesChange}
          onConnect={onConnect}
          isValidConnection={isValidConnection}
          onPaneClick={() => onSelect?.(undefined)}
          onNodeClick={(_, n) => onSelect?.(n.id)}
          nodesDraggable={!readOnly}
          nodesConnectable={!readOnly}
          elementsSelectable={!readOnly}
          fitView={readOnly}
          proOptions={{ hideAttribution: true }}
        >
          <Background />
          <Controls showInteractive={false} />
        </ReactFlow>
      </Components.Provider>
    </div>
  );
}

/** The canvas in its own React Flow store (so that drop positions map to flow coordinates). */
export default function FlowCanvas(props: FlowCanvasProps) {
  return (
    <ReactFlowProvider>
      <Canvas {...props} />
    </ReactFlowProvider>
  );
}
