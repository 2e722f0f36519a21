#!/usr/bin/env python3
"""Builds the MPC demo's two party files from the full files in ../shared/datasets/emissions/
(README.md there). Run from the repository root:
    python3 examples/data/emissions/make-slice.py /work/shared/datasets/emissions
Slice: facilities in PA, OH, IN, KY, WV, AL, IA and PR, years 2019-2021.
- emissions.csv (energy/emissions-monitoring party): id = <facility_id>-<year>, year,
  emissions_t (GHGRP total direct emissions, t CO2e), emissions_matched_t (the same when the
  facility also reported the previous year, else 0) and emissions_prev_t (its previous year's
  emissions when it reported both, else 0) and reported_prev (1 when it did, else 0) -- for
  year-on-year change on matched facilities.
- production.csv (production-statistics party): id, state_fips, bea_line_code, year and
  output_musd: ALLOCATED value added, million current USD, derived from BEA SAGDP2N: each
  (state, BEA industry line, year) GDP cell split equally across the GHGRP facilities reporting
  in that cell that year. It is not facility data. PR has no BEA figures, so PR facilities are
  absent here (the PSI drops them).
"""
import csv, os, sys
from collections import defaultdict

src = sys.argv[1]
out = os.path.dirname(os.path.abspath(__file__))
STATES = {'PA', 'OH', 'IN', 'KY', 'WV', 'AL', 'IA', 'PR'}
YEARS = {2018, 2019, 2020, 2021}  # 2018 only to know who reported the year before 2019
rows = []
with open(os.path.join(src, 'ghgrp_direct_emitters_2011_2021.csv'), newline='') as f:
    for r in csv.DictReader(f):
        y = int(r['year'])
        if r['state'] in STATES and y in YEARS:
            rows.append((r['facility_id'], y, r['state'], int(r['bea_line_code']), float(r['total_direct_emissions_tco2e'])))
emis = {(fid, y): e for fid, y, _, _, e in rows}
gdp, fips = {}, {}
with open(os.path.join(src, 'bea_gdp_by_state_industry_2011_2022.csv'), newline='') as f:
    for r in csv.DictReader(f):
        if r['state_code'] in STATES and r['gdp_million_usd_current'] not in ('',):
            gdp[(r['state_code'], int(r['bea_line_code']), int(r['year']))] = float(r['gdp_million_usd_current'])
            fips[r['state_code']] = int(r['state_fips']) // 1000
cell = defaultdict(int)
for fid, y, st, line, _ in rows:
    cell[(st, line, y)] += 1
with open(os.path.join(out, 'emissions.csv'), 'w', newline='') as fe, open(os.path.join(out, 'production.csv'), 'w', newline='') as fp:
    we, wp = csv.writer(fe, lineterminator='\n'), csv.writer(fp, lineterminator='\n')
    we.writerow(['id', 'year', 'emissions_t', 'emissions_matched_t', 'emissions_prev_t', 'reported_prev'])
    wp.writerow(['id', 'state_fips', 'bea_line_code', 'year', 'output_musd'])
    for fid, y, st, line, e in rows:
        if y == 2018:
            continue
        prev = emis.get((fid, y - 1))
        we.writerow([f'{fid}-{y}', y, e, e if prev is not None else 0, prev if prev is not None else 0, int(prev is not None)])
        g = gdp.get((st, line, y))
        if g is not None:
            wp.writerow([f'{fid}-{y}', fips[st], line, y, round(g / cell[(st, line, y)], 6)])
