import { bytesEqual, toBytes32 } from "./bytes";
import { BYTES_PER_SEAL, SEAL_HEIGHT, SECTORS_PER_SEAL } from "./constants";
import { IndexOutOfRangeError, InvalidSizeError, MiningInputError } from "./errors";
import { hashPair } from "./keccak";
import { reduceFlatInPlace } from "./merkle";
import { hashSectorsInto } from "./sectors";

/**
 * Root of one 4 KiB seal unit's subtree in the flow tree: 16 sector leaves hashed up 4 levels.
 *
 * @param unsealed - 4096 bytes of (unsealed) data
 * @returns 32 bytes
 */
export function computeSealRoot(unsealed: Uint8Array): Uint8Array {
  if (unsealed.length !== BYTES_PER_SEAL)
    throw new InvalidSizeError({ what: "Seal unit", expected: BYTES_PER_SEAL, received: unsealed.length });
  const flat = new Uint8Array(32 * SECTORS_PER_SEAL);
  hashSectorsInto(unsealed, 0, SECTORS_PER_SEAL, flat);
  return reduceFlatInPlace(flat, SECTORS_PER_SEAL).slice(0, 32);
}

/** Inputs of {@link computeSealProof}. */
export interface SealProofParameters {
  /** The seal's index in the flow (`recallPosition / 16`). */
  readonly sealIndex: bigint;
  /** Flow length (sectors) of the mining context: fixes the tree depth. */
  readonly flowLength: bigint;
  /** Flow tree node at `height` (≥ 4) and `index`, zero subtrees past the end (e.g. `createFlowLevels(...).nodeAt`). */
  readonly nodeAt: (height: number, index: bigint) => Uint8Array;
}

/**
 * The `merkleProof` of a Mine answer: siblings of the seal's subtree from height 4 up to the flow root, bottom-up.
 *
 * @returns `depth − 4` sibling hashes
 * @throws IndexOutOfRangeError if the seal is not inside the flow
 */
export function computeSealProof({ sealIndex, flowLength, nodeAt }: SealProofParameters): Uint8Array[] {
  if (sealIndex < 0n || (sealIndex + 1n) * BigInt(SECTORS_PER_SEAL) > flowLength) {
    throw new IndexOutOfRangeError({ what: "Seal", index: sealIndex, limit: flowLength / BigInt(SECTORS_PER_SEAL) });
  }
  let depth = 0;
  while (1n << BigInt(depth) < flowLength) depth++;
  const proof: Uint8Array[] = [];
  let idx = sealIndex;
  for (let h = SEAL_HEIGHT; h < depth; h++) {
    proof.push(toBytes32(nodeAt(h, idx ^ 1n), "flow node"));
    idx >>= 1n;
  }
  return proof;
}

/**
 * What the Mine contract's `recoverMerkleRoot` computes: the seal root of the unsealed data, walked up `merkleProof`
 * from index `recallPosition / 16` (even index: `H(cur, sibling)`, odd: `H(sibling, cur)`).
 *
 * @returns the recovered root; the contract requires it to equal `context.flowRoot`
 * @throws MiningInputError if `recallPosition` is not seal-aligned
 */
export function recoverSealMerkleRoot({
  unsealed,
  recallPosition,
  merkleProof,
}: {
  readonly unsealed: Uint8Array;
  readonly recallPosition: bigint;
  readonly merkleProof: readonly Uint8Array[];
}): Uint8Array {
  if (recallPosition < 0n || recallPosition % BigInt(SECTORS_PER_SEAL) !== 0n) {
    throw new MiningInputError("recall position must be a non-negative multiple of 16", { recallPosition });
  }
  let cur = computeSealRoot(unsealed);
  let idx = recallPosition / BigInt(SECTORS_PER_SEAL);
  for (const sib of merkleProof) {
    cur = idx & 1n ? hashPair(sib, cur) : hashPair(cur, sib);
    idx >>= 1n;
  }
  return cur;
}

/**
 * Checks a seal proof the way the Mine contract does.
 *
 * @returns true iff the recovered root equals `flowRoot`
 */
export function verifySealProof(args: {
  readonly unsealed: Uint8Array;
  readonly recallPosition: bigint;
  readonly merkleProof: readonly Uint8Array[];
  readonly flowRoot: Uint8Array;
}): boolean {
  return bytesEqual(recoverSealMerkleRoot(args), args.flowRoot);
}
