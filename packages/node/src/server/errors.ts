/** One error format for every route: {code, message, details}. */
import type { FastifyInstance } from 'fastify';
import { ZodError } from 'zod';
import { ComponentError } from '@fedgrid/components';
import { FedGridError, type ErrorBody } from '../errors/errors.js';

/**
 * The answer to a request that failed with `err`: its HTTP status and `{code, message, details}`
 * body. Server errors (5xx) are logged on `log` (a logger bound to the request's id). Shared by the routes' error
 * handler and the lean online-prediction path (serving/predict-lean-path.ts).
 */
export function errorAnswer(
  err: unknown,
  requestId: string,
  log: { error(obj: object, msg: string): void },
): { status: number; body: ErrorBody } {
  if (err instanceof FedGridError) {
    if (err.status >= 500) log.error({ err, code: err.code }, 'request failed');
    return { status: err.status, body: err.toJSON() };
  }
  if (err instanceof ZodError) {
    const issues = err.issues.map((i) => ({
      field: i.path.join('.') || '(root)',
      message: i.message,
    }));
    return {
      status: 400,
      body: {
        code: 'VALIDATION_FAILED',
        message: `invalid input: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
        details: { issues },
      },
    };
  }
  if (err instanceof ComponentError)
    return {
      status: 400,
      body: {
        code: err.code,
        message: err.message,
        ...(err.details ? { details: err.details } : {}),
      },
    };
  const statusCode = (err as { statusCode?: number }).statusCode;
  if (statusCode && statusCode < 500)
    return {
      status: statusCode,
      body: {
        code: (err as { code?: string }).code ?? 'BAD_REQUEST',
        message: (err as Error).message,
      },
    };
  log.error({ err }, 'unhandled error');
  return {
    status: 500,
    body: {
      code: 'INTERNAL',
      message: `internal error: ${(err as Error).message} (request ${requestId} in the node's log)`,
      details: { requestId },
    },
  };
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    const { status, body } = errorAnswer(err, req.id, req.log);
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply
      .status(404)
      .send({ code: 'NOT_FOUND', message: `no route ${req.method} ${req.url}` });
  });
}
