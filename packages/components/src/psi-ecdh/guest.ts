/**
 * ECDH-PSI, guest side (the result party). With hash-to-point H (SHA-256 as the X25519
 * u-coordinate) and secret scalars α (guest) and β_k (host k):
 *   guest → host k : H(a)^α                      for every guest id a
 *   host k → guest : (H(a)^α)^β_k  (truncated),  H(b)^β_k  for every host id b
 *   guest          : (H(b)^β_k)^α (truncated) and compares: a ∈ B_k ⇔ H(a)^αβ_k = H(b)^β_kα
 * The guest learns the intersection (and |B_k|); host k learns |A| and, if it is a result party,
 * which of its own rows are in the final intersection (in the guest's order). Each party sends its
 * singly-blinded ids in a fresh secret random order (securePermutation), so a peer learns no row
 * positions from the order of messages 2 and 3; the result names host rows by wire position.
 * Meadows 1986; Huberman–Franklin–Hogg 1999; interconnection suite ⟨Curve25519, SHA-256, direct
 * hash as x⟩, or with params.curve 'sm2' ⟨SM2 curve, SM3 try-and-increment, x-only points⟩
 * (curves.ts). The size message carries the curve; a party on another curve is refused.
 */
import { securePermutation } from '@fedgrid/crypto';
import { broadcastMessage, recvMessage, sendMessage } from '@fedgrid/federation';
import { selectFrameRows } from '@fedgrid/ml';
import { ComponentError, input, type ProgramContext, type ProgramResult } from '../spec.js';
import { psiCurve } from './curves.js';
import {
  compareBytes,
  requireWellFormedIds,
  truncatePoints,
  uniqueIds,
  type PsiParams,
} from './params.js';

interface SizeMsg {
  n: number;
  batchSize: number;
  /** Absent from peers older than the curve option: x25519. */
  curve?: string;
}

export async function psiGuest(ctx: ProgramContext<PsiParams>): Promise<ProgramResult> {
  const t0 = performance.now();
  const { frame } = input(ctx, 'data', 'dataset');
  requireWellFormedIds(frame.ids, ctx.party);
  const { ids, rows } = uniqueIds(frame.ids);
  const hosts = ctx.roles.hosts;
  const { batchSize } = ctx.params;
  const curveName = ctx.params.curve;
  const curve = psiCurve(curveName);
  const alpha = curve.scalar();
  const ch = ctx.channel;
  await broadcastMessage<SizeMsg>(ch, hosts, 'size', {
    n: ids.length,
    batchSize,
    curve: curveName,
  });
  const hostSizes = await Promise.all(
    hosts.map((h) =>
      recvMessage<SizeMsg>(ch, h, 'size').then((m) => {
        if ((m.header.curve ?? 'x25519') !== curveName) {
          throw new ComponentError(
            'PARAMS_MISMATCH',
            `host ${h} runs PSI on curve ${JSON.stringify(m.header.curve)}, this guest on ${curveName}; set the same psi-ecdh curve on every party`,
          );
        }
        return m.header.n;
      }),
    ),
  );
  ctx.progress({ stage: 'psi', step: 'sizes', guest: ids.length, hosts: hostSizes });

  // Round 1: blind our ids once and stream them to every host, in a secret random order (the
  // hosts echo them in the order received). Wire position p carries ids[order[p]].
  const order = securePermutation(ids.length);
  const shuffled = Array.from(order, (i) => ids[i] as string);
  const batches = Math.ceil(ids.length / batchSize);
  const sendOwn = (async () => {
    for (let b = 0; b < batches; b++) {
      const blinded = await curve.hashMultiply(
        ctx.crypto,
        alpha,
        shuffled.slice(b * batchSize, (b + 1) * batchSize),
      );
      await broadcastMessage(ch, hosts, `g/${b}`, { b }, [blinded]);
    }
  })();

  // Per host: receive the host's blinded ids (in the host's secret order), blind them again;
  // receive our doubly-blinded ids (in our wire order).
  const perHost = hosts.map(async (host, k) => {
    const nHost = hostSizes[k] as number;
    const cmp = compareBytes(ids.length, nHost);
    const hostBatches = Math.ceil(nHost / batchSize);
    const hostSet = new Map<string, number>();
    const theirs = (async () => {
      for (let b = 0; b < hostBatches; b++) {
        const msg = await recvMessage(ch, host, `h/${b}`);
        const twice = truncatePoints(
          await curve.multiply(ctx.crypto, alpha, msg.blobs[0] as Uint8Array, host),
          cmp,
        );
        const key = Buffer.from(twice.buffer, twice.byteOffset, twice.byteLength);
        for (let i = 0; i < twice.length / cmp; i++) {
          hostSet.set(key.toString('latin1', i * cmp, (i + 1) * cmp), b * batchSize + i);
        }
      }
    })();
    const oursP = (async () => {
      const blobs: Uint8Array[] = [];
      for (let b = 0; b < batches; b++)
        blobs.push((await recvMessage(ch, host, `gg/${b}`)).blobs[0] as Uint8Array);
      return blobs;
    })();
    // Both awaited together: a refused batch from the host ends this at once, never unhandled.
    const [, ours] = await Promise.all([theirs, oursP]);
    // match[i] = the host's wire position of guest id i, or -1.
    const match = new Int32Array(ids.length).fill(-1);
    ours.forEach((blob, b) => {
      const key = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
      for (let i = 0; i < blob.length / cmp; i++) {
        const j = hostSet.get(key.toString('latin1', i * cmp, (i + 1) * cmp));
        if (j !== undefined) match[order[b * batchSize + i] as number] = j;
      }
    });
    ctx.progress({
      stage: 'psi',
      step: 'matched',
      host,
      matched: match.reduce((a, v) => a + (v >= 0 ? 1 : 0), 0),
    });
    return match;
  });
  // Await both halves together so that a failure in either ends the run at once.
  const [matches] = await Promise.all([Promise.all(perHost), sendOwn]);

  // The intersection over all hosts, in guest order.
  const inAll: number[] = [];
  for (let i = 0; i < ids.length; i++)
    if (matches.every((m) => (m[i] as number) >= 0)) inAll.push(i);
  if (ctx.params.resultParties === 'all') {
    await Promise.all(
      hosts.map((host, k) =>
        sendMessage(ch, host, 'result', { size: inAll.length }, [
          new Uint8Array(
            Uint32Array.from(inAll, (i) => (matches[k] as Int32Array)[i] as number).buffer,
          ),
        ]),
      ),
    );
  }
  const aligned = selectFrameRows(
    frame,
    inAll.map((i) => rows[i] as number),
  );
  const seconds = (performance.now() - t0) / 1000;
  ctx.progress({ stage: 'psi', step: 'done', intersection: inAll.length, seconds });
  return {
    outputs: { data: { kind: 'dataset', frame: aligned } },
    summary: {
      intersection: inAll.length,
      guestRows: frame.ids.length,
      hostRows: hostSizes,
      seconds,
    },
  };
}
