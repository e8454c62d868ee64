/**
 * The durable request record against a real Redis: one round trip writes the request, the user's queue and the
 * signed text under every chat id; a repeated request id changes nothing; the persistence check tells strict AOF
 * from memory-only.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedis, type TestRedis } from "../core/testing/index.js";
import { BrokerStore, type StoredRequest } from "./store.js";

const PROVIDER = "0x00000000000000000000000000000000000000aA";
const USER = "0x00000000000000000000000000000000000000Bb";

let durable: TestRedis;
let memory: TestRedis;
let redis: Redis;
let store: BrokerStore;

function request(id: string, fee = "30"): StoredRequest {
  return {
    id,
    requestHash: `0x${"11".repeat(32)}`,
    userAddress: USER,
    fee,
    inputFee: "10",
    outputFee: "20",
    createdAt: 1000,
  };
}

beforeAll(async () => {
  [durable, memory] = await Promise.all([startRedis({ persistent: true }), startRedis()]);
  redis = new Redis(durable.url, { stringNumbers: true });
  store = new BrokerStore(redis, 31337, PROVIDER);
}, 30_000);

afterAll(async () => {
  redis?.disconnect();
  await Promise.all([durable?.stop(), memory?.stop()]);
});

describe("BrokerStore.recordRequest", () => {
  it("writes the request, the user's queue and the signed text under every chat id in one command", async () => {
    // Loads the script (another provider's keys): from then on a record is a single EVALSHA.
    await new BrokerStore(redis, 31337, USER).recordRequest(request("warm"), { chatIds: ["warm"], json: "{}" });
    let commands = 0;
    const counter = new Redis(durable.url);
    await counter.monitor().then((m) =>
      m.on("monitor", (_t: string, args: string[], source: string) => {
        // Commands a script runs show with source "lua": count only what the client sent.
        if (source !== "lua" && !/^(ping|client|info|select)$/i.test(args[0] ?? "")) commands++;
      }),
    );
    const json = JSON.stringify({ text: "signed text" });
    expect(await store.recordRequest(request("chatcmpl-a"), { chatIds: ["chatcmpl-a", "up-1"], json })).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    counter.disconnect();
    expect(commands).toBe(1);
    expect(await store.requestState("chatcmpl-a")).toMatchObject({
      fee: "30",
      state: "unsettled",
      user: USER.toLowerCase(),
    });
    expect(await store.signature("chatcmpl-a")).toEqual({ text: "signed text" });
    expect(await store.signature("up-1")).toEqual({ text: "signed text" });
    expect((await store.unsettled(USER)).map((r) => r.id)).toEqual(["chatcmpl-a"]);
    expect(await store.usersWithWork()).toEqual([USER.toLowerCase()]);
    expect(Number(await redis.ttl(`${store.prefix}sig:up-1`))).toBeGreaterThan(7 * 24 * 3600 - 10);
  });

  it("records a request id at most once and leaves the first record untouched", async () => {
    const json = JSON.stringify({ text: "other text" });
    expect(await store.recordRequest(request("chatcmpl-a", "999"), { chatIds: ["chatcmpl-a", "up-2"], json })).toBe(
      false,
    );
    expect((await store.requestState("chatcmpl-a")).fee).toBe("30");
    expect(await store.signature("chatcmpl-a")).toEqual({ text: "signed text" });
    expect(await store.signature("up-2")).toBeUndefined();
    expect((await store.unsettledTotals()).get(USER.toLowerCase())).toBe(30n);
  });

  it("records a request without a signed text (a carried shortfall)", async () => {
    await store.recordCarry(USER, "7", 5n);
    expect((await store.requestState("carry-7")).fee).toBe("5");
    expect(await redis.keys(`${store.prefix}sig:_*`)).toEqual([]);
  });
});

describe("BrokerStore.durability", () => {
  it("is strict with appendonly yes and appendfsync always", async () => {
    expect(await store.durability()).toEqual({ appendonly: "yes", appendfsync: "always", strict: true });
  });

  it("is not strict on a memory-only Redis, nor with appendfsync everysec", async () => {
    const r = new Redis(memory.url);
    try {
      const s = new BrokerStore(r, 31337, PROVIDER);
      expect(await s.durability()).toMatchObject({ appendonly: "no", strict: false });
      await r.config("SET", "appendonly", "yes");
      await r.config("SET", "appendfsync", "everysec");
      expect(await s.durability()).toEqual({ appendonly: "yes", appendfsync: "everysec", strict: false });
    } finally {
      r.disconnect();
    }
  });

  it("reports an unknown setting when CONFIG is refused", async () => {
    const r = new Redis(memory.url);
    try {
      await r.call("ACL", "SETUSER", "noconfig", "on", "nopass", "~*", "+@all", "-config");
      await r.call("AUTH", "noconfig", "x");
      const d = await new BrokerStore(r, 31337, PROVIDER).durability();
      expect(d.strict).toBe(false);
      expect(d.unknown).toMatch(/NOPERM|permission/i);
    } finally {
      r.disconnect();
    }
  });
});
