/**
 * Accounts from the command line: `fedgrid login | logout | me`, `fedgrid user …` and
 * `fedgrid role …` (security administrator), `fedgrid token …` (one's own API tokens).
 * `login` keeps the session token in the CLI's credentials file (mode 0600; see
 * credentials.ts); later commands on that node use it until `logout`.
 */
import { Command } from 'commander';
import type { LoginResult, RoleDef, UserView } from '@fedgrid/node';
import { ApiClient } from '../api-client.js';
import { forgetSession, saveSession } from '../credentials.js';
import { print, reportError, table } from '../output.js';
import { ask } from '../prompt.js';
import { run, target, withNode, type CommonOpts } from './common.js';

const enc = encodeURIComponent;
const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const userRows = (us: UserView[]) =>
  table([
    ['name', 'roles', 'status', 'totp', 'scope'],
    ...us.map((u) => [
      u.name,
      u.roles.join(',') || '-',
      u.disabled ? 'disabled' : u.locked ? 'locked' : u.mustChangePassword ? 'new' : 'active',
      u.totp ? 'yes' : 'no',
      u.unrestricted
        ? 'all'
        : `datasets:${u.scopes.datasets.join(',') || '-'} projects:${u.scopes.projects.join(',') || '-'}`,
    ]),
  ]);

type WithOtp = UserView & { oneTimePassword: string };
const otpText = (u: WithOtp) =>
  `${userRows([u])}\none-time password for '${u.name}' (shown once; to be changed at first sign-in): ${u.oneTimePassword}`;

export function loginCommand(): Command {
  return withNode(new Command('login').description('sign in to the node as a user'))
    .option('--user <name>', 'user name (asked when missing)')
    .option('--password <password>', 'password (asked when missing; visible in the process list)')
    .option('--code <code>', 'TOTP code, for users with a second factor (asked when needed)')
    .option(
      '--new-password <password>',
      'the new password, when signing in with a one-time password (asked when needed)',
    )
    .action(
      async (
        o: CommonOpts & { user?: string; password?: string; code?: string; newPassword?: string },
      ) => {
        try {
          const t = await target({ ...o, token: 'none' });
          const anon = new ApiClient(t);
          const user = o.user ?? (await ask('user: '));
          const password = o.password ?? (await ask('password: ', true));
          const attempt = (code?: string) =>
            anon.post<LoginResult>('/v1/auth/login', {
              user,
              password,
              ...(code ? { code } : {}),
            });
          let r: LoginResult;
          try {
            r = await attempt(o.code);
          } catch (err) {
            const code = (err as { body?: { code?: string } }).body?.code;
            if (code !== 'TOTP_REQUIRED' || o.code) throw err;
            r = await attempt(await ask('TOTP code: ', true));
          }
          if (r.mustChangePassword) {
            const next = o.newPassword ?? (await ask('new password: ', true));
            if (!o.newPassword && next !== (await ask('new password again: ', true)))
              throw new Error('the two new passwords differ; nothing changed, sign in again');
            await new ApiClient({ ...t, token: r.token }).post('/v1/me/password', {
              current: password,
              password: next,
            });
          }
          await saveSession(t.fingerprint, {
            token: r.token,
            user,
            apiUrl: t.url,
            savedAt: new Date().toISOString(),
          });
          print(
            { user, expiresAt: r.expiresAt, idleTimeoutSeconds: r.idleTimeoutSeconds },
            !!o.json,
            () =>
              `signed in to ${t.url} as '${user}' (session ends after ${r.idleTimeoutSeconds / 60} minutes idle, at ${r.expiresAt} at the latest)`,
          );
        } catch (err) {
          reportError(err);
        }
      },
    );
}

export function logoutCommand(): Command {
  return withNode(
    new Command('logout').description('sign out and forget the saved session'),
  ).action(async (o: CommonOpts) => {
    try {
      const t = await target(o);
      let ended = false;
      if (t.token.startsWith('fgs_')) {
        await new ApiClient(t)
          .post('/v1/auth/logout')
          .then(() => (ended = true))
          .catch(() => {});
      }
      const forgot = await forgetSession(t.fingerprint);
      print({ signedOut: ended, forgotten: forgot }, !!o.json, () =>
        forgot || ended ? `signed out of ${t.url}` : `no session saved for ${t.url}`,
      );
    } catch (err) {
      reportError(err);
    }
  });
}

export function meCommand(): Command {
  return withNode(
    new Command('me').description('who the CLI calls the node as: user, roles, permissions'),
  ).action((o: CommonOpts) =>
    run(
      o,
      (c) =>
        c.get<{ kind: string; user: UserView | null; roles: string[]; permissions: string[] }>(
          '/v1/me',
        ),
      (r) =>
        [
          r.user ? `user: ${r.user.name}` : `credential: ${r.kind} token (bootstrap)`,
          `roles: ${r.roles.join(', ') || '-'}`,
          `permissions: ${r.permissions.join(', ')}`,
        ].join('\n'),
    ),
  );
}

export function userCommand(): Command {
  const cmd = new Command('user').description(
    "the node's users (security administrator): create, list, disable, reset passwords, roles",
  );
  withNode(cmd.command('create <name>').description('create a user; prints its one-time password'))
    .option('--roles <list>', 'roles, e.g. modeler or data-operator', list, [])
    .option('--datasets <list>', 'restrict the user to these datasets (ids)', list)
    .option('--projects <list>', 'restrict the user to these projects (ids)', list)
    .action(
      (
        name: string,
        o: CommonOpts & { roles: string[]; datasets?: string[]; projects?: string[] },
      ) =>
        run(
          o,
          (c) =>
            c.post<WithOtp>('/v1/users', {
              name,
              roles: o.roles,
              ...(o.datasets || o.projects
                ? {
                    unrestricted: false,
                    scopes: { datasets: o.datasets ?? [], projects: o.projects ?? [] },
                  }
                : {}),
            }),
          otpText,
        ),
    );
  withNode(cmd.command('list').description('list users')).action((o: CommonOpts) =>
    run(
      o,
      (c) => c.get<{ items: UserView[] }>('/v1/users'),
      (r) => userRows(r.items),
    ),
  );
  for (const [verb, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const)
    withNode(
      cmd
        .command(`${verb} <name>`)
        .description(disabled ? 'disable a user (ends its sessions and tokens)' : 'enable a user'),
    ).action((name: string, o: CommonOpts) =>
      run(
        o,
        (c) => c.call<UserView>('PATCH', `/v1/users/${enc(name)}`, { disabled }),
        (u) => userRows([u]),
      ),
    );
  withNode(
    cmd
      .command('reset-password <name>')
      .description('new one-time password; unlocks, removes the second factor, ends sessions'),
  ).action((name: string, o: CommonOpts) =>
    run(o, (c) => c.post<WithOtp>(`/v1/users/${enc(name)}/reset-password`), otpText),
  );
  withNode(
    cmd.command('roles <name> <roles>').description("set a user's roles (comma-separated)"),
  ).action((name: string, roles: string, o: CommonOpts) =>
    run(
      o,
      (c) => c.call<UserView>('PATCH', `/v1/users/${enc(name)}`, { roles: list(roles) }),
      (u) => userRows([u]),
    ),
  );
  return cmd;
}

export function roleCommand(): Command {
  const cmd = new Command('role').description('built-in and custom roles');
  withNode(cmd.command('list').description('list roles and their permissions')).action(
    (o: CommonOpts) =>
      run(
        o,
        (c) => c.get<{ items: RoleDef[] }>('/v1/roles'),
        (r) =>
          table([
            ['name', 'kind', 'permissions'],
            ...r.items.map((x) => [
              x.name,
              x.builtin ? 'built-in' : 'custom',
              x.permissions.join(','),
            ]),
          ]),
      ),
  );
  withNode(
    cmd
      .command('create <name>')
      .description('a custom role from the permission catalogue (one officer’s domain)'),
  )
    .requiredOption('--permissions <list>', 'e.g. job:read,model:read,session:own', list)
    .option('--description <text>', 'what the role is for', '')
    .action((name: string, o: CommonOpts & { permissions: string[]; description: string }) =>
      run(
        o,
        (c) =>
          c.post<RoleDef>('/v1/roles', {
            name,
            description: o.description,
            permissions: o.permissions,
          }),
        (r) => `created role '${r.name}': ${r.permissions.join(', ')}`,
      ),
    );
  return cmd;
}

interface TokenView {
  id: string;
  name: string;
  scopes: string[];
  expiresAt: string;
  lastUsedAt: string | null;
  status: string;
}

export function tokenCommand(): Command {
  const cmd = new Command('token').description('your API tokens for automation (scoped, expiring)');
  withNode(cmd.command('create <name>').description('issue a token; prints it once'))
    .requiredOption('--scopes <list>', 'permissions it holds (a subset of yours)', list)
    .option('--days <n>', 'days until it expires (1–366)', (v) => Number(v), 90)
    .action((name: string, o: CommonOpts & { scopes: string[]; days: number }) =>
      run(
        o,
        (c) =>
          c.post<{ id: string; token: string; expiresAt: string }>('/v1/me/tokens', {
            name,
            scopes: o.scopes,
            expiresInDays: o.days,
          }),
        (r) =>
          `token ${r.id} (expires ${r.expiresAt}; shown once, use with --token or FEDGRID_TOKEN):\n${r.token}`,
      ),
    );
  withNode(cmd.command('list').description('list your tokens')).action((o: CommonOpts) =>
    run(
      o,
      (c) => c.get<{ items: TokenView[] }>('/v1/me/tokens'),
      (r) =>
        table([
          ['id', 'name', 'scopes', 'expires', 'last used', 'status'],
          ...r.items.map((t) => [
            t.id,
            t.name,
            t.scopes.join(','),
            t.expiresAt,
            t.lastUsedAt ?? '-',
            t.status,
          ]),
        ]),
    ),
  );
  withNode(cmd.command('revoke <id>').description('revoke one of your tokens')).action(
    (id: string, o: CommonOpts) =>
      run(
        o,
        (c) => c.call('DELETE', `/v1/me/tokens/${enc(id)}`),
        () => `revoked token ${id}`,
      ),
  );
  return cmd;
}
