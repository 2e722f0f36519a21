/**
 * What a rerun sends (POST /v1/jobs/:id/rerun, …/tasks/:task/rerun): the parameter changes the
 * rerun forms collect, without the fields left empty (the node keeps their current value).
 */

/** The filled-in fields: empty ones are left out (they keep the task's current value). */
export function filledParams(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values).filter(([, v]) => v !== undefined && v !== null && v !== ''),
  );
}

/**
 * The body of POST /v1/jobs/:id/rerun for the chosen tasks (in any order) and their edited
 * values: `params` per chosen task (only filled-in fields), `from` when given.
 */
export function jobRerunBody(
  chosen: readonly string[],
  values: Readonly<Record<string, Record<string, unknown>>>,
  from: string | undefined,
): { params?: Record<string, Record<string, unknown>>; from?: string } {
  return {
    ...(chosen.length
      ? { params: Object.fromEntries(chosen.map((n) => [n, filledParams(values[n] ?? {})])) }
      : {}),
    ...(from ? { from } : {}),
  };
}
