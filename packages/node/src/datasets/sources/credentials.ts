/**
 * Database passwords for dataset sources, kept out of every file the node writes and out of the
 * dataset's record: a source spec names where the password is, never the password. Two places:
 *
 * - `passwordEnv`: an environment variable of the node process whose name starts with
 *   `FEDGRID_SOURCE_` — only those, so that a registration cannot send the node's other secrets
 *   (an admin token in the environment) to a database server it names;
 * - `passwordFile`: a file under the node's data directories (not one of the node's own files),
 *   owned by the node's user and readable by it alone (mode 0600 or 0400); a file the group or
 *   others can read is refused, as ssh does with a private key.
 */
import { z } from 'zod';
import { FedGridError } from '../../errors/errors.js';
import type { SourceContext } from './source.js';

/** The fields a database source spec uses for its login (no password field exists). */
export const loginFields = {
  user: z.string().min(1).max(128),
  passwordEnv: z
    .string()
    .regex(
      /^FEDGRID_SOURCE_[A-Z0-9_]{1,100}$/,
      'an environment variable named FEDGRID_SOURCE_… (upper case, digits, _)',
    )
    .optional()
    .describe('environment variable of the node holding the password'),
  passwordFile: z
    .string()
    .min(1)
    .max(4096)
    .optional()
    .describe('file (mode 0600, under the node’s data directories) holding the password'),
};

/** Longest password file read (bytes). */
const MAX_SECRET = 4096;

/**
 * The password a spec refers to: undefined when it names none (trust or peer authentication).
 * A trailing line break in a file is dropped.
 * @throws FedGridError VALIDATION_FAILED (both places given), DATASET_SOURCE_SECRET (variable
 *   unset, file unreadable, not private or not the node's), DATASET_PATH_NOT_ALLOWED.
 */
export async function resolvePassword(
  spec: { passwordEnv?: string | undefined; passwordFile?: string | undefined },
  ctx: SourceContext,
): Promise<string | undefined> {
  if (spec.passwordEnv !== undefined && spec.passwordFile !== undefined)
    throw new FedGridError('VALIDATION_FAILED', 'give passwordEnv or passwordFile, not both');
  if (spec.passwordEnv !== undefined) {
    const v = ctx.env[spec.passwordEnv];
    if (v === undefined)
      throw new FedGridError(
        'DATASET_SOURCE_SECRET',
        `environment variable ${spec.passwordEnv} is not set in the node's environment; set it where the node starts and restart the node`,
        { passwordEnv: spec.passwordEnv },
      );
    return v;
  }
  if (spec.passwordFile === undefined) return undefined;
  const { handle, realPath } = await ctx.openFile(spec.passwordFile);
  try {
    const st = await handle.stat();
    if ((st.mode & 0o077) !== 0)
      throw new FedGridError(
        'DATASET_SOURCE_SECRET',
        `password file ${realPath} can be read by its group or others (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 on it`,
        { file: realPath },
      );
    if (typeof process.getuid === 'function' && st.uid !== process.getuid())
      throw new FedGridError(
        'DATASET_SOURCE_SECRET',
        `password file ${realPath} is not owned by the node's user; chown it to the user the node runs as`,
        { file: realPath },
      );
    if (st.size > MAX_SECRET)
      throw new FedGridError(
        'DATASET_SOURCE_SECRET',
        `password file ${realPath} is larger than ${MAX_SECRET} bytes; it should hold the password alone`,
        { file: realPath },
      );
    return (await handle.readFile('utf8')).replace(/\r?\n$/, '');
  } finally {
    await handle.close();
  }
}
