/**
 * Path parameters are ids and names: none has a control character. A NUL in one (`/v1/datasets/%00`)
 * reached PostgreSQL, which refuses it in text — a 500, and an audit event that could not be
 * written. Such requests are refused as 400 before any handler runs. Issue #11 item 7.
 */
import type { FastifyInstance } from 'fastify';
import { FedGridError } from '../errors/errors.js';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Adds the check (an onRequest hook; register it after authentication). */
export function registerParamsCheck(app: FastifyInstance): void {
  app.addHook('onRequest', async (req) => {
    const params = (req.params ?? {}) as Record<string, unknown>;
    for (const [name, value] of Object.entries(params)) {
      if (typeof value === 'string' && CONTROL.test(value))
        throw new FedGridError(
          'VALIDATION_FAILED',
          `path parameter '${name}' contains a control character (U+0000–U+001F or U+007F); ids and names never do`,
          { issues: [{ field: name, message: 'control character' }] },
        );
    }
  });
}
