/**
 * One model approval (GET /v1/model-approvals, /v1/model-approvals/:id, and the answers of
 * approve, reject and sync), shared by the CLI and the console. Written by hand beside the
 * generated `schema.ts`: the node does not declare response schemas yet, so this mirrors
 * `ApprovalView` of packages/node/src/models/models.service.ts.
 */
export interface ModelApprovalView {
  id: string;
  /** `outgoing`: this node asked a partner; `incoming`: a partner asks this node. */
  direction: 'outgoing' | 'incoming';
  modelId: string;
  modelName: string;
  requester: string;
  approver: string;
  jobId: string;
  task: string;
  projectId: string | null;
  party: string;
  component: string;
  algorithm: string;
  /** Digest of the model part asked about (hex). */
  digest: string;
  /** The task attempt that produced the part (null: not said by the requester). */
  attempt: number | null;
  /** The requesting party's own feature names (null: not said). */
  features: string[] | null;
  /** `undelivered` (outgoing only) → `pending` → `approved` | `rejected`. */
  status: string;
  /** The approver's comment (a rejection's reason). */
  reason: string | null;
  decidedAt: string | null;
  decidedBy: string | null;
  /** Outgoing: why the request has not reached the partner; incoming: why the callback failed. */
  deliveryError: string | null;
  createdAt: string;
  updatedAt: string;
}
