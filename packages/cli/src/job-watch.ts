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

/** One line per interesting event (progress of PSI and training, task outcomes). */
export function formatEvent(e: JobEvent): string | undefined {
  const d = e.data ?? {};
  if (e.kind === 'progress') {
    if (d['stage'] === 'psi' && d['step'] === 'done')
      return `  PSI: ${d['intersection']} ids in common (${Number(d['seconds']).toFixed(2)} s)`;
    if (d['stage'] === 'train' && d['epoch'] !== undefined && e.party === 'guest') {
      return `  epoch ${String(d['epoch']).padStart(3)}  loss ${Number(d['loss']).toFixed(6)}  (${Number(d['seconds']).toFixed(2)} s)`;
    }
    if (d['stage'] === 'train' && d['step'] === 'start' && e.party === 'guest')
      return `  training on ${d['rows']} rows, ${d['features']} guest features, ${d['hosts']} host(s), Paillier-${d['keyBits']}`;
    return undefined;
  }
  if (e.kind === 'task' || e.kind === 'job')
    return `${e.level === 'error' ? '!' : '-'} ${e.message}`;
  if (e.kind === 'log' && (e.level === 'warn' || e.level === 'error'))
    return `  ${e.party}: ${e.message}`;
  return undefined;
}
