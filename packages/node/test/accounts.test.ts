/**
 * Accounts (issue 13 items 1–2) on an in-process node: sign-in with a TOTP second factor (codes
 * computed with the otpauth library), idle and maximum session age and lockout driven by the
 * account service's clock (no waiting), API tokens with scopes and expiry, what the store keeps
 * (argon2id hashes, token hashes only), and the role matrix: every built-in role gets 403 on
 * every local route outside its permissions — the route list taken from the node's own route
 * table (its OpenAPI document, as security-doc.test.ts does), not written out here.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret, TOTP } from 'otpauth';
import {
  BUILTIN_ROLES,
  LOCKOUT_MS,
  SESSION_IDLE_MS,
  SESSION_MAX_MS,
  type Permission,
} from '@fedgrid/node';
import { TestNodes, type TestNode } from './nodes.js';

const MINUTE = 60_000;

describe('accounts', () => {
  const t = new TestNodes();
  let n: TestNode;
  let clock = Date.parse('2026-03-01T08:00:00Z');
  const setClock = (ms: number) => {
    clock = ms;
  };

  beforeAll(async () => {
    n = await t.start('acc');
    n.node.services.accounts.now = () => clock;
  }, 120_000);
  afterAll(() => t.close());

  /** Calls the node with `token` (a session or API token). */
  async function as<T = Record<string, unknown>>(
    token: string,
    method: string,
    url: string,
    payload?: unknown,
  ): Promise<{ status: number; body: T }> {
    const r = await n.node.app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    // Not every route answers JSON (GET /metrics is Prometheus text).
    const json = String(r.headers['content-type'] ?? '').includes('json');
    return { status: r.statusCode, body: (r.body && json ? r.json() : undefined) as T };
  }

  async function login(user: string, password: string, code?: string) {
    const r = await n.node.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { user, password, ...(code ? { code } : {}) },
    });
    return {
      status: r.statusCode,
      body: r.json<{ token: string; code?: string; mustChangePassword: boolean }>(),
    };
  }

  let userNo = 0;
  /** A new user with `roles`, its password changed from the one-time one; its session token. */
  async function user(roles: string[]): Promise<{ name: string; password: string; token: string }> {
    const name = `u${++userNo}-${roles.join('-').slice(0, 30)}`;
    const created = await n.ok<{ oneTimePassword: string }>('POST', '/v1/users', { name, roles });
    const first = await login(name, created.oneTimePassword);
    expect(first.status).toBe(200);
    expect(first.body.mustChangePassword).toBe(true);
    const password = `Fresh-Pass-${userNo}-Nine!`;
    expect(
      (
        await as(first.body.token, 'POST', '/v1/me/password', {
          current: created.oneTimePassword,
          password,
        })
      ).status,
    ).toBe(200);
    return { name, password, token: first.body.token };
  }

  it('a new user signs in with its one-time password and may do nothing but change it', async () => {
    const created = await n.ok<{ oneTimePassword: string; id: string }>('POST', '/v1/users', {
      name: 'otp-user',
      roles: ['modeler'],
    });
    const s = await login('otp-user', created.oneTimePassword);
    expect(s.body.mustChangePassword).toBe(true);
    const blocked = await as(s.body.token, 'GET', '/v1/projects');
    expect(blocked).toMatchObject({ status: 403, body: { code: 'PASSWORD_CHANGE_REQUIRED' } });
    // The policy: too short, too few classes, the user's name.
    for (const bad of ['Short1!', 'alllowercaseletters', 'Otp-User-Password-1']) {
      const r = await as(s.body.token, 'POST', '/v1/me/password', {
        current: created.oneTimePassword,
        password: bad,
      });
      expect(r, bad).toMatchObject({ status: 400, body: { code: 'PASSWORD_POLICY' } });
    }
    expect(
      (
        await as(s.body.token, 'POST', '/v1/me/password', {
          current: created.oneTimePassword,
          password: 'Correct-Horse-42',
        })
      ).status,
    ).toBe(200);
    expect((await as(s.body.token, 'GET', '/v1/projects')).status).toBe(200);
    // The one-time password no longer works.
    expect((await login('otp-user', created.oneTimePassword)).status).toBe(401);
  });

  it('signs in with a TOTP second factor: enrolment confirmed with a code, then every sign-in needs a fresh code', async () => {
    const u = await user(['read-only']);
    const enrol = await as<{ secret: string; uri: string }>(u.token, 'POST', '/v1/me/totp');
    expect(enrol.status).toBe(200);
    expect(enrol.body.uri).toMatch(/^otpauth:\/\/totp\//);
    const totp = new TOTP({ secret: Secret.fromBase32(enrol.body.secret), digits: 6, period: 30 });
    // Not enrolled until confirmed: a password alone still signs in.
    expect((await login(u.name, u.password)).status).toBe(200);
    const wrongConfirm = String((Number(totp.generate({ timestamp: clock })) + 1) % 1_000_000);
    expect(
      (await as(u.token, 'POST', '/v1/me/totp/confirm', { code: wrongConfirm.padStart(6, '0') }))
        .status,
    ).toBe(401);
    expect(
      (
        await as(u.token, 'POST', '/v1/me/totp/confirm', {
          code: totp.generate({ timestamp: clock }),
        })
      ).status,
    ).toBe(200);

    setClock(clock + 60_000);
    const noCode = await login(u.name, u.password);
    expect(noCode).toMatchObject({ status: 401, body: { code: 'TOTP_REQUIRED' } });
    const code = totp.generate({ timestamp: clock });
    const wrong = code === '000000' ? '000001' : '000000';
    expect((await login(u.name, u.password, wrong)).body.code).toBe('TOTP_REQUIRED');
    const ok = await login(u.name, u.password, code);
    expect(ok.status).toBe(200);
    expect((await as(ok.body.token, 'GET', '/v1/me')).status).toBe(200);
    // The same code a second time is refused (replay).
    expect((await login(u.name, u.password, code)).body.code).toBe('TOTP_REQUIRED');
    // A right code with a wrong password is refused as a wrong password.
    setClock(clock + 30_000);
    expect(
      (await login(u.name, 'Not-The-Password-1', totp.generate({ timestamp: clock }))).status,
    ).toBe(401);
    // Removing the factor needs the password.
    expect(
      (await as(ok.body.token, 'DELETE', '/v1/me/totp', { password: 'wrong-Password-12' })).status,
    ).toBe(401);
    expect(
      (await as(ok.body.token, 'DELETE', '/v1/me/totp', { password: u.password })).status,
    ).toBe(200);
    expect((await login(u.name, u.password)).status).toBe(200);
  });

  it('a session ends after 30 minutes idle, and 12 hours after sign-in however active', async () => {
    const u = await user(['read-only']);
    const s = (await login(u.name, u.password)).body.token;
    setClock(clock + SESSION_IDLE_MS - MINUTE);
    expect((await as(s, 'GET', '/v1/me')).status).toBe(200);
    // Each use restarts the idle clock.
    setClock(clock + SESSION_IDLE_MS - MINUTE);
    expect((await as(s, 'GET', '/v1/me')).status).toBe(200);
    setClock(clock + SESSION_IDLE_MS);
    const idle = await as(s, 'GET', '/v1/me');
    expect(idle).toMatchObject({ status: 401, body: { code: 'SESSION_EXPIRED' } });
    expect(JSON.stringify(idle.body)).toMatch(/idle/);
    // Stays ended when used again.
    expect((await as(s, 'GET', '/v1/me')).status).toBe(401);

    const start = clock;
    const busy = (await login(u.name, u.password)).body.token;
    while (clock + 20 * MINUTE < start + SESSION_MAX_MS) {
      setClock(clock + 20 * MINUTE);
      expect((await as(busy, 'GET', '/v1/me')).status).toBe(200);
    }
    setClock(start + SESSION_MAX_MS);
    const old = await as(busy, 'GET', '/v1/me');
    expect(old).toMatchObject({ status: 401, body: { code: 'SESSION_EXPIRED' } });
    expect(JSON.stringify(old.body)).toMatch(/maximum age/);
  });

  it('locks a user for 15 minutes after 5 consecutive failures, audits it, and lets it in after', async () => {
    const u = await user(['read-only']);
    for (let i = 1; i <= 4; i++)
      expect((await login(u.name, `Wrong-Password-${i}`)).status, `failure ${i}`).toBe(401);
    // A success resets the count.
    expect((await login(u.name, u.password)).status).toBe(200);
    for (let i = 1; i <= 5; i++)
      expect((await login(u.name, `Wrong-Password-${i}`)).status, `failure ${i}`).toBe(401);
    const locked = await login(u.name, u.password);
    expect(locked).toMatchObject({ status: 423, body: { code: 'ACCOUNT_LOCKED' } });
    setClock(clock + LOCKOUT_MS - MINUTE);
    expect((await login(u.name, u.password)).status).toBe(423);
    const audit = await n.ok<{ items: { action: string; object: { id: string } | null }[] }>(
      'GET',
      '/v1/audit?action=account.locked',
    );
    expect(audit.items.map((e) => e.object?.id)).toContain(u.name);
    const failures = await n.ok<{ items: { outcome: string; details: { reason?: string } }[] }>(
      'GET',
      `/v1/audit?action=login&object=${u.name}`,
    );
    expect(failures.items.filter((e) => e.details.reason === 'wrong password')).toHaveLength(9);
    setClock(clock + MINUTE);
    expect((await login(u.name, u.password)).status).toBe(200);
    // A lock that ran out starts a fresh count: four failures do not lock again.
    for (let i = 1; i <= 4; i++) await login(u.name, `Wrong-Password-${i}`);
    expect((await login(u.name, u.password)).status).toBe(200);
  });

  it('a security administrator unlocks by resetting the password; the old sessions end', async () => {
    const u = await user(['read-only']);
    const sec = await user(['security-admin']);
    for (let i = 1; i <= 5; i++) await login(u.name, `Wrong-Password-${i}`);
    expect((await login(u.name, u.password)).status).toBe(423);
    const reset = await as<{ oneTimePassword: string; locked: boolean }>(
      sec.token,
      'POST',
      `/v1/users/${u.name}/reset-password`,
    );
    expect(reset.status).toBe(200);
    expect(reset.body.locked).toBe(false);
    expect((await as(u.token, 'GET', '/v1/me')).status).toBe(401);
    const again = await login(u.name, reset.body.oneTimePassword);
    expect(again.body.mustChangePassword).toBe(true);
  });

  it('API tokens hold their scopes (a subset of the user’s permissions) until they expire or are revoked', async () => {
    const u = await user(['data-operator']);
    const notHeld = await as(u.token, 'POST', '/v1/me/tokens', {
      name: 'x',
      scopes: ['job:manage'],
    });
    expect(notHeld).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    const made = await as<{ id: string; token: string }>(u.token, 'POST', '/v1/me/tokens', {
      name: 'ci',
      scopes: ['dataset:read', 'session:own'],
      expiresInDays: 2,
    });
    expect(made.status).toBe(200);
    const tok = made.body.token;
    expect((await as(tok, 'GET', '/v1/datasets')).status).toBe(200);
    // The user may register datasets; the token may not.
    expect((await as(tok, 'POST', '/v1/datasets', {})).body).toMatchObject({ code: 'FORBIDDEN' });
    expect((await as(u.token, 'POST', '/v1/datasets', {})).status).toBe(400);
    const listed = await as<{ items: { id: string; status: string }[] }>(
      u.token,
      'GET',
      '/v1/me/tokens',
    );
    expect(listed.body.items.find((i) => i.id === made.body.id)?.status).toBe('active');
    expect(JSON.stringify(listed.body)).not.toContain(tok);
    // Expiry.
    const saved = clock;
    setClock(clock + 2 * 86_400_000);
    expect(await as(tok, 'GET', '/v1/datasets')).toMatchObject({
      status: 401,
      body: { code: 'SESSION_EXPIRED' },
    });
    setClock(saved);
    // Revocation (by its owner only).
    const other = await user(['data-operator']);
    expect((await as(other.token, 'DELETE', `/v1/me/tokens/${made.body.id}`)).status).toBe(404);
    expect((await as(u.token, 'DELETE', `/v1/me/tokens/${made.body.id}`)).status).toBe(200);
    expect((await as(tok, 'GET', '/v1/datasets')).status).toBe(401);
  });

  it('lists and revokes one’s own sessions, not another user’s', async () => {
    const u = await user(['read-only']);
    const second = (await login(u.name, u.password)).body.token;
    const list = await as<{ items: { id: string; current: boolean }[] }>(
      u.token,
      'GET',
      '/v1/me/sessions',
    );
    expect(list.body.items).toHaveLength(2);
    const other = list.body.items.find((s) => !s.current)!;
    const stranger = await user(['read-only']);
    expect((await as(stranger.token, 'DELETE', `/v1/me/sessions/${other.id}`)).status).toBe(404);
    expect((await as(second, 'GET', '/v1/me')).status).toBe(200);
    expect((await as(u.token, 'DELETE', `/v1/me/sessions/${other.id}`)).status).toBe(200);
    expect((await as(second, 'GET', '/v1/me')).status).toBe(401);
    expect((await as(u.token, 'POST', '/v1/auth/logout')).status).toBe(200);
    expect((await as(u.token, 'GET', '/v1/me')).status).toBe(401);
  });

  it('keeps argon2id hashes and token hashes only: no password, session or API token in the store', async () => {
    const u = await user(['modeler']);
    const api = (
      await as<{ token: string }>(u.token, 'POST', '/v1/me/tokens', {
        name: 'store-check',
        scopes: ['job:read'],
      })
    ).body.token;
    const db = n.node.services.db;
    const users = await db.selectFrom('users').selectAll().execute();
    expect(users.length).toBeGreaterThan(0);
    for (const row of users) expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+/);
    const sessions = await db.selectFrom('sessions').selectAll().execute();
    const tokens = await db.selectFrom('api_tokens').selectAll().execute();
    const everything = JSON.stringify([users, sessions, tokens]);
    for (const secret of [u.token, api, u.password]) expect(everything).not.toContain(secret);
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    expect(sessions.map((s) => s.token_hash)).toContain(sha(u.token));
    expect(tokens.map((s) => s.token_hash)).toContain(sha(api));
    // Nor does the audit log hold them (the password change and sign-in were recorded).
    const audit = JSON.stringify(await db.selectFrom('audit_events').selectAll().execute());
    for (const secret of [u.token, api, u.password]) expect(audit).not.toContain(secret);
  });

  it('GET /v1/me answers roles, permissions and the menu they give; the dictionary lists roles and states', async () => {
    const u = await user(['audit-admin']);
    const me = await as<{ roles: string[]; permissions: string[]; menu: { key: string }[] }>(
      u.token,
      'GET',
      '/v1/me',
    );
    expect(me.body.roles).toEqual(['audit-admin']);
    expect(me.body.permissions).toEqual(['audit:read', 'session:own']);
    expect(me.body.menu.map((m) => m.key)).toEqual(['audit', 'me']);
    const dict = await as<Record<string, { value: string }[]>>(u.token, 'GET', '/v1/dictionary');
    expect(dict.body['roles']!.map((r) => r.value)).toEqual(
      expect.arrayContaining(BUILTIN_ROLES.map((r) => r.name)),
    );
    expect(dict.body['jobStates']!.map((r) => r.value)).toContain('running');
  });

  it('a restricted user sees only the datasets and projects in its scopes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedgrid-scopes-'));
    try {
      const csv = join(dir, 'rows.csv');
      writeFileSync(csv, 'id,y,f1\nu1,0,1\nu2,1,2\nu3,0,3\n');
      for (const name of ['d-in', 'd-out'])
        await n.ok('POST', '/v1/datasets', { name, path: csv, idColumn: 'id', labelColumn: 'y' });
      const pIn = await n.ok<{ id: string }>('POST', '/v1/projects', { name: 'p-in' });
      await n.ok('POST', '/v1/projects', { name: 'p-out' });
      const created = await n.ok<{ oneTimePassword: string }>('POST', '/v1/users', {
        name: 'scoped',
        roles: ['modeler'],
        unrestricted: false,
        scopes: { datasets: ['d-in'], projects: [pIn.id] },
      });
      const s = (await login('scoped', created.oneTimePassword)).body.token;
      expect(
        (
          await as(s, 'POST', '/v1/me/password', {
            current: created.oneTimePassword,
            password: 'Narrow-View-2026',
          })
        ).status,
      ).toBe(200);
      const ds = await as<{ items: { name: string }[]; total: number }>(s, 'GET', '/v1/datasets');
      expect(ds.body.items.map((d) => d.name)).toEqual(['d-in']);
      expect(ds.body.total).toBe(1);
      expect((await as(s, 'GET', '/v1/datasets/d-in')).status).toBe(200);
      const out = await as(s, 'GET', '/v1/datasets/d-out');
      expect(out).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
      expect(await as(s, 'GET', '/v1/datasets/no-such')).toMatchObject({ status: out.status });
      const ps = await as<{ items: { name: string }[] }>(s, 'GET', '/v1/projects');
      expect(ps.body.items.map((p) => p.name)).toEqual(['p-in']);
      // Unrestricted (the admin token, or another user) sees both.
      const all = await n.ok<{ items: { name: string }[] }>('GET', '/v1/datasets');
      expect(all.items.map((d) => d.name).sort()).toEqual(['d-in', 'd-out']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('three-officer separation', () => {
    it('no role and no user spans two officers’ domains; no one changes its own roles', async () => {
      const sec = await user(['security-admin']);
      const mixedRole = await as(sec.token, 'POST', '/v1/roles', {
        name: 'mixed',
        permissions: ['user:read', 'audit:read'],
      });
      expect(mixedRole).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
      const mixedUser = await as(sec.token, 'POST', '/v1/users', {
        name: 'two-hats',
        roles: ['system-admin', 'audit-admin'],
      });
      expect(mixedUser).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
      const self = await as(sec.token, 'PATCH', `/v1/users/${sec.name}`, {
        roles: ['security-admin', 'read-only'],
      });
      expect(self).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
      // A custom role within one domain is fine, and usable.
      const auditor = await as(sec.token, 'POST', '/v1/roles', {
        name: 'job-watcher',
        permissions: ['job:read', 'session:own'],
      });
      expect(auditor.status).toBe(200);
      const w = await user(['job-watcher']);
      expect((await as(w.token, 'GET', '/v1/jobs')).status).toBe(200);
      expect((await as(w.token, 'GET', '/v1/datasets')).status).toBe(403);
    });

    it('each officer is refused the other two officers’ routes', async () => {
      const sys = await user(['system-admin']);
      const sec = await user(['security-admin']);
      const aud = await user(['audit-admin']);
      const target = await user(['read-only']);
      const tries: [string, string, string, unknown?][] = [
        ['users', 'GET', '/v1/users'],
        ['users', 'POST', '/v1/users', { name: 'sneaky', roles: ['system-admin'] }],
        ['users', 'POST', `/v1/users/${target.name}/reset-password`],
        ['roles', 'POST', '/v1/roles', { name: 'r', permissions: ['audit:read'] }],
        ['audit', 'GET', '/v1/audit'],
        ['platform', 'GET', '/v1/datasets'],
        ['platform', 'POST', '/v1/contracts', {}],
        ['platform', 'GET', '/v1/jobs'],
        ['platform', 'PATCH', '/v1/node', {}],
      ];
      const domainOf: Record<string, string> = {
        users: 'sec',
        roles: 'sec',
        audit: 'aud',
        platform: 'sys',
      };
      for (const [who, token] of [
        ['sys', sys.token],
        ['sec', sec.token],
        ['aud', aud.token],
      ] as const) {
        for (const [domain, method, url, body] of tries) {
          const r = await as(token, method, url, body);
          if (domainOf[domain] === who) expect(r.status, `${who} ${method} ${url}`).not.toBe(403);
          else
            expect(r, `${who} ${method} ${url}`).toMatchObject({
              status: 403,
              body: { code: 'FORBIDDEN' },
            });
        }
      }
    });
  });

  it('every built-in role gets 403 on every local route outside its permissions (from the route table)', async () => {
    const docu = (n.node.app as unknown as { swagger(): unknown }).swagger() as {
      paths: Record<string, Record<string, { description?: string }>>;
    };
    const routes: { method: string; url: string; perm: Permission }[] = [];
    for (const [path, ops] of Object.entries(docu.paths))
      for (const [method, op] of Object.entries(ops)) {
        const perm = /Permission: `([^`]+)`/.exec(op.description ?? '')?.[1] as Permission;
        expect(perm, `${method} ${path} names its permission`).toBeTruthy();
        if (perm === 'public' || perm.startsWith('interconn:')) continue;
        routes.push({
          method: method.toUpperCase(),
          url: path.replace(/\{[^}]+\}/g, 'x'),
          perm,
        });
      }
    expect(routes.length).toBeGreaterThan(80);
    // Every local permission guards some route (else the matrix would not test it).
    const guarded = new Set(routes.map((r) => r.perm));
    let refusals = 0;
    for (const role of BUILTIN_ROLES) {
      const u = await user([role.name]);
      const held = new Set(role.permissions);
      for (const r of routes) {
        // Routes the role may call are only read (GET), never changed, here.
        if (held.has(r.perm) && r.method !== 'GET') continue;
        const res = await as<{ code?: string; details?: { permission?: string } }>(
          u.token,
          r.method,
          r.url,
          r.method === 'GET' ? undefined : {},
        );
        if (!held.has(r.perm)) {
          expect(res, `${role.name} ${r.method} ${r.url} (${r.perm})`).toMatchObject({
            status: 403,
            body: { code: 'FORBIDDEN', details: { permission: r.perm } },
          });
          refusals++;
        } else if (r.method === 'GET') {
          // Not refused for want of a permission (a handler may still refuse, e.g. no contract).
          expect(res.body?.details?.permission, `${role.name} ${r.method} ${r.url}`).toBe(
            undefined,
          );
        }
      }
      // Still signed in (no route above ended the session).
      expect((await as(u.token, 'GET', '/v1/me')).status).toBe(200);
      for (const p of role.permissions) expect(guarded.has(p), `${p} guards a route`).toBe(true);
    }
    expect(refusals).toBeGreaterThan(routes.length * 2);
  }, 300_000);
});
