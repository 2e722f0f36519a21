/**
 * Typed client of a FedGrid node's REST API, shared by the CLI (over its pinned-certificate HTTPS
 * transport) and the web console (over the browser's fetch, same origin).
 *
 * The paths, methods, path/query parameters and request bodies are checked against
 * `schema.ts`, which is generated from docs/openapi.json (`npm run openapi:client`; the test
 * packages/api-client/test/schema-drift.test.ts fails when it is out of date). The node does not
 * declare response schemas yet, so a response body is typed by the caller (`T` below); the
 * views both callers read are declared once here (project-views.ts, model-approval-view.ts,
 * page.ts) instead of a copy per caller.
 */
import createFetchClient, { type Client } from 'openapi-fetch';
import type { paths } from './schema.js';

export type { paths } from './schema.js';
export { predictionsCsv, type PredictionsOutput } from './predictions-csv.js';
export type { ModelApprovalView } from './model-approval-view.js';
export type { Page } from './page.js';
export type {
  ProjectDelivery,
  ProjectMemberStatus,
  ProjectMemberView,
  ProjectPage,
  ProjectView,
  SharedProjectView,
} from './project-views.js';
export {
  batchPredictRequest,
  type BatchPredictHost,
  type BatchPredictJob,
  type BatchPredictRequest,
} from './batch-predict.js';

/** The node's error body: `{code, message, details}` (every route, see docs/SECURITY.md). */
export interface ApiErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** An error answer of the node (HTTP status ≥ 400) with its `{code, message, details}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.message);
    this.name = 'ApiError';
  }

  get code(): string {
    return this.body.code;
  }
}

/** The typed openapi-fetch client of the node's API. */
export type NodeApi = Client<paths>;

export interface NodeApiOptions {
  /** Origin of the node's API, e.g. `https://127.0.0.1:8443` (the console passes its own). */
  baseUrl: string;
  /** The admin token sent as `Authorization: Bearer …`; a function is read on every request. */
  token?: string | (() => string | undefined);
  /** A fetch implementation (the CLI passes one that pins the node's certificate). */
  fetch?: (input: Request) => Promise<Response>;
}

/**
 * Creates the typed client. Every request carries the Bearer token (when given) and
 * `accept: application/json`.
 */
export function createNodeApi(opts: NodeApiOptions): NodeApi {
  const client = createFetchClient<paths>({
    baseUrl: opts.baseUrl,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  client.use({
    onRequest({ request }) {
      const token = typeof opts.token === 'function' ? opts.token() : opts.token;
      if (token) request.headers.set('authorization', `Bearer ${token}`);
      request.headers.set('accept', 'application/json');
      return request;
    },
  });
  return client;
}

/** Turns any thrown/parsed error payload into an {@link ApiErrorBody}. */
function errorBody(status: number, error: unknown): ApiErrorBody {
  if (error && typeof error === 'object' && typeof (error as ApiErrorBody).message === 'string') {
    const e = error as ApiErrorBody;
    return { ...e, code: typeof e.code === 'string' ? e.code : `HTTP_${status}` };
  }
  return {
    code: `HTTP_${status}`,
    message: typeof error === 'string' && error ? error : `HTTP ${status}`,
  };
}

/**
 * Awaits an openapi-fetch call and returns its body as `T`.
 *
 * @throws ApiError with the node's `{code, message, details}` when the status is ≥ 400.
 */
export async function unwrap<T>(
  call: Promise<{ data?: unknown; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw new ApiError(response.status, errorBody(response.status, error));
  return data as T;
}
