/**
 * The node's list answer (every paged GET: `?page=&pageSize=`), shared by the CLI and the
 * console; mirrors `Page` of packages/node/src/server/paging.ts.
 */
export interface Page<T> {
  items: T[];
  /** Matches over every page. */
  total: number;
  /** 1-based. */
  page: number;
  pageSize: number;
}
