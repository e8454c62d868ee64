import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { startRedis } from "./redis.js";

describe("startRedis", () => {
  it("starts an isolated server, restarts it on the same port, and stops it", async () => {
    const server = await startRedis();
    try {
      expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
      const client = new Redis(server.url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
      client.on("error", () => undefined); // connection refused while the server restarts
      await client.set("k", "v");
      expect(await client.get("k")).toBe("v");
      await server.restart();
      // Without persistence the data is gone, and the client reconnects to the new process.
      expect(await client.get("k")).toBeNull();
      client.disconnect();
    } finally {
      await server.stop();
    }
    const probe = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on("error", () => undefined);
    await expect(probe.connect()).rejects.toThrow();
    probe.disconnect();
  });

  it("keeps data across a restart when persistent", async () => {
    const server = await startRedis({ persistent: true });
    try {
      const client = new Redis(server.url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
      client.on("error", () => undefined); // connection refused while the server restarts
      await client.set("k", "kept");
      await server.restart();
      expect(await client.get("k")).toBe("kept");
      client.disconnect();
    } finally {
      await server.stop();
    }
  });
});
