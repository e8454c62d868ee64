import { encodeFunctionData } from "viem";
import type { Hex } from "./bytes";
import type { PoraAnswer } from "./answer";
import type { Submission, SubmissionData } from "./submission";

const submissionDataComponents = [
  { name: "length", type: "uint256" },
  { name: "tags", type: "bytes" },
  {
    name: "nodes",
    type: "tuple[]",
    components: [
      { name: "root", type: "bytes32" },
      { name: "height", type: "uint256" },
    ],
  },
] as const;

/** ABI of the Flow's two `submit` overloads (current and legacy). */
export const flowSubmitAbi = [
  {
    type: "function",
    name: "submit",
    stateMutability: "payable",
    inputs: [
      {
        name: "submission",
        type: "tuple",
        components: [
          { name: "data", type: "tuple", components: submissionDataComponents },
          { name: "submitter", type: "address" },
        ],
      },
    ],
    outputs: [
      { name: "index", type: "uint256" },
      { name: "digest", type: "bytes32" },
      { name: "startIndex", type: "uint256" },
      { name: "length", type: "uint256" },
    ],
  },
] as const;

/** ABI of the legacy Flow's `submit((uint256,bytes,(bytes32,uint256)[]))`. */
export const flowLegacySubmitAbi = [
  {
    type: "function",
    name: "submit",
    stateMutability: "payable",
    inputs: [{ name: "submission", type: "tuple", components: submissionDataComponents }],
    outputs: [
      { name: "index", type: "uint256" },
      { name: "digest", type: "bytes32" },
      { name: "startIndex", type: "uint256" },
      { name: "length", type: "uint256" },
    ],
  },
] as const;

/** ABI of `PoraMine.submit(MineLib.PoraAnswer)`. */
export const mineSubmitAbi = [
  {
    type: "function",
    name: "submit",
    stateMutability: "nonpayable",
    inputs: [
      {
        name: "answer",
        type: "tuple",
        components: [
          { name: "contextDigest", type: "bytes32" },
          { name: "nonce", type: "bytes32" },
          { name: "minerId", type: "bytes32" },
          {
            name: "range",
            type: "tuple",
            components: [
              { name: "startPosition", type: "uint256" },
              { name: "mineLength", type: "uint256" },
              { name: "shardId", type: "uint64" },
              { name: "shardMask", type: "uint64" },
            ],
          },
          { name: "recallPosition", type: "uint256" },
          { name: "sealOffset", type: "uint256" },
          { name: "sealedContextDigest", type: "bytes32" },
          { name: "sealedData", type: "bytes32[128]" },
          { name: "merkleProof", type: "bytes32[]" },
        ],
      },
    ],
    outputs: [],
  },
] as const;

/**
 * Calldata of the current Flow's `submit` (selector 0xbc8c11f8), byte-identical to the SDK 1.2.x transaction.
 *
 * @param submission - from `createSubmission`
 * @returns calldata
 */
export function encodeSubmitCalldata(submission: Submission): Hex {
  return encodeFunctionData({ abi: flowSubmitAbi, functionName: "submit", args: [submission] });
}

/**
 * Calldata of the legacy Flow's `submit` (selector 0xef3e12dc), as SDK 0.3.x sends it.
 *
 * @param data - the submission data (no submitter)
 * @returns calldata
 */
export function encodeLegacySubmitCalldata(data: SubmissionData): Hex {
  return encodeFunctionData({ abi: flowLegacySubmitAbi, functionName: "submit", args: [data] });
}

/**
 * Calldata of `PoraMine.submit(answer)` (selector 0xae722e82).
 *
 * @param answer - from `buildPoraAnswer`
 * @returns calldata
 */
export function encodeMineSubmitCalldata(answer: PoraAnswer): Hex {
  return encodeFunctionData({ abi: mineSubmitAbi, functionName: "submit", args: [answer] });
}
