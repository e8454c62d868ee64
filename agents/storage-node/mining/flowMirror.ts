import {
  EMPTY_SECTOR_HASH,
  SEAL_HEIGHT,
  SECTORS_PER_SEAL,
  ZERO_HASH,
  computeSealProof,
  createFlowTree,
  planInsertion,
  fromHex,
  hashPair,
  keccak256,
  zeroSubtreeRoot,
  type FlowTree,
  type Hex,
} from "../../protocol/storage";
import { DataUnavailableError, FlowMirrorError } from "./errors";
import type { SectorSource } from "./types";

/** One `Flow.Submit` event, as the mirror needs it. */
export interface FlowSubmitEvent {
  readonly submissionIndex: bigint;
  readonly startPos: bigint;
  /** Sectors charged (Σ 2^height). */
  readonly length: bigint;
  readonly nodes: readonly { readonly root: Hex; readonly height: bigint }[];
}

/** A subtree the Flow appended: one node of one submission. */
interface FlowEntry {
  readonly position: bigint;
  readonly height: number;
  readonly root: Uint8Array;
}

/** Height up to which nodes not equal to a submitted node are hashed from the sector data (1024 sectors). */
const DATA_HEIGHT = 10;
const ZERO_LEAF = fromHex(ZERO_HASH);
const EMPTY_LEAF = fromHex(EMPTY_SECTOR_HASH);

/**
 * A local copy of the Flow's merkle tree, rebuilt from `Submit` events: the appended subtrees (each submission node's
 * root and position) and the root after every submission. Nodes inside a submitted subtree, and the seal-level nodes of
 * small submissions, are hashed from the node's stored sectors on demand and memoised, so a seal proof needs no call to
 * the chain.
 */
export interface FlowMirror {
  /** Submissions ingested so far (the next expected `submissionIndex`). */
  submissionCount(): bigint;
  /** Current flow length (sectors). */
  length(): bigint;
  /**
   * Applies the next `Submit` event.
   *
   * @throws FlowMirrorError if it is out of order or lands elsewhere than the Flow's placement rules say
   */
  apply(event: FlowSubmitEvent): void;
  /** The flow root when the flow had `flowLength` sectors, or undefined if no submission ended there (or not yet seen). */
  rootAtLength(flowLength: bigint): Hex | undefined;
  /**
   * The Mine `merkleProof` of the seal `sealIndex` in the tree of the context with `flowLength` sectors.
   *
   * @throws DataUnavailableError if sectors needed are not stored
   */
  sealProof(sealIndex: bigint, flowLength: bigint): Promise<Uint8Array[]>;
  /**
   * The flow tree node at `height` and `index` in the tree of `flowLength` sectors (`flowLength` ≤ {@link length}):
   * zero subtrees past the end, the reserved leaf `bytes32(0)` at position 0. Used for sector proofs.
   *
   * @throws DataUnavailableError if sectors needed are not stored
   */
  nodeAt(height: number, index: bigint, flowLength: bigint): Promise<Uint8Array>;
  /** Forgets everything (used after a mismatch with the chain). */
  reset(): void;
}

/** Options of {@link createFlowMirror}. */
export interface CreateFlowMirrorOptions {
  readonly source: SectorSource;
  /** Memoised internal nodes kept (default 1,000,000 ≈ 100 MB). */
  readonly maxCachedNodes?: number;
}

/**
 * Creates an empty mirror (the Flow's initial state: the reserved leaf 0, length 1).
 *
 * @param options - the node's sector source, for hashing inside submitted subtrees
 */
export function createFlowMirror({ source, maxCachedNodes = 1_000_000 }: CreateFlowMirrorOptions): FlowMirror {
  let tree: FlowTree = createFlowTree();
  let entries: FlowEntry[] = [];
  let rootsByLength = new Map<bigint, Hex>();
  let count = 0n;
  const cache = new Map<string, Uint8Array>();

  function remember(key: string, value: Uint8Array): void {
    if (cache.size >= maxCachedNodes) cache.delete(cache.keys().next().value as string);
    cache.set(key, value);
  }

  /** Index of the first entry whose end is past `position`. */
  function firstEntryEndingAfter(position: bigint): number {
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const e = entries[mid];
      if (e.position + (1n << BigInt(e.height)) <= position) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  async function hashFromData(start: bigint, height: number, flowLength: bigint): Promise<Uint8Array> {
    const count = 1 << height;
    const stored = start < flowLength ? Number(flowLength - start < BigInt(count) ? flowLength - start : count) : 0;
    const data = stored > 0 ? await source.readFlowSectors(start, stored) : new Uint8Array(0);
    if (data === null) throw new DataUnavailableError("flow sectors are not stored", { start, count: stored });
    if (data.length !== stored * 256)
      throw new DataUnavailableError("sector source returned the wrong size", { start, got: data.length });
    let level: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const pos = start + BigInt(i);
      if (pos === 0n) level.push(ZERO_LEAF);
      else if (i >= stored) level.push(EMPTY_LEAF);
      else level.push(keccak256(data.subarray(i * 256, (i + 1) * 256)));
    }
    while (level.length > 1) {
      const next: Uint8Array[] = [];
      for (let i = 0; i < level.length; i += 2) next.push(hashPair(level[i], level[i + 1]));
      level = next;
    }
    return level[0];
  }

  async function nodeAt(height: number, index: bigint, flowLength: bigint): Promise<Uint8Array> {
    const size = 1n << BigInt(height);
    const start = index * size;
    const end = start + size;
    if (start >= flowLength) return zeroSubtreeRoot(height);
    if (end > flowLength) {
      // Straddles the context's end: depends on flowLength, so it is not memoised.
      return hashPair(
        await nodeAt(height - 1, 2n * index, flowLength),
        await nodeAt(height - 1, 2n * index + 1n, flowLength),
      );
    }
    const key = `${height}:${index}`;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const i = firstEntryEndingAfter(start);
    const e = entries[i];
    let value: Uint8Array;
    if (start > 0n && (e === undefined || e.position >= end)) value = zeroSubtreeRoot(height);
    else if (e !== undefined && e.position === start && e.height === height) value = e.root;
    else if (height <= DATA_HEIGHT) value = await hashFromData(start, height, flowLength);
    else
      value = hashPair(
        await nodeAt(height - 1, 2n * index, flowLength),
        await nodeAt(height - 1, 2n * index + 1n, flowLength),
      );
    remember(key, value);
    return value;
  }

  return {
    submissionCount: () => count,
    length: () => tree.length(),
    apply(event) {
      if (event.submissionIndex !== count)
        throw new FlowMirrorError("submission out of order", { expected: count, got: event.submissionIndex });
      const plan = planInsertion(
        tree.length(),
        event.nodes.map((n) => Number(n.height)),
      );
      if (plan.startIndex !== event.startPos || plan.chargedLength !== event.length) {
        throw new FlowMirrorError("submission landed elsewhere than the placement rules say", {
          submissionIndex: event.submissionIndex,
          eventStart: event.startPos,
          plannedStart: plan.startIndex,
          eventLength: event.length,
          plannedLength: plan.chargedLength,
        });
      }
      tree.insert(event.nodes.map((n) => ({ root: n.root, height: n.height })));
      event.nodes.forEach((n, k) =>
        entries.push({ position: plan.nodeStarts[k], height: Number(n.height), root: fromHex(n.root) }),
      );
      rootsByLength.set(plan.afterLength, tree.root());
      count++;
    },
    rootAtLength: (flowLength) => (flowLength === 1n ? ZERO_HASH : rootsByLength.get(flowLength)),
    async sealProof(sealIndex, flowLength) {
      let depth = 0;
      while (1n << BigInt(depth) < flowLength) depth++;
      const siblings = new Map<string, Uint8Array>();
      let idx = sealIndex;
      for (let h = SEAL_HEIGHT; h < depth; h++) {
        siblings.set(`${h}:${idx ^ 1n}`, await nodeAt(h, idx ^ 1n, flowLength));
        idx >>= 1n;
      }
      return computeSealProof({
        sealIndex,
        flowLength,
        nodeAt: (h, i) => siblings.get(`${h}:${i}`) ?? zeroSubtreeRoot(h),
      });
    },
    nodeAt,
    reset() {
      tree = createFlowTree();
      entries = [];
      rootsByLength = new Map();
      count = 0n;
      cache.clear();
    },
  };
}

/** Seal index of a recall position. */
export function sealIndexOf(recallPosition: bigint): bigint {
  return recallPosition / BigInt(SECTORS_PER_SEAL);
}
