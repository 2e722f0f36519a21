/** Follows a job: polls its events and state until it ends. */
import type { JobView } from '@fedgrid/node';
import type { ApiClient } from './api-client.js';

export interface JobEvent {
  id: number;
  task_name: string | null;
  party: string | null;
  level: string;
  kind: string;
  message: string;
  data: Record<string, unknown> | null;
  at: string;
}

const TERMINAL = new Set(['succeeded', 'failed', 'stopped']);

/**
 * Polls every `intervalMs` and calls `onEvent` for each new event, in order.
 * @returns the final job view.
 */
export async function watchJob(
  api: ApiClient,
  jobId: string,
  onEvent: (e: JobEvent) => void,
  intervalMs = 500,
): Promise<JobView> {
  let after = 0;
  for (;;) {
    const { items: events } = await api.get<{ items: JobEvent[] }>(
      `/v1/jobs/${jobId}/events?after=${after}`,
    );
    for (const e of events) {
      onEvent(e);
      after = Math.max(after, Number(e.id));
    }
    const job = await api.get<JobView>(`/v1/jobs/${jobId}`);
    if (TERMINAL.has(job.status)) {
      const rest = await api.get<{ items: JobEvent[] }>(`/v1/jobs/${jobId}/events?after=${after}`);
      rest.items.forEach(onEvent);
      return job;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Follows a job to its end (see {@link watchJob}), writing one line per interesting event (see
 * {@link formatEvent}) after event id `after` — what `job submit --wait`, `job watch` and
 * `job events --follow` print before the final job.
 * @returns the final job view.
 */
export async function followJob(
  api: ApiClient,
  jobId: string,
  opts: {
    /** Skip events up to this id (a rerun follows only its own events). @default 0 */
    after?: number;
    /** Receives each line (without newline); nothing is printed without it. */
    write?: (line: string) => void;
    /** @default 500 */
    intervalMs?: number;
  } = {},
): Promise<JobView> {
  const after = opts.after ?? 0;
  return watchJob(
    api,
    jobId,
    (e) => {
      if (!opts.write || Number(e.id) <= after) return;
      const line = formatEvent(e);
      if (line) opts.write(line);
    },
    opts.intervalMs,
  );
}

const num = (v: unknown, digits: number) => Number(v).toFixed(digits);
const seconds = (d: Record<string, unknown>) =>
  d['seconds'] !== undefined ? `  (${num(d['seconds'], 2)} s)` : '';
/** `  loss 0.123456` when the event carries a loss (a program may not compute it every round). */
const loss = (d: Record<string, unknown>, key = 'loss', name = 'loss') =>
  typeof d[key] === 'number' ? `  ${name} ${num(d[key], 6)}` : '';
/** `3/30` when the total is known, else `3`. */
const outOf = (k: number, total: unknown) =>
  typeof total === 'number' ? `${String(k).padStart(String(total).length)}/${total}` : String(k);

/** The start line of a training task at the guest. */
function trainingStart(d: Record<string, unknown>): string {
  // Horizontal: a client trains on its own rows, no hosts, no keys.
  if (d['hosts'] === undefined)
    return `  training ${d['rounds']} rounds on ${d['rows']} local rows${Number(d['startRound']) > 0 ? `, resuming at round ${Number(d['startRound']) + 1}` : ''}`;
  const classes = Array.isArray(d['classes']) ? `, ${d['classes'].length} classes one-vs-rest` : '';
  if (d['trees'] !== undefined)
    return `  training ${d['trees']} trees (${d['objective']}) on ${d['rows']} rows, ${d['features']} guest + ${d['hostFeatures']} host features, ${d['hosts']} host(s), Paillier-${d['keyBits']}`;
  return `  training on ${d['rows']} rows, ${d['features']} guest features, ${d['hosts']} host(s), Paillier-${d['keyBits']}${classes}`;
}

/**
 * One line per interesting event, or undefined: PSI's result; each training step as the
 * training party reports it — epochs of the linear models (`epoch 3`), trees of SecureBoost
 * (`tree 3/30`), rounds of horizontal training (`round 3/15`); task and job outcomes; warnings
 * and errors.
 */
export function formatEvent(e: JobEvent): string | undefined {
  const d = e.data ?? {};
  if (e.kind === 'progress') {
    if (d['stage'] === 'psi' && d['step'] === 'done')
      return `  PSI: ${d['intersection']} ids in common (${Number(d['seconds']).toFixed(2)} s)`;
    if (d['stage'] !== 'train') return undefined;
    // Horizontal clients (every party trains): one line per round each, named unless the guest.
    if (d['round'] !== undefined && d['rounds'] !== undefined && d['trees'] === undefined) {
      const who = e.party && e.party !== 'guest' ? `  [${e.party}]` : '';
      return `  round ${outOf(Number(d['round']) + 1, d['rounds'])}${loss(d)}${who}`;
    }
    if (e.party !== 'guest') return undefined;
    if (d['step'] === 'start') return trainingStart(d);
    if (d['epoch'] !== undefined) {
      const cls = d['class'] !== undefined ? `  class ${d['class']}` : '';
      return `${cls}  epoch ${String(d['epoch']).padStart(3)}${loss(d)}${seconds(d)}`;
    }
    if (d['round'] !== undefined) {
      const round = Number(d['round']);
      const trees = Number(d['trees']);
      const perRound = trees > round ? `  (${trees} trees, ${trees / round} per round)` : '';
      return `  tree ${outOf(round, d['rounds'])}${loss(d)}${loss(d, 'validationLoss', 'validation loss')}${perRound}${seconds(d)}`;
    }
    return undefined;
  }
  if (e.kind === 'task' || e.kind === 'job')
    return `${e.level === 'error' ? '!' : '-'} ${e.message}`;
  if (e.kind === 'log' && (e.level === 'warn' || e.level === 'error'))
    return `  ${e.party}: ${e.message}`;
  return undefined;
}
