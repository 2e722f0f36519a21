/**
 * The encrypted PIR table: one row per server key, {tag = H2_tag(x), ciphertext = label ⊕
 * H2_pad(x)}, sorted by tag. Built offline by the server ({@link buildPirTable}); the client
 * downloads all of it once, so fetching a row reveals nothing (docs/protocols/pir.md, mode
 * "full download"). Without the OPRF key the tags and pads are pseudorandom: the client learns
 * the number of rows and the label width, and one label per OPRF evaluation it obtains.
 */
import { PIR_POINT_BYTES, PIR_TAG_BYTES, deriveTagAndPad, evaluateDirect } from './oprf.js';

/** Largest label width, in bytes, a table may carry. */
export const PIR_MAX_LABEL_BYTES = 65535;
/** Largest number of rows of one table (the row count is a 32-bit field). */
export const PIR_MAX_ROWS = 0xffffffff;

const MAGIC = Buffer.from('FGPIRT01', 'latin1');
const HEADER_BYTES = 16;

/** An encrypted PIR table, rows sorted by tag. */
export interface PirTable {
  /** Number of rows. */
  readonly rows: number;
  /** Bytes of every label (all labels share one width). */
  readonly labelBytes: number;
  /** rows × {@link PIR_TAG_BYTES} bytes, strictly increasing. */
  readonly tags: Uint8Array;
  /** rows × labelBytes bytes, row i encrypting the label of tag i. */
  readonly ciphertexts: Uint8Array;
}

function compareTags(tags: Uint8Array, i: number, other: Uint8Array, j: number): number {
  const a = i * PIR_TAG_BYTES;
  const b = j * PIR_TAG_BYTES;
  for (let t = 0; t < PIR_TAG_BYTES; t++) {
    const d = (tags[a + t] as number) - (other[b + t] as number);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Server side, offline: encrypts a keyword → label table under an OPRF key.
 * @param key 32-byte OPRF key ({@link generatePirKey}); keep it secret and reuse it for answers.
 * @param keys n distinct keywords (well-formed Unicode).
 * @param labels n × labelBytes bytes, row i the label of keys[i].
 * @param labelBytes label width, 0 … {@link PIR_MAX_LABEL_BYTES}.
 * @throws RangeError on a duplicate key (rows named, not their content), a length mismatch, an
 *   out-of-range width or an empty table.
 */
export function buildPirTable(
  key: Uint8Array,
  keys: readonly string[],
  labels: Uint8Array,
  labelBytes: number,
): PirTable {
  const n = keys.length;
  if (n === 0) throw new RangeError('a PIR table needs at least one row');
  if (!Number.isInteger(labelBytes) || labelBytes < 0 || labelBytes > PIR_MAX_LABEL_BYTES) {
    throw new RangeError(`labelBytes must be an integer in 0..${PIR_MAX_LABEL_BYTES}`);
  }
  if (labels.length !== n * labelBytes) {
    throw new RangeError(
      `labels must be ${n} rows × ${labelBytes} bytes = ${n * labelBytes} bytes, got ${labels.length}`,
    );
  }
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const k = keys[i] as string;
    const first = seen.get(k);
    if (first !== undefined) {
      throw new RangeError(`PIR keys must be distinct: rows ${first} and ${i} have the same key`);
    }
    seen.set(k, i);
  }
  seen.clear();
  const evaluated = evaluateDirect(key, keys);
  const rawTags = new Uint8Array(n * PIR_TAG_BYTES);
  const rawCt = new Uint8Array(n * labelBytes);
  for (let i = 0; i < n; i++) {
    const out = deriveTagAndPad(
      keys[i] as string,
      evaluated.subarray(i * PIR_POINT_BYTES, (i + 1) * PIR_POINT_BYTES),
      labelBytes,
    );
    rawTags.set(out.subarray(0, PIR_TAG_BYTES), i * PIR_TAG_BYTES);
    const base = i * labelBytes;
    for (let b = 0; b < labelBytes; b++) {
      rawCt[base + b] = (labels[base + b] as number) ^ (out[PIR_TAG_BYTES + b] as number);
    }
  }
  // Sort rows by tag: hides the server's row order and lets the client binary-search.
  const prefix = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * PIR_TAG_BYTES;
    prefix[i] =
      (rawTags[o] as number) * 2 ** 40 +
      (rawTags[o + 1] as number) * 2 ** 32 +
      (((rawTags[o + 2] as number) << 24) >>> 0) +
      (((rawTags[o + 3] as number) << 16) |
        ((rawTags[o + 4] as number) << 8) |
        (rawTags[o + 5] as number));
  }
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort(
    (i, j) => (prefix[i] as number) - (prefix[j] as number) || compareTags(rawTags, i, rawTags, j),
  );
  const tags = new Uint8Array(n * PIR_TAG_BYTES);
  const ciphertexts = new Uint8Array(n * labelBytes);
  for (let r = 0; r < n; r++) {
    const i = order[r] as number;
    tags.set(rawTags.subarray(i * PIR_TAG_BYTES, (i + 1) * PIR_TAG_BYTES), r * PIR_TAG_BYTES);
    ciphertexts.set(rawCt.subarray(i * labelBytes, (i + 1) * labelBytes), r * labelBytes);
  }
  for (let r = 1; r < n; r++) {
    if (compareTags(tags, r - 1, tags, r) === 0) {
      // Two distinct keys with one 128-bit tag: probability ≈ n² / 2^129.
      throw new Error('PIR tag collision between two distinct keys; rebuild with a new OPRF key');
    }
  }
  return { rows: n, labelBytes, tags, ciphertexts };
}

/** Byte size of {@link encodePirTable}'s output. */
export function pirTableBytes(rows: number, labelBytes: number): number {
  return HEADER_BYTES + rows * (PIR_TAG_BYTES + labelBytes);
}

/**
 * Serialises a table: "FGPIRT01", rows (u32 BE), labelBytes (u16 BE), tag bytes (u8), 0 (u8),
 * then all tags, then all ciphertexts.
 */
export function encodePirTable(table: PirTable): Uint8Array {
  const out = new Uint8Array(pirTableBytes(table.rows, table.labelBytes));
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(8, table.rows);
  view.setUint16(12, table.labelBytes);
  view.setUint8(14, PIR_TAG_BYTES);
  out.set(table.tags, HEADER_BYTES);
  out.set(table.ciphertexts, HEADER_BYTES + table.tags.length);
  return out;
}

/**
 * Parses and checks {@link encodePirTable}'s output (views into `bytes`, no copy).
 * @throws RangeError naming the first violated field: magic, tag width, length, or tag order.
 */
export function decodePirTable(bytes: Uint8Array): PirTable {
  if (bytes.length < HEADER_BYTES || !Buffer.from(bytes.subarray(0, 8)).equals(MAGIC)) {
    throw new RangeError('not a FedGrid PIR table (missing the "FGPIRT01" header)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rows = view.getUint32(8);
  const labelBytes = view.getUint16(12);
  const tagBytes = view.getUint8(14);
  if (tagBytes !== PIR_TAG_BYTES || view.getUint8(15) !== 0) {
    throw new RangeError(
      `PIR table uses ${tagBytes}-byte tags; this version reads ${PIR_TAG_BYTES}`,
    );
  }
  if (rows === 0) throw new RangeError('PIR table has no rows');
  const expected = pirTableBytes(rows, labelBytes);
  if (bytes.length !== expected) {
    throw new RangeError(
      `PIR table of ${rows} rows × ${labelBytes}-byte labels must be ${expected} bytes, got ${bytes.length}`,
    );
  }
  const tags = bytes.subarray(HEADER_BYTES, HEADER_BYTES + rows * PIR_TAG_BYTES);
  for (let r = 1; r < rows; r++) {
    if (compareTags(tags, r - 1, tags, r) >= 0) {
      throw new RangeError(`PIR table tags are not strictly increasing at row ${r}`);
    }
  }
  return { rows, labelBytes, tags, ciphertexts: bytes.subarray(HEADER_BYTES + tags.length) };
}

/** Row index of a tag in a sorted table, or -1. */
export function findTag(table: PirTable, tag: Uint8Array): number {
  let lo = 0;
  let hi = table.rows - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareTags(table.tags, mid, tag, 0);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
