/**
 * pir-query, querier side (guest): downloads the server's encrypted table, asks the OPRF value
 * of each of its distinct ids through blinded points, and outputs the rows of its ids found in
 * the server's table with the server's label columns. Learns those labels, the table's row count
 * and its label column names; nothing about the server's other rows. docs/protocols/pir.md.
 */
import { createPirQuery, decodePirAnswer, decodePirTable, type PirTable } from '@fedgrid/crypto';
import { recvMessage, sendMessage } from '@fedgrid/federation';
import { matrix } from '@fedgrid/ml';
import { requireWellFormedIds, uniqueIds } from '../psi-ecdh/params.js';
import { ComponentError, input, type ProgramContext, type ProgramResult } from '../spec.js';
import { decodePirLabel } from './server-table.js';
import { TABLE_CHUNK_BYTES, type PirParams, type RequestMeta, type TableMeta } from './params.js';

export async function pirGuest(ctx: ProgramContext<PirParams>): Promise<ProgramResult> {
  const t0 = performance.now();
  const { frame } = input(ctx, 'data', 'dataset');
  requireWellFormedIds(frame.ids, ctx.party);
  const { ids } = uniqueIds(frame.ids);
  if (ctx.roles.hosts.length !== 1) {
    throw new ComponentError(
      'ROLES',
      `pir-query runs between the guest (querier) and exactly one host (server); this job has ${ctx.roles.hosts.length} hosts`,
    );
  }
  const server = ctx.roles.hosts[0] as string;
  const ch = ctx.channel;
  const { batchSize, maxQueries } = ctx.params;
  if (ids.length === 0) {
    throw new ComponentError('DATA_EMPTY', `${ctx.party}: the dataset has no ids to look up`);
  }
  if (ids.length > maxQueries) {
    throw new ComponentError(
      'PIR_RATE_LIMIT',
      `${ctx.party}: ${ids.length} distinct ids to look up; this job allows at most ${maxQueries} (parameter maxQueries)`,
    );
  }

  const meta = (await recvMessage<TableMeta>(ch, server, 'table')).header;
  const columns = meta.columns;
  if (
    !Array.isArray(columns) ||
    !columns.every((c) => typeof c === 'string') ||
    meta.labelBytes !== 8 * columns.length ||
    meta.chunks !== Math.ceil(meta.bytes / TABLE_CHUNK_BYTES)
  ) {
    throw new ComponentError('PROTOCOL', 'PIR table announcement is malformed');
  }
  const encoded = new Uint8Array(meta.bytes);
  for (let c = 0; c < meta.chunks; c++) {
    const blob = (await recvMessage(ch, server, `table/${c}`)).blobs[0];
    const want = Math.min(TABLE_CHUNK_BYTES, meta.bytes - c * TABLE_CHUNK_BYTES);
    if (!blob || blob.length !== want) {
      throw new ComponentError('PROTOCOL', `PIR table chunk ${c} has the wrong size`);
    }
    encoded.set(blob, c * TABLE_CHUNK_BYTES);
  }
  let table: PirTable;
  try {
    table = decodePirTable(encoded);
  } catch (err) {
    throw new ComponentError('PROTOCOL', `server's PIR table: ${(err as Error).message}`);
  }
  if (table.rows !== meta.rows || table.labelBytes !== meta.labelBytes) {
    throw new ComponentError('PROTOCOL', 'PIR table does not match its announcement');
  }
  ctx.progress({ stage: 'pir', step: 'table', rows: table.rows, bytes: meta.bytes });

  const batches = Math.ceil(ids.length / batchSize);
  await sendMessage<RequestMeta>(ch, server, 'request', { keys: ids.length, batches });
  const foundIds: string[] = [];
  const values: number[] = [];
  for (let b = 0; b < batches; b++) {
    const batch = ids.slice(b * batchSize, (b + 1) * batchSize);
    const query = createPirQuery(batch);
    await sendMessage(ch, server, `q/${b}`, { b }, [query.request]);
    const answer = (await recvMessage(ch, server, `a/${b}`)).blobs[0] ?? new Uint8Array(0);
    let labels: (Uint8Array | null)[];
    try {
      labels = decodePirAnswer(query, answer, table);
    } catch (err) {
      throw new ComponentError('PROTOCOL', `server's PIR answer ${b}: ${(err as Error).message}`);
    }
    labels.forEach((label, i) => {
      if (!label) return;
      foundIds.push(batch[i] as string);
      values.push(...decodePirLabel(label, columns.length));
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  ctx.progress({ stage: 'pir', step: 'done', found: foundIds.length, seconds });
  return {
    outputs: {
      data: {
        kind: 'dataset',
        frame: {
          ids: foundIds,
          x: matrix(foundIds.length, columns.length, Float64Array.from(values)),
          featureNames: columns.slice(),
        },
      },
    },
    summary: {
      queried: ids.length,
      found: foundIds.length,
      notFound: ids.length - foundIds.length,
      serverRows: table.rows,
      seconds,
    },
  };
}
