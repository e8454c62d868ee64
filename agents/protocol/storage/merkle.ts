import { bytesEqual } from "./bytes";
import { IndexOutOfRangeError, InvalidSizeError, StorageProtocolError } from "./errors";
import { hashPair, keccakPairsInPlace } from "./keccak";

/**
 * Root of the SDK's merkle tree over `leaves` (already hashed). Parents are `keccak256(left ‖ right)`; an odd node at
 * the end of a level is promoted unchanged (not duplicated, not paired with zeros). For a power-of-two count this is
 * the complete binary tree.
 *
 * @param leaves - 32-byte leaf hashes, at least one
 * @returns the root
 * @throws StorageProtocolError if there are no leaves
 */
export function computeMerkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) throw new StorageProtocolError("A merkle tree needs at least one leaf.", { leaves: 0 });
  const flat = new Uint8Array(leaves.length * 32);
  leaves.forEach((l, i) => flat.set(l, 32 * i));
  return reduceFlatInPlace(flat, leaves.length).slice(0, 32);
}

/**
 * Reduces `n` 32-byte hashes packed in `flat` to the SDK merkle root, in place (the root ends up in `flat[0, 32)`).
 * Allocation-free; used by the segment hasher.
 *
 * @param flat - `n` hashes, overwritten
 * @param n - number of hashes, ≥ 1
 * @returns `flat`
 */
export function reduceFlatInPlace(flat: Uint8Array, n: number): Uint8Array {
  let count = n;
  while (count > 1) {
    const pairs = count >>> 1;
    // Parent i reads children 2i and 2i+1 before writing slot i ≤ 2i, so the level can be rewritten in place.
    keccakPairsInPlace(flat, pairs);
    if (count & 1) flat.copyWithin(32 * pairs, 32 * (count - 1), 32 * count);
    count = pairs + (count & 1);
  }
  return flat;
}

/**
 * All levels of the SDK merkle tree, leaves first, root last.
 *
 * @param leaves - 32-byte leaf hashes, at least one
 * @returns levels[0] = leaves, levels[last] = [root]
 */
export function computeMerkleLevels(leaves: readonly Uint8Array[]): Uint8Array[][] {
  if (leaves.length === 0) throw new StorageProtocolError("A merkle tree needs at least one leaf.", { leaves: 0 });
  const levels: Uint8Array[][] = [leaves.slice()];
  let level = levels[0];
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(hashPair(level[i], level[i + 1]));
    if (level.length & 1) next.push(level[level.length - 1]);
    levels.push(next);
    level = next;
  }
  return levels;
}

/**
 * Proof of leaf `index` in the SDK merkle tree: the sibling at each level, bottom-up. Levels where the node is
 * promoted have no sibling and contribute nothing, so directions follow from `index` and the leaf count.
 *
 * @param leaves - all leaf hashes (or the levels from {@link computeMerkleLevels})
 * @param index - leaf to prove
 * @returns sibling hashes, bottom-up
 * @throws IndexOutOfRangeError if `index` is not a leaf
 */
export function computeMerkleProof(leaves: readonly Uint8Array[] | Uint8Array[][], index: number): Uint8Array[] {
  const levels = isLevels(leaves) ? leaves : computeMerkleLevels(leaves);
  const n = levels[0].length;
  if (!Number.isSafeInteger(index) || index < 0 || index >= n)
    throw new IndexOutOfRangeError({ what: "Leaf", index, limit: n });
  const proof: Uint8Array[] = [];
  let idx = index;
  for (let l = 0; l < levels.length - 1; l++) {
    const level = levels[l];
    const sib = idx ^ 1;
    if (sib < level.length) proof.push(level[sib]);
    idx >>>= 1;
  }
  return proof;
}

function isLevels(x: readonly Uint8Array[] | Uint8Array[][]): x is Uint8Array[][] {
  return x.length > 0 && Array.isArray(x[0]);
}

/** Inputs of {@link verifyMerkleProof}. */
export interface VerifyMerkleProofParameters {
  /** Expected root. */
  readonly root: Uint8Array;
  /** The proven leaf hash. */
  readonly leaf: Uint8Array;
  /** Its index. */
  readonly index: number;
  /** Leaves in the tree (fixes which levels promote). */
  readonly numLeaves: number;
  /** Siblings bottom-up, from {@link computeMerkleProof}. */
  readonly proof: readonly Uint8Array[];
}

/**
 * Checks a proof from {@link computeMerkleProof}. Returns false (never throws) for a wrong root, a wrong sibling, a
 * wrong index or a proof of the wrong length.
 *
 * @returns true iff the proof leads from `leaf` at `index` to `root`
 */
export function verifyMerkleProof({ root, leaf, index, numLeaves, proof }: VerifyMerkleProofParameters): boolean {
  if (!Number.isSafeInteger(index) || index < 0 || index >= numLeaves) return false;
  if (leaf.length !== 32 || root.length !== 32) return false;
  let cur = leaf;
  let idx = index;
  let n = numLeaves;
  let used = 0;
  while (n > 1) {
    const sib = idx ^ 1;
    if (sib < n) {
      if (used >= proof.length || proof[used].length !== 32) return false;
      cur = idx & 1 ? hashPair(proof[used], cur) : hashPair(cur, proof[used]);
      used++;
    }
    idx >>>= 1;
    n = (n + 1) >>> 1;
  }
  return used === proof.length && bytesEqual(cur, root);
}

/**
 * Root of a complete binary tree whose leaves are `2^k` hashes (no promotion needed).
 *
 * @param hashes - a power-of-two number of 32-byte hashes
 * @returns the root
 */
export function computeCompleteRoot(hashes: readonly Uint8Array[]): Uint8Array {
  const n = hashes.length;
  if (n === 0 || (n & (n - 1)) !== 0)
    throw new InvalidSizeError({ what: "Complete tree leaf count", expected: "a power of two", received: n });
  return computeMerkleRoot(hashes);
}
