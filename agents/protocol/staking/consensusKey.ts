import { bls12_381 } from "@noble/curves/bls12-381.js";
import { PUBKEY_LENGTH } from "./constants";
import { InvalidLengthError } from "./errors";
import { bytesToHex, type Hex } from "./hex";

/** Length of the optional key-generation seed. */
export const SEED_LENGTH = 48;

/** A BLS12-381 consensus key pair (public key in G1, as 0G's validators use). */
export interface ConsensusKey {
  /** 32-byte secret scalar. Keep it secret; never log it. */
  secretKey: Uint8Array;
  /** 48-byte compressed G1 public key, as passed to `createValidator`. */
  pubkey: Hex;
}

/**
 * Generates a consensus key pair. With a 48-byte `seed` the key is deterministic (the seed is reduced to a
 * scalar as @noble/curves does); without it, it is random.
 * @param seed - Optional key material.
 * @returns The key pair.
 * @example
 * const { secretKey, pubkey } = generateConsensusKey();
 */
export function generateConsensusKey(seed?: Uint8Array): ConsensusKey {
  if (seed !== undefined && seed.length !== SEED_LENGTH) {
    throw new InvalidLengthError({ field: "seed", length: seed.length, expected: SEED_LENGTH });
  }
  const { secretKey } = bls12_381.longSignatures.keygen(seed);
  return { secretKey, pubkey: getConsensusPubkey(secretKey) };
}

/**
 * Derives the 48-byte compressed public key from a secret key.
 * @param secretKey - 32-byte secret key.
 * @returns Compressed G1 public key.
 */
export function getConsensusPubkey(secretKey: Uint8Array): Hex {
  if (secretKey.length !== 32)
    throw new InvalidLengthError({ field: "secretKey", length: secretKey.length, expected: 32 });
  const pk = bls12_381.longSignatures.getPublicKey(secretKey).toBytes(true);
  if (pk.length !== PUBKEY_LENGTH)
    throw new InvalidLengthError({ field: "pubkey", length: pk.length, expected: PUBKEY_LENGTH });
  return bytesToHex(pk);
}
