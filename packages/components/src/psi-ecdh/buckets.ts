/**
 * Hash partitioning of PSI id sets (the `buckets` parameter): both parties put every id into bucket
 * FNV-1a-32(UTF-8(id)) mod B, a public function, so equal ids land in the same bucket on every
 * party and PSI can run bucket by bucket with only one or two buckets' points in memory. Each party
 * pads every bucket to its own largest bucket with dummy ids, so a peer learns the set size and
 * the largest bucket, not how many ids fall into each bucket.
 */
import { randomBytes, randomFillSync } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Marks a padding entry in a wire-position → row map. */
export const DUMMY_ROW = 0xffffffff;

/** FNV-1a (32-bit) over the UTF-8 bytes of a well-formed string. */
export function fnv1aUtf8(id: string): number {
  let h = 0x811c9dc5;
  const byte = (b: number) => {
    h ^= b;
    h = Math.imul(h, 0x01000193);
  };
  for (let i = 0; i < id.length; i++) {
    let c = id.charCodeAt(i);
    if (c < 0x80) byte(c);
    else if (c < 0x800) {
      byte(0xc0 | (c >> 6));
      byte(0x80 | (c & 0x3f));
    } else if (c >= 0xd800 && c < 0xdc00 && i + 1 < id.length) {
      c = 0x10000 + ((c - 0xd800) << 10) + (id.charCodeAt(++i) - 0xdc00);
      byte(0xf0 | (c >> 18));
      byte(0x80 | ((c >> 12) & 0x3f));
      byte(0x80 | ((c >> 6) & 0x3f));
      byte(0x80 | (c & 0x3f));
    } else {
      byte(0xe0 | (c >> 12));
      byte(0x80 | ((c >> 6) & 0x3f));
      byte(0x80 | (c & 0x3f));
    }
  }
  return h >>> 0;
}

/** The unique ids of a table, grouped by bucket. */
export interface Partition {
  buckets: number;
  /** Bucket b holds rows[offsets[b] … offsets[b+1]). */
  offsets: Uint32Array;
  /** Row (input position) of the first occurrence of every distinct id, in row order per bucket. */
  rows: Uint32Array;
  /** Number of distinct ids. */
  unique: number;
  /** Distinct ids in the largest bucket (the padded bucket size when buckets > 1). */
  largest: number;
}

/** Rows handled between two yields to the event loop (so that pings and messages are answered). */
const YIELD_EVERY = 1 << 16;

/**
 * Groups the distinct ids of `ids` (first occurrence kept, as {@link uniqueIds}) into `buckets`
 * buckets by {@link fnv1aUtf8}. With one bucket the rows are simply the first occurrences in order.
 * @throws RangeError when buckets is not an integer in 1 … 65,536.
 */
export async function partitionIds(ids: readonly string[], buckets: number): Promise<Partition> {
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > 65_536)
    throw new RangeError(`buckets must be an integer in 1 … 65536, got ${buckets}`);
  const n = ids.length;
  const bucketOf = new Uint16Array(buckets === 1 ? 0 : n);
  const counts = new Uint32Array(buckets + 1);
  if (buckets === 1) counts[1] = n;
  else {
    for (let i = 0; i < n; i++) {
      const b = fnv1aUtf8(ids[i] as string) % buckets;
      bucketOf[i] = b;
      counts[b + 1] = (counts[b + 1] as number) + 1;
      if (i % YIELD_EVERY === YIELD_EVERY - 1) await nextTurn();
    }
  }
  for (let b = 0; b < buckets; b++)
    counts[b + 1] = (counts[b + 1] as number) + (counts[b] as number);
  // Counting sort: rows in increasing order within each bucket.
  const all = new Uint32Array(n);
  if (buckets === 1) for (let i = 0; i < n; i++) all[i] = i;
  else {
    const next = counts.slice(0, buckets);
    for (let i = 0; i < n; i++) {
      const b = bucketOf[i] as number;
      all[next[b] as number] = i;
      next[b] = (next[b] as number) + 1;
    }
  }
  // Drop repeated ids bucket by bucket (equal ids share a bucket), compacting in place.
  const offsets = new Uint32Array(buckets + 1);
  let w = 0;
  let largest = 0;
  for (let b = 0; b < buckets; b++) {
    const seen = new Set<string>();
    for (let k = counts[b] as number; k < (counts[b + 1] as number); k++) {
      const r = all[k] as number;
      const id = ids[r] as string;
      if (!seen.has(id)) {
        seen.add(id);
        all[w++] = r;
      }
      if (k % YIELD_EVERY === YIELD_EVERY - 1) await nextTurn();
    }
    offsets[b + 1] = w;
    largest = Math.max(largest, w - (offsets[b] as number));
  }
  return { buckets, offsets, rows: all.subarray(0, w), unique: w, largest };
}

/**
 * A uniformly random permutation of 0 … n−1 from the operating system's CSPRNG (Fisher–Yates with
 * unbiased draws by rejection sampling of 32-bit words), yielding to the event loop every 2^16
 * steps. p[k] is the element placed at position k, as `securePermutation` of @fedgrid/crypto.
 */
export async function securePermutationYielding(n: number): Promise<Uint32Array> {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  const words = new Uint32Array(4096);
  let w = words.length;
  const word = () => {
    if (w === words.length) {
      randomFillSync(words);
      w = 0;
    }
    return words[w++] as number;
  };
  for (let i = n - 1; i > 0; i--) {
    const bound = i + 1;
    // Accept r < limit (a multiple of bound) so that r mod bound is uniform.
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % bound);
    let r = word();
    while (r >= limit) r = word();
    const j = r % bound;
    const t = p[i] as number;
    p[i] = p[j] as number;
    p[j] = t;
    if (i % YIELD_EVERY === 0) await nextTurn();
  }
  return p;
}

/**
 * The wire order of one bucket: its rows plus `pad − count` dummies, in a fresh secret random
 * order. Entry p is the row sent at position p, or {@link DUMMY_ROW}.
 */
export async function bucketWire(rows: Uint32Array, pad: number): Promise<Uint32Array> {
  const order = await securePermutationYielding(pad);
  const wire = new Uint32Array(pad);
  for (let p = 0; p < pad; p++) {
    const k = order[p] as number;
    wire[p] = k < rows.length ? (rows[k] as number) : DUMMY_ROW;
  }
  return wire;
}

/**
 * The ids to blind for wire positions [start, end): the row's id, or for a dummy a fresh random
 * string no party holds (it starts with a NUL and carries 128 random bits).
 */
export function wireIds(
  ids: readonly string[],
  wire: Uint32Array,
  start: number,
  end: number,
): string[] {
  const out = new Array<string>(end - start);
  for (let p = start; p < end; p++) {
    const r = wire[p] as number;
    out[p - start] =
      r === DUMMY_ROW ? `\u0000psi-pad:${randomBytes(16).toString('hex')}` : (ids[r] as string);
  }
  return out;
}

/**
 * Runs `task(0 … count−1)` with at most `window` tasks in flight, started in order.
 * @throws the first task error as soon as it happens (tasks still in flight are left to the
 *   caller's abort signal; their later errors are swallowed, never unhandled).
 */
/** Yields to the event loop once every {@link YIELD_EVERY} calls with increasing `i`. */
export async function maybeYield(i: number): Promise<void> {
  if (i % YIELD_EVERY === YIELD_EVERY - 1) await nextTurn();
}

export async function slidingWindow(
  count: number,
  window: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let fail!: (e: unknown) => void;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => {});
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < count; i++) {
    const p: Promise<void> = task(i).then(
      () => void inFlight.delete(p),
      (e: unknown) => fail(e),
    );
    inFlight.add(p);
    if (inFlight.size >= window) await Promise.race([failed, ...inFlight]);
  }
  await Promise.race([failed, Promise.all(inFlight)]);
}
