import { bytesEqual, toBytes32, toHex, type Hex } from "./bytes";
import { BYTES_PER_SEAL, EMPTY_HASH, SEALS_PER_LOAD, UNITS_PER_SEAL } from "./constants";
import { InvalidSizeError, MiningInputError } from "./errors";
import {
  computePadSeed,
  computePoraOutput,
  computePoraThreshold,
  computeRecallLoad,
  computeRecallPosition,
  computeScratchpad,
  isPoraHit,
  type RecallRange,
} from "./pora";
import { unseal } from "./seal";
import { recoverSealMerkleRoot } from "./sealProof";

/**
 * `MineLib.PoraAnswer`, exactly the tuple `PoraMine.submit` takes (viem ABI shape):
 * `(bytes32,bytes32,bytes32,(uint256,uint256,uint64,uint64),uint256,uint256,bytes32,bytes32[128],bytes32[])`.
 */
export interface PoraAnswer {
  readonly contextDigest: Hex;
  readonly nonce: Hex;
  readonly minerId: Hex;
  readonly range: RecallRange;
  readonly recallPosition: bigint;
  readonly sealOffset: bigint;
  readonly sealedContextDigest: Hex;
  /** 128 words of the sealed 4 KiB unit. */
  readonly sealedData: readonly Hex[];
  /** Siblings from the seal subtree (height 4) to the flow root, bottom-up. */
  readonly merkleProof: readonly Hex[];
}

/** Inputs of {@link buildPoraAnswer}. */
export interface BuildPoraAnswerParameters {
  /** `MineContext.digest` the answer is for. */
  readonly contextDigest: Uint8Array | Hex;
  readonly nonce: Uint8Array | Hex;
  readonly minerId: Uint8Array | Hex;
  readonly range: RecallRange;
  /** First sector of the recall load (`computeRecallLoad(...).loadStart`). */
  readonly loadStart: bigint;
  /** Seal inside the load, [0, 64). */
  readonly sealOffset: number;
  /** Context digest the seal was sealed with. */
  readonly sealedContextDigest: Uint8Array | Hex;
  /** The 4096 sealed bytes. */
  readonly sealedData: Uint8Array;
  /** From `computeSealProof`. */
  readonly merkleProof: readonly Uint8Array[];
}

/**
 * Assembles the answer struct for `PoraMine.submit`, computing `recallPosition = loadStart + 16·sealOffset`.
 *
 * @returns the ABI tuple (pass it to `encodeMineSubmitCalldata` or viem's `writeContract`)
 * @throws InvalidSizeError / MiningInputError for malformed inputs
 */
export function buildPoraAnswer(p: BuildPoraAnswerParameters): PoraAnswer {
  if (p.sealedData.length !== BYTES_PER_SEAL)
    throw new InvalidSizeError({ what: "sealedData", expected: BYTES_PER_SEAL, received: p.sealedData.length });
  const words: Hex[] = [];
  for (let i = 0; i < UNITS_PER_SEAL; i++) words.push(toHex(p.sealedData.subarray(32 * i, 32 * i + 32)));
  return {
    contextDigest: toHex(toBytes32(p.contextDigest, "contextDigest")),
    nonce: toHex(toBytes32(p.nonce, "nonce")),
    minerId: toHex(toBytes32(p.minerId, "minerId")),
    range: p.range,
    recallPosition: computeRecallPosition(p.loadStart, p.sealOffset),
    sealOffset: BigInt(p.sealOffset),
    sealedContextDigest: toHex(toBytes32(p.sealedContextDigest, "sealedContextDigest")),
    sealedData: words,
    merkleProof: p.merkleProof.map((s) => toHex(toBytes32(s, "merkleProof sibling"))),
  };
}

/** Everything the contract checks that depends only on the answer and the mining context, recomputed offline. */
export interface PoraAnswerCheck {
  readonly poraOutput: Uint8Array;
  /** Recall position the PoRA seed implies; must equal `answer.recallPosition`. */
  readonly expectedRecallPosition: bigint;
  readonly recallPositionMatches: boolean;
  /** Root recovered from the unsealed data and proof; must equal `flowRoot`. */
  readonly recoveredRoot: Uint8Array;
  readonly merkleRootMatches: boolean;
  /** Whether `poraOutput` meets the threshold (undefined if no `poraTarget` was given). */
  readonly hit: boolean | undefined;
}

/**
 * Recomputes an answer the way `PoraMine.submit` does (unseal, merkle check, recall position, PoRA output, target), so a
 * miner can check before paying gas.
 *
 * @param answer - from {@link buildPoraAnswer}
 * @param context - the subtask digest, flow root and length of the mining context, and optionally the target
 * @returns the intermediate results
 */
export function checkPoraAnswer(
  answer: PoraAnswer,
  context: {
    readonly subtaskDigest: Uint8Array | Hex;
    readonly flowRoot: Uint8Array | Hex;
    readonly flowLength: bigint;
    readonly poraTarget?: bigint;
  },
): PoraAnswerCheck {
  if (answer.sealedData.length !== UNITS_PER_SEAL)
    throw new InvalidSizeError({
      what: "sealedData words",
      expected: UNITS_PER_SEAL,
      received: answer.sealedData.length,
    });
  if (answer.sealOffset >= BigInt(SEALS_PER_LOAD))
    throw new MiningInputError("seal offset must be in [0, 64)", { sealOffset: answer.sealOffset });
  if (answer.sealedContextDigest.toLowerCase() === EMPTY_HASH)
    throw new MiningInputError("sealed context digest is EMPTY_HASH", {
      sealedContextDigest: answer.sealedContextDigest,
    });
  const sealed = new Uint8Array(BYTES_PER_SEAL);
  answer.sealedData.forEach((w, i) => sealed.set(toBytes32(w, "sealedData word"), 32 * i));
  const unsealed = unseal(sealed, {
    minerId: answer.minerId,
    sealContextDigest: answer.sealedContextDigest,
    startSector: answer.recallPosition,
  });
  const recoveredRoot = recoverSealMerkleRoot({
    unsealed,
    recallPosition: answer.recallPosition,
    merkleProof: answer.merkleProof.map((s) => toBytes32(s, "merkleProof sibling")),
  });
  const padSeed = computePadSeed({
    minerId: answer.minerId,
    nonce: answer.nonce,
    subtaskDigest: context.subtaskDigest,
    range: answer.range,
  });
  const { pad, recallSeed } = computeScratchpad(padSeed);
  const sealOffset = Number(answer.sealOffset);
  const expectedRecallPosition = computeRecallPosition(
    computeRecallLoad({ recallSeed, range: answer.range }).loadStart,
    sealOffset,
  );
  const poraOutput = computePoraOutput({ sealOffset, padSeed, pad, sealedData: sealed });
  const hit =
    context.poraTarget === undefined
      ? undefined
      : isPoraHit(
          poraOutput,
          computePoraThreshold({
            poraTarget: context.poraTarget,
            flowLength: context.flowLength,
            shardMask: answer.range.shardMask,
          }),
        );
  return {
    poraOutput,
    expectedRecallPosition,
    recallPositionMatches: expectedRecallPosition === answer.recallPosition,
    recoveredRoot,
    merkleRootMatches: bytesEqual(recoveredRoot, toBytes32(context.flowRoot, "flowRoot")),
    hit,
  };
}
