import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "./bytes";
import { EMPTY_SECTOR_HASH, ZERO_HASH } from "./constants";
import { FlowTreeError, InvalidHeightError } from "./errors";
import { computeFileMerkle } from "./fileMerkle";
import { createFlowLevels, createFlowTree, planInsertion, zeroSubtreeRoot } from "./flowTree";
import { hashPair } from "./keccak";
import { computeSubmissionDigest, createSubmission } from "./submission";
import { buildTestFlow } from "./testing/flow";
import { patterned } from "./testing/inputs";

// storage-and-da.md §9.6: real SDK 1.2.8 submissions to the reference FixedPriceFlow, in this order.
const replay = [
  {
    size: 1000,
    heights: [2],
    root: "0x956cc56baf1a3c8904b6dbd16868ad086f52bba0cabb859fad91e8370508f671",
    start: 4n,
    length: 4n,
    after: 8n,
    flowRoot: "0x110787d1f31c46792fed6a8461e8ee5bdd47d610de9872d9246bee629ec107af",
  },
  {
    size: 1280,
    heights: [2, 0],
    root: "0x59bf68b3f20f78aeaf7cfcb40260d224b84e8706881ab4915bd42b2ada6cbcc1",
    start: 8n,
    length: 5n,
    after: 13n,
    flowRoot: "0x290484e05ab33183060e2bb415881c01b8e93b228a15f5a5d9c4a6007e858a00",
  },
  {
    size: 4353,
    heights: [4, 1],
    root: "0xfcc2748f7e0739c5c7572665b1be1f1f23de39acf10b939e47472cf32e3b9a90",
    start: 16n,
    length: 18n,
    after: 34n,
    flowRoot: "0x641395fedbea6e70c05a0f561f9aad141bd45a9266439c2b52b9ab4de2634825",
  },
  {
    size: 300000,
    heights: [10, 8],
    root: "0x04f3f3c1a9b94c408cc91624244806a8ab53ffc5842647189d4060cf39d58318",
    start: 1024n,
    length: 1280n,
    after: 2304n,
    flowRoot: "0x96b4717e69ce3708c803daf8d853ab72a9cde6351c59dba78218ec8aff0040dd",
  },
  {
    size: 262144,
    heights: [10],
    root: "0x4d533607c0f4423a9287d761e7394aa61552adb7d6a080cdb278ddb65b2eacb7",
    start: 3072n,
    length: 1024n,
    after: 4096n,
    flowRoot: "0x106982f16a6fa8a8bc743cdb415314efdca826e6a400e4b89920fa726552ce4f",
  },
] as const;
const payload = (size: number) => patterned(size, (i) => i % 251);

describe("zeroSubtreeRoot", () => {
  it("starts at keccak256(256 zero bytes) and doubles by hashing", () => {
    expect(toHex(zeroSubtreeRoot(0))).toBe(EMPTY_SECTOR_HASH);
    expect(toHex(zeroSubtreeRoot(1)).slice(0, 10)).toBe("0xf73e6947");
    expect(zeroSubtreeRoot(5)).toEqual(hashPair(zeroSubtreeRoot(4), zeroSubtreeRoot(4)));
  });
  it("reverts past height 63 like FlowTreeLib", () => {
    expect(() => zeroSubtreeRoot(64)).toThrow(InvalidHeightError);
    expect(zeroSubtreeRoot(63)).toHaveLength(32);
  });
});

describe("createFlowTree", () => {
  it("starts with the reserved zero leaf: length 1, root 0x00…00", () => {
    const tree = createFlowTree();
    expect(tree.length()).toBe(1n);
    expect(tree.root()).toBe(ZERO_HASH);
  });

  it("matches the documented first insertion: H(H(H(0, z0), z1), R)", () => {
    const tree = createFlowTree();
    const r = fromHex("0x" + "ab".repeat(32));
    tree.insert([{ root: r, height: 2 }]);
    expect(tree.root()).toBe(
      toHex(hashPair(hashPair(hashPair(fromHex(ZERO_HASH), zeroSubtreeRoot(0)), zeroSubtreeRoot(1)), r)),
    );
  });

  it("replays the SDK → FixedPriceFlow run: node roots, identities, positions and getFlowRootByTxSeq", () => {
    const tree = createFlowTree();
    for (const row of replay) {
      const merkle = computeFileMerkle(payload(row.size));
      expect(toHex(merkle.root!)).toBe(row.root);
      expect(merkle.nodes.map((n) => n.height)).toEqual(row.heights);
      const plan = tree.insert(merkle.nodes);
      expect(plan.startIndex).toBe(row.start);
      expect(plan.chargedLength).toBe(row.length);
      expect(tree.length()).toBe(row.after);
      expect(tree.root()).toBe(row.flowRoot);
    }
    const single = createSubmission({
      merkle: computeFileMerkle(payload(1000)),
      submitter: "0x1111111111111111111111111111111111111111",
    });
    expect(computeSubmissionDigest(single.data.nodes)).toBe(
      "0xce885bed78fa8197524c8cb72bc319384b254bf0606aa607336227cfe204cd23",
    );
    const seg = createSubmission({
      merkle: computeFileMerkle(payload(262144)),
      submitter: "0x1111111111111111111111111111111111111111",
    });
    expect(computeSubmissionDigest(seg.data.nodes)).toBe(
      "0x993c12f7c8fc0e62ca9e4be9e4fb1f6a03715789dd3f4a56d25c3cd62638c6a7",
    );
  });

  it("agrees with the fully materialised tree over the same leaves (random files)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40_000 }), { minLength: 1, maxLength: 4 }), (sizes) => {
        const flow = buildTestFlow(sizes.map((s) => payload(s)));
        expect(toHex(createFlowLevels(flow.leaves).root)).toBe(flow.tree.root());
      }),
      { numRuns: 30 },
    );
  });

  it("rejects a position before the end or a misaligned one", () => {
    const tree = createFlowTree();
    const r = fromHex(EMPTY_SECTOR_HASH);
    expect(() => tree.appendSubtree(0n, r, 0)).toThrow(FlowTreeError);
    expect(() => tree.appendSubtree(6n, r, 2)).toThrow(FlowTreeError);
    expect(() => tree.appendSubtree(8n, r, 64)).toThrow(InvalidHeightError);
    tree.appendSubtree(8n, r, 2);
    expect(tree.length()).toBe(12n);
  });
});

describe("planInsertion", () => {
  it("moves to the next segment when an unaligned submission would cross a 1024-sector boundary", () => {
    // 1000 sectors in: h9 aligns to 1024 itself; h5+h4 at 1000 would start at 1024 too; h3,h2 (12 sectors) at 1016 crosses.
    const p = planInsertion(1016n, [3, 2]);
    expect(p.startIndex).toBe(1024n);
    expect(p.paddedLength).toBe(8n);
    expect(planInsertion(1008n, [3, 2]).startIndex).toBe(1008n);
  });
  it("places each node at the next multiple of its size", () => {
    const p = planInsertion(34n, [4, 1]);
    expect(p.nodeStarts).toEqual([48n, 64n]);
    expect(p.afterLength).toBe(66n);
  });
  it("rejects an empty node list", () => {
    expect(() => planInsertion(1n, [])).toThrow(FlowTreeError);
  });
});
