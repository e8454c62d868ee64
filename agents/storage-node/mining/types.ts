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

/** A sealed 256 KiB recall load held for the workers. */
export interface SealedLoad {
  /** Load index (`loadStart / 1024`). */
  readonly loadIndex: bigint;
  /** The miner id the load is sealed for. */
  readonly minerId: `0x${string}`;
  /** The 64 sealed units, in shared memory so every mining thread reads it without copies. */
  readonly data: SharedArrayBuffer;
  /** Seal context digest of each of the 64 units. */
  readonly contextDigests: readonly `0x${string}`[];
}

/**
 * Where sealed loads live. The default is {@link createMemorySealedStore}; a node may supply its own (for example one
 * backed by disk) as long as it hands out `SharedArrayBuffer`s.
 */
export interface SealedLoadStore {
  get(loadIndex: bigint): SealedLoad | undefined;
  /** @returns false when the store is full (the load is not kept) */
  put(load: SealedLoad): boolean;
  has(loadIndex: bigint): boolean;
  size(): number;
  /** Drops every load (the miner id or the flow changed under them). */
  clear(): void;
  values(): Iterable<SealedLoad>;
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
    get: (i) => loads.get(i),
    put(load) {
      if (!loads.has(load.loadIndex) && loads.size >= maxLoads) return false;
      loads.set(load.loadIndex, load);
      return true;
    },
    has: (i) => loads.has(i),
    size: () => loads.size,
    clear: () => loads.clear(),
    values: () => loads.values(),
  };
}
