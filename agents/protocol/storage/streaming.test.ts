import fc from "fast-check";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toHex } from "./bytes";
import { HashPoolError, InvalidSizeError, StorageProtocolError } from "./errors";
import { computeFileMerkle, computeSegmentProof, verifySegmentProof, type FileMerkle } from "./fileMerkle";
import { createSegmentHashPool, type SegmentHashPool } from "./hashPool";
import { computeSectorsRoot } from "./sectors";
import { computeFileMerkleStreaming } from "./streaming";
import { kpattern } from "./testing/inputs";
import vectors from "./vectors/storage-sdk-vectors.json";

async function* chunked(data: Uint8Array, sizes: readonly number[]): AsyncGenerator<Uint8Array> {
  let o = 0;
  let i = 0;
  while (o < data.length) {
    const n = Math.max(1, sizes.length === 0 ? data.length : sizes[i++ % sizes.length]);
    yield data.subarray(o, o + n);
    o += n;
  }
}

function summary(m: FileMerkle) {
  return {
    root: m.root === null ? null : toHex(m.root),
    segments: m.segmentRoots.map(toHex),
    nodes: m.nodes.map((n) => [toHex(n.root), n.height]),
    layout: m.layout,
  };
}

describe("computeFileMerkleStreaming", () => {
  let pool: SegmentHashPool;
  beforeAll(() => {
    pool = createSegmentHashPool({ size: 2 });
  });
  afterAll(async () => {
    await pool.close();
  });

  it("reproduces every SDK vector root from a Node Readable, with and without workers", async () => {
    for (const c of vectors.vectors) {
      const data = c.rule === "zeros" ? new Uint8Array(c.size) : kpattern(c.size);
      const withPool = await computeFileMerkleStreaming(Readable.from(chunked(data, [65_537])), { pool });
      const onThread = await computeFileMerkleStreaming(chunked(data, [100_000]));
      expect(withPool.root === null ? null : toHex(withPool.root), c.name).toBe(c.root);
      expect(summary(onThread)).toEqual(summary(withPool));
      expect(withPool.nodes.map((n) => toHex(n.root))).toEqual(c.submission.nodes.map((n) => n.root));
    }
  });

  it("equals the in-memory result for random sizes and random chunking", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 3 * 1024 * 1024 })),
        fc.array(fc.integer({ min: 1, max: 300_000 }), { maxLength: 5 }),
        fc.integer({ min: 0, max: 255 }),
        async (size, sizes, salt) => {
          const data = kpattern(size + salt).subarray(salt);
          const expected = summary(computeFileMerkle(data));
          expect(summary(await computeFileMerkleStreaming(chunked(data, sizes), { pool, maxInFlight: 3 }))).toEqual(
            expected,
          );
        },
      ),
      { numRuns: 25 },
    );
  });

  it("is correct when the source refills one buffer after every yield (whole segments are hashed from the chunk)", async () => {
    const data = kpattern(5 * 262_144 + 1000);
    const chunkBytes = 2 * 262_144 + 256;
    async function* reused(): AsyncGenerator<Uint8Array> {
      const buf = new Uint8Array(chunkBytes);
      for (let o = 0; o < data.length; o += chunkBytes) {
        const n = Math.min(chunkBytes, data.length - o);
        buf.set(data.subarray(o, o + n));
        yield buf.subarray(0, n);
        buf.fill(0xee); // the consumer must not read the previous chunk any more
      }
    }
    const expected = summary(computeFileMerkle(data));
    expect(summary(await computeFileMerkleStreaming(reused(), { pool }))).toEqual(expected);
    expect(summary(await computeFileMerkleStreaming(reused()))).toEqual(expected);
  });

  it("handles an empty stream like the SDK (no root, no nodes)", async () => {
    const m = await computeFileMerkleStreaming(chunked(new Uint8Array(0), []), { pool });
    expect(m.root).toBeNull();
    expect(m.nodes).toHaveLength(0);
  });

  it("checks the expected size", async () => {
    await expect(computeFileMerkleStreaming(chunked(new Uint8Array(10), []), { expectedSize: 11 })).rejects.toThrow(
      StorageProtocolError,
    );
  });

  it("propagates a source error", async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(300_000);
      throw new Error("disk gone");
    }
    await expect(computeFileMerkleStreaming(failing(), { pool })).rejects.toThrow("disk gone");
  });
});

describe("createSegmentHashPool", () => {
  it("hashes segments like the in-thread hasher and rejects after close", async () => {
    const pool = createSegmentHashPool({ size: 1 });
    const data = kpattern(100_000);
    expect(await pool.hashSegment(data, 1024)).toEqual(computeSectorsRoot(data, 0, 1024));
    expect(await pool.hashSegment(data)).toEqual(computeSectorsRoot(data, 0, 391));
    await expect(pool.hashSegment(new Uint8Array(300_000))).rejects.toThrow(InvalidSizeError);
    await pool.close();
    await expect(pool.hashSegment(data)).rejects.toThrow(HashPoolError);
  });
  it("rejects a bad size", () => {
    expect(() => createSegmentHashPool({ size: 0 })).toThrow(HashPoolError);
  });
});

describe("segment proofs", () => {
  it("any segment proof verifies and a single flipped bit breaks it", () => {
    const data = kpattern(5 * 262_144 + 77_777);
    const m = computeFileMerkle(data);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: m.segmentRoots.length - 1 }),
        fc.nat(),
        fc.boolean(),
        (index, bit, inProof) => {
          const proof = computeSegmentProof(m.segmentRoots, index);
          expect(verifySegmentProof(m.root!, proof)).toBe(true);
          if (inProof && proof.proof.length > 0) {
            const siblings = proof.proof.map((s) => s.slice());
            siblings[bit % siblings.length][(bit >>> 3) % 32] ^= 1 << (bit & 7);
            expect(verifySegmentProof(m.root!, { ...proof, proof: siblings })).toBe(false);
          } else {
            const leaf = proof.segmentRoot.slice();
            leaf[(bit >>> 3) % 32] ^= 1 << (bit & 7);
            expect(verifySegmentProof(m.root!, { ...proof, segmentRoot: leaf })).toBe(false);
          }
          expect(verifySegmentProof(m.root!, { ...proof, index: (index + 1) % m.segmentRoots.length })).toBe(
            m.segmentRoots.length === 1,
          );
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("computeFileMerkleStreaming with a failing pool", () => {
  it("rejects with the pool's error while the source is still being read, leaving no unhandled rejection", async () => {
    const failingPool: SegmentHashPool = {
      size: 1,
      hashSegment: () => Promise.reject(new HashPoolError("worker crashed")),
      close: () => Promise.resolve(),
    };
    async function* slow(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(262_144);
      await new Promise((r) => setTimeout(r, 30));
      yield new Uint8Array(262_144);
      await new Promise((r) => setTimeout(r, 30));
      yield new Uint8Array(10);
    }
    await expect(computeFileMerkleStreaming(slow(), { pool: failingPool, maxInFlight: 8 })).rejects.toThrow(
      "worker crashed",
    );
  });
});
