/**
 * Every feature's routes, registered in this order. A new feature (a folder with its service,
 * repository and routes) adds one line here.
 */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { accountRoutes } from '../accounts/accounts.routes.js';
import { auditRoutes } from '../audit/audit.routes.js';
import { componentRoutes } from '../components/components.routes.js';
import { consoleRoutes } from '../console/console.routes.js';
import { contractRoutes } from '../contracts/contracts.routes.js';
import { datasetRoutes } from '../datasets/datasets.routes.js';
import { grantRoutes } from '../grants/grants.routes.js';
import { datasetSharingRoutes } from '../datasets/dataset-sharing.routes.js';
import { grantApplicationRoutes } from '../grants/grant-applications.routes.js';
import { jobRoutes } from '../jobs/jobs.routes.js';
import { jobPermissionRoutes } from '../job-permissions/job-permissions.routes.js';
import { modelVersionRoutes } from '../models/model-versions.routes.js';
import { modelRoutes } from '../models/models.routes.js';
import { flowRoutes } from '../flows/flows.routes.js';
import { projectRoutes } from '../projects/projects.routes.js';
import { directoryRoutes } from '../invitations/directory.routes.js';
import { invitationRoutes } from '../invitations/invitations.routes.js';
import { profileRoutes } from '../profile/profile.routes.js';
import { metricsRoutes } from '../observability/metrics.routes.js';
import { servingRoutes } from '../serving/serving.routes.js';
import { pirRoutes } from '../pir/pir.routes.js';
import type { NodeInfo } from './node.routes.js';
import { nodeRoutes } from './node.routes.js';
import type { NodeServices } from './services.js';

/** The store answers a trivial query. */
async function storeAnswers(s: NodeServices): Promise<boolean> {
  await sql`select 1`.execute(s.db);
  return true;
}

export type Feature = (app: FastifyInstance, s: NodeServices, info: () => NodeInfo) => void;

export const FEATURES: Feature[] = [
  (app, s, info) => nodeRoutes(app, info, s.files),
  (app, s) => contractRoutes(app, s.contracts),
  (app, s) => datasetRoutes(app, s.datasets),
  (app, s) => grantRoutes(app, s.grants),
  (app, s) => jobRoutes(app, s.jobs, s.outputs),
  (app, s) => jobPermissionRoutes(app, s.jobPermissions),
  (app, s) => auditRoutes(app, s.audit, s.auditCheckpoints, s.config.config.crypto.suite),
  (app, s) => accountRoutes(app, s.accounts),
  (app, s) => projectRoutes(app, s.projects),
  (app, s) => flowRoutes(app, s.flows),
  (app, s) => datasetSharingRoutes(app, s.dataSharing),
  (app, s) => grantApplicationRoutes(app, s.grantApplications),
  (app, s) => profileRoutes(app, s.profile),
  (app, s) => directoryRoutes(app, s.directory),
  (app, s) => invitationRoutes(app, s.invitations),
  (app, s) => modelRoutes(app, s.models),
  (app, s) => modelVersionRoutes(app, s.modelVersions),
  (app, s) => componentRoutes(app, s.components),
  (app, s) =>
    servingRoutes(app, s.deployments, s.serving, {
      partnerRequestsPerSecond: s.config.config.serving.partnerRequestsPerSecond,
      maxBatch: s.config.config.serving.maxBatch,
    }),
  (app, s) =>
    pirRoutes(app, s.pirServer, s.pirClient, {
      partnerRequestsPerSecond: s.config.config.pir.partnerRequestsPerSecond,
    }),
  (app, s) =>
    metricsRoutes(app, s.metrics, {
      store: () => storeAnswers(s),
      storage: async () => (await s.files.health()).ok,
    }),
  // The web console at `/` (its catch-all never answers under /v1/).
  (app) => consoleRoutes(app),
];
