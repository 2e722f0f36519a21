/**
 * The MPC demo's tables (standard 001 appendix A.2): totals by region and industry, the yearly
 * series, year-on-year change on facilities that reported both years, emission intensity per unit
 * of allocated output, and the cross-region ranking — built once from the result party's MPC
 * reports and once in the clear from the same rows, so the two can be compared number by number.
 */
import { MPC_MIN_GROUP_SIZE } from '@fedgrid/components';

/** Postal codes of the states in the bundled slice, by FIPS code. */
export const STATE_CODES: Record<number, string> = {
  1: 'AL',
  18: 'IN',
  19: 'IA',
  21: 'KY',
  39: 'OH',
  42: 'PA',
  54: 'WV',
  72: 'PR',
};

export interface GroupTotal {
  key: string;
  rows: number;
  emissions_t: number;
  output_musd: number;
  /** t CO2e per million USD of allocated output. */
  intensity_t_per_musd: number;
}
export interface YoyRow {
  year: number;
  /** Facility-years whose facility also reported the year before. */
  matched_rows: number;
  emissions_t: number;
  emissions_prev_t: number;
  change_pct: number;
}
export interface MpcTables {
  by_region: GroupTotal[];
  by_industry: GroupTotal[];
  series: GroupTotal[];
  yoy: YoyRow[];
  /** States by intensity, highest first. */
  ranking: { rank: number; region: string }[];
  suppressed_industries: number;
  /** Facility-years emitting more kt CO2e than their allocated $M (mpc-expression, a comparison). */
  heavy_facility_years: number;
}

/** One joined row of the intersection (plaintext twin only). */
export interface JoinedRow {
  year: number;
  emissions: number;
  matched: number;
  prev: number;
  /** 1 when the facility also reported the year before. */
  reportedPrev: number;
  state: number;
  industry: number;
  output: number;
}

type StatsGroup = {
  key: Record<string, number>;
  count: number;
  stats: Record<string, { sum: number }>;
};

function total(key: string, rows: number, e: number, o: number): GroupTotal {
  return { key, rows, emissions_t: e, output_musd: o, intensity_t_per_musd: e / o };
}

/** The tables from the guest's MPC reports. */
export function tablesFromReports(r: {
  region: { groups: StatsGroup[] };
  industry: { groups: StatsGroup[]; suppressedGroups: number };
  series: { groups: StatsGroup[] };
  ranking: { ranking: { rank: number; entity: string }[] };
  heavy: { sum: number };
}): MpcTables {
  const tot = (g: StatsGroup, key: string) =>
    total(key, g.count, g.stats['emissions_t']!.sum, g.stats['output_musd']!.sum);
  const series = r.series.groups.map((g) => tot(g, String(g.key['year'])));
  return {
    by_region: r.region.groups.map((g) =>
      tot(g, STATE_CODES[g.key['state_fips']!] ?? String(g.key['state_fips'])),
    ),
    by_industry: r.industry.groups.map((g) => tot(g, String(g.key['bea_line_code']))),
    series,
    yoy: r.series.groups
      .filter((g) => g.stats['emissions_prev_t']!.sum > 0)
      .map((g) => {
        const cur = g.stats['emissions_matched_t']!.sum;
        const prev = g.stats['emissions_prev_t']!.sum;
        return {
          year: g.key['year']!,
          matched_rows: Math.round(g.stats['reported_prev']!.sum),
          emissions_t: cur,
          emissions_prev_t: prev,
          change_pct: (100 * (cur - prev)) / prev,
        };
      }),
    ranking: r.ranking.ranking.map((x) => ({
      rank: x.rank,
      region: STATE_CODES[Number(x.entity.split('=')[1])] ?? x.entity,
    })),
    suppressed_industries: r.industry.suppressedGroups,
    heavy_facility_years: Math.round(r.heavy.sum),
  };
}

/** The same tables computed in the clear on the joined rows. */
export function plaintextTables(rows: JoinedRow[]): MpcTables {
  const group = (key: (r: JoinedRow) => number) => {
    const m = new Map<number, JoinedRow[]>();
    for (const r of rows) m.set(key(r), [...(m.get(key(r)) ?? []), r]);
    return [...m.entries()].sort((a, b) => a[0] - b[0]);
  };
  const sum = (rs: JoinedRow[], f: (r: JoinedRow) => number) => rs.reduce((s, r) => s + f(r), 0);
  const tot = (k: string, rs: JoinedRow[]) =>
    total(
      k,
      rs.length,
      sum(rs, (r) => r.emissions),
      sum(rs, (r) => r.output),
    );
  const industries = group((r) => r.industry);
  const byRegion = group((r) => r.state).map(([k, rs]) => tot(STATE_CODES[k] ?? String(k), rs));
  const byYear = group((r) => r.year);
  return {
    by_region: byRegion,
    by_industry: industries
      .filter(([, rs]) => rs.length >= MPC_MIN_GROUP_SIZE)
      .map(([k, rs]) => tot(String(k), rs)),
    series: byYear.map(([k, rs]) => tot(String(k), rs)),
    yoy: byYear
      .filter(([, rs]) => sum(rs, (r) => r.prev) > 0)
      .map(([k, rs]) => {
        const cur = sum(rs, (r) => r.matched);
        const prev = sum(rs, (r) => r.prev);
        return {
          year: k,
          matched_rows: sum(rs, (r) => r.reportedPrev),
          emissions_t: cur,
          emissions_prev_t: prev,
          change_pct: (100 * (cur - prev)) / prev,
        };
      }),
    ranking: [...byRegion]
      .sort((a, b) => b.intensity_t_per_musd - a.intensity_t_per_musd)
      .map((g, i) => ({ rank: i + 1, region: g.key })),
    suppressed_industries: industries.filter(([, rs]) => rs.length < MPC_MIN_GROUP_SIZE).length,
    heavy_facility_years: rows.filter((r) => r.emissions / 1000 > r.output).length,
  };
}

/**
 * The largest difference between two tables over every number: relative, or absolute where the
 * plaintext value is below 1 in magnitude (CONTRACTS.md, MPC demo).
 * @throws Error when the tables differ in shape or in a non-numeric field (keys, ranking order).
 */
export function maxRelativeError(mpc: unknown, plain: unknown, path = 'results'): number {
  if (typeof plain === 'number') {
    if (typeof mpc !== 'number') throw new Error(`${path}: ${String(mpc)} vs ${plain}`);
    const d = Math.abs(mpc - plain);
    return Math.abs(plain) < 1 ? d : d / Math.abs(plain);
  }
  if (Array.isArray(plain)) {
    if (!Array.isArray(mpc) || mpc.length !== plain.length)
      throw new Error(
        `${path}: ${Array.isArray(mpc) ? mpc.length : 'no'} entries vs ${plain.length}`,
      );
    return plain.reduce(
      (m: number, v, i) => Math.max(m, maxRelativeError(mpc[i], v, `${path}[${i}]`)),
      0,
    );
  }
  if (plain && typeof plain === 'object') {
    let m = 0;
    for (const [k, v] of Object.entries(plain))
      m = Math.max(m, maxRelativeError((mpc as Record<string, unknown>)[k], v, `${path}.${k}`));
    return m;
  }
  if (mpc !== plain) throw new Error(`${path}: ${String(mpc)} vs ${String(plain)}`);
  return 0;
}
