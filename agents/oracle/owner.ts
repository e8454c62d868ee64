/**
 * The owner's and the receiver's side of an INFT move (used by `zg inft`, the devnet scenario and tests): mint an
 * encrypted agent, find and open a token's data key, ask the oracle to prepare a transfer or clone, acknowledge
 * it as the receiver (after checking the new ciphertext really opens), and submit the transaction.
 */
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "@noble/hashes/utils.js";
import {
  bytesToHex,
  hexToBytes,
  isAddressEqual,
  parseEventLogs,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import type { LocalAccount } from "viem/accounts";
import { AgentNFTAbi } from "../generated/abis";
import {
  decryptMetadata,
  encodeTransferProof,
  encryptMetadata,
  generateDataKey,
  getAgentNFTDomain,
  getCompressedPublicKey,
  getTransferProof,
  hashReceiverAcknowledgment,
  INFT_ACTIONS,
  openSealedKey,
  sealKey,
  signReceiverAcknowledgment,
  toCompressedPublicKey,
  type InftAction,
  type TransferClaim,
} from "../protocol/inft";
import type { OracleClient } from "./client";
import {
  claimFromWire,
  getOracleRequestDomain,
  requestToWire,
  sealedDataKeyHash,
  signOracleRequest,
  type OracleRequest,
  type PrepareResult,
} from "./protocol";
import type { CiphertextStore } from "./store";

type Wallet = WalletClient<Transport, Chain, Account>;

/** A sealed data key the owner keeps for a token (minted tokens have no on-chain PublishedSealedKey). */
export interface KeyringEntry {
  chainId: number;
  agentNFT: Address;
  tokenId: string;
  dataHash: Hex;
  sealedKey: Hex;
}

/** A JSON file of sealed keys (never plain keys): safe to back up, useless without the owner's secret key. */
export class Keyring {
  constructor(readonly file: string) {}
  private read(): KeyringEntry[] {
    if (!fs.existsSync(this.file)) return [];
    return JSON.parse(fs.readFileSync(this.file, "utf8")) as KeyringEntry[];
  }
  add(entry: KeyringEntry): void {
    const all = this.read().filter(
      (e) =>
        !(e.chainId === entry.chainId && e.tokenId === entry.tokenId && isAddressEqual(e.agentNFT, entry.agentNFT)),
    );
    all.push(entry);
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(all, null, 2), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
  find(chainId: number, agentNFT: Address, tokenId: bigint): KeyringEntry | undefined {
    return this.read().find(
      (e) => e.chainId === chainId && e.tokenId === tokenId.toString() && isAddressEqual(e.agentNFT, agentNFT),
    );
  }
}

export interface TokenRef {
  publicClient: PublicClient;
  chainId: number;
  agentNFT: Address;
}

/** Encrypts `plaintext`, stores it, mints to `owner`; returns the data key sealed to `ownerPublicKey`. */
export async function mintEncryptedAgent(
  p: TokenRef & {
    minter: Wallet;
    store: CiphertextStore;
    plaintext: Uint8Array;
    owner: Address;
    ownerPublicKey: Uint8Array;
    keyring?: Keyring;
  },
): Promise<{ tokenId: bigint; uri: string; dataHash: Hex; sealedKey: Hex; txHash: Hex }> {
  const key = generateDataKey();
  const { uri, root } = await p.store.put(encryptMetadata({ key, plaintext: p.plaintext }));
  const sealedKey = bytesToHex(sealKey({ publicKey: p.ownerPublicKey, key }));
  const { request } = await p.publicClient.simulateContract({
    account: p.minter.account,
    address: p.agentNFT,
    abi: AgentNFTAbi,
    functionName: "mint",
    args: [p.owner, uri, root],
  });
  const txHash = await p.minter.writeContract(request);
  const receipt = await p.publicClient.waitForTransactionReceipt({ hash: txHash });
  if (receipt.status !== "success") throw new Error(`mint reverted in ${txHash}`);
  const transfer = parseEventLogs({ abi: AgentNFTAbi, logs: receipt.logs, eventName: "Transfer" })[0];
  if (!transfer) throw new Error(`no Transfer event in ${txHash}`);
  const tokenId = transfer.args.tokenId;
  p.keyring?.add({ chainId: p.chainId, agentNFT: p.agentNFT, tokenId: tokenId.toString(), dataHash: root, sealedKey });
  return { tokenId, uri, dataHash: root, sealedKey, txHash };
}

/**
 * The sealed key of the token's current ciphertext: the keyring's entry when it matches the hash on chain, else
 * the latest `PublishedSealedKey` for the token (each transfer, clone and rotation publishes one).
 */
export async function findSealedKey(p: TokenRef & { tokenId: bigint; keyring?: Keyring }): Promise<Hex> {
  const hash = await p.publicClient.readContract({
    address: p.agentNFT,
    abi: AgentNFTAbi,
    functionName: "getMetadataHash",
    args: [p.tokenId],
  });
  const entry = p.keyring?.find(p.chainId, p.agentNFT, p.tokenId);
  if (entry && entry.dataHash.toLowerCase() === hash.toLowerCase()) return entry.sealedKey;
  const logs = await p.publicClient.getContractEvents({
    address: p.agentNFT,
    abi: AgentNFTAbi,
    eventName: "PublishedSealedKey",
    args: { tokenId: p.tokenId },
    fromBlock: 0n,
    strict: true,
  });
  const last = logs.at(-1);
  const sealed = last?.args.sealedKeys[0];
  if (!sealed) throw new Error(`no sealed key found for token ${p.tokenId} (not in the keyring, none published)`);
  return sealed;
}

/** Opens the token's current data key with `secretKey`. */
export async function openTokenKey(
  p: TokenRef & { tokenId: bigint; secretKey: Uint8Array; keyring?: Keyring },
): Promise<Uint8Array> {
  return openSealedKey({ secretKey: p.secretKey, sealed: hexToBytes(await findSealedKey(p)) });
}

/** Decrypts the token's current metadata with the holder's secret key. */
export async function decryptToken(
  p: TokenRef & { tokenId: bigint; secretKey: Uint8Array; store: CiphertextStore; keyring?: Keyring },
): Promise<Uint8Array> {
  const key = await openTokenKey(p);
  const uri = await p.publicClient.readContract({
    address: p.agentNFT,
    abi: AgentNFTAbi,
    functionName: "getEncryptedURI",
    args: [p.tokenId],
  });
  return decryptMetadata({ key, ciphertext: await p.store.get(uri) });
}

/** Builds, signs and sends a prepare request for `tokenId`, with the data key sealed to the oracle. */
export async function requestReencryption(
  p: TokenRef & {
    oracle: OracleClient;
    requester: LocalAccount;
    tokenId: bigint;
    action: InftAction;
    to: Address;
    receiverPubKey: Hex;
    dataKey: Uint8Array;
    ttlSeconds?: number;
  },
): Promise<PrepareResult> {
  const info = await p.oracle.info();
  const sealedDataKey = bytesToHex(sealKey({ publicKey: hexToBytes(info.publicKey as Hex), key: p.dataKey }));
  const request: OracleRequest = {
    action: p.action,
    tokenId: p.tokenId,
    requester: p.requester.address,
    to: p.to,
    receiverPubKey: p.receiverPubKey.toLowerCase() as Hex,
    sealedDataKeyHash: sealedDataKeyHash(sealedDataKey),
    requestId: bytesToHex(randomBytes(32)),
    expiresAt: BigInt(Math.floor(Date.now() / 1000) + (p.ttlSeconds ?? 300)),
  };
  const domain = getOracleRequestDomain({ chainId: p.chainId, agentNFT: p.agentNFT });
  const signature = await signOracleRequest({ account: p.requester, domain, request });
  return p.oracle.prepare({ request: requestToWire(request), signature, sealedDataKey });
}

/**
 * Receiver side: checks the claim is addressed to `account`, that the sealed key opens with `secretKey` and the
 * new ciphertext decrypts (when `store` is given), then signs the `ReceiverAcknowledgment`.
 */
export async function acknowledgeClaim(p: {
  chainId: number;
  agentNFT: Address;
  result: PrepareResult;
  account: LocalAccount;
  secretKey?: Uint8Array;
  store?: CiphertextStore;
}): Promise<Hex> {
  const claim = claimFromWire(p.result.claim);
  if (!isAddressEqual(claim.to, p.account.address)) throw new Error(`claim is addressed to ${claim.to}`);
  const domain = getAgentNFTDomain({ chainId: p.chainId, verifyingContract: p.agentNFT });
  if (hashReceiverAcknowledgment({ domain, claim }) !== p.result.receiverAcknowledgmentDigest) {
    throw new Error("the claim's acknowledgment digest differs from the oracle's");
  }
  if (p.secretKey) {
    if (bytesToHex(getCompressedPublicKey(p.secretKey)) !== compressed(claim.receiverPubKey)) {
      throw new Error("the claim's receiverPubKey is not this receiver's key");
    }
    const key = openSealedKey({ secretKey: p.secretKey, sealed: hexToBytes(p.result.sealedKey as Hex) });
    if (p.store) decryptMetadata({ key, ciphertext: await p.store.get(claim.newURI) });
  }
  return signReceiverAcknowledgment({ account: p.account, domain, claim });
}

function compressed(pub: Hex): Hex {
  return bytesToHex(toCompressedPublicKey(hexToBytes(pub)));
}

/** Sends `transfer` (action 0), `clone` (1) or `rotateKey` (2); returns the tx and, for a clone, the new id. */
export async function submitClaim(p: {
  publicClient: PublicClient;
  wallet: Wallet;
  agentNFT: Address;
  result: PrepareResult;
  receiverSignature: Hex;
}): Promise<{ txHash: Hex; claim: TransferClaim; newTokenId?: bigint }> {
  const claim = claimFromWire(p.result.claim);
  const proof = encodeTransferProof(
    getTransferProof({ claim, oracleProof: p.result.oracleProof as Hex, receiverSignature: p.receiverSignature }),
  );
  const sealedKey = p.result.sealedKey as Hex;
  const base = { account: p.wallet.account, address: p.agentNFT, abi: AgentNFTAbi } as const;
  let txHash: Hex;
  if (claim.action === INFT_ACTIONS.Transfer) {
    const sim = await p.publicClient.simulateContract({
      ...base,
      functionName: "transfer",
      args: [claim.from, claim.to, claim.tokenId, sealedKey, proof],
    });
    txHash = await p.wallet.writeContract(sim.request);
  } else if (claim.action === INFT_ACTIONS.Clone) {
    const sim = await p.publicClient.simulateContract({
      ...base,
      functionName: "clone",
      args: [claim.to, claim.tokenId, sealedKey, proof],
    });
    txHash = await p.wallet.writeContract(sim.request);
  } else {
    const sim = await p.publicClient.simulateContract({
      ...base,
      functionName: "rotateKey",
      args: [claim.tokenId, sealedKey, proof],
    });
    txHash = await p.wallet.writeContract(sim.request);
  }
  const receipt = await p.publicClient.waitForTransactionReceipt({ hash: txHash });
  if (receipt.status !== "success") throw new Error(`transaction ${txHash} reverted`);
  const cloned = parseEventLogs({ abi: AgentNFTAbi, logs: receipt.logs, eventName: "Cloned" })[0];
  return { txHash, claim, newTokenId: cloned?.args.newTokenId };
}
