import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { baseConfigSchema, envVarName, loadConfig } from "./config.js";
import { ConfigError } from "./errors.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zg-config-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

const roleSchema = baseConfigSchema.extend({
  shard: z.object({ index: z.number().int().min(0), count: z.number().int().positive() }),
  mine: z.boolean().default(false),
});

const goodToml = `
rpcUrl = "http://127.0.0.1:8545"
chainId = 31337
redisUrl = "redis://127.0.0.1:6379"
confirmations = 2

[http]
port = 5678

[shard]
index = 0
count = 4
`;

function captureConfigError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("reads TOML, applies defaults, and types the result by the schema", () => {
    const cfg = loadConfig(roleSchema, { file: file("ok.toml", goodToml), envPrefix: "ZG_STORAGE", env: {} });
    expect(cfg).toMatchObject({
      chainId: 31337,
      confirmations: 2,
      http: { host: "127.0.0.1", port: 5678 },
      shard: { index: 0, count: 4 },
      mine: false,
      logLevel: "info",
      pollIntervalMs: 2000,
    });
  });

  it("reads JSON the same way", () => {
    const json = {
      rpcUrl: "http://127.0.0.1:8545",
      chainId: 16602,
      redisUrl: "redis://x:6379",
      shard: { index: 1, count: 2 },
    };
    const cfg = loadConfig(roleSchema, { file: file("ok.json", JSON.stringify(json)), envPrefix: "ZG_S", env: {} });
    expect(cfg.chainId).toBe(16602);
    expect(cfg.confirmations).toBe(3);
  });

  it("overrides from the environment, nested with __, coercing numbers and booleans", () => {
    const cfg = loadConfig(roleSchema, {
      file: file("env.toml", goodToml),
      envPrefix: "ZG_STORAGE",
      env: {
        ZG_STORAGE_CHAIN_ID: "16661",
        ZG_STORAGE_HTTP__PORT: "9000",
        ZG_STORAGE_HTTP__HOST: "0.0.0.0",
        ZG_STORAGE_MINE: "true",
        ZG_STORAGE_MAX_BLOCK_RANGE: "50",
        ZG_STORAGE_PRIVATE_KEY: `0x${"11".repeat(32)}`,
        ZG_OTHER_CHAIN_ID: "1",
      },
    });
    expect(cfg.chainId).toBe(16661);
    expect(cfg.http).toEqual({ host: "0.0.0.0", port: 9000 });
    expect(cfg.mine).toBe(true);
    expect(cfg.maxBlockRange).toBe(50);
    expect(cfg.privateKey).toBe(`0x${"11".repeat(32)}`);
  });

  it("works from the environment alone", () => {
    const cfg = loadConfig(baseConfigSchema, {
      envPrefix: "ZG_K",
      env: { ZG_K_RPC_URL: "http://127.0.0.1:1", ZG_K_CHAIN_ID: "31337", ZG_K_REDIS_URL: "redis://127.0.0.1:1" },
    });
    expect(cfg.rpcUrl).toBe("http://127.0.0.1:1");
  });

  it("names a missing key", () => {
    const text = goodToml.replace('redisUrl = "redis://127.0.0.1:6379"\n', "");
    const err = captureConfigError(() =>
      loadConfig(roleSchema, { file: file("missing.toml", text), envPrefix: "ZG_STORAGE", env: {} }),
    );
    expect(err.issues.map((i) => i.path)).toEqual(["redisUrl"]);
    expect(err.message).toMatch(/redisUrl: .*\(missing\)/);
  });

  it("names a missing nested key", () => {
    const text = goodToml.replace("count = 4\n", "");
    const err = captureConfigError(() =>
      loadConfig(roleSchema, { file: file("missing2.toml", text), envPrefix: "ZG_STORAGE", env: {} }),
    );
    expect(err.message).toContain("shard.count");
  });

  it("names a malformed key from the file with its value", () => {
    const text = goodToml.replace("confirmations = 2", 'confirmations = "two"');
    const err = captureConfigError(() =>
      loadConfig(roleSchema, { file: file("bad.toml", text), envPrefix: "ZG_STORAGE", env: {} }),
    );
    expect(err.issues[0]?.path).toBe("confirmations");
    expect(err.message).toContain("confirmations");
    expect(err.message).toContain('"two"');
  });

  it("names a malformed key from the environment, its value and the variable", () => {
    const err = captureConfigError(() =>
      loadConfig(roleSchema, {
        file: file("ok2.toml", goodToml),
        envPrefix: "ZG_STORAGE",
        env: { ZG_STORAGE_HTTP__PORT: "eighty" },
      }),
    );
    expect(err.issues[0]).toMatchObject({ path: "http.port", received: "eighty", source: "env ZG_STORAGE_HTTP__PORT" });
    expect(err.message).toContain("http.port");
    expect(err.message).toContain("eighty");
  });

  it("rejects a private key in a file without echoing it", () => {
    const secret = `0x${"ab".repeat(32)}`;
    const err = captureConfigError(() =>
      loadConfig(roleSchema, {
        file: file("key.toml", `privateKey = "${secret}"\n${goodToml}`),
        envPrefix: "ZG_STORAGE",
        env: {},
      }),
    );
    expect(err.message).toContain("privateKey");
    expect(err.message).toContain("ZG_STORAGE_PRIVATE_KEY");
    expect(err.message).not.toContain(secret);
  });

  it("redacts a malformed private key from the environment", () => {
    const err = captureConfigError(() =>
      loadConfig(roleSchema, {
        file: file("ok3.toml", goodToml),
        envPrefix: "ZG_STORAGE",
        env: { ZG_STORAGE_PRIVATE_KEY: "0xnotakey-but-secret" },
      }),
    );
    expect(err.message).toContain("privateKey");
    expect(err.message).not.toContain("notakey-but-secret");
  });

  it("names an unknown key (a typo) from the file or the environment", () => {
    const text = goodToml
      .replace("confirmations = 2", "confirmation = 2")
      .replace("count = 4", "count = 4\ncolour = 1");
    let err = captureConfigError(() =>
      loadConfig(roleSchema, { file: file("typo.toml", text), envPrefix: "ZG_STORAGE", env: {} }),
    );
    expect(err.issues.map((i) => i.path).sort()).toEqual(["confirmation", "shard.colour"]);
    expect(err.message).toContain("confirmation: unknown key");
    err = captureConfigError(() =>
      loadConfig(roleSchema, {
        file: file("ok4.toml", goodToml),
        envPrefix: "ZG_STORAGE",
        env: { ZG_STORAGE_HTTP__PROT: "1" },
      }),
    );
    expect(err.message).toContain("http.prot: unknown key");
    expect(err.message).toContain("env ZG_STORAGE_HTTP__PROT");
    const relaxed = loadConfig(roleSchema, {
      file: file("typo2.toml", text),
      envPrefix: "ZG_STORAGE",
      env: {},
      unknownKeys: "ignore",
    });
    expect(relaxed.confirmations).toBe(3);
  });

  it("reports an unparsable file", () => {
    const err = captureConfigError(() =>
      loadConfig(roleSchema, { file: file("broken.toml", "rpcUrl = "), envPrefix: "ZG_STORAGE", env: {} }),
    );
    expect(err.message).toContain("broken.toml");
  });

  it("maps key paths to environment variable names", () => {
    expect(envVarName("ZG_STORAGE", ["http", "port"])).toBe("ZG_STORAGE_HTTP__PORT");
    expect(envVarName("ZG_STORAGE", ["maxBlockRange"])).toBe("ZG_STORAGE_MAX_BLOCK_RANGE");
  });
});
