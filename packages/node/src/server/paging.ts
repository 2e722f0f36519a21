/** Paged lists: every list endpoint takes ?page=&pageSize=(&q=) and answers {items, total, page, pageSize}. */
import { z } from 'zod';
import { queryBoolean } from './query-boolean.js';

export const pageQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(1000).default(100),
  /** Fuzzy (substring, case-insensitive) match on names, unless `exact` is set. */
  q: z.string().max(200).optional(),
  exact: queryBoolean.optional(),
});
export type PageQuery = z.infer<typeof pageQuerySchema>;

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

/** Pages an in-memory list (for small collections and results fetched from partners). */
export function pageOf<T>(all: T[], q: Pick<PageQuery, 'page' | 'pageSize'>): Page<T> {
  const start = (q.page - 1) * q.pageSize;
  return {
    items: all.slice(start, start + q.pageSize),
    total: all.length,
    page: q.page,
    pageSize: q.pageSize,
  };
}

/** Whether `name` matches the query (substring, case-insensitive; or exact). */
export function matches(name: string, q: Pick<PageQuery, 'q' | 'exact'>): boolean {
  if (!q.q) return true;
  return q.exact ? name === q.q : name.toLowerCase().includes(q.q.toLowerCase());
}
