/**
 * The binary frame format: round trip under any chunking (property), and every malformed-stream refusal.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { BYTES_PER_SEGMENT } from "../protocol/storage";
import { FrameDecoder, FrameError, MAX_SIBLINGS, encodeFrame, encodeFrameHeader } from "./wire";

const hash = (b: number) => new Uint8Array(32).fill(b);

describe("segment frames", () => {
  it("decode what was encoded, whatever the chunk boundaries (property)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            index: fc.nat({ max: 0xffffffff }),
            data: fc.uint8Array({ maxLength: 3000 }),
            siblings: fc.array(fc.nat({ max: 255 }), { maxLength: 6 }),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 20 }),
        (frames, cuts) => {
          const wire = Buffer.concat(frames.map((f) => encodeFrame(f.index, f.data, f.siblings.map(hash))));
          const dec = new FrameDecoder();
          const got = [];
          let off = 0;
          let c = 0;
          while (off < wire.length) {
            const n = cuts[c++ % cuts.length];
            got.push(...dec.push(wire.subarray(off, off + n)));
            off += n;
          }
          dec.finish();
          expect(dec.pending).toBe(0);
          expect(got.map((f) => f.index)).toEqual(frames.map((f) => f.index));
          got.forEach((f, i) => {
            expect(Buffer.from(f.data).equals(Buffer.from(frames[i].data))).toBe(true);
            expect(f.siblings.map((s) => s[0])).toEqual(frames[i].siblings);
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it("refuses a length above 256 KiB and too many siblings before buffering the data", () => {
    const big = encodeFrameHeader(1, BYTES_PER_SEGMENT, []);
    new DataView(big.buffer).setUint32(4, BYTES_PER_SEGMENT + 1);
    expect(() => new FrameDecoder().push(big)).toThrow(FrameError);
    expect(() => new FrameDecoder().push(big)).toThrow(/length 262145 above 262144/);
    const deep = encodeFrameHeader(1, 0, []);
    deep[8] = MAX_SIBLINGS + 1;
    expect(() => new FrameDecoder().push(deep)).toThrow(/65 proof siblings/);
    // The second frame's bad header is reported at its offset.
    const ok = encodeFrame(0, new Uint8Array(10), [hash(1)]);
    expect(() => new FrameDecoder().push(Buffer.concat([ok, big]))).toThrow(`at byte ${ok.length}`);
  });

  it("a stream cut inside a frame fails on finish; the encoder refuses bad values", () => {
    const dec = new FrameDecoder();
    const f = encodeFrame(3, new Uint8Array(100), [hash(2)]);
    expect(dec.push(f.subarray(0, 50))).toEqual([]);
    expect(() => dec.finish()).toThrow(/ends inside a frame \(50 bytes left\)/);
    expect(() => encodeFrameHeader(-1, 0, [])).toThrow(RangeError);
    expect(() => encodeFrameHeader(0, BYTES_PER_SEGMENT + 1, [])).toThrow(RangeError);
    expect(() => encodeFrameHeader(0, 0, [new Uint8Array(31)])).toThrow(/31 bytes/);
    expect(() =>
      encodeFrameHeader(
        0,
        0,
        Array.from({ length: MAX_SIBLINGS + 1 }, () => hash(0)),
      ),
    ).toThrow(RangeError);
  });
});
