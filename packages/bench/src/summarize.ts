/**
 * Combines several bench.json files (runs of `npm run bench`) into per-entry medians, printed as
 * the Markdown table docs/BENCHMARKS.md shows:
 *
 *   node packages/bench/dist/summarize.js run1/bench.json run2/bench.json … [--json medians.json]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { median } from './measure.js';
import { sig, type BenchReport, type BenchResult } from './report.js';

/** Entries of several runs grouped by name and params, in first-seen order. */
export function groupRuns(reports: BenchReport[]): Map<string, BenchResult[]> {
  const groups = new Map<string, BenchResult[]>();
  for (const rep of reports) {
    for (const r of rep.results) {
      const key = `${r.name} ${JSON.stringify(r.params)}`;
      const list = groups.get(key) ?? [];
      list.push(r);
      groups.set(key, list);
    }
  }
  return groups;
}

/**
 * The median entry of each group: median `seconds` and `per_second` (taken separately), numeric
 * extra fields as medians too, and every run's `per_second` in `runs_per_second`.
 */
export function medians(reports: BenchReport[]): BenchResult[] {
  const out: BenchResult[] = [];
  for (const list of groupRuns(reports).values()) {
    const first = list[0] as BenchResult;
    const m: BenchResult = {
      name: first.name,
      params: first.params,
      seconds: sig(median(list.map((r) => r.seconds)), 5),
      per_second: sig(median(list.map((r) => r.per_second)), 5),
      unit: first.unit,
      runs_per_second: list.map((r) => r.per_second),
      runs_other_cpu_cores: list.map((r) =>
        typeof r.other_cpu_cores === 'number' ? r.other_cpu_cores : null,
      ),
    };
    for (const k of [
      'row_features_per_core_second',
      'vs_paillier-bigint',
      'vs_plaintext_slowdown',
      'first_epoch_seconds',
    ]) {
      const xs = list.map((r) => r[k]).filter((v): v is number => typeof v === 'number');
      if (xs.length) m[k] = sig(median(xs), 4);
    }
    out.push(m);
  }
  return out;
}

function fmt(x: number): string {
  return x >= 100 ? Math.round(x).toLocaleString('en') : String(sig(x, 4));
}

/** A Markdown table of median entries. */
export function markdownTable(rows: BenchResult[]): string {
  const lines = [
    '| name | params | seconds | per_second | unit | per_second of each run | other load (cores) per run |',
    '|---|---|---:|---:|---|---|---|',
  ];
  for (const r of rows) {
    const runs = (r.runs_per_second as number[]).map(fmt).join(' / ');
    const load = (r.runs_other_cpu_cores as (number | null)[])
      .map((v) => (v === null ? '–' : String(v)))
      .join(' / ');
    lines.push(
      `| \`${r.name}\` | \`${JSON.stringify(r.params)}\` | ${fmt(r.seconds)} | ${fmt(r.per_second)} | ${r.unit} | ${runs} | ${load} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { json: { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals.length === 0) throw new Error('usage: summarize.js RUN/bench.json… [--json OUT]');
  const reports = await Promise.all(
    positionals.map(async (p) => JSON.parse(await readFile(p, 'utf8')) as BenchReport),
  );
  const rows = medians(reports);
  process.stdout.write(markdownTable(rows));
  if (values.json)
    await writeFile(
      values.json,
      `${JSON.stringify({ machine: reports[0]?.machine, runs: positionals, results: rows }, null, 2)}\n`,
    );
}

main().catch((err: unknown) => {
  process.stderr.write(`summarize: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
