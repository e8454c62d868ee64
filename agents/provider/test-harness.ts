/**
 * Shared set-up of the broker's integration tests and benchmark: a real `hardhat node` with the whole system
 * deployed as the devnet does it, a real Redis, the test upstream, and helpers to drive users through viem.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  createPublicClient,
  createWalletClient,
  http,
  parseEther,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { bytesToHex } from "viem";
import { hardhatLocal, silentLogger } from "../core/index.js";
import {
  projectRoot,
  startHardhatNode,
  startRedis,
  type TestHardhatNode,
  type TestRedis,
} from "../core/testing/index.js";
import { deploySystem } from "../devnet/devnet.js";
import { InferenceServingAbi, LedgerManagerAbi } from "../generated/abis.js";
import { signSessionToken, type SessionToken } from "../protocol/compute/index.js";
import { createProviderBroker, type CreateProviderBrokerOptions, type ProviderBroker } from "./broker.js";
import { providerConfigSchema } from "./config.js";
import { startTestUpstream, type TestUpstream } from "./test-upstream.js";

export const INFERENCE_SERVICE = "inference-v1.0";

/** Private key of Hardhat's test account `index` (the node funds #0-#19). */
export function hardhatKey(index: number): Hex {
  const pk = mnemonicToAccount("test test test test test test test test test test test junk", {
    addressIndex: index,
  }).getHdKey().privateKey;
  if (!pk) throw new Error(`no key for account #${index}`);
  return bytesToHex(pk);
}

export interface System {
  node: TestHardhatNode;
  redis: TestRedis;
  upstream: TestUpstream;
  tmp: string;
  publicClient: PublicClient;
  inferenceServing: Address;
  ledgerManager: Address;
  providerKey: Hex;
  provider: Address;
  stop(): Promise<void>;
}

export async function startSystem(o: { omitUsage?: boolean; persistentRedis?: boolean } = {}): Promise<System> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zg-provider-"));
  const [node, redis, upstream] = await Promise.all([
    startHardhatNode(),
    startRedis({ persistent: o.persistentRedis ?? true }),
    startTestUpstream({ omitUsage: o.omitUsage }),
  ]);
  // A `devnet-` id: ignored by git, and removed again on stop.
  const deploymentId = `devnet-provider-test-${node.port}`;
  const deployed = await deploySystem(projectRoot(), node.port, tmp, deploymentId);
  const publicClient = createPublicClient({ chain: hardhatLocal, transport: http(node.rpcUrl) }) as PublicClient;
  const providerKey = hardhatKey(2);
  return {
    node,
    redis,
    upstream,
    tmp,
    publicClient,
    inferenceServing: deployed.contracts.InferenceServing as Address,
    ledgerManager: deployed.contracts.LedgerManager as Address,
    providerKey,
    provider: privateKeyToAccount(providerKey).address,
    async stop() {
      await upstream.close();
      await Promise.allSettled([node.stop(), redis.stop()]);
      fs.rmSync(tmp, { recursive: true, force: true });
      fs.rmSync(path.join(projectRoot(), "ignition", "deployments", deploymentId), { recursive: true, force: true });
    },
  };
}

export interface BrokerOverrides {
  settlement?: { thresholdWei?: bigint; intervalMs?: number; refundBufferSeconds?: number; backoffMs?: number };
  service?: { inputPrice?: bigint; outputPrice?: bigint };
  maxOutputTokens?: number;
  hooks?: Pick<CreateProviderBrokerOptions, "afterSettlementSent" | "now">;
}

export function brokerFor(sys: System, o: BrokerOverrides = {}): ProviderBroker {
  const config = providerConfigSchema.parse({
    rpcUrl: sys.node.rpcUrl,
    chainId: 31337,
    redisUrl: sys.redis.url,
    confirmations: 0,
    pollIntervalMs: 100,
    logLevel: "silent",
    privateKey: sys.providerKey,
    upstreamUrl: sys.upstream.baseUrl,
    inferenceServing: sys.inferenceServing,
    ledgerManager: sys.ledgerManager,
    service: { inputPrice: 1_000_000_000n, outputPrice: 2_000_000_000n, ...o.service },
    maxOutputTokens: o.maxOutputTokens ?? 64,
    settlement: { intervalMs: 3_600_000, thresholdWei: 10n ** 30n, backoffMs: 200, ...o.settlement },
    teeKey: { sealedFile: path.join(sys.tmp, "tee-key.json"), secret: "test operator secret" },
  });
  return createProviderBroker({ config, logger: silentLogger(), ...o.hooks });
}

/** A user driving the contracts with viem. */
export function userOf(sys: System, key: Hex) {
  const account = privateKeyToAccount(key);
  const wallet = createWalletClient({ account, chain: hardhatLocal, transport: http(sys.node.rpcUrl) });
  const wait = async (hash: Hex) => {
    const r = await sys.publicClient.waitForTransactionReceipt({ hash });
    if (r.status !== "success") throw new Error(`tx ${hash} reverted`);
    return r;
  };
  return {
    address: account.address,
    key,
    addLedger: async (eth: string) =>
      wait(
        await wallet.writeContract({
          address: sys.ledgerManager,
          abi: LedgerManagerAbi,
          functionName: "addLedger",
          args: [""],
          value: parseEther(eth),
        }),
      ),
    transferFund: async (amount: bigint) =>
      wait(
        await wallet.writeContract({
          address: sys.ledgerManager,
          abi: LedgerManagerAbi,
          functionName: "transferFund",
          args: [sys.provider, INFERENCE_SERVICE, amount],
        }),
      ),
    acknowledge: async (yes: boolean) =>
      wait(
        await wallet.writeContract({
          address: sys.inferenceServing,
          abi: InferenceServingAbi,
          functionName: "acknowledgeTEESigner",
          args: [sys.provider, yes],
        }),
      ),
    revokeToken: async (tokenId: number) =>
      wait(
        await wallet.writeContract({
          address: sys.inferenceServing,
          abi: InferenceServingAbi,
          functionName: "revokeToken",
          args: [sys.provider, tokenId],
        }),
      ),
    retrieveFund: async () =>
      wait(
        await wallet.writeContract({
          address: sys.ledgerManager,
          abi: LedgerManagerAbi,
          functionName: "retrieveFund",
          args: [[sys.provider], INFERENCE_SERVICE],
        }),
      ),
    account: () =>
      sys.publicClient.readContract({
        address: sys.inferenceServing,
        abi: InferenceServingAbi,
        functionName: "getAccount",
        args: [account.address, sys.provider],
      }),
    /** A session token header (ephemeral by default). */
    token: async (t: Partial<SessionToken> = {}, signWith?: Hex) => {
      const now = Date.now();
      return signSessionToken(signWith ?? key, {
        address: account.address,
        provider: sys.provider,
        timestamp: now - 1000,
        expiresAt: now + 3_600_000,
        nonce: Math.random().toString(36).slice(2),
        generation: 0,
        tokenId: 255,
        ...t,
      });
    },
  };
}

/** The owner (account #0) trusts the broker's TEE signer, as the devnet set-up does. */
export async function ownerAcknowledges(sys: System): Promise<void> {
  const wallet = createWalletClient({
    account: privateKeyToAccount(hardhatKey(0)),
    chain: hardhatLocal,
    transport: http(sys.node.rpcUrl),
  });
  const hash = await wallet.writeContract({
    address: sys.inferenceServing,
    abi: InferenceServingAbi,
    functionName: "acknowledgeTEESignerByOwner",
    args: [sys.provider],
  });
  await sys.publicClient.waitForTransactionReceipt({ hash });
}

/** The owner withdraws its trust in the provider's TEE signer. */
export async function ownerRevokes(sys: System): Promise<void> {
  const wallet = createWalletClient({
    account: privateKeyToAccount(hardhatKey(0)),
    chain: hardhatLocal,
    transport: http(sys.node.rpcUrl),
  });
  const hash = await wallet.writeContract({
    address: sys.inferenceServing,
    abi: InferenceServingAbi,
    functionName: "revokeTEESignerAcknowledgement",
    args: [sys.provider],
  });
  await sys.publicClient.waitForTransactionReceipt({ hash });
}

/** POSTs a chat completion to the broker. */
export async function chat(
  url: string,
  auth: string | undefined,
  content: string,
  extra: Record<string, unknown> = {},
): Promise<Response> {
  return fetch(`${url}/v1/proxy/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(auth ? { authorization: auth } : {}) },
    body: JSON.stringify({ model: "test-echo-1", messages: [{ role: "user", content }], ...extra }),
  });
}
