import { hashDomain, hashStruct, hashTypedData, recoverTypedDataAddress, type Address, type Hex } from "viem";
import { signTypedData } from "viem/accounts";
import { SettlementInputError } from "./errors";

/** EIP-712 domain name of InferenceServing. */
export const INFERENCE_DOMAIN_NAME = "0G Inference Serving";
/** EIP-712 domain version of InferenceServing. */
export const INFERENCE_DOMAIN_VERSION = "1";
/** Most items InferenceServing accepts in one `settleFeesWithTEE`. */
export const MAX_SETTLEMENTS_PER_BATCH = 50;
/** 0G brokers use `unixSeconds × 10^7` as a settlement nonce; we stay above that floor. */
export const WALL_CLOCK_NONCE_FACTOR = 10_000_000n;

/**
 * The signed type. Its field order differs from the calldata struct `TEESettlementData`
 * `(user, provider, totalFee, requestsHash, nonce, signature)`.
 */
export const TEE_SETTLEMENT_TYPES = {
  TEESettlement: [
    { name: "requestsHash", type: "bytes32" },
    { name: "nonce", type: "uint256" },
    { name: "provider", type: "address" },
    { name: "user", type: "address" },
    { name: "totalFee", type: "uint256" },
  ],
} as const;

/** What the provider's TEE signer signs for one user. */
export interface TeeSettlementMessage {
  requestsHash: Hex;
  nonce: bigint;
  provider: Address;
  user: Address;
  totalFee: bigint;
}

/** The EIP-712 domain of one InferenceServing proxy. */
export interface InferenceDomain {
  name: typeof INFERENCE_DOMAIN_NAME;
  version: typeof INFERENCE_DOMAIN_VERSION;
  chainId: bigint;
  verifyingContract: Address;
}

/** One item of `settleFeesWithTEE`, in calldata order. */
export interface TeeSettlementData {
  user: Address;
  provider: Address;
  totalFee: bigint;
  requestsHash: Hex;
  nonce: bigint;
  signature: Hex;
}

/** Builds the domain of the InferenceServing proxy at `verifyingContract` on `chainId`. */
export function inferenceDomain(chainId: bigint | number, verifyingContract: Address): InferenceDomain {
  return {
    name: INFERENCE_DOMAIN_NAME,
    version: INFERENCE_DOMAIN_VERSION,
    chainId: BigInt(chainId),
    verifyingContract,
  };
}

/** `domainSeparator()` of the contract, computed off-chain. */
export function inferenceDomainSeparator(domain: InferenceDomain): Hex {
  return hashDomain({
    domain,
    types: {
      EIP712Domain: [
        { name: "name", type: "string" },
        { name: "version", type: "string" },
        { name: "chainId", type: "uint256" },
        { name: "verifyingContract", type: "address" },
      ],
    },
  });
}

/** keccak256 of the ABI-encoded `TEESettlement` struct. */
export function teeSettlementStructHash(message: TeeSettlementMessage): Hex {
  checkMessage(message);
  return hashStruct({ data: { ...message }, primaryType: "TEESettlement", types: TEE_SETTLEMENT_TYPES });
}

/** The EIP-712 digest the TEE signer signs. */
export function teeSettlementDigest(domain: InferenceDomain, message: TeeSettlementMessage): Hex {
  checkMessage(message);
  return hashTypedData({ domain, types: TEE_SETTLEMENT_TYPES, primaryType: "TEESettlement", message });
}

/** Signs `message` with the TEE signer's private key (deterministic RFC 6979 signature, 65 bytes). */
export async function signTeeSettlement(
  privateKey: Hex,
  domain: InferenceDomain,
  message: TeeSettlementMessage,
): Promise<Hex> {
  checkMessage(message);
  return signTypedData({ privateKey, domain, types: TEE_SETTLEMENT_TYPES, primaryType: "TEESettlement", message });
}

/** The address that signed `message` (what the contract compares with the service's TEE signer). */
export async function recoverTeeSettlementSigner(
  domain: InferenceDomain,
  message: TeeSettlementMessage,
  signature: Hex,
): Promise<Address> {
  return recoverTypedDataAddress({
    domain,
    types: TEE_SETTLEMENT_TYPES,
    primaryType: "TEESettlement",
    message,
    signature,
  });
}

/** Signs `message` and returns the calldata item for `settleFeesWithTEE`. */
export async function buildTeeSettlement(
  privateKey: Hex,
  domain: InferenceDomain,
  message: TeeSettlementMessage,
): Promise<TeeSettlementData> {
  const signature = await signTeeSettlement(privateKey, domain, message);
  return {
    user: message.user,
    provider: message.provider,
    totalFee: message.totalFee,
    requestsHash: message.requestsHash,
    nonce: message.nonce,
    signature,
  };
}

/**
 * The next settlement nonce for one (user, provider): strictly above `lastNonce` (read from
 * `settlementNonce(user, provider)` or a persistent counter) and never below the wall-clock value
 * `unixSeconds × 10^7` that 0G brokers use, so switching between brokers never replays.
 */
export function nextSettlementNonce(lastNonce: bigint, nowMs: number): bigint {
  if (lastNonce < 0n) throw new SettlementInputError("negative nonce", lastNonce);
  const wallClock = BigInt(Math.floor(nowMs / 1000)) * WALL_CLOCK_NONCE_FACTOR;
  return lastNonce + 1n > wallClock ? lastNonce + 1n : wallClock;
}

const UINT256_MAX = (1n << 256n) - 1n;

function checkMessage(m: TeeSettlementMessage): void {
  if (m.nonce < 0n || m.nonce > UINT256_MAX) throw new SettlementInputError("nonce out of uint256 range", m.nonce);
  if (m.totalFee < 0n || m.totalFee > UINT256_MAX) {
    throw new SettlementInputError("totalFee out of uint256 range", m.totalFee);
  }
  if (!/^0x[0-9a-fA-F]{64}$/.test(m.requestsHash)) {
    throw new SettlementInputError("requestsHash must be 32 bytes", m.requestsHash);
  }
}
