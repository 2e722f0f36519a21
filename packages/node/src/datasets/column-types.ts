/**
 * Column types of a registered table (issue 17 item 1): how one text cell is read as a number,
 * a category, a boolean or a date/time, which cells are missing, and how a column's type is
 * detected from a sample of its cells when the owner does not declare it.
 *
 * Every source (CSV, and whatever else yields rows of strings) goes through these rules, so a
 * dataset's types do not depend on where its rows came from.
 */

/** A type the owner may declare for a column (`ignore`: the column is not registered). */
export type DeclaredColumnType = 'numeric' | 'categorical' | 'boolean' | 'datetime' | 'ignore';
export const DECLARED_COLUMN_TYPES = [
  'numeric',
  'categorical',
  'boolean',
  'datetime',
  'ignore',
] as const satisfies readonly DeclaredColumnType[];

/** A registered column's type (ignored columns are gone). */
export type ColumnKind = Exclude<DeclaredColumnType, 'ignore'>;

/** Cells read as missing in every type (compared lower-cased, after trimming): pandas' common NA markers. */
const MISSING = new Set(['', 'na', 'nan', 'null', 'n/a']);
/** Missing in a date/time column besides {@link MISSING}: pandas' NaT. */
const MISSING_DATETIME = new Set(['nat']);

/** Whether a (trimmed) cell is missing in a column of type `kind`. */
export function isMissing(cell: string, kind?: ColumnKind): boolean {
  const s = cell.toLowerCase();
  return MISSING.has(s) || (kind === 'datetime' && MISSING_DATETIME.has(s));
}

/**
 * A decimal number as pandas reads one: optional sign, digits with an optional fraction (or a
 * fraction alone), optional exponent. `Number()` alone would also take `0x10`, `0b101`, `0o17`
 * (as 16, 5, 15) and `Infinity`; those are refused here, and so are `1_000` and `1 000`.
 */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const RADIX = /^[+-]?0[xXbBoO]/;

/** A cell's value, or why it is not one of its column's type. */
export type CellResult = { value: number; missing?: true } | { problem: string };

/**
 * Reads one cell as a number: `{ value }` (NaN for a missing cell) or `{ problem }` saying why
 * it is not one. Surrounding whitespace (also inside quotes) is ignored.
 */
export function parseNumber(raw: string): CellResult {
  const s = raw.trim();
  if (isMissing(s)) return { value: NaN, missing: true };
  if (DECIMAL.test(s)) {
    const value = Number(s);
    if (Number.isFinite(value)) return { value };
    return { problem: 'is out of range (beyond ±1.8e308)' };
  }
  if (RADIX.test(s))
    return {
      problem:
        'is not a number: hexadecimal, binary and octal notations are not read as numbers; write it in decimal',
    };
  if (/^[+-]?(inf|infinity)$/i.test(s))
    return { problem: 'is not a number: infinite values are not allowed' };
  return { problem: 'is not a number (expected a decimal such as 12, -3.5 or 1e-3)' };
}

/** Words of a boolean column, lower-cased. Detection takes only true/false (see {@link detectColumnKind}). */
const TRUE_WORDS = new Set(['true', 't', 'yes', 'y', '1']);
const FALSE_WORDS = new Set(['false', 'f', 'no', 'n', '0']);

/** Reads a boolean cell (true/false, t/f, yes/no, y/n, 1/0 in any case) as 1 or 0. */
export function parseBoolean(raw: string): CellResult {
  const s = raw.trim();
  if (isMissing(s, 'boolean')) return { value: NaN, missing: true };
  const l = s.toLowerCase();
  if (TRUE_WORDS.has(l)) return { value: 1 };
  if (FALSE_WORDS.has(l)) return { value: 0 };
  return { problem: 'is not a boolean (expected true/false, yes/no, y/n, t/f or 1/0)' };
}

/**
 * ISO 8601 calendar dates and date-times (RFC 3339 profile): `2024-03-01`, `2024-03-01 12:30`,
 * `2024-03-01T12:30:05.250Z`, `2024-03-01T12:30:05+08:00`. Without an offset the time is UTC.
 */
const DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** Reads an ISO 8601 date or date-time as seconds since 1970-01-01T00:00:00Z (UTC). */
export function parseDatetime(raw: string): CellResult {
  const s = raw.trim();
  if (isMissing(s, 'datetime')) return { value: NaN, missing: true };
  const m = DATETIME.exec(s);
  const bad = {
    problem:
      'is not a date/time (expected ISO 8601 such as 2024-03-01, 2024-03-01 12:30 or 2024-03-01T12:30:05+08:00)',
  };
  if (!m) return bad;
  const [y, mo, d, h, mi, se] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const frac = m[7] ? Number(m[7]) : 0;
  let offsetMinutes = 0;
  const z = m[8];
  if (z && z.toUpperCase() !== 'Z') {
    const digits = z.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2, 4));
    if (oh > 23 || om > 59) return bad;
    offsetMinutes = (z[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || se > 59) return bad;
  const ms = Date.UTC(y, mo - 1, d, h, mi, se);
  // Date.UTC rolls 2023-02-30 over to March: a day that does not exist is refused.
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d)
    return { problem: 'is not a date/time: that day does not exist' };
  return { value: ms / 1000 + frac - offsetMinutes * 60 };
}

/** The parser of a typed (non-categorical) column. */
export const PARSERS: Record<Exclude<ColumnKind, 'categorical'>, (raw: string) => CellResult> = {
  numeric: parseNumber,
  boolean: parseBoolean,
  datetime: parseDatetime,
};

/**
 * A column's type from a sample of its (trimmed) cells:
 * - every present cell a decimal number → numeric; every one `true`/`false` (any case) →
 *   boolean; every one an ISO 8601 date/date-time → datetime;
 * - else the type that at least half of the present cells have (numeric before datetime before
 *   boolean): the others are then reported as bad values of that type at their line and
 *   column — a typo in a numeric column is an error, not a new categorical column;
 * - else categorical. A column with no present cell is numeric (all missing).
 *
 * Only `true`/`false` make a boolean by detection: yes/no, y/n and 0/1 columns stay categorical
 * or numeric unless declared `boolean` (yes/no is as often a category as a flag).
 */
export function detectColumnKind(cells: Iterable<string>): ColumnKind {
  let present = 0;
  let numeric = 0;
  let bool = 0;
  let datetime = 0;
  for (const s of cells) {
    if (isMissing(s, 'datetime')) continue;
    present++;
    if (DECIMAL.test(s)) numeric++;
    else if (DATETIME.test(s)) datetime++;
    else {
      const l = s.toLowerCase();
      if (l === 'true' || l === 'false') bool++;
    }
  }
  if (present === 0 || numeric === present) return 'numeric';
  if (bool === present) return 'boolean';
  if (datetime === present) return 'datetime';
  if (numeric * 2 >= present) return 'numeric';
  if (datetime * 2 >= present) return 'datetime';
  if (bool * 2 >= present) return 'boolean';
  return 'categorical';
}
