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
 *
 * With params.buckets B > 1 the same exchange runs per hash bucket (buckets.ts): every id goes to
 * bucket FNV-1a(id) mod B on both sides, each party pads each bucket to its largest one with
 * dummies, and at most two buckets are in flight, so memory holds two buckets' points instead of
 * all of them. Wire position p of bucket b is global position b · pad + p; the result and the
 * output order (the guest's row order) are exactly those of the unpartitioned run.
 */
import { broadcastMessage, recvMessage, sendMessage } from '@fedgrid/federation';
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
import { PointIndex } from './point-index.js';

interface SizeMsg {
  n: number;
  batchSize: number;
  /** Absent from peers older than the curve option: x25519. */
  curve?: string;
  /** Absent from peers older than the buckets option: 1. */
  buckets?: number;
  /** Entries per bucket on the wire (the largest bucket, padded); absent: n. */
  pad?: number;
}

/** Buckets in flight at once: one being matched while the next one's points arrive. */
const BUCKET_WINDOW = 2;

export async function psiGuest(ctx: ProgramContext<PsiParams>): Promise<ProgramResult> {
  const t0 = performance.now();
  const { frame } = input(ctx, 'data', 'dataset');
  await requireWellFormedIdsYielding(frame.ids, ctx.party);
  const { batchSize, buckets } = ctx.params;
  const part = await partitionIds(frame.ids, buckets);
  const pad = buckets === 1 ? part.unique : part.largest;
  const hosts = ctx.roles.hosts;
  const curveName = ctx.params.curve;
  const curve = psiCurve(curveName);
  const alpha = curve.scalar();
  const ch = ctx.channel;
  await broadcastMessage<SizeMsg>(ch, hosts, 'size', {
    n: part.unique,
    batchSize,
    curve: curveName,
    ...(buckets > 1 ? { buckets, pad } : {}),
  });
  const hostHeaders = await Promise.all(
    hosts.map((h) =>
      recvMessage<SizeMsg>(ch, h, 'size').then((m) => {
        if ((m.header.curve ?? 'x25519') !== curveName) {
          throw new ComponentError(
            'PARAMS_MISMATCH',
            `host ${h} runs PSI on curve ${JSON.stringify(m.header.curve)}, this guest on ${curveName}; set the same psi-ecdh curve on every party`,
          );
        }
        if ((m.header.buckets ?? 1) !== buckets) {
          throw new ComponentError(
            'PARAMS_MISMATCH',
            `host ${h} runs PSI in ${m.header.buckets ?? 1} bucket(s), this guest in ${buckets}; set the same psi-ecdh buckets on every party`,
          );
        }
        return m.header;
      }),
    ),
  );
  const hostSizes = hostHeaders.map((h) => h.n);
  const hostPads = hostHeaders.map((h) => h.pad ?? h.n);
  ctx.progress({ stage: 'psi', step: 'sizes', guest: part.unique, hosts: hostSizes });
  const cmps = hostPads.map((p) => compareBytes(buckets * pad, buckets * p));

  // matches[k][row] = host k's global wire position of guest row `row`, or -1.
  const matches = hosts.map(() => new Int32Array(frame.ids.length).fill(-1));
  const tag = (prefix: string, b: number, k: number) => psiTag(prefix, buckets, b, k);

  const bucket = async (b: number): Promise<void> => {
    const rows = part.rows.subarray(part.offsets[b], part.offsets[b + 1]);
    // Round 1: blind our ids once and stream them to every host, in a secret random order (the
    // hosts echo them in the order received). Wire position p of this bucket carries row wire[p].
    const wire = await bucketWire(rows, pad);
    const batches = Math.ceil(pad / batchSize);
    const sendOwn = (async () => {
      for (let k = 0; k < batches; k++) {
        const end = Math.min(pad, (k + 1) * batchSize);
        const blinded = await curve.hashMultiply(
          ctx.crypto,
          alpha,
          wireIds(frame.ids, wire, k * batchSize, end),
        );
        await broadcastMessage(ch, hosts, tag('g', b, k), { b: k }, [blinded]);
      }
    })();
    // Per host: receive the host's blinded ids (in the host's secret order), blind them again;
    // receive our doubly-blinded ids (in our wire order).
    const perHost = hosts.map(async (host, h) => {
      const hostPad = hostPads[h] as number;
      const cmp = cmps[h] as number;
      const hostPoints = new Uint8Array(hostPad * cmp);
      const theirs = (async () => {
        for (let k = 0; k * batchSize < hostPad; k++) {
          const count = Math.min(batchSize, hostPad - k * batchSize);
          const msg = await recvMessage(ch, host, tag('h', b, k));
          const blob = requireBlobPoints(msg.blobs[0], count * 32, host, tag('h', b, k));
          const twice = truncatePoints(await curve.multiply(ctx.crypto, alpha, blob, host), cmp);
          hostPoints.set(twice, k * batchSize * cmp);
        }
      })();
      const oursP = (async () => {
        const blobs: Uint8Array[] = [];
        for (let k = 0; k < batches; k++) {
          const count = Math.min(batchSize, pad - k * batchSize);
          const msg = await recvMessage(ch, host, tag('gg', b, k));
          blobs.push(requireBlobPoints(msg.blobs[0], count * cmp, host, tag('gg', b, k)));
        }
        return blobs;
      })();
      // Both awaited together: a refused batch from the host ends this at once, never unhandled.
      const [, ours] = await Promise.all([theirs, oursP]);
      const index = new PointIndex(hostPoints, cmp);
      const match = matches[h] as Int32Array;
      const base = b * hostPad;
      for (let k = 0; k < ours.length; k++) {
        const blob = ours[k] as Uint8Array;
        for (let i = 0; i < blob.length / cmp; i++) {
          const row = wire[k * batchSize + i] as number;
          if (row === DUMMY_ROW) continue;
          const j = index.find(blob, i * cmp);
          if (j >= 0) match[row] = base + j;
        }
        await maybeYield(k * batchSize + batchSize - 1);
      }
    });
    // Await both halves together so that a failure in either ends the run at once.
    await Promise.all([sendOwn, ...perHost]);
    if (buckets > 1) ctx.progress({ stage: 'psi', step: 'bucket', bucket: b, buckets });
  };
  await slidingWindow(buckets, BUCKET_WINDOW, bucket);
  hosts.forEach((host, h) =>
    ctx.progress({
      stage: 'psi',
      step: 'matched',
      host,
      matched: (matches[h] as Int32Array).reduce((a, v) => a + (v >= 0 ? 1 : 0), 0),
    }),
  );

  // The intersection over all hosts, in guest row order (first occurrences only carry matches).
  let size = 0;
  const inAllRows = new Uint32Array(part.unique);
  for (let r = 0; r < frame.ids.length; r++) {
    if (matches.every((m) => (m[r] as number) >= 0)) inAllRows[size++] = r;
    await maybeYield(r);
  }
  const inAll = inAllRows.subarray(0, size);
  if (ctx.params.resultParties === 'all') {
    await Promise.all(
      hosts.map((host, h) =>
        sendMessage(ch, host, 'result', { size }, [
          new Uint8Array(
            Uint32Array.from(inAll, (r) => (matches[h] as Int32Array)[r] as number).buffer,
          ),
        ]),
      ),
    );
  }
  const aligned = selectFrameRows(frame, inAll);
  const seconds = (performance.now() - t0) / 1000;
  ctx.progress({ stage: 'psi', step: 'done', intersection: size, seconds });
  return {
    outputs: { data: { kind: 'dataset', frame: aligned } },
    summary: {
      intersection: size,
      guestRows: frame.ids.length,
      hostRows: hostSizes,
      seconds,
      ...(buckets > 1 ? { buckets } : {}),
    },
  };
}
