/**
 * Users and roles (security administrator): list and create users (the one-time password is shown
 * once), set their roles, disable / enable them, reset their password (which also unlocks them
 * and removes their second factor — what the API offers for a lost authenticator); list the
 * built-in and custom roles and create a custom role from the permission catalogue (one officer's
 * domain, checked by the node), delete a custom role no user holds.
 */
import {
  Alert,
  Button,
  Card,
  Checkbox,
  Form,
  Input,
  Modal,
  Select,
  Space,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap, useApi } from '../api';
import { ActionTable, ConfirmButton, FormModal, useAction } from '../components/ActionTable';
import { ErrorAlert } from '../components/QueryView';
import { useCan, useMe, type UserView } from '../me';
import { TAG_TEXT } from '../theme';

interface RoleView {
  name: string;
  description: string;
  permissions: string[];
  builtin: boolean;
}
interface PermissionEntry {
  name: string;
  description: string;
  domain: string | null;
}

export default function Users() {
  const { t } = useTranslation();
  const can = useCan();
  const me = useMe();
  const manageUsers = can('user:manage');
  const manageRoles = can('role:manage');
  const users = useApi(
    () =>
      can('user:read')
        ? unwrap<{ items: UserView[] }>(api.GET('/v1/users'))
        : Promise.resolve({ items: [] }),
    [],
  );
  const roles = useApi(
    () =>
      can('role:read')
        ? unwrap<{ items: RoleView[] }>(api.GET('/v1/roles'))
        : Promise.resolve({ items: [] }),
    [],
  );
  const catalogue = useApi(
    () =>
      can('role:read')
        ? unwrap<{ items: PermissionEntry[] }>(api.GET('/v1/roles/permissions'))
        : Promise.resolve({ items: [] }),
    [],
  );
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<UserView>();
  const [creatingRole, setCreatingRole] = useState(false);
  const [otp, setOtp] = useState<{ name: string; password: string }>();
  const action = useAction(() => {
    setCreating(false);
    setEditing(undefined);
    setCreatingRole(false);
    users.reload();
    roles.reload();
  });
  const { run, error } = action;
  const roleOptions = (roles.data?.items ?? []).map((r) => ({
    value: r.name,
    label: r.name,
    title: r.description,
  }));

  const userTab = (
    <Card
      extra={
        manageUsers ? (
          <Button type="primary" onClick={() => setCreating(true)}>
            {t('users.create')}
          </Button>
        ) : null
      }
    >
      {error && !creating && !editing ? <ErrorAlert error={error} /> : null}
      <ActionTable
        query={users}
        columns={[
          { title: t('common.name'), dataIndex: 'name' },
          {
            title: t('users.roles'),
            render: (_, r) => r.roles.map((x) => <Tag key={x}>{x}</Tag>),
          },
          {
            title: t('common.status'),
            render: (_, r) => (
              <Space size={4} wrap>
                {r.disabled ? (
                  <Tag color="red" style={{ color: TAG_TEXT.red }}>
                    {t('users.disabled')}
                  </Tag>
                ) : null}
                {r.locked ? (
                  <Tag color="orange" style={{ color: TAG_TEXT.orange }}>
                    {t('users.locked')}
                  </Tag>
                ) : null}
                {r.mustChangePassword ? (
                  <Tag color="gold" style={{ color: TAG_TEXT.gold }}>
                    {t('users.mustChange')}
                  </Tag>
                ) : null}
                {!r.disabled && !r.locked ? (
                  <Tag color="green" style={{ color: TAG_TEXT.green }}>
                    {t('users.active')}
                  </Tag>
                ) : null}
              </Space>
            ),
          },
          {
            title: t('users.totp'),
            render: (_, r) => (r.totp ? t('users.yes') : t('users.no')),
          },
          {
            title: t('common.createdAt'),
            render: (_, r) => new Date(r.createdAt).toLocaleString(),
          },
          ...(manageUsers
            ? [
                {
                  title: t('common.actions'),
                  render: (_: unknown, r: UserView) => (
                    <Space wrap>
                      <Button
                        size="small"
                        disabled={r.id === me?.user?.id}
                        onClick={() => setEditing(r)}
                      >
                        {t('users.setRoles')}
                      </Button>
                      <Button
                        size="small"
                        onClick={() =>
                          void run(
                            async () => {
                              await unwrap(
                                api.PATCH('/v1/users/{id}', {
                                  params: { path: { id: r.id } },
                                  body: { disabled: !r.disabled },
                                }),
                              );
                            },
                            r.disabled ? t('users.enabledDone') : t('users.disabledDone'),
                          )
                        }
                      >
                        {r.disabled ? t('users.enable') : t('users.disable')}
                      </Button>
                      <ConfirmButton
                        title={t('users.resetConfirm', { name: r.name })}
                        okText={t('users.reset')}
                        onConfirm={() =>
                          void run(async () => {
                            const a = await unwrap<UserView & { oneTimePassword: string }>(
                              api.POST('/v1/users/{id}/reset-password', {
                                params: { path: { id: r.id } },
                              }),
                            );
                            setOtp({ name: a.name, password: a.oneTimePassword });
                          })
                        }
                      >
                        {t('users.reset')}
                      </ConfirmButton>
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
    </Card>
  );

  const roleTab = (
    <Card
      extra={
        manageRoles ? (
          <Button type="primary" onClick={() => setCreatingRole(true)}>
            {t('users.createRole')}
          </Button>
        ) : null
      }
    >
      <ActionTable
        query={roles}
        rowKey="name"
        pagination={false}
        columns={[
          { title: t('common.name'), dataIndex: 'name' },
          { title: t('users.description'), dataIndex: 'description' },
          {
            title: t('users.permissions'),
            render: (_, x) => (
              <Typography.Text style={{ fontSize: 12 }}>{x.permissions.join(', ')}</Typography.Text>
            ),
          },
          {
            title: t('users.kind'),
            render: (_, x) => (x.builtin ? t('users.builtin') : t('users.custom')),
          },
          ...(manageRoles
            ? [
                {
                  title: t('common.actions'),
                  render: (_: unknown, x: RoleView) =>
                    x.builtin ? null : (
                      <ConfirmButton
                        title={t('users.deleteRoleConfirm', { name: x.name })}
                        okText={t('users.delete')}
                        onConfirm={() =>
                          void run(async () => {
                            await unwrap(
                              api.DELETE('/v1/roles/{id}', {
                                params: { path: { id: x.name } },
                              }),
                            );
                          }, t('users.roleDeleted'))
                        }
                      >
                        {t('users.delete')}
                      </ConfirmButton>
                    ),
                },
              ]
            : []),
        ]}
      />
    </Card>
  );

  return (
    <>
      <Typography.Title level={2}>{t('users.title')}</Typography.Title>
      <Tabs
        items={[
          ...(can('user:read')
            ? [{ key: 'users', label: t('users.users'), children: userTab }]
            : []),
          ...(can('role:read')
            ? [{ key: 'roles', label: t('users.rolesTab'), children: roleTab }]
            : []),
        ]}
      />

      <Modal
        open={otp !== undefined}
        title={t('users.otpTitle')}
        onCancel={() => setOtp(undefined)}
        footer={<Button onClick={() => setOtp(undefined)}>{t('users.close')}</Button>}
      >
        <Alert type="warning" showIcon message={t('users.otpHint', { name: otp?.name ?? '' })} />
        <Typography.Paragraph style={{ marginTop: 16 }}>
          <Typography.Text code copyable>
            {otp?.password}
          </Typography.Text>
        </Typography.Paragraph>
      </Modal>

      <FormModal<{ name: string; roles?: string[] }>
        open={creating}
        title={t('users.create')}
        onCancel={() => setCreating(false)}
        action={action}
        onFinish={(v) =>
          void run(async () => {
            const a = await unwrap<UserView & { oneTimePassword: string }>(
              api.POST('/v1/users', { body: { name: v.name.trim(), roles: v.roles ?? [] } }),
            );
            setOtp({ name: a.name, password: a.oneTimePassword });
          })
        }
      >
        <Form.Item
          name="name"
          label={t('common.name')}
          rules={[{ required: true, whitespace: true }]}
        >
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item name="roles" label={t('users.roles')} extra={t('users.rolesHelp')}>
          <Select mode="multiple" options={roleOptions} />
        </Form.Item>
      </FormModal>

      <FormModal<{ roles?: string[] }>
        open={editing !== undefined}
        title={t('users.setRolesOf', { name: editing?.name ?? '' })}
        onCancel={() => setEditing(undefined)}
        action={action}
        initialValues={{ roles: editing?.roles ?? [] }}
        onFinish={(v) =>
          editing &&
          void run(async () => {
            await unwrap(
              api.PATCH('/v1/users/{id}', {
                params: { path: { id: editing.id } },
                body: { roles: v.roles ?? [] },
              }),
            );
          }, t('common.saved'))
        }
      >
        <Form.Item name="roles" label={t('users.roles')} extra={t('users.rolesHelp')}>
          <Select mode="multiple" options={roleOptions} />
        </Form.Item>
      </FormModal>

      <FormModal<{ name: string; description?: string; permissions?: string[] }>
        open={creatingRole}
        title={t('users.createRole')}
        onCancel={() => setCreatingRole(false)}
        action={action}
        width={720}
        onFinish={(v) =>
          void run(async () => {
            await unwrap(
              api.POST('/v1/roles', {
                body: {
                  name: v.name.trim(),
                  description: v.description?.trim() ?? '',
                  permissions: v.permissions ?? [],
                },
              }),
            );
          }, t('users.roleCreated'))
        }
      >
        <Form.Item
          name="name"
          label={t('common.name')}
          extra={t('users.roleNameHelp')}
          rules={[{ required: true, pattern: /^[a-z][a-z0-9-]{1,39}$/ }]}
        >
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item name="description" label={t('users.description')}>
          <Input />
        </Form.Item>
        <Form.Item
          name="permissions"
          label={t('users.permissions')}
          extra={t('users.permissionsHelp')}
          // A validator, not `required`: antd would put aria-required on the checkbox group's
          // div, which axe reports (the attribute is not allowed there).
          rules={[
            {
              validator: (_, v?: string[]) =>
                v?.length
                  ? Promise.resolve()
                  : Promise.reject(new Error(t('users.permissionsHelp'))),
            },
          ]}
        >
          <Checkbox.Group style={{ display: 'block', maxHeight: 320, overflow: 'auto' }}>
            {['platform', 'security', 'audit', null].map((domain) => {
              const perms = (catalogue.data?.items ?? []).filter((p) => p.domain === domain);
              if (!perms.length) return null;
              return (
                <fieldset key={domain ?? 'none'} style={{ border: 0, padding: 0, marginBottom: 8 }}>
                  <legend style={{ fontWeight: 600, fontSize: 14 }}>
                    {t(`users.domain_${domain ?? 'none'}`)}
                  </legend>
                  {perms.map((p) => (
                    <div key={p.name}>
                      <Checkbox value={p.name}>
                        <code>{p.name}</code> — {p.description}
                      </Checkbox>
                    </div>
                  ))}
                </fieldset>
              );
            })}
          </Checkbox.Group>
        </Form.Item>
      </FormModal>
    </>
  );
}
