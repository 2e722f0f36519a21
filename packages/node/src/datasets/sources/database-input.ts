/**
 * What the database sources share: the digest of the rows they read, the table-or-query choice,
 * and the server messages they pass on — with quoted parts removed, since a server quotes
 * values (`invalid input syntax for type integer: "…"`) and user names, and an error must echo
 * neither data nor credentials.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

/** A table name: `name` or `schema.name`, letters, digits, `_` and `$`. */
export const tableName = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_$]{0,62}(\.[A-Za-z_][A-Za-z0-9_$]{0,62})?$/,
    'a table name: name or schema.name (letters, digits, _ and $)',
  );

/** A read-only query: one SELECT (or WITH … SELECT) statement, run in a read-only transaction. */
export const selectQuery = z
  .string()
  .min(1)
  .max(100_000)
  .refine((q) => /^\s*(select|with|table|values)\b/i.test(q), 'a SELECT query (or WITH … SELECT)');

/** Exactly one of `table` and `query`. */
export function oneOfTableOrQuery(v: { table?: string | undefined; query?: string | undefined }) {
  return (v.table === undefined) !== (v.query === undefined);
}
export const tableOrQueryMessage = 'give either table or query (exactly one)';

/**
 * Where a database source connects: host, port and database name.
 * @param defaultPort the server's usual TCP port
 * @param maxDatabaseName the longest database name the server accepts (characters)
 */
export function serverAddressFields(defaultPort: number, maxDatabaseName: number) {
  return {
    host: z.string().min(1).max(255),
    port: z.number().int().min(1).max(65535).default(defaultPort),
    database: z.string().min(1).max(maxDatabaseName),
  };
}

/** What a database source reads and how it connects: table or query, TLS, connect timeout. */
export const selectionFields = {
  table: tableName.optional(),
  query: selectQuery.optional(),
  ssl: z.boolean().default(false).describe('TLS to the server (certificate verified)'),
  connectTimeoutSeconds: z.number().int().min(1).max(600).default(15),
};

/** The canonical-row digest of a database result (see TableReader.digest). */
export class RowDigest {
  private readonly hash = createHash('sha256');
  private bytes = 0;
  add(cells: readonly string[]): void {
    const line = `${JSON.stringify(cells)}\n`;
    this.hash.update(line);
    this.bytes += Buffer.byteLength(line);
  }
  digest(): { sha256: string; bytes: number } {
    return { sha256: this.hash.copy().digest('hex'), bytes: this.bytes };
  }
}

/**
 * A database server's message fit to show: quoted parts replaced by "…", control characters
 * dropped, at most 200 characters.
 */
export function serverMessage(message: string): string {
  const s = message
    .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, '"…"')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  return s.length > 200 ? `${s.slice(0, 199)}…` : s;
}

/** Network failures: the server cannot be reached (as opposed to refusing the login). */
export const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'EPIPE',
]);
