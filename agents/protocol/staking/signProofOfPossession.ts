import { bls12_381 } from "@noble/curves/bls12-381.js";
import { POP_DST, SIGNATURE_LENGTH } from "./constants";
import { getConsensusPubkey } from "./consensusKey";
import {
  encodeProofOfPossessionMessage,
  type ProofOfPossessionMessageParameters,
} from "./encodeProofOfPossessionMessage";
import { InvalidLengthError, StakingProtocolError } from "./errors";
import { bytesToHex, hexToBytes, type Hex } from "./hex";

/** Parameters of {@link signProofOfPossession}: the message fields except the key, which comes from `secretKey`. */
export type SignProofOfPossessionParameters = Omit<ProofOfPossessionMessageParameters, "pubkey"> & {
  /** 32-byte consensus secret key. */
  secretKey: Uint8Array;
};

/** What {@link signProofOfPossession} returns: the two byte strings `initializeValidator` takes. */
export interface SignProofOfPossessionReturnType {
  /** 48-byte compressed G1 public key. */
  pubkey: Hex;
  /** 288-byte signature blob: uncompressed G2 signature ‖ uncompressed G1 public key. */
  signature: Hex;
}

/**
 * Signs the proof-of-possession message (see {@link encodeProofOfPossessionMessage}) with a consensus key
 * and returns the `pubkey` and `signature` arguments of `initializeValidator`.
 *
 * The signature is a standard BLS signature (G2, hash-to-curve `BLS12381G2_XMD:SHA-256_SSWU_RO_` with
 * {@link POP_DST}). It is shipped uncompressed (ZCash serialization, 192 bytes) followed by the public key
 * uncompressed (96 bytes), so the contract needs no square roots.
 *
 * @param parameters - Message fields and the secret key.
 * @returns pubkey and signature, hex encoded.
 * @example
 * const { pubkey, signature } = signProofOfPossession({ secretKey, chainId: 31337n, staking, validator, operator, amountInGwei: 500_000_000_000n });
 */
export function signProofOfPossession(parameters: SignProofOfPossessionParameters): SignProofOfPossessionReturnType {
  const { secretKey, ...fields } = parameters;
  const pubkey = getConsensusPubkey(secretKey);
  const message = encodeProofOfPossessionMessage({ ...fields, pubkey });
  const bls = bls12_381.longSignatures;
  const sig = bls.sign(bls.hash(message, POP_DST), secretKey);
  const pk = bls.getPublicKey(secretKey);
  const out = new Uint8Array(SIGNATURE_LENGTH);
  out.set(sig.toBytes(false), 0);
  out.set(pk.toBytes(false), 192);
  return { pubkey, signature: bytesToHex(out) };
}

/**
 * Verifies a proof of possession off chain with the same rules as the contract: the uncompressed key in the
 * blob must be the compressed `pubkey`, and e(pk, H(m)) = e(g1, sig).
 * @param parameters - Message fields (including `pubkey`) and the signature blob.
 * @returns True if valid; false for a wrong signature or malformed points.
 * @example
 * verifyProofOfPossession({ ...fields, pubkey, signature }); // true
 */
export function verifyProofOfPossession(parameters: ProofOfPossessionMessageParameters & { signature: Hex }): boolean {
  const { signature, ...fields } = parameters;
  const blob = hexToBytes(signature, "signature");
  if (blob.length !== SIGNATURE_LENGTH) {
    throw new InvalidLengthError({ field: "signature", length: blob.length, expected: SIGNATURE_LENGTH });
  }
  const message = encodeProofOfPossessionMessage(fields);
  try {
    const compressed = bls12_381.G1.Point.fromBytes(hexToBytes(fields.pubkey, "pubkey"));
    const uncompressed = bls12_381.G1.Point.fromBytes(blob.subarray(192));
    if (!compressed.equals(uncompressed)) return false;
    const sig = bls12_381.G2.Point.fromBytes(blob.subarray(0, 192));
    const bls = bls12_381.longSignatures;
    return bls.verify(sig, bls.hash(message, POP_DST), compressed);
  } catch (error) {
    if (error instanceof StakingProtocolError) throw error;
    return false;
  }
}
