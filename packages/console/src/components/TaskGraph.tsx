/**
 * The job's task DAG on @xyflow/react: one node per task coloured by its state, an edge per
 * input taken from another task's output (`<task>.<output>`). Laid out in layers by depth.
 */
import { Background, Controls, ReactFlow, type Edge, type Node } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { TaskView } from '../types';

const STATE_COLOURS: Record<string, string> = {
  succeeded: '#52c41a',
  running: '#1677ff',
  failed: '#ff4d4f',
  stopped: '#8c8c8c',
};

/** Layer of each task: 0 for tasks fed only by the job's datasets, else 1 + deepest input. */
export function layers(tasks: TaskView[]): Map<string, number> {
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const depth = new Map<string, number>();
  const visit = (name: string, seen: Set<string>): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    if (seen.has(name)) return 0; // a cycle cannot be scheduled; draw it flat
    seen.add(name);
    const task = byName.get(name);
    let d = 0;
    for (const src of Object.values(task?.inputs ?? {})) {
      const from = src.split('.')[0] ?? '';
      if (byName.has(from)) d = Math.max(d, visit(from, seen) + 1);
    }
    depth.set(name, d);
    return d;
  };
  for (const t of tasks) visit(t.name, new Set());
  return depth;
}

export default function TaskGraph({ tasks }: { tasks: TaskView[] }) {
  const { t } = useTranslation();
  const { nodes, edges } = useMemo(() => {
    const depth = layers(tasks);
    const rows = new Map<number, number>();
    const nodes: Node[] = tasks.map((task) => {
      const d = depth.get(task.name) ?? 0;
      const row = rows.get(d) ?? 0;
      rows.set(d, row + 1);
      const colour = STATE_COLOURS[task.status] ?? '#d9d9d9';
      return {
        id: task.name,
        position: { x: d * 220, y: row * 90 },
        data: {
          label: `${task.name} · ${t(`status.${task.status}`, { defaultValue: task.status })}`,
        },
        style: { border: `2px solid ${colour}`, borderRadius: 6, width: 180 },
        className: `task-${task.status}`,
      };
    });
    const names = new Set(tasks.map((x) => x.name));
    const edges: Edge[] = tasks.flatMap((task) =>
      Object.entries(task.inputs ?? {})
        .map(([input, src]) => ({ input, from: src.split('.')[0] ?? '' }))
        .filter(({ from }) => names.has(from))
        .map(({ input, from }) => ({
          id: `${from}->${task.name}:${input}`,
          source: from,
          target: task.name,
          animated: task.status === 'running',
        })),
    );
    return { nodes, edges };
  }, [tasks, t]);

  return (
    <div style={{ height: 320 }} data-testid="task-graph">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        fitView
        nodesDraggable={false}
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
