export * from './errors/errors.js';
export * from './config/config.js';
export * from './config/relay-spec.js';
export {
  initNode,
  DATABASE_URL_FILE,
  FIRST_USERS,
  type InitNodeOptions,
  type InitNodeResult,
} from './server/init.js';
export {
  writeFileAtomic,
  openAtomicWriter,
  type AtomicFileWriter,
  mkdirPrivate,
  PRIVATE_DIR_MODE,
  PRIVATE_FILE_MODE,
  type FileOps,
} from './storage/files.js';
export {
  startNode,
  FEDGRID_VERSION,
  type RunningNode,
  type StartNodeOptions,
} from './server/start.js';
export type { NodeInfo } from './server/node.routes.js';
export type { ContractView, NodeCard } from './contracts/contracts.service.js';
export type { DatasetView, RegisterDatasetInput } from './datasets/datasets.service.js';
export type { ColumnSummary, LabelSummary, CsvProblem } from './datasets/csv-import.js';
export {
  importCsv,
  importTable,
  importTableToSnapshot,
  type StreamedImportResult,
} from './datasets/csv-import.js';
export {
  ColumnarSnapshotWriter,
  ColumnarSnapshotReader,
  PLAIN_PIECES,
  writeColumnarFrame,
  type FrameLayout,
  type PieceSealer,
  type SnapshotColumns,
} from './datasets/columnar-snapshot.js';
export { readSnapshot, readSnapshotColumns, writeSnapshot } from './datasets/snapshot.js';
export {
  TableBuilder,
  type BuiltTable,
  type TableBuilderOptions,
  type TableProblem,
} from './datasets/table-builder.js';
export {
  DECLARED_COLUMN_TYPES,
  detectColumnKind,
  parseBoolean,
  parseDatetime,
  parseNumber,
  type ColumnKind,
  type DeclaredColumnType,
} from './datasets/column-types.js';
export { sourceKind, sourceKinds } from './datasets/sources/registry.js';
export type { SourceKind, TableReader, SourceRecord } from './datasets/sources/source.js';
export type { GrantView, CreateGrantInput } from './grants/grants.service.js';
export type {
  JobPermissionView,
  CreateJobPermissionInput,
} from './job-permissions/job-permissions.service.js';
export type { JobView, TaskView } from './jobs/jobs.service.js';
export type { JobRequest } from './jobs/job-spec.js';
export { jobRequestSchema, validateJob } from './jobs/job-spec.js';
export type { PartyState } from './jobs/jobs.repo.js';
export { ensurePgliteTemplate } from './storage/pglite-template.js';
export { dropStoreSchema, openStore, type Store } from './storage/db.js';
export { backupNode, type BackupOptions, type BackupResult } from './backup/backup.js';
export {
  rotateNodeCertificate,
  rotateAdminToken,
  pemFingerprint,
  type RotateOptions,
  type RotateCertResult,
  type RotateAdminTokenResult,
  type RotatedPair,
  type ContractToReplace,
} from './server/identity-rotation.js';
export { restoreNode, type RestoreOptions, type RestoreResult } from './backup/restore.js';
export { verifyArchive, type ArchiveSummary } from './backup/backup-archive.js';
export { exportOpenApi } from './server/openapi-export.js';
export { buildApp } from './server/start.js';
export { NODE_PROCESS_V8_FLAGS, missingV8Flags } from './server/process-flags.js';
export {
  PERMISSIONS,
  LOCAL_PERMISSIONS,
  allows,
  type Permission,
  type Principal,
} from './server/permissions.js';
export { BUILTIN_ROLES, domainOf, type Domain, type RoleDef } from './accounts/roles.js';
export {
  SESSION_IDLE_MS,
  SESSION_MAX_MS,
  LOCKOUT_FAILURES,
  LOCKOUT_MS,
  type UserView,
  type LoginResult,
} from './accounts/accounts.service.js';
export { totpCode } from './accounts/totp.js';
export type { NodeServices } from './server/services.js';
export type { ModelView, ApprovalView, ModelStatus } from './models/models.service.js';
export type { ModelVersionView, VersionPartyView } from './models/model-versions.service.js';
export type { VersionDiff } from './models/model-versions.diff.js';
export type { EvaluationEntry } from './models/model-versions.repo.js';
export {
  parseVersionRef,
  formatVersionRef,
  defaultModelName,
  type VersionRef,
} from './models/model-name.js';
export {
  verifyAuditArchive,
  sealAuditArchive,
  openAuditArchive,
  isSealedArchive,
  type ArchiveVerification,
  type ArchiveManifest,
} from './audit/audit-archive.js';
export {
  readSecretFile,
  readPassphraseFile,
  sealSecretFromEnv,
  FileSealer,
  SEAL_KEY_ENV,
  SEAL_PASSPHRASE_ENV,
  type SecretPurpose,
} from './storage/sealed-files.js';
export { GmChannel, GmChannelError, type GmChannelOptions } from './jobs/gm-channel.js';
export {
  addRelayNode,
  initRelay,
  loadRelayConfig,
  relayConfigSchema,
  RELAY_CONFIG_FILE,
  type InitRelayOptions,
  type RelayConfig,
} from './relay/relay-config.js';
export { startRelay, type RunningRelay, type StartRelayOptions } from './relay/relay-start.js';
export { firstContactServerName, pinnedServerName } from './peers/peer-client.js';
export { NODE_ROLES, parseNodeRole, type NodeRole } from './cluster/node-role.js';
export { queueSchema } from './cluster/task-queue.js';
export {
  BatchDispatcher,
  type BatchDispatcherOptions,
  type BatchDispatchStats,
} from './cluster/batch-dispatcher.js';
export { BatchExecutor, type BatchExecutorOptions } from './cluster/batch-executor.js';
