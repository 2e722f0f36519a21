/** ECDH-PSI, host side; see guest.ts for the protocol and what each party learns. */
import { securePermutation } from '@fedgrid/crypto';
import { blobAs, recvMessage, sendMessage } from '@fedgrid/federation';
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

export async function psiHost(ctx: ProgramContext<PsiParams>): Promise<ProgramResult> {
  const t0 = performance.now();
  const { frame } = input(ctx, 'data', 'dataset');
  requireWellFormedIds(frame.ids, ctx.party);
  const { ids, rows } = uniqueIds(frame.ids);
  const guest = ctx.roles.guest;
  const ch = ctx.channel;
  const { batchSize } = ctx.params;
  const curveName = ctx.params.curve;
  const curve = psiCurve(curveName);
  const beta = curve.scalar();
  await sendMessage(ch, guest, 'size', { n: ids.length, batchSize, curve: curveName });
  const size = (
    await recvMessage<{ n: number; batchSize: number; curve?: string }>(ch, guest, 'size')
  ).header;
  if ((size.curve ?? 'x25519') !== curveName) {
    throw new ComponentError(
      'PARAMS_MISMATCH',
      `guest runs PSI on curve ${JSON.stringify(size.curve)}, this host on ${curveName}; set the same psi-ecdh curve on every party`,
    );
  }
  if (size.batchSize !== batchSize) {
    throw new ComponentError(
      'PARAMS_MISMATCH',
      `guest uses PSI batches of ${size.batchSize}, this host ${batchSize}`,
    );
  }
  const cmp = compareBytes(size.n, ids.length);

  // Our ids, blinded once, to the guest — in a secret random order: in file order the guest would
  // learn the position of every common id in our file. Wire position p carries ids[order[p]].
  const order = securePermutation(ids.length);
  const shuffled = Array.from(order, (j) => ids[j] as string);
  const sendOwn = (async () => {
    for (let b = 0; b * batchSize < ids.length; b++) {
      const blinded = await curve.hashMultiply(
        ctx.crypto,
        beta,
        shuffled.slice(b * batchSize, (b + 1) * batchSize),
      );
      await sendMessage(ch, guest, `h/${b}`, { b }, [blinded]);
    }
  })();
  // The guest's blinded ids, blinded again and truncated, back to the guest.
  const answer = (async () => {
    for (let b = 0; b * batchSize < size.n; b++) {
      const msg = await recvMessage(ch, guest, `g/${b}`);
      const twice = await curve.multiply(ctx.crypto, beta, msg.blobs[0] as Uint8Array, guest);
      await sendMessage(ch, guest, `gg/${b}`, { b }, [truncatePoints(twice, cmp)]);
    }
  })();
  await Promise.all([answer, sendOwn]);

  if (ctx.params.resultParties !== 'all') {
    return {
      outputs: {},
      summary: {
        hostRows: frame.ids.length,
        guestRows: size.n,
        seconds: (performance.now() - t0) / 1000,
      },
    };
  }
  // The guest names our rows by their wire positions (message 3), in its own order.
  const result = await recvMessage<{ size: number }>(ch, guest, 'result');
  const blob = result.blobs[0] as Uint8Array;
  const idx = blobAs(blob, Uint32Array);
  if (idx.length !== result.header.size)
    throw new ComponentError('PROTOCOL', 'PSI result length does not match its header');
  for (const j of idx) {
    if (j >= ids.length)
      throw new ComponentError(
        'PROTOCOL',
        `PSI result names row ${j}, this host has ${ids.length}`,
      );
  }
  const aligned = selectFrameRows(
    frame,
    Array.from(idx, (p) => rows[order[p] as number] as number),
  );
  const seconds = (performance.now() - t0) / 1000;
  return {
    outputs: { data: { kind: 'dataset', frame: aligned } },
    summary: { intersection: idx.length, hostRows: frame.ids.length, guestRows: size.n, seconds },
  };
}
