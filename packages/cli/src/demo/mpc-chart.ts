/**
 * The MPC demo's visual output: one self-contained HTML page with the result tables and three
 * charts rendered server-side by Apache ECharts to SVG (no script, no network access needed to
 * view it): emissions and intensity by region, the yearly series, the intensity ranking.
 */
import * as echarts from 'echarts';
import type { MpcTables } from './mpc-tables.js';

function svg(option: echarts.EChartsCoreOption, width = 720, height = 360): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  chart.setOption({ animation: false, ...option });
  const out = chart.renderToSVGString();
  chart.dispose();
  return out;
}

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
const fmt = (v: number, d = 1) =>
  v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

function tableHtml(head: string[], rows: (string | number)[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(String(c))}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** The HTML page (tables + SVG charts) for the MPC results. */
export function mpcReportHtml(
  t: MpcTables,
  meta: { intersection: number; maxRelativeError: number; seconds: number },
): string {
  const regions = t.by_region.map((g) => g.key);
  const byRegion = svg({
    title: { text: 'Direct emissions and intensity by state (2019–2021, MPC)' },
    legend: { top: 28 },
    tooltip: {},
    xAxis: { type: 'category', data: regions },
    yAxis: [
      { type: 'value', name: 'Mt CO2e' },
      { type: 'value', name: 't / $M' },
    ],
    series: [
      {
        name: 'emissions (Mt CO2e)',
        type: 'bar',
        data: t.by_region.map((g) => +(g.emissions_t / 1e6).toFixed(3)),
      },
      {
        name: 'intensity (t CO2e per $M allocated value added)',
        type: 'line',
        yAxisIndex: 1,
        data: t.by_region.map((g) => +g.intensity_t_per_musd.toFixed(2)),
      },
    ],
  });
  const series = svg({
    title: { text: 'Yearly series (MPC)' },
    legend: { top: 28 },
    xAxis: { type: 'category', data: t.series.map((g) => g.key) },
    yAxis: [
      { type: 'value', name: 'Mt CO2e' },
      { type: 'value', name: '$bn' },
    ],
    series: [
      {
        name: 'emissions (Mt CO2e)',
        type: 'line',
        data: t.series.map((g) => +(g.emissions_t / 1e6).toFixed(3)),
      },
      {
        name: 'allocated value added ($bn)',
        type: 'line',
        yAxisIndex: 1,
        data: t.series.map((g) => +(g.output_musd / 1e3).toFixed(3)),
      },
    ],
  });
  const ranked = [...t.ranking].reverse();
  const intensity = new Map(t.by_region.map((g) => [g.key, g.intensity_t_per_musd]));
  const ranking = svg({
    title: { text: 'Cross-region ranking: emission intensity (MPC ranking)' },
    grid: { left: 60 },
    xAxis: { type: 'value', name: 't / $M' },
    yAxis: { type: 'category', data: ranked.map((r) => `#${r.rank} ${r.region}`) },
    series: [
      {
        type: 'bar',
        data: ranked.map((r) => +(intensity.get(r.region) ?? 0).toFixed(2)),
        label: { show: true, position: 'right' },
      },
    ],
  });
  const totals = (rows: MpcTables['by_region']) =>
    tableHtml(
      [
        'group',
        'facility-years',
        'emissions (t CO2e)',
        'allocated value added ($M)',
        'intensity (t / $M)',
      ],
      rows.map((g) => [
        g.key,
        g.rows,
        fmt(g.emissions_t),
        fmt(g.output_musd),
        fmt(g.intensity_t_per_musd, 2),
      ]),
    );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>FedGrid MPC demo: emissions statistics across two parties</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;max-width:980px}table{border-collapse:collapse;margin:8px 0 24px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}td:first-child{text-align:left}</style></head>
<body>
<h1>Emissions statistics by secure multi-party computation</h1>
<p>Party A (emissions monitoring) holds facility-year emissions (US EPA GHGRP, 2021 release, AR4 GWPs); party B (production statistics) holds each facility-year's state, BEA industry line and an <b>allocated value added figure derived from BEA SAGDP2N</b> (each state × industry × year GDP cell split equally across the GHGRP facilities reporting in it — not facility data). After ECDH-PSI on facility-year ids (${meta.intersection} rows in common), every figure below was computed on secret shares, the arbiter dealing Beaver triples, and revealed to party A only. Largest difference from the plaintext computation: ${meta.maxRelativeError.toExponential(2)} (relative; absolute below 1). ${meta.seconds.toFixed(1)} s in all.</p>
${byRegion}
<h2>Totals by state</h2>${totals(t.by_region)}
<h2>Totals by BEA industry line</h2><p>${t.suppressed_industries} industries with fewer than 5 facility-years suppressed.</p>${totals(t.by_industry)}
${series}
<h2>Yearly series</h2>${totals(t.series)}
<h2>Year-on-year change (facilities that reported both years)</h2>${tableHtml(
    [
      'year',
      'facility-years',
      'emissions (t CO2e)',
      'same facilities, previous year',
      'change (%)',
    ],
    t.yoy.map((y) => [
      y.year,
      y.matched_rows,
      fmt(y.emissions_t),
      fmt(y.emissions_prev_t),
      fmt(y.change_pct, 2),
    ]),
  )}
<p>Facility-years emitting more kt CO2e than the $M of value added allocated to them (an expression compared on shares, only the count revealed): ${t.heavy_facility_years}.</p>
<p>Month-on-month change is not computed: GHGRP reports annual totals only.</p>
${ranking}
<p>Data: U.S. EPA, Greenhouse Gas Reporting Program, facility-level data, 2021 data summary (data as of 8/12/2022); U.S. Bureau of Economic Analysis, SAGDP2N, March 31, 2023 release. Both public domain (examples/data/emissions/README.md).</p>
</body></html>
`;
}
