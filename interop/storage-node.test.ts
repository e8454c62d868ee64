/**
 * The official TS SDK (@0gfoundation/0g-ts-sdk 1.2.8), unchanged, against our storage node and our Flow on a real
 * `hardhat node`: its `Uploader` submits and uploads a multi-segment file through our node, its `Downloader` gets it
 * back byte-identical, and its own `Proof.validateHash` accepts the proofs our node serves.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Contract, JsonRpcProvider, keccak256, NonceManager, Wallet } from "ethers";
import fc from "fast-check";
import { devnetAccount } from "../agents/devnet/accounts";
import {
  computeFileMerkle,
  computeMerkleLevels,
  computeMerkleProof,
  computeSegmentRoot,
  getFileLayout,
  getSegmentSectors,
  toHex,
} from "../agents/protocol/storage";
import { toSdkProof } from "../agents/storage-node/segments";
import type { StorageNode as OurNode } from "../agents/storage-node/node";
import { startStorageStack, startTestNode, testBytes, type StorageStack } from "../agents/storage-node/testing";

const GO_CLIENT = path.join(
  __dirname,
  "node_modules",
  "@0gfoundation",
  "0g-compute-ts-sdk",
  "binary",
  "0g-storage-client",
);

function runGo(args: string[], timeoutMs = 120_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(GO_CLIENT, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err
        ? typeof (err as { code?: unknown }).code === "number"
          ? (err as { code: number }).code
          : 1
        : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

const sdk = require("@0gfoundation/0g-ts-sdk") as typeof import("@0gfoundation/0g-ts-sdk");

let stack: StorageStack;
let ours: OurNode;
let provider: JsonRpcProvider;
let signer: NonceManager;
let tmp: string;

beforeAll(async () => {
  stack = await startStorageStack();
  ({ node: ours } = await startTestNode(stack));
  provider = new JsonRpcProvider(stack.chain.rpcUrl, undefined, {
    staticNetwork: true,
    pollingInterval: 100,
    cacheTimeout: -1,
  });
  signer = new NonceManager(new Wallet(devnetAccount("bob").privateKey, provider));
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zg-sdk-node-"));
}, 180_000);

afterAll(async () => {
  await ours?.stop({ drain: false });
  await stack?.stop();
});

describe("official TS SDK 1.2.8 against our storage node", () => {
  it("Uploader uploads a multi-segment file through our node; Downloader gets it back identical", async () => {
    const data = testBytes(3 * 256 * 1024 + 4321, 99);
    const flow = sdk.getFlowContract(stack.contracts.Flow, signer as never);
    const node = new sdk.StorageNode(ours.url);
    const uploader = new sdk.Uploader([node], stack.chain.rpcUrl, flow);
    const [res, err] = await uploader.uploadFile(new sdk.MemData(data), {
      tags: "0x",
      finalityRequired: true,
    } as never);
    expect(err).toBeNull();
    const root = toHex(computeFileMerkle(data).root as Uint8Array);
    expect(res.rootHash).toBe(root);
    const info = await node.getFileInfo(root, true);
    expect(info.finalized).toBe(true);
    expect(info.uploadedSegNum).toBe(4);
    expect(info.tx.seq).toBe(res.txSeq);

    const out = path.join(tmp, "download.bin");
    const dlErr = await new sdk.Downloader([node]).download(root, out, true);
    expect(dlErr).toBeNull();
    expect(fs.readFileSync(out).equals(Buffer.from(data))).toBe(true);

    // The SDK's own proof checker accepts every proof our node serves.
    const layout = getFileLayout(data.length);
    for (let i = 0; i < 4; i++) {
      const seg = await node.downloadSegmentWithProof(root, i);
      const bytes = Buffer.from(seg.data, "base64");
      const segRoot = toHex(computeSegmentRoot(bytes, getSegmentSectors(layout, i)));
      const proof = new sdk.Proof(seg.proof.lemma, seg.proof.path);
      expect(proof.validateHash(root, segRoot, i, layout.numSegments)).toBeNull();
      expect(seg.fileSize).toBe(data.length);
      expect(seg.index).toBe(i);
    }
  });

  it("a single-segment file and a sub-sector file round-trip too", async () => {
    for (const size of [1000, 200_000]) {
      const data = testBytes(size, size);
      const flow = sdk.getFlowContract(stack.contracts.Flow, signer as never);
      const node = new sdk.StorageNode(ours.url);
      const [res, err] = await new sdk.Uploader([node], stack.chain.rpcUrl, flow).uploadFile(new sdk.MemData(data), {
        tags: "0x",
        finalityRequired: true,
      } as never);
      expect(err).toBeNull();
      const out = path.join(tmp, `small-${size}.bin`);
      expect(await new sdk.Downloader([node]).download(res.rootHash, out, false)).toBeNull();
      expect(fs.readFileSync(out).equals(Buffer.from(data))).toBe(true);
      const seg = await node.downloadSegmentWithProof(res.rootHash, 0);
      const proof = new sdk.Proof(seg.proof.lemma, seg.proof.path);
      const layout = getFileLayout(size);
      const segRoot = toHex(computeSegmentRoot(Buffer.from(seg.data, "base64"), getSegmentSectors(layout, 0)));
      expect(proof.validateHash(res.rootHash, segRoot, 0, layout.numSegments)).toBeNull();
    }
  });

  it("zgs_getSectorProof: the SDK's StorageNode.getSectorProof answers proofs its Proof.validateHash accepts against the on-chain flow root", async () => {
    const data = testBytes(256 * 1024 + 3 * 256 + 17, 1234);
    const flowAddress = stack.contracts.Flow;
    const node = new sdk.StorageNode(ours.url);
    const [res, err] = await new sdk.Uploader(
      [node],
      stack.chain.rpcUrl,
      sdk.getFlowContract(flowAddress, signer as never),
    ).uploadFile(new sdk.MemData(data), { tags: "0x", finalityRequired: true } as never);
    expect(err).toBeNull();
    const info = await node.getFileInfo(res.rootHash, true);
    const start = Number(info.tx.startEntryIndex);
    const flow = new Contract(flowAddress, ["function getFlowRootByTxSeq(uint256) view returns (bytes32)"], provider);
    const flowRoot = ((await flow.getFlowRootByTxSeq(info.tx.seq)) as string).toLowerCase();
    const numSectors = Math.ceil(data.length / 256);
    // First, last, a segment boundary and the partial last sector of this file.
    for (const k of [0, 1, 1023, 1024, numSectors - 1]) {
      const sector = new Uint8Array(256);
      sector.set(data.subarray(k * 256, Math.min(data.length, (k + 1) * 256)));
      const proof = (await node.getSectorProof(start + k, flowRoot)) as { lemma: string[]; path: boolean[] };
      const sdkProof = new sdk.Proof(proof.lemma, proof.path);
      const leaf = keccak256(sector);
      expect(sdkProof.validateHash(flowRoot, leaf, start + k, 2 ** proof.path.length)).toBeNull();
      // The same proof claimed for a neighbouring position, or with another leaf, is refused by the SDK.
      expect(sdkProof.validateHash(flowRoot, leaf, start + k + 1, 2 ** proof.path.length)).not.toBeNull();
      expect(
        sdkProof.validateHash(flowRoot, keccak256(new Uint8Array(256)), start + k, 2 ** proof.path.length),
      ).not.toBeNull();
    }
    // Without a root the proof is for the flow's latest recorded root, which is this submission's.
    const latest = (await node.getSectorProof(start, null as never)) as { lemma: string[] };
    expect(latest.lemma[latest.lemma.length - 1].toLowerCase()).toBe(flowRoot);
  });

  it("the official Go client (0g-storage-client) uploads through our Flow and node and downloads with --proof", async () => {
    const data = testBytes(2 * 256 * 1024 + 777, 5);
    const file = path.join(tmp, "go-upload.bin");
    fs.writeFileSync(file, data);
    const up = await runGo([
      "upload",
      "--url",
      stack.chain.rpcUrl,
      "--key",
      devnetAccount("finetune").privateKey,
      "--flow-address",
      stack.contracts.Flow,
      "--market-address",
      stack.contracts.Market,
      "--node",
      ours.url,
      "--file",
      file,
      "--log-color-disabled",
    ]);
    expect(up.code, up.out).toBe(0);
    const root = toHex(computeFileMerkle(data).root as Uint8Array);
    const info = await new sdk.StorageNode(ours.url).getFileInfo(root, true);
    expect(info.finalized).toBe(true);
    const out = path.join(tmp, "go-download.bin");
    const down = await runGo([
      "download",
      "--node",
      ours.url,
      "--root",
      root,
      "--file",
      out,
      "--proof",
      "--log-color-disabled",
    ]);
    expect(down.code, down.out).toBe(0);
    expect(fs.readFileSync(out).equals(Buffer.from(data))).toBe(true);
  });

  it("differential: our segment proofs equal the SDK MerkleTree's proofAt for every segment (random sizes)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 9 * 256 * 1024 }), fc.integer(), async (size, seed) => {
        const data = testBytes(size, seed);
        const [tree, err] = await new sdk.MemData(data).merkleTree();
        expect(err).toBeNull();
        const merkle = computeFileMerkle(data);
        const levels = computeMerkleLevels(merkle.segmentRoots as Uint8Array[]);
        expect(tree!.rootHash()).toBe(toHex(merkle.root as Uint8Array));
        for (let i = 0; i < merkle.segmentRoots.length; i++) {
          const theirs = tree!.proofAt(i);
          const ours = toSdkProof(
            merkle.segmentRoots[i],
            computeMerkleProof(levels, i),
            merkle.root as Uint8Array,
            i,
            merkle.segmentRoots.length,
          );
          expect(ours).toEqual({ lemma: theirs.lemma, path: theirs.path });
        }
      }),
      { numRuns: 25 },
    );
  });
});
