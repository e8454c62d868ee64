import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IndexOutOfRangeError, InvalidSizeError, StorageProtocolError } from "./errors";
import { computeFileMerkle, computeSegmentProof, computeSegmentRoot } from "./fileMerkle";
import { keccak256 } from "./keccak";
import {
  computeCompleteRoot,
  computeMerkleLevels,
  computeMerkleProof,
  computeMerkleRoot,
  verifyMerkleProof,
} from "./merkle";
import { kpattern } from "./testing/inputs";
import { getSegmentSectors } from "./padding";

const leaves = (n: number) => Array.from({ length: n }, (_, i) => keccak256(new Uint8Array([i & 0xff, i >> 8])));

describe("SDK merkle tree (odd node promoted)", () => {
  it("any leaf's proof verifies; a flipped bit in the leaf, a sibling or the root breaks it", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 2 }),
        (n, pick, bit, where) => {
          const ls = leaves(n);
          const index = pick % n;
          const root = computeMerkleRoot(ls);
          const levels = computeMerkleLevels(ls);
          const proof = computeMerkleProof(levels, index);
          expect(proof).toEqual(computeMerkleProof(ls, index));
          expect(verifyMerkleProof({ root, leaf: ls[index], index, numLeaves: n, proof })).toBe(true);
          const flip = (b: Uint8Array) => {
            const c = b.slice();
            c[(bit >>> 3) % 32] ^= 1 << (bit & 7);
            return c;
          };
          if (where === 0 || proof.length === 0) {
            expect(verifyMerkleProof({ root, leaf: flip(ls[index]), index, numLeaves: n, proof })).toBe(false);
          } else if (where === 1) {
            const p = proof.slice();
            p[bit % p.length] = flip(p[bit % p.length]);
            expect(verifyMerkleProof({ root, leaf: ls[index], index, numLeaves: n, proof: p })).toBe(false);
          } else {
            expect(verifyMerkleProof({ root: flip(root), leaf: ls[index], index, numLeaves: n, proof })).toBe(false);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("rejects truncated or extended proofs and out-of-range indices", () => {
    const ls = leaves(9);
    const root = computeMerkleRoot(ls);
    const proof = computeMerkleProof(ls, 4);
    expect(verifyMerkleProof({ root, leaf: ls[4], index: 4, numLeaves: 9, proof: proof.slice(1) })).toBe(false);
    expect(verifyMerkleProof({ root, leaf: ls[4], index: 4, numLeaves: 9, proof: [...proof, root] })).toBe(false);
    expect(verifyMerkleProof({ root, leaf: ls[4], index: 9, numLeaves: 9, proof })).toBe(false);
    expect(() => computeMerkleProof(ls, 9)).toThrow(IndexOutOfRangeError);
    expect(() => computeMerkleRoot([])).toThrow(StorageProtocolError);
  });

  it("promotes the odd node rather than duplicating it", () => {
    const ls = leaves(3);
    expect(computeMerkleRoot(ls)).toEqual(
      keccak256(new Uint8Array([...keccak256(new Uint8Array([...ls[0], ...ls[1]])), ...ls[2]])),
    );
    expect(() => computeCompleteRoot(ls)).toThrow(InvalidSizeError);
  });
});

describe("segments", () => {
  const file = kpattern(3 * 262_144 + 1000);
  const m = computeFileMerkle(file);

  it("recomputes each uploaded segment's root from its bytes", () => {
    const sectorsOfLast = getSegmentSectors(m.layout, 3);
    expect(sectorsOfLast).toBe(m.layout.paddedSectors - 3 * 1024);
    expect(getSegmentSectors(m.layout, 0)).toBe(1024);
    expect(() => getSegmentSectors(m.layout, 4)).toThrow(IndexOutOfRangeError);
    expect(computeSegmentRoot(file.subarray(0, 262_144), 1024)).toEqual(m.segmentRoots[0]);
    expect(computeSegmentRoot(file.subarray(3 * 262_144), sectorsOfLast)).toEqual(m.segmentRoots[3]);
  });

  it("rejects a bad segment index or size", () => {
    expect(() => computeSegmentProof(m.segmentRoots, 4)).toThrow(IndexOutOfRangeError);
    expect(() => computeSegmentProof(m.segmentRoots, -1)).toThrow(IndexOutOfRangeError);
    expect(() => computeSegmentRoot(new Uint8Array(262_145), 1024)).toThrow(InvalidSizeError);
    expect(() => computeSegmentRoot(new Uint8Array(10), 1025)).toThrow(IndexOutOfRangeError);
    expect(() => computeSegmentProof(m.segmentRoots, 7)).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ index: 7, limit: 4 }) }),
    );
  });
});
