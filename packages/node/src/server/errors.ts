/** One error format for every route: {code, message, details}. */
import type { FastifyInstance } from 'fastify';
import { ZodError } from 'zod';
import { ComponentError } from '@fedgrid/components';
import { FedGridError, type ErrorBody } from '../errors/errors.js';

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    let status = 500;
    let body: ErrorBody;
    if (err instanceof FedGridError) {
      status = err.status;
      body = err.toJSON();
      if (status >= 500) req.log.error({ err, code: err.code }, 'request failed');
    } else if (err instanceof ZodError) {
      status = 400;
      const issues = err.issues.map((i) => ({
        field: i.path.join('.') || '(root)',
        message: i.message,
      }));
      body = {
        code: 'VALIDATION_FAILED',
        message: `invalid input: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
        details: { issues },
      };
    } else if (err instanceof ComponentError) {
      status = 400;
      body = {
        code: err.code,
        message: err.message,
        ...(err.details ? { details: err.details } : {}),
      };
    } else if (
      (err as { statusCode?: number }).statusCode &&
      (err as { statusCode: number }).statusCode < 500
    ) {
      status = (err as { statusCode: number }).statusCode;
      body = {
        code: (err as { code?: string }).code ?? 'BAD_REQUEST',
        message: (err as Error).message,
      };
    } else {
      req.log.error({ err }, 'unhandled error');
      body = {
        code: 'INTERNAL',
        message: `internal error: ${(err as Error).message} (request ${req.id} in the node's log)`,
        details: { requestId: req.id },
      };
    }
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply
      .status(404)
      .send({ code: 'NOT_FOUND', message: `no route ${req.method} ${req.url}` });
  });
}
