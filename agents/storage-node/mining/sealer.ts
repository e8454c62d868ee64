import type { Logger } from "pino";
import { BYTES_PER_SECTOR, SECTORS_PER_LOAD, type Hex, type RecallRange } from "../../protocol/storage";
import type { EpochRangeCache } from "./epochRanges";
import { WorkerCrashedError } from "./errors";
import { contextTagOf, type SealedLoadStore, type SectorSource } from "./types";
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
  /** Held loads dropped because the chain now records other seal contexts for them (resealed). */
  resealedContextChanges: number;
  /** Seals lost to a crashed worker thread (read and sealed again). */
  sealsRetriedAfterCrash: number;
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
  let resealedContextChanges = 0;
  let sealsRetriedAfterCrash = 0;

  function digestsOf(loadIndex: bigint): Hex[] | undefined {
    const start = loadIndex * BigInt(SECTORS_PER_LOAD);
    const digests: Hex[] = [];
    for (let u = 0; u < UNITS_PER_LOAD; u++) {
      const d = p.ranges.sealContextOf(start / 16n + BigInt(u));
      if (d === undefined) return undefined;
      digests.push(d);
    }
    return digests;
  }

  /**
   * Takes over what the store holds for `minerId`: loads of another miner id are dropped; loads sealed under seal
   * contexts the chain no longer records for them are dropped (resealed later); the rest go to the workers.
   */
  async function resume(minerId: Hex): Promise<void> {
    p.pool.clearLoads();
    p.pool.attachFile(p.store.file ?? null);
    const ids = p.store.minerIds();
    if (ids.some((id) => id.toLowerCase() !== minerId.toLowerCase())) {
      await p.store.clear();
      return;
    }
    const keep: bigint[] = [];
    for (const i of [...p.store.loadIndexes()]) {
      const digests = digestsOf(i);
      if (digests !== undefined && contextTagOf(digests) !== p.store.contextTag(i)) {
        await p.store.drop(i);
        resealedContextChanges++;
        continue;
      }
      keep.push(i);
    }
    if (p.store.file !== undefined) p.pool.addFileLoads(keep);
    else
      for (const i of keep) {
        const l = await p.store.get(i);
        if (l !== undefined && !(l.data instanceof Uint8Array)) p.pool.addLoad(i, l.data);
      }
  }

  async function sealOne(minerId: Hex, loadIndex: bigint): Promise<boolean> {
    const start = loadIndex * BigInt(SECTORS_PER_LOAD);
    const digests = digestsOf(loadIndex);
    if (digests === undefined) {
      // Its epoch range is not recorded on chain yet (the worker context is a simulation): retry on a later pass.
      missing.add(loadIndex);
      return false;
    }
    const raw = await p.source.readFlowSectors(start, SECTORS_PER_LOAD);
    if (raw === null || raw.length !== LOAD_BYTES) {
      missing.add(loadIndex);
      return false;
    }
    missing.delete(loadIndex);
    const data = new SharedArrayBuffer(LOAD_BYTES);
    new Uint8Array(data).set(raw);
    try {
      await p.pool.seal({ data, minerId, startSector: start, digests });
    } catch (err) {
      if (!(err instanceof WorkerCrashedError)) throw err;
      // The buffer may be half sealed: forget it; the load is read and sealed again on the next pass.
      sealsRetriedAfterCrash++;
      missing.add(loadIndex);
      return false;
    }
    if (minerId !== currentMiner) return false;
    if (!(await p.store.put({ loadIndex, minerId, data, contextDigests: digests }))) {
      storeFull = true;
      return false;
    }
    if (p.store.file !== undefined) p.pool.addLoad(loadIndex);
    else p.pool.addLoad(loadIndex, data);
    bytesSealed += LOAD_BYTES;
    return true;
  }

  return {
    async sealPending({ minerId, range, maxLoads = Number.MAX_SAFE_INTEGER }) {
      if (minerId !== currentMiner) {
        // Resume from what the store already holds for this miner id (a disk store across restarts, or a restart in
        // process); loads sealed for another miner id, or under seal contexts that changed, are dropped.
        currentMiner = minerId;
        await resume(minerId);
        missing.clear();
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
      // Several loads per thread in flight: keeps every thread busy and lets a disk store commit them as a group.
      const width = Math.max(1, p.pool.size) * 4;
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
      resealedContextChanges,
      sealsRetriedAfterCrash,
    }),
  };
}
