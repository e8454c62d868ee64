import { bytesToHex, hashTypedData, isHex, keccak256, type Address, type Hex, type TypedDataDomain } from "viem";
import { InvalidProofFieldError } from "./errors";

/** EIP-712 domain name of AgentNFT (see `__EIP712_init` in contracts/inft/AgentNFT.sol). */
export const INFT_EIP712_NAME = "AgentNFT";
/** EIP-712 domain version of AgentNFT. */
export const INFT_EIP712_VERSION = "1";
/** Longest validity of a proof, in seconds (the contract's PROOF_VALIDITY_PERIOD). */
export const PROOF_VALIDITY_PERIOD = 3600n;

/** What a proof authorises; the number is the `action` field of the typed data. */
export const INFT_ACTIONS = { Transfer: 0, Clone: 1, Rotate: 2 } as const;
export type InftAction = (typeof INFT_ACTIONS)[keyof typeof INFT_ACTIONS];

const claimFields = [
  { name: "action", type: "uint8" },
  { name: "tokenId", type: "uint256" },
  { name: "from", type: "address" },
  { name: "to", type: "address" },
  { name: "oldDataHash", type: "bytes32" },
  { name: "newDataHash", type: "bytes32" },
  { name: "newURI", type: "string" },
  { name: "sealedKeyHash", type: "bytes32" },
  { name: "receiverPubKey", type: "bytes" },
  { name: "nonce", type: "uint256" },
  { name: "deadline", type: "uint256" },
] as const;

/**
 * The two EIP-712 types. Both have the same fields; oracles sign `OracleAttestation`, the receiver (or its
 * delegate) signs `ReceiverAcknowledgment`. Type strings:
 * `OracleAttestation(uint8 action,uint256 tokenId,address from,address to,bytes32 oldDataHash,bytes32 newDataHash,string newURI,bytes32 sealedKeyHash,bytes receiverPubKey,uint256 nonce,uint256 deadline)`
 * and the same with `ReceiverAcknowledgment`.
 */
export const inftProofTypes = {
  OracleAttestation: claimFields,
  ReceiverAcknowledgment: claimFields,
} as const;

/** The statement a proof makes; mirrors `TransferClaim` in contracts/inft/interfaces/IINFTProofVerifier.sol. */
export type TransferClaim = {
  action: InftAction;
  /** The token moved or rotated; for a clone, the source token. */
  tokenId: bigint;
  /** Current owner. */
  from: Address;
  /** Receiver (the owner itself for a rotation). */
  to: Address;
  /** The token's metadata hash now on chain. */
  oldDataHash: Hex;
  /** Hash of the re-encrypted metadata. */
  newDataHash: Hex;
  /** URI of the re-encrypted metadata. */
  newURI: string;
  /** keccak256 of the sealed key bytes passed to the contract. */
  sealedKeyHash: Hex;
  /** Public key the new data key is sealed to. */
  receiverPubKey: Hex;
  /** Single-use, chosen by the oracle. */
  nonce: bigint;
  /** Unix seconds; at most PROOF_VALIDITY_PERIOD after the block that includes the transaction. */
  deadline: bigint;
};

/** The AgentNFT EIP-712 domain for one deployment. */
export function getAgentNFTDomain({
  chainId,
  verifyingContract,
}: {
  chainId: number | bigint;
  verifyingContract: Address;
}): TypedDataDomain {
  return { name: INFT_EIP712_NAME, version: INFT_EIP712_VERSION, chainId: BigInt(chainId), verifyingContract };
}

export type BuildTransferClaimParameters = Omit<TransferClaim, "sealedKeyHash" | "receiverPubKey"> & {
  /** The sealed key bytes exactly as they will be passed to the contract. */
  sealedKey: Hex | Uint8Array;
  receiverPubKey: Hex | Uint8Array;
  /** Current unix time; when given, the deadline is checked against it. */
  now?: bigint;
};

/**
 * Builds a {@link TransferClaim}: hashes the sealed key and checks the fields the contract will check.
 * @throws {InvalidProofFieldError} empty sealed key or receiver key, zero new hash, bad deadline.
 * @example
 * const claim = buildTransferClaim({ action: INFT_ACTIONS.Transfer, tokenId: 1n, from, to, oldDataHash,
 *   newDataHash, newURI, sealedKey, receiverPubKey, nonce: randomProofNonce(), deadline: now + 600n, now });
 */
export function buildTransferClaim(parameters: BuildTransferClaimParameters): TransferClaim {
  const { sealedKey, receiverPubKey, now, ...rest } = parameters;
  const sealedHex = toHex(sealedKey, "sealedKey");
  const pubHex = toHex(receiverPubKey, "receiverPubKey");
  if (sealedHex === "0x") throw new InvalidProofFieldError({ field: "sealedKey", value: "0x", reason: "empty" });
  if (pubHex === "0x") throw new InvalidProofFieldError({ field: "receiverPubKey", value: "0x", reason: "empty" });
  if (/^0x0{64}$/.test(rest.newDataHash)) {
    throw new InvalidProofFieldError({ field: "newDataHash", value: rest.newDataHash, reason: "zero" });
  }
  if (now !== undefined) assertProofDeadline({ deadline: rest.deadline, now });
  return { ...rest, sealedKeyHash: keccak256(sealedHex), receiverPubKey: pubHex };
}

/**
 * Checks `now <= deadline <= now + PROOF_VALIDITY_PERIOD`, the contract's rule.
 * @throws {InvalidProofFieldError} when violated.
 */
export function assertProofDeadline({ deadline, now }: { deadline: bigint; now: bigint }): void {
  if (deadline < now) {
    throw new InvalidProofFieldError({ field: "deadline", value: deadline.toString(), reason: `before now (${now})` });
  }
  if (deadline > now + PROOF_VALIDITY_PERIOD) {
    throw new InvalidProofFieldError({
      field: "deadline",
      value: deadline.toString(),
      reason: `more than ${PROOF_VALIDITY_PERIOD}s after now (${now})`,
    });
  }
}

/** The full typed data oracles sign, for wallets and `signTypedData`. */
export function getOracleAttestationTypedData({ domain, claim }: { domain: TypedDataDomain; claim: TransferClaim }) {
  return { domain, types: inftProofTypes, primaryType: "OracleAttestation" as const, message: claim };
}

/** The full typed data the receiver signs, for wallets and `signTypedData`. */
export function getReceiverAcknowledgmentTypedData({
  domain,
  claim,
}: {
  domain: TypedDataDomain;
  claim: TransferClaim;
}) {
  return { domain, types: inftProofTypes, primaryType: "ReceiverAcknowledgment" as const, message: claim };
}

/** EIP-712 digest of the oracle attestation (what `AgentNFT.claimDigests` returns first). */
export function hashOracleAttestation(parameters: { domain: TypedDataDomain; claim: TransferClaim }): Hex {
  return hashTypedData(getOracleAttestationTypedData(parameters));
}

/** EIP-712 digest of the receiver acknowledgment (what `AgentNFT.claimDigests` returns second). */
export function hashReceiverAcknowledgment(parameters: { domain: TypedDataDomain; claim: TransferClaim }): Hex {
  return hashTypedData(getReceiverAcknowledgmentTypedData(parameters));
}

function toHex(value: Hex | Uint8Array, field: string): Hex {
  if (value instanceof Uint8Array) return bytesToHex(value);
  if (!isHex(value, { strict: true }) || value.length % 2 !== 0) {
    throw new InvalidProofFieldError({ field, value, reason: "not an even-length hex string" });
  }
  return value.toLowerCase() as Hex;
}
