/**
 * Boolean query parameters. A query string carries text, and `z.coerce.boolean()` reads every
 * non-empty text as true — `?exact=false` meant exact. Issue #11 item 10a.
 */
import { z } from 'zod';

/**
 * `true`/`1` → true, `false`/`0` → false (a JSON boolean is taken as is, for in-process callers);
 * anything else fails validation (400 VALIDATION_FAILED naming the parameter).
 */
export const queryBoolean = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0'])], {
    error: 'use true, false, 1 or 0',
  })
  .transform((v) => v === true || v === 'true' || v === '1');
