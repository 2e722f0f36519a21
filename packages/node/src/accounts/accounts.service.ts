/**
 * The node's users (issue 13 item 1; standards 000 §7.10, 001 §9.2 a 5, 002 §9.3.1 f):
 * passwords (argon2id), TOTP second factor, sign-in with lockout after {@link LOCKOUT_FAILURES}
 * consecutive failures for {@link LOCKOUT_MS}, sessions that end after {@link SESSION_IDLE_MS}
 * idle or {@link SESSION_MAX_MS} after sign-in, API tokens with scopes and expiry, roles and
 * scopes. Session and API tokens are 256-bit random strings; the store keeps only their SHA-256.
 * Sign-in events (success, failure, lockout) are written to the audit log here, as the sign-in
 * route is public and not audited by the request hook.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import { FedGridError } from '../errors/errors.js';
import type { Permission, Principal } from '../server/permissions.js';
import { json, type Database } from '../storage/schema.js';
import type { UserScopes } from './accounts.schema.js';
import { checkPasswordPolicy, hashPassword, oneTimePassword, verifyPassword } from './passwords.js';
import {
  BUILTIN_ROLES,
  checkRolePermissions,
  domainsOf,
  ROLE_NAME,
  type RoleDef,
} from './roles.js';
import { newTotpSecret, totpStep } from './totp.js';

export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_MAX_MS = 12 * 3_600_000;
export const LOCKOUT_FAILURES = 5;
export const LOCKOUT_MS = 15 * 60_000;
/** Longest life of an API token. */
export const TOKEN_MAX_DAYS = 366;

const SESSION_PREFIX = 'fgs_';
const TOKEN_PREFIX = 'fgt_';
/** User names: letters, digits, dot, dash, underscore; 2–64 characters. */
export const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A user as the API shows it (never its hash or TOTP secret). */
export interface UserView {
  id: string;
  name: string;
  roles: string[];
  disabled: boolean;
  mustChangePassword: boolean;
  totp: boolean;
  locked: boolean;
  unrestricted: boolean;
  scopes: UserScopes;
  createdAt: string;
}

export interface LoginResult {
  token: string;
  sessionId: string;
  expiresAt: string;
  idleTimeoutSeconds: number;
  mustChangePassword: boolean;
}

/** A user whose request is being served. */
export interface Caller {
  userId: string;
  sessionId?: string;
}

export class AccountService {
  /** The clock (ms since the epoch); tests move it. */
  now: () => number = () => Date.now();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditService,
    private readonly issuer: string,
  ) {}

  // ---- roles -------------------------------------------------------------------------------

  /** Built-in and custom roles. */
  async roles(): Promise<RoleDef[]> {
    const custom = await this.db.selectFrom('roles').selectAll().orderBy('name').execute();
    return [
      ...BUILTIN_ROLES,
      ...custom.map((r) => ({
        name: r.name,
        description: r.description,
        permissions: r.permissions as Permission[],
        builtin: false,
      })),
    ];
  }

  /**
   * Creates a custom role from catalogue permissions within one officer's domain.
   * @throws FedGridError VALIDATION_FAILED (name, permissions), CONFLICT (name taken)
   */
  async createRole(name: string, description: string, permissions: string[]): Promise<RoleDef> {
    if (!ROLE_NAME.test(name))
      throw new FedGridError(
        'VALIDATION_FAILED',
        `name: '${name.slice(0, 40)}' is not a role name (2–40 lower-case letters, digits, dashes, starting with a letter)`,
        { field: 'name' },
      );
    const perms = checkRolePermissions(permissions);
    if ((await this.roles()).some((r) => r.name === name))
      throw new FedGridError('CONFLICT', `role '${name}' exists`);
    await this.db
      .insertInto('roles')
      .values({ name, description, permissions: json(perms) })
      .execute();
    return { name, description, permissions: perms, builtin: false };
  }

  /** @throws FedGridError NOT_FOUND, CONFLICT (built-in, or still held by users) */
  async deleteRole(name: string): Promise<void> {
    if (BUILTIN_ROLES.some((r) => r.name === name))
      throw new FedGridError('CONFLICT', `role '${name}' is built in and cannot be deleted`);
    const held = await this.db
      .selectFrom('user_roles')
      .select('user_id')
      .where('role', '=', name)
      .execute();
    if (held.length)
      throw new FedGridError(
        'CONFLICT',
        `role '${name}' is held by ${held.length} user(s); take it from them first`,
      );
    const r = await this.db.deleteFrom('roles').where('name', '=', name).executeTakeFirst();
    if (!r.numDeletedRows) throw new FedGridError('NOT_FOUND', `no role '${name}'`);
  }

  private async permissionsOfRoles(roles: readonly string[]): Promise<Set<Permission>> {
    const all = await this.roles();
    const out = new Set<Permission>();
    for (const name of roles)
      for (const p of all.find((r) => r.name === name)?.permissions ?? []) out.add(p);
    return out;
  }

  /** @throws FedGridError VALIDATION_FAILED for unknown roles or roles spanning two officers. */
  private async checkRoles(roles: readonly string[]): Promise<void> {
    const all = await this.roles();
    const unknown = roles.filter((r) => !all.some((a) => a.name === r));
    if (unknown.length)
      throw new FedGridError('VALIDATION_FAILED', `roles: unknown role(s) ${unknown.join(', ')}`, {
        field: 'roles',
        unknown,
      });
    const domains = domainsOf(await this.permissionsOfRoles(roles));
    if (domains.size > 1)
      throw new FedGridError(
        'VALIDATION_FAILED',
        `roles: ${roles.join(', ')} span the ${[...domains].join(' and ')} domains; three-officer separation gives them to different users`,
        { field: 'roles', domains: [...domains] },
      );
  }

  // ---- users -------------------------------------------------------------------------------

  private async view(id: string): Promise<UserView> {
    const u = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    if (!u) throw new FedGridError('NOT_FOUND', `no user ${id}`);
    const roles = await this.db
      .selectFrom('user_roles')
      .select('role')
      .where('user_id', '=', id)
      .orderBy('role')
      .execute();
    return {
      id: u.id,
      name: u.name,
      roles: roles.map((r) => r.role),
      disabled: u.disabled,
      mustChangePassword: u.must_change_password,
      totp: u.totp_secret !== null,
      locked: u.locked_until !== null && new Date(u.locked_until).getTime() > this.now(),
      unrestricted: u.unrestricted,
      scopes: u.scopes,
      createdAt: new Date(u.created_at).toISOString(),
    };
  }

  /** Finds a user by id or name. @throws FedGridError NOT_FOUND */
  async user(idOrName: string): Promise<UserView> {
    const u = await this.db
      .selectFrom('users')
      .select('id')
      .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
      .executeTakeFirst();
    if (!u) throw new FedGridError('NOT_FOUND', `no user '${idOrName.slice(0, 64)}'`);
    return this.view(u.id);
  }

  async users(): Promise<UserView[]> {
    const rows = await this.db.selectFrom('users').select('id').orderBy('name').execute();
    return Promise.all(rows.map((r) => this.view(r.id)));
  }

  /** Whether the node has any user (node init creates the first ones). */
  async hasUsers(): Promise<boolean> {
    return !!(await this.db.selectFrom('users').select('id').limit(1).executeTakeFirst());
  }

  /**
   * Creates a user with a one-time password (returned once; to be changed at first sign-in).
   * @throws FedGridError VALIDATION_FAILED (name, roles), CONFLICT (name taken)
   */
  async createUser(input: {
    name: string;
    roles: string[];
    unrestricted?: boolean;
    scopes?: Partial<UserScopes>;
  }): Promise<{ user: UserView; oneTimePassword: string }> {
    if (!USER_NAME.test(input.name))
      throw new FedGridError(
        'VALIDATION_FAILED',
        `name: '${input.name.slice(0, 64)}' is not a user name (2–64 letters, digits, '.', '-', '_')`,
        { field: 'name' },
      );
    await this.checkRoles(input.roles);
    const taken = await this.db
      .selectFrom('users')
      .select('id')
      .where('name', '=', input.name)
      .executeTakeFirst();
    if (taken) throw new FedGridError('CONFLICT', `user '${input.name}' exists`);
    const password = oneTimePassword();
    const id = randomUUID();
    const passwordHash = await hashPassword(password);
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('users')
        .values({
          id,
          name: input.name,
          password_hash: passwordHash,
          must_change_password: true,
          unrestricted: input.unrestricted ?? true,
          scopes: json({
            datasets: input.scopes?.datasets ?? [],
            projects: input.scopes?.projects ?? [],
          }),
        })
        .execute();
      if (input.roles.length)
        await tx
          .insertInto('user_roles')
          .values([...new Set(input.roles)].map((role) => ({ user_id: id, role })))
          .execute();
    });
    return { user: await this.view(id), oneTimePassword: password };
  }

  /**
   * Changes a user's roles, disabled flag or scopes. A user cannot change its own roles or
   * disable itself. Disabling ends the user's sessions and tokens.
   * @throws FedGridError NOT_FOUND, VALIDATION_FAILED, FORBIDDEN (own account)
   */
  async updateUser(
    idOrName: string,
    by: Caller | undefined,
    patch: { roles?: string[]; disabled?: boolean; unrestricted?: boolean; scopes?: UserScopes },
  ): Promise<UserView> {
    const u = await this.user(idOrName);
    if (by?.userId === u.id && (patch.roles !== undefined || patch.disabled !== undefined))
      throw new FedGridError(
        'FORBIDDEN',
        'a user cannot change its own roles or disable itself; ask another security administrator',
      );
    if (patch.roles) await this.checkRoles(patch.roles);
    await this.db.transaction().execute(async (tx) => {
      const set = {
        ...(patch.disabled !== undefined ? { disabled: patch.disabled } : {}),
        ...(patch.unrestricted !== undefined ? { unrestricted: patch.unrestricted } : {}),
        ...(patch.scopes ? { scopes: json(patch.scopes) } : {}),
        updated_at: new Date(this.now()),
      };
      await tx.updateTable('users').set(set).where('id', '=', u.id).execute();
      if (patch.roles) {
        await tx.deleteFrom('user_roles').where('user_id', '=', u.id).execute();
        if (patch.roles.length)
          await tx
            .insertInto('user_roles')
            .values([...new Set(patch.roles)].map((role) => ({ user_id: u.id, role })))
            .execute();
      }
      if (patch.disabled) await this.revokeAllWith(tx, u.id);
    });
    return this.view(u.id);
  }

  /**
   * Gives a user a new one-time password (to be changed at next sign-in), clears its lockout and
   * second factor, and ends its sessions and tokens.
   */
  async resetPassword(idOrName: string): Promise<{ user: UserView; oneTimePassword: string }> {
    const u = await this.user(idOrName);
    const password = oneTimePassword();
    const passwordHash = await hashPassword(password);
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('users')
        .set({
          password_hash: passwordHash,
          must_change_password: true,
          failed_logins: 0,
          locked_until: null,
          totp_secret: null,
          totp_pending_secret: null,
          updated_at: new Date(this.now()),
        })
        .where('id', '=', u.id)
        .execute();
      await this.revokeAllWith(tx, u.id);
    });
    return { user: await this.view(u.id), oneTimePassword: password };
  }

  private async revokeAllWith(tx: Kysely<Database>, userId: string, exceptSession?: string) {
    const at = new Date(this.now());
    let q = tx
      .updateTable('sessions')
      .set({ revoked_at: at })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null);
    if (exceptSession) q = q.where('id', '!=', exceptSession);
    await q.execute();
    if (!exceptSession)
      await tx
        .updateTable('api_tokens')
        .set({ revoked_at: at })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .execute();
  }

  // ---- sign-in and sessions ------------------------------------------------------------------

  private async loginEvent(
    name: string,
    outcome: 'success' | 'failure',
    action: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.audit.record({
      actorKind: 'user',
      actorId: name.slice(0, 64),
      action,
      objectType: 'user',
      objectId: name.slice(0, 64),
      outcome,
      details,
    });
  }

  /**
   * Signs a user in with its password and, when enrolled, a TOTP code. The 5th consecutive
   * failure (wrong password or code) locks the account for 15 minutes; every attempt is audited.
   * @throws FedGridError UNAUTHORIZED (unknown user, wrong password, disabled — one message),
   *   TOTP_REQUIRED (code missing or wrong), ACCOUNT_LOCKED
   */
  async login(input: {
    name: string;
    password: string;
    code?: string;
    ip?: string;
  }): Promise<LoginResult> {
    const now = this.now();
    const u = await this.db
      .selectFrom('users')
      .selectAll()
      .where('name', '=', input.name)
      .executeTakeFirst();
    const refused = new FedGridError('UNAUTHORIZED', 'wrong user name or password');
    const ip = input.ip ?? null;
    if (!u) {
      // As long as a real check, so that timing does not tell which names exist.
      await verifyPassword(DUMMY_HASH, input.password);
      await this.loginEvent(input.name, 'failure', 'login', { reason: 'unknown user', ip });
      throw refused;
    }
    const lockedUntil = u.locked_until ? new Date(u.locked_until).getTime() : 0;
    if (lockedUntil > now) {
      await this.loginEvent(u.name, 'failure', 'login', { reason: 'locked', ip });
      throw new FedGridError(
        'ACCOUNT_LOCKED',
        `user '${u.name}' is locked after ${LOCKOUT_FAILURES} failed sign-ins until ${new Date(lockedUntil).toISOString()}; wait, or ask a security administrator to reset the password`,
        { until: new Date(lockedUntil).toISOString() },
      );
    }
    // A lock that ran out starts a fresh count.
    const failedBefore = lockedUntil ? 0 : u.failed_logins;
    const passwordOk = await verifyPassword(u.password_hash, input.password);
    let reason: string | undefined;
    let step: number | undefined;
    if (!passwordOk) reason = 'wrong password';
    else if (u.disabled) reason = 'disabled';
    else if (u.totp_secret) {
      if (!input.code) {
        // The password was right: no failure counted, but nothing issued either.
        await this.loginEvent(u.name, 'failure', 'login', { reason: 'code required', ip });
        throw new FedGridError(
          'TOTP_REQUIRED',
          `user '${u.name}' signs in with a second factor: give the 6-digit code of its authenticator app`,
        );
      }
      step = totpStep(u.totp_secret, input.code, now);
      if (step === undefined || (u.totp_last_step !== null && step <= Number(u.totp_last_step)))
        reason = 'wrong code';
    }
    if (reason) {
      const failures = failedBefore + 1;
      const lock = failures >= LOCKOUT_FAILURES;
      await this.db
        .updateTable('users')
        .set({
          failed_logins: lock ? 0 : failures,
          locked_until: lock ? new Date(now + LOCKOUT_MS) : null,
        })
        .where('id', '=', u.id)
        .execute();
      await this.loginEvent(u.name, 'failure', 'login', { reason, failures, ip });
      if (lock) {
        await this.loginEvent(u.name, 'success', 'account.locked', {
          failures,
          until: new Date(now + LOCKOUT_MS).toISOString(),
          ip,
        });
      }
      if (reason === 'wrong code')
        throw new FedGridError('TOTP_REQUIRED', `the code for user '${u.name}' is wrong or used`);
      throw refused;
    }
    const token = SESSION_PREFIX + randomBytes(32).toString('base64url');
    const sessionId = randomUUID();
    const expiresAt = new Date(now + SESSION_MAX_MS);
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('users')
        .set({
          failed_logins: 0,
          locked_until: null,
          ...(step !== undefined ? { totp_last_step: step } : {}),
        })
        .where('id', '=', u.id)
        .execute();
      await tx
        .insertInto('sessions')
        .values({
          id: sessionId,
          user_id: u.id,
          token_hash: sha256(token),
          ip,
          created_at: new Date(now),
          last_seen_at: new Date(now),
          expires_at: expiresAt,
        })
        .execute();
    });
    await this.loginEvent(u.name, 'success', 'login', { session: sessionId, ip });
    return {
      token,
      sessionId,
      expiresAt: expiresAt.toISOString(),
      idleTimeoutSeconds: SESSION_IDLE_MS / 1000,
      mustChangePassword: u.must_change_password,
    };
  }

  /** Whether a bearer token is a session or API token (else: the admin token or garbage). */
  static isAccountToken(token: string): boolean {
    return token.startsWith(SESSION_PREFIX) || token.startsWith(TOKEN_PREFIX);
  }

  /**
   * The principal of a session or API token; a session's idle clock restarts.
   * @throws FedGridError UNAUTHORIZED (unknown token), SESSION_EXPIRED
   */
  async authenticate(token: string): Promise<Principal> {
    const now = this.now();
    const hash = sha256(token);
    if (token.startsWith(SESSION_PREFIX)) {
      const s = await this.db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select([
          'sessions.id as id',
          'sessions.last_seen_at as last_seen_at',
          'sessions.expires_at as expires_at',
          'sessions.revoked_at as revoked_at',
          'users.id as user_id',
          'users.name as name',
          'users.disabled as disabled',
          'users.must_change_password as must_change_password',
          'users.unrestricted as unrestricted',
          'users.scopes as scopes',
        ])
        .where('sessions.token_hash', '=', hash)
        .executeTakeFirst();
      if (!s) throw new FedGridError('UNAUTHORIZED', 'unknown session token; sign in again');
      const idle = now - new Date(s.last_seen_at).getTime();
      const ended =
        s.revoked_at !== null
          ? 'was signed out or revoked'
          : s.disabled
            ? 'belongs to a disabled user'
            : now >= new Date(s.expires_at).getTime()
              ? `reached its maximum age of ${SESSION_MAX_MS / 3_600_000} hours`
              : idle >= SESSION_IDLE_MS
                ? `was idle for more than ${SESSION_IDLE_MS / 60_000} minutes`
                : undefined;
      if (ended) {
        if (s.revoked_at === null)
          await this.db
            .updateTable('sessions')
            .set({ revoked_at: new Date(now) })
            .where('id', '=', s.id)
            .execute();
        throw new FedGridError('SESSION_EXPIRED', `the session ${ended}; sign in again`);
      }
      await this.db
        .updateTable('sessions')
        .set({ last_seen_at: new Date(now) })
        .where('id', '=', s.id)
        .execute();
      return {
        kind: 'user',
        id: s.name,
        permissions: await this.permissionsOf(s.user_id),
        user: {
          id: s.user_id,
          sessionId: s.id,
          mustChangePassword: s.must_change_password,
          ...(s.unrestricted ? {} : { scopes: s.scopes }),
        },
      };
    }
    const t = await this.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .select([
        'api_tokens.id as id',
        'api_tokens.scopes as scopes',
        'api_tokens.expires_at as expires_at',
        'api_tokens.revoked_at as revoked_at',
        'users.id as user_id',
        'users.name as name',
        'users.disabled as disabled',
        'users.must_change_password as must_change_password',
        'users.unrestricted as unrestricted',
        'users.scopes as user_scopes',
      ])
      .where('api_tokens.token_hash', '=', hash)
      .executeTakeFirst();
    if (!t) throw new FedGridError('UNAUTHORIZED', 'unknown API token');
    if (t.revoked_at !== null || t.disabled || now >= new Date(t.expires_at).getTime())
      throw new FedGridError(
        'SESSION_EXPIRED',
        `API token ${t.id} is ${t.revoked_at !== null ? 'revoked' : t.disabled ? 'of a disabled user' : 'expired'}`,
      );
    await this.db
      .updateTable('api_tokens')
      .set({ last_used_at: new Date(now) })
      .where('id', '=', t.id)
      .execute();
    // A token holds its scopes, and never more than its user holds now.
    const held = await this.permissionsOf(t.user_id);
    const perms = new Set((t.scopes as Permission[]).filter((p) => held.has(p)));
    return {
      kind: 'user',
      id: t.name,
      permissions: perms,
      user: {
        id: t.user_id,
        tokenId: t.id,
        mustChangePassword: t.must_change_password,
        ...(t.unrestricted ? {} : { scopes: t.user_scopes }),
      },
    };
  }

  /** The permissions a user holds through its roles. */
  async permissionsOf(userId: string): Promise<Set<Permission>> {
    const roles = await this.db
      .selectFrom('user_roles')
      .select('role')
      .where('user_id', '=', userId)
      .execute();
    return this.permissionsOfRoles(roles.map((r) => r.role));
  }

  /** Ends a session (sign-out, or the user revoking one of its own). @throws NOT_FOUND */
  async revokeSession(userId: string, sessionId: string): Promise<void> {
    const r = await this.db
      .updateTable('sessions')
      .set({ revoked_at: new Date(this.now()) })
      .where('id', '=', sessionId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (!r.numUpdatedRows) throw new FedGridError('NOT_FOUND', `no open session ${sessionId}`);
  }

  /** A user's open sessions (never their tokens). */
  async sessions(userId: string, current?: string) {
    const now = this.now();
    const rows = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .orderBy('created_at', 'desc')
      .execute();
    return rows
      .filter(
        (s) =>
          new Date(s.expires_at).getTime() > now &&
          now - new Date(s.last_seen_at).getTime() < SESSION_IDLE_MS,
      )
      .map((s) => ({
        id: s.id,
        ip: s.ip,
        createdAt: new Date(s.created_at).toISOString(),
        lastSeenAt: new Date(s.last_seen_at).toISOString(),
        expiresAt: new Date(s.expires_at).toISOString(),
        current: s.id === current,
      }));
  }

  // ---- the user centre -----------------------------------------------------------------------

  /**
   * Changes the caller's password (the current one is required). Ends its other sessions.
   * @throws FedGridError UNAUTHORIZED (wrong current password), PASSWORD_POLICY
   */
  async changePassword(by: Caller, current: string, next: string): Promise<void> {
    const u = await this.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', by.userId)
      .executeTakeFirstOrThrow();
    if (!(await verifyPassword(u.password_hash, current)))
      throw new FedGridError('UNAUTHORIZED', 'the current password is wrong');
    checkPasswordPolicy(next, u.name);
    if (await verifyPassword(u.password_hash, next))
      throw new FedGridError(
        'PASSWORD_POLICY',
        'the new password must differ from the current one',
        {
          field: 'password',
        },
      );
    const passwordHash = await hashPassword(next);
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('users')
        .set({
          password_hash: passwordHash,
          must_change_password: false,
          updated_at: new Date(this.now()),
        })
        .where('id', '=', u.id)
        .execute();
      await this.revokeAllWith(tx, u.id, by.sessionId ?? '');
    });
  }

  /** Starts TOTP enrolment: a new secret, active once confirmed with a code. */
  async enrolTotp(by: Caller): Promise<{ secret: string; uri: string }> {
    const u = await this.user(by.userId);
    const t = newTotpSecret(u.name, `FedGrid ${this.issuer}`);
    await this.db
      .updateTable('users')
      .set({ totp_pending_secret: t.secret })
      .where('id', '=', u.id)
      .execute();
    return t;
  }

  /**
   * Confirms enrolment with a code of the new secret; from now on sign-in needs a code.
   * @throws FedGridError CONFLICT (no enrolment started), TOTP_REQUIRED (wrong code)
   */
  async confirmTotp(by: Caller, code: string): Promise<void> {
    const u = await this.db
      .selectFrom('users')
      .select(['id', 'totp_pending_secret'])
      .where('id', '=', by.userId)
      .executeTakeFirstOrThrow();
    if (!u.totp_pending_secret)
      throw new FedGridError('CONFLICT', 'no second-factor enrolment to confirm; start one first');
    const step = totpStep(u.totp_pending_secret, code, this.now());
    if (step === undefined)
      throw new FedGridError('TOTP_REQUIRED', 'the code does not match the new secret');
    await this.db
      .updateTable('users')
      .set({ totp_secret: u.totp_pending_secret, totp_pending_secret: null, totp_last_step: step })
      .where('id', '=', u.id)
      .execute();
  }

  /** Removes the caller's second factor (needs its password). @throws UNAUTHORIZED */
  async resetTotp(by: Caller, password: string): Promise<void> {
    const u = await this.db
      .selectFrom('users')
      .select(['id', 'password_hash'])
      .where('id', '=', by.userId)
      .executeTakeFirstOrThrow();
    if (!(await verifyPassword(u.password_hash, password)))
      throw new FedGridError('UNAUTHORIZED', 'the password is wrong');
    await this.db
      .updateTable('users')
      .set({ totp_secret: null, totp_pending_secret: null, totp_last_step: null })
      .where('id', '=', u.id)
      .execute();
  }

  // ---- API tokens --------------------------------------------------------------------------

  /**
   * Issues an API token holding `scopes` (a subset of the caller's permissions) until
   * `expiresInDays`. The token is returned once.
   * @throws FedGridError VALIDATION_FAILED (scopes not held, days out of range)
   */
  async createToken(
    by: Caller,
    input: { name: string; scopes: string[]; expiresInDays: number },
  ): Promise<{ id: string; token: string; expiresAt: string; scopes: string[] }> {
    const held = await this.permissionsOf(by.userId);
    const notHeld = input.scopes.filter((s) => !held.has(s as Permission));
    if (notHeld.length)
      throw new FedGridError(
        'VALIDATION_FAILED',
        `scopes: ${notHeld.join(', ')} not held by this user; a token holds a subset of its user's permissions`,
        { field: 'scopes', notHeld },
      );
    if (!(input.expiresInDays > 0 && input.expiresInDays <= TOKEN_MAX_DAYS))
      throw new FedGridError(
        'VALIDATION_FAILED',
        `expiresInDays: between 1 and ${TOKEN_MAX_DAYS}`,
        { field: 'expiresInDays' },
      );
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const id = randomUUID();
    const now = this.now();
    const expiresAt = new Date(now + input.expiresInDays * 86_400_000);
    const scopes = [...new Set(input.scopes)];
    await this.db
      .insertInto('api_tokens')
      .values({
        id,
        user_id: by.userId,
        name: input.name,
        token_hash: sha256(token),
        scopes: json(scopes),
        created_at: new Date(now),
        expires_at: expiresAt,
      })
      .execute();
    return { id, token, expiresAt: expiresAt.toISOString(), scopes };
  }

  async tokens(userId: string) {
    const rows = await this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .execute();
    const now = this.now();
    return rows.map((t) => ({
      id: t.id,
      name: t.name,
      scopes: t.scopes,
      createdAt: new Date(t.created_at).toISOString(),
      expiresAt: new Date(t.expires_at).toISOString(),
      lastUsedAt: t.last_used_at ? new Date(t.last_used_at).toISOString() : null,
      status:
        t.revoked_at !== null
          ? 'revoked'
          : new Date(t.expires_at).getTime() <= now
            ? 'expired'
            : 'active',
    }));
  }

  /** @throws FedGridError NOT_FOUND (not the caller's, or already revoked) */
  async revokeToken(userId: string, tokenId: string): Promise<void> {
    const r = await this.db
      .updateTable('api_tokens')
      .set({ revoked_at: new Date(this.now()) })
      .where('id', '=', tokenId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (!r.numUpdatedRows) throw new FedGridError('NOT_FOUND', `no active API token ${tokenId}`);
  }
}

/** An argon2id hash of a random string, verified against for unknown users. */
const DUMMY_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$LYU82FKbroREQ7qew5Z5Yg$s9z0I9ykP2mqPswWisUZY8V3MIAggld103ZUC7YzeDA';
