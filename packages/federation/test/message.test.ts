/**
 * Message framing: u32 headerBytes | header JSON | u32 blobCount | (f64 blobBytes | blob)*,
 * little-endian. Checked against frames built by hand with DataView, by round trips, and by
 * truncating a frame at every possible length.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { blobAs, decodeMessage, encodeMessage, type Message } from '@fedgrid/federation';

/** The documented frame, built independently. */
function frame(header: unknown, blobs: Uint8Array[]): Uint8Array {
  const h = new TextEncoder().encode(JSON.stringify(header));
  const size = 4 + h.length + 4 + blobs.reduce((n, b) => n + 8 + b.length, 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, h.length, true);
  out.set(h, 4);
  let off = 4 + h.length;
  dv.setUint32(off, blobs.length, true);
  off += 4;
  for (const b of blobs) {
    dv.setFloat64(off, b.length, true);
    out.set(b, off + 8);
    off += 8 + b.length;
  }
  return out;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return (
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.byteLength),
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    ) === 0
  );
}

describe('encodeMessage / decodeMessage', () => {
  it('produces exactly the documented frame', () => {
    const header = { op: 'grad', round: 3, name: 'ünï-😀', list: [1, 2.5, null] };
    const blobs = [Uint8Array.of(1, 2, 3), new Uint8Array(0), Uint8Array.of(255)];
    expect(same(encodeMessage({ header, blobs }), frame(header, blobs))).toBe(true);
  });

  it('decodes a Node Buffer (as gRPC delivers) into plain views: a .slice() copy is a copy', () => {
    const sent = Uint8Array.of(1, 2, 3, 4);
    const received = Buffer.from(encodeMessage({ header: {}, blobs: [sent] }));
    const [blob] = decodeMessage(received).blobs as [Uint8Array];
    expect(Buffer.isBuffer(blob)).toBe(false);
    const copy = blob.slice();
    copy.fill(9);
    expect([...blob]).toEqual([1, 2, 3, 4]);
  });

  it('round-trips headers and blobs, including empty and large blobs', () => {
    const big = new Uint8Array(randomBytes(5 * 2 ** 20 + 3));
    const cases: Message[] = [
      { header: { a: 1 }, blobs: [] },
      { header: null, blobs: [new Uint8Array(0)] },
      { header: 'just a string', blobs: [new Uint8Array(0), new Uint8Array(0)] },
      {
        header: { nested: { deep: [true, false, 'x'] }, unicode: '用户 é' },
        blobs: [big, Uint8Array.of(7), new Uint8Array(0), big.subarray(100, 1000)],
      },
    ];
    for (const msg of cases) {
      const bytes = encodeMessage(msg);
      const back = decodeMessage(bytes);
      expect(back.header).toEqual(msg.header);
      expect(back.blobs.length).toBe(msg.blobs.length);
      back.blobs.forEach((b, i) => {
        expect(b.length).toBe(msg.blobs[i]!.length);
        expect(same(b, msg.blobs[i]!)).toBe(true);
      });
    }
  });

  it('an undefined header travels as null', () => {
    expect(decodeMessage(encodeMessage({ header: undefined, blobs: [] })).header).toBeNull();
  });

  it('decodes a frame that sits at an offset inside a larger buffer (blobs are views of it)', () => {
    const inner = encodeMessage({ header: { k: 'v' }, blobs: [Uint8Array.of(9, 8, 7, 6, 5)] });
    const outer = new Uint8Array(inner.length + 13);
    outer.set(inner, 5);
    const view = outer.subarray(5, 5 + inner.length);
    const msg = decodeMessage<{ k: string }>(view);
    expect(msg.header.k).toBe('v');
    expect(Array.from(msg.blobs[0]!)).toEqual([9, 8, 7, 6, 5]);
    expect(msg.blobs[0]!.buffer).toBe(outer.buffer);
  });

  it('throws RangeError for every truncation of a frame', () => {
    const bytes = encodeMessage({
      header: { x: [1, 2, 3], s: 'abc' },
      blobs: [Uint8Array.of(1, 2, 3, 4), new Uint8Array(0), Uint8Array.of(5, 6)],
    });
    for (let len = 0; len < bytes.length; len++) {
      // A cut exactly between blobs would still be a frame of fewer blobs if the count were
      // wrong; here the count says 3, so every prefix is incomplete.
      expect(() => decodeMessage(bytes.subarray(0, len)), `length ${len}`).toThrow(RangeError);
    }
    expect(() => decodeMessage(bytes)).not.toThrow();
  });

  it('throws RangeError for a bad blob length or a header length beyond the frame', () => {
    for (const len of [-1, 1.5, NaN, 2 ** 60]) {
      const f = frame({}, [Uint8Array.of(1, 2)]);
      new DataView(f.buffer).setFloat64(4 + 2 + 4, len, true);
      expect(() => decodeMessage(f), `blob length ${len}`).toThrow(RangeError);
    }
    const f = frame({ a: 1 }, []);
    new DataView(f.buffer).setUint32(0, 0xffffffff, true);
    expect(() => decodeMessage(f)).toThrow(RangeError);
  });
});

describe('blobAs', () => {
  it('copies: later changes to the source do not show in the result', () => {
    const src = new Uint8Array(new Float64Array([1.5, -2.25, 1e300]).buffer);
    const f = blobAs(src, Float64Array);
    expect(Array.from(f)).toEqual([1.5, -2.25, 1e300]);
    src.fill(0);
    expect(Array.from(f)).toEqual([1.5, -2.25, 1e300]);
    expect(f.buffer).not.toBe(src.buffer);
    expect(f.buffer.byteLength).toBe(24);
  });

  it('works on unaligned views into a received message', () => {
    const values = new Uint32Array([1, 0xdeadbeef, 0xffffffff, 42]);
    const msg = encodeMessage({ header: { h: 'x' }, blobs: [new Uint8Array(values.buffer)] }); // header of 9 bytes
    const blob = decodeMessage(msg).blobs[0]!;
    expect(blob.byteOffset % 4).not.toBe(0);
    expect(Array.from(blobAs(blob, Uint32Array))).toEqual(Array.from(values));
    expect(Array.from(blobAs(blob, Int32Array))).toEqual(Array.from(new Int32Array(values.buffer)));
    expect(Array.from(blobAs(blob, Uint8Array))).toEqual(Array.from(new Uint8Array(values.buffer)));
    expect(blobAs(new Uint8Array(0), Float64Array).length).toBe(0);
  });

  it('rejects lengths that are not a multiple of the element size', () => {
    expect(() => blobAs(new Uint8Array(7), Float64Array)).toThrow(RangeError);
    expect(() => blobAs(new Uint8Array(6), Uint32Array)).toThrow(RangeError);
    expect(() => blobAs(new Uint8Array(3), Uint16Array)).toThrow(RangeError);
  });
});
