/**
 * `startRedis()`: a throwaway redis-server on a free 127.0.0.1 port with its own temp directory.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { redisPing, redisServerArgs } from "../process.js";
import { getFreePort, spawnTracked, stopChild, waitFor } from "./processes.js";

/** A running test Redis. */
export interface TestRedis {
  url: string;
  port: number;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
  /** Stops and starts the server on the same port (data survives only with `persistent: true`). */
  restart(): Promise<void>;
}

/**
 * Starts `redis-server --save "" --appendonly no` (or AOF with `persistent`) on a free loopback port.
 * @example const redis = await startRedis(); ... await redis.stop();
 */
export async function startRedis(
  options: {
    binary?: string;
    /** AOF persistence on (data survives `restart()`); off by default. */
    persistent?: boolean;
    /** AOF fsync policy when `persistent`; default "always" (every write on disk before Redis answers). */
    fsync?: "always" | "everysec" | "no";
  } = {},
): Promise<TestRedis> {
  const binary = options.binary ?? process.env.REDIS_SERVER ?? "/usr/bin/redis-server";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zg-redis-"));
  const port = await getFreePort();
  let child: ChildProcess | undefined;
  let stderr = "";

  const launch = async () => {
    stderr = "";
    child = spawnTracked(
      binary,
      redisServerArgs({ port, dir, appendOnly: options.persistent ?? false, fsync: options.fsync ?? "always" }),
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    child.stderr?.on("data", (d) => (stderr += d.toString()));
    const c = child;
    await waitFor(
      async () => {
        if (c.exitCode !== null) throw new Error(`redis-server exited: ${stderr}`);
        return redisPing("127.0.0.1", port);
      },
      { timeoutMs: 10_000, intervalMs: 25, what: `redis-server on port ${port}` },
    );
  };

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child) await stopChild(child, "SIGTERM", 3000);
      fs.rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      if (child) await stopChild(child, "SIGTERM", 3000);
      await launch();
    },
  };
}
