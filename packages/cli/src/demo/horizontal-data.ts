/**
 * The horizontal demo's parties: the steel plant's year cut into consecutive periods, one client
 * each (rows in time order), written as numeric CSVs (id, y, features) that the nodes register.
 * Scaling is fixed and data-independent (examples/data/energy/README.md), so no party needs
 * another's statistics.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';

export const LOAD_TYPES = ['Light_Load', 'Medium_Load', 'Maximum_Load'] as const;
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export const STEEL_FEATURES = [
  'usage_kwh',
  'lagging_kvarh',
  'leading_kvarh',
  'co2',
  'lagging_pf',
  'leading_pf',
  'time_sin',
  'time_cos',
  'day_sin',
  'day_cos',
  'weekend',
];

/**
 * Writes `parties` CSVs into `dir` (party k holds the k-th consecutive block of rows).
 * @throws Error naming the line and column of a value that cannot be read.
 */
export async function prepareSteelParties(
  source: string,
  dir: string,
  parties: number,
): Promise<{ files: string[]; rows: number[] }> {
  const records = parse(await readFile(source), {
    columns: true,
    bom: true,
    skip_empty_lines: true,
  }) as Record<string, string>[];
  const num = (r: Record<string, string>, col: string, line: number) => {
    const v = Number(r[col]);
    if (r[col] === undefined || r[col] === '' || !Number.isFinite(v))
      throw new Error(
        `${source}: line ${line}: column '${col}' is '${r[col] ?? ''}', not a number`,
      );
    return v;
  };
  const lines = records.map((r, i) => {
    const line = i + 2;
    const y = LOAD_TYPES.indexOf(r['Load_Type'] as (typeof LOAD_TYPES)[number]);
    const day = DAYS.indexOf(r['Day_of_week'] ?? '');
    if (y < 0 || day < 0)
      throw new Error(`${source}: line ${line}: unknown Load_Type or Day_of_week`);
    const t = (2 * Math.PI * num(r, 'NSM', line)) / 86_400;
    const d = (2 * Math.PI * day) / 7;
    const x = [
      num(r, 'Usage_kWh', line) / 100,
      num(r, 'Lagging_Current_Reactive_Power_kVarh', line) / 100,
      num(r, 'Leading_Current_Reactive_Power_kVarh', line) / 30,
      num(r, 'CO2(tCO2)', line) * 10,
      num(r, 'Lagging_Current_Power_Factor', line) / 100,
      num(r, 'Leading_Current_Power_Factor', line) / 100,
      Math.sin(t),
      Math.cos(t),
      Math.sin(d),
      Math.cos(d),
      r['WeekStatus'] === 'Weekend' ? 1 : 0,
    ];
    return [String(i), String(y), ...x.map((v) => String(Number(v.toFixed(6))))].join(',');
  });
  const header = ['id', 'y', ...STEEL_FEATURES].join(',');
  const files: string[] = [];
  const rows: number[] = [];
  const size = Math.ceil(lines.length / parties);
  for (let k = 0; k < parties; k++) {
    const part = lines.slice(k * size, (k + 1) * size);
    const file = join(dir, `steel_party_${k}.csv`);
    await writeFile(file, [header, ...part].join('\n') + '\n');
    files.push(file);
    rows.push(part.length);
  }
  return { files, rows };
}
