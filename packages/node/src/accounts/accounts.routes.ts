/**
 * Sign-in, the user centre (/v1/me…), users and roles (security administrator), the menu and
 * the data dictionary. Passwords and codes travel in request bodies only (never in URLs, never
 * in the audit log, which records method, route and object id).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { FedGridError } from '../errors/errors.js';
import { doc } from '../server/route-doc.js';
import { LOCAL_PERMISSIONS, type Permission } from '../server/permissions.js';
import { parseInput } from '../server/validate.js';
import type { AccountService, Caller } from './accounts.service.js';
import { dictionary } from './dictionary.js';
import { catalogue, menuFor } from './roles.js';

const loginSchema = z.object({
  user: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
  code: z.string().max(16).optional(),
});
const passwordSchema = z.object({
  current: z.string().min(1).max(1024),
  password: z.string().min(1).max(1024),
});
const codeSchema = z.object({ code: z.string().min(1).max(16) });
const resetTotpSchema = z.object({ password: z.string().min(1).max(1024) });
const tokenSchema = z.object({
  name: z.string().min(1).max(100),
  scopes: z.array(z.string()).min(1),
  expiresInDays: z.number().int().min(1).max(366).default(90),
});
const scopesSchema = z.object({
  datasets: z.array(z.string().max(200)).max(10_000).default([]),
  projects: z.array(z.string().max(200)).max(10_000).default([]),
});
const createUserSchema = z.object({
  name: z.string().min(1).max(64),
  roles: z.array(z.string()).default([]),
  unrestricted: z.boolean().optional(),
  scopes: scopesSchema.optional(),
});
const updateUserSchema = z.object({
  roles: z.array(z.string()).optional(),
  disabled: z.boolean().optional(),
  unrestricted: z.boolean().optional(),
  scopes: scopesSchema.optional(),
});
const createRoleSchema = z.object({
  name: z.string().min(1).max(40),
  description: z.string().max(500).default(''),
  permissions: z.array(z.string()).min(1),
});

/** The signed-in user of a request. @throws FedGridError BAD_REQUEST for the admin token */
function caller(req: FastifyRequest): Caller {
  const u = req.principal.user;
  if (!u)
    throw new FedGridError(
      'BAD_REQUEST',
      'this route is for signed-in users; the admin token is the bootstrap credential and has no user centre (sign in with `fedgrid login`)',
    );
  return { userId: u.id, ...(u.sessionId ? { sessionId: u.sessionId } : {}) };
}

export function accountRoutes(app: FastifyInstance, accounts: AccountService): void {
  app.post(
    '/v1/auth/login',
    {
      config: { permission: 'public' },
      schema: doc('Sign in (password, and the TOTP code when enrolled); returns a session token', {
        body: loginSchema,
        description:
          'Sessions end after 30 minutes idle or 12 hours. Five consecutive failures lock the user for 15 minutes. Every attempt is audited.',
      }),
    },
    async (req) => {
      const b = parseInput(loginSchema, req.body);
      return accounts.login({
        name: b.user,
        password: b.password,
        ...(b.code ? { code: b.code } : {}),
        ip: req.ip,
      });
    },
  );
  app.post(
    '/v1/auth/logout',
    {
      config: { permission: 'session:own', auditObject: 'session' },
      schema: doc('Sign out: end the session of this request'),
    },
    async (req) => {
      const c = caller(req);
      if (!c.sessionId)
        throw new FedGridError('BAD_REQUEST', 'an API token is not a session; revoke it instead');
      req.auditObjectId = c.sessionId;
      await accounts.revokeSession(c.userId, c.sessionId);
      return { signedOut: true };
    },
  );

  app.get(
    '/v1/me',
    {
      config: { permission: 'session:own' },
      schema: doc('Who is calling: user, roles, permissions and the menu they give'),
    },
    async (req) => {
      const p = req.principal;
      const perms: ReadonlySet<Permission> =
        p.kind === 'admin' ? new Set(LOCAL_PERMISSIONS) : (p.permissions ?? new Set());
      const user = p.user ? await accounts.user(p.user.id) : null;
      return {
        kind: p.kind,
        user,
        roles: user?.roles ?? [],
        permissions: [...perms].sort(),
        menu: menuFor(perms),
        ...(p.user?.tokenId ? { tokenId: p.user.tokenId } : {}),
      };
    },
  );
  app.post(
    '/v1/me/password',
    {
      config: { permission: 'session:own', auditObject: 'user' },
      schema: doc('Change one’s password (ends one’s other sessions and API tokens)', {
        body: passwordSchema,
      }),
    },
    async (req) => {
      const b = parseInput(passwordSchema, req.body);
      const c = caller(req);
      req.auditObjectId = c.userId;
      await accounts.changePassword(c, b.current, b.password);
      return { changed: true };
    },
  );
  app.post(
    '/v1/me/totp',
    {
      config: { permission: 'session:own', auditObject: 'user' },
      schema: doc('Start second-factor enrolment: a new TOTP secret, active once confirmed'),
    },
    async (req) => {
      const c = caller(req);
      req.auditObjectId = c.userId;
      return accounts.enrolTotp(c);
    },
  );
  app.post(
    '/v1/me/totp/confirm',
    {
      config: { permission: 'session:own', auditObject: 'user' },
      schema: doc('Confirm second-factor enrolment with a code of the new secret', {
        body: codeSchema,
      }),
    },
    async (req) => {
      const c = caller(req);
      req.auditObjectId = c.userId;
      await accounts.confirmTotp(c, parseInput(codeSchema, req.body).code);
      return { totp: true };
    },
  );
  app.delete(
    '/v1/me/totp',
    {
      config: { permission: 'session:own', auditObject: 'user' },
      schema: doc('Remove one’s second factor (needs the password)', { body: resetTotpSchema }),
    },
    async (req) => {
      const c = caller(req);
      req.auditObjectId = c.userId;
      await accounts.resetTotp(c, parseInput(resetTotpSchema, req.body).password);
      return { totp: false };
    },
  );
  app.get(
    '/v1/me/sessions',
    { config: { permission: 'session:own' }, schema: doc('One’s open sessions') },
    async (req) => {
      const c = caller(req);
      return { items: await accounts.sessions(c.userId, c.sessionId) };
    },
  );
  app.delete<{ Params: { id: string } }>(
    '/v1/me/sessions/:id',
    {
      config: { permission: 'session:own', auditObject: 'session' },
      schema: doc('End one of one’s sessions'),
    },
    async (req) => {
      await accounts.revokeSession(caller(req).userId, req.params.id);
      return { revoked: true };
    },
  );
  app.get(
    '/v1/me/tokens',
    { config: { permission: 'session:own' }, schema: doc('One’s API tokens (never the tokens)') },
    async (req) => ({ items: await accounts.tokens(caller(req).userId) }),
  );
  app.post(
    '/v1/me/tokens',
    {
      config: { permission: 'session:own', auditObject: 'token' },
      schema: doc('Issue an API token with scopes (a subset of one’s permissions) and expiry', {
        body: tokenSchema,
        description: 'The token is in this answer only; the node keeps its SHA-256.',
      }),
    },
    async (req) => {
      const b = parseInput(tokenSchema, req.body);
      return accounts.createToken(caller(req), b);
    },
  );
  app.delete<{ Params: { id: string } }>(
    '/v1/me/tokens/:id',
    {
      config: { permission: 'session:own', auditObject: 'token' },
      schema: doc('Revoke one of one’s API tokens'),
    },
    async (req) => {
      await accounts.revokeToken(caller(req).userId, req.params.id);
      return { revoked: true };
    },
  );
  app.get(
    '/v1/dictionary',
    {
      config: { permission: 'session:own' },
      schema: doc('The data dictionary: value lists (roles, job states, …) for forms and filters'),
    },
    async () => dictionary(await accounts.roles()),
  );

  app.get(
    '/v1/users',
    { config: { permission: 'user:read' }, schema: doc('The node’s users') },
    async () => ({ items: await accounts.users() }),
  );
  app.get<{ Params: { id: string } }>(
    '/v1/users/:id',
    { config: { permission: 'user:read' }, schema: doc('One user (by id or name)') },
    async (req) => accounts.user(req.params.id),
  );
  app.post(
    '/v1/users',
    {
      config: { permission: 'user:manage', auditObject: 'user' },
      schema: doc('Create a user; answers its one-time password (to change at first sign-in)', {
        body: createUserSchema,
      }),
    },
    async (req) => {
      const b = parseInput(createUserSchema, req.body);
      const r = await accounts.createUser({
        name: b.name,
        roles: b.roles,
        ...(b.unrestricted !== undefined ? { unrestricted: b.unrestricted } : {}),
        ...(b.scopes ? { scopes: b.scopes } : {}),
      });
      req.auditObjectId = r.user.id;
      return { ...r.user, oneTimePassword: r.oneTimePassword };
    },
  );
  app.patch<{ Params: { id: string } }>(
    '/v1/users/:id',
    {
      config: { permission: 'user:manage', auditObject: 'user' },
      schema: doc('Change a user’s roles, scopes or disabled flag (not one’s own roles)', {
        body: updateUserSchema,
      }),
    },
    async (req) => {
      const b = parseInput(updateUserSchema, req.body);
      const by = req.principal.user ? caller(req) : undefined;
      return accounts.updateUser(req.params.id, by, {
        ...(b.roles ? { roles: b.roles } : {}),
        ...(b.disabled !== undefined ? { disabled: b.disabled } : {}),
        ...(b.unrestricted !== undefined ? { unrestricted: b.unrestricted } : {}),
        ...(b.scopes ? { scopes: b.scopes } : {}),
      });
    },
  );
  app.post<{ Params: { id: string } }>(
    '/v1/users/:id/reset-password',
    {
      config: { permission: 'user:manage', auditObject: 'user' },
      schema: doc(
        'Reset a user’s password: a new one-time password; unlocks it, removes its second factor, ends its sessions and tokens',
      ),
    },
    async (req) => {
      const r = await accounts.resetPassword(req.params.id);
      return { ...r.user, oneTimePassword: r.oneTimePassword };
    },
  );

  app.get(
    '/v1/roles',
    { config: { permission: 'role:read' }, schema: doc('Built-in and custom roles') },
    async () => ({ items: await accounts.roles() }),
  );
  app.get(
    '/v1/roles/permissions',
    {
      config: { permission: 'role:read' },
      schema: doc('The permission catalogue roles are made from, with each one’s officer domain'),
    },
    async () => ({ items: catalogue() }),
  );
  app.post(
    '/v1/roles',
    {
      config: { permission: 'role:manage', auditObject: 'role' },
      schema: doc('Create a custom role (permissions of one officer’s domain)', {
        body: createRoleSchema,
      }),
    },
    async (req) => {
      const b = parseInput(createRoleSchema, req.body);
      const r = await accounts.createRole(b.name, b.description, b.permissions);
      req.auditObjectId = r.name;
      return r;
    },
  );
  app.delete<{ Params: { id: string } }>(
    '/v1/roles/:id',
    {
      config: { permission: 'role:manage', auditObject: 'role' },
      schema: doc('Delete a custom role no user holds'),
    },
    async (req) => {
      await accounts.deleteRole(req.params.id);
      return { deleted: true };
    },
  );
}
