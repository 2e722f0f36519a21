/** Names of the PostgreSQL schemas that hold nodes' tables. */
import { FedGridError } from '../errors/errors.js';

/** A PostgreSQL schema name FedGrid accepts: lower-case, digits and `_`, at most 63 characters. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** @throws FedGridError VALIDATION_FAILED naming the schema and the rule. */
export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema))
    throw new FedGridError(
      'VALIDATION_FAILED',
      `database schema '${schema}': use 1–63 characters of a–z, 0–9 and '_', not starting with a digit`,
      { field: 'storage.databaseSchema' },
    );
  return schema;
}
