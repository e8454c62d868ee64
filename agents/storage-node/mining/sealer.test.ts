import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { baseConfigSchema, loadConfig } from "../../core";
import { Redis } from "ioredis";
import { startRedis, type TestRedis } from "../../core/testing";
import { createUnshardedRange, unseal, type Hex } from "../../protocol/storage";
import { miningConfigSchema } from "./config";
import type { EpochRangeCache } from "./epochRanges";
import { createMinerLedger } from "./ledger";
import { createSealer, loadInShard } from "./sealer";
import { createMemorySectorSource, pseudoRandomBytes } from "./testing/memorySource";
import { createMemorySealedStore, sealedBytes } from "./types";
import { createMiningWorkerPool, type MiningWorkerPool } from "./workerPool";

const MINER_A = `0x${"aa".repeat(32)}` as Hex;
const MINER_B = `0x${"bb".repeat(32)}` as Hex;
const CTX1 = `0x${"01".repeat(32)}` as Hex;
const CTX2 = `0x${"02".repeat(32)}` as Hex;

/** Two recorded ranges: [0, 1500) sealed with CTX1, [1500, 4096) with CTX2. */
const ranges: EpochRangeCache = {
  refresh: async () => undefined,
  sealContextOf: (i) => (i * 16n + 15n < 1500n ? CTX1 : i * 16n + 15n < 4096n ? CTX2 : undefined),
  size: () => 2,
};

describe("sealer (worker threads)", () => {
  let pool: MiningWorkerPool;
  beforeAll(() => {
    pool = createMiningWorkerPool(2);
  });
  afterAll(async () => pool.close());

  it("seals every load of the range with each unit's own context; unsealing gives the node's data back", async () => {
    const source = createMemorySectorSource();
    const data = pseudoRandomBytes(4095 * 256, 3);
    source.place(1n, data, 4096n);
    const store = createMemorySealedStore(16);
    const sealer = createSealer({ pool, source, store, ranges });
    const range = createUnshardedRange(4096n);
    expect(await sealer.sealPending({ minerId: MINER_A, range, maxLoads: 3 })).toBe(3);
    expect(sealer.caughtUp()).toBe(false);
    expect(await sealer.sealPending({ minerId: MINER_A, range })).toBe(1); // resumes at load 3
    expect(await sealer.sealPending({ minerId: MINER_A, range })).toBe(0);
    expect(sealer.caughtUp()).toBe(true);
    expect(sealer.status()).toMatchObject({ sealedLoads: 4, missingLoads: 0, bytesSealed: 4 * 262144 });
    const raw = (await source.readFlowSectors(0n, 4096)) as Uint8Array;
    for (const i of [...store.loadIndexes()]) {
      const load = (await store.get(i))!;
      const sealed = sealedBytes(load);
      for (let u = 0; u < 64; u += 7) {
        const sealIndex = load.loadIndex * 64n + BigInt(u);
        const ctx = sealIndex * 16n + 15n < 1500n ? CTX1 : CTX2;
        expect(load.contextDigests[u]).toBe(ctx);
        const unit = sealed.subarray(u * 4096, (u + 1) * 4096);
        expect(unit).not.toEqual(raw.subarray(Number(sealIndex) * 4096, Number(sealIndex + 1n) * 4096));
        const back = unseal(unit, { minerId: MINER_A, sealContextDigest: ctx, startSector: sealIndex * 16n });
        expect(back).toEqual(raw.subarray(Number(sealIndex) * 4096, Number(sealIndex + 1n) * 4096));
      }
    }
    // Another miner id: the old seals are useless and dropped; a restart with the same id keeps them.
    const again = createSealer({ pool, source, store, ranges });
    expect(await again.sealPending({ minerId: MINER_A, range })).toBe(0);
    expect(store.size()).toBe(4);
    expect(await again.sealPending({ minerId: MINER_B, range, maxLoads: 1 })).toBe(1);
    expect(store.minerIds()).toEqual([MINER_B]);
  });

  it("skips loads the node does not hold and retries them; stops at the store budget", async () => {
    const source = createMemorySectorSource();
    source.place(1n, pseudoRandomBytes(2047 * 256, 5), 2048n); // loads 2 and 3 not stored
    const store = createMemorySealedStore(3);
    const sealer = createSealer({ pool, source, store, ranges });
    const range = createUnshardedRange(4096n);
    expect(await sealer.sealPending({ minerId: MINER_A, range })).toBe(2);
    expect(sealer.status().missingLoads).toBe(2);
    source.place(2048n, pseudoRandomBytes(2048 * 256, 6), 4096n);
    expect(await sealer.sealPending({ minerId: MINER_A, range })).toBe(1);
    expect(sealer.status()).toMatchObject({ sealedLoads: 3, storeFull: true });
  });

  it("retries loads whose epoch range is recorded on chain only later", async () => {
    const source = createMemorySectorSource();
    source.place(1n, pseudoRandomBytes(4095 * 256, 8), 4096n);
    let recordedEnd = 2048n;
    const partial: EpochRangeCache = {
      refresh: async () => undefined,
      sealContextOf: (i) => (i * 16n + 15n < recordedEnd ? CTX1 : undefined),
      size: () => 1,
    };
    const store = createMemorySealedStore(8);
    const sealer = createSealer({ pool, source, store, ranges: partial });
    const range = createUnshardedRange(4096n);
    expect(await sealer.sealPending({ minerId: MINER_A, range })).toBe(2);
    expect(sealer.status().missingLoads).toBe(2);
    recordedEnd = 4096n;
    expect(await sealer.sealPending({ minerId: MINER_A, range })).toBe(2);
    expect(sealer.status()).toMatchObject({ sealedLoads: 4, missingLoads: 0 });
  });

  it("selects the loads of a shard", () => {
    const shard = { startPosition: 0n, mineLength: 8192n, shardId: 1n, shardMask: ~1n & ((1n << 64n) - 1n) };
    expect([0n, 1n, 2n, 3n, 4n, 5n].filter((i) => loadInShard(i, shard))).toEqual([1n, 3n, 5n]);
    expect(loadInShard(7n, createUnshardedRange(8192n))).toBe(true);
  });
});

describe("miner ledger (Redis)", () => {
  let server: TestRedis;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    await redis.quit();
    await server.stop();
  });

  it("stores the miner id per account and claims each recall position once per epoch", async () => {
    const ledger = createMinerLedger(redis, "zg:test:1");
    const account = "0x00000000000000000000000000000000000000Ab" as Hex;
    expect(await ledger.getMinerId(account)).toBeUndefined();
    await ledger.setMinerId(account, MINER_A);
    expect(await createMinerLedger(redis, "zg:test:1").getMinerId(account)).toBe(MINER_A);
    expect(await ledger.claim(MINER_A, 5n, 1024n)).toBe(true);
    expect(await ledger.claim(MINER_A, 5n, 1024n)).toBe(false);
    expect(await ledger.claim(MINER_A, 6n, 1024n)).toBe(true);
    expect(await ledger.claim(MINER_B, 5n, 1024n)).toBe(true);
    await ledger.release(MINER_A, 5n, 1024n);
    expect(await ledger.isClaimed(MINER_A, 5n, 1024n)).toBe(false);
    await ledger.accept(MINER_A, 5n, 2048n);
    expect(await ledger.isClaimed(MINER_A, 5n, 2048n)).toBe(true);
    expect(await ledger.acceptedCount(MINER_A, 5n)).toBe(1);
    expect(await redis.ttl(`zg:test:1:miner:${MINER_A}:epoch:5:accepted`)).toBeGreaterThan(0);
  });
});

describe("mining config", () => {
  it("defaults leave mining off; values are validated", () => {
    const c = miningConfigSchema.parse(undefined);
    expect(c).toMatchObject({ enabled: false, threads: 1, cpuPercent: 50, maxAnswersPerEpoch: 8 });
    expect(c.keeper).toEqual({ enabled: true, everyMs: 10_000 });
    expect(c.shardMask).toBe((1n << 64n) - 1n);
    expect(() => miningConfigSchema.parse({ cpuPercent: 0 })).toThrow();
    expect(() => miningConfigSchema.parse({ minerKey: "0x1234" })).toThrow();
    expect(() => miningConfigSchema.parse({ threads: 1.5 })).toThrow();
  });

  it("loads as the node's `mining` section from the environment; the miner key is refused in a file", () => {
    const schema = baseConfigSchema.extend({ mining: miningConfigSchema });
    const base = {
      ZG_STORAGE_RPC_URL: "http://127.0.0.1:8545",
      ZG_STORAGE_CHAIN_ID: "31337",
      ZG_STORAGE_REDIS_URL: "redis://127.0.0.1:6379",
    };
    const key = `0x${"12".repeat(32)}`;
    const c = loadConfig(schema, {
      envPrefix: "ZG_STORAGE",
      envOnlyKeys: ["privateKey", "minerKey"],
      env: {
        ...base,
        ZG_STORAGE_MINING__ENABLED: "true",
        ZG_STORAGE_MINING__THREADS: "2",
        ZG_STORAGE_MINING__SHARD_MASK: "18446744073709551614",
        ZG_STORAGE_MINING__MINER_KEY: key,
        ZG_STORAGE_MINING__KEEPER__EVERY_MS: "5000",
      },
    });
    expect(c.mining).toMatchObject({ enabled: true, threads: 2, shardMask: (1n << 64n) - 2n, minerKey: key });
    expect(c.mining.keeper.everyMs).toBe(5000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zg-mining-config-"));
    const file = path.join(dir, "node.toml");
    fs.writeFileSync(file, `[mining]\nenabled = true\nminerKey = "${key}"\n`);
    expect(() =>
      loadConfig(schema, { file, envPrefix: "ZG_STORAGE", envOnlyKeys: ["privateKey", "minerKey"], env: base }),
    ).toThrow(/may only be set in the environment/);
  });
});
