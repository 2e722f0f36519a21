/**
 * Delimited text files: `csv` (comma), `tsv` (tab) and `text` (a delimiter of your choice, e.g.
 * `|` or `;`). RFC 4180 quoting; a UTF-8 byte-order mark is ignored; blank lines are skipped;
 * cells are trimmed. Streamed with csv-parse: memory does not grow with the file.
 */
import { parse, type Info } from 'csv-parse';
import { z } from 'zod';
import { excerpt } from '../excerpt.js';
import { openHashedFile } from './file-input.js';
import {
  defineSource,
  SourceRecordError,
  type SourceContext,
  type SourceRecord,
  type TableReader,
} from './source.js';

/** csv-parse error codes, described without quoting the file. */
const PARSE_ERRORS: Record<string, string> = {
  CSV_INVALID_CLOSING_QUOTE:
    'a character follows a closing quote (expected a delimiter or the end of the line)',
  INVALID_OPENING_QUOTE: 'a quote opens in the middle of an unquoted field',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'a character follows a closing quote',
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed',
  CSV_MAX_RECORD_SIZE: 'a row is too long',
  CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: 'rows have different numbers of fields',
  CSV_INVALID_ARGUMENT: 'the file cannot be parsed as CSV',
};

const path = z.string().min(1).max(4096).describe('file under the node’s data directories');

async function openDelimited(
  file: string,
  delimiter: string,
  ctx: SourceContext,
): Promise<TableReader> {
  const input = await openHashedFile(file, ctx);
  const parser = input.stream.pipe(
    parse({
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
      trim: true,
      delimiter,
      // Longest row accepted (characters): a file without line breaks must not fill memory.
      max_record_size: 16 << 20,
    }),
  );
  async function* records(): AsyncGenerator<SourceRecord> {
    let lastLine = 0;
    try {
      for await (const { record, info } of parser as AsyncIterable<{
        record: string[];
        info: Info;
      }>) {
        lastLine = info.lines;
        yield { cells: record, line: info.lines };
      }
    } catch (err) {
      const e = err as Error & { lines?: number; code?: string };
      if (e.code === 'CSV_QUOTE_NOT_CLOSED')
        // csv-parse reports where it gave up (the end of the file); the quote opened on the line
        // after the last complete record.
        throw new SourceRecordError(
          'a quoted field opened on this line is never closed (unterminated quote)',
          lastLine + 1,
        );
      if (e instanceof SourceRecordError) throw e;
      // csv-parse's own messages quote the offending field; name the kind of problem instead.
      throw new SourceRecordError(
        `malformed CSV: ${PARSE_ERRORS[e.code ?? ''] ?? `unreadable CSV (${excerpt(e.code ?? 'unknown error')})`}`,
        e.lines ?? lastLine + 1,
      );
    }
  }
  return {
    where: input.path,
    records: records(),
    digest: input.digest,
    close: input.close,
  };
}

export const csvSource = defineSource({
  kind: 'csv',
  summary: 'comma-separated text with a header line (RFC 4180 quoting)',
  schema: z.object({ kind: z.literal('csv'), path }).strict(),
  file: true,
  open: (spec, ctx) => openDelimited(spec.path, ',', ctx),
});

export const tsvSource = defineSource({
  kind: 'tsv',
  summary: 'tab-separated text with a header line',
  schema: z.object({ kind: z.literal('tsv'), path }).strict(),
  file: true,
  open: (spec, ctx) => openDelimited(spec.path, '\t', ctx),
});

export const textSource = defineSource({
  kind: 'text',
  summary: 'delimited text with a header line and a delimiter of your choice (| ; : or another)',
  schema: z
    .object({
      kind: z.literal('text'),
      path,
      delimiter: z
        .string()
        .min(1)
        .max(4)
        .refine((d) => !/["\r\n]/.test(d), 'a delimiter cannot contain a quote or a line break'),
    })
    .strict(),
  file: true,
  open: (spec, ctx) => openDelimited(spec.path, spec.delimiter, ctx),
});
