/**
 * Dataset and project scopes per user (000 §7.3 b 3: samples shared between users of one node
 * under permission control). A restricted user sees only the datasets and projects named in its
 * scopes (by id or name): lists leave the others out, and routes on one of them answer 404 as for
 * an unknown one. Unrestricted users, API tokens of unrestricted users and the admin token see all.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FedGridError } from '../errors/errors.js';
import type { Principal } from '../server/permissions.js';

export type ScopeKind = 'datasets' | 'projects';

/** Whether `principal` may see the object with `id` (and `name`) of `kind`. */
export function inScope(principal: Principal, kind: ScopeKind, id: string, name?: string): boolean {
  const scopes = principal.user?.scopes;
  if (!scopes) return true;
  const allowed = scopes[kind];
  return allowed.includes(id) || (name !== undefined && allowed.includes(name));
}

/** A filter for lists of `kind` as `req`'s caller may see them. */
export function scopeFilter(
  req: FastifyRequest,
  kind: ScopeKind,
): (o: { id: string; name?: string }) => boolean {
  return (o) => inScope(req.principal, kind, o.id, o.name);
}

const OBJECT_ROUTE = /^\/v1\/(datasets|projects)\/:id(\/|$)/;

/**
 * Refuses routes on one dataset or project (`/v1/datasets/:id…`, `/v1/projects/:id…`) outside the
 * caller's scopes with the same 404 an unknown one gets. The id is compared as given (an id or a
 * name); a scope naming an id does not open the object by its name, and the other way round.
 */
export function registerScopes(app: FastifyInstance): void {
  app.addHook('preHandler', async (req) => {
    const m = OBJECT_ROUTE.exec(req.routeOptions.url ?? '');
    if (!m || !req.principal?.user?.scopes) return;
    const id = (req.params as Record<string, string>)['id'] ?? '';
    const kind = m[1] as ScopeKind;
    if (!inScope(req.principal, kind, id))
      throw new FedGridError(
        'NOT_FOUND',
        `no ${kind === 'datasets' ? 'dataset' : 'project'} '${id.slice(0, 100)}'`,
      );
  });
}
