/**
 * The mining worker pool survives thread crashes: a thread that exits, throws or is terminated from outside is
 * replaced (with the sealed loads and file again), its in-flight mine request is re-run on the replacement and gives
 * exactly the answer a healthy thread gives, an in-flight seal fails with WorkerCrashedError, and after repeated
 * rapid crashes the pool gives up with a clear error.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createUnshardedRange, type Hex } from "../../protocol/storage";
import { WorkerCrashedError, WorkerPoolError, WorkerPoolFailedError } from "./errors";
import { pseudoRandomBytes } from "./testing/memorySource";
import { createMiningWorkerPool, type MiningWorkerPool } from "./workerPool";

const MINER = `0x${"aa".repeat(32)}` as Hex;
const CTX = `0x${"01".repeat(32)}` as Hex;
const SUBTASK = `0x${"03".repeat(32)}` as Hex;
const NONCE_BASE = `0x${"05".repeat(32)}` as Hex;
const range = createUnshardedRange(1024n); // one load: every nonce recalls load 0
const mineArgs = {
  minerId: MINER,
  subtaskDigest: SUBTASK,
  range,
  threshold: 1n << 250n, // about 1 in 64 outputs is a hit
  nonceBase: NONCE_BASE,
  first: 0n,
  count: 8,
};

const pools: MiningWorkerPool[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) await p.close();
});

async function sealedPool(opts: Parameters<typeof createMiningWorkerPool>[1] = {}): Promise<MiningWorkerPool> {
  const pool = createMiningWorkerPool(1, { testHooks: true, ...opts });
  pools.push(pool);
  const data = new SharedArrayBuffer(262_144);
  new Uint8Array(data).set(pseudoRandomBytes(262_144, 9));
  await pool.seal({ data, minerId: MINER, startSector: 0n, digests: Array(64).fill(CTX) });
  pool.addLoad(0n, data);
  return pool;
}

describe("mining worker pool restarts", () => {
  it.each(["exit", "throw"] as const)(
    "a thread that dies (%s) mid-request is replaced and the request re-run with the same result",
    async (mode) => {
      const reference = await (await sealedPool()).mine(0, mineArgs);
      expect(reference.scanned).toBe(8);
      expect(reference.hits.length).toBeGreaterThan(0);
      const restarts: number[] = [];
      const pool = await sealedPool({ onRestart: (i) => restarts.push(i.restarts) });
      pool.crashWorkerForTest(0, mode);
      const again = await pool.mine(0, mineArgs);
      expect({ ...again, busyMs: 0, id: 0 }).toEqual({ ...reference, busyMs: 0, id: 0 });
      expect(pool.status()).toMatchObject({ threads: 1, restarts: 1, requeued: 1, failed: null });
      expect(pool.status().lastCrash).toContain("thread 0 exited");
      if (mode === "throw") expect(pool.status().lastCrash).toContain("test crash");
      expect(restarts).toEqual([1]);
      // The replacement keeps working.
      expect((await pool.mine(0, { ...mineArgs, first: 100n })).scanned).toBe(8);
    },
  );

  it("a thread terminated from outside is replaced with the loads it had", async () => {
    const pool = await sealedPool();
    await pool.terminateWorkerForTest(0);
    await new Promise((r) => setTimeout(r, 50));
    const r = await pool.mine(0, mineArgs);
    expect(r.scanned).toBe(8); // the replacement got load 0 again
    expect(pool.status().restarts).toBe(1);
  });

  it("a seal in flight on a dying thread fails with WorkerCrashedError (its buffer may be half sealed)", async () => {
    const pool = await sealedPool();
    pool.crashWorkerForTest(0, "exit");
    const data = new SharedArrayBuffer(262_144);
    const err = await pool.seal({ data, minerId: MINER, startSector: 1024n, digests: Array(64).fill(CTX) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkerCrashedError);
    expect(String(err)).toContain('type="seal"');
    expect(pool.status()).toMatchObject({ restarts: 1, sealsFailed: 1 });
    await pool.seal({ data, minerId: MINER, startSector: 1024n, digests: Array(64).fill(CTX) }); // works again
  });

  it("gives up after repeated rapid crashes: pending and later requests fail with a clear error", async () => {
    const failures: string[] = [];
    const pool = await sealedPool({ maxCrashes: 2, crashWindowMs: 60_000, onFailed: (e) => failures.push(e.message) });
    for (let k = 0; k < 2; k++) {
      pool.crashWorkerForTest(0, "exit");
      expect((await pool.mine(0, mineArgs)).scanned).toBe(8);
    }
    pool.crashWorkerForTest(0, "exit");
    const err = await pool.mine(0, mineArgs).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkerPoolFailedError);
    expect(String(err)).toContain("crashed 3 times within 60000 ms; giving up");
    expect(pool.status().failed).toContain("giving up");
    expect(pool.status().restarts).toBe(2);
    expect(failures).toHaveLength(1);
    await expect(pool.mine(0, mineArgs)).rejects.toThrow(WorkerPoolFailedError);
  });

  it("a mine request is failed, not re-run, once its threads died maxAttempts times", async () => {
    const pool = await sealedPool({ maxAttempts: 1 });
    pool.crashWorkerForTest(0, "exit");
    const err = await pool.mine(0, mineArgs).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkerCrashedError);
    expect(String(err)).toContain('type="mine", attempts=1');
    expect(pool.status()).toMatchObject({ restarts: 1, requeued: 0 });
    expect((await pool.mine(0, mineArgs)).scanned).toBe(8); // the replacement serves the next request
  });

  it("test hooks are refused on a production pool", () => {
    const pool = createMiningWorkerPool(1);
    pools.push(pool);
    expect(() => pool.crashWorkerForTest(0, "exit")).toThrow(WorkerPoolError);
  });
});
