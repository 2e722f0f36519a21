/** Request validation with zod: failures become VALIDATION_FAILED naming each bad field. */
import type { z } from 'zod';
import { FedGridError } from '../errors/errors.js';

export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what = 'request body',
): z.infer<S> {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({
    field: i.path.join('.') || '(root)',
    message: i.message,
  }));
  throw new FedGridError(
    'VALIDATION_FAILED',
    `invalid ${what}: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
    { issues },
  );
}
