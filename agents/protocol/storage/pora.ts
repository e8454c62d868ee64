import { createHash } from "node:crypto";
import { bytesToUint256, toBytes32, uint256ToBytes, type Hex } from "./bytes";
import {
  BYTES_PER_PAD,
  BYTES_PER_SEAL,
  MAX_MINING_LENGTH,
  SEALS_PER_LOAD,
  SEALS_PER_PAD,
  SECTORS_PER_LOAD,
  SECTORS_PER_PRICE,
  SECTORS_PER_SEAL,
} from "./constants";
import { InvalidSizeError, MiningInputError } from "./errors";
import { keccak256, keccak256Into, keccakScratchpad } from "./keccak";

/** `RecallRange { uint256 startPosition; uint256 mineLength; uint64 shardId; uint64 shardMask; }` (sectors). */
export interface RecallRange {
  readonly startPosition: bigint;
  readonly mineLength: bigint;
  readonly shardId: bigint;
  readonly shardMask: bigint;
}

const UINT64_MASK = (1n << 64n) - 1n;

/** The recall range that covers a whole flow without sharding: `{0, floor(len/1024)*1024 capped at 8 TiB, 0, 2^64−1}`. */
export function createUnshardedRange(flowLength: bigint): RecallRange {
  let mineLength = (flowLength / BigInt(SECTORS_PER_LOAD)) * BigInt(SECTORS_PER_LOAD);
  if (mineLength > MAX_MINING_LENGTH) mineLength = MAX_MINING_LENGTH;
  return { startPosition: 0n, mineLength, shardId: 0n, shardMask: UINT64_MASK };
}

/**
 * `range.digest()`: keccak256 of the four fields as `abi.encode(uint256, uint256, uint256, uint256)`.
 *
 * @returns 32 bytes
 */
export function computeRangeDigest(range: RecallRange): Uint8Array {
  const buf = new Uint8Array(128);
  buf.set(uint256ToBytes(range.startPosition), 0);
  buf.set(uint256ToBytes(range.mineLength), 32);
  buf.set(uint256ToBytes(range.shardId), 64);
  buf.set(uint256ToBytes(range.shardMask), 96);
  return keccak256(buf);
}

/** Inputs of {@link computePadSeed}. */
export interface PadSeedParameters {
  readonly minerId: Uint8Array | Hex;
  readonly nonce: Uint8Array | Hex;
  /** From `computeWorkerContext` (0 outside the miner's subtask window: do not mine). */
  readonly subtaskDigest: Uint8Array | Hex;
  readonly range: RecallRange;
}

/**
 * `padSeed = BLAKE2b-512(minerId ‖ nonce ‖ subtaskDigest ‖ rangeDigest)`.
 *
 * @returns 64 bytes
 */
export function computePadSeed({ minerId, nonce, subtaskDigest, range }: PadSeedParameters): Uint8Array {
  const h = createHash("blake2b512");
  h.update(toBytes32(minerId, "minerId"));
  h.update(toBytes32(nonce, "nonce"));
  h.update(toBytes32(subtaskDigest, "subtaskDigest"));
  h.update(computeRangeDigest(range));
  return new Uint8Array(h.digest());
}

/** The 16 KiB scratchpad and the seed that picks the recall load. */
export interface Scratchpad {
  /** 256 cells of 64 bytes. */
  readonly pad: Uint8Array;
  /** keccak256 of the last cell. */
  readonly recallSeed: Uint8Array;
}

/**
 * Expands `padSeed` into the scratchpad: each step rewrites the first half of the 64-byte state with keccak256 of the
 * whole state, then the second half with keccak256 of the updated state; the state after step c is cell c.
 *
 * @param padSeed - 64 bytes
 * @returns the pad and the recall seed
 */
export function computeScratchpad(padSeed: Uint8Array): Scratchpad {
  if (padSeed.length !== 64) throw new InvalidSizeError({ what: "padSeed", expected: 64, received: padSeed.length });
  const pad = new Uint8Array(BYTES_PER_PAD);
  keccakScratchpad(padSeed, pad);
  const recallSeed = new Uint8Array(32);
  keccak256Into(pad, BYTES_PER_PAD - 64, BYTES_PER_PAD, recallSeed, 0);
  return { pad, recallSeed };
}

/**
 * Number of shards a mask selects: 2^(zero bits of the 64-bit mask).
 *
 * @param shardMask - uint64
 * @returns shard count
 */
export function computeNumShards(shardMask: bigint): bigint {
  let zeros = 0n;
  for (let i = 0n; i < 64n; i++) if (((shardMask >> i) & 1n) === 0n) zeros++;
  return 1n << zeros;
}

/** The load (256 KiB) a recall seed picks. */
export interface RecallLoad {
  /** Load index inside the range, after the shard mask. */
  readonly chunkOffset: bigint;
  /** First sector of the load in the flow. */
  readonly loadStart: bigint;
}

/**
 * Picks the recall load: `o = recallSeed mod (mineLength / 1024)`, `chunkOffset = (uint64(o) & shardMask) | shardId`,
 * `loadStart = startPosition + chunkOffset × 1024`.
 *
 * @throws MiningInputError if the range has no whole load or the shard maps the load at or past its end (Mine reverts
 *   `MineRecallOutOfRange`)
 */
export function computeRecallLoad({
  recallSeed,
  range,
}: {
  readonly recallSeed: Uint8Array;
  readonly range: RecallRange;
}): RecallLoad {
  const loads = range.mineLength / BigInt(SECTORS_PER_LOAD);
  if (loads === 0n) throw new MiningInputError("recall range holds no whole load", { mineLength: range.mineLength });
  const o = bytesToUint256(toBytes32(recallSeed, "recallSeed")) % loads;
  const chunkOffset = (o & UINT64_MASK & range.shardMask) | range.shardId;
  // Our Mine requires chunkOffset < loads (`MineRecallOutOfRange`); 0G's reference allowed chunkOffset·1024 ≤ mineLength,
  // i.e. one load past the range (weakness 4 in docs/storage-contracts.md).
  if (chunkOffset >= loads) {
    throw new MiningInputError("shard maps the recall load outside the range", {
      chunkOffset,
      loads,
      mineLength: range.mineLength,
    });
  }
  return { chunkOffset, loadStart: range.startPosition + chunkOffset * BigInt(SECTORS_PER_LOAD) };
}

/**
 * `recallPosition = loadStart + sealOffset × 16`: the first sector of the answered seal.
 *
 * @throws MiningInputError if `sealOffset` is not in [0, 64)
 */
export function computeRecallPosition(loadStart: bigint, sealOffset: number): bigint {
  checkSealOffset(sealOffset);
  return loadStart + BigInt(sealOffset * SECTORS_PER_SEAL);
}

function checkSealOffset(sealOffset: number): void {
  // The contract does not bound sealOffset; we do, because offsets ≥ 64 alias other loads' seals.
  if (!Number.isInteger(sealOffset) || sealOffset < 0 || sealOffset >= SEALS_PER_LOAD) {
    throw new MiningInputError("seal offset must be in [0, 64)", { sealOffset });
  }
}

/** Inputs of {@link computePoraOutput}. */
export interface PoraOutputParameters {
  readonly sealOffset: number;
  readonly padSeed: Uint8Array;
  /** The 16 KiB pad from {@link computeScratchpad}. */
  readonly pad: Uint8Array;
  /** 4096 sealed bytes: `sealedData` of the answer (or a view into a loaded 256 KiB chunk). */
  readonly sealedData: Uint8Array;
}

// Module-level copies: imported bindings compile to property getters under CommonJS, too slow inside hot loops.
const SEAL_BYTES = BYTES_PER_SEAL;
const SEAL_WORDS = BYTES_PER_SEAL / 4;
const poraInput = new Uint8Array(32 + 64 + 32 + BYTES_PER_SEAL);
const mixed32 = new Uint32Array(poraInput.buffer, 128, BYTES_PER_SEAL / 4);

/**
 * The PoRA output: the first 32 bytes of BLAKE2b-512(uint256(sealOffset) ‖ padSeed ‖ 32 zero bytes ‖ mixed), with
 * `mixed = sealedData XOR pad[4096·(sealOffset mod 4), +4096)`.
 *
 * @returns 32 bytes; compare with {@link computePoraThreshold}
 */
export function computePoraOutput({ sealOffset, padSeed, pad, sealedData }: PoraOutputParameters): Uint8Array {
  checkSealOffset(sealOffset);
  if (sealedData.length !== BYTES_PER_SEAL)
    throw new InvalidSizeError({ what: "sealedData", expected: BYTES_PER_SEAL, received: sealedData.length });
  if (pad.length !== BYTES_PER_PAD)
    throw new InvalidSizeError({ what: "pad", expected: BYTES_PER_PAD, received: pad.length });
  if (padSeed.length !== 64) throw new InvalidSizeError({ what: "padSeed", expected: 64, received: padSeed.length });
  poraInput.fill(0, 0, 32);
  poraInput[28] = (sealOffset >>> 24) & 0xff;
  poraInput[29] = (sealOffset >>> 16) & 0xff;
  poraInput[30] = (sealOffset >>> 8) & 0xff;
  poraInput[31] = sealOffset & 0xff;
  poraInput.set(padSeed, 32);
  poraInput.fill(0, 96, 128);
  const base = SEAL_BYTES * (sealOffset % SEALS_PER_PAD);
  if ((sealedData.byteOffset & 3) === 0 && ((pad.byteOffset + base) & 3) === 0) {
    // Word-wise XOR (4× fewer iterations) when both views are 4-byte aligned, which they are for our own buffers.
    const s32 = new Uint32Array(sealedData.buffer, sealedData.byteOffset, SEAL_WORDS);
    const p32 = new Uint32Array(pad.buffer, pad.byteOffset + base, SEAL_WORDS);
    for (let i = 0; i < SEAL_WORDS; i++) mixed32[i] = s32[i] ^ p32[i];
  } else {
    for (let i = 0; i < SEAL_BYTES; i++) poraInput[128 + i] = sealedData[i] ^ pad[base + i];
  }
  return new Uint8Array(createHash("blake2b512").update(poraInput).digest().subarray(0, 32));
}

/** Inputs of {@link computePoraThreshold}. */
export interface PoraThresholdParameters {
  /** `poraTarget` from `computeWorkerContext` (0 means "do not mine"). */
  readonly poraTarget: bigint;
  /** `MineContext.flowLength`. */
  readonly flowLength: bigint;
  readonly shardMask: bigint;
}

/**
 * Largest accepted output: `(poraTarget / scaleX64) << 64`, `scaleX64 = (min(flowLength, 2^35) << 64) /
 * min(flowLength / numShards, 2^35)`. An output `≤` this value is a hit.
 *
 * @returns the threshold as an integer
 */
export function computePoraThreshold({ poraTarget, flowLength, shardMask }: PoraThresholdParameters): bigint {
  const numShards = computeNumShards(shardMask);
  const shardLength = flowLength / numShards < MAX_MINING_LENGTH ? flowLength / numShards : MAX_MINING_LENGTH;
  if (shardLength === 0n) throw new MiningInputError("flow is shorter than the shard count", { flowLength, numShards });
  const total = flowLength < MAX_MINING_LENGTH ? flowLength : MAX_MINING_LENGTH;
  const scaleX64 = (total << 64n) / shardLength;
  return ((poraTarget / scaleX64) << 64n) & ((1n << 256n) - 1n);
}

/**
 * Whether a PoRA output meets the threshold.
 *
 * @returns true for a hit
 */
export function isPoraHit(output: Uint8Array, threshold: bigint): boolean {
  return bytesToUint256(output) <= threshold;
}

/** A seal in a load whose PoRA output meets the threshold. */
export interface PoraHit {
  readonly sealOffset: number;
  readonly poraOutput: Uint8Array;
}

/**
 * Scans one sealed 256 KiB recall load: computes the PoRA output of each of its 64 seals and returns those at or below
 * `threshold`, in seal order.
 *
 * @param args - pad seed and pad of the nonce, the sealed load bytes, and the threshold from {@link computePoraThreshold}
 * @returns the hits (usually none)
 */
export function findPoraHits(args: {
  readonly padSeed: Uint8Array;
  readonly pad: Uint8Array;
  readonly load: Uint8Array;
  readonly threshold: bigint;
}): PoraHit[] {
  const expected = BYTES_PER_SEAL * SEALS_PER_LOAD;
  if (args.load.length !== expected)
    throw new InvalidSizeError({ what: "Recall load", expected, received: args.load.length });
  const hits: PoraHit[] = [];
  for (let s = 0; s < SEALS_PER_LOAD; s++) {
    const sealedData = args.load.subarray(s * BYTES_PER_SEAL, (s + 1) * BYTES_PER_SEAL);
    const poraOutput = computePoraOutput({ sealOffset: s, padSeed: args.padSeed, pad: args.pad, sealedData });
    if (isPoraHit(poraOutput, args.threshold)) hits.push({ sealOffset: s, poraOutput });
  }
  return hits;
}

/**
 * The Mine contract's recall range rules (`RecallRange.check`): whole loads only (`maxLen = floor(flowLength/1024)·1024`),
 * a start aligned to a pricing chunk (2^25 sectors), `start + mineLength ≤ maxLen`, `mineLength ≤ 8 TiB × numShards`,
 * the miner covering the full allowed length (`mineLength ≥ min(maxLen, 8 TiB × numShards)`), `shardId & shardMask == 0`
 * and `numShards ≤ maxShards`.
 *
 * @param args - the range, the context's flow length and the Mine's `maxShards`
 * @throws MiningInputError naming the broken rule
 */
export function checkRecallRange({
  range,
  flowLength,
  maxShards,
}: {
  readonly range: RecallRange;
  readonly flowLength: bigint;
  readonly maxShards: bigint;
}): void {
  const maxLen = (flowLength / BigInt(SECTORS_PER_LOAD)) * BigInt(SECTORS_PER_LOAD);
  const numShards = computeNumShards(range.shardMask);
  const cap = MAX_MINING_LENGTH * numShards;
  const details = { startPosition: range.startPosition, mineLength: range.mineLength, maxLength: maxLen };
  if (range.startPosition % SECTORS_PER_PRICE !== 0n)
    throw new MiningInputError("start is not aligned to a pricing chunk", details);
  if (range.startPosition + range.mineLength > maxLen)
    throw new MiningInputError("range exceeds the flow's whole loads", details);
  if (range.mineLength > cap)
    throw new MiningInputError("range exceeds the mining cap for its shards", { ...details, cap });
  if (range.mineLength < (maxLen < cap ? maxLen : cap))
    throw new MiningInputError("range does not cover the full allowed length", { ...details, cap });
  if ((range.shardId & range.shardMask) !== 0n)
    throw new MiningInputError("shard id overlaps the shard mask", {
      shardId: range.shardId,
      shardMask: range.shardMask,
    });
  if (numShards > maxShards) throw new MiningInputError("too many shards", { numShards, maxShards });
}
