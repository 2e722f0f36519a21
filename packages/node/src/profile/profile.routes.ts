/** Node profile routes: read the profile and update it (节点信息更新, then synced to partners). */
import type { FastifyInstance } from 'fastify';
import { doc } from '../server/route-doc.js';
import { profileUpdateSchema, type ProfileService } from './profile.service.js';

export function profileRoutes(app: FastifyInstance, profile: ProfileService): void {
  app.get(
    '/v1/node/profile',
    {
      config: { permission: 'node:read' },
      schema: doc(
        "This node's profile: the effective name, description and addresses, the bootstrap values from fedgrid.yaml and what the profile overrides",
      ),
    },
    async () => profile.get(),
  );
  app.patch(
    '/v1/node',
    {
      config: { permission: 'node:update' },
      schema: doc(
        'Update this node’s name, description or advertised addresses (null restores the fedgrid.yaml value); the new node card is sent to every contracted partner',
        { body: profileUpdateSchema },
      ),
    },
    async (req) => {
      const r = await profile.update(req.body);
      req.auditObjectId = r.profile.nodeId;
      return r;
    },
  );
}
