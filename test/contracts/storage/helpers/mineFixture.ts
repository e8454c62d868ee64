import { ethers, ignition } from "hardhat";
import { mineUpTo } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, keccak256, concat, getBytes, toBeHex, zeroPadValue } from "ethers";
import StorageModule from "../../../../ignition/modules/Storage";
import type { Flow, Market, Mine, Reward } from "../../../../typechain";
import type { PoraAnswerStruct } from "../../../../typechain/contracts/storage/Mine";
import { FlowTreeModel, subtreeRoot } from "./flowTree";
import { poraOutput, recall, seal, sealWords, type RangeModel } from "./pora";

const coder = AbiCoder.defaultAbiCoder();
export const FULL_MASK = (1n << 64n) - 1n;
export const BLOCKS_PER_EPOCH = 40n;
export const TARGET_MINE_BLOCKS = 20n;
export const CHUNK_SECTORS = 1024n;
export const RELEASE_SECONDS = 1000n;
export const SUBMIT_NEW = "submit(((uint256,bytes,(bytes32,uint256)[]),address))";

export interface MineParamsOverride {
  difficulty?: bigint;
  targetSubmissions?: bigint;
  nSubtasks?: bigint;
  subtaskInterval?: bigint;
  targetMineBlocks?: bigint;
  maxShards?: bigint;
  mineSettings?: bigint;
  blocksPerEpoch?: bigint;
}

/** Deploys the storage layer through the Ignition module with fast test parameters. */
export async function deployWithIgnition(over: MineParamsOverride = {}) {
  const [, , , treasury] = await ethers.getSigners();
  const res = await ignition.deploy(StorageModule, {
    parameters: {
      Storage: {
        treasury: treasury.address,
        pricePerSector: 1000n,
        blocksPerEpoch: over.blocksPerEpoch ?? BLOCKS_PER_EPOCH,
        sectorsPerChunk: CHUNK_SECTORS,
        releaseSeconds: RELEASE_SECONDS,
        difficulty: over.difficulty ?? 1n,
        targetMineBlocks: over.targetMineBlocks ?? TARGET_MINE_BLOCKS,
        targetSubmissions: over.targetSubmissions ?? 2n,
        maxShards: over.maxShards ?? 4n,
        nSubtasks: over.nSubtasks ?? 1n,
        subtaskInterval: over.subtaskInterval ?? 1n,
        mineSettings: over.mineSettings ?? 0n,
      },
    },
  });
  return {
    flow: res.Flow as unknown as Flow,
    market: res.Market as unknown as Market,
    reward: res.Reward as unknown as Reward,
    mine: res.Mine as unknown as Mine,
  };
}

/** 1024 deterministic 256-byte sectors. */
export function makeSectors(tag: string, count = 1024): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const words = [0, 1, 2, 3, 4, 5, 6, 7].map((w) =>
      keccak256(concat([ethers.toUtf8Bytes(tag), toBeHex(i * 8 + w, 32)])),
    );
    out.push(getBytes(concat(words)));
  }
  return out;
}

/**
 * A deployed layer holding one 256 KiB file at [1024, 2048), a registered miner, and epoch 1 closed so the
 * file is sealable and the current context covers it.
 */
export async function minedWorld(over: MineParamsOverride = {}) {
  const [admin, miner, beneficiary, treasury, other] = await ethers.getSigners();
  const c = await deployWithIgnition(over);
  const sectors = makeSectors("file-1");
  const root = subtreeRoot(sectors, 10);
  const model = new FlowTreeModel();
  await c.flow.connect(miner).getFunction(SUBMIT_NEW)(
    { data: { length: 262144, tags: "0x", nodes: [{ root, height: 10 }] }, submitter: miner.address },
    { value: 1024n * 1000n },
  );
  model.insert([10], [root], [sectors]);
  const receipt = await (await c.mine.connect(miner).requestMinerId(beneficiary.address, 0)).wait();
  const log = receipt!.logs.map((l) => c.mine.interface.parseLog(l)).find((l) => l?.name === "NewMinerId");
  const minerId = log!.args[0] as string;
  const first = await c.flow.firstBlock();
  await mineUpTo(first + (over.blocksPerEpoch ?? BLOCKS_PER_EPOCH) + 1n);
  await c.flow.makeContext();
  return { admin, miner, beneficiary, treasury, other, ...c, model, minerId, sectors };
}

export type World = Awaited<ReturnType<typeof minedWorld>>;

export interface AnswerOptions {
  minerId?: string;
  range?: RangeModel;
  sealOffset?: (chunkOffset: bigint) => number;
  maxOutput?: bigint;
  nonceSeed?: number;
  /** Seal with this miner id instead (a wrong seal). */
  sealAs?: string;
}

export interface BuiltAnswer {
  answer: PoraAnswerStruct;
  output: string;
  subtaskDigest: string;
}

/** The subtask digest the contract will use for `minerId` in the current context. */
export async function subtaskDigestFor(w: World, minerId: string): Promise<{ digest: string; start: bigint }> {
  const ctx = await w.flow.getContext();
  const n = await w.mine.nSubtasks();
  const idx = BigInt(keccak256(coder.encode(["bytes32", "bytes32"], [ctx.digest, minerId]))) % n;
  const start = ctx.mineStart + idx * (await w.mine.subtaskInterval());
  const block = await ethers.provider.getBlock(Number(start));
  return { digest: keccak256(coder.encode(["bytes32", "bytes32"], [ctx.digest, block!.hash!])), start };
}

/** Searches nonces until an answer's output is ≤ maxOutput; builds the sealed data and the proof. */
export async function buildAnswer(w: World, o: AnswerOptions = {}): Promise<BuiltAnswer> {
  const minerId = o.minerId ?? w.minerId;
  const ctx = await w.flow.getContext();
  const { digest: subtaskDigest } = await subtaskDigestFor(w, minerId);
  const range = o.range ?? { startPosition: 0n, mineLength: 2048n, shardId: 0n, shardMask: FULL_MASK };
  for (let n = o.nonceSeed ?? 0; n < (o.nonceSeed ?? 0) + 5000; n++) {
    const nonce = zeroPadValue(toBeHex(n), 32);
    const r = recall(minerId, nonce, subtaskDigest, range);
    // Seal 0 of load 0 holds the reserved leaf 0, which no data can prove; miners skip it.
    const sealOffset = o.sealOffset ? o.sealOffset(r.chunkOffset) : r.chunkOffset === 0n ? 1 + (n % 63) : n % 64;
    const pos = range.startPosition + r.chunkOffset * 1024n + BigInt(sealOffset) * 16n;
    const sealCtx = (await w.flow.queryContextAtPosition.staticCall(pos + 15n)).digest;
    const sealed = seal(
      o.sealAs ?? minerId,
      sealCtx,
      pos,
      sealWords((p) => w.model.sectorAt(p), pos),
    );
    const output = poraOutput(r.padSeed, r.cells, sealOffset, sealed);
    if (o.maxOutput !== undefined && BigInt(output) > o.maxOutput) continue;
    const answer: PoraAnswerStruct = {
      contextDigest: ctx.digest,
      nonce,
      minerId,
      range,
      recallPosition: pos,
      sealOffset,
      sealedContextDigest: sealCtx,
      sealedData: sealed,
      merkleProof: w.model.proof(pos, 4),
    };
    return { answer, output, subtaskDigest };
  }
  throw new Error("no nonce found");
}
