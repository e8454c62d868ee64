/**
 * The two services under every devnet: a Hardhat JSON-RPC node and a Redis server, both on loopback.
 */
import fs from "node:fs";
import path from "node:path";
import { jsonRpc, redisPing, redisServerArgs, ServiceError } from "../core/process";
import { DevnetError, freePort, portInUse, spawnManaged, waitFor, which, type ManagedProcess } from "./processes";

export { redisPing };

export const REDIS_INSTALL_HINT =
  "redis-server not found: install Redis from your system package manager (Debian/Ubuntu: `sudo apt-get install redis-server`, macOS: `brew install redis`) or set REDIS_URL";

export interface RedisService {
  url: string;
  port: number;
  /** Undefined when an external REDIS_URL is used. */
  proc?: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * Starts `redis-server` on a free loopback port with its data under `dataDir`, or uses `externalUrl`.
 * Throws a {@link DevnetError} with an installation hint if neither is possible.
 */
export async function startRedis(opts: {
  dataDir: string;
  externalUrl?: string;
  logFile?: string;
}): Promise<RedisService> {
  if (opts.externalUrl) {
    const u = new URL(opts.externalUrl);
    const port = Number(u.port || 6379);
    if (!(await redisPing(u.hostname, port)))
      throw new DevnetError(`REDIS_URL ${opts.externalUrl} does not answer PING`);
    return { url: opts.externalUrl, port, stop: async () => undefined };
  }
  const bin = which("redis-server");
  if (!bin) throw new DevnetError(REDIS_INSTALL_HINT);
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const port = await freePort();
  const proc = spawnManaged(
    "redis",
    bin,
    redisServerArgs({ port, dir: opts.dataDir, appendOnly: true, fsync: "always", save: "60 1" }),
    { logFile: opts.logFile },
  );
  await waitFor("redis", () => redisPing("127.0.0.1", port), { timeoutMs: 10_000, proc });
  return { url: `redis://127.0.0.1:${port}`, port, proc, stop: () => proc.stop() };
}

export interface ChainService {
  rpcUrl: string;
  port: number;
  proc: ManagedProcess;
  stop(): Promise<void>;
}

/** JSON-RPC call with fetch; throws a {@link DevnetError} on an RPC error. */
export async function rpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  try {
    return await jsonRpc<T>(url, method, params);
  } catch (err) {
    throw err instanceof ServiceError ? new DevnetError(err.message) : err;
  }
}

/** Starts `hardhat node` on 127.0.0.1:port from the project root; fails clearly if the port is taken. */
export async function startChain(opts: {
  root: string;
  port: number;
  logFile?: string;
  blockIntervalMs?: number;
}): Promise<ChainService> {
  if (await portInUse(opts.port)) {
    throw new DevnetError(`port ${opts.port} on 127.0.0.1 is in use; set DEVNET_PORT to another port`);
  }
  const hardhat = path.join(opts.root, "node_modules", ".bin", "hardhat");
  const proc = spawnManaged("chain", hardhat, ["node", "--hostname", "127.0.0.1", "--port", String(opts.port)], {
    cwd: opts.root,
    logFile: opts.logFile,
    env: { ...process.env, DEVNET_PORT: String(opts.port) },
  });
  const rpcUrl = `http://127.0.0.1:${opts.port}`;
  await waitFor("hardhat node", async () => (await rpc<string>(rpcUrl, "eth_chainId")) !== undefined, {
    timeoutMs: 60_000,
    intervalMs: 300,
    proc,
  });
  // Blocks keep coming even without transactions, so epochs and keeper ticks advance on an idle devnet.
  if (opts.blockIntervalMs) await rpc(rpcUrl, "evm_setIntervalMining", [opts.blockIntervalMs]);
  return { rpcUrl, port: opts.port, proc, stop: () => proc.stop() };
}
