/**
 * Ids, names and filters never hold control characters, and no text holds a NUL. A NUL in a path
 * parameter (`/v1/datasets/%00`) or a query filter (`?status=a%00`) reached PostgreSQL, which
 * refuses it in text — a 500, and an audit event that could not be written; a NUL inside a JSON
 * body string is refused by PostgreSQL's text and jsonb types alike. Such requests are refused as
 * 400 naming the field before any handler runs. Issue #11 item 7.
 */
import type { FastifyInstance } from 'fastify';
import { FedGridError } from '../errors/errors.js';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
/** Deepest body nesting walked; deeper values are left to the route's schema. */
const MAX_DEPTH = 32;

function refuse(field: string, what: string, rule: string): never {
  throw new FedGridError('VALIDATION_FAILED', `${what} '${field}' contains ${rule}`, {
    issues: [{ field, message: rule }],
  });
}

/**
 * The path of the first string (or key) in `v` holding a NUL (`body.a.b[2]`), or undefined; `path`
 * names `v` itself (`'body'`), `depth` is 0 for the top.
 */
function nulAt(v: unknown, path: string, depth: number): string | undefined {
  if (typeof v === 'string') return v.includes('\u0000') ? path : undefined;
  if (depth >= MAX_DEPTH || v === null || typeof v !== 'object') return undefined;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const at = nulAt(v[i], `${path}[${i}]`, depth + 1);
      if (at) return at;
    }
    return undefined;
  }
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (k.includes('\u0000')) return `${path}.${k.split('\u0000').join('\\u0000')}`;
    const at = nulAt(x, `${path}.${k}`, depth + 1);
    if (at) return at;
  }
  return undefined;
}

/**
 * Refuses a JSON body holding a NUL in any string or key.
 * @throws FedGridError VALIDATION_FAILED naming the field.
 */
export function assertNoNul(body: unknown): void {
  const at = nulAt(body, 'body', 0);
  if (at) refuse(at, 'body field', 'a NUL character (U+0000), which no stored text may hold');
}

/**
 * Adds the checks: path and query parameters without control characters (an onRequest hook;
 * register it after authentication), JSON bodies without NUL in any string or key (preValidation,
 * once the body is parsed).
 */
export function registerParamsCheck(app: FastifyInstance): void {
  app.addHook('onRequest', async (req) => {
    const params = (req.params ?? {}) as Record<string, unknown>;
    for (const [name, value] of Object.entries(params)) {
      if (typeof value === 'string' && CONTROL.test(value))
        refuse(
          name,
          'path parameter',
          'a control character (U+0000–U+001F or U+007F); ids and names never do',
        );
    }
    const query = (req.query ?? {}) as Record<string, unknown>;
    for (const [name, value] of Object.entries(query)) {
      const values = Array.isArray(value) ? value : [value];
      if (CONTROL.test(name) || values.some((x) => typeof x === 'string' && CONTROL.test(x)))
        refuse(
          `query.${[...name].map((c) => (CONTROL.test(c) ? '?' : c)).join('')}`,
          'query parameter',
          'a control character (U+0000–U+001F or U+007F); filters never do',
        );
    }
  });
  app.addHook('preValidation', async (req) => assertNoNul(req.body));
}
