import { concatBytes, toBytes32, uint256ToBytes, type Hex } from "./bytes";
import { MiningInputError } from "./errors";
import { keccak256 } from "./keccak";

/**
 * An epoch's mining context digest: `keccak256(abi.encode(bytes32 blockDigest, bytes32 flowRoot, uint256 flowLength))`,
 * where `blockDigest` is the hash of the epoch's start block (the Flow's `_makeContext`).
 *
 * @returns 32 bytes
 */
export function computeContextDigest(args: {
  readonly blockDigest: Uint8Array | Hex;
  readonly flowRoot: Uint8Array | Hex;
  readonly flowLength: bigint;
}): Uint8Array {
  return keccak256(
    concatBytes(
      toBytes32(args.blockDigest, "blockDigest"),
      toBytes32(args.flowRoot, "flowRoot"),
      uint256ToBytes(args.flowLength),
    ),
  );
}

/**
 * A miner id as `requestMinerId` derives it: `keccak256(abi.encodePacked(blockhash(block.number − 1), msg.sender,
 * uint64 seed))` (60 bytes in).
 *
 * @returns 32 bytes
 */
export function computeMinerId(args: {
  readonly parentBlockHash: Uint8Array | Hex;
  readonly sender: Hex;
  readonly seed: bigint;
}): Uint8Array {
  if (!/^0x[0-9a-fA-F]{40}$/.test(args.sender))
    throw new MiningInputError("sender must be a 20-byte address", { sender: args.sender });
  if (args.seed < 0n || args.seed >= 1n << 64n)
    throw new MiningInputError("seed must fit in uint64", { seed: args.seed });
  const sender = toBytesN(args.sender);
  return keccak256(
    concatBytes(toBytes32(args.parentBlockHash, "parentBlockHash"), sender, uint256ToBytes(args.seed).subarray(24)),
  );
}

function toBytesN(hex: Hex): Uint8Array {
  const out = new Uint8Array((hex.length - 2) / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 + 2 * i, 4 + 2 * i), 16);
  return out;
}

/**
 * Which subtask (mining window) a miner gets in a context: `uint256(keccak256(abi.encode(contextDigest, minerId))) mod
 * nSubtasks`; its window starts at `mineStart + index × subtaskInterval`.
 *
 * @returns the subtask index and its start block
 */
export function computeSubtask(args: {
  readonly contextDigest: Uint8Array | Hex;
  readonly minerId: Uint8Array | Hex;
  readonly mineStart: bigint;
  readonly nSubtasks: bigint;
  readonly subtaskInterval: bigint;
}): { readonly index: bigint; readonly startBlock: bigint } {
  if (args.nSubtasks <= 0n) throw new MiningInputError("nSubtasks must be positive", { nSubtasks: args.nSubtasks });
  const h = keccak256(concatBytes(toBytes32(args.contextDigest, "contextDigest"), toBytes32(args.minerId, "minerId")));
  let v = 0n;
  for (const b of h) v = (v << 8n) | BigInt(b);
  const index = v % args.nSubtasks;
  return { index, startBlock: args.mineStart + index * args.subtaskInterval };
}

/**
 * The subtask digest mixed into the PoRA seed: `keccak256(abi.encode(contextDigest, blockhash(subtaskStart)))`.
 *
 * @returns 32 bytes
 */
export function computeSubtaskDigest(args: {
  readonly contextDigest: Uint8Array | Hex;
  readonly subtaskStartBlockHash: Uint8Array | Hex;
}): Uint8Array {
  return keccak256(
    concatBytes(
      toBytes32(args.contextDigest, "contextDigest"),
      toBytes32(args.subtaskStartBlockHash, "subtaskStartBlockHash"),
    ),
  );
}
