/**
 * A job's live events: GET /v1/jobs/:id/events/stream (server-sent events) read with fetch, so
 * that the session's Bearer token goes in a header (EventSource cannot send one). Reconnects
 * after a dropped connection, resuming after the last event id; stops at the `end` frame.
 */
import { ApiError } from '@fedgrid/api-client';
import { useEffect, useState } from 'react';
import { getToken, sessionExpired } from './session.js';
import { parseSse } from './sse.js';
import type { JobEvent, JobView } from './types.js';

export interface JobStream {
  job: JobView | undefined;
  events: JobEvent[];
  /** True while the stream is open. */
  live: boolean;
  error: Error | undefined;
}

/** Streams job `id`'s events and states; `restart` (any changing value) opens a new stream. */
export function useJobStream(id: string, restart: unknown = 0): JobStream {
  const [job, setJob] = useState<JobView>();
  const [events, setEvents] = useState<JobEvent[]>([]);
  const [live, setLive] = useState(false);
  const [error, setError] = useState<Error>();

  useEffect(() => {
    const abort = new AbortController();
    let cursor = 0;
    let ended = false;
    setEvents([]);
    const connect = async (): Promise<void> => {
      const res = await fetch(`/v1/jobs/${encodeURIComponent(id)}/events/stream?after=${cursor}`, {
        headers: {
          accept: 'text/event-stream',
          ...(getToken() ? { authorization: `Bearer ${getToken()}` } : {}),
        },
        signal: abort.signal,
      });
      if (!res.ok) {
        if (res.status === 401) sessionExpired();
        const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
        throw new ApiError(res.status, {
          code: body.code ?? 'HTTP_ERROR',
          message: body.message ?? res.statusText,
        });
      }
      setLive(true);
      setError(undefined);
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const { frames, rest } = parseSse(buffer + value);
        buffer = rest;
        const fresh: JobEvent[] = [];
        for (const f of frames) {
          if (f.event === 'job-event') {
            const e = JSON.parse(f.data) as JobEvent;
            cursor = Math.max(cursor, Number(e.id));
            fresh.push(e);
          } else if (f.event === 'job') setJob(JSON.parse(f.data) as JobView);
          else if (f.event === 'end') ended = true;
        }
        if (fresh.length) setEvents((old) => [...old, ...fresh]);
      }
    };
    void (async () => {
      while (!abort.signal.aborted && !ended) {
        try {
          await connect();
        } catch (e) {
          if (abort.signal.aborted) return;
          setError(e instanceof Error ? e : new Error(String(e)));
          if (e instanceof ApiError && e.status < 500) return;
        } finally {
          setLive(false);
        }
        if (!ended) await new Promise((r) => setTimeout(r, 2000));
      }
    })();
    return () => abort.abort();
  }, [id, restart]);

  return { job, events, live, error };
}
