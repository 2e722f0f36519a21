/** Printing results: human text by default, JSON with --json; errors as one clear line. */
import { ApiError } from './api-client.js';

export function print(value: unknown, json: boolean, human?: () => string): void {
  if (json || !human) process.stdout.write(JSON.stringify(value, null, 2) + '\n');
  else process.stdout.write(human() + '\n');
}

/** Prints an error (what, where, how to fix when known) and sets the exit code. */
export function reportError(err: unknown): void {
  if (err instanceof ApiError) {
    const details = err.body.details ? `\n  details: ${JSON.stringify(err.body.details)}` : '';
    process.stderr.write(`error ${err.body.code}: ${err.body.message}${details}\n`);
  } else {
    const e = err as Error & { code?: string; details?: unknown };
    const code = e?.code ? `${e.code}: ` : '';
    const details = e?.details ? `\n  details: ${JSON.stringify(e.details)}` : '';
    process.stderr.write(`error ${code}${e?.message ?? String(err)}${details}\n`);
  }
  process.exitCode = 1;
}

/** Renders rows as an aligned text table. */
export function table(rows: (string | number)[][]): string {
  const widths: number[] = [];
  for (const r of rows)
    r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, String(c).length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => String(c).padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
