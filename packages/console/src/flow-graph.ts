/**
 * The flow editor's model and its translation to and from a flow's DAG (the `tasks` of
 * POST /v1/flows, node packages/node/src/flows/flow-spec.ts): canvas nodes are tasks (plus one
 * "datasets" node standing for `job.dataset`), edges wire an output handle of one node to an
 * input handle of another. Pure functions, no React.
 */

/** One input or output of a component, as GET /v1/components lists it. */
export interface PortView {
  name: string;
  kind: string;
  roles?: string[];
  optional?: boolean;
  description?: string;
}

/** A component of the node's registry (GET /v1/components). */
export interface ComponentView {
  code: string;
  version: string;
  name: string;
  description: string;
  roles: string[];
  inputs: PortView[];
  outputs: PortView[];
  /** JSON Schema (draft 2020-12) of the parameters. */
  params: JsonSchema;
  runnable: boolean;
}

/** The subset of JSON Schema the parameter form understands. */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  description?: string;
}

/** A task in a flow's DAG. */
export interface FlowTask {
  name: string;
  component: string;
  version?: string;
  params: Record<string, unknown>;
  inputs: Record<string, string>;
}

/** The id (and the source value) of the node that stands for each party's own dataset. */
export const DATASET_NODE = 'job.dataset';
/** The output handle of the dataset node. */
export const DATASET_OUTPUT = 'dataset';

/** What a canvas node carries. */
export interface TaskNodeData extends Record<string, unknown> {
  /** The task's name (unique in the flow); empty for the dataset node. */
  name: string;
  component: string;
  version: string;
  params: Record<string, unknown>;
}

export interface CanvasNode {
  id: string;
  position: { x: number; y: number };
  data: TaskNodeData;
}

export interface CanvasEdge {
  id: string;
  source: string;
  sourceHandle: string;
  target: string;
  targetHandle: string;
}

const NAME = /^[a-z][a-z0-9_-]{0,62}$/;

/**
 * A task name for a new node of component `code` that no node in `taken` has: the code itself
 * (`psi-ecdh`), else with `-2`, `-3`, … appended.
 */
export function freshTaskName(code: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  let base = code.toLowerCase().replace(/[^a-z0-9_-]/g, '-');
  if (!/^[a-z]/.test(base)) base = `t-${base}`;
  base = base.slice(0, 56);
  if (!used.has(base)) return base;
  for (let i = 2; ; i++) if (!used.has(`${base}-${i}`)) return `${base}-${i}`;
}

/** Why `name` cannot be a task name among `others`, or undefined when it can. */
export function taskNameProblem(name: string, others: string[]): string | undefined {
  if (!NAME.test(name))
    return 'task names: lower-case letters, digits, "_" or "-", starting with a letter';
  if (others.includes(name)) return `another task is already named '${name}'`;
  return undefined;
}

/** The kind of value leaving `handle` of `node` (the dataset node gives datasets). */
export function outputKind(
  node: CanvasNode | undefined,
  handle: string,
  components: Map<string, ComponentView>,
): string | undefined {
  if (!node) return undefined;
  if (node.id === DATASET_NODE) return handle === DATASET_OUTPUT ? 'dataset' : undefined;
  return components.get(node.data.component)?.outputs.find((o) => o.name === handle)?.kind;
}

/** The kind of value `handle` of `node` takes. */
export function inputKind(
  node: CanvasNode | undefined,
  handle: string,
  components: Map<string, ComponentView>,
): string | undefined {
  if (!node || node.id === DATASET_NODE) return undefined;
  return components.get(node.data.component)?.inputs.find((i) => i.name === handle)?.kind;
}

/**
 * Whether an edge from `source.sourceHandle` to `target.targetHandle` may be drawn: both
 * handles exist, the kinds match, it is not a self-loop, and the input is not wired yet.
 */
export function canConnect(
  c: { source: string; sourceHandle: string; target: string; targetHandle: string },
  nodes: CanvasNode[],
  edges: CanvasEdge[],
  components: Map<string, ComponentView>,
): boolean {
  if (c.source === c.target) return false;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const out = outputKind(byId.get(c.source), c.sourceHandle, components);
  const inp = inputKind(byId.get(c.target), c.targetHandle, components);
  if (!out || !inp || out !== inp) return false;
  return !edges.some((e) => e.target === c.target && e.targetHandle === c.targetHandle);
}

/** The flow's tasks from the canvas: inputs from the edges (`job.dataset` or `task.output`). */
export function tasksOf(nodes: CanvasNode[], edges: CanvasEdge[]): FlowTask[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  return nodes
    .filter((n) => n.id !== DATASET_NODE)
    .map((n) => {
      const inputs: Record<string, string> = {};
      for (const e of edges.filter((x) => x.target === n.id)) {
        const src = byId.get(e.source);
        if (!src) continue;
        inputs[e.targetHandle] =
          src.id === DATASET_NODE ? DATASET_NODE : `${src.data.name}.${e.sourceHandle}`;
      }
      return {
        name: n.data.name,
        component: n.data.component,
        ...(n.data.version ? { version: n.data.version } : {}),
        params: n.data.params,
        inputs,
      };
    });
}

/** Depth of each task: 1 + the deepest task it reads from (tasks fed by datasets only: 1). */
function depths(tasks: FlowTask[]): Map<string, number> {
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const depth = new Map<string, number>();
  const visit = (name: string, seen: Set<string>): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    if (seen.has(name)) return 1;
    seen.add(name);
    let d = 1;
    for (const src of Object.values(byName.get(name)?.inputs ?? {})) {
      const from = src.split('.')[0] ?? '';
      if (src !== DATASET_NODE && byName.has(from)) d = Math.max(d, visit(from, seen) + 1);
    }
    depth.set(name, d);
    return d;
  };
  for (const t of tasks) visit(t.name, new Set());
  return depth;
}

/**
 * The canvas of a saved flow: the dataset node in column 0, each task in the column of its
 * depth, edges from its inputs (model references `model:…` have no edge).
 */
export function canvasOf(tasks: FlowTask[]): { nodes: CanvasNode[]; edges: CanvasEdge[] } {
  const depth = depths(tasks);
  const rows = new Map<number, number>();
  const nodes: CanvasNode[] = [
    {
      id: DATASET_NODE,
      position: { x: 0, y: 0 },
      data: { name: '', component: DATASET_NODE, version: '', params: {} },
    },
  ];
  const idOf = new Map<string, string>();
  tasks.forEach((t, i) => {
    const d = depth.get(t.name) ?? 1;
    const row = rows.get(d) ?? 0;
    rows.set(d, row + 1);
    const id = `task-${i + 1}`;
    idOf.set(t.name, id);
    nodes.push({
      id,
      position: { x: d * 230, y: row * 120 },
      data: { name: t.name, component: t.component, version: t.version ?? '', params: t.params },
    });
  });
  const edges: CanvasEdge[] = [];
  for (const t of tasks) {
    for (const [input, src] of Object.entries(t.inputs)) {
      const target = idOf.get(t.name)!;
      if (src === DATASET_NODE) {
        edges.push(edgeOf(DATASET_NODE, DATASET_OUTPUT, target, input));
        continue;
      }
      const dot = src.indexOf('.');
      const source = dot > 0 ? idOf.get(src.slice(0, dot)) : undefined;
      if (source) edges.push(edgeOf(source, src.slice(dot + 1), target, input));
    }
  }
  return { nodes, edges };
}

/** An edge with a stable id. */
export function edgeOf(
  source: string,
  sourceHandle: string,
  target: string,
  targetHandle: string,
): CanvasEdge {
  return {
    id: `${source}:${sourceHandle}->${target}:${targetHandle}`,
    source,
    sourceHandle,
    target,
    targetHandle,
  };
}

/**
 * The parameters that differ from the schema's defaults, with empty fields removed: what the
 * task saves (defaults stay implicit, so a flow file stays short).
 */
export function changedParams(
  schema: JsonSchema,
  values: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined || v === null || v === '') continue;
    if (schema.properties?.[k]?.default === v) continue;
    out[k] = v;
  }
  return out;
}
