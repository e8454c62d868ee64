/**
 * viem clients and chain objects for the chains the project runs on: the local Hardhat node (31337),
 * 0G Galileo testnet (16602) and 0G mainnet (16661).
 */
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type Account,
  type Chain,
  type HttpTransport,
  type PublicClient,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ChainMismatchError } from "./errors.js";

const native = { name: "0G", symbol: "0G", decimals: 18 } as const;

/** The local Hardhat network. */
export const hardhatLocal = defineChain({
  id: 31337,
  name: "Hardhat (local)",
  nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: ["http://127.0.0.1:8545"] } },
  testnet: true,
});

/** 0G Galileo testnet. */
export const zgGalileo = defineChain({
  id: 16602,
  name: "0G Galileo Testnet",
  nativeCurrency: native,
  rpcUrls: { default: { http: ["https://evmrpc-testnet.0g.ai"] } },
  blockExplorers: { default: { name: "0G Chainscan", url: "https://chainscan-galileo.0g.ai" } },
  testnet: true,
});

/** 0G mainnet. */
export const zgMainnet = defineChain({
  id: 16661,
  name: "0G Mainnet",
  nativeCurrency: native,
  rpcUrls: { default: { http: ["https://evmrpc.0g.ai"] } },
  blockExplorers: { default: { name: "0G Chainscan", url: "https://chainscan.0g.ai" } },
});

/** Known chains by id. */
export const KNOWN_CHAINS: Readonly<Record<number, Chain>> = {
  [hardhatLocal.id]: hardhatLocal,
  [zgGalileo.id]: zgGalileo,
  [zgMainnet.id]: zgMainnet,
};

/**
 * The chain object for `chainId`, with `rpcUrl` as its default endpoint. Unknown ids get a generic chain
 * (so a private devnet works) rather than an error.
 */
export function getChain(chainId: number, rpcUrl?: string): Chain {
  const known = KNOWN_CHAINS[chainId];
  const base: Chain =
    known ??
    defineChain({
      id: chainId,
      name: `chain-${chainId}`,
      nativeCurrency: native,
      rpcUrls: { default: { http: [rpcUrl ?? "http://127.0.0.1:8545"] } },
    });
  if (!rpcUrl) return base;
  return { ...base, rpcUrls: { ...base.rpcUrls, default: { http: [rpcUrl] } } };
}

/** Options of {@link createClients}. */
export interface CreateClientsOptions {
  rpcUrl: string;
  chainId: number;
  /** Hex private key; without it only the public client is created. */
  privateKey?: `0x${string}`;
  /** Polling interval of viem watchers and receipt waits, ms (default 1000). */
  pollingIntervalMs?: number;
  /** Per-request timeout, ms (default 15000). */
  timeoutMs?: number;
}

/** The viem clients of one agent. */
export interface ChainClients {
  chain: Chain;
  publicClient: PublicClient<HttpTransport, Chain>;
  /** Present only when a private key was given. */
  walletClient?: WalletClient<HttpTransport, Chain, Account>;
  account?: Account;
}

/** Creates a public client and, given a key, a wallet client with a local account (`privateKeyToAccount`). */
export function createClients(options: CreateClientsOptions): ChainClients {
  const chain = getChain(options.chainId, options.rpcUrl);
  const transport = http(options.rpcUrl, { timeout: options.timeoutMs ?? 15_000, retryCount: 2 });
  const pollingInterval = options.pollingIntervalMs ?? 1000;
  const publicClient = createPublicClient({ chain, transport, pollingInterval });
  if (!options.privateKey) return { chain, publicClient };
  const account = privateKeyToAccount(options.privateKey);
  const walletClient = createWalletClient({ chain, transport, account, pollingInterval });
  return { chain, publicClient, walletClient, account };
}

/** Checks that the RPC serves the configured chain. @throws {ChainMismatchError} */
export async function assertChainId(client: PublicClient, expected: number): Promise<void> {
  const actual = await client.getChainId();
  if (actual !== expected) throw new ChainMismatchError(expected, actual);
}
