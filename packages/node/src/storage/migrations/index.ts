/**
 * Versioned schema migrations, applied in name order at node start (Kysely's Migrator records
 * what ran). Never edit a released migration; add a new file here and a line below, so that
 * upgrading a node keeps its data (standard 000 §8.3).
 */
import type { Migration, MigrationProvider } from 'kysely';
import { m0001 } from './0001-initial.js';
import { m0002 } from './0002-audit.js';
import { m0003 } from './0003-projects-flows.js';
import { m0004 } from './0004-data-sharing.js';
import { m0005 } from './0005-node-profile-invitations.js';
import { m0006 } from './0006-models-components.js';
import { m0007 } from './0007-scheduler.js';
import { m0008 } from './0008-task-checkpoints.js';
import { m0009 } from './0009-job-authority.js';
import { m0010 } from './0010-contract-replaces.js';
import { m0011 } from './0011-disclosures.js';
import { m0012 } from './0012-store-marker.js';
import { m0013 } from './0013-model-versions.js';
import { m0014 } from './0014-deployments.js';
import { m0015 } from './0015-accounts.js';
import { m0016 } from './0016-audit-chain.js';
import { m0017 } from './0017-contract-suite.js';
import { m0020 } from './0020-dataset-sources.js';
import { m0021 } from './0021-task-executions.js';
import { m0027 } from './0027-mailbox.js';
import { m0028 } from './0028-crypto-batches.js';
import { m0029 } from './0029-partner-rate-limits.js';

export const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_audit': m0002,
  '0003_projects_flows': m0003,
  '0004_data_sharing': m0004,
  '0005_node_profile_invitations': m0005,
  '0006_models_components': m0006,
  '0007_scheduler': m0007,
  '0008_task_checkpoints': m0008,
  '0009_job_authority': m0009,
  '0010_contract_replaces': m0010,
  '0011_disclosures': m0011,
  '0012_store_marker': m0012,
  '0013_model_versions': m0013,
  '0014_deployments': m0014,
  '0015_accounts': m0015,
  '0016_audit_chain': m0016,
  '0017_contract_suite': m0017,
  '0020_dataset_sources': m0020,
  '0021_task_executions': m0021,
  '0027_mailbox': m0027,
  '0028_crypto_batches': m0028,
  '0029_partner_rate_limits': m0029,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
