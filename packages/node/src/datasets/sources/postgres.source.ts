/**
 * A PostgreSQL table or query, read with node-postgres through a server-side cursor (pg-cursor,
 * 5 000 rows per fetch: memory does not grow with the table) inside a READ ONLY transaction, so
 * that a registered query cannot change the database. Cells are the server's text output (no
 * client-side conversion); booleans read as true/false; NULL is a missing value.
 */
import pg from 'pg';
import Cursor from 'pg-cursor';
import { z } from 'zod';
import { FedGridError } from '../../errors/errors.js';
import { excerpt } from '../excerpt.js';
import { loginFields, resolvePassword } from './credentials.js';
import {
  NETWORK_CODES,
  oneOfTableOrQuery,
  RowDigest,
  selectionFields,
  serverAddressFields,
  serverMessage,
  tableOrQueryMessage,
} from './database-input.js';
import { defineSource, SourceRecordError, type SourceRecord } from './source.js';

const FETCH_ROWS = 5000;
const BOOL_OID = 16;

/** Every value as the server's text, booleans as true/false. */
const textTypes = {
  getTypeParser: (oid: number) =>
    oid === BOOL_OID ? (v: string) => (v === 't' ? 'true' : 'false') : (v: string) => v,
};

const quoteIdent = (name: string) =>
  name
    .split('.')
    .map((p) => `"${p.replace(/"/g, '""')}"`)
    .join('.');

export const postgresSource = defineSource({
  kind: 'postgres',
  summary: 'a PostgreSQL table or read-only query (node-postgres, server-side cursor)',
  schema: z
    .object({
      kind: z.literal('postgres'),
      ...serverAddressFields(5432, 128),
      ...loginFields,
      ...selectionFields,
    })
    .strict()
    .refine(oneOfTableOrQuery, tableOrQueryMessage),
  file: false,
  async open(spec, ctx) {
    const password = await resolvePassword(spec, ctx);
    const where = `postgres ${spec.host}:${spec.port}/${spec.database} ${spec.table ? `table ${spec.table}` : 'query'}`;
    const client = new pg.Client({
      host: spec.host,
      port: spec.port,
      database: spec.database,
      user: spec.user,
      // A function: pg never sees an empty string as "no password" and the value is asked once.
      ...(password !== undefined ? { password } : {}),
      ssl: spec.ssl ? { rejectUnauthorized: true } : false,
      connectionTimeoutMillis: spec.connectTimeoutSeconds * 1000,
      application_name: 'fedgrid-dataset-source',
    });
    // A connection dropped later surfaces through the query; never as an unhandled 'error'.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      throw connectError(err as Error & { code?: string }, spec, where);
    }
    const digest = new RowDigest();
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await client.end().catch(() => undefined);
    };
    async function* records(): AsyncGenerator<SourceRecord> {
      const sql = spec.table ? `SELECT * FROM ${quoteIdent(spec.table)}` : (spec.query as string);
      let cursor: Cursor<unknown[]>;
      try {
        await client.query('BEGIN TRANSACTION READ ONLY');
        cursor = client.query(
          new Cursor<unknown[]>(sql, [], { rowMode: 'array', types: textTypes }),
        );
      } catch (err) {
        throw queryError(err as Error & { code?: string }, where);
      }
      let line = 1;
      let header: string[] | undefined;
      for (;;) {
        const { rows, fields } = await new Promise<{ rows: unknown[][]; fields: pg.FieldDef[] }>(
          (resolve, reject) =>
            cursor.read(FETCH_ROWS, (err, rows, result) =>
              err
                ? reject(queryError(err as Error & { code?: string }, where))
                : resolve({ rows, fields: result.fields }),
            ),
        );
        if (!header) {
          header = fields.map((f) => f.name);
          digest.add(header);
          yield { cells: header, line: 1 };
        }
        for (const row of rows) {
          line++;
          const cells = row.map((v, c) => {
            if (v === null) return '';
            if (typeof v !== 'string')
              throw new SourceRecordError(
                `value of '${excerpt((header as string[])[c] as string)}' cannot be read as text`,
                line,
                c + 1,
              );
            return v;
          });
          digest.add(cells);
          yield { cells, line };
        }
        if (rows.length < FETCH_ROWS) break;
      }
      await cursor.close().catch(() => undefined);
      await client.query('ROLLBACK').catch(() => undefined);
    }
    return { where, records: records(), digest: () => digest.digest(), close };
  },
});

function connectError(
  err: Error & { code?: string },
  spec: { host: string; port: number; database: string; user: string },
  where: string,
): FedGridError {
  const code = err.code ?? '';
  // 28P01 wrong password, 28000 no such role / not allowed, 3D000 no such database: one answer,
  // so that the error does not tell which users exist.
  if (code === '28P01' || code === '28000' || code === '3D000')
    return new FedGridError(
      'DATASET_SOURCE_AUTH_FAILED',
      `${where}: the server refused the login (user, password or database wrong; SQLSTATE ${code}); check the user and the password variable or file — nothing was registered`,
      {
        source: 'postgres',
        host: spec.host,
        port: spec.port,
        database: spec.database,
        sqlstate: code,
      },
    );
  const network = NETWORK_CODES.has(code) || /timeout|terminated/i.test(err.message);
  if (network)
    return new FedGridError(
      'DATASET_SOURCE_UNREACHABLE',
      `${where}: cannot reach the server (${code || 'timeout'}); check host, port and that PostgreSQL listens there — nothing was registered`,
      { source: 'postgres', host: spec.host, port: spec.port },
    );
  return new FedGridError(
    'DATASET_SOURCE_UNREACHABLE',
    `${where}: cannot connect: ${serverMessage(err.message)} — nothing was registered`,
    { source: 'postgres', host: spec.host, port: spec.port, ...(code ? { sqlstate: code } : {}) },
  );
}

function queryError(err: Error & { code?: string }, where: string): FedGridError {
  if (err instanceof FedGridError) return err;
  const code = err.code ?? '';
  if (NETWORK_CODES.has(code))
    return new FedGridError(
      'DATASET_SOURCE_UNREACHABLE',
      `${where}: the connection was lost while reading (${code}); nothing was registered`,
      { source: 'postgres' },
    );
  return new FedGridError(
    'DATASET_SOURCE_QUERY_FAILED',
    `${where} failed on the server${code ? ` (SQLSTATE ${code})` : ''}: ${serverMessage(err.message)}; fix the table name or query — nothing was registered`,
    { source: 'postgres', ...(code ? { sqlstate: code } : {}) },
  );
}
