/**
 * JSON Lines (https://jsonlines.org/): one JSON object per line, its keys the columns. The
 * first object's keys (in their order) are the header; a later object may omit a key (a missing
 * value) but not add one. Values must be scalars (string, number, boolean, null). Streamed line
 * by line.
 */
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { excerpt } from '../excerpt.js';
import { openHashedFile } from './file-input.js';
import { cellText, defineSource, SourceRecordError, type SourceRecord } from './source.js';

/** Longest line read (characters): a file without line breaks must not fill memory. */
const MAX_LINE = 16 << 20;

export const jsonlSource = defineSource({
  kind: 'jsonl',
  summary: 'JSON Lines: one JSON object per line, keys are columns',
  schema: z
    .object({
      kind: z.literal('jsonl'),
      path: z.string().min(1).max(4096).describe('file under the node’s data directories'),
    })
    .strict(),
  file: true,
  async open(spec, ctx) {
    const input = await openHashedFile(spec.path, ctx);
    const lines = createInterface({ input: input.stream, crlfDelay: Infinity });
    async function* records(): AsyncGenerator<SourceRecord> {
      let header: string[] | undefined;
      let index = new Map<string, number>();
      let line = 0;
      for await (const text of lines) {
        line++;
        if (text.length > MAX_LINE)
          throw new SourceRecordError(`the line is longer than ${MAX_LINE} characters`, line);
        const trimmed = line === 1 ? text.replace(/^\ufeff/, '').trim() : text.trim();
        if (trimmed === '') continue;
        let obj: unknown;
        try {
          obj = JSON.parse(trimmed);
        } catch (err) {
          // V8 says "at position N" (0-based) for most syntax errors: turn it into a column.
          const pos = /position (\d+)/.exec((err as Error).message);
          throw new SourceRecordError(
            'not valid JSON (expected one object per line)',
            line,
            pos ? Number(pos[1]) + 1 : undefined,
          );
        }
        if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
          throw new SourceRecordError('expected a JSON object ({"column": value, ...})', line);
        const entries = Object.entries(obj as Record<string, unknown>);
        if (!header) {
          header = entries.map(([k]) => k);
          index = new Map(header.map((k, i) => [k, i]));
          yield { cells: header, line };
        }
        const cells = new Array<string>(header.length).fill('');
        for (const [k, v] of entries) {
          const i = index.get(k);
          if (i === undefined)
            throw new SourceRecordError(
              `key '${excerpt(k)}' is not a column of the first object (${header.length} keys); every object must use the first one's keys`,
              line,
            );
          const text = cellText(v);
          if (text === undefined)
            throw new SourceRecordError(
              `value of '${excerpt(k)}' is an object or array; only strings, numbers, booleans and null are read`,
              line,
              i + 1,
            );
          cells[i] = text;
        }
        yield { cells, line };
      }
    }
    return {
      where: input.path,
      records: records(),
      digest: input.digest,
      close: async () => {
        lines.close();
        await input.close();
      },
    };
  },
});
