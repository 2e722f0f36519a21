/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/, version 00) for a job's calls between
 * parties. Every party derives the same trace id from the job id, so the spans of one job join
 * into one trace across organisations even if a hop drops the header; the `traceparent` header
 * (REST control plane) and gRPC metadata (data plane) carry the sender's span as the parent.
 *
 * Spans are made with @opentelemetry/api: without an SDK registered in the process they are
 * no-ops that cost nothing; an operator who preloads an OpenTelemetry SDK (docs/OPERATIONS.md,
 * "Traces") gets them exported. A partner's `traceparent` is untrusted input: only the strict
 * version-00 syntax is accepted, anything else is ignored (never echoed, never an error).
 */
import { createHash, randomBytes } from 'node:crypto';
import { context, trace, TraceFlags, type Attributes, type Span } from '@opentelemetry/api';

export interface TraceParent {
  /** 32 lower-case hex digits, not all zero. */
  traceId: string;
  /** 16 lower-case hex digits, not all zero. */
  spanId: string;
  /** Whether the sender sampled this trace (flag bit 0). */
  sampled: boolean;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * Parses a `traceparent` value; undefined for anything but well-formed version 00 with non-zero
 * ids (the specification's rule: an invalid header is ignored, a new trace started).
 */
export function parseTraceparent(value: unknown): TraceParent | undefined {
  if (typeof value !== 'string' || value.length !== 55) return undefined;
  const m = TRACEPARENT.exec(value);
  if (!m) return undefined;
  const [, traceId, spanId, flags] = m as unknown as [string, string, string, string];
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

/** Formats a `traceparent` value (version 00). */
export function formatTraceparent(p: TraceParent): string {
  return `00-${p.traceId}-${p.spanId}-${p.sampled ? '01' : '00'}`;
}

/** The trace id of job `jobId`: the first 16 bytes of SHA-256("fedgrid-job-trace\0" ‖ id), hex. */
export function jobTraceId(jobId: string): string {
  return createHash('sha256').update(`fedgrid-job-trace\0${jobId}`).digest('hex').slice(0, 32);
}

/** A fresh random span id (8 bytes, hex). */
export function newSpanId(): string {
  for (;;) {
    const id = randomBytes(8).toString('hex');
    if (id !== '0000000000000000') return id;
  }
}

/**
 * The `traceparent` this node sends with a call or message of job `jobId`: the job's trace,
 * the active span's id when one is recording for that trace, else a fresh span id.
 */
export function jobTraceparent(jobId: string): string {
  const traceId = jobTraceId(jobId);
  const active = trace.getSpanContext(context.active());
  const spanId = active && active.traceId === traceId ? active.spanId : newSpanId();
  return formatTraceparent({ traceId, spanId, sampled: true });
}

/**
 * The job a partner call concerns, from its path (`/v1/interconn/jobs/:id/...`) or, for the
 * job's creation (`POST /v1/interconn/jobs`), its body's `id`; undefined for other calls.
 */
export function jobOfPartnerCall(path: string, body: unknown): string | undefined {
  const m = /^\/v1\/interconn\/jobs\/([^/?#]+)/.exec(path);
  if (m) return decodeURIComponent(m[1] as string);
  if (/^\/v1\/interconn\/jobs\/?(\?.*)?$/.test(path) && body && typeof body === 'object') {
    const id = (body as { id?: unknown }).id;
    if (typeof id === 'string') return id;
  }
  return undefined;
}

/**
 * Starts a span of job `jobId` (tracer `fedgrid`), child of `parent` when it belongs to the
 * job's trace, else of a remote root with the job's trace id. End it with `span.end()`.
 */
export function startJobSpan(
  name: string,
  jobId: string,
  attributes: Attributes = {},
  parent?: TraceParent,
): Span {
  const traceId = jobTraceId(jobId);
  const parentCtx = trace.setSpanContext(context.active(), {
    traceId,
    spanId: parent && parent.traceId === traceId ? parent.spanId : newSpanId(),
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
  return trace
    .getTracer('fedgrid')
    .startSpan(name, { attributes: { 'fedgrid.job': jobId, ...attributes } }, parentCtx);
}
