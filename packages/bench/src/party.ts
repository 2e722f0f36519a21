/**
 * A party process of the benchmark harness (started by {@link FederatedCluster}): one node with
 * its own TLS identity, gRPC data-plane server and crypto worker pool, that runs component
 * programs on the coordinator's orders.
 *
 *   node dist/party.js <nodeId> <threads>
 *
 * Lifecycle (IPC): → ready {address, cert} · ← pin {peers} → pinned · ← prepare {order} → prepared ·
 * ← start → progress* / log* → done (→ outputs) | failed · ← abort · ← shutdown.
 * The process exits as soon as the coordinator disappears (IPC disconnect), so it never outlives it.
 */
import { CryptoPool, generateScalar, hashToPoints, sm2GenerateKeyPair } from '@fedgrid/crypto';
import { GmChannel } from '@fedgrid/node';
import { componentByCode, roleOf, type ProgramResult } from '@fedgrid/components';
import {
  generateIdentity,
  GrpcTransport,
  Mailbox,
  MemoryTrustStore,
  TransferServer,
  TransportChannel,
  type Channel,
} from '@fedgrid/federation';
import { serializeError, type FromParty, type JobOrder, type ToParty } from './ipc.js';
import { digestOutputs, withSynthetic } from './synthetic.js';
import { startScaleOut } from './batch-scale-out.js';

function send(msg: FromParty): void {
  if (process.connected) process.send?.(msg);
}

async function main(): Promise<void> {
  if (!process.send)
    throw new Error('party.js must be started by the benchmark coordinator (with an IPC channel)');
  const nodeId = process.argv[2];
  const threads = Number(process.argv[3] ?? '0');
  if (!nodeId || !Number.isInteger(threads) || threads < 1) {
    throw new Error(
      `usage: party.js <nodeId> <threads ≥ 1>, got ${process.argv.slice(2).join(' ')}`,
    );
  }
  // Never outlive the coordinator.
  process.on('disconnect', () => process.exit(1));

  const identity = await generateIdentity(nodeId);
  const sm2 = sm2GenerateKeyPair();
  const sm2Peers = new Map<string, Uint8Array>();
  const trust = new MemoryTrustStore();
  const mailbox = new Mailbox();
  const refused: string[] = [];
  const server = new TransferServer({
    nodeId,
    identity,
    trust,
    mailbox,
    onRefused: (r) => refused.push(r),
  });
  const port = await server.listen('127.0.0.1', 0);
  const transport = new GrpcTransport({ identity, trust });
  const pool = new CryptoPool({ threads });
  // Worker processes per party (issue 16 scale-out): more than 1 splits the crypto batches over
  // extra processes through PostgreSQL, as a node's workers do.
  const processes = Number(process.env['FEDGRID_BENCH_WORKER_PROCESSES'] ?? '1');
  const databaseUrl = process.env['FEDGRID_BENCH_DATABASE_URL'];
  if (processes > 1 && !databaseUrl)
    throw new Error(
      `${processes} worker processes per party share their batches through PostgreSQL: set FEDGRID_POSTGRES_URL for the benchmark`,
    );
  const scaleOut =
    processes > 1 && databaseUrl
      ? await startScaleOut({ pool, processes, threads, databaseUrl })
      : undefined;
  // Start every worker and load the native kernels before anything is timed.
  await pool.x25519(
    generateScalar(),
    hashToPoints(Array.from({ length: 64 * threads }, (_, i) => `warm-${i}`)),
  );

  interface Job {
    order: JobOrder;
    inputs: JobOrder['inputs'];
    channel: Channel;
    controller: AbortController;
    params: unknown;
  }
  const jobs = new Map<string, Job>();

  const shutdown = async (code: number) => {
    for (const j of jobs.values()) j.controller.abort(new Error('party shutting down'));
    transport.close();
    await scaleOut?.close().catch(() => {});
    await Promise.allSettled([server.close(500), pool.close()]);
    process.exit(code);
  };

  const runJob = async (job: Job): Promise<void> => {
    const { order, channel, controller, inputs } = job;
    const party = channel.self;
    const spec = componentByCode(order.component);
    const program = spec.programs[roleOf(party)];
    try {
      if (!program) throw new Error(`component '${order.component}' has no program for ${party}`);
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const res: ProgramResult = await program({
        jobId: order.jobId,
        taskName: order.component,
        party,
        role: roleOf(party),
        roles: order.roles,
        params: job.params,
        channel,
        inputs,
        crypto: pool,
        log: (level, message, data) =>
          send({
            type: 'log',
            session: order.session,
            party,
            level,
            message,
            ...(data ? { data } : {}),
          }),
        progress: (data) =>
          send({
            type: 'progress',
            session: order.session,
            party,
            t: performance.timeOrigin + performance.now(),
            data,
          }),
        signal: controller.signal,
      });
      const seconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const cpuSeconds = (cpu.user + cpu.system) / 1e6;
      const digests = order.digestOutputs ? digestOutputs(res.outputs, order.synthetic) : undefined;
      send({
        type: 'done',
        session: order.session,
        party,
        seconds,
        cpuSeconds,
        // ru_maxrss is in KiB on Linux: the peak of the whole process so far.
        peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
        ...(digests ? { digests } : {}),
        ...(res.summary || scaleOut
          ? {
              summary: {
                ...res.summary,
                ...(scaleOut
                  ? {
                      batch_chunks: scaleOut.stats(),
                      batch_chunks_by_kind: scaleOut.statsByKind(),
                      batch_workers_peak_rss_mb: await scaleOut.workerPeakRssMb(),
                    }
                  : {}),
              },
            }
          : {}),
      });
      if (order.returnOutputs)
        send({ type: 'outputs', session: order.session, party, outputs: res.outputs });
    } catch (err) {
      controller.abort(err);
      const e = serializeError(err);
      if (refused.length)
        e.message += ` (data-plane refusals on ${nodeId}: ${refused.slice(-3).join('; ')})`;
      send({ type: 'failed', session: order.session, party, error: e });
    } finally {
      jobs.delete(order.session);
      // Let late pushes of the peers land before the session disappears.
      setTimeout(() => mailbox.closeSession(order.session, 'task finished'), 5000).unref();
    }
  };

  process.on('message', (raw: unknown) => {
    const msg = raw as ToParty;
    void (async () => {
      try {
        switch (msg.type) {
          case 'pin': {
            for (const p of msg.peers) {
              trust.set(p);
              sm2Peers.set(p.nodeId, p.sm2PublicKey);
            }
            // Open (and check) the mutually authenticated connection to every peer now, as a
            // running node would have it open, so that the timed region does not include it.
            await Promise.all(msg.peers.map((p) => transport.ping(p.nodeId)));
            send({ type: 'pinned' });
            break;
          }
          case 'prepare': {
            const { order } = msg;
            const parties = new Map(order.parties);
            const self = [...parties].find(([, n]) => n === nodeId)?.[0];
            if (!self) throw new Error(`node ${nodeId} hosts no party of session ${order.session}`);
            const params = componentByCode(order.component).params.parse(order.params ?? {});
            mailbox.openSession(order.session, {
              localParties: [self],
              allowSender: (src, senderNode) => parties.get(src) === senderNode,
            });
            const controller = new AbortController();
            const plain = new TransportChannel({
              session: order.session,
              self,
              parties,
              transport,
              mailbox,
              signal: controller.signal,
            });
            const channel: Channel = order.gm
              ? new GmChannel(plain, {
                  selfNodeId: nodeId,
                  ...sm2,
                  nodeOf: (p) => parties.get(p) ?? '',
                  peerKey: async (n) => sm2Peers.get(n),
                })
              : plain;
            const inputs = withSynthetic(order.inputs, order.synthetic);
            jobs.set(order.session, { order, inputs, channel, controller, params });
            send({ type: 'prepared', session: order.session });
            break;
          }
          case 'start': {
            const job = jobs.get(msg.session);
            if (!job) throw new Error(`session ${msg.session} was not prepared on ${nodeId}`);
            await runJob(job);
            break;
          }
          case 'abort':
            jobs.get(msg.session)?.controller.abort(new Error(msg.reason));
            break;
          case 'shutdown':
            await shutdown(0);
            break;
        }
      } catch (err) {
        const session =
          msg.type === 'prepare' ? msg.order.session : 'session' in msg ? msg.session : undefined;
        send({ type: 'failed', ...(session ? { session } : {}), error: serializeError(err) });
      }
    })();
  });

  send({
    type: 'ready',
    nodeId,
    address: `127.0.0.1:${port}`,
    certPem: identity.certPem,
    fingerprint: identity.fingerprint,
    sm2PublicKey: sm2.publicKey,
    threads,
  });
}

main().catch((err: unknown) => {
  send({ type: 'failed', error: serializeError(err) });
  process.stderr.write(`party ${process.argv[2] ?? '?'}: ${(err as Error).stack ?? String(err)}\n`);
  // Give the IPC message a moment to flush.
  setTimeout(() => process.exit(1), 100);
});
