/**
 * The disk sealed store: sealed loads survive a restart without resealing, damaged or missing sealed data and a torn
 * index are detected and the affected loads resealed, a change of seal context or miner id reseals, and the sealed
 * bytes are not kept in memory.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUnshardedRange, unseal, type Hex } from "../../protocol/storage";
import {
  SEALED_INDEX_RECORD_BYTES,
  createDiskSealedStore,
  decodeIndexRecord,
  encodeIndexRecord,
} from "./diskSealedStore";
import type { EpochRangeCache } from "./epochRanges";
import { createSealer } from "./sealer";
import { createMemorySectorSource, pseudoRandomBytes, type MemorySectorSource } from "./testing/memorySource";
import { createMemorySealedStore, sealedBytes, type SealedLoadStore } from "./types";
import { createMiningWorkerPool, type MiningWorkerPool } from "./workerPool";

const MINER_A = `0x${"aa".repeat(32)}` as Hex;
const MINER_B = `0x${"bb".repeat(32)}` as Hex;
const CTX1 = `0x${"01".repeat(32)}` as Hex;
const CTX2 = `0x${"02".repeat(32)}` as Hex;
const LOAD = 262_144;

function rangesWith(ctx: Hex): EpochRangeCache {
  return {
    refresh: async () => undefined,
    sealContextOf: (i) => (i * 16n + 15n < 8192n ? ctx : undefined),
    size: () => 1,
  };
}

v8.setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
/** Full GCs with pauses (backing stores of array buffers are released asynchronously). */
async function settle(): Promise<void> {
  for (let k = 0; k < 3; k++) {
    gc();
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("disk sealed store", () => {
  let pool: MiningWorkerPool;
  let tmp: string;
  let source: MemorySectorSource;
  const range = createUnshardedRange(8192n); // 8 loads
  beforeAll(() => {
    pool = createMiningWorkerPool(2);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zg-sealed-"));
    source = createMemorySectorSource();
    source.place(1n, pseudoRandomBytes(8191 * 256, 21), 8192n);
  });
  afterAll(async () => {
    await pool.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function sealAll(store: SealedLoadStore, minerId = MINER_A, ranges = rangesWith(CTX1)) {
    const sealer = createSealer({ pool, source, store, ranges });
    let n = 0;
    for (let k = 0; k < 10; k++) n += await sealer.sealPending({ minerId, range });
    return { sealed: n, status: sealer.status() };
  }

  async function expectUnsealsToSource(store: SealedLoadStore, minerId: Hex, ctx: Hex): Promise<void> {
    const raw = (await source.readFlowSectors(0n, 8192)) as Uint8Array;
    for (const i of [...store.loadIndexes()]) {
      const load = (await store.get(i))!;
      expect(load.minerId).toBe(minerId);
      const u = 5;
      const seal = i * 64n + BigInt(u);
      const back = unseal(sealedBytes(load).subarray(u * 4096, (u + 1) * 4096), {
        minerId,
        sealContextDigest: ctx,
        startSector: seal * 16n,
      });
      expect(back).toEqual(raw.subarray(Number(seal) * 4096, Number(seal + 1n) * 4096));
    }
  }

  it("index records round-trip; a torn or altered record is rejected", () => {
    const rec = {
      kind: 1,
      loadIndex: 7n,
      minerId: MINER_A,
      dataHash: new Uint8Array(32).fill(9),
      digests: Array(64).fill(CTX1) as Hex[],
    };
    const b = encodeIndexRecord(rec);
    expect(b.length).toBe(SEALED_INDEX_RECORD_BYTES);
    expect(decodeIndexRecord(b)).toEqual(rec);
    const bad = b.slice();
    bad[100] ^= 1;
    expect(decodeIndexRecord(bad)).toBeUndefined();
    expect(decodeIndexRecord(b.subarray(0, b.length - 1))).toBeUndefined();
  });

  it("keeps sealed loads across a restart: nothing is resealed, and the data unseals to the node's bytes", async () => {
    const dir = path.join(tmp, "restart");
    const first = await createDiskSealedStore({ dir, maxLoads: 64 });
    const r1 = await sealAll(first);
    expect(r1.sealed).toBe(8);
    expect(first.size()).toBe(8);
    await first.close();

    const reads = source.reads();
    const second = await createDiskSealedStore({ dir, maxLoads: 64 });
    expect(second.opened).toEqual({ loaded: 8, damaged: [], truncatedIndexBytes: 0 });
    const r2 = await sealAll(second);
    expect(r2.sealed).toBe(0); // no reseal
    expect(r2.status.bytesSealed).toBe(0);
    expect(source.reads()).toBe(reads); // not even read from the node
    await expectUnsealsToSource(second, MINER_A, CTX1);
    expect(second.minerIds()).toEqual([MINER_A]);
    await second.close();
  });

  it("detects a corrupted load and a torn index tail on open, and reseals only what was lost", async () => {
    const dir = path.join(tmp, "corrupt");
    const s1 = await createDiskSealedStore({ dir, maxLoads: 64 });
    await sealAll(s1);
    await s1.close();
    // Flip one byte inside load 3, and append half a record to the index (a crash mid-append).
    const fd = fs.openSync(path.join(dir, "sealed.dat"), "r+");
    const one = Buffer.alloc(1);
    fs.readSync(fd, one, 0, 1, 3 * LOAD + 1234);
    one[0] ^= 0xff;
    fs.writeSync(fd, one, 0, 1, 3 * LOAD + 1234);
    fs.closeSync(fd);
    fs.appendFileSync(path.join(dir, "sealed.idx"), Buffer.alloc(SEALED_INDEX_RECORD_BYTES / 2, 7));

    const s2 = await createDiskSealedStore({ dir, maxLoads: 64 });
    expect(s2.opened).toEqual({ loaded: 7, damaged: [3n], truncatedIndexBytes: SEALED_INDEX_RECORD_BYTES / 2 });
    expect(s2.has(3n)).toBe(false);
    const r = await sealAll(s2);
    expect(r.sealed).toBe(1); // only load 3
    await expectUnsealsToSource(s2, MINER_A, CTX1);
    await s2.close();
    const s3 = await createDiskSealedStore({ dir, maxLoads: 64 });
    expect(s3.opened).toEqual({ loaded: 8, damaged: [], truncatedIndexBytes: 0 });
    await s3.close();
  });

  it("detects a missing sealed data file (everything resealed) and damage found while running", async () => {
    const dir = path.join(tmp, "missing");
    const s1 = await createDiskSealedStore({ dir, maxLoads: 64 });
    await sealAll(s1);
    await s1.close();
    fs.rmSync(path.join(dir, "sealed.dat"));
    const s2 = await createDiskSealedStore({ dir, maxLoads: 64 });
    expect(s2.opened.loaded).toBe(0);
    expect(s2.opened.damaged).toHaveLength(8);
    expect((await sealAll(s2)).sealed).toBe(8);
    // Damage while open: the answer path's read checks the checksum and drops the load.
    const fd = fs.openSync(path.join(dir, "sealed.dat"), "r+");
    fs.writeSync(fd, Buffer.from([1, 2, 3]), 0, 3, 6 * LOAD + 10);
    fs.closeSync(fd);
    expect(await s2.get(5n)).toBeDefined();
    expect(await s2.get(6n)).toBeUndefined();
    expect(s2.has(6n)).toBe(false);
    expect((await sealAll(s2)).sealed).toBe(1);
    await s2.close();
    const s3 = await createDiskSealedStore({ dir, maxLoads: 64 });
    expect(s3.opened).toMatchObject({ loaded: 8, damaged: [] });
    await s3.close();
  });

  it("reseals when the seal context recorded on chain changes, and drops everything for another miner id", async () => {
    const dir = path.join(tmp, "context");
    const s1 = await createDiskSealedStore({ dir, maxLoads: 64 });
    await sealAll(s1, MINER_A, rangesWith(CTX1));
    await s1.close();
    const s2 = await createDiskSealedStore({ dir, maxLoads: 64 });
    const r = await sealAll(s2, MINER_A, rangesWith(CTX2));
    expect(r.sealed).toBe(8);
    expect(r.status.resealedContextChanges).toBe(8);
    await expectUnsealsToSource(s2, MINER_A, CTX2);
    const r2 = await sealAll(s2, MINER_B, rangesWith(CTX2));
    expect(r2.sealed).toBe(8);
    expect(s2.minerIds()).toEqual([MINER_B]);
    await expectUnsealsToSource(s2, MINER_B, CTX2);
    await s2.close();
    // Superseded records are compacted away on the next open.
    const s3 = await createDiskSealedStore({ dir, maxLoads: 64 });
    expect(s3.opened.loaded).toBe(8);
    expect(fs.statSync(path.join(dir, "sealed.idx")).size).toBe(8 * SEALED_INDEX_RECORD_BYTES);
    await s3.close();
  });

  it("respects its budget", async () => {
    const s = await createDiskSealedStore({ dir: path.join(tmp, "budget"), maxLoads: 3 });
    const r = await sealAll(s);
    expect(r.sealed).toBe(3);
    expect(r.status.storeFull).toBe(true);
    await s.close();
  });

  it("keeps memory bounded: sealed bytes stay on disk, unlike the memory store", async () => {
    const big = createMemorySectorSource();
    big.place(1n, pseudoRandomBytes(64 * 1024 * 256 - 256, 22), 64n * 1024n); // 64 loads = 16 MiB
    const bigRange = createUnshardedRange(64n * 1024n);
    const ranges: EpochRangeCache = { refresh: async () => undefined, sealContextOf: () => CTX1, size: () => 1 };
    // A fresh pool per phase, closed before measuring: garbage in the worker isolates (which a main-thread GC does not
    // collect) would otherwise pin shared buffers. What remains is what the store, sealer and pool bookkeeping hold;
    // the workers themselves read file-backed loads into one 256 KiB buffer each.
    async function arrayBytesAfterSealing(store: SealedLoadStore): Promise<number> {
      const own = createMiningWorkerPool(2);
      const sealer = createSealer({ pool: own, source: big, store, ranges });
      await settle();
      const before = process.memoryUsage().arrayBuffers;
      for (let k = 0; k < 20 && !sealer.caughtUp(); k++)
        await sealer.sealPending({ minerId: MINER_A, range: bigRange });
      expect(store.size()).toBe(64);
      await own.close();
      await settle();
      return process.memoryUsage().arrayBuffers - before;
    }
    const memory = createMemorySealedStore(64);
    const inMemory = await arrayBytesAfterSealing(memory);
    await memory.clear();
    const disk = await createDiskSealedStore({ dir: path.join(tmp, "bounded"), maxLoads: 64 });
    const onDisk = await arrayBytesAfterSealing(disk);
    expect(inMemory).toBeGreaterThanOrEqual(16 * 1024 * 1024); // the control: the memory store holds all 16 MiB
    expect(onDisk).toBeLessThan(2 * 1024 * 1024); // the disk store holds none of it
    expect(fs.statSync(disk.file).size).toBe(64 * LOAD);
    await disk.close();
  }, 60_000);
});
