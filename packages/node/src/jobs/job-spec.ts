/**
 * A job: one run of a flow (a list of tasks, each a component with parameters and inputs) by a
 * set of parties on contracted nodes. Standard 001 §7 (Flow, Job, Task); CONTRACTS.md.
 *
 * Task inputs name where a value comes from: `job.dataset` (the party's dataset bound in
 * `datasets`), `<task>.<output>` (another task's output on the same party), or — for a model
 * input — `model:<id>`, `model:<name>` or `model:<name>@<version>`: each party's own part of a
 * stored, published model of an earlier job (models/model-ref.ts). Task-output references make
 * the flow a DAG; tasks whose inputs are ready run in parallel.
 */
import { componentByCode, roleOf, type ComponentSpec, type JobRoles } from '@fedgrid/components';
import { z } from 'zod';
import { FedGridError } from '../errors/errors.js';
import { isModelRef, parseModelRef } from '../models/model-ref.js';

const nodeRef = z.object({ node: z.string().min(1).max(64) });

export const taskSpecSchema = z.object({
  name: z
    .string()
    .regex(
      /^[a-z][a-z0-9_-]{0,62}$/,
      'task names: lower-case letters, digits, "_" or "-", starting with a letter',
    ),
  component: z.string().min(1),
  version: z.string().optional(),
  params: z.record(z.string(), z.unknown()).default({}),
  inputs: z.record(z.string(), z.string()).default({}),
});

export const jobRequestSchema = z.object({
  name: z.string().max(200).default(''),
  /** The project and flow this job runs, when it was created from a flow. */
  projectId: z.string().max(200).optional(),
  flowId: z.string().max(200).optional(),
  /** Higher runs first when the node's job slots are full. */
  priority: z.number().int().min(-100).max(100).default(0),
  parties: z.object({
    guest: nodeRef,
    hosts: z.array(nodeRef).min(1).max(16),
    arbiter: nodeRef.optional(),
    /** Edge aggregators of hierarchical horizontal FL (party names edge-0, edge-1, …). */
    edges: z.array(nodeRef).max(16).optional(),
  }),
  /** Dataset (id or name on its owner's node) per party: { guest: "...", "host-0": "..." }. */
  datasets: z.record(z.string(), z.string()).default({}),
  tasks: z.array(taskSpecSchema).min(1).max(100),
  timeoutSeconds: z
    .number()
    .int()
    .positive()
    .default(24 * 3600),
});
export type JobRequest = z.input<typeof jobRequestSchema>;
export type JobSpecBody = z.infer<typeof jobRequestSchema>;

/** The job as every party stores it. */
export interface JobSpec extends JobSpecBody {
  id: string;
  initiator: string;
  createdAt: string;
}

/** Party name → node id. */
export function partyNodes(spec: Pick<JobSpecBody, 'parties'>): Map<string, string> {
  const m = new Map<string, string>([['guest', spec.parties.guest.node]]);
  spec.parties.hosts.forEach((h, k) => m.set(`host-${k}`, h.node));
  if (spec.parties.arbiter) m.set('arbiter', spec.parties.arbiter.node);
  spec.parties.edges?.forEach((e, k) => m.set(`edge-${k}`, e.node));
  return m;
}

export function jobRoles(spec: Pick<JobSpecBody, 'parties'>): JobRoles {
  return {
    guest: 'guest',
    hosts: spec.parties.hosts.map((_, k) => `host-${k}`),
    ...(spec.parties.arbiter ? { arbiter: 'arbiter' } : {}),
    ...(spec.parties.edges?.length ? { edges: spec.parties.edges.map((_, k) => `edge-${k}`) } : {}),
  };
}

/** The parties that run a task: those whose role has a program in the component. */
export function taskParties(
  spec: Pick<JobSpecBody, 'parties'>,
  component: ComponentSpec<unknown>,
): string[] {
  return [...partyNodes(spec).keys()].filter((p) => component.programs[roleOf(p)] !== undefined);
}

/**
 * Validates the flow against the component registry: known components and versions, parameters,
 * required roles, inputs wired to the job's datasets or to outputs of other tasks of the right
 * kind (inputs marked `optional` may stay unconnected), and no cycles.
 * @returns the tasks' names in a topological order (dependencies first, else list order).
 * @throws FedGridError VALIDATION_FAILED naming the task and field.
 */
export function validateJob(spec: JobSpecBody): string[] {
  const fail = (message: string, details: Record<string, unknown>): never => {
    throw new FedGridError('VALIDATION_FAILED', message, details);
  };
  const parties = partyNodes(spec);
  const components = new Map<string, ComponentSpec<unknown>>();
  for (const [i, t] of spec.tasks.entries()) {
    if (components.has(t.name)) fail(`task name '${t.name}' is used twice`, { task: t.name });
    let component: ComponentSpec<unknown>;
    try {
      component = componentByCode(t.component);
    } catch (err) {
      return fail(`task '${t.name}': ${(err as Error).message}`, {
        task: t.name,
        field: `tasks.${i}.component`,
      });
    }
    if (t.version && t.version !== component.version) {
      fail(
        `task '${t.name}': component ${t.component} ${t.version} is not available (this node has ${component.version})`,
        { task: t.name },
      );
    }
    for (const role of component.roles) {
      if (component.roleOptional?.(role, t.params)) continue;
      if (![...parties.keys()].some((p) => roleOf(p) === role)) {
        fail(`task '${t.name}': component ${t.component} needs a ${role} party`, {
          task: t.name,
          role,
        });
      }
    }
    const shape = (component.params as unknown as { shape?: Record<string, unknown> }).shape;
    const unknownParam = shape ? Object.keys(t.params).find((k) => !(k in shape)) : undefined;
    if (unknownParam) {
      fail(
        `task '${t.name}': ${t.component} has no parameter '${unknownParam}' (parameters: ${Object.keys(shape!).join(', ') || 'none'})`,
        {
          task: t.name,
          field: `tasks.${i}.params.${unknownParam}`,
        },
      );
    }
    const params = component.params.safeParse(t.params);
    if (!params.success) {
      const issue = params.error.issues[0];
      fail(
        `task '${t.name}': parameter ${issue?.path.join('.') || '(params)'}: ${issue?.message}`,
        {
          task: t.name,
          field: `tasks.${i}.params.${issue?.path.join('.')}`,
        },
      );
    }
    components.set(t.name, component);
  }
  const deps = new Map<string, Set<string>>();
  for (const [i, t] of spec.tasks.entries()) {
    const component = components.get(t.name) as ComponentSpec<unknown>;
    const mine = new Set<string>();
    for (const port of component.inputs) {
      const ref = t.inputs[port.name];
      if (!ref && port.optional) continue;
      if (!ref)
        fail(`task '${t.name}': input '${port.name}' is not connected`, {
          task: t.name,
          input: port.name,
        });
      if (ref === 'job.dataset') {
        if (port.kind !== 'dataset')
          fail(`task '${t.name}': input '${port.name}' needs a ${port.kind}, not a dataset`, {
            task: t.name,
          });
        for (const p of parties.keys()) {
          if (port.roles.includes(roleOf(p)) && !spec.datasets[p]) {
            fail(
              `task '${t.name}' reads the job dataset of ${p}, but none is bound in datasets.${p}`,
              { task: t.name, party: p },
            );
          }
        }
        continue;
      }
      if (isModelRef(ref as string)) {
        const field = `tasks.${i}.inputs.${port.name}`;
        if (port.kind !== 'model')
          fail(
            `task '${t.name}': input '${port.name}' needs a ${port.kind}; a stored model (model:…) fits only a model input`,
            { task: t.name, input: port.name, field },
          );
        try {
          parseModelRef(ref as string);
        } catch (err) {
          fail(`task '${t.name}': input '${port.name}': ${(err as Error).message}`, {
            task: t.name,
            input: port.name,
            field,
          });
        }
        continue;
      }
      const [from, out] = (ref as string).split('.');
      const src = from && from !== t.name ? components.get(from) : undefined;
      if (!src || !out) {
        fail(
          `task '${t.name}': input '${port.name}' refers to '${ref}', which is not an output of another task (use <task>.<output>, job.dataset, or model:<name>@<version> for a stored model)`,
          {
            task: t.name,
            input: port.name,
          },
        );
      }
      const srcPort = src!.outputs.find((o) => o.name === out);
      if (!srcPort)
        fail(`task '${t.name}': task '${from}' has no output '${out}'`, {
          task: t.name,
          input: port.name,
        });
      if (srcPort!.kind !== port.kind) {
        fail(
          `task '${t.name}': input '${port.name}' needs a ${port.kind}, '${ref}' is a ${srcPort!.kind}`,
          { task: t.name, input: port.name },
        );
      }
      mine.add(from as string);
    }
    for (const name of Object.keys(t.inputs)) {
      if (!component.inputs.some((p) => p.name === name)) {
        fail(
          `task '${t.name}': component ${t.component} has no input '${name}' (inputs: ${component.inputs.map((p) => p.name).join(', ')})`,
          {
            task: t.name,
          },
        );
      }
    }
    deps.set(t.name, mine);
  }
  for (const p of Object.keys(spec.datasets)) {
    if (!parties.has(p)) fail(`datasets.${p}: no party '${p}' in this job`, { party: p });
  }
  return topologicalOrder(
    spec.tasks.map((t) => t.name),
    deps,
    fail,
  );
}

/** Each task's upstream tasks (those whose outputs it reads). */
export function taskDependencies(spec: Pick<JobSpecBody, 'tasks'>): Map<string, Set<string>> {
  const names = new Set(spec.tasks.map((t) => t.name));
  return new Map(
    spec.tasks.map((t) => [
      t.name,
      new Set(
        Object.values(t.inputs)
          .filter((r) => r !== 'job.dataset' && !isModelRef(r))
          .map((r) => r.split('.')[0] as string)
          .filter((n) => names.has(n)),
      ),
    ]),
  );
}

/** Tasks downstream of `name` (those that read its outputs, transitively). */
export function downstreamOf(spec: Pick<JobSpecBody, 'tasks'>, name: string): Set<string> {
  const deps = taskDependencies(spec);
  const out = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const [t, d] of deps) {
      if (!out.has(t) && (d.has(name) || [...d].some((x) => out.has(x)))) {
        out.add(t);
        grew = true;
      }
    }
  }
  return out;
}

/** Kahn's algorithm, keeping list order among ready tasks; a cycle is named in the error. */
function topologicalOrder(
  names: string[],
  deps: Map<string, Set<string>>,
  fail: (m: string, d: Record<string, unknown>) => never,
): string[] {
  const done = new Set<string>();
  const order: string[] = [];
  while (order.length < names.length) {
    const next = names.find(
      (n) => !done.has(n) && [...(deps.get(n) ?? [])].every((d) => done.has(d)),
    );
    if (!next) {
      // Follow unmet dependencies from any remaining task until one repeats: that is a cycle.
      let cur = names.find((n) => !done.has(n)) as string;
      const path: string[] = [];
      while (!path.includes(cur)) {
        path.push(cur);
        cur = [...(deps.get(cur) ?? [])].find((d) => !done.has(d)) as string;
      }
      const cycle = [...path.slice(path.indexOf(cur)), cur];
      return fail(`the flow has a cycle: ${cycle.join(' → ')}`, { cycle });
    }
    done.add(next);
    order.push(next);
  }
  return order;
}
