import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mineUpTo } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { zeroPadValue, toBeHex } from "ethers";
import fc from "fast-check";
import {
  BYTES_PER_SEAL,
  SECTORS_PER_LOAD,
  SECTORS_PER_PRICE,
  SEALS_PER_LOAD,
  buildPoraAnswer,
  checkPoraAnswer,
  computeFileMerkle,
  computePadSeed,
  computePoraOutput,
  computePoraThreshold,
  computeRecallLoad,
  computeRecallPosition,
  computeScratchpad,
  computeSealProof,
  computeSubmissionFee,
  computeSubtask,
  computeSubtaskDigest,
  createFlowLevels,
  createFlowTree,
  createSubmission,
  createUnshardedRange,
  isPoraHit,
  keccak256,
  seal,
  toHex,
  uint256ToBytes,
  type Hex,
  type PoraAnswer,
  type RecallRange,
} from "../../../agents/protocol/storage";
import { BLOCKS_PER_EPOCH, SUBMIT_NEW, deployWithIgnition } from "./helpers/mineFixture";
import { answerStruct, seededBytes, submissionStruct } from "./helpers/propsData";

/** Expected nonces per hit: high enough that a flipped nonce rarely still wins, low enough to find one quickly. */
const DIFFICULTY = 64n;
const SECTOR = 256;

/**
 * A storage layer deployed through the Ignition module holding one 256 KiB file of random bytes at flow positions
 * [1024, 2048) (submitted with the library's submission and fee), a registered miner, epoch 1 closed, and a valid PoRA
 * answer built offline by the library alone (seal, PoRA search, seal proof from the library's flow levels).
 */
async function answeredWorld() {
  const [, miner, beneficiary, , other] = await ethers.getSigners();
  const c = await deployWithIgnition({ difficulty: DIFFICULTY });

  const file = seededBytes(SECTORS_PER_LOAD * SECTOR, 0x5eed);
  const merkle = computeFileMerkle(file);
  const submission = createSubmission({ merkle, submitter: miner.address as Hex });
  const fee = computeSubmissionFee(submission.data.nodes, await c.market.pricePerSector());
  await (await c.flow.connect(miner).getFunction(SUBMIT_NEW)(submissionStruct(submission), { value: fee })).wait();
  const libraryTree = createFlowTree();
  const plan = libraryTree.insert(submission.data.nodes);

  const rc = await (await c.mine.connect(miner).requestMinerId(beneficiary.address, 7)).wait();
  const minerId = rc!.logs.map((l) => c.mine.interface.parseLog(l)).find((l) => l?.name === "NewMinerId")!
    .args[0] as Hex;
  await mineUpTo((await c.flow.firstBlock()) + BLOCKS_PER_EPOCH + 1n);
  await (await c.flow.makeContext()).wait();

  const { epoch, mineStart, flowRoot, flowLength, blockDigest, digest } = await c.flow.getContext();
  const ctx = {
    epoch,
    mineStart,
    flowRoot: flowRoot as Hex,
    flowLength,
    blockDigest: blockDigest as Hex,
    digest: digest as Hex,
  };
  expect(ctx.flowRoot).to.equal(libraryTree.root());

  // The flow's bytes: leaf 0 reserved, zero padding, the file at plan.startIndex.
  const image = new Uint8Array(Number(flowLength) * SECTOR);
  image.set(file, Number(plan.startIndex) * SECTOR);
  const leaves = Array.from({ length: Number(flowLength) }, (_, p) =>
    p === 0 ? new Uint8Array(32) : keccak256(image.subarray(p * SECTOR, (p + 1) * SECTOR)),
  );
  const levels = createFlowLevels(leaves);
  expect(toHex(levels.root)).to.equal(ctx.flowRoot);

  const { startBlock } = computeSubtask({
    contextDigest: ctx.digest,
    minerId,
    mineStart: ctx.mineStart,
    nSubtasks: await c.mine.nSubtasks(),
    subtaskInterval: await c.mine.subtaskInterval(),
  });
  const block = await ethers.provider.getBlock(Number(startBlock));
  const subtaskDigest = computeSubtaskDigest({ contextDigest: ctx.digest, subtaskStartBlockHash: block!.hash! as Hex });
  const range = createUnshardedRange(flowLength);
  const poraTarget = await c.mine.poraTarget();
  const threshold = computePoraThreshold({ poraTarget, flowLength, shardMask: range.shardMask });

  const sealContexts = new Map<bigint, Hex>();
  for (let n = 0; n < 100_000; n++) {
    const nonce = uint256ToBytes(BigInt(n));
    const padSeed = computePadSeed({ minerId, nonce, subtaskDigest, range });
    const { pad, recallSeed } = computeScratchpad(padSeed);
    const { chunkOffset, loadStart } = computeRecallLoad({ recallSeed, range });
    // Seal 0 of the flow holds the reserved leaf 0, which no data proves: skip it as miners do.
    const sealOffset = chunkOffset === 0n ? 1 + (n % (SEALS_PER_LOAD - 1)) : n % SEALS_PER_LOAD;
    const pos = computeRecallPosition(loadStart, sealOffset);
    if (!sealContexts.has(pos))
      sealContexts.set(pos, (await c.flow.queryContextAtPosition.staticCall(pos + 15n)).digest as Hex);
    const sealedContextDigest = sealContexts.get(pos)!;
    const sealedData = seal(image.subarray(Number(pos) * SECTOR, Number(pos) * SECTOR + BYTES_PER_SEAL), {
      minerId,
      sealContextDigest: sealedContextDigest,
      startSector: pos,
    });
    const output = computePoraOutput({ sealOffset, padSeed, pad, sealedData });
    if (!isPoraHit(output, threshold)) continue;
    const answer = buildPoraAnswer({
      contextDigest: ctx.digest,
      nonce,
      minerId,
      range,
      loadStart,
      sealOffset,
      sealedContextDigest,
      sealedData,
      merkleProof: computeSealProof({
        sealIndex: pos / 16n,
        flowLength,
        nodeAt: (h, i) => levels.nodeAt(h, Number(i)),
      }),
    });
    return {
      ...c,
      miner,
      beneficiary,
      other,
      minerId,
      ctx,
      subtaskDigest,
      poraTarget,
      threshold,
      answer,
      output: toHex(output),
      sealRange: await c.flow.getEpochRange(sealedContextDigest),
    };
  }
  throw new Error("no PoRA hit found");
}

type World = Awaited<ReturnType<typeof answeredWorld>>;

const FIELDS = [
  "contextDigest",
  "nonce",
  "minerId",
  "startPosition",
  "mineLength",
  "shardId",
  "shardMask",
  "recallPosition",
  "sealOffset",
  "sealedContextDigest",
  "sealedData",
  "merkleProof",
] as const;
type Field = (typeof FIELDS)[number];

interface Flip {
  readonly field: Field;
  /** Word of `sealedData` / `merkleProof` (taken modulo their length). */
  readonly word: number;
  /** Bit to flip (taken modulo the field's width: 64 for shardId/shardMask, 256 otherwise). */
  readonly bit: number;
}

const flipArb: fc.Arbitrary<Flip> = fc.record({
  field: fc.constantFrom(...FIELDS),
  word: fc.nat(127),
  bit: fc.nat(255),
});

function flipWord(hex: string, bit: number): Hex {
  return zeroPadValue(toBeHex(BigInt(hex) ^ (1n << BigInt(bit))), 32) as Hex;
}

/** The answer with one bit flipped. */
function applyFlip(a: PoraAnswer, f: Flip): PoraAnswer {
  const bit = f.field === "shardId" || f.field === "shardMask" ? f.bit % 64 : f.bit;
  const m = 1n << BigInt(bit);
  const range: { -readonly [K in keyof RecallRange]: RecallRange[K] } = { ...a.range };
  const out = { ...a, range, sealedData: [...a.sealedData], merkleProof: [...a.merkleProof] };
  switch (f.field) {
    case "contextDigest":
    case "nonce":
    case "minerId":
    case "sealedContextDigest":
      return { ...out, [f.field]: flipWord(a[f.field], bit) };
    case "startPosition":
    case "mineLength":
    case "shardId":
    case "shardMask":
      range[f.field] ^= m;
      return out;
    case "recallPosition":
    case "sealOffset":
      return { ...out, [f.field]: a[f.field] ^ m };
    case "sealedData":
      out.sealedData[f.word % out.sealedData.length] = flipWord(a.sealedData[f.word % a.sealedData.length], bit);
      return out;
    case "merkleProof":
      out.merkleProof[f.word % out.merkleProof.length] = flipWord(a.merkleProof[f.word % a.merkleProof.length], bit);
      return out;
  }
}

type Outcome = { readonly accepted: true } | { readonly error: string; readonly args: readonly unknown[] };

/**
 * What Mine must do with `b`, an answer one bit away from the valid `w.answer`, following the order of its checks
 * (miner, context, range, seal context, data proof, seal offset and recall position, target). Where the result depends
 * on hashes (a flipped nonce or shard mask moves the recall and the output), the library's offline check decides.
 */
function expectedOutcome(w: World, f: Flip, b: PoraAnswer): Outcome {
  const a = w.answer;
  const flowRoot = w.ctx.flowRoot;
  const maxLength = (w.ctx.flowLength / BigInt(SECTORS_PER_LOAD)) * BigInt(SECTORS_PER_LOAD);
  const check = () =>
    checkPoraAnswer(b, {
      subtaskDigest: w.subtaskDigest,
      flowRoot,
      flowLength: w.ctx.flowLength,
      poraTarget: w.poraTarget,
    });
  switch (f.field) {
    case "minerId":
      return { error: "MineUnknownMiner", args: [b.minerId] };
    case "contextDigest":
      return { error: "MineStaleContext", args: [b.contextDigest, a.contextDigest] };
    case "startPosition":
      if (b.range.startPosition % SECTORS_PER_PRICE !== 0n)
        return { error: "MineRangeNotAligned", args: [b.range.startPosition] };
      return { error: "MineRangeOutOfFlow", args: [b.range.startPosition + b.range.mineLength, maxLength] };
    case "mineLength":
      if (b.range.startPosition + b.range.mineLength > maxLength)
        return { error: "MineRangeOutOfFlow", args: [b.range.startPosition + b.range.mineLength, maxLength] };
      return { error: "MineRangeTooShort", args: [b.range.mineLength, maxLength] };
    case "shardId":
      return { error: "MineShardMismatch", args: [b.range.shardId, b.range.shardMask] };
    case "sealedContextDigest":
      return { error: "MineWrongSealContext", args: [b.sealedContextDigest, b.recallPosition] };
    case "recallPosition": {
      const end = b.recallPosition + 16n;
      if (w.sealRange.start >= end || end > w.sealRange.end)
        return { error: "MineWrongSealContext", args: [b.sealedContextDigest, b.recallPosition] };
      // A misaligned position has no library proof check (it would throw): any root but the flow root.
      return { error: "MineMerkleRootMismatch", args: [anyValue, flowRoot] };
    }
    case "sealedData":
    case "merkleProof":
      return { error: "MineMerkleRootMismatch", args: [toHex(check().recoveredRoot), flowRoot] };
    case "sealOffset":
      if (b.sealOffset >= BigInt(SEALS_PER_LOAD)) return { error: "MineSealOffsetOutOfRange", args: [b.sealOffset] };
      return {
        error: "MineRecallPositionMismatch",
        args: [a.recallPosition - 16n * a.sealOffset + 16n * b.sealOffset, b.recallPosition],
      };
    case "nonce":
    case "shardMask": {
      // These move the pad seed: the recall and the output are whatever the PoRA hash says.
      const r = check();
      if (!r.merkleRootMatches) throw new Error("a nonce or shard mask flip cannot change the data proof");
      if (!r.recallPositionMatches)
        return { error: "MineRecallPositionMismatch", args: [r.expectedRecallPosition, b.recallPosition] };
      if (r.hit === false) {
        const t = computePoraThreshold({
          poraTarget: w.poraTarget,
          flowLength: w.ctx.flowLength,
          shardMask: b.range.shardMask,
        });
        return { error: "MineAboveTarget", args: [toHex(r.poraOutput), t] };
      }
      return { accepted: true };
    }
  }
}

/** What a rejected answer must leave unchanged. */
async function observable(w: World) {
  return {
    submissions: await w.mine.currentSubmissions(),
    beneficiary: await ethers.provider.getBalance(w.beneficiary.address),
    reward: await ethers.provider.getBalance(await w.reward.getAddress()),
    mine: await ethers.provider.getBalance(await w.mine.getAddress()),
  };
}

/**
 * Every field at its lowest and highest bit, and the bits that reach the other branches (a zero mine length, a recall
 * position still inside the seal's epoch range, a seal offset still below 64), whatever the random runs pick.
 */
const EDGE_FLIPS: [Flip][] = [
  ...FIELDS.flatMap((field): [Flip][] => [
    [{ field, word: 0, bit: 0 }],
    [{ field, word: 127, bit: field === "shardId" || field === "shardMask" ? 63 : 255 }],
  ]),
  [{ field: "mineLength", word: 0, bit: 11 }],
  [{ field: "recallPosition", word: 0, bit: 4 }],
  [{ field: "sealOffset", word: 0, bit: 1 }],
];

describe("Mine accepts library-built answers and rejects any single flipped bit (property)", function () {
  it("the library's answer is accepted: the contract computes the library's subtask digest and PoRA output and rewards the recalled chunk", async function () {
    this.timeout(300_000);
    const w = await loadFixture(answeredWorld);
    expect(await w.mine.getSubtaskDigest(w.ctx, w.minerId)).to.equal(toHex(w.subtaskDigest));
    expect(await w.mine.pora(answerStruct(w.answer), w.subtaskDigest)).to.equal(w.output);
    const check = checkPoraAnswer(w.answer, {
      subtaskDigest: w.subtaskDigest,
      flowRoot: w.ctx.flowRoot,
      flowLength: w.ctx.flowLength,
      poraTarget: w.poraTarget,
    });
    expect([check.merkleRootMatches, check.recallPositionMatches, check.hit]).to.deep.equal([true, true, true]);
    const tx = w.mine.connect(w.other).submit(answerStruct(w.answer));
    await expect(tx).to.emit(w.mine, "NewSubmission").withArgs(w.ctx.epoch, w.minerId, 0n, w.answer.recallPosition);
    await expect(tx)
      .to.emit(w.reward, "DistributeReward")
      .withArgs(w.answer.recallPosition / 1024n, w.beneficiary.address, w.minerId, anyValue);
    expect(await w.mine.currentSubmissions()).to.equal(1n);
  });

  it("a single flipped bit in any field is rejected with the expected error and changes nothing; the original still passes", async function () {
    this.timeout(600_000);
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(flipArb, async (flip) => {
        const w = await loadFixture(answeredWorld);
        const flipped = applyFlip(w.answer, flip);
        const outcome = expectedOutcome(w, flip, flipped);
        if ("accepted" in outcome) {
          // A flipped nonce (or shard mask) that still recalls this seal and meets the target is itself a valid answer.
          await expect(w.mine.connect(w.other).submit(answerStruct(flipped))).to.emit(w.mine, "NewSubmission");
          seen.add(`${flip.field}:accepted`);
          return;
        }
        seen.add(`${flip.field}:${outcome.error}`);
        const before = await observable(w);
        // An explicit gas limit skips estimation, so the reverting transaction is really mined.
        await expect(w.mine.connect(w.other).submit(answerStruct(flipped), { gasLimit: 10_000_000 }))
          .to.be.revertedWithCustomError(w.mine, outcome.error)
          .withArgs(...outcome.args);
        expect(await observable(w)).to.deep.equal(before);
        await expect(w.mine.connect(w.other).submit(answerStruct(w.answer)))
          .to.emit(w.mine, "NewSubmission")
          .withArgs(w.ctx.epoch, w.minerId, 0n, w.answer.recallPosition);
      }),
      { numRuns: 100, examples: EDGE_FLIPS },
    );
    // Every field was exercised, and the checks before the data proof each fired.
    for (const field of FIELDS)
      expect(
        [...seen].some((s) => s.startsWith(`${field}:`)),
        field,
      ).to.equal(true);
    for (const error of [
      "MineRangeNotAligned",
      "MineRangeOutOfFlow",
      "MineRangeTooShort",
      "MineMerkleRootMismatch",
      "MineSealOffsetOutOfRange",
      "MineRecallPositionMismatch",
    ])
      expect(
        [...seen].some((s) => s.endsWith(`:${error}`)),
        error,
      ).to.equal(true);
  });
});
