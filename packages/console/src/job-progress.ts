/**
 * Training progress of a job's tasks from their progress events (the data the components report:
 * `epoch` for the linear models, `round`/`rounds` with `trees` for SecureBoost, `round`/`rounds`
 * for horizontal clients, counted from 0 — see packages/cli/src/job-summary.ts), with an ETA
 * from the mean time per step so far.
 */
import type { JobEvent } from './types.js';

export interface TaskProgress {
  task: string;
  unit: 'epoch' | 'tree' | 'round';
  /** Steps done (1-based). */
  current: number;
  total: number | undefined;
  loss: number | undefined;
  /** Seconds left at the mean step time so far; undefined without a total or a step time. */
  etaSeconds: number | undefined;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * The latest progress of each task (one party's view: the guest's, else the first reporting).
 * @param totals planned steps per task when the events do not say (e.g. `maxIter`).
 */
export function progressOf(
  events: JobEvent[],
  totals: Record<string, number | undefined> = {},
): TaskProgress[] {
  // task → party → its progress events, in order.
  const byTask = new Map<string, Map<string, JobEvent[]>>();
  for (const e of events) {
    if (e.kind !== 'progress' || !e.task_name || !e.data) continue;
    const parties = byTask.get(e.task_name) ?? new Map<string, JobEvent[]>();
    byTask.set(e.task_name, parties);
    const list = parties.get(e.party ?? '') ?? [];
    parties.set(e.party ?? '', list);
    list.push(e);
  }
  const out: TaskProgress[] = [];
  for (const [task, parties] of byTask) {
    const all = parties.get('guest') ?? [...parties.values()][0] ?? [];
    const said = all.map((e) => num(e.data?.['rounds'])).findLast((r) => r !== undefined);
    const steps = all.filter(
      (e) => num(e.data?.['epoch']) !== undefined || num(e.data?.['round']) !== undefined,
    );
    const last = steps[steps.length - 1];
    if (!last?.data) continue;
    const d = last.data;
    const unit: TaskProgress['unit'] =
      num(d['epoch']) !== undefined ? 'epoch' : 'trees' in d ? 'tree' : 'round';
    const current =
      unit === 'epoch'
        ? num(d['epoch'])!
        : unit === 'tree'
          ? num(d['round'])!
          : num(d['round'])! + 1;
    const total = said ?? totals[task];
    const secs = steps.map((s) => num(s.data?.['seconds'])).filter((s) => s !== undefined);
    let perStep: number | undefined;
    if (secs.length) perStep = secs.reduce((a, b) => a + b, 0) / secs.length;
    else if (steps.length > 1)
      perStep = (Date.parse(last.at) - Date.parse(steps[0]!.at)) / 1000 / (steps.length - 1);
    out.push({
      task,
      unit,
      current,
      total,
      loss: num(d['loss']),
      etaSeconds:
        total !== undefined && perStep !== undefined
          ? Math.max(0, (total - current) * perStep)
          : undefined,
    });
  }
  return out;
}
