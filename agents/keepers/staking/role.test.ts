import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../core/config";
import { AGENT_ROLES } from "../../cli/roles";
import { KEEPER_ENV_PREFIX, keeperConfigSchema } from "./config";
import { createStakingKeeper, KeeperConfigError } from "./keeper";

const base = {
  ZG_KEEPER_RPC_URL: "http://127.0.0.1:1",
  ZG_KEEPER_CHAIN_ID: "31337",
  ZG_KEEPER_REDIS_URL: "redis://127.0.0.1:1",
};

describe("keeper role and config", () => {
  it("is registered as `zg agent keeper`", () => {
    expect(AGENT_ROLES.keeper?.summary).toMatch(/staking keeper/);
  });

  it("reads its own keys from ZG_KEEPER_* with defaults", () => {
    const c = loadConfig(keeperConfigSchema, {
      envPrefix: KEEPER_ENV_PREFIX,
      env: { ...base, ZG_KEEPER_DISTRIBUTE_INTERVAL_MS: "2000", ZG_KEEPER_BATCH_SIZE: "10" },
    });
    expect(c.distributeIntervalMs).toBe(2000);
    expect(c.batchSize).toBe(10);
    expect(c.sweepIntervalMs).toBe(15_000);
    expect(c.maxEntriesPerCall).toBe(64);
  });

  it("rejects a batch larger than the contract's limit and unknown keys", () => {
    expect(() =>
      loadConfig(keeperConfigSchema, { envPrefix: KEEPER_ENV_PREFIX, env: { ...base, ZG_KEEPER_BATCH_SIZE: "101" } }),
    ).toThrow(/batchSize/);
    expect(() =>
      loadConfig(keeperConfigSchema, { envPrefix: KEEPER_ENV_PREFIX, env: { ...base, ZG_KEEPER_BATCH: "1" } }),
    ).toThrow(/ZG_KEEPER_BATCH/);
  });

  it("refuses to start without an address book or a key", async () => {
    await expect(AGENT_ROLES.keeper!.start({ env: base })).rejects.toThrow(KeeperConfigError);
    const book = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "zg-keeper-role-")), "book.json");
    fs.writeFileSync(
      book,
      JSON.stringify({ chainId: 31337, rpcUrl: "http://127.0.0.1:1", contracts: {}, agents: {}, accounts: {} }),
    );
    await expect(AGENT_ROLES.keeper!.start({ env: { ...base, ZG_KEEPER_ADDRESS_BOOK: book } })).rejects.toThrow(
      /Staking/,
    );
    const config = loadConfig(keeperConfigSchema, { envPrefix: KEEPER_ENV_PREFIX, env: base });
    expect(() =>
      createStakingKeeper({
        config,
        staking: "0x0000000000000000000000000000000000000001",
        rewardPool: "0x0000000000000000000000000000000000000002",
      }),
    ).toThrow(/privateKey/);
  });
});
