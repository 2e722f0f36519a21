/**
 * Views of the node's flows, flow approvals and model parts that the flow, job and
 * approval screens read (written by hand: the node does not declare response schemas yet; see
 * packages/node/src/flows/flows.service.ts, models/).
 */
import type { FlowTask } from './flow-graph';

export interface FlowDag {
  parties: {
    guest: { node: string };
    hosts: { node: string }[];
    arbiter?: { node: string };
  };
  datasets: Record<string, string>;
  tasks: FlowTask[];
}

export interface FlowView extends FlowDag {
  id: string;
  projectId: string;
  initiator: string;
  name: string;
  description: string;
  version: number;
  digest: string;
  config: Record<string, unknown>;
  approval: {
    digest: string;
    approved: boolean;
    partners: { node: string; status: string; approvalId: string | null; reason: string | null }[];
  };
}

export interface FlowApprovalView {
  id: string;
  direction: 'incoming' | 'outgoing';
  flowId: string;
  projectId: string;
  initiator: string;
  approver: string;
  flowVersion: number;
  digest: string;
  status: string;
  reason: string | null;
  content: { name: string; description: string; dag: FlowDag; config: Record<string, unknown> };
  createdAt: string;
}

export interface ModelPartView {
  id: string;
  name: string;
  version: number | null;
  ref: string | null;
  jobId: string;
  task: string;
  component: string;
  party: string;
  digest: string;
  status: string;
  approval: {
    digest: string;
    partners: { node: string; status: string; approvalId: string | null; reason: string | null }[];
  };
  published: { at: string; by: string; digest: string; current: boolean } | null;
}
