/**
 * `fedgrid demo --mode mpc` (CONTRACTS.md, "MPC demo"): the carbon/energy statistics scenario of
 * standard 001 appendix A.2 across separate node processes — an emissions-monitoring party
 * (guest, the result party), a production-statistics party (host-0) and an arbiter that deals
 * Beaver triples. This process registers each party's slice of the bundled real data
 * (examples/data/emissions/), signs contracts, grants, and submits one job:
 * psi-ecdh → mpc-statistics by region, by industry and by year (with the year-on-year columns)
 * → mpc-ranking of regions by intensity; then recomputes every table in the clear and reports
 * the largest difference.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { importCsv, type DatasetView, type JobView } from '@fedgrid/node';
import { formatEvent, watchJob } from '../job-watch.js';
import { table } from '../output.js';
import type { ClusterNode } from './cluster.js';
import { permitAdhocJob, taskSeconds, withDemoNodes } from './demo-nodes.js';
import { mpcReportHtml } from './mpc-chart.js';
import {
  maxRelativeError,
  plaintextTables,
  tablesFromReports,
  type JoinedRow,
  type MpcTables,
} from './mpc-tables.js';
import { EMISSIONS_DIR } from './samples.js';

export interface MpcDemoOptions {
  out: string;
  workdir?: string;
  keep?: boolean;
  databaseUrl?: string;
  write?: (line: string) => void;
}

export interface MpcReport {
  mode: 'mpc';
  parties: {
    guest: { role: string; rows: number };
    hosts: { role: string; rows: number }[];
    arbiter: { role: string };
  };
  intersection_size: number;
  results: MpcTables;
  plaintext: MpcTables;
  max_relative_error: number;
  /** The output figure is an allocation, not facility data. */
  notes: string[];
  seconds: { psi: number; mpc: Record<string, number>; total: number };
  job_id: string;
}

const FILES = { guest: 'emissions.csv', host: 'production.csv' };

/** The MPC tasks of the demo job (also examples/flows/mpc-emissions.yaml). */
export const MPC_DEMO_TASKS = [
  {
    name: 'psi',
    component: 'psi-ecdh',
    inputs: { data: 'job.dataset' },
    params: { resultParties: 'all' },
  },
  {
    name: 'by-region',
    component: 'mpc-statistics',
    inputs: { data: 'psi.data' },
    params: {
      columns: ['emissions_t', 'output_musd'],
      groupBy: ['state_fips'],
      quantiles: [],
      minMax: false,
      bound: 1e8,
    },
  },
  {
    name: 'by-industry',
    component: 'mpc-statistics',
    inputs: { data: 'psi.data' },
    params: {
      columns: ['emissions_t', 'output_musd'],
      groupBy: ['bea_line_code'],
      quantiles: [],
      minMax: false,
      bound: 1e8,
    },
  },
  {
    name: 'by-year',
    component: 'mpc-statistics',
    inputs: { data: 'psi.data' },
    params: {
      columns: [
        'emissions_t',
        'output_musd',
        'emissions_matched_t',
        'emissions_prev_t',
        'reported_prev',
      ],
      timeColumn: 'guest:year',
      quantiles: [],
      minMax: false,
      bound: 1e8,
    },
  },
  {
    name: 'heavy-emitters',
    component: 'mpc-expression',
    inputs: { data: 'psi.data' },
    // facility-years emitting more kt CO2e than the $M of value added allocated to them
    params: { expression: 'emissions_t / 1000 > output_musd', name: 'heavy', output: 'sum' },
  },
  {
    name: 'ranking',
    component: 'mpc-ranking',
    inputs: { data: 'psi.data' },
    // kt per $bn of allocated value added: the same order as t per $M, in the engine's range.
    params: { value: 'emissions_t / 1000 / (output_musd / 1000)', groupBy: ['state_fips'] },
  },
];

/** The rows both parties hold, joined in the clear (for the plaintext twin only). */
async function joinedRows(guestFile: string, hostFile: string): Promise<JoinedRow[]> {
  const g = (await importCsv({ path: guestFile, idColumn: 'id' })).frame;
  const h = (await importCsv({ path: hostFile, idColumn: 'id' })).frame;
  const col = (f: typeof g, name: string) => {
    const j = f.featureNames.indexOf(name);
    if (j < 0) throw new Error(`column ${name} missing`);
    return (i: number) => f.x.data[i * f.x.cols + j]!;
  };
  const hRow = new Map(h.ids.map((id, i) => [id, i]));
  const out: JoinedRow[] = [];
  const [year, e, m, p, rp] = [
    'year',
    'emissions_t',
    'emissions_matched_t',
    'emissions_prev_t',
    'reported_prev',
  ].map((c) => col(g, c));
  const [st, ind, o] = ['state_fips', 'bea_line_code', 'output_musd'].map((c) => col(h, c));
  g.ids.forEach((id, i) => {
    const k = hRow.get(id);
    if (k === undefined) return;
    out.push({
      year: year!(i),
      emissions: e!(i),
      matched: m!(i),
      prev: p!(i),
      reportedPrev: rp!(i),
      state: st!(k),
      industry: ind!(k),
      output: o!(k),
    });
  });
  return out;
}

/** @throws Error with a clear message when any step fails (nodes are stopped either way). */
export async function runMpcDemo(opts: MpcDemoOptions): Promise<MpcReport> {
  const t0 = performance.now();
  const out = opts.write ?? ((l: string) => process.stdout.write(l + '\n'));
  const write = (l: string) =>
    out(l ? `[${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${l}` : l);
  const names = ['guest', 'host-0', 'arbiter'];
  const dataDirs = (node: string, root: string) => (node === 'arbiter' ? [] : [join(root, 'data')]);
  return withDemoNodes({ ...opts, names, write, dataDirs }, async (nodes, root) => {
    const [guest, host, arbiter] = nodes as [ClusterNode, ClusterNode, ClusterNode];
    await mkdir(join(root, 'data'), { recursive: true });
    const guestFile = join(root, 'data', FILES.guest);
    const hostFile = join(root, 'data', FILES.host);
    await copyFile(join(EMISSIONS_DIR, FILES.guest), guestFile);
    await copyFile(join(EMISSIONS_DIR, FILES.host), hostFile);
    write(
      'registering the emissions-monitoring party’s rows (guest) and the production-statistics party’s rows (host-0)',
    );
    const gds = await guest.api.post<DatasetView>('/v1/datasets', {
      name: 'ghgrp-emissions',
      path: guestFile,
      idColumn: 'id',
    });
    const hds = await host.api.post<DatasetView>('/v1/datasets', {
      name: 'bea-allocated-output',
      path: hostFile,
      idColumn: 'id',
    });
    write(
      `  guest: ${gds.rows} facility-years (${gds.features.length} columns); host-0: ${hds.rows} facility-years (${hds.features.length} columns)`,
    );
    write(
      '  note: host-0’s output figure is value added ALLOCATED from BEA state × industry aggregates, not facility data',
    );
    await host.api.post('/v1/grants', { dataset: hds.id, grantee: guest.info.nodeId, maxUses: 1 });
    const request = {
      name: 'fedgrid demo (mpc, emissions statistics)',
      parties: {
        guest: { node: guest.info.nodeId },
        hosts: [{ node: host.info.nodeId }],
        arbiter: { node: arbiter.info.nodeId },
      },
      datasets: { guest: gds.id, 'host-0': hds.id },
      tasks: MPC_DEMO_TASKS,
    };
    write(
      `each partner permits the guest's ad-hoc job (${[...new Set(MPC_DEMO_TASKS.map((t) => t.component))].join(', ')})`,
    );
    await permitAdhocJob(request, nodes);
    write(
      `submitting the job: ${MPC_DEMO_TASKS.map((t) => `${t.name} (${t.component})`).join(' → ')}`,
    );
    const job = await guest.api.post<JobView>('/v1/jobs', request);
    write(`  job ${job.id}`);
    const final = await watchJob(guest.api, job.id, (e) => {
      const line = formatEvent(e);
      if (line) write(line);
    });
    if (final.status !== 'succeeded') {
      const err = final.error as { message?: string } | null;
      throw new Error(`job ${final.id} ${final.status}: ${err?.message ?? 'see the job events'}`);
    }
    const results = final.results as Record<string, Record<string, Record<string, unknown>>>;
    const intersection = (results['psi']?.['guest'] as { intersection: number }).intersection;
    const report = async <T>(task: string) =>
      (await guest.api.get<{ report: T }>(`/v1/jobs/${final.id}/outputs/${task}/guest/report`))
        .report;
    const mpc = tablesFromReports({
      region: await report('by-region'),
      industry: await report('by-industry'),
      series: await report('by-year'),
      ranking: await report('ranking'),
      heavy: await report('heavy-emitters'),
    });
    write('recomputing every table in the clear on the joined rows (for comparison only)');
    const plain = plaintextTables(await joinedRows(guestFile, hostFile));
    const maxErr = maxRelativeError(mpc, plain);
    const mpcTasks = ['by-region', 'by-industry', 'by-year', 'heavy-emitters', 'ranking'];
    const rep: MpcReport = {
      mode: 'mpc',
      parties: {
        guest: { role: 'emissions monitoring (EPA GHGRP facility-year emissions)', rows: gds.rows },
        hosts: [
          {
            role: 'production statistics (state, BEA industry, allocated value added)',
            rows: hds.rows,
          },
        ],
        arbiter: { role: 'dealer of Beaver triples' },
      },
      intersection_size: intersection,
      results: mpc,
      plaintext: plain,
      max_relative_error: maxErr,
      notes: [
        'output_musd is value added allocated from BEA SAGDP2N state × industry × year aggregates (equal split across the GHGRP facilities in each cell), not facility data',
        'year-on-year change is over facilities that reported both years; month-on-month is not computed (annual data)',
        'industries with fewer than 5 facility-years are suppressed',
      ],
      seconds: {
        psi: taskSeconds(final, 'psi'),
        mpc: Object.fromEntries(mpcTasks.map((t) => [t, taskSeconds(final, t)])),
        total: (performance.now() - t0) / 1000,
      },
      job_id: final.id,
    };
    const dir = resolve(opts.out);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'report.json'), JSON.stringify(rep, null, 2) + '\n');
    await writeFile(
      join(dir, 'report.html'),
      mpcReportHtml(mpc, { intersection, maxRelativeError: maxErr, seconds: rep.seconds.total }),
    );
    write('');
    write(
      table([
        ['state', 'facility-years', 'Mt CO2e', '$bn allocated', 't / $M', 'rank'],
        ...mpc.by_region.map((g) => [
          g.key,
          String(g.rows),
          (g.emissions_t / 1e6).toFixed(3),
          (g.output_musd / 1e3).toFixed(3),
          g.intensity_t_per_musd.toFixed(2),
          String(mpc.ranking.find((r) => r.region === g.key)?.rank ?? ''),
        ]),
      ]),
    );
    write('');
    write(
      `intersection ${intersection} facility-years; largest difference from plaintext ${maxErr.toExponential(2)}; seconds: psi ${rep.seconds.psi.toFixed(2)}, total ${rep.seconds.total.toFixed(2)}`,
    );
    write(`report: ${join(dir, 'report.json')}, chart and tables: ${join(dir, 'report.html')}`);
    return rep;
  });
}
