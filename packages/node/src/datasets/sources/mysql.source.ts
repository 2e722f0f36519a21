/**
 * A MySQL or MariaDB table or query, read with mysql2 as a stream (back-pressure: memory does not
 * grow with the table) inside a READ ONLY transaction. Dates, decimals and big integers are read
 * as the server's text (dateStrings, bigNumberStrings); NULL is a missing value; binary columns
 * are refused at their row and column.
 */
import mysql, { type Connection, type FieldPacket } from 'mysql2';
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
import { cellText, defineSource, SourceRecordError, type SourceRecord } from './source.js';

const quoteIdent = (name: string) =>
  name
    .split('.')
    .map((p) => `\`${p.replace(/`/g, '``')}\``)
    .join('.');

/** Login refused: wrong user or password, or no access to the database (same answer for all). */
const AUTH_ERRORS = new Set([
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
  'ER_NOT_SUPPORTED_AUTH_MODE',
  'ER_ACCESS_DENIED_NO_PASSWORD_ERROR',
]);

export const mysqlSource = defineSource({
  kind: 'mysql',
  summary: 'a MySQL or MariaDB table or read-only query (mysql2, streamed)',
  schema: z
    .object({
      kind: z.literal('mysql'),
      ...serverAddressFields(3306, 64),
      ...loginFields,
      ...selectionFields,
    })
    .strict()
    .refine(oneOfTableOrQuery, tableOrQueryMessage),
  file: false,
  async open(spec, ctx) {
    const password = await resolvePassword(spec, ctx);
    const where = `mysql ${spec.host}:${spec.port}/${spec.database} ${spec.table ? `table ${spec.table}` : 'query'}`;
    const details = { source: 'mysql', host: spec.host, port: spec.port, database: spec.database };
    const conn: Connection = mysql.createConnection({
      host: spec.host,
      port: spec.port,
      user: spec.user,
      ...(password !== undefined ? { password } : {}),
      database: spec.database,
      connectTimeout: spec.connectTimeoutSeconds * 1000,
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      multipleStatements: false,
      ...(spec.ssl ? { ssl: { rejectUnauthorized: true } } : {}),
    });
    // Late connection errors surface through the stream; never as an unhandled 'error'.
    conn.on('error', () => undefined);
    const run = (sql: string) =>
      new Promise<void>((resolve, reject) =>
        conn.query(sql, (err) => (err ? reject(err) : resolve())),
      );
    try {
      await new Promise<void>((resolve, reject) =>
        conn.connect((err) => (err ? reject(err) : resolve())),
      );
    } catch (err) {
      conn.destroy();
      const e = err as Error & { code?: string };
      const code = e.code ?? '';
      if (AUTH_ERRORS.has(code))
        throw new FedGridError(
          'DATASET_SOURCE_AUTH_FAILED',
          `${where}: the server refused the login (user, password or database wrong; ${code}); check the user and the password variable or file — nothing was registered`,
          { ...details, errno: code },
        );
      throw new FedGridError(
        'DATASET_SOURCE_UNREACHABLE',
        `${where}: cannot reach the server (${NETWORK_CODES.has(code) ? code : serverMessage(e.message)}); check host, port and that the server listens there — nothing was registered`,
        details,
      );
    }
    const digest = new RowDigest();
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => conn.end(() => resolve()));
      conn.destroy();
    };
    const failed = (err: Error & { code?: string }) =>
      NETWORK_CODES.has(err.code ?? '') || err.code === 'PROTOCOL_CONNECTION_LOST'
        ? new FedGridError(
            'DATASET_SOURCE_UNREACHABLE',
            `${where}: the connection was lost while reading; nothing was registered`,
            details,
          )
        : new FedGridError(
            'DATASET_SOURCE_QUERY_FAILED',
            `${where} failed on the server${err.code ? ` (${err.code})` : ''}: ${serverMessage(err.message)}; fix the table name or query — nothing was registered`,
            { ...details, ...(err.code ? { errno: err.code } : {}) },
          );
    async function* records(): AsyncGenerator<SourceRecord> {
      const sql = spec.table ? `SELECT * FROM ${quoteIdent(spec.table)}` : (spec.query as string);
      try {
        await run('START TRANSACTION READ ONLY');
      } catch (err) {
        throw failed(err as Error);
      }
      const query = conn.query({ sql, rowsAsArray: true });
      let header: string[] | undefined;
      query.on('fields', (fields: FieldPacket[]) => {
        header = fields.map((f) => f.name);
      });
      const rows = query.stream({ highWaterMark: 1000 });
      let line = 1;
      try {
        for await (const row of rows as AsyncIterable<unknown[]>) {
          if (!header) throw new Error('rows before the column list');
          if (line === 1) {
            digest.add(header);
            yield { cells: header, line: 1 };
          }
          line++;
          const cells = row.map((v, c) => {
            const text = cellText(v);
            if (text === undefined)
              throw new SourceRecordError(
                `value of '${excerpt((header as string[])[c] as string)}' is binary or structured; cast it to text in the query`,
                line,
                c + 1,
              );
            return text;
          });
          digest.add(cells);
          yield { cells, line };
        }
      } catch (err) {
        if (err instanceof SourceRecordError || err instanceof FedGridError) throw err;
        throw failed(err as Error & { code?: string });
      } finally {
        rows.destroy();
      }
      if (line === 1 && header) {
        // An empty result: the header alone.
        digest.add(header);
        yield { cells: header, line: 1 };
      }
      await run('ROLLBACK').catch(() => undefined);
    }
    return { where, records: records(), digest: () => digest.digest(), close };
  },
});
