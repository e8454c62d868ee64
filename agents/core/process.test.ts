import { spawn } from "node:child_process";
import http from "node:http";
import net from "node:net";
import { describe, expect, it } from "vitest";
import {
  freePort,
  hasExited,
  jsonRpc,
  poll,
  portInUse,
  redisPing,
  redisServerArgs,
  ServiceError,
  stopChild,
  which,
} from "./process.js";
import { startRedis } from "./testing/index.js";

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)),
  );
}

describe("process primitives", () => {
  it("freePort gives a port nobody listens on, and portInUse sees a listener", async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(await portInUse(port)).toBe(false);
    const server = net.createServer();
    const taken = await listen(server);
    try {
      expect(await portInUse(taken)).toBe(true);
    } finally {
      server.close();
    }
  });

  it("poll resolves once the probe is true and treats a throwing probe as not ready", async () => {
    let calls = 0;
    await poll(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error("not up");
        return calls >= 3;
      },
      { what: "thing", timeoutMs: 5_000, intervalMs: 5 },
    );
    expect(calls).toBe(3);
  });

  it("poll names what it waited for on timeout and stops early when the process exits", async () => {
    await expect(poll(async () => false, { what: "never", timeoutMs: 30, intervalMs: 5 })).rejects.toThrow(
      new ServiceError("never: not ready after 30 ms"),
    );
    await expect(
      poll(async () => false, { what: "dead", timeoutMs: 10_000, intervalMs: 5, exited: Promise.resolve(1) }),
    ).rejects.toThrow("dead: process exited before it was ready");
  });

  it("stopChild ends a process that ignores SIGTERM with SIGKILL after the grace period", async () => {
    const child = spawn(
      process.execPath,
      ["-e", "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)"],
      { stdio: ["ignore", "pipe", "ignore"] },
    );
    // Only once the handler is installed does SIGTERM get ignored.
    await new Promise((r) => child.stdout.once("data", r));
    await stopChild(child, "SIGTERM", 200);
    expect(hasExited(child)).toBe(true);
    expect(child.signalCode).toBe("SIGKILL");
    await stopChild(child); // already gone: returns at once
  });

  it("which finds node on PATH and not a made-up binary", () => {
    expect(which("node")).toBeDefined();
    expect(which("zg-no-such-binary-here")).toBeUndefined();
  });

  it("jsonRpc returns the result and throws the RPC error naming the method", async () => {
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        const { method, id } = JSON.parse(body) as { method: string; id: number };
        res.setHeader("content-type", "application/json");
        res.end(
          JSON.stringify(
            method === "ok_method"
              ? { jsonrpc: "2.0", id, result: "0x7a69" }
              : { jsonrpc: "2.0", id, error: { code: -32601, message: "method not found" } },
          ),
        );
      });
    });
    const port = await listen(server);
    try {
      expect(await jsonRpc<string>(`http://127.0.0.1:${port}`, "ok_method")).toBe("0x7a69");
      await expect(jsonRpc(`http://127.0.0.1:${port}`, "bad_method")).rejects.toThrow(
        new ServiceError("bad_method: method not found"),
      );
    } finally {
      server.close();
    }
  });

  it("redisPing is true for a real Redis and false for a closed port or a non-Redis server", async () => {
    const redis = await startRedis();
    try {
      expect(await redisPing("127.0.0.1", redis.port)).toBe(true);
    } finally {
      await redis.stop();
    }
    expect(await redisPing("127.0.0.1", redis.port, 300)).toBe(false);
    const liar = net.createServer((s) => s.end("-ERR nope\r\n"));
    const port = await listen(liar);
    try {
      expect(await redisPing("127.0.0.1", port, 300)).toBe(false);
    } finally {
      liar.close();
    }
  });

  it("redisServerArgs binds loopback, runs in the foreground and carries the persistence policy", () => {
    const args = redisServerArgs({ port: 7000, dir: "/tmp/x", appendOnly: true, fsync: "always", save: "60 1" });
    const opt = (k: string) => args[args.indexOf(k) + 1];
    expect(opt("--bind")).toBe("127.0.0.1");
    expect(opt("--port")).toBe("7000");
    expect(opt("--daemonize")).toBe("no");
    expect(opt("--appendonly")).toBe("yes");
    expect(opt("--appendfsync")).toBe("always");
    expect(opt("--save")).toBe("60 1");
    expect(opt("--dir")).toBe("/tmp/x");
  });
});
