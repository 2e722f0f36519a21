/**
 * Which model versions an evaluation scored (issue 12 item 1: a version carries "the evaluation
 * metrics of that job"). Read from the job's DAG and the components' port kinds, not from a list
 * of algorithms: an evaluation task scores the `predictions` output of the task feeding it; that
 * task is either a training task itself (it also has a `model` output) or a prediction task whose
 * `model`-kind inputs name the training tasks. Preprocessing models feeding a prediction task's
 * data input are not counted, and a report fed by a dataset names no model.
 */
import { componentByCode, type ComponentSpec } from '@fedgrid/components';

interface TaskRef {
  name: string;
  component: string;
  inputs: Record<string, string>;
}

function specOf(code: string): ComponentSpec<unknown> | undefined {
  try {
    return componentByCode(code);
  } catch {
    return undefined;
  }
}

const producesModel = (t: TaskRef) =>
  specOf(t.component)?.outputs.some((o) => o.kind === 'model') ?? false;

const outputKind = (t: TaskRef, port: string) =>
  specOf(t.component)?.outputs.find((o) => o.name === port)?.kind;

/**
 * The names of the tasks whose model outputs `evalTask` scored, in the job's task order.
 * Empty when the evaluation's input does not lead to a model (or the task is unknown).
 */
export function modelTasksScoredBy(
  spec: { tasks: readonly TaskRef[] },
  evalTask: string,
): string[] {
  const byName = new Map(spec.tasks.map((t) => [t.name, t]));
  const out = new Set<string>();
  for (const ref of Object.values(byName.get(evalTask)?.inputs ?? {})) {
    const [from, port] = ref.split('.') as [string, string | undefined];
    const feeder = byName.get(from);
    // Only predictions are scored: a report fed by a dataset (a training task's own summary on
    // its input rows) names no model.
    if (!feeder || !port || outputKind(feeder, port) !== 'predictions') continue;
    if (producesModel(feeder)) {
      out.add(feeder.name);
      continue;
    }
    for (const r of Object.values(feeder.inputs)) {
      const [m, mport] = r.split('.') as [string, string | undefined];
      const t = byName.get(m);
      if (t && mport && outputKind(t, mport) === 'model') out.add(t.name);
    }
  }
  return spec.tasks.map((t) => t.name).filter((n) => out.has(n));
}
