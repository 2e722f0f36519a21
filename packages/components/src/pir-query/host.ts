/**
 * pir-query, server side (host-0): builds the encrypted keyword table of its dataset under a
 * fresh OPRF key, sends it whole to the querier, then answers the querier's blinded keys —
 * at most `maxQueries` of them. Learns the number of keys asked, nothing about which.
 * docs/protocols/pir.md.
 */
import { answerPirQuery, PIR_POINT_BYTES } from '@fedgrid/crypto';
import { recvMessage, sendMessage } from '@fedgrid/federation';
import { ComponentError, input, type ProgramContext, type ProgramResult } from '../spec.js';
import {
  PIR_DISCLOSURE_KIND,
  PIR_KEYS_BUDGET_PER_ROW,
  TABLE_CHUNK_BYTES,
  type PirParams,
  type RequestMeta,
  type TableMeta,
} from './params.js';
import { buildPirServerTable } from './server-table.js';

export async function pirHost(ctx: ProgramContext<PirParams>): Promise<ProgramResult> {
  const t0 = performance.now();
  const { frame } = input(ctx, 'data', 'dataset');
  const guest = ctx.roles.guest;
  const ch = ctx.channel;
  const { maxQueries, batchSize } = ctx.params;
  if (ctx.roles.hosts.length !== 1) {
    throw new ComponentError(
      'ROLES',
      `pir-query runs between the guest (querier) and exactly one host (server); this job has ${ctx.roles.hosts.length} hosts`,
    );
  }
  const built = buildPirServerTable(frame, ctx.params.labelColumns, ctx.party);
  const { key, encoded } = built;
  const n = built.rows;
  const cols = { names: built.columns };
  const labelBytes = built.labelBytes;
  const setupSeconds = (performance.now() - t0) / 1000;
  ctx.progress({ stage: 'pir', step: 'setup', rows: n, seconds: setupSeconds });
  const chunks = Math.ceil(encoded.length / TABLE_CHUNK_BYTES);
  await sendMessage<TableMeta>(ch, guest, 'table', {
    rows: n,
    labelBytes,
    columns: cols.names,
    bytes: encoded.length,
    chunks,
  });
  for (let c = 0; c < chunks; c++) {
    await sendMessage(ch, guest, `table/${c}`, { c }, [
      encoded.subarray(c * TABLE_CHUNK_BYTES, (c + 1) * TABLE_CHUNK_BYTES),
    ]);
  }

  const req = (await recvMessage<RequestMeta>(ch, guest, 'request')).header;
  if (
    !Number.isInteger(req.keys) ||
    req.keys < 1 ||
    req.batches !== Math.ceil(req.keys / batchSize)
  ) {
    throw new ComponentError('PROTOCOL', 'PIR request announcement is malformed');
  }
  if (req.keys > maxQueries) {
    throw new ComponentError(
      'PIR_RATE_LIMIT',
      `the querier asks ${req.keys} keys; this job allows at most ${maxQueries} (parameter maxQueries)`,
      { keys: req.keys, maxQueries },
    );
  }
  // Across jobs: the node's disclosure ledger (per partner node and dataset) bounds the keys
  // this partner has tested against this dataset; refused atomically before any answer.
  if (ctx.disclosure) {
    const b = await ctx.disclosure.charge({
      partner: guest,
      kind: PIR_DISCLOSURE_KIND,
      amount: req.keys,
      rows: n,
      budgetPerRow: PIR_KEYS_BUDGET_PER_ROW,
    });
    ctx.log(
      'info',
      `disclosure budget: ${b.used} of ${b.limit} ${PIR_DISCLOSURE_KIND} used towards ${guest}`,
      { ...b },
    );
  }
  let answered = 0;
  let cpu = 0;
  for (let b = 0; b < req.batches; b++) {
    const blob = (await recvMessage(ch, guest, `q/${b}`)).blobs[0];
    const expected = Math.min(batchSize, req.keys - b * batchSize) * PIR_POINT_BYTES;
    if (!blob || blob.length !== expected) {
      throw new ComponentError(
        'PROTOCOL',
        `PIR request batch ${b} has ${blob?.length ?? 0} bytes, expected ${expected}`,
      );
    }
    const c0 = process.cpuUsage();
    let answer: Uint8Array;
    try {
      answer = answerPirQuery(key, blob, batchSize);
    } catch (err) {
      throw new ComponentError('PROTOCOL', `PIR request batch ${b}: ${(err as Error).message}`);
    }
    const c = process.cpuUsage(c0);
    cpu += (c.user + c.system) / 1e6;
    answered += answer.length / PIR_POINT_BYTES;
    await sendMessage(ch, guest, `a/${b}`, { b }, [answer]);
  }
  const seconds = (performance.now() - t0) / 1000;
  ctx.progress({ stage: 'pir', step: 'done', answered, seconds });
  return {
    outputs: {},
    summary: {
      rows: n,
      labelColumns: cols.names,
      tableBytes: encoded.length,
      keysAnswered: answered,
      setupSeconds,
      answerCpuSeconds: cpu,
      seconds,
    },
  };
}
