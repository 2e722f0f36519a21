/** Table types of the accounts feature (migration 0015). */
import type { ColumnType } from 'kysely';

/** jsonb: read parsed, written as a JSON string. */
type Json<T> = ColumnType<T, string, string>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

/** Dataset and project ids a restricted user may see. */
export interface UserScopes {
  datasets: string[];
  projects: string[];
}

export interface UsersTable {
  id: string;
  name: string;
  /** PHC string of an argon2id hash. */
  password_hash: string;
  must_change_password: ColumnType<boolean, boolean | undefined, boolean>;
  disabled: ColumnType<boolean, boolean | undefined, boolean>;
  /** Base32 TOTP secret once enrolment was confirmed. */
  totp_secret: string | null;
  /** Base32 TOTP secret offered at enrolment, not yet confirmed with a code. */
  totp_pending_secret: string | null;
  /** The last TOTP time step accepted (a code is accepted once). */
  totp_last_step: ColumnType<string | null, number | null | undefined, number | null>;
  failed_logins: ColumnType<number, number | undefined, number>;
  locked_until: Timestamp | null;
  unrestricted: ColumnType<boolean, boolean | undefined, boolean>;
  scopes: ColumnType<UserScopes, string | undefined, string>;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface RolesTable {
  name: string;
  description: string;
  permissions: Json<string[]>;
  created_at: DefaultTimestamp;
}

export interface UserRolesTable {
  user_id: string;
  role: string;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  /** SHA-256 (hex) of the session token. */
  token_hash: string;
  ip: string | null;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  /** SHA-256 (hex) of the API token. */
  token_hash: string;
  scopes: Json<string[]>;
  created_at: Timestamp;
  expires_at: Timestamp;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface AccountTables {
  users: UsersTable;
  roles: RolesTable;
  user_roles: UserRolesTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
}
