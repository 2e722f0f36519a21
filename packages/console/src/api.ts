/**
 * The console's API access: the typed client of @fedgrid/api-client on the page's own origin,
 * and a small hook that loads (and optionally polls) a query with loading/error state.
 */
import { ApiError, createNodeApi, unwrap } from '@fedgrid/api-client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { getToken, sessionExpired } from './session';

export { ApiError, unwrap };

export const api = createNodeApi({ baseUrl: window.location.origin, token: getToken });

export type { Page } from '@fedgrid/api-client';

export interface Query<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
}

/** Calls `onUnauthorized` handling for an error; returns it as an Error. */
export function asError(err: unknown): Error {
  if (err instanceof ApiError && err.status === 401) sessionExpired();
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Runs `load` when `deps` change (and every `pollMs` when given); a 401 ends the session.
 * Polling keeps the last data while a refresh is in flight, so the page does not flicker.
 */
export function useApi<T>(load: () => Promise<T>, deps: unknown[], pollMs?: number): Query<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(() => setTick((n) => n + 1), []);

  useEffect(() => {
    let live = true;
    setLoading(true);
    loadRef.current().then(
      (d) => {
        if (!live) return;
        setData(d);
        setError(undefined);
        setLoading(false);
      },
      (e: unknown) => {
        if (!live) return;
        setError(asError(e));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);

  useEffect(() => {
    if (!pollMs) return;
    const timer = setInterval(reload, pollMs);
    return () => clearInterval(timer);
  }, [pollMs, reload]);

  return { data, error, loading, reload };
}
