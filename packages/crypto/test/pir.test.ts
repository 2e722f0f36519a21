/**
 * Keyword PIR (packages/crypto/src/pir): labels come back for present keys and only for them,
 * the OPRF round trip equals the server's direct evaluation, the server's view (the request) has
 * a size fixed by the batch size alone and consists of fresh random points on the curve, and
 * malformed inputs fail with errors that say what is wrong.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CURVE25519_P,
  PIR_POINT_BYTES,
  PIR_TAG_BYTES,
  answerPirQuery,
  buildPirTable,
  createPirQuery,
  decodePirAnswer,
  decodePirTable,
  encodePirTable,
  evaluateDirect,
  generatePirKey,
  hashKeysToCurve,
  modPow,
  pirTableBytes,
  unblindAnswer,
} from '@fedgrid/crypto';

const LABEL = 24;

function leToBig(b: Uint8Array, off = 0): bigint {
  let x = 0n;
  for (let i = 31; i >= 0; i--) x = (x << 8n) | BigInt(b[off + i]!);
  return x;
}
function onCurve(u: bigint): boolean {
  const f = (u * u * u + 486662n * u * u + u) % CURVE25519_P;
  return modPow(f, (CURVE25519_P - 1n) / 2n, CURVE25519_P) === 1n;
}
function labelOf(i: number): Uint8Array {
  const l = new Uint8Array(LABEL);
  new DataView(l.buffer).setUint32(0, i);
  l.fill(i % 251, 4);
  return l;
}
function makeTable(n: number, key = generatePirKey()) {
  const keys = Array.from({ length: n }, (_, i) => `k${i}`);
  keys[1] = ''; // the empty string is a key like any other
  keys[2] = '企业-碳排放-😀';
  const labels = new Uint8Array(n * LABEL);
  for (let i = 0; i < n; i++) labels.set(labelOf(i), i * LABEL);
  return { key, keys, table: buildPirTable(key, keys, labels, LABEL) };
}

describe('keyword PIR', () => {
  const { key, keys, table } = makeTable(500);

  it('returns the label of every present key and null for absent ones, batched and in order', () => {
    const asked = ['k7', 'absent', '', '企业-碳排放-😀', 'k499', 'k7', 'K7', 'k500'];
    const q = createPirQuery(asked);
    expect(q.request.length).toBe(asked.length * PIR_POINT_BYTES);
    const got = decodePirAnswer(q, answerPirQuery(key, q.request), table);
    const want = [7, -1, 1, 2, 499, 7, -1, -1];
    expect(got.map((g) => (g ? Buffer.from(g).toString('hex') : null))).toEqual(
      want.map((i) => (i < 0 ? null : Buffer.from(labelOf(i)).toString('hex'))),
    );
  });

  it('finds every row of the table through the wire encoding', () => {
    const decoded = decodePirTable(encodePirTable(table));
    expect(encodePirTable(table).length).toBe(pirTableBytes(500, LABEL));
    const q = createPirQuery(keys);
    const got = decodePirAnswer(q, answerPirQuery(key, q.request), decoded);
    got.forEach((g, i) => expect(g).toEqual(labelOf(i)));
  });

  it('unblinding yields exactly the direct evaluation k·H(x)', () => {
    const kw = Array.from({ length: 64 }, () => randomBytes(12).toString('base64'));
    const q = createPirQuery(kw);
    expect(unblindAnswer(q, answerPirQuery(key, q.request))).toEqual(evaluateDirect(key, kw));
  });

  it('an answer under another OPRF key finds nothing (no garbage labels)', () => {
    const q = createPirQuery(['k3', 'k4']);
    expect(decodePirAnswer(q, answerPirQuery(generatePirKey(), q.request), table)).toEqual([
      null,
      null,
    ]);
  });

  it('hashes every key onto the curve, never the twist', () => {
    const pts = hashKeysToCurve(Array.from({ length: 300 }, (_, i) => `x${i}`));
    for (let i = 0; i < 300; i++) expect(onCurve(leToBig(pts, i * 32))).toBe(true);
  });
});

describe("the server's view", () => {
  it('has the same size and shape whatever the keys, present or not', () => {
    const { key } = makeTable(50);
    const batches = [
      ['k1', 'k2', 'k3'],
      ['nope', '', 'a'.repeat(10_000)],
      ['k1', 'k1', 'k1'],
    ];
    const sizes = batches.map((b) => createPirQuery(b).request.length);
    expect(new Set(sizes)).toEqual(new Set([3 * PIR_POINT_BYTES]));
    for (const b of batches) {
      const q = createPirQuery(b);
      expect(answerPirQuery(key, q.request).length).toBe(3 * PIR_POINT_BYTES);
      for (let i = 0; i < 3; i++) expect(onCurve(leToBig(q.request, i * 32))).toBe(true);
    }
  });

  it('is a fresh point per query: the same key never gives the same request', () => {
    const a = createPirQuery(['k1', 'k1']).request;
    const b = createPirQuery(['k1']).request;
    const seen = new Set(
      [a.subarray(0, 32), a.subarray(32), b].map((x) => Buffer.from(x).toString('hex')),
    );
    expect(seen.size).toBe(3);
    expect(seen.has(Buffer.from(hashKeysToCurve(['k1'])).toString('hex'))).toBe(false);
  });

  it('looks uniform: blinded bytes of one fixed key pass a chi-square test', () => {
    const q = createPirQuery(Array.from({ length: 2000 }, () => 'one fixed key'));
    const counts = new Array<number>(256).fill(0);
    let total = 0;
    for (let i = 0; i < 2000; i++) {
      // bytes 0..30; byte 31 holds bit 255 (always 0) and is skewed by u < p.
      for (let b = 0; b < 31; b++) {
        counts[q.request[i * 32 + b]!]!++;
        total++;
      }
    }
    const e = total / 256;
    const chi2 = counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
    // 255 degrees of freedom: P(χ² > 400) < 1e-8 for uniform bytes.
    expect(chi2).toBeLessThan(400);
  });
});

describe('malformed input', () => {
  const { key, table } = makeTable(20);

  it('rejects requests that are empty, misaligned, oversized or low-order', () => {
    expect(() => answerPirQuery(key, new Uint8Array(0))).toThrow(/empty/);
    expect(() => answerPirQuery(key, new Uint8Array(33))).toThrow(/n × 32 bytes/);
    expect(() => answerPirQuery(key, createPirQuery(['a', 'b', 'c']).request, 2)).toThrow(
      /3 points; at most 2/,
    );
    const low = new Uint8Array(64);
    low[32] = 1; // u = 0 and u = 1 are low-order points
    expect(() => answerPirQuery(key, low)).toThrow(/#0 is a low-order point/);
    expect(() => answerPirQuery(key, low.subarray(32))).toThrow(/low-order/);
  });

  it('rejects an answer that does not match the query', () => {
    const q = createPirQuery(['a', 'b']);
    const ans = answerPirQuery(key, q.request);
    expect(() => decodePirAnswer(q, ans.subarray(0, 32), table)).toThrow(/request had 2 points/);
    expect(() => decodePirAnswer(q, new Uint8Array(64), table)).toThrow(/is zero/);
    expect(() => createPirQuery([])).toThrow(/at least one keyword/);
    expect(() => createPirQuery(['\uD800'])).toThrow(/not well-formed Unicode/);
  });

  it('rejects bad tables at setup, naming rows and not their content', () => {
    const secret = 'secret-id-42';
    let msg = '';
    try {
      buildPirTable(key, ['a', secret, 'b', secret], new Uint8Array(4 * 8), 8);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/rows 1 and 3 have the same key/);
    expect(msg).not.toContain(secret);
    expect(() => buildPirTable(key, ['a', 'b'], new Uint8Array(15), 8)).toThrow(
      /2 rows × 8 bytes = 16 bytes, got 15/,
    );
    expect(() => buildPirTable(key, [], new Uint8Array(0), 8)).toThrow(/at least one row/);
    expect(() => buildPirTable(key, ['a'], new Uint8Array(0), -1)).toThrow(/labelBytes/);
  });

  it('rejects corrupt table encodings', () => {
    const enc = encodePirTable(table);
    expect(() => decodePirTable(enc.subarray(0, enc.length - 1))).toThrow(/must be \d+ bytes/);
    expect(() => decodePirTable(new Uint8Array(10))).toThrow(/FGPIRT01/);
    const swapped = enc.slice();
    swapped.copyWithin(16, 16 + PIR_TAG_BYTES, 16 + 2 * PIR_TAG_BYTES); // row 0 := row 1
    expect(() => decodePirTable(swapped)).toThrow(/not strictly increasing at row 1/);
    const badTag = enc.slice();
    badTag[14] = 8;
    expect(() => decodePirTable(badTag)).toThrow(/8-byte tags/);
  });
});

describe('portable fallback (child process with FEDGRID_NATIVE=0)', () => {
  it('hashes to the same points and answers a native client with the same OPRF values', () => {
    const kw = ['', 'k1', '企业-碳排放-😀', ...Array.from({ length: 40 }, (_, i) => `p${i}`)];
    const key = generatePirKey();
    const q = createPirQuery(kw);
    const entry = new URL('../dist/index.js', import.meta.url).href;
    const child = `
      import { readFileSync } from 'node:fs';
      const m = await import(process.env.FG_ENTRY);
      const input = JSON.parse(readFileSync(0, 'utf8'));
      const hex = (s) => new Uint8Array(Buffer.from(s, 'hex'));
      const out = (b) => Buffer.from(b).toString('hex');
      process.stdout.write(JSON.stringify({
        backend: m.x25519Backend(),
        points: out(m.hashKeysToCurve(input.kw)),
        answer: out(m.answerPirQuery(hex(input.key), hex(input.request))),
      }));
    `;
    const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', child], {
      env: { ...process.env, FEDGRID_NATIVE: '0', FG_ENTRY: entry },
      input: JSON.stringify({
        kw,
        key: Buffer.from(key).toString('hex'),
        request: Buffer.from(q.request).toString('hex'),
      }),
      encoding: 'utf8',
      timeout: 60_000,
    });
    const r = JSON.parse(stdout) as { backend: string; points: string; answer: string };
    expect(r.backend).toBe('node-crypto');
    expect(r.points).toBe(Buffer.from(hashKeysToCurve(kw)).toString('hex'));
    const answer = new Uint8Array(Buffer.from(r.answer, 'hex'));
    expect(unblindAnswer(q, answer)).toEqual(evaluateDirect(key, kw));
  });
});
