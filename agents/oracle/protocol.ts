/**
 * The oracle's wire protocol, pure (no I/O): the EIP-712 request an owner signs, the JSON bodies of the HTTP
 * endpoints (zod schemas), the claim's JSON form, and the co-sign bundle one oracle seals to another.
 */
import { concatBytes } from "@noble/hashes/utils.js";
import { hashTypedData, keccak256, recoverTypedDataAddress, type Address, type Hex, type TypedDataDomain } from "viem";
import { z } from "zod";
import type { TransferClaim, InftAction, TypedDataSigner } from "../protocol/inft";

/** EIP-712 domain name of oracle requests (distinct from the token's "AgentNFT", so no signature doubles as a proof). */
export const ORACLE_REQUEST_DOMAIN_NAME = "0G INFT Oracle";
export const ORACLE_REQUEST_DOMAIN_VERSION = "1";
/** Longest life of a signed request, in seconds. */
export const MAX_REQUEST_TTL_SECONDS = 600;

/**
 * What the owner (or an approved account) asks for, signed with EIP-712:
 * `OracleRequest(uint8 action,uint256 tokenId,address requester,address to,bytes receiverPubKey,bytes32 sealedDataKeyHash,bytes32 requestId,uint256 expiresAt)`.
 * `sealedDataKeyHash` = keccak256 of the data key sealed to the oracle, so the key cannot be swapped in transit;
 * `requestId` is random and single-use (the oracle refuses a replay); `expiresAt` is unix seconds.
 */
export const oracleRequestTypes = {
  OracleRequest: [
    { name: "action", type: "uint8" },
    { name: "tokenId", type: "uint256" },
    { name: "requester", type: "address" },
    { name: "to", type: "address" },
    { name: "receiverPubKey", type: "bytes" },
    { name: "sealedDataKeyHash", type: "bytes32" },
    { name: "requestId", type: "bytes32" },
    { name: "expiresAt", type: "uint256" },
  ],
} as const;

export type OracleRequest = {
  action: InftAction;
  tokenId: bigint;
  requester: Address;
  to: Address;
  receiverPubKey: Hex;
  sealedDataKeyHash: Hex;
  requestId: Hex;
  expiresAt: bigint;
};

/** Domain of oracle requests for one AgentNFT deployment. */
export function getOracleRequestDomain(p: { chainId: number | bigint; agentNFT: Address }): TypedDataDomain {
  return {
    name: ORACLE_REQUEST_DOMAIN_NAME,
    version: ORACLE_REQUEST_DOMAIN_VERSION,
    chainId: BigInt(p.chainId),
    verifyingContract: p.agentNFT,
  };
}

function requestTypedData(domain: TypedDataDomain, request: OracleRequest) {
  return { domain, types: oracleRequestTypes, primaryType: "OracleRequest" as const, message: request };
}

/** Signs a request with the requester's account. */
export function signOracleRequest(p: {
  account: TypedDataSigner;
  domain: TypedDataDomain;
  request: OracleRequest;
}): Promise<Hex> {
  return p.account.signTypedData(requestTypedData(p.domain, p.request));
}

/** The address that signed `request`. */
export function recoverOracleRequestSigner(p: {
  domain: TypedDataDomain;
  request: OracleRequest;
  signature: Hex;
}): Promise<Address> {
  return recoverTypedDataAddress({ ...requestTypedData(p.domain, p.request), signature: p.signature });
}

/** EIP-712 digest of a request. */
export function hashOracleRequest(domain: TypedDataDomain, request: OracleRequest): Hex {
  return hashTypedData(requestTypedData(domain, request));
}

/** keccak256 of the sealed data key, as bound in the request. */
export function sealedDataKeyHash(sealed: Hex): Hex {
  return keccak256(sealed);
}

// ---------------------------------------------------------------------------------------------------------------
// JSON bodies

const hex = z.string().regex(/^0x([0-9a-fA-F]{2})*$/, "expected 0x-prefixed even-length hex");
const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "expected a 0x-prefixed 32-byte hex string");
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected a 20-byte 0x address");
const uint = z.string().regex(/^(0|[1-9][0-9]{0,77})$/, "expected a decimal integer string");
const action = z.union([z.literal(0), z.literal(1), z.literal(2)]);

export const wireRequestSchema = z.object({
  action,
  tokenId: uint,
  requester: address,
  to: address,
  receiverPubKey: hex,
  sealedDataKeyHash: hex32,
  requestId: hex32,
  expiresAt: uint,
});
export type WireRequest = z.infer<typeof wireRequestSchema>;

/** `POST /v1/prepare` body. */
export const prepareBodySchema = z.object({
  request: wireRequestSchema,
  signature: hex,
  /** The current data key sealed (ECIES v1) to the oracle's public key. */
  sealedDataKey: hex,
});
export type PrepareBody = z.infer<typeof prepareBodySchema>;

export const wireClaimSchema = z.object({
  action,
  tokenId: uint,
  from: address,
  to: address,
  oldDataHash: hex32,
  newDataHash: hex32,
  newURI: z.string().max(2048),
  sealedKeyHash: hex32,
  receiverPubKey: hex,
  nonce: uint,
  deadline: uint,
});
export type WireClaim = z.infer<typeof wireClaimSchema>;

/** `POST /v1/cosign` body: a claim prepared by another oracle, with what is needed to re-verify it. */
export const cosignBodySchema = z.object({
  request: wireRequestSchema,
  signature: hex,
  claim: wireClaimSchema,
  /** The new data key sealed to the receiver (the `sealedKey` argument of the transaction). */
  sealedKey: hex,
  /** {@link encodeCosignBundle} sealed (ECIES v1) to the co-signer's public key. */
  bundle: hex,
});
export type CosignBody = z.infer<typeof cosignBodySchema>;

export const oracleSignatureSchema = z.object({ signer: address, signature: hex });

/** `POST /v1/prepare` answer. */
export const prepareResultSchema = z.object({
  claim: wireClaimSchema,
  sealedKey: hex,
  signatures: z.array(oracleSignatureSchema),
  oracleProof: hex,
  receiverAcknowledgmentDigest: hex32,
  domain: z.object({ name: z.string(), version: z.string(), chainId: uint, verifyingContract: address }),
});
export type PrepareResult = z.infer<typeof prepareResultSchema>;

/** `POST /v1/cosign` answer. */
export const cosignResultSchema = z.object({ signer: address, signature: hex });

/** `GET /v1/oracle` answer. */
export const oracleInfoSchema = z.object({
  address,
  /** Compressed secp256k1 key to seal data keys to. */
  publicKey: hex,
  chainId: z.number(),
  agentNFT: address,
  hardwareAttested: z.literal(false),
  maxMetadataBytes: z.number(),
});
export type OracleInfo = z.infer<typeof oracleInfoSchema>;

export function requestToWire(r: OracleRequest): WireRequest {
  return { ...r, tokenId: r.tokenId.toString(), expiresAt: r.expiresAt.toString() };
}

export function requestFromWire(w: WireRequest): OracleRequest {
  return {
    action: w.action,
    tokenId: BigInt(w.tokenId),
    requester: w.requester as Address,
    to: w.to as Address,
    receiverPubKey: w.receiverPubKey.toLowerCase() as Hex,
    sealedDataKeyHash: w.sealedDataKeyHash.toLowerCase() as Hex,
    requestId: w.requestId.toLowerCase() as Hex,
    expiresAt: BigInt(w.expiresAt),
  };
}

export function claimToWire(c: TransferClaim): WireClaim {
  return { ...c, tokenId: c.tokenId.toString(), nonce: c.nonce.toString(), deadline: c.deadline.toString() };
}

export function claimFromWire(w: WireClaim): TransferClaim {
  return {
    action: w.action,
    tokenId: BigInt(w.tokenId),
    from: w.from as Address,
    to: w.to as Address,
    oldDataHash: w.oldDataHash.toLowerCase() as Hex,
    newDataHash: w.newDataHash.toLowerCase() as Hex,
    newURI: w.newURI,
    sealedKeyHash: w.sealedKeyHash.toLowerCase() as Hex,
    receiverPubKey: w.receiverPubKey.toLowerCase() as Hex,
    nonce: BigInt(w.nonce),
    deadline: BigInt(w.deadline),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Co-sign bundle

/** Secrets a co-signer needs to re-verify a claim: both data keys and the sealing randomness. */
export type CosignSecrets = {
  oldKey: Uint8Array;
  newKey: Uint8Array;
  /** Ephemeral secret of the receiver's sealed key, so the co-signer can rebuild it byte for byte. */
  ephemeralSecretKey: Uint8Array;
  sealNonce: Uint8Array;
};

/** Bundle format v1: `0x01 ‖ oldKey(32) ‖ newKey(32) ‖ ephemeralSecret(32) ‖ sealNonce(12)` (109 bytes). */
export const COSIGN_BUNDLE_LENGTH = 1 + 32 + 32 + 32 + 12;

export function encodeCosignBundle(s: CosignSecrets): Uint8Array {
  const out = concatBytes(new Uint8Array([1]), s.oldKey, s.newKey, s.ephemeralSecretKey, s.sealNonce);
  if (out.length !== COSIGN_BUNDLE_LENGTH) throw new RangeError(`co-sign bundle has ${out.length} bytes`);
  return out;
}

/** @returns undefined when the bytes are not a v1 bundle. */
export function decodeCosignBundle(b: Uint8Array): CosignSecrets | undefined {
  if (b.length !== COSIGN_BUNDLE_LENGTH || b[0] !== 1) return undefined;
  return {
    oldKey: b.slice(1, 33),
    newKey: b.slice(33, 65),
    ephemeralSecretKey: b.slice(65, 97),
    sealNonce: b.slice(97, 109),
  };
}
