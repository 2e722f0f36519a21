/**
 * Resolves to the value, or to `undefined` once `ms` have passed (the promise is then left to
 * settle unobserved); rejects with the abort reason when `signal` aborts.
 */
export function withDeadline<T>(
  p: Promise<T>,
  ms: number,
  signal: AbortSignal,
): Promise<T | undefined> {
  p.catch(() => {});
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(undefined), Math.max(0, ms));
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    });
  });
}
