/**
 * Keyword PIR query flow (OPRF-based, full-download mode; docs/protocols/pir.md):
 *
 *   server, offline:  key = generatePirKey(); table = buildPirTable(key, keys, labels, width)
 *   client, once:     receives encodePirTable(table)
 *   client:           q = createPirQuery(keywords)        → sends q.request (n × 32 bytes)
 *   server:           answer = answerPirQuery(key, request) → sends answer (n × 32 bytes)
 *   client:           decodePirAnswer(q, answer, table)    → label or null per keyword
 *
 * The server sees n uniformly random points of the curve's prime-order subgroup, whatever the
 * keywords; the client learns the label of each of its keywords present in the table and
 * nothing about other rows beyond their number and the label width.
 */
import {
  blindKeys,
  evaluateBlinded,
  unblindAnswer,
  PIR_POINT_BYTES,
  PIR_TAG_BYTES,
} from './oprf.js';
import type { BlindedKeys } from './oprf.js';
import { deriveTagAndPad } from './oprf.js';
import { findTag, type PirTable } from './table.js';

/** A client's pending query: send `request`, keep the rest secret. */
export type PirQuery = BlindedKeys;

/**
 * Client: blinds one or more keywords.
 * @param keywords 1 or more well-formed Unicode strings.
 * @returns the query; `request` is keywords.length × 32 bytes.
 * @throws RangeError for an empty batch or a malformed keyword.
 */
export function createPirQuery(keywords: readonly string[]): PirQuery {
  if (keywords.length === 0) throw new RangeError('a PIR query needs at least one keyword');
  return blindKeys(keywords);
}

/**
 * Server: answers a request.
 * @param key the OPRF key the table was built with.
 * @param request n × 32 bytes.
 * @param maxBatch most points accepted in one request (the rate limit's unit is one point:
 *   each lets the client test one keyword).
 * @throws RangeError for an empty, oversized, misaligned or low-order request.
 */
export function answerPirQuery(
  key: Uint8Array,
  request: Uint8Array,
  maxBatch = 1 << 16,
): Uint8Array {
  const n = request.length / PIR_POINT_BYTES;
  if (request.length === 0) throw new RangeError('PIR request is empty');
  if (Number.isInteger(n) && n > maxBatch) {
    throw new RangeError(`PIR request has ${n} points; at most ${maxBatch} per request`);
  }
  return evaluateBlinded(key, request);
}

/**
 * Client: the label of each keyword, or null when the keyword is not in the table.
 * @returns one entry per keyword of the query, in order (copies of the decrypted labels).
 * @throws RangeError if the answer does not match the query.
 */
export function decodePirAnswer(
  query: PirQuery,
  answer: Uint8Array,
  table: PirTable,
): (Uint8Array | null)[] {
  const evaluated = unblindAnswer(query, answer);
  return query.keys.map((keyword, i) => {
    const out = deriveTagAndPad(
      keyword,
      evaluated.subarray(i * PIR_POINT_BYTES, (i + 1) * PIR_POINT_BYTES),
      table.labelBytes,
    );
    const row = findTag(table, out.subarray(0, PIR_TAG_BYTES));
    if (row < 0) return null;
    const label = new Uint8Array(table.labelBytes);
    const base = row * table.labelBytes;
    for (let b = 0; b < table.labelBytes; b++) {
      label[b] = (table.ciphertexts[base + b] as number) ^ (out[PIR_TAG_BYTES + b] as number);
    }
    return label;
  });
}
