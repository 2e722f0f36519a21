/**
 * The byte stream of a file source: read through the node's file policy, hashed (SHA-256) and
 * counted as it is read, so that the digest recorded is of exactly the bytes validated.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { SourceContext } from './source.js';

export interface HashedFile {
  /** The file's real path (symlinks resolved). */
  path: string;
  stream: Readable;
  digest(): { sha256: string; bytes: number };
  close(): Promise<void>;
}

/**
 * Opens `path` through the context's policy and streams it, hashing every chunk.
 * @throws FedGridError DATASET_PATH_NOT_ALLOWED, DATASET_FILE_UNREADABLE
 */
export async function openHashedFile(path: string, ctx: SourceContext): Promise<HashedFile> {
  const { handle, realPath } = await ctx.openFile(path);
  const hash = createHash('sha256');
  let bytes = 0;
  const stream = handle.createReadStream({ highWaterMark: 1 << 20 });
  stream.on('data', (chunk) => {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  });
  let digest: { sha256: string; bytes: number } | undefined;
  return {
    path: realPath,
    stream,
    digest: () => (digest ??= { sha256: hash.digest('hex'), bytes }),
    close: async () => {
      stream.destroy();
      await handle.close().catch(() => undefined);
    },
  };
}
