import { describe, expect, it } from "vitest";
import { encodeLegacySubmitCalldata, encodeSubmitCalldata } from "./abi";
import { fromHex, toHex, type Hex } from "./bytes";
import { EMPTY_SECTOR_HASH, SUBMIT_LEGACY_SELECTOR, SUBMIT_SELECTOR } from "./constants";
import { computeFileMerkle } from "./fileMerkle";
import { keccak256 } from "./keccak";
import { computeMerkleRoot } from "./merkle";
import { createFlowTree, planInsertion } from "./flowTree";
import {
  computeRootFromNodes,
  computeSubmissionDigest,
  computeSubmissionFee,
  computeSubmissionSectors,
  createSubmission,
  isValidSubmission,
  type SubmissionNode,
} from "./submission";
import { kpattern, patterned } from "./testing/inputs";
import vectors from "./vectors/storage-sdk-vectors.json";

interface VectorCase {
  name: string;
  size: number;
  rule: string;
  inputKeccak256: Hex;
  numChunks: number;
  numSegments: number;
  paddedSize: number;
  numSegmentsPadded: number;
  root: Hex | null;
  submission: { length: number; tags: Hex; nodes: { root: Hex; height: number }[]; submitter: Hex };
  sectors: number;
  identity: Hex | null;
  contractValid: boolean;
  rootEqualsRightFoldOfNodes: boolean | null;
  calldataNew: Hex;
  calldataOld: Hex;
}

const cases = vectors.vectors as VectorCase[];
const submitter = vectors.constants.submitterUsed as Hex;

function inputOf(c: VectorCase): Uint8Array {
  return c.rule === "zeros" ? new Uint8Array(c.size) : kpattern(c.size);
}

describe("storage-sdk-vectors.json", () => {
  it("holds the 20 documented cases", () => {
    expect(cases).toHaveLength(20);
    expect(vectors.constants.emptyChunkHash).toBe(EMPTY_SECTOR_HASH);
  });

  describe.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const data = inputOf(c);
    const merkle = computeFileMerkle(data);
    const submission = createSubmission({ merkle, tags: "0x", submitter });
    const nodes: SubmissionNode[] = c.submission.nodes.map((n) => ({ root: n.root, height: BigInt(n.height) }));

    it("rebuilds the input", () => {
      expect(toHex(keccak256(data))).toBe(c.inputKeccak256);
    });

    it("has the SDK layout", () => {
      expect(merkle.layout.numSectors).toBe(c.numChunks);
      expect(merkle.layout.paddedSectors * 256).toBe(c.paddedSize);
      expect(merkle.layout.numSegments).toBe(c.numSegmentsPadded);
      expect(Math.ceil(c.numChunks / 1024)).toBe(c.numSegments);
    });

    it("has the SDK file root", () => {
      expect(merkle.root === null ? null : toHex(merkle.root)).toBe(c.root);
    });

    it("builds the SDK submission", () => {
      expect(submission.data.length).toBe(BigInt(c.submission.length));
      expect(submission.data.tags).toBe(c.submission.tags);
      expect(submission.data.nodes).toEqual(nodes);
      expect(submission.submitter).toBe(c.submission.submitter);
    });

    it("charges Σ 2^height sectors", () => {
      expect(computeSubmissionSectors(submission.data.nodes)).toBe(BigInt(c.sectors));
      expect(computeSubmissionFee(submission.data.nodes, 232_830_643n)).toBe(BigInt(c.sectors) * 232_830_643n);
    });

    it("computes the identity, validity and the right fold", () => {
      if (c.identity === null) expect(nodes).toHaveLength(0);
      else expect(computeSubmissionDigest(nodes)).toBe(c.identity);
      expect(isValidSubmission(submission)).toBe(c.contractValid);
      if (c.rootEqualsRightFoldOfNodes !== null) {
        expect(computeRootFromNodes(nodes) === c.root).toBe(c.rootEqualsRightFoldOfNodes);
      }
    });

    it("encodes both submit calldatas byte for byte", () => {
      expect(encodeSubmitCalldata(submission)).toBe(c.calldataNew);
      expect(encodeLegacySubmitCalldata(submission.data)).toBe(c.calldataOld);
      expect(c.calldataNew.slice(0, 10)).toBe(SUBMIT_SELECTOR);
      expect(c.calldataOld.slice(0, 10)).toBe(SUBMIT_LEGACY_SELECTOR);
    });
  });

  it("agrees with the official Go client's roots", () => {
    const byName = new Map(cases.map((c) => [c.name, c]));
    let compared = 0;
    for (const r of vectors.goClientCrossCheck.results) {
      if (r.goRoot === null) continue;
      const c = byName.get(r.name);
      if (c === undefined) throw new Error(`no vector named ${r.name}`);
      expect(toHex(computeFileMerkle(inputOf(c)).root!), r.name).toBe(r.goRoot);
      compared++;
    }
    expect(compared).toBeGreaterThan(10);
  });

  it("reproduces the official MerkleTree.test.js roots (raw-string leaves, promotion)", () => {
    const leaf = (i: number) => keccak256(new TextEncoder().encode(`chunk data - ${i}`));
    const mv = vectors.officialMerkleTreeVectors;
    expect(toHex(computeMerkleRoot([leaf(0), leaf(1)]))).toBe(mv.pair01.expected);
    for (const [n, v] of Object.entries(mv.roots)) {
      const leaves = Array.from({ length: Number(n) }, (_, i) => leaf(i));
      expect(toHex(computeMerkleRoot(leaves)), `n=${n}`).toBe(v.expected);
    }
  });

  it("reproduces the SDK upload replay (root, nodes, fee, Submit event position)", () => {
    const r = vectors.sdkUploadReplay;
    const merkle = computeFileMerkle(patterned(4196, (i) => i * 7 + 3));
    expect(toHex(merkle.root!)).toBe(r.root);
    const sub = createSubmission({ merkle, submitter });
    expect(sub.data.nodes.map((n) => [n.root, Number(n.height)])).toEqual(r.nodes);
    expect(computeSubmissionFee(sub.data.nodes, 7n)).toBe(BigInt(r.feeWei));
    expect(computeSubmissionDigest(sub.data.nodes)).toBe(r.new_1_2_8.submitEvent.identity);
    const tree = createFlowTree();
    const plan = tree.insert(sub.data.nodes);
    expect(plan.startIndex).toBe(BigInt(r.new_1_2_8.submitEvent.startPos));
    expect(plan.chargedLength).toBe(BigInt(r.new_1_2_8.submitEvent.length));
    expect(tree.length()).toBe(BigInt(r.new_1_2_8.treeAfter[0]));
  });

  it("reproduces the official flow.spec.ts placements", () => {
    const root = fromHex("0x" + "cc".repeat(32));
    const tree = createFlowTree();
    for (const r of vectors.flowContractReplay.results) {
      if (!("nodes" in r) || r.nodes === undefined) continue;
      const nodes = r.nodes.map((h) => ({ root, height: h }));
      const plan = tree.insert(nodes);
      expect(plan.startIndex).toBe(BigInt(r.startIndex));
      expect(plan.chargedLength).toBe(BigInt(r.sectors));
      expect(tree.length()).toBe(BigInt(r.treeAfter[0]));
    }
    expect(planInsertion(1n, [8]).startIndex).toBe(256n);
  });
});
