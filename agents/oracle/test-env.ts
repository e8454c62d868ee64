/**
 * Test and benchmark environment of the oracle: a real `hardhat node`, real Redis, TEEVerifier + AgentNFT behind
 * ERC1967 proxies (initialized in the proxy constructor, as Ignition deploys them), oracle agents on real HTTP.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  createPublicClient,
  createWalletClient,
  encodeFunctionData,
  hexToBytes,
  http,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import type { Logger } from "pino";
import { deployArtifact, startHardhatNode, startRedis, type TestHardhatNode, type TestRedis } from "../core/testing";
import { devnetAccount, type DevnetRole } from "../devnet/accounts";
import { AgentNFTAbi, TEEVerifierAbi } from "../generated/abis";
import { createOracleAgent, oracleConfigSchema, type OracleAgent } from "./agent";
import { OracleClient } from "./client";
import { FsCiphertextStore } from "./store";

export type Wallet = WalletClient<Transport, Chain, Account>;

export interface Actor {
  account: PrivateKeyAccount;
  secretKey: Uint8Array;
  wallet: Wallet;
}

export interface OracleTestEnv {
  node: TestHardhatNode;
  redis: TestRedis;
  publicClient: PublicClient;
  chainId: number;
  agentNFT: Address;
  teeVerifier: Address;
  storeDir: string;
  store: FsCiphertextStore;
  actors: Record<"deployer" | "oracle" | "alice" | "bob" | "carol" | "mallory" | "oracle2", Actor>;
  oracle: OracleAgent;
  client: OracleClient;
  /** Starts another oracle agent (e.g. a peer) with the same chain, store and Redis. */
  startOracle(o: {
    key: Hex;
    name: string;
    peers?: string[];
    maxMetadataBytes?: number;
    logger?: Logger;
  }): Promise<OracleAgent>;
  stop(): Promise<void>;
}

const ROLES: Record<keyof OracleTestEnv["actors"], DevnetRole> = {
  deployer: "deployer",
  oracle: "oracle",
  alice: "alice",
  bob: "bob",
  carol: "finetune",
  mallory: "alignment",
  oracle2: "keeper",
};

export async function startOracleTestEnv(options: { maxMetadataBytes?: number } = {}): Promise<OracleTestEnv> {
  const node = await startHardhatNode();
  const redis = await startRedis();
  const transport = http(node.rpcUrl);
  const publicClient = createPublicClient({ chain: hardhat, transport, pollingInterval: 50 }) as PublicClient;
  const actors = {} as OracleTestEnv["actors"];
  for (const [name, role] of Object.entries(ROLES) as [keyof OracleTestEnv["actors"], DevnetRole][]) {
    const pk = devnetAccount(role).privateKey;
    const account = privateKeyToAccount(pk);
    actors[name] = {
      account,
      secretKey: hexToBytes(pk),
      wallet: createWalletClient({ chain: hardhat, transport, account, pollingInterval: 50 }),
    };
  }
  const deployer = actors.deployer;
  const deploy = (name: string, args: readonly unknown[] = []) =>
    deployArtifact({ walletClient: deployer.wallet, publicClient, name, args });
  const verifierImpl = await deploy("TEEVerifier");
  const verifier = await deploy("ERC1967Proxy", [
    verifierImpl.address,
    encodeFunctionData({
      abi: TEEVerifierAbi,
      functionName: "initialize",
      args: [deployer.account.address, [actors.oracle.account.address], 1n],
    }),
  ]);
  const nftImpl = await deploy("AgentNFT");
  const nft = await deploy("ERC1967Proxy", [
    nftImpl.address,
    encodeFunctionData({
      abi: AgentNFTAbi,
      functionName: "initialize",
      args: ["AI Agent NFTs", "AINFT", deployer.account.address, verifier.address],
    }),
  ]);
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), "zg-oracle-store-"));
  const store = new FsCiphertextStore(storeDir);
  const running: OracleAgent[] = [];
  const startOracle: OracleTestEnv["startOracle"] = async (o) => {
    const config = oracleConfigSchema.parse({
      rpcUrl: node.rpcUrl,
      chainId: 31337,
      redisUrl: redis.url,
      privateKey: o.key,
      agentNFT: nft.address,
      store: `file:${storeDir}`,
      peers: (o.peers ?? []).join(","),
      logLevel: "silent",
      confirmations: 1,
      pollIntervalMs: 200,
      maxMetadataBytes: o.maxMetadataBytes ?? options.maxMetadataBytes,
    });
    const agent = createOracleAgent(config, { name: o.name, logger: o.logger });
    await agent.start();
    running.push(agent);
    return agent;
  };
  const oracle = await startOracle({ key: devnetAccount("oracle").privateKey, name: "inft-oracle" });
  return {
    node,
    redis,
    publicClient,
    chainId: 31337,
    agentNFT: nft.address,
    teeVerifier: verifier.address,
    storeDir,
    store,
    actors,
    oracle,
    client: new OracleClient(oracle.url as string),
    startOracle,
    async stop() {
      for (const a of running.reverse()) await a.stop().catch(() => undefined);
      await redis.stop();
      await node.stop();
      fs.rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
