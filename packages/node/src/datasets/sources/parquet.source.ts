/**
 * Apache Parquet files, read with hyparquet (pure JavaScript, no native or downloaded binary;
 * snappy, gzip, zstd, brotli and lz4 through hyparquet-compressors). The file's top-level
 * columns are the header; rows are decoded one row group at a time, so memory grows with the
 * largest row group, not with the file. Nested (list, map, struct) columns are refused.
 */
import { createHash } from 'node:crypto';
import { parquetMetadataAsync, parquetRead, type AsyncBuffer } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { z } from 'zod';
import { FedGridError } from '../../errors/errors.js';
import { excerpt } from '../excerpt.js';
import { cellText, defineSource, SourceRecordError, type SourceRecord } from './source.js';

export const parquetSource = defineSource({
  kind: 'parquet',
  summary: 'Apache Parquet: flat columns, read one row group at a time',
  schema: z
    .object({
      kind: z.literal('parquet'),
      path: z.string().min(1).max(4096).describe('file under the node’s data directories'),
    })
    .strict(),
  file: true,
  async open(spec, ctx) {
    const { handle, realPath } = await ctx.openFile(spec.path);
    const size = (await handle.stat()).size;
    const file: AsyncBuffer = {
      byteLength: size,
      async slice(start: number, end = size) {
        const buf = Buffer.alloc(Math.max(0, end - start));
        let off = 0;
        while (off < buf.length) {
          const { bytesRead } = await handle.read(buf, off, buf.length - off, start + off);
          if (bytesRead === 0) break;
          off += bytesRead;
        }
        return buf.buffer.slice(buf.byteOffset, buf.byteOffset + off);
      },
    };
    let digest: { sha256: string; bytes: number } | undefined;
    const invalid = (what: string) =>
      new FedGridError(
        'DATASET_SOURCE_INVALID',
        `${realPath}: not a readable Parquet file (${excerpt(what)}); nothing was registered`,
        { file: realPath },
      );
    async function* records(): AsyncGenerator<SourceRecord> {
      let metadata;
      try {
        metadata = await parquetMetadataAsync(file);
      } catch (err) {
        throw invalid((err as Error).message);
      }
      const [root, ...rest] = metadata.schema;
      const names: string[] = [];
      // Top-level children of the root; a child with children is a nested column.
      for (let i = 0, left = root?.num_children ?? 0; left > 0; left--) {
        const el = rest[i];
        if (!el) break;
        if (el.num_children)
          throw new SourceRecordError(
            `column '${excerpt(el.name)}' is nested (list, map or struct); flatten it before registering`,
            1,
            names.length + 1,
          );
        names.push(el.name);
        i++;
      }
      yield { cells: names, line: 1 };
      let rowStart = 0;
      for (const group of metadata.row_groups) {
        const n = Number(group.num_rows);
        let rows: unknown[][] = [];
        try {
          await parquetRead({
            file,
            metadata,
            compressors,
            rowStart,
            rowEnd: rowStart + n,
            onComplete: (r: unknown[][]) => {
              rows = r;
            },
          });
        } catch (err) {
          throw invalid((err as Error).message);
        }
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i] as unknown[];
          const cells = new Array<string>(names.length);
          for (let c = 0; c < names.length; c++) {
            const text = cellText(row[c]);
            if (text === undefined)
              throw new SourceRecordError(
                `value of '${excerpt(names[c] as string)}' is not a scalar (bytes, list or struct)`,
                rowStart + i + 2,
                c + 1,
              );
            cells[c] = text;
          }
          yield { cells, line: rowStart + i + 2 };
        }
        rowStart += n;
      }
      // Parquet is read out of order; the digest is of the whole file, read once more in order.
      const hash = createHash('sha256');
      for await (const chunk of handle.createReadStream({ start: 0, autoClose: false }))
        hash.update(chunk as Buffer);
      digest = { sha256: hash.digest('hex'), bytes: size };
    }
    return {
      where: realPath,
      records: records(),
      digest: () => {
        if (!digest) throw new Error('parquet digest asked before the file was read');
        return digest;
      },
      close: async () => {
        await handle.close().catch(() => undefined);
      },
    };
  },
});
