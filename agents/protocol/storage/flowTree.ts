import { fromHex, toHex, type Hex } from "./bytes";
import { EMPTY_SECTOR_HASH, FLOW_MAX_DEPTH, SECTORS_PER_SEGMENT, ZERO_HASH } from "./constants";
import { FlowTreeError, InvalidHeightError } from "./errors";
import { hashPair } from "./keccak";

const zeroTable: Uint8Array[] = [fromHex(EMPTY_SECTOR_HASH)];

/**
 * `FlowTreeLib.zeros(h)`: root of an all-zero subtree of `2^h` sectors (`zeros(0) = keccak256(256 zero bytes)`).
 *
 * @param height - 0 ≤ height < 64
 * @returns the 32-byte root (shared; do not mutate)
 * @throws InvalidHeightError for height ≥ 64 (the contract reverts "Index out of bound")
 */
export function zeroSubtreeRoot(height: number): Uint8Array {
  if (!Number.isInteger(height) || height < 0 || height >= FLOW_MAX_DEPTH)
    throw new InvalidHeightError({ height, max: FLOW_MAX_DEPTH - 1 });
  while (zeroTable.length <= height) {
    const z = zeroTable[zeroTable.length - 1];
    zeroTable.push(hashPair(z, z));
  }
  return zeroTable[height];
}

/** The smallest multiple of `2^height` that is ≥ `position`. */
function nextAlign(position: bigint, height: number): bigint {
  const size = 1n << BigInt(height);
  return ((position + size - 1n) / size) * size;
}

/** Where the Flow puts a submission: the result of its `_insertNodeList` + `pad` rules. */
export interface InsertionPlan {
  /** Flow length before the submission. */
  readonly previousLength: bigint;
  /** Position of the first node: the `startPos` of the `Submit` event. */
  readonly startIndex: bigint;
  /** Position of each node. */
  readonly nodeStarts: readonly bigint[];
  /** Flow length afterwards. */
  readonly afterLength: bigint;
  /** Sectors skipped before `startIndex` (`paddedLength` passed to the market). */
  readonly paddedLength: bigint;
  /** Sectors charged: `afterLength − startIndex` = Σ 2^height. */
  readonly chargedLength: bigint;
}

/**
 * Computes where the Flow inserts nodes of the given heights when its tree has `currentLength` sectors: align the first
 * node to its size; if that start is not segment-aligned and the submission would cross a 1024-sector boundary, jump
 * to the next segment; then place each node at the next multiple of its own size.
 *
 * @param currentLength - the flow tree length (≥ 1; position 0 is reserved)
 * @param heights - node heights, strictly decreasing
 * @returns the plan
 */
export function planInsertion(currentLength: bigint, heights: readonly number[]): InsertionPlan {
  if (heights.length === 0) throw new FlowTreeError("no nodes to insert", { currentLength });
  let cap = 0n;
  for (const h of heights) cap += 1n << BigInt(h);
  let cur = currentLength;
  const start = nextAlign(cur, heights[0]);
  const seg = BigInt(SECTORS_PER_SEGMENT);
  if (start % seg !== 0n && start / seg !== (start + cap - 1n) / seg)
    cur = nextAlign(cur, Math.log2(SECTORS_PER_SEGMENT));
  const nodeStarts: bigint[] = [];
  for (const h of heights) {
    const s = nextAlign(cur, h);
    nodeStarts.push(s);
    cur = s + (1n << BigInt(h));
  }
  return {
    previousLength: currentLength,
    startIndex: nodeStarts[0],
    nodeStarts,
    afterLength: cur,
    paddedLength: nodeStarts[0] - currentLength,
    chargedLength: cur - nodeStarts[0],
  };
}

/** An incremental flow tree mirroring the Flow contract's `FlowTree`. */
export interface FlowTree {
  /** Sectors in the tree, including the reserved leaf 0 and padding. */
  length(): bigint;
  /** The root the Flow reports after a commit (`getFlowRootByTxSeq`, `MineContext.flowRoot`). */
  root(): Hex;
  /** Appends one subtree of `2^height` sectors at `position` (aligned, ≥ length); the gap becomes zero sectors. */
  appendSubtree(position: bigint, root: Uint8Array, height: number): void;
  /** Inserts a submission's nodes where the Flow would, returning the plan. */
  insert(nodes: readonly { readonly root: Uint8Array | Hex; readonly height: number | bigint }[]): InsertionPlan;
  /** The state to persist (length and frontier), for {@link createFlowTree} to resume from. */
  snapshot(): FlowTreeSnapshot;
}

/** A serialisable flow tree state: O(depth) hashes. */
export interface FlowTreeSnapshot {
  readonly length: bigint;
  /** Pending left node per height (null where none). */
  readonly frontier: readonly (Hex | null)[];
}

/**
 * Creates a flow tree in the Flow's initial state (leaf 0 is `bytes32(0)`, length 1, root `0x00…00`), or resumes one
 * from a snapshot. Memory is O(depth): only the frontier (pending left nodes) is kept.
 *
 * @param snapshot - a state from `tree.snapshot()`
 * @returns the tree
 * @throws FlowTreeError if the snapshot is inconsistent
 * @example
 * const tree = createFlowTree();
 * tree.insert([{ root, height: 2 }]).startIndex // 4n
 */
export function createFlowTree(snapshot?: FlowTreeSnapshot): FlowTree {
  const frontier: (Uint8Array | undefined)[] = [];
  let length = 0n;
  if (snapshot !== undefined) {
    if (snapshot.length < 1n)
      throw new FlowTreeError("snapshot length must be at least 1", { length: snapshot.length });
    snapshot.frontier.forEach((h, level) => {
      const expected = ((snapshot.length >> BigInt(level)) & 1n) === 1n;
      if ((h !== null) !== expected)
        throw new FlowTreeError("snapshot frontier does not match its length", { level, length: snapshot.length });
      frontier[level] = h === null ? undefined : fromHex(h);
    });
    if (snapshot.length >> BigInt(snapshot.frontier.length) !== 0n) {
      throw new FlowTreeError("snapshot frontier is too short for its length", {
        length: snapshot.length,
        levels: snapshot.frontier.length,
      });
    }
    length = snapshot.length;
  }

  function pushAligned(node: Uint8Array, height: number): void {
    let level = height;
    let idx = length >> BigInt(height);
    let cur = node;
    while (idx & 1n) {
      const left = frontier[level];
      if (left === undefined) throw new FlowTreeError("frontier is missing a left node", { level, length });
      cur = hashPair(left, cur);
      frontier[level] = undefined;
      level++;
      idx >>= 1n;
    }
    frontier[level] = cur;
    length += 1n << BigInt(height);
  }

  function fillZeros(until: bigint): void {
    while (length < until) {
      let h = 0;
      while (h + 1 < FLOW_MAX_DEPTH && length % (1n << BigInt(h + 1)) === 0n && length + (1n << BigInt(h + 1)) <= until)
        h++;
      pushAligned(zeroSubtreeRoot(h), h);
    }
  }

  const tree: FlowTree = {
    length: () => length,
    root(): Hex {
      let d = 0;
      while (1n << BigInt(d) < length) d++;
      if (length === 1n << BigInt(d)) return toHex(frontier[d] as Uint8Array);
      let cur: Uint8Array | undefined;
      for (let level = 0; level < d; level++) {
        const left = frontier[level];
        if ((length >> BigInt(level)) & 1n) cur = hashPair(left as Uint8Array, cur ?? zeroSubtreeRoot(level));
        else if (cur !== undefined) cur = hashPair(cur, zeroSubtreeRoot(level));
      }
      return toHex(cur as Uint8Array);
    },
    appendSubtree(position, root, height) {
      if (!Number.isInteger(height) || height < 0 || height >= FLOW_MAX_DEPTH)
        throw new InvalidHeightError({ height, max: FLOW_MAX_DEPTH - 1 });
      if (position < length) throw new FlowTreeError("position is before the tree end", { position, length });
      if (position % (1n << BigInt(height)) !== 0n)
        throw new FlowTreeError("position is not aligned to the node size", { position, height });
      fillZeros(position);
      pushAligned(root, height);
    },
    insert(nodes) {
      const heights = nodes.map((n) => Number(n.height));
      const plan = planInsertion(length, heights);
      nodes.forEach((n, i) => {
        tree.appendSubtree(plan.nodeStarts[i], typeof n.root === "string" ? fromHex(n.root) : n.root, heights[i]);
      });
      return plan;
    },
    snapshot: () => ({
      length,
      frontier: Array.from({ length: frontier.length }, (_, i) => {
        const h = frontier[i];
        return h === undefined ? null : toHex(h);
      }),
    }),
  };
  if (snapshot === undefined) pushAligned(fromHex(ZERO_HASH), 0);
  return tree;
}

/** A fully materialised flow tree (every level), for building proofs from sector leaves. */
export interface FlowLevels {
  /** Tree height: `ceil(log2(length))`. */
  readonly depth: number;
  readonly length: number;
  readonly root: Uint8Array;
  /** Node at `height` and `index`; positions past the end are zero subtrees. */
  nodeAt(height: number, index: number): Uint8Array;
}

/**
 * Builds every level of the flow tree from its sector leaves (`leaves[0]` is the reserved `bytes32(0)`, skipped
 * positions are `zeros(0)`). Memory is about 2 × leaves; meant for tests and small flows. A storage node supplies
 * `nodeAt` from its own store instead and calls {@link computeSealProof} directly.
 *
 * @param leaves - one 32-byte hash per flow position
 * @returns the levels
 */
export function createFlowLevels(leaves: readonly Uint8Array[]): FlowLevels {
  if (leaves.length === 0) throw new FlowTreeError("a flow tree has at least the reserved leaf", { length: 0 });
  const levels: Uint8Array[][] = [leaves.slice()];
  let depth = 0;
  while (2 ** depth < leaves.length) depth++;
  for (let h = 1; h <= depth; h++) {
    const prev = levels[h - 1];
    const next: Uint8Array[] = [];
    for (let i = 0; i < prev.length; i += 2) next.push(hashPair(prev[i], prev[i + 1] ?? zeroSubtreeRoot(h - 1)));
    levels.push(next);
  }
  return {
    depth,
    length: leaves.length,
    root: levels[depth][0],
    nodeAt: (height, index) => levels[height]?.[index] ?? zeroSubtreeRoot(height),
  };
}
