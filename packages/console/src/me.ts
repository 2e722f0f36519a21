/**
 * Who is signed in (`GET /v1/me`): user, roles, permissions and the menu the node derives from
 * them (packages/node/src/accounts/roles.ts). The layout loads it once per sign-in and shares it
 * with the pages through a React context; pages hide actions the caller may not take.
 */
import { createContext, useContext } from 'react';

/** A menu entry as the node lists it (its `path` is the node's name for the area). */
export interface MenuEntry {
  key: string;
  title: string;
  path: string;
  permission: string;
}

export interface UserView {
  id: string;
  name: string;
  roles: string[];
  disabled: boolean;
  mustChangePassword: boolean;
  totp: boolean;
  locked: boolean;
  unrestricted: boolean;
  scopes: { datasets: string[]; projects: string[] };
  createdAt: string;
}

export interface MeView {
  /** `admin` (the admin token) or `user` (a session, or an API token: then `tokenId` is set). */
  kind: string;
  user: UserView | null;
  roles: string[];
  permissions: string[];
  menu: MenuEntry[];
  tokenId?: string;
}

export const MeContext = createContext<MeView | undefined>(undefined);

/** The signed-in caller (undefined only while it loads). */
export function useMe(): MeView | undefined {
  return useContext(MeContext);
}

/** Whether the signed-in caller holds `permission`. */
export function useCan(): (permission: string) => boolean {
  const me = useMe();
  return (p) => me?.permissions.includes(p) ?? false;
}
