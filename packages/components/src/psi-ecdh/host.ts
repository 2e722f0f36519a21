/** ECDH-PSI, host side; see guest.ts for the protocol (and its bucketed form) and what each party learns. */
import { blobAs, recvMessage, sendMessage } from '@fedgrid/federation';
import { selectFrameRows } from '@fedgrid/ml';
import { ComponentError, input, type ProgramContext, type ProgramResult } from '../spec.js';
import {
  bucketWire,
  DUMMY_ROW,
  maybeYield,
  partitionIds,
  slidingWindow,
  wireIds,
} from './buckets.js';
import { psiCurve } from './curves.js';
import {
  compareBytes,
  psiTag,
  requireBlobPoints,
  requireWellFormedIdsYielding,
  truncatePoints,
  type PsiParams,
} from './params.js';

/** Buckets in flight at once (as the guest). */
const BUCKET_WINDOW = 2;

export async function psiHost(ctx: ProgramContext<PsiParams>): Promise<ProgramResult> {
  const t0 = performance.now();
  const { frame } = input(ctx, 'data', 'dataset');
  await requireWellFormedIdsYielding(frame.ids, ctx.party);
  const guest = ctx.roles.guest;
  const ch = ctx.channel;
  const { batchSize, buckets } = ctx.params;
  const part = await partitionIds(frame.ids, buckets);
  const pad = buckets === 1 ? part.unique : part.largest;
  const curveName = ctx.params.curve;
  const curve = psiCurve(curveName);
  const beta = curve.scalar();
  await sendMessage(ch, guest, 'size', {
    n: part.unique,
    batchSize,
    curve: curveName,
    ...(buckets > 1 ? { buckets, pad } : {}),
  });
  const size = (
    await recvMessage<{
      n: number;
      batchSize: number;
      curve?: string;
      buckets?: number;
      pad?: number;
    }>(ch, guest, 'size')
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
  if ((size.buckets ?? 1) !== buckets) {
    throw new ComponentError(
      'PARAMS_MISMATCH',
      `guest runs PSI in ${size.buckets ?? 1} bucket(s), this host in ${buckets}; set the same psi-ecdh buckets on every party`,
    );
  }
  const guestPad = size.pad ?? size.n;
  const cmp = compareBytes(buckets * guestPad, buckets * pad);
  const tag = (prefix: string, b: number, k: number) => psiTag(prefix, buckets, b, k);

  // Global wire position → our row (DUMMY_ROW for padding): bucket b occupies [b·pad, (b+1)·pad).
  const wireRow = new Uint32Array(buckets * pad);
  const bucket = async (b: number): Promise<void> => {
    // Our ids, blinded once, to the guest — in a secret random order: in file order the guest
    // would learn the position of every common id in our file.
    const rows = part.rows.subarray(part.offsets[b], part.offsets[b + 1]);
    const wire = await bucketWire(rows, pad);
    wireRow.set(wire, b * pad);
    const sendOwn = (async () => {
      for (let k = 0; k * batchSize < pad; k++) {
        const end = Math.min(pad, (k + 1) * batchSize);
        const blinded = await curve.hashMultiply(
          ctx.crypto,
          beta,
          wireIds(frame.ids, wire, k * batchSize, end),
        );
        await sendMessage(ch, guest, tag('h', b, k), { b: k }, [blinded]);
      }
    })();
    // The guest's blinded ids, blinded again and truncated, back to the guest.
    const answer = (async () => {
      for (let k = 0; k * batchSize < guestPad; k++) {
        const count = Math.min(batchSize, guestPad - k * batchSize);
        const msg = await recvMessage(ch, guest, tag('g', b, k));
        const blob = requireBlobPoints(msg.blobs[0], count * 32, guest, tag('g', b, k));
        const twice = await curve.multiply(ctx.crypto, beta, blob, guest);
        await sendMessage(ch, guest, tag('gg', b, k), { b: k }, [truncatePoints(twice, cmp)]);
      }
    })();
    await Promise.all([answer, sendOwn]);
  };
  await slidingWindow(buckets, BUCKET_WINDOW, bucket);

  if (ctx.params.resultParties !== 'all') {
    return {
      outputs: {},
      summary: {
        hostRows: frame.ids.length,
        guestRows: size.n,
        seconds: (performance.now() - t0) / 1000,
        ...(buckets > 1 ? { buckets } : {}),
      },
    };
  }
  // The guest names our rows by their wire positions (message 3), in its own order.
  const result = await recvMessage<{ size: number }>(ch, guest, 'result');
  const blob = result.blobs[0] as Uint8Array;
  const idx = blobAs(blob, Uint32Array);
  if (idx.length !== result.header.size)
    throw new ComponentError('PROTOCOL', 'PSI result length does not match its header');
  const rows = new Uint32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const p = idx[i] as number;
    const row = p < wireRow.length ? (wireRow[p] as number) : DUMMY_ROW;
    if (row === DUMMY_ROW)
      throw new ComponentError(
        'PROTOCOL',
        `PSI result names wire position ${p}, which carries no row of this host (${part.unique} ids, ${wireRow.length} positions)`,
      );
    rows[i] = row;
    await maybeYield(i);
  }
  const aligned = selectFrameRows(frame, rows);
  const seconds = (performance.now() - t0) / 1000;
  return {
    outputs: { data: { kind: 'dataset', frame: aligned } },
    summary: {
      intersection: idx.length,
      hostRows: frame.ids.length,
      guestRows: size.n,
      seconds,
      ...(buckets > 1 ? { buckets } : {}),
    },
  };
}
