/**
 * FedGrid's error catalogue: every error a node returns has a stable code, an HTTP status, a
 * message saying what is wrong and how to fix it, and optional details (file, line, column,
 * field, peer, fingerprint, ...). The REST API always answers errors as {code, message, details}.
 */

export const ERROR_CODES = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  CSV_INVALID: 400,
  DATASET_FILE_UNREADABLE: 400,
  /** A dataset source's content cannot be read (JSON, XML, Parquet syntax), with line/column. */
  DATASET_SOURCE_INVALID: 400,
  /** A database source: the server did not answer (host, port, network). */
  DATASET_SOURCE_UNREACHABLE: 502,
  /** A database source refused the user or password (neither is echoed). */
  DATASET_SOURCE_AUTH_FAILED: 400,
  /** A database source: the table or query failed on the server. */
  DATASET_SOURCE_QUERY_FAILED: 400,
  /** A source's credential reference is unusable (unset variable, secret file readable by others). */
  DATASET_SOURCE_SECRET: 400,
  /** The dataset is disabled: it takes no new jobs until it is enabled again. */
  DATASET_DISABLED: 409,
  /** An upload is larger than the node accepts. */
  UPLOAD_TOO_LARGE: 413,
  /** An upload's content does not match the checksum its sender declared. */
  CHECKSUM_MISMATCH: 400,
  UNAUTHORIZED: 401,
  /** Sign-in: the user has a second factor enrolled and no (or a wrong) code was given. */
  TOTP_REQUIRED: 401,
  /** The session ended: idle too long, past its maximum age, signed out or revoked. */
  SESSION_EXPIRED: 401,
  /** The user must change its (one-time) password before anything else. */
  PASSWORD_CHANGE_REQUIRED: 403,
  /** Too many failed sign-ins: the account is locked for a while. */
  ACCOUNT_LOCKED: 423,
  /** A new password does not meet the policy. */
  PASSWORD_POLICY: 400,
  PEER_NOT_PINNED: 403,
  CERTIFICATE_MISMATCH: 403,
  /** The partner speaks no crypto suite this node accepts (a `gm` node and an international-only one). */
  SUITE_MISMATCH: 403,
  /** A `gm` request or answer failed its SM2 signature / SM4 authentication / ordering check. */
  GM_PROTECTION_FAILED: 403,
  FORBIDDEN: 403,
  GRANT_MISSING: 403,
  GRANT_EXPIRED: 403,
  GRANT_REVOKED: 403,
  GRANT_USED_UP: 403,
  DATASET_NOT_PUBLIC: 403,
  DATASET_PATH_NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  CONTRACT_STATE: 409,
  CONTRACT_EXISTS: 409,
  JOB_STATE: 409,
  /** The node directory or its PostgreSQL schema is in use by another node process. */
  NODE_LOCKED: 409,
  /** At start: the node's store is gone (recreated empty); `--reinitialise` accepts that. */
  STORE_MISSING: 409,
  /** At start: the configured store is another node's (or another store). */
  STORE_MISMATCH: 409,
  /** Restore: the target node directory or store holds a node already (`--force` replaces it). */
  TARGET_NOT_EMPTY: 409,
  /** Restore: the backup file is truncated, altered or not a FedGrid backup. */
  BACKUP_CORRUPT: 422,
  /** Restore: the backup's format or schema version is not this FedGrid's. */
  BACKUP_UNSUPPORTED: 422,
  LIMIT_EXCEEDED: 429,
  RATE_LIMITED: 429,
  PROPOSALS_LIMIT: 429,
  PEER_UNREACHABLE: 502,
  PEER_REFUSED: 502,
  /** Online prediction: a host of the deployment did not answer in time or refused. */
  SERVING_HOST_FAILED: 504,
  INTERNAL: 500,
  AUDIT_WRITE_FAILED: 500,
  /** The node's storage cannot be written (data directory gone or replaced, I/O error). */
  STORAGE_UNAVAILABLE: 503,
  /** No space (or quota) left on the node's disk; nothing was recorded. */
  STORAGE_FULL: 507,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The wire form of an error. */
export interface ErrorBody {
  code: ErrorCode | string;
  message: string;
  details?: Record<string, unknown>;
}

export class FedGridError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'FedGridError';
    this.status = ERROR_CODES[code];
  }

  toJSON(): ErrorBody {
    return {
      code: this.code,
      message: this.message,
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/** Shorthand constructors for the common cases. */
export const errors = {
  notFound: (what: string, id: string) =>
    new FedGridError('NOT_FOUND', `${what} '${id}' does not exist`, { [what]: id }),
  validation: (message: string, details?: Record<string, unknown>) =>
    new FedGridError('VALIDATION_FAILED', message, details),
  conflict: (message: string, details?: Record<string, unknown>) =>
    new FedGridError('CONFLICT', message, details),
};
