/** Table types of a node's store (one schema for PGlite and PostgreSQL). */
import type { ColumnType, Generated } from 'kysely';
import type { AccountTables } from '../accounts/accounts.schema.js';

/** jsonb: read as parsed JSON, written as a JSON string (see {@link json}). */
export type Json<T = unknown> = ColumnType<T, string, string>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A timestamp the database fills in (DEFAULT now()) unless given. */
type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface ContractsTable {
  id: string;
  peer_node_id: string;
  peer_name: string;
  peer_api_url: string;
  peer_data_address: string;
  peer_cert_pem: string;
  peer_fingerprint: string;
  /** 'outgoing': we proposed; 'incoming': the peer proposed. */
  direction: string;
  status: string;
  status_reason: string | null;
  description: string;
  auth_method: string;
  valid_until: Timestamp;
  /** The contract (same peer node id) this one replaces once confirmed; null: none. */
  replaces: string | null;
  /** 0017: the agreed crypto suite, 'international' or 'gm'. */
  suite: Generated<string>;
  /** 0017: the partner's SM2 certificate (PEM) under the `gm` suite; null otherwise. */
  peer_sm2_cert_pem: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface DatasetsTable {
  id: string;
  name: string;
  description: string;
  source_path: string;
  source_sha256: string;
  id_column: string;
  label_column: string | null;
  features: Json;
  label_summary: Json | null;
  rows: number;
  visibility: string;
  snapshot_file: string;
  created_at: DefaultTimestamp;
  /** 0004 (dataset sharing). */
  updated_at: Timestamp | null;
  /** 0020: the source spec (sources/source.ts; no secret); null: the CSV at source_path. */
  source_spec: Json | null;
  /** 0020: bumped by each refresh from the source. */
  version: ColumnType<number, number | undefined, number>;
  /** 0020: false: no new job may use the dataset. */
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  /** 0020: column name → { description, unit, values } (the data dictionary). */
  dictionary: Json | null;
  /** 0020: the column types the owner declared (name → type, `ignore` too); a refresh re-reads with them. */
  column_types: Json | null;
}

export interface GrantsTable {
  id: string;
  dataset_id: string;
  grantee_node_id: string;
  job_id: string | null;
  expires_at: Timestamp | null;
  max_uses: number | null;
  uses: number;
  status: string;
  created_at: DefaultTimestamp;
  revoked_at: Timestamp | null;
  /** 0004 (dataset sharing): project scope, metering, application, grantee notice. */
  project_id: string | null;
  metered: Generated<boolean>;
  application_id: string | null;
  /** 'none' | 'sent' | 'failed': whether the grantee was told of the grant's last change. */
  notice_status: Generated<string>;
  notice_error: string | null;
  revoke_reason: string | null;
  updated_at: DefaultTimestamp;
}

export interface JobsTable {
  id: string;
  initiator_node_id: string;
  spec: Json;
  status: string;
  error: Json | null;
  results: Json | null;
  created_at: DefaultTimestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  priority: ColumnType<number, number | undefined, number>;
  flow_id: string | null;
  project_id: string | null;
  /** 0009: what a partner job was accepted under (see jobs/job-authority.ts). */
  authority: Json | null;
  /** 0009: when this node ends its copy of a partner job on its own. */
  deadline: Timestamp | null;
  /** 0020: dataset id → the version this job used (its own datasets only). */
  dataset_versions: Json | null;
}

export interface TasksTable {
  job_id: string;
  name: string;
  component: string;
  version: string;
  status: string;
  parties: Json;
  error: Json | null;
  result: Json | null;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  attempt: ColumnType<number, number | undefined, number>;
}

export interface JobEventsTable {
  id: Generated<number>;
  job_id: string;
  task_name: string | null;
  party: string | null;
  level: string;
  kind: string;
  message: string;
  data: Json | null;
  at: DefaultTimestamp;
}

export interface TaskOutputsTable {
  job_id: string;
  task_name: string;
  party: string;
  name: string;
  kind: string;
  file: string;
  meta: Json;
}

/** 0008: a party's checkpoint of a task (see CheckpointStore in @fedgrid/components). */
export interface TaskCheckpointsTable {
  job_id: string;
  task_name: string;
  party: string;
  value: Json;
  saved_at: DefaultTimestamp;
}

/** 0021: one party's run of a task attempt handed to the worker queue (multi-process node). */
export interface TaskExecutionsTable {
  job_id: string;
  task_name: string;
  party: string;
  attempt: number;
  /** queued → running → succeeded | failed; running → abandoned when its worker died. */
  state: string;
  runs: Generated<number>;
  worker: string | null;
  /** One entry per run: { worker, startedAt, endedAt?, outcome? }. */
  history: Generated<Json>;
  error: Json | null;
  queued_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

/** 0021: the replica leading the scheduler; `term` grows with every change of leader. */
export interface SchedulerLeaderTable {
  id: number;
  holder: string;
  term: string | number | bigint;
  since: DefaultTimestamp;
}

/** 0011: a data owner's running total of what it revealed about a dataset to a partner node. */
export interface DisclosureBudgetsTable {
  dataset_id: string;
  partner_node_id: string;
  /** What is counted, e.g. 'pearson-columns'. */
  kind: string;
  used: number;
  /** The smallest aligned row count charged: the budget is a share of it. */
  min_rows: number;
  updated_at: DefaultTimestamp;
}

/** 0011: one charge per (job, task, owner party, partner party, kind). */
export interface DisclosureChargesTable {
  job_id: string;
  task_name: string;
  party: string;
  partner: string;
  kind: string;
  dataset_id: string;
  partner_node_id: string;
  amount: number;
  rows: number;
  charged_at: DefaultTimestamp;
}

export interface ModelsTable {
  id: string;
  job_id: string;
  task_name: string;
  component: string;
  party: string;
  digest: string;
  file: string;
  meta: Json;
  created_at: DefaultTimestamp;
  /** 0006: settable name (null: `<job>/<task>`) and the publication record. */
  name: string | null;
  published_at: Timestamp | null;
  published_by: string | null;
  published_digest: string | null;
  /** 0013: the task attempt that produced the part and the version it belongs to. */
  attempt: ColumnType<number, number | undefined, number>;
  version_name: string | null;
  version: number | null;
}

/**
 * 0013: one version of a named model — a training output (job, task, attempt) this node holds a
 * part of. Primary key (name, version); unique (job_id, task_name, attempt).
 */
export interface ModelVersionsTable {
  name: string;
  version: number;
  job_id: string;
  task_name: string;
  attempt: number;
  component: string;
  algorithm: string;
  /** The training task's parameters at that attempt. */
  params: Json;
  /** Evaluation reports of the same run that scored this version: [{task, rows, metrics}]. */
  evaluation: Json;
  deployed_at: Timestamp | null;
  created_at: DefaultTimestamp;
}

export interface AuditEventsTable {
  id: Generated<number>;
  at: DefaultTimestamp;
  node_id: string;
  actor_kind: string;
  actor_id: string;
  action: string;
  object_type: string | null;
  object_id: string | null;
  outcome: string;
  status: number | null;
  details: Json | null;
  /** 0016: position in the hash chain (1, 2, …, no gaps), previous event's hash, own hash. */
  seq: ColumnType<string, number, number>;
  prev_hash: string;
  hash: string;
}

/** 0016: the head of the audit hash chain (one row, id 1). */
export interface AuditChainTable {
  id: number;
  alg: string;
  head_seq: ColumnType<string, number, number>;
  head_hash: string;
  anchor_seq: ColumnType<string, number, number>;
  anchor_hash: string;
}

/** 0016: signed checkpoints partners sent about their audit chains. */
export interface AuditPartnerCheckpointsTable {
  id: Generated<string>;
  partner_node_id: string;
  seq: ColumnType<string, number, number>;
  head_hash: string;
  alg: string;
  signed_at: ColumnType<Date, Date | string, Date | string>;
  body: string;
  signature: string;
  received_at: DefaultTimestamp;
}

/** 0016: signed audit export archives written by this node. */
export interface AuditArchivesTable {
  id: string;
  from_seq: ColumnType<string, number, number>;
  to_seq: ColumnType<string, number, number>;
  head_hash: string;
  created_at: DefaultTimestamp;
}

/** 0004: grant applications, both sides ('outgoing': we applied; 'incoming': we own the dataset). */
export interface GrantApplicationsTable {
  id: string;
  direction: string;
  applicant_node_id: string;
  owner_node_id: string;
  dataset_id: string;
  dataset_name: string | null;
  job_id: string | null;
  project_id: string | null;
  expires_at: Timestamp | null;
  max_uses: number | null;
  metered: Generated<boolean>;
  reason: Generated<string>;
  status: string;
  status_reason: string | null;
  grant_id: string | null;
  callback_status: string | null;
  callback_error: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  answered_at: Timestamp | null;
}

/** 0004: the grantee's copy of grants partners gave it. */
export interface ReceivedGrantsTable {
  owner_node_id: string;
  id: string;
  dataset_id: string;
  dataset_name: string;
  job_id: string | null;
  project_id: string | null;
  expires_at: Timestamp | null;
  max_uses: number | null;
  uses: number;
  metered: boolean;
  status: string;
  application_id: string | null;
  granted_at: Timestamp;
  revoked_at: Timestamp | null;
  received_at: DefaultTimestamp;
}

/** 0004: the grant a job consumed on the dataset owner's node. */
export interface JobGrantsTable {
  job_id: string;
  dataset_id: string;
  grantee_node_id: string;
  grant_id: string;
  at: DefaultTimestamp;
}

/** 0004: uses of metered grants. */
export interface GrantUsagesTable {
  id: Generated<number>;
  grant_id: string;
  dataset_id: string;
  grantee_node_id: string;
  job_id: string;
  task_name: string | null;
  party: string | null;
  event: string;
  rows: number;
  at: DefaultTimestamp;
}

/** This node's profile: overrides of the bootstrap values in fedgrid.yaml (one row, id 'self'). */
export interface NodeProfileTable {
  id: string;
  name: string | null;
  description: string | null;
  api_url: string | null;
  data_address: string | null;
  version: number;
  updated_at: DefaultTimestamp;
}

/** Per-contract partner state: health checks and which node card the partner holds. */
export interface PartnerStatusTable {
  contract_id: string;
  peer_description: string | null;
  /** Digest of our node card as the partner last received it (null: unknown). */
  card_known: string | null;
  card_synced_at: Timestamp | null;
  card_sync_error: string | null;
  last_health_at: Timestamp | null;
  last_healthy_at: Timestamp | null;
  last_health_error: string | null;
}

/** On a directory node: offers published by its members. */
export interface DirectoryOffersTable {
  id: string;
  node_id: string;
  kind: string;
  dataset_id: string | null;
  name: string;
  description: string;
  meta: Json;
  published_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

/** On a member node: the offers it published to a directory. */
export interface PublishedOffersTable {
  id: string;
  directory_node_id: string;
  kind: string;
  dataset_id: string | null;
  name: string;
  description: string;
  meta: Json;
  status: string;
  status_reason: string | null;
  published_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

/** Invitations, sent (we are the demander) or received (we are the provider). */
export interface InvitationsTable {
  id: string;
  role: string;
  demander_node_id: string;
  provider_node_id: string;
  kind: string;
  dataset: string | null;
  offer_id: string | null;
  resource: string;
  message: string;
  terms: Json;
  status: string;
  status_reason: string | null;
  grant_id: string | null;
  billing: Json | null;
  version: number;
  callback_error: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  published_at: Timestamp | null;
  answered_at: Timestamp | null;
}

/** The store's random id (one row), also kept in the node directory: see store-marker.ts. */
export interface StoreMarkerTable {
  id: string;
  created_at: Generated<Date>;
}

export interface Database extends AccountTables {
  store_marker: StoreMarkerTable;
  audit_events: AuditEventsTable;
  audit_chain: AuditChainTable;
  audit_partner_checkpoints: AuditPartnerCheckpointsTable;
  audit_archives: AuditArchivesTable;
  contracts: ContractsTable;
  datasets: DatasetsTable;
  grants: GrantsTable;
  jobs: JobsTable;
  tasks: TasksTable;
  job_events: JobEventsTable;
  task_outputs: TaskOutputsTable;
  task_checkpoints: TaskCheckpointsTable;
  task_executions: TaskExecutionsTable;
  scheduler_leader: SchedulerLeaderTable;
  disclosure_budgets: DisclosureBudgetsTable;
  disclosure_charges: DisclosureChargesTable;
  models: ModelsTable;
  node_profile: NodeProfileTable;
  partner_status: PartnerStatusTable;
  directory_offers: DirectoryOffersTable;
  published_offers: PublishedOffersTable;
  invitations: InvitationsTable;
  projects: ProjectsTable;
  project_members: ProjectMembersTable;
  flows: FlowsTable;
  flow_approvals: FlowApprovalsTable;
  grant_applications: GrantApplicationsTable;
  received_grants: ReceivedGrantsTable;
  job_grants: JobGrantsTable;
  grant_usages: GrantUsagesTable;
  model_approvals: ModelApprovalsTable;
  model_versions: ModelVersionsTable;
  components: ComponentsTable;
  job_permissions: JobPermissionsTable;
  deployments: DeploymentsTable;
}

/** 0009: permissions for a partner's ad-hoc jobs (see job-permissions/). */
export interface JobPermissionsTable {
  id: string;
  partner_node_id: string;
  /** Role names (guest, host, arbiter, edge, ...) this node may play in the partner's jobs. */
  roles: Json;
  /** Component codes that may run on this node's parties. */
  components: Json;
  /** Dataset ids the jobs may use (null: any dataset the partner holds a grant for). */
  datasets: Json | null;
  expires_at: Timestamp | null;
  status: string;
  note: ColumnType<string, string | undefined, string>;
  created_at: DefaultTimestamp;
  revoked_at: Timestamp | null;
}

/** Serialises a value for a jsonb column. */
export function json(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/** 0006: both sides of a model approval round trip (same id on requester and approver). */
export interface ModelApprovalsTable {
  id: string;
  /** 'outgoing': this node holds the model part and asked; 'incoming': a partner asked us. */
  direction: string;
  model_id: string;
  model_name: string;
  requester_node_id: string;
  approver_node_id: string;
  job_id: string;
  task_name: string;
  project_id: string | null;
  party: string;
  component: string;
  algorithm: string;
  digest: string;
  status: string;
  reason: string | null;
  decided_at: Timestamp | null;
  decided_by: string | null;
  /** Outgoing: why the request did not reach the partner; incoming: why the callback failed. */
  delivery_error: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  /** 0013: the attempt of the task that produced the part, and the requester's feature names. */
  attempt: number | null;
  features: Json | null;
}

/** 0006: the component registry (built-in components and external metadata). */
export interface ComponentsTable {
  code: string;
  version: string;
  engine: string;
  name: string;
  description: string;
  reference: string;
  address: string | null;
  address_type: string | null;
  roles: Json;
  inputs: Json;
  outputs: Json;
  params_schema: Json;
  developer: string;
  visibility: string;
  status: string;
  health: string | null;
  health_detail: string | null;
  health_checked_at: Timestamp | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

/** 0003: own projects and partners' projects this node was invited to. */
export interface ProjectsTable {
  id: string;
  owner_node_id: string;
  name: string;
  description: string;
  type: string;
  /** 'active' | 'deleted'. */
  status: string;
  /** The owner's version counter (1, 2, … on every update); copies keep the newest seen. */
  version: number;
  /** Member copy: why the last callback to the owner failed (null once one succeeds). */
  sync_error: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

/** 0003: a node's membership of a project: 'invited' | 'accepted' | 'rejected' | 'removed'. */
export interface ProjectMembersTable {
  project_id: string;
  node_id: string;
  status: string;
  reason: string | null;
  invited_at: DefaultTimestamp;
  answered_at: Timestamp | null;
  updated_at: DefaultTimestamp;
}

/** 0003: flows (a DAG of components and its default runtime config) created on this node. */
export interface FlowsTable {
  id: string;
  project_id: string;
  initiator_node_id: string;
  name: string;
  description: string;
  version: number;
  /** {parties, datasets, tasks}, as a job request has them. */
  dag: Json;
  /** {priority, timeoutSeconds}. */
  config: Json;
  /** SHA-256 (hex) of the canonical JSON of {dag, config}: what partners approve. */
  digest: string;
  /** 'active' | 'deleted'. */
  status: string;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

/** 0003: both sides of a flow approval round trip (same id on initiator and approver). */
export interface FlowApprovalsTable {
  id: string;
  /** 'outgoing': we asked a partner; 'incoming': a partner asked us. */
  direction: string;
  flow_id: string;
  project_id: string;
  initiator_node_id: string;
  approver_node_id: string;
  flow_version: number;
  digest: string;
  /** {name, description, dag, config} as requested. */
  content: Json;
  /** 'pending' | 'approved' | 'rejected' | 'withdrawn'. */
  status: string;
  reason: string | null;
  /** Outgoing: why the request did not reach the partner; incoming: why the callback failed. */
  delivery_error: string | null;
  answered_at: Timestamp | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

/** 0014: a deployment of a published model part for online prediction (see serving/). */
export interface DeploymentsTable {
  id: string;
  /** The name predictions address (`POST /v1/models/{name}/predict`); unique among active ones. */
  name: string;
  /** 'guest' (answers predictions) or 'host' (answers partials to the guest). */
  role: string;
  /** The model part currently deployed (a version switch changes it). */
  model_id: string;
  /** The serving feature table (a registered dataset): required on a host, optional on the guest. */
  dataset_id: string | null;
  /** The guest node: on a host, the only node whose partial requests it answers. */
  guest_node_id: string;
  /** 'error' | 'guest-only': what the guest answers when a host fails. */
  on_host_failure: ColumnType<string, string | undefined, string>;
  deadline_ms: number;
  /** 'active' | 'undeployed'. */
  status: string;
  created_by: string;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}
