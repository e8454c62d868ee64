import type { Logger } from "pino";
import { BYTES_PER_SECTOR, SECTORS_PER_LOAD, type Hex, type RecallRange } from "../../protocol/storage";
import type { EpochRangeCache } from "./epochRanges";
import type { SealedLoadStore, SectorSource } from "./types";
import type { MiningWorkerPool } from "./workerPool";

const LOAD_BYTES = SECTORS_PER_LOAD * BYTES_PER_SECTOR;
const UNITS_PER_LOAD = 64;

/** Sealer progress, for `/status`. */
export interface SealerStatus {
  sealedLoads: number;
  /**
   * Loads of the current range skipped for now (not stored by this node, or their epoch range not recorded on chain
   * yet), retried on the next pass.
   */
  missingLoads: number;
  bytesSealed: number;
  /** Seconds spent with seals in flight. */
  sealSeconds: number;
  storeFull: boolean;
}

/** Seals the loads of the mining range for one miner id, in the worker threads. */
export interface Sealer {
  /**
   * Seals up to `maxLoads` loads of `range` that are not sealed yet (in load order, so an interrupted pass resumes where
   * it stopped). A change of miner id drops every sealed load first.
   *
   * @returns loads sealed by this call
   */
  sealPending(p: { minerId: Hex; range: RecallRange; maxLoads?: number }): Promise<number>;
  status(): SealerStatus;
  /** Whether the last call found nothing left to seal in its range (every load sealed or not held by the node). */
  caughtUp(): boolean;
}

/** Whether load `i` belongs to the shard `(shardId, shardMask)` (all loads when the mask is all ones). */
export function loadInShard(i: bigint, range: RecallRange): boolean {
  return (i & ~range.shardMask & 0xffffffffffffffffn) === range.shardId;
}

/**
 * @param p - worker pool, node data, sealed store, epoch ranges (seal contexts)
 * @returns the sealer
 */
export function createSealer(p: {
  readonly pool: MiningWorkerPool;
  readonly source: SectorSource;
  readonly store: SealedLoadStore;
  readonly ranges: EpochRangeCache;
  readonly logger?: Logger;
}): Sealer {
  let currentMiner: Hex | undefined;
  const missing = new Set<bigint>();
  let bytesSealed = 0;
  let sealSeconds = 0;
  let storeFull = false;
  let cursor = 0n;
  let caughtUp = false;

  async function sealOne(minerId: Hex, loadIndex: bigint): Promise<boolean> {
    const start = loadIndex * BigInt(SECTORS_PER_LOAD);
    const digests: Hex[] = [];
    for (let u = 0; u < UNITS_PER_LOAD; u++) {
      const d = p.ranges.sealContextOf(start / 16n + BigInt(u));
      if (d === undefined) {
        // Its epoch range is not recorded on chain yet (the worker context is a simulation): retry on a later pass.
        missing.add(loadIndex);
        return false;
      }
      digests.push(d);
    }
    const raw = await p.source.readFlowSectors(start, SECTORS_PER_LOAD);
    if (raw === null || raw.length !== LOAD_BYTES) {
      missing.add(loadIndex);
      return false;
    }
    missing.delete(loadIndex);
    const data = new SharedArrayBuffer(LOAD_BYTES);
    new Uint8Array(data).set(raw);
    await p.pool.seal({ data, minerId, startSector: start, digests });
    if (minerId !== currentMiner) return false;
    if (!p.store.put({ loadIndex, minerId, data, contextDigests: digests })) {
      storeFull = true;
      return false;
    }
    p.pool.addLoad(loadIndex, data);
    bytesSealed += LOAD_BYTES;
    return true;
  }

  return {
    async sealPending({ minerId, range, maxLoads = Number.MAX_SAFE_INTEGER }) {
      if (minerId !== currentMiner) {
        // Resume from what the store already holds for this miner id (a persistent store, or a restart in process);
        // loads sealed for another miner id are useless and dropped.
        const held = [...p.store.values()];
        p.pool.clearLoads();
        if (held.some((l) => l.minerId !== minerId)) p.store.clear();
        else for (const l of held) p.pool.addLoad(l.loadIndex, l.data);
        missing.clear();
        currentMiner = minerId;
        cursor = 0n;
        storeFull = false;
      }
      const first = range.startPosition / BigInt(SECTORS_PER_LOAD);
      const end = first + range.mineLength / BigInt(SECTORS_PER_LOAD);
      if (cursor < first || cursor > end) cursor = first;
      // Resume at the cursor; scan a bounded number of positions per call so a huge, mostly sealed range stays cheap.
      const todo: bigint[] = [];
      let budget = Math.max(1024, maxLoads * 64);
      let wrapped = false;
      while (todo.length < maxLoads && budget-- > 0) {
        if (cursor >= end) {
          if (missing.size === 0 || wrapped) break;
          cursor = first; // another pass: retry the loads the node did not hold
          wrapped = true;
        }
        if (loadInShard(cursor - first, range) && !p.store.has(cursor)) todo.push(cursor);
        cursor++;
      }
      caughtUp = todo.length === 0;
      if (todo.length === 0) return 0;
      const t0 = performance.now();
      let sealed = 0;
      const width = Math.max(1, p.pool.size);
      for (let k = 0; k < todo.length && !storeFull; k += width) {
        const results = await Promise.all(todo.slice(k, k + width).map((i) => sealOne(minerId, i)));
        sealed += results.filter(Boolean).length;
      }
      sealSeconds += (performance.now() - t0) / 1000;
      if (sealed > 0) p.logger?.debug({ sealed, total: p.store.size() }, "sealed loads");
      return sealed;
    },
    caughtUp: () => caughtUp,
    status: () => ({
      sealedLoads: p.store.size(),
      missingLoads: missing.size,
      bytesSealed,
      sealSeconds,
      storeFull,
    }),
  };
}
