/**
 * The node's services, built once at start and handed to every feature. A feature that adds a
 * service adds one field here and its construction in {@link buildServices} (one block per
 * feature, in dependency order).
 */
import { join } from 'node:path';
import type { CryptoPool } from '@fedgrid/crypto';
import type {
  DataPlaneMailbox,
  GrpcTransport,
  MemoryTrustStore,
  TlsIdentity,
} from '@fedgrid/federation';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { AccountService } from '../accounts/accounts.service.js';
import { AuditService } from '../audit/audit.service.js';
import { AuditCheckpointService } from '../audit/audit-checkpoints.js';
import type { LoadedConfig } from '../config/config.js';
import { ContractsRepo } from '../contracts/contracts.repo.js';
import { ContractService, type NodeCard } from '../contracts/contracts.service.js';
import { DatasetService } from '../datasets/datasets.service.js';
import { DisclosuresRepo } from '../disclosures/disclosures.repo.js';
import { DisclosureService } from '../disclosures/disclosures.service.js';
import { GrantService } from '../grants/grants.service.js';
import { FlowsRepo } from '../flows/flows.repo.js';
import { FlowService } from '../flows/flows.service.js';
import { ProjectsRepo } from '../projects/projects.repo.js';
import { ProjectService } from '../projects/projects.service.js';
import { DatasetSharingService } from '../datasets/dataset-sharing.service.js';
import { GrantApplicationService } from '../grants/grant-applications.service.js';
import { ComponentsRepo } from '../components/components.repo.js';
import { ComponentService } from '../components/components.service.js';
import { JobsRepo } from '../jobs/jobs.repo.js';
import { JobsService } from '../jobs/jobs.service.js';
import { OutputStore } from '../jobs/outputs.js';
import { jobAuthorizer } from '../job-permissions/job-authorizer.js';
import { JobPermissionsRepo } from '../job-permissions/job-permissions.repo.js';
import { JobPermissionService } from '../job-permissions/job-permissions.service.js';
import { TaskRunner } from '../jobs/task-runner.js';
import { ModelVersionsRepo } from '../models/model-versions.repo.js';
import { ModelVersionService } from '../models/model-versions.service.js';
import { ModelsRepo } from '../models/models.repo.js';
import { ModelService } from '../models/models.service.js';
import { FeaturePipelines } from '../models/feature-pipeline.js';
import { StoredModelInputs } from '../models/model-inputs.js';
import type { PeerClient } from '../peers/peer-client.js';
import { DirectoryRepo } from '../invitations/directory.repo.js';
import { DirectoryService } from '../invitations/directory.service.js';
import { InvitationsRepo } from '../invitations/invitations.repo.js';
import { InvitationService } from '../invitations/invitations.service.js';
import { ProfileRepo } from '../profile/profile.repo.js';
import { ProfileService } from '../profile/profile.service.js';
import type { Store } from '../storage/db.js';
import type { NodeFiles } from '../storage/files.js';
import type { Database } from '../storage/schema.js';
import type { NodeMetrics } from '../observability/metrics.js';
import { DeploymentsRepo } from '../serving/deployments.repo.js';
import { DeploymentService } from '../serving/deployments.service.js';
import { ServingAudit } from '../serving/serving-audit.js';
import { ServingClient } from '../serving/serving-client.js';
import { ServingService } from '../serving/serving.service.js';
import { PirClientService } from '../pir/pir-client.service.js';
import { PirServerService } from '../pir/pir-server.service.js';
import { auditHashAlgForSuite } from '../audit/audit-hash.js';
import { readSm2Certificate } from '@fedgrid/crypto';
import type { Sm2Identity } from './identity-files.js';
import type { GmProtection } from '../peers/gm-protection.js';

/** What every service may use: identity, store, network, workers, log. */
export interface NodeBase {
  nodeId: string;
  config: LoadedConfig;
  log: Logger;
  identity: TlsIdentity;
  /** The SM2 identity of a node whose crypto suite is `gm`; undefined otherwise. */
  sm2?: Sm2Identity;
  /** Sessions and sealing of gm-protected partner calls (gm suite only). */
  gm?: GmProtection;
  store: Store;
  /** Every file the node writes goes through this (complete, fsynced, private; health). */
  files: NodeFiles;
  db: Kysely<Database>;
  crypto: CryptoPool;
  trust: MemoryTrustStore;
  mailbox: DataPlaneMailbox;
  transport: GrpcTransport;
  peers: PeerClient;
  /** The node's Prometheus metrics (observability/metrics.ts). */
  metrics: NodeMetrics;
  /** This node's public card (valid once the endpoints listen). */
  self(): NodeCard;
}

export interface NodeServices extends NodeBase {
  audit: AuditService;
  accounts: AccountService;
  auditCheckpoints: AuditCheckpointService;
  contracts: ContractService;
  datasets: DatasetService;
  grants: GrantService;
  outputs: OutputStore;
  disclosures: DisclosureService;
  runner: TaskRunner;
  jobs: JobsService;
  jobPermissions: JobPermissionService;
  projects: ProjectService;
  flows: FlowService;
  dataSharing: DatasetSharingService;
  grantApplications: GrantApplicationService;
  profile: ProfileService;
  directory: DirectoryService;
  invitations: InvitationService;
  models: ModelService;
  modelVersions: ModelVersionService;
  components: ComponentService;
  deployments: DeploymentService;
  serving: ServingService;
  servingClient: ServingClient;
  pirServer: PirServerService;
  pirClient: PirClientService;
}

export function buildServices(base: NodeBase): NodeServices {
  const { db, config, log } = base;
  const dataDir = config.paths.dataDir;
  const audit = new AuditService(db, base.nodeId, auditHashAlgForSuite(config.config.crypto.suite));
  const accounts = new AccountService(db, audit, base.nodeId);
  const contracts = new ContractService(new ContractsRepo(db), base.self, base.peers, base.trust, {
    pendingPerClient: config.config.firstContact.pendingProposalsPerClient,
    pendingTotal: config.config.firstContact.pendingProposals,
  });
  const datasets = new DatasetService(
    db,
    dataDir,
    {
      allowedDirs: config.paths.datasetDirs,
      // Never readable through registration, even inside an allowed directory.
      protectedPaths: [
        dataDir,
        config.paths.key,
        config.paths.cert,
        config.paths.adminToken,
        config.paths.sm2Key,
        config.paths.dataKey,
        config.paths.configFile,
      ],
    },
    base.files,
    { maxUploadBytes: config.config.datasets.maxUploadBytes },
  );
  const grants = new GrantService(db, (id) => datasets.get(id));
  const outputs = new OutputStore(db, dataDir, base.files);
  const disclosures = new DisclosureService({
    selfNodeId: base.nodeId,
    repo: new DisclosuresRepo(db),
    datasets,
    log,
  });
  const repo = new JobsRepo(db);
  let jobs: JobsService | undefined;
  const modelInputs = new StoredModelInputs(db, outputs);
  const runner = new TaskRunner({
    selfNodeId: base.nodeId,
    repo,
    outputs,
    models: modelInputs,
    datasets,
    mailbox: base.mailbox,
    transport: base.transport,
    crypto: base.crypto,
    disclosures,
    ...(base.sm2
      ? {
          gm: {
            selfNodeId: base.nodeId,
            privateKey: base.sm2.privateKey,
            publicKey: base.sm2.publicKey,
            peerKey: async (nodeId: string) => {
              const api = await contracts.peerApi(nodeId);
              return api.sm2CertPem ? readSm2Certificate(api.sm2CertPem).publicKey : undefined;
            },
          },
        }
      : {}),
    channel: {
      recvTimeoutMs: config.config.runtime.recvTimeoutSeconds * 1000,
      livenessIntervalMs: config.config.runtime.livenessIntervalSeconds * 1000,
      livenessFailures: config.config.runtime.livenessFailures,
    },
    log,
    onPartyDone: (spec, task, party, state) =>
      (jobs as JobsService).onLocalPartyDone(spec, task, party, state),
    // Grants are enforced again when each task starts: revoked, expired or used-up grants stop it.
    beforeStart: async (spec, task, party) => {
      const ds = spec.datasets[party];
      if (ds) await grants.assertUsable(spec.id, ds, spec.initiator, { task, party });
    },
  });
  jobs = new JobsService({
    selfNodeId: base.nodeId,
    maxConcurrentJobs: config.config.runtime.maxConcurrentJobs,
    maxPartnerJobs: config.config.runtime.maxPartnerJobs,
    maxPartnerJobSeconds: config.config.runtime.maxPartnerJobSeconds,
    initiatorProbeSeconds: config.config.runtime.initiatorProbeSeconds,
    initiatorProbeFailures: config.config.runtime.initiatorProbeFailures,
    repo,
    runner,
    contracts,
    peers: base.peers,
    datasets,
    grants,
    models: modelInputs,
    log,
    storageCheck: () => base.files.assertUsable(),
  });
  const projects = new ProjectService({
    selfNodeId: base.nodeId,
    repo: new ProjectsRepo(db),
    contracts,
    peers: base.peers,
    log,
  });
  const flows = new FlowService({
    selfNodeId: base.nodeId,
    repo: new FlowsRepo(db),
    projects,
    contracts,
    peers: base.peers,
    jobs,
    log,
  });
  const jobPermissions = new JobPermissionService(new JobPermissionsRepo(db), {
    selfNodeId: base.nodeId,
    resolveDataset: (id) => datasets.get(id),
  });
  jobs.useAuthorizer(jobAuthorizer({ flows, permissions: jobPermissions, datasets }));
  jobPermissions.onRevoke(async (id) => {
    await jobs.endJobsUnderPermission(id);
  });
  grants.onRevoke(async (grantId, reason) => {
    await jobs.endJobsUsingGrant(grantId, reason);
  });
  grants.connect({ nodeId: base.nodeId, contracts, peers: base.peers });
  let dataSharing: DatasetSharingService | undefined;
  const grantApplications = new GrantApplicationService({
    nodeId: base.nodeId,
    grants,
    contracts,
    peers: base.peers,
    visibleDataset: (caller, id) =>
      (dataSharing as DatasetSharingService).applicableFor(caller, id),
  });
  dataSharing = new DatasetSharingService({
    nodeId: base.nodeId,
    db,
    datasets,
    grants,
    applications: grantApplications,
    contracts,
    peers: base.peers,
  });
  const profile = new ProfileService(new ProfileRepo(db), base.self, {
    bootstrapDescription: config.config.node.description,
    directory: config.config.directory.enabled,
    contracts,
  });
  // The card sent to partners (proposals, answers, node updates) is the profile's.
  contracts.useCardSource(profile);
  const directory = new DirectoryService(new DirectoryRepo(db), {
    selfNodeId: base.nodeId,
    enabled: config.config.directory.enabled,
    contracts,
    peers: base.peers,
    datasets,
  });
  const invitations = new InvitationService(new InvitationsRepo(db), {
    selfNodeId: base.nodeId,
    contracts,
    peers: base.peers,
    grants,
    datasets,
  });
  const modelsRepo = new ModelsRepo(db);
  const versionsRepo = new ModelVersionsRepo(db);
  const models = new ModelService({
    selfNodeId: base.nodeId,
    repo: modelsRepo,
    dataDir,
    readFile: (p) => base.files.read(p),
    contracts,
    peers: base.peers,
    versions: versionsRepo,
  });
  const modelVersions = new ModelVersionService({
    selfNodeId: base.nodeId,
    versions: versionsRepo,
    repo: modelsRepo,
    models,
  });
  const components = new ComponentService(new ComponentsRepo(db), contracts, base.peers);
  const deploymentsRepo = new DeploymentsRepo(db);
  const deployments = new DeploymentService({
    selfNodeId: base.nodeId,
    repo: deploymentsRepo,
    models,
    modelsRepo: new ModelsRepo(db),
    datasets,
    versions: modelVersions,
    pipelines: new FeaturePipelines(db, outputs),
    dataDir,
    readFile: (p) => base.files.read(p),
    defaultDeadlineMs: config.config.serving.deadlineMs,
    log,
    metricsObserver: (deployment, role) => base.metrics.servingObserver(deployment, role),
  });
  const servingClient = new ServingClient(
    base.identity,
    base.transport,
    config.config.serving.hostTransport,
    base.gm
      ? {
          protection: base.gm,
          handshake: (peer) => (m, p, b) =>
            base.peers.call({ ...peer, sm2CertPem: undefined }, m, p, b),
        }
      : undefined,
  );
  const serving = new ServingService({
    selfNodeId: base.nodeId,
    deployments,
    repo: deploymentsRepo,
    contracts,
    client: servingClient,
    audit: new ServingAudit(audit, log, {
      lingerMs: config.config.serving.auditLingerMs,
      beforeWrite: () => base.files.assertUsable(),
    }),
    maxBatch: config.config.serving.maxBatch,
    maxInFlight: config.config.serving.maxInFlight,
    hostCallsInFlight: config.config.serving.hostCallsInFlight,
    log,
  });
  grants.onRevoke(async () => serving.forgetGrants());
  const pirServer = new PirServerService({
    selfNodeId: base.nodeId,
    datasets,
    grants,
    disclosures,
    audit,
    enabled: config.config.pir.datasets,
    maxBatch: config.config.pir.maxBatch,
    buildTable: (key, keys, labels, labelBytes) =>
      base.crypto.pirTable(key, keys, labels, labelBytes),
  });
  grants.onRevoke(async (grantId) => pirServer.forgetGrant(grantId));
  const pirClient = new PirClientService({
    selfNodeId: base.nodeId,
    contracts,
    peers: base.peers,
    audit,
    tablesDir: join(dataDir, 'pir-tables'),
    maxTableBytes: config.config.pir.maxTableBytes,
  });
  const auditCheckpoints = new AuditCheckpointService({
    db,
    nodeId: base.nodeId,
    identity: base.identity,
    audit,
    contracts,
    peers: base.peers,
    kept: config.config.audit.checkpointsKept,
    retentionDays: config.config.audit.retentionDays,
    log,
  });
  return {
    ...base,
    audit,
    accounts,
    auditCheckpoints,
    contracts,
    datasets,
    grants,
    outputs,
    disclosures,
    runner,
    jobs,
    jobPermissions,
    projects,
    flows,
    dataSharing,
    grantApplications,
    profile,
    directory,
    invitations,
    /** The node card with the profile applied (GET /v1/node, GET /v1/interconn/node). */
    self: () => profile.card(),
    models,
    modelVersions,
    components,
    deployments,
    serving,
    servingClient,
    pirServer,
    pirClient,
  };
}
