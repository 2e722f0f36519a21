/**
 * Views of the node's answers that the pages read. The node does not declare response schemas
 * in docs/openapi.json yet, so these are written by hand (only the fields the pages use, all
 * read defensively); requests are typed by the generated client.
 */
export interface NodeView {
  nodeId: string;
  name: string;
  apiUrl: string;
  fingerprint: string;
  version: string;
  storage: string;
}
export interface HealthView {
  status: string;
  storage: { ok: boolean; problems: string[]; freeBytes: number | null };
}
export interface PartnerView {
  nodeId: string;
  name: string;
  apiUrl: string;
  fingerprint: string;
  contract: { id: string; direction: string; status: string; validUntil: string };
  lastHealthyAt: string | null;
  lastHealthError: string | null;
}
export interface ContractView {
  id: string;
  peer: { nodeId: string; name: string; apiUrl: string; fingerprint: string };
  direction: 'outgoing' | 'incoming';
  status: string;
  statusReason: string | null;
  validUntil: string;
  createdAt: string;
}
/** A column's data dictionary entry. */
export interface DictionaryEntry {
  description?: string;
  unit?: string;
  values?: string[];
}
export interface DatasetView {
  id: string;
  name: string;
  description: string;
  rows: number;
  features: { name: string; type: string }[];
  idColumn: string;
  labelColumn: string | null;
  visibility: string;
  version: number;
  enabled: boolean;
  dictionary: Record<string, DictionaryEntry>;
  createdAt: string;
}
export interface GrantView {
  id: string;
  grantee?: string;
  owner?: string;
  datasetId: string;
  datasetName?: string;
  scope: string;
  uses?: number;
  status: string;
  expiresAt: string | null;
}
export interface TaskView {
  name: string;
  component: string;
  status: string;
  attempt: number;
  parties: Record<string, { status?: string }>;
  inputs: Record<string, string>;
  result: unknown;
  startedAt: string | null;
  finishedAt: string | null;
}
export interface JobView {
  id: string;
  name: string;
  initiator: string;
  status: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  parties: Record<string, string>;
  tasks: TaskView[];
  error: unknown;
}
export interface JobEvent {
  id: number;
  task_name: string | null;
  party: string | null;
  level: string;
  kind: string;
  message: string;
  data: Record<string, unknown> | null;
  at: string;
}
export interface AuditRow {
  id?: number | string;
  at?: string;
  created_at?: string;
  action?: string;
  actor_kind?: string;
  actor_id?: string;
  actorKind?: string;
  actorId?: string;
  outcome?: string;
}
export interface ModelView {
  id: string;
  name?: string;
  jobId?: string;
  job_id?: string;
  status?: string;
  version?: number | string;
  createdAt?: string;
}
