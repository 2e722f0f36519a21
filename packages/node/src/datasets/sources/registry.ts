/**
 * Every dataset source kind, discovered: each `*.source.js` file beside this one exports one or
 * more {@link SourceKind}s, so that a new kind (Hive, HBase, Oracle...) is a new file and nothing
 * else (docs/objects/dataset-sources.md).
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { SourceKind } from './source.js';

function isSourceKind(v: unknown): v is SourceKind {
  const k = v as Partial<SourceKind> | null;
  return (
    typeof k === 'object' &&
    k !== null &&
    typeof k.kind === 'string' &&
    typeof k.open === 'function' &&
    typeof k.schema === 'object'
  );
}

async function discover(): Promise<SourceKind[]> {
  const here = dirname(fileURLToPath(import.meta.url));
  const suffix = import.meta.url.endsWith('.ts') ? '.source.ts' : '.source.js';
  const found = new Map<string, SourceKind>();
  for (const file of readdirSync(here)
    .filter((f) => f.endsWith(suffix))
    .sort()) {
    const mod = (await import(pathToFileURL(join(here, file)).href)) as Record<string, unknown>;
    for (const v of Object.values(mod)) {
      if (!isSourceKind(v)) continue;
      if (found.has(v.kind) && found.get(v.kind) !== v)
        throw new Error(
          `two dataset source files declare the kind '${v.kind}' (stale build output? remove packages/node/dist and run tsc -b)`,
        );
      found.set(v.kind, v);
    }
  }
  return [...found.values()].sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
}

const kinds = await discover();
const byKind = new Map(kinds.map((k) => [k.kind, k]));

/** Every source kind this node reads, in kind order. */
export function sourceKinds(): readonly SourceKind[] {
  return kinds;
}

/** The source kind named `kind`, or undefined. */
export function sourceKind(kind: string): SourceKind | undefined {
  return byKind.get(kind);
}

/**
 * The schema of a source spec: `{ kind, ... }` validated by its kind's own schema, so that a
 * registration is refused before anything is opened.
 */
export const sourceSpecSchema = z
  .object({ kind: z.string().min(1).max(40) })
  .passthrough()
  .superRefine((v, ctx) => {
    const k = byKind.get(v.kind);
    if (!k) {
      ctx.addIssue({
        code: 'custom',
        path: ['kind'],
        message: `unknown source kind '${v.kind.slice(0, 40)}'; use one of ${kinds.map((x) => x.kind).join(', ')}`,
      });
      return;
    }
    const r = k.schema.safeParse(v);
    if (!r.success)
      for (const issue of r.error.issues)
        ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  })
  .describe(`a dataset source: { kind: ${kinds.map((k) => k.kind).join(' | ')}, ... }`);
export type SourceSpec = z.infer<typeof sourceSpecSchema>;
