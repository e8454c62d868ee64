import { bytesToBigInt, decodeAbiParameters, encodeAbiParameters, type Address, type Hex } from "viem";
import { randomBytes } from "@noble/ciphers/utils.js";
import { InvalidProofFieldError } from "./errors";
import type { TransferClaim } from "./typedData";

/** ABI of `IAgentNFT.TransferProof`; the `proof` argument of transfer/clone/rotateKey is `abi.encode(TransferProof)`. */
export const transferProofAbi = [
  {
    type: "tuple",
    components: [
      { name: "newDataHash", type: "bytes32" },
      { name: "newURI", type: "string" },
      { name: "receiverPubKey", type: "bytes" },
      { name: "nonce", type: "uint256" },
      { name: "deadline", type: "uint256" },
      { name: "oracleProof", type: "bytes" },
      { name: "receiverSignature", type: "bytes" },
    ],
  },
] as const;

/** The decoded `proof` argument. */
export type TransferProof = {
  newDataHash: Hex;
  newURI: string;
  receiverPubKey: Hex;
  nonce: bigint;
  deadline: bigint;
  /** TEE verifier: {@link encodeTeeOracleProof}. */
  oracleProof: Hex;
  receiverSignature: Hex;
};

/** An oracle signature with the address that produced it. */
export type OracleSignature = { signer: Address; signature: Hex };

/** A fresh uniformly random 256-bit proof nonce. */
export function randomProofNonce(): bigint {
  return bytesToBigInt(randomBytes(32));
}

/**
 * The TEE verifier's proof bytes: `abi.encode(bytes[] signatures)` with signers strictly ascending, as
 * `TEEVerifier.verifyTransferValidity` requires.
 * @throws {InvalidProofFieldError} two signatures from the same signer, or none.
 */
export function encodeTeeOracleProof(signatures: readonly OracleSignature[]): Hex {
  if (signatures.length === 0) {
    throw new InvalidProofFieldError({ field: "oracleSignatures", value: "[]", reason: "no signature" });
  }
  const sorted = [...signatures].sort((a, b) => {
    const x = BigInt(a.signer);
    const y = BigInt(b.signer);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  for (let i = 1; i < sorted.length; i++) {
    if (BigInt(sorted[i].signer) === BigInt(sorted[i - 1].signer)) {
      throw new InvalidProofFieldError({
        field: "oracleSignatures",
        value: sorted[i].signer,
        reason: "duplicate signer",
      });
    }
  }
  return encodeAbiParameters([{ type: "bytes[]" }], [sorted.map((s) => s.signature)]);
}

/** Decodes {@link encodeTeeOracleProof} output into the signatures in order. */
export function decodeTeeOracleProof(oracleProof: Hex): readonly Hex[] {
  return decodeAbiParameters([{ type: "bytes[]" }], oracleProof)[0];
}

/** ABI-encodes a {@link TransferProof} for `AgentNFT.transfer`, `clone` or `rotateKey`. */
export function encodeTransferProof(proof: TransferProof): Hex {
  return encodeAbiParameters(transferProofAbi, [proof]);
}

/** Decodes the `proof` argument. */
export function decodeTransferProof(data: Hex): TransferProof {
  return decodeAbiParameters(transferProofAbi, data)[0];
}

/** Builds the {@link TransferProof} for `claim` from the oracle proof bytes and the receiver's signature. */
export function getTransferProof({
  claim,
  oracleProof,
  receiverSignature,
}: {
  claim: TransferClaim;
  oracleProof: Hex;
  receiverSignature: Hex;
}): TransferProof {
  return {
    newDataHash: claim.newDataHash,
    newURI: claim.newURI,
    receiverPubKey: claim.receiverPubKey,
    nonce: claim.nonce,
    deadline: claim.deadline,
    oracleProof,
    receiverSignature,
  };
}

/** 0G's `TransferValidityProof` as taken by `iTransferFrom`/`iCloneFrom` (oracleType 0 = TEE, 1 = ZKP). */
export type TransferValidityProof = {
  accessProof: { dataHash: Hex; targetPubkey: Hex; nonce: Hex; proof: Hex };
  ownershipProof: { oracleType: number; dataHash: Hex; sealedKey: Hex; targetPubkey: Hex; nonce: Hex; proof: Hex };
};

/**
 * Packs a proof into 0G's container for `iTransferFrom`/`iCloneFrom`: the ownership proof's `nonce` field carries
 * `abi.encode(uint256 nonce, uint256 deadline, string newURI)`, its `proof` the oracle proof, and the access
 * proof's `proof` the receiver acknowledgment. `wantedKey`, when given, must equal `claim.receiverPubKey`.
 */
export function toTransferValidityProof({
  claim,
  sealedKey,
  oracleProof,
  receiverSignature,
  oracleType = 0,
  wantedKey = "0x",
}: {
  claim: TransferClaim;
  sealedKey: Hex;
  oracleProof: Hex;
  receiverSignature: Hex;
  oracleType?: number;
  wantedKey?: Hex;
}): TransferValidityProof {
  const packedNonce = encodeAbiParameters(
    [{ type: "uint256" }, { type: "uint256" }, { type: "string" }],
    [claim.nonce, claim.deadline, claim.newURI],
  );
  return {
    accessProof: { dataHash: claim.newDataHash, targetPubkey: wantedKey, nonce: "0x", proof: receiverSignature },
    ownershipProof: {
      oracleType,
      dataHash: claim.newDataHash,
      sealedKey,
      targetPubkey: claim.receiverPubKey,
      nonce: packedNonce,
      proof: oracleProof,
    },
  };
}
