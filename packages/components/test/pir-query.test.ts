/**
 * pir-query between the guest (querier) and host-0 (server) over the in-memory transport: the
 * guest gets exactly the label values of its ids present in the server's table, the server's
 * received messages have sizes fixed by the number of asked ids alone (not by which ids, nor by
 * whether they are present), and bad parameters or data fail with clear errors on both sides.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool, createPirQuery } from '@fedgrid/crypto';
import {
  decodeMessage,
  MemoryNetwork,
  recvMessage,
  sendMessage,
  type PartyName,
} from '@fedgrid/federation';
import {
  MemoryDisclosureLedger,
  pirQuery,
  type ComponentSpec,
  type ProgramContext,
  type PortValue,
  type ProgramResult,
} from '@fedgrid/components';
import type { Frame } from '@fedgrid/ml';
import { runComponent, runComponentSettled } from './harness.js';

const pir = pirQuery as ComponentSpec<unknown>;

let pool: CryptoPool;
beforeAll(() => {
  pool = new CryptoPool({ threads: 1 });
});
afterAll(async () => {
  await pool?.close();
});

/** Server rows: id s<i>, features [i, -i/3, 1e300·(-1)^i], label i mod 2 named 'y'. */
function serverFrame(n: number): Frame {
  const data = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) data.set([i, -i / 3, i % 2 ? -1e300 : 1e300], i * 3);
  return {
    ids: Array.from({ length: n }, (_, i) => `s${i}`),
    x: { rows: n, cols: 3, data },
    featureNames: ['row', 'third', 'big'],
    labels: Float64Array.from({ length: n }, (_, i) => i % 2),
    labelName: 'y',
  };
}
function queryFrame(ids: string[]): Frame {
  return { ids, x: { rows: ids.length, cols: 0, data: new Float64Array(0) }, featureNames: [] };
}
function inputs(guest: Frame, host: Frame): Record<string, Record<string, PortValue>> {
  return {
    guest: { data: { kind: 'dataset', frame: guest } },
    'host-0': { data: { kind: 'dataset', frame: host } },
  };
}

/** A network that records every payload a party hands to its channel. */
class TappedNetwork extends MemoryNetwork {
  readonly sent: { from: PartyName; to: PartyName; tag: string; payload: Uint8Array }[] = [];
  override channels(...args: Parameters<MemoryNetwork['channels']>) {
    const out = super.channels(...args);
    for (const [from, ch] of out) {
      const send = ch.send.bind(ch);
      ch.send = (to, tag, payload) => {
        this.sent.push({ from, to, tag, payload: payload.slice() });
        return send(to, tag, payload);
      };
    }
    return out;
  }
}

function outFrame(r: ProgramResult | undefined): Frame {
  const v = r?.outputs['data'];
  expect(v?.kind).toBe('dataset');
  return (v as { frame: Frame }).frame;
}

describe('pir-query', () => {
  it('returns the chosen label columns for present ids only, in the guest order', async () => {
    const server = serverFrame(300);
    const asked = ['s5', 'nope', 's299', 's5', 's0', 'S1', 's300', 's17'];
    const res = await runComponent(
      pir,
      { labelColumns: ['big', 'y', 'third'], batchSize: 3 },
      inputs(queryFrame(asked), server),
      { pool },
    );
    const out = outFrame(res['guest']);
    expect(out.ids).toEqual(['s5', 's299', 's0', 's17']);
    expect(out.featureNames).toEqual(['big', 'y', 'third']);
    const want = [5, 299, 0, 17].flatMap((i) => [i % 2 ? -1e300 : 1e300, i % 2, -i / 3]);
    expect(Array.from(out.x.data)).toEqual(want);
    expect(res['guest']?.summary).toMatchObject({
      queried: 7,
      found: 4,
      notFound: 3,
      serverRows: 300,
    });
    expect(res['host-0']?.outputs).toEqual({});
    expect(res['host-0']?.summary).toMatchObject({ rows: 300, keysAnswered: 7 });
  });

  it("the server's received messages are the same sizes whichever ids are asked", async () => {
    const server = serverFrame(200);
    const views: string[] = [];
    for (const asked of [
      ['s1', 's2', 's3', 's4', 's5'],
      ['a', 'b', 'c', 'd', 'e'.repeat(5000)],
      ['s199', 'zz', 's7', '', 's8'],
    ]) {
      const network = new TappedNetwork();
      await runComponent(pir, { batchSize: 2 }, inputs(queryFrame(asked), server), {
        pool,
        network,
      });
      const received = network.sent.filter((m) => m.to === 'host-0');
      views.push(
        JSON.stringify(
          received.map((m) => {
            const msg = decodeMessage(m.payload);
            return { tag: m.tag, header: msg.header, blobs: msg.blobs.map((b) => b.length) };
          }),
        ),
      );
      expect(received.length).toBeGreaterThan(0);
    }
    expect(new Set(views).size).toBe(1);
    expect(views[0]).toContain('"blobs":[64]');
  });

  it('names an unknown label column, on both parties', async () => {
    const settled = await runComponentSettled(
      pir,
      { labelColumns: ['row', 'revenue'] },
      inputs(queryFrame(['s1']), serverFrame(10)),
      { pool },
    );
    const host = settled['host-0']!;
    expect(host.status).toBe('rejected');
    expect(String((host as PromiseRejectedResult).reason.message)).toMatch(
      /label column 'revenue' is not in the dataset \(columns: row, third, big, y\)/,
    );
    expect(settled['guest']!.status).toBe('rejected');
  });

  it('enforces maxQueries on the server even when the guest ignores it', async () => {
    const settled = await runComponentSettled(
      pir,
      { maxQueries: 2 },
      inputs(queryFrame(['s1', 's2', 's3']), serverFrame(10)),
      { pool },
    );
    expect(String((settled['guest'] as PromiseRejectedResult).reason.message)).toMatch(
      /3 distinct ids to look up; this job allows at most 2/,
    );
    expect(settled['host-0']!.status).toBe('rejected');
  });

  it('rejects a server table with duplicate ids, naming rows not ids', async () => {
    const server = serverFrame(5);
    server.ids[3] = 'secret-dup';
    server.ids[4] = 'secret-dup';
    const settled = await runComponentSettled(pir, {}, inputs(queryFrame(['s1']), server), {
      pool,
    });
    const msg = String((settled['host-0'] as PromiseRejectedResult).reason.message);
    expect(msg).toMatch(/rows 4 and 5 have the same id/);
    expect(msg).not.toContain('secret-dup');
  });

  it('a hostile querier that skips its own limit is refused by the server', async () => {
    let asked = 0;
    const hostile: ComponentSpec<unknown> = {
      ...pir,
      programs: {
        ...pir.programs,
        guest: async (ctx: ProgramContext<unknown>) => {
          await recvMessage(ctx.channel, 'host-0', 'table');
          const q = createPirQuery(['s1', 's2', 's3', 's4', 's5']);
          asked = 5;
          await sendMessage(ctx.channel, 'host-0', 'request', { keys: 5, batches: 1 });
          await sendMessage(ctx.channel, 'host-0', 'q/0', { b: 0 }, [q.request]);
          await recvMessage(ctx.channel, 'host-0', 'a/0');
          return { outputs: {}, summary: {} };
        },
      },
    };
    const settled = await runComponentSettled(
      hostile,
      { maxQueries: 2 },
      inputs(queryFrame(['s1']), serverFrame(10)),
      { pool },
    );
    expect(asked).toBe(5);
    expect(String((settled['host-0'] as PromiseRejectedResult).reason.message)).toMatch(
      /asks 5 keys; this job allows at most 2/,
    );
    expect(settled['guest']!.status).toBe('rejected');
  });

  it('a hostile querier sending malformed points gets a protocol error, no answer', async () => {
    const hostile: ComponentSpec<unknown> = {
      ...pir,
      programs: {
        ...pir.programs,
        guest: async (ctx: ProgramContext<unknown>) => {
          await recvMessage(ctx.channel, 'host-0', 'table');
          await sendMessage(ctx.channel, 'host-0', 'request', { keys: 2, batches: 1 });
          await sendMessage(ctx.channel, 'host-0', 'q/0', { b: 0 }, [new Uint8Array(64)]);
          await recvMessage(ctx.channel, 'host-0', 'a/0');
          return { outputs: {}, summary: {} };
        },
      },
    };
    const settled = await runComponentSettled(
      hostile,
      {},
      inputs(queryFrame(['s1']), serverFrame(10)),
      {
        pool,
      },
    );
    expect(String((settled['host-0'] as PromiseRejectedResult).reason.message)).toMatch(
      /request batch 0: .*low-order point/,
    );
  });

  it('a hostile server sending a corrupt table fails the querier with a protocol error', async () => {
    const hostile: ComponentSpec<unknown> = {
      ...pir,
      programs: {
        ...pir.programs,
        host: async (ctx: ProgramContext<unknown>) => {
          await sendMessage(ctx.channel, 'guest', 'table', {
            rows: 2,
            labelBytes: 8,
            columns: ['a'],
            bytes: 64,
            chunks: 1,
          });
          await sendMessage(ctx.channel, 'guest', 'table/0', { c: 0 }, [new Uint8Array(64)]);
          return { outputs: {}, summary: {} };
        },
      },
    };
    const settled = await runComponentSettled(
      hostile,
      {},
      inputs(queryFrame(['s1']), serverFrame(10)),
      {
        pool,
      },
    );
    expect(String((settled['guest'] as PromiseRejectedResult).reason.message)).toMatch(
      /server's PIR table: not a FedGrid PIR table/,
    );
  });

  it("the server's ledger bounds the keys a partner tests across jobs (one per table row)", async () => {
    const ledger = new MemoryDisclosureLedger('host-0');
    const server = serverFrame(10);
    const six = ['s1', 's2', 's3', 'x1', 'x2', 'x3'];
    const first = await runComponent(pir, {}, inputs(queryFrame(six), server), {
      pool,
      disclosure: { 'host-0': ledger },
    });
    expect(first['guest']?.summary).toMatchObject({ found: 3 });
    const settled = await runComponentSettled(
      pir,
      {},
      inputs(queryFrame(['a', 'b', 'c', 'd', 'e']), server),
      { pool, disclosure: { 'host-0': ledger } },
    );
    expect(String((settled['host-0'] as PromiseRejectedResult).reason.message)).toMatch(
      /revealing 5 more pir-keys to guest would make 11 on these rows, over the owner's budget of 10/,
    );
    expect(settled['guest']!.status).toBe('rejected');
  });
});
