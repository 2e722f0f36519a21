/**
 * OpenAPI documentation of a route from its zod schemas: `schema: doc('Register a dataset', {
 * body: registerDatasetSchema })`. The schemas document; zod in the handler still validates.
 */
import { z } from 'zod';

export interface RouteDocParts {
  body?: z.ZodType;
  query?: z.ZodType;
  description?: string;
}

const toJson = (s: z.ZodType) =>
  z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;

export function doc(summary: string, parts: RouteDocParts = {}): Record<string, unknown> {
  return {
    summary,
    ...(parts.description ? { description: parts.description } : {}),
    ...(parts.body ? { body: toJson(parts.body) } : {}),
    ...(parts.query ? { querystring: toJson(parts.query) } : {}),
  };
}
