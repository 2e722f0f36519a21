/**
 * XML files of records: the root element holds one element per record (any name, or only those
 * named `record`), and each record's columns are its attributes and its child elements' text —
 * `<rows><row id="7"><age>31</age><city>Xi'an</city></row>...</rows>`. The first record's
 * columns, in document order, are the header; a later record may omit a column (a missing value)
 * but not add one. Streamed with saxes (a maintained, conformant SAX parser); a DOCTYPE is
 * refused, so no entity can expand or reach outside the file.
 */
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { z } from 'zod';
import { excerpt } from '../excerpt.js';
import { openHashedFile } from './file-input.js';
import { defineSource, SourceRecordError, type SourceRecord } from './source.js';

/** Longest text of one cell (characters). */
const MAX_CELL = 1 << 20;

export const xmlSource = defineSource({
  kind: 'xml',
  summary: 'XML: one element per record under the root; attributes and child elements are columns',
  schema: z
    .object({
      kind: z.literal('xml'),
      path: z.string().min(1).max(4096).describe('file under the node’s data directories'),
      record: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9._:-]{0,99}$/, 'an XML element name')
        .optional()
        .describe('name of the record elements (default: every child of the root)'),
    })
    .strict(),
  file: true,
  async open(spec, ctx) {
    const input = await openHashedFile(spec.path, ctx);
    const parser = new SaxesParser({ position: true, xmlns: false });
    let header: string[] | undefined;
    let index = new Map<string, number>();
    let depth = 0;
    let cells: string[] | undefined;
    let recordLine = 0;
    let field: { name: string; text: string } | undefined;
    const ready: SourceRecord[] = [];
    const fail = (message: string): never => {
      throw new SourceRecordError(message, parser.line, parser.column + 1);
    };
    /** Columns of the first record, collected before it becomes the header. */
    let first: [string, string][] | undefined;
    const set = (name: string, value: string) => {
      if (first) {
        if (first.some(([n]) => n === name)) fail(`column '${excerpt(name)}' repeats in a record`);
        first.push([name, value]);
        return;
      }
      const i = index.get(name);
      if (i === undefined)
        fail(
          `'${excerpt(name)}' is not a column of the first record (${header?.length ?? 0} columns); every record must use the first one's`,
        );
      (cells as string[])[i as number] = value;
    };
    parser.on('doctype', () =>
      fail('a DOCTYPE is not accepted (entity declarations are refused); remove it'),
    );
    parser.on('opentag', (tag: SaxesTagPlain) => {
      depth++;
      if (depth === 2) {
        if (spec.record !== undefined && tag.name !== spec.record) return;
        recordLine = parser.line;
        if (header) cells = new Array<string>(header.length).fill('');
        else first = [];
        cells ??= [];
        for (const [k, v] of Object.entries(tag.attributes)) set(k, v);
      } else if (depth === 3 && cells) field = { name: tag.name, text: '' };
      else if (depth > 3 && cells)
        fail(`element '${excerpt(tag.name)}' is nested inside a column; columns hold text only`);
    });
    parser.on('text', (t) => {
      if (field && depth === 3) {
        if (field.text.length + t.length > MAX_CELL) fail(`a cell is longer than ${MAX_CELL}`);
        field.text += t;
      }
    });
    parser.on('cdata', (t) => {
      if (field && depth === 3) field.text += t;
    });
    parser.on('closetag', () => {
      if (depth === 3 && field) {
        set(field.name, field.text.trim());
        field = undefined;
      } else if (depth === 2 && cells) {
        if (first) {
          header = first.map(([n]) => n);
          index = new Map(header.map((n, i) => [n, i]));
          ready.push({ cells: header, line: recordLine });
          ready.push({ cells: first.map(([, v]) => v), line: recordLine });
          first = undefined;
        } else ready.push({ cells, line: recordLine });
        cells = undefined;
      }
      depth--;
    });
    parser.on('error', (err) => {
      // saxes prefixes "line:column: "; keep its description, which does not quote content.
      const m = /^(?:[^:]*:)?(\d+):(\d+): (.*)$/s.exec(err.message);
      throw new SourceRecordError(
        `malformed XML: ${excerpt(m ? (m[3] as string) : 'unreadable')}`,
        m ? Number(m[1]) : parser.line,
        m ? Number(m[2]) : parser.column + 1,
      );
    });
    async function* records(): AsyncGenerator<SourceRecord> {
      // The hash sees the bytes; the parser text decoded incrementally (a BOM is dropped).
      const decoder = new TextDecoder('utf-8');
      for await (const chunk of input.stream as AsyncIterable<Buffer>) {
        parser.write(decoder.decode(chunk, { stream: true }));
        yield* ready.splice(0);
      }
      parser.write(decoder.decode());
      parser.close();
      yield* ready.splice(0);
    }
    return { where: input.path, records: records(), digest: input.digest, close: input.close };
  },
});
