/**
 * Test and benchmark helpers: a real chain (`hardhat node`) with the system deployed exactly as the devnet does it,
 * a real Redis, and storage nodes started in-process on free ports.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  createPublicClient,
  createWalletClient,
  http,
  type Account,
  type Chain,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhatLocal, silentLogger } from "../core/index.js";
import {
  projectRoot,
  startHardhatNode,
  startRedis,
  type TestHardhatNode,
  type TestRedis,
} from "../core/testing/index.js";
import { devnetAccount, type DevnetRole } from "../devnet/accounts";
import { deploySystem } from "../devnet/devnet";
import type { Hex } from "../protocol/storage";
import { ZgsClient, type UploadChain } from "./client";
import { storageNodeConfigSchema, type StorageNodeConfig } from "./config";
import { startStorageNode, type StorageNode } from "./node";

/** A chain with the system deployed, and Redis. */
export interface StorageStack {
  chain: TestHardhatNode;
  redis: TestRedis;
  chainId: number;
  contracts: Record<string, Hex>;
  tmp: string;
  publicClient: PublicClient;
  /** Wallet + Flow for uploads, signing as a devnet role (default alice). */
  uploadChain(role?: DevnetRole): UploadChain;
  stop(): Promise<void>;
}

export async function startStorageStack(): Promise<StorageStack> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zg-storage-node-test-"));
  const [chain, redis] = await Promise.all([startHardhatNode(), startRedis()]);
  const deployed = await deploySystem(projectRoot(), chain.port, tmp, `interop-storage-node-${chain.port}`);
  const contracts = deployed.contracts as Record<string, Hex>;
  const transport = http(chain.rpcUrl);
  const publicClient = createPublicClient({ chain: hardhatLocal, transport, pollingInterval: 100 }) as PublicClient;
  return {
    chain,
    redis,
    chainId: deployed.chainId,
    contracts,
    tmp,
    publicClient,
    uploadChain(role: DevnetRole = "alice") {
      const account = privateKeyToAccount(devnetAccount(role).privateKey);
      const walletClient = createWalletClient({
        chain: hardhatLocal,
        transport,
        account,
        pollingInterval: 100,
      }) as WalletClient<Transport, Chain, Account>;
      return { publicClient, walletClient, flowAddress: contracts.Flow };
    },
    async stop() {
      await Promise.allSettled([chain.stop(), redis.stop()]);
      fs.rmSync(path.join(projectRoot(), "ignition", "deployments", `interop-storage-node-${chain.port}`), {
        recursive: true,
        force: true,
      });
    },
  };
}

/** The config of a test node on the stack (fast polls, no confirmations, free ports). */
export function testNodeConfig(stack: StorageStack, overrides: Partial<StorageNodeConfig> = {}): StorageNodeConfig {
  return storageNodeConfigSchema.parse({
    rpcUrl: stack.chain.rpcUrl,
    chainId: stack.chainId,
    redisUrl: stack.redis.url,
    confirmations: 0,
    pollIntervalMs: 100,
    logLevel: "silent",
    flowAddress: stack.contracts.Flow,
    dataDir: fs.mkdtempSync(path.join(stack.tmp, "node-")),
    rpc: { enabled: false, host: "127.0.0.1", port: 0 },
    ...overrides,
  });
}

/** Starts a node on the stack. */
export async function startTestNode(
  stack: StorageStack,
  overrides: Partial<StorageNodeConfig> = {},
): Promise<{ node: StorageNode; client: ZgsClient; config: StorageNodeConfig }> {
  const config = testNodeConfig(stack, overrides);
  const node = await startStorageNode(config, { logger: silentLogger() });
  return { node, client: new ZgsClient(node.url), config };
}

/** Deterministic pseudo-random bytes (xorshift32). */
export function testBytes(size: number, seed: number): Uint8Array {
  const b = new Uint8Array(size);
  let x = seed | 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}
