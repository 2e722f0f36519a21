/**
 * Receiving an uploaded dataset file: streamed to a private temporary file (mode 0600) in the
 * node's data directory, counted against a size limit and hashed (SHA-256) on the way, and kept
 * only if the hash equals the one the sender declared — before anything is parsed or recorded.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FedGridError } from '../errors/errors.js';

export interface ReceivedUpload {
  path: string;
  bytes: number;
  sha256: string;
  /** Removes the temporary file. */
  discard(): Promise<void>;
}

/**
 * Writes `body` to `dir/upload-<uuid>` while counting and hashing it.
 * @param maxBytes largest accepted upload (bytes)
 * @param sha256 the checksum the sender declared (hex)
 * @throws FedGridError UPLOAD_TOO_LARGE (stopped at the limit), CHECKSUM_MISMATCH,
 *   VALIDATION_FAILED (empty body); the temporary file is removed in every case.
 */
export async function receiveUpload(
  body: Readable,
  dir: string,
  opts: { maxBytes: number; sha256: string },
): Promise<ReceivedUpload> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `upload-${randomUUID()}`);
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > opts.maxBytes) {
        done(
          new FedGridError(
            'UPLOAD_TOO_LARGE',
            `the upload is larger than this node accepts (${opts.maxBytes} bytes); register the file from the node's data directory instead, or raise datasets.maxUploadBytes`,
            { maxBytes: opts.maxBytes },
          ),
        );
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const discard = () => rm(path, { force: true });
  // The request stream is piped, not handed to pipeline(): a refused upload must not destroy
  // the request (the error answer still has to reach the sender).
  const written = pipeline(meter, createWriteStream(path, { mode: 0o600, flags: 'wx' }));
  const onError = (err: Error) => meter.destroy(err);
  body.on('error', onError);
  body.pipe(meter);
  try {
    await written;
  } catch (err) {
    body.unpipe(meter);
    // Drain what the sender still sends, so that the error answer reaches it.
    body.resume();
    await discard();
    if (err instanceof FedGridError) throw err;
    throw new FedGridError('BAD_REQUEST', `the upload was interrupted: ${(err as Error).message}`);
  }
  body.off('error', onError);
  const sha256 = hash.digest('hex');
  if (bytes === 0) {
    await discard();
    throw new FedGridError('VALIDATION_FAILED', 'the upload is empty');
  }
  if (sha256 !== opts.sha256.toLowerCase()) {
    await discard();
    throw new FedGridError(
      'CHECKSUM_MISMATCH',
      `the upload's SHA-256 is not the declared one (received ${bytes} bytes); the file was damaged or cut in transit — send it again; nothing was recorded`,
      { bytes, declared: opts.sha256.toLowerCase(), received: sha256 },
    );
  }
  return { path, bytes, sha256, discard };
}
