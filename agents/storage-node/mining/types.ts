import { createHash } from "node:crypto";
/**
 * Contracts between the miner and the storage node that hosts it.
 */

/** Where the miner reads stored flow data. Implemented by the storage node. */
export interface SectorSource {
  /**
   * The raw (unsealed) bytes of flow sectors `[startSector, startSector + count)`, `256 × count` bytes. Positions the
   * Flow padded (alignment gaps, the reserved position 0, the zero tail of a file's last node) are zero sectors.
   *
   * @returns the bytes, or null when any data sector of the range is not stored by this node
   */
  readFlowSectors(startSector: bigint, count: number): Promise<Uint8Array | null>;
}

/** A sealed 256 KiB recall load. */
export interface SealedLoad {
  /** Load index (`loadStart / 1024`). */
  readonly loadIndex: bigint;
  /** The miner id the load is sealed for. */
  readonly minerId: `0x${string}`;
  /**
   * The 64 sealed units: shared memory (the in-memory store hands it to every mining thread without copies), or a
   * plain copy read back from a disk store.
   */
  readonly data: SharedArrayBuffer | Uint8Array;
  /** Seal context digest of each of the 64 units. */
  readonly contextDigests: readonly `0x${string}`[];
}

/** The bytes of a sealed load, whatever its backing. */
export function sealedBytes(load: SealedLoad): Uint8Array {
  return load.data instanceof Uint8Array ? load.data : new Uint8Array(load.data);
}

/**
 * A short tag of a load's 64 seal context digests, kept in memory by stores so the sealer can tell, without reading
 * the digests back, whether a held load was sealed with the contexts the chain records now.
 */
export function contextTagOf(digests: readonly string[]): string {
  return createHash("sha256").update(digests.join("").toLowerCase()).digest("hex").slice(0, 16);
}

/**
 * Where sealed loads live: {@link createMemorySealedStore} (shared memory) or `createDiskSealedStore` (a flat file
 * under the node's data dir that the mining threads read by position). All loads of a store belong to one miner id.
 */
export interface SealedLoadStore {
  /** The flat sealed-data file (load `i` at byte `i × 256 KiB`) the mining threads read, or undefined (memory). */
  readonly file?: string;
  has(loadIndex: bigint): boolean;
  size(): number;
  /** Miner ids of the held loads (at most one unless the store was written by another miner). */
  minerIds(): readonly `0x${string}`[];
  /** {@link contextTagOf} of the load's seal contexts. */
  contextTag(loadIndex: bigint): string | undefined;
  loadIndexes(): Iterable<bigint>;
  /**
   * The load with its data, checked (a disk store compares the data with the checksum recorded when it was written,
   * and drops a load that no longer matches: the sealer then seals it again).
   */
  get(loadIndex: bigint): Promise<SealedLoad | undefined>;
  /**
   * Keeps a load; durable when it resolves (data first, then the index entry).
   *
   * @returns false when the store is full (the load is not kept)
   */
  put(load: SealedLoad): Promise<boolean>;
  /** Forgets one load (sealed under a context that changed). */
  drop(loadIndex: bigint): Promise<void>;
  /** Drops every load (the miner id changed). */
  clear(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A fixed-budget in-memory store. It never evicts: PoRA recalls loads uniformly at random, so an LRU would only churn;
 * when the budget is reached the sealer stops and nonces landing on unsealed loads are skipped.
 *
 * @param maxLoads - budget in loads (256 KiB each)
 */
export function createMemorySealedStore(maxLoads: number): SealedLoadStore {
  const loads = new Map<bigint, SealedLoad>();
  return {
    has: (i) => loads.has(i),
    size: () => loads.size,
    minerIds: () => [...new Set([...loads.values()].map((l) => l.minerId))],
    contextTag: (i) => {
      const l = loads.get(i);
      return l === undefined ? undefined : contextTagOf(l.contextDigests);
    },
    loadIndexes: () => loads.keys(),
    get: async (i) => loads.get(i),
    async put(load) {
      if (!loads.has(load.loadIndex) && loads.size >= maxLoads) return false;
      loads.set(load.loadIndex, load);
      return true;
    },
    async drop(i) {
      loads.delete(i);
    },
    async clear() {
      loads.clear();
    },
    async close() {},
  };
}
