/**
 * Model names and version references (issue 12 item 1; standard 000 §7.6 model management:
 * versions). A named model is a sequence of versions, one per training output: `credit@1`,
 * `credit@2`, … A reference `name@version` names one version; `name@latest` and a bare `name`
 * name the newest.
 */
import { z } from 'zod';
import { FedGridError } from '../errors/errors.js';

/** Longest model name, in characters. */
export const MODEL_NAME_MAX = 128;

/** Characters a name may not hold: `@` separates the version, the rest break URLs and paths. */
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[@/\\?#%\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const FORBIDDEN_ALL = /[@/\\?#%\u0000-\u001f\u007f]/g;

const NAME_RULE = `1 to ${MODEL_NAME_MAX} characters, none of @ / \\ ? # % or control characters (name@version names a version)`;

/** A model name as users give it (trimmed). */
export const modelNameSchema = z
  .string()
  .trim()
  .min(1, `model names are ${NAME_RULE}`)
  .max(MODEL_NAME_MAX, `model names are ${NAME_RULE}`)
  .refine((n) => !FORBIDDEN.test(n), { message: `model names are ${NAME_RULE}` });

/**
 * The name a training output gets when nobody named it: `<job name>.<task>` (the job id when the
 * job has no name), with characters a name may not hold replaced by `-`. Every party computes the
 * same name from the same job spec, so a rerun of the job, or another job under the same name,
 * adds a version to the same model on every party.
 */
export function defaultModelName(jobName: string | null | undefined, jobId: string, task: string) {
  const label = (jobName ?? '').trim() || jobId;
  const clean = label.replace(FORBIDDEN_ALL, '-').replace(/\s+/g, '-');
  return `${clean.slice(0, Math.max(1, MODEL_NAME_MAX - task.length - 1))}.${task}`;
}

/** A parsed reference: a name and a version number, or the newest version. */
export interface VersionRef {
  name: string;
  version: number | 'latest';
}

/**
 * Parses `name@version`, `name@latest` or (unless `requireVersion`) a bare `name`.
 * @param field the request field the reference came from, named in the error
 * @throws FedGridError VALIDATION_FAILED naming `field` when the name or the version is malformed
 */
export function parseVersionRef(
  ref: string,
  field: string,
  opts: { requireVersion?: boolean } = {},
): VersionRef {
  const at = ref.lastIndexOf('@');
  const name = (at < 0 ? ref : ref.slice(0, at)).trim();
  const v = at < 0 ? 'latest' : ref.slice(at + 1).trim();
  const bad = (why: string) =>
    new FedGridError(
      'VALIDATION_FAILED',
      `invalid ${field} '${ref.slice(0, 300)}': ${why}; write NAME@VERSION (e.g. credit@2) or NAME@latest`,
      { issues: [{ field, message: why }] },
    );
  if (at < 0 && opts.requireVersion) throw bad('no @VERSION');
  const parsed = modelNameSchema.safeParse(name);
  if (!parsed.success) throw bad(parsed.error.issues[0]?.message ?? 'bad model name');
  if (v === 'latest') return { name: parsed.data, version: 'latest' };
  if (!/^[1-9][0-9]{0,8}$/.test(v)) throw bad(`version '${v}' is not a positive whole number`);
  return { name: parsed.data, version: Number(v) };
}

/** `name@version`. */
export function formatVersionRef(name: string, version: number): string {
  return `${name}@${version}`;
}
