import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, keccak256, toUtf8Bytes } from "ethers";
import { blake2b512, poraOutput, rangeDigest, recall, seal } from "./helpers/pora";

const coder = AbiCoder.defaultAbiCoder();
const K = (s: string) => keccak256(toUtf8Bytes(s));

// The cross-check vector of storage-and-da.md §5.10 (0G's PoraMineTest.pora() returned the same bytes).
const V = {
  minerId: K("minerId"),
  nonce: K("nonce"),
  subtaskDigest: K("subtask"),
  range: { startPosition: 0n, mineLength: 16384n, shardId: 0n, shardMask: (1n << 64n) - 1n },
  rangeDigest: "0x0428b8d537318479957e9cfcb45d2c3913808f11bfc15ef366eda4cf589fa3c0",
  padSeed:
    "0x706598a2a5bc2763950fe6a1a34222ffffd8ad88b51ebff14324305d8d354bd46a7fecaf1d2ceb5d4db06790b950a10191239f1bd8616512482ba9bbec7cfd9f",
  recallSeed: "0xb4c8db2cfa042669157f1f8ffd57c2f4e05ee0c5e0e2108e68a60106245a442c",
  sealOffset: 11,
  recallPosition: 12464n,
  sealContext: K("ctx"),
  poraOutput: "0xa02e438d961b36321bcf26fde5abdb5a4479ed9f69d91388d9e74fde4afd2974",
  sealRoot: "0xd6b6669764e75c842ed2f71c4885277b2b8f2e9a305d2d697c7ef59fa147071f",
};

const data = Array.from({ length: 128 }, (_, i) => keccak256(coder.encode(["uint256"], [i])));

async function fixture() {
  const harness = await (await ethers.getContractFactory("PoraHarness")).deploy();
  return { harness };
}

describe("PoRA cross-check vector (0G mine v1)", function () {
  it("the EIP-152 precompile gives standard BLAKE2b-512 on this network (empty, 1 block, multi-block, partial)", async function () {
    const { harness } = await loadFixture(fixture);
    expect(await harness.blake2b("0x")).to.equal(
      "0x786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419d25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce",
    );
    for (const len of [3, 128, 129, 256, 300, 4224]) {
      const input = ethers.hexlify(ethers.randomBytes(len));
      expect(await harness.blake2b(input), `len ${len}`).to.equal(blake2b512(input));
    }
  });

  it("the TypeScript helper reproduces the vector", function () {
    expect(rangeDigest(V.range)).to.equal(V.rangeDigest);
    const r = recall(V.minerId, V.nonce, V.subtaskDigest, V.range);
    expect(r.padSeed).to.equal(V.padSeed);
    expect(r.recallSeed).to.equal(V.recallSeed);
    expect(r.chunkOffset).to.equal(12n);
    expect(r.chunkOffset * 1024n + BigInt(V.sealOffset) * 16n).to.equal(V.recallPosition);
    const sealed = seal(V.minerId, V.sealContext, V.recallPosition, data);
    expect(poraOutput(r.padSeed, r.cells, V.sealOffset, sealed)).to.equal(V.poraOutput);
  });

  it("the contract's PoRA primitives reproduce the vector byte for byte", async function () {
    const { harness } = await loadFixture(fixture);
    expect(await harness.rangeDigest(0, 16384, 0, V.range.shardMask)).to.equal(V.rangeDigest);
    const sealed = seal(V.minerId, V.sealContext, V.recallPosition, data);
    const [seed, recallSeed, output] = await harness.pora(
      V.minerId,
      V.nonce,
      V.subtaskDigest,
      V.rangeDigest,
      V.sealOffset,
      sealed,
    );
    expect(seed).to.equal(V.padSeed);
    expect(recallSeed).to.equal(V.recallSeed);
    expect(output).to.equal(V.poraOutput);
    const [unsealed, root] = await harness.unsealRoot(V.minerId, V.sealContext, V.recallPosition, sealed);
    expect(unsealed).to.deep.equal(data);
    expect(root).to.equal(V.sealRoot);
  });
});
