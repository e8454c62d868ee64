import { gcm } from "@noble/ciphers/aes.js";
import { randomBytes } from "@noble/ciphers/utils.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import {
  DecryptionFailedError,
  InvalidKeyLengthError,
  InvalidPublicKeyError,
  MalformedCiphertextError,
  UnsupportedVersionError,
} from "./errors";
import { concatBytes, GCM_NONCE_LENGTH, GCM_TAG_LENGTH } from "./metadataCipher";

/**
 * ECIES on secp256k1: seals a data key to a public key; only the matching private key opens it.
 *
 * Sealed key byte format, version 1 (lengths in bytes; 94 bytes for a 32-byte data key):
 *
 * | offset  | length | field                                                         |
 * |---------|--------|---------------------------------------------------------------|
 * | 0       | 1      | version = 0x01                                                |
 * | 1       | 33     | ephemeral public key E, SEC1 compressed (0x02/0x03 ‖ x)       |
 * | 34      | 12     | AES-GCM nonce (random)                                        |
 * | 46      | n      | AES-256-GCM ciphertext of the data key                        |
 * | 46 + n  | 16     | GCM authentication tag                                        |
 *
 * Key derivation: `S = x(e · R)` (32-byte x-coordinate of the ECDH point, e the ephemeral secret, R the
 * receiver's public key); `K = HKDF-SHA256(ikm = S, salt = E ‖ R_compressed, info = "0g-inft/ecies/v1", 32)`.
 * GCM associated data: `version ‖ E`. Binding both public keys in the salt stops a sealed key from being
 * re-targeted; the fresh ephemeral key makes every sealing different even for the same data key.
 */
export const ECIES_VERSION = 1;
/** Compressed SEC1 public key length. */
export const COMPRESSED_PUBLIC_KEY_LENGTH = 33;
/** secp256k1 secret key length. */
export const SECRET_KEY_LENGTH = 32;
/** HKDF `info` string of version 1. */
export const ECIES_HKDF_INFO = "0g-inft/ecies/v1";
/** Version + ephemeral key + nonce + tag: the sealed size of an empty message. */
export const ECIES_OVERHEAD = 1 + COMPRESSED_PUBLIC_KEY_LENGTH + GCM_NONCE_LENGTH + GCM_TAG_LENGTH;

const FORMAT = "ECIES sealed key";
const INFO = new TextEncoder().encode(ECIES_HKDF_INFO);

/**
 * Normalizes a secp256k1 public key to its 33-byte compressed form. Accepts 33 bytes (compressed), 65 bytes
 * (0x04 ‖ x ‖ y) or 64 bytes (x ‖ y, the form 0G's `targetPubkey` uses).
 * @throws {InvalidPublicKeyError} wrong length or not on the curve.
 */
export function toCompressedPublicKey(publicKey: Uint8Array): Uint8Array {
  let bytes = publicKey;
  if (bytes.length === 64) bytes = concatBytes(new Uint8Array([4]), bytes);
  if (bytes.length !== 33 && bytes.length !== 65) throw new InvalidPublicKeyError({ length: publicKey.length });
  try {
    return secp256k1.Point.fromBytes(bytes).toBytes(true);
  } catch (cause) {
    throw new InvalidPublicKeyError({ length: publicKey.length, cause });
  }
}

export type SealKeyParameters = {
  /** Receiver's secp256k1 public key (33, 64 or 65 bytes). */
  publicKey: Uint8Array;
  /** The secret to seal, normally a 32-byte AES-256 data key. */
  key: Uint8Array;
  /** Fixed ephemeral secret and nonce, for known-answer tests only. */
  ephemeralSecretKey?: Uint8Array;
  nonce?: Uint8Array;
};

/**
 * Seals `key` to `publicKey` (version-1 format above).
 * @example
 * const sealed = sealKey({ publicKey: receiverPub, key: dataKey });
 * const again = openSealedKey({ secretKey: receiverSecret, sealed }); // equals dataKey
 */
export function sealKey({ publicKey, key, ephemeralSecretKey, nonce }: SealKeyParameters): Uint8Array {
  const receiver = toCompressedPublicKey(publicKey);
  const ephemeral = ephemeralSecretKey ?? secp256k1.utils.randomSecretKey();
  checkSecretKey(ephemeral, "ephemeral secret key");
  const ephemeralPublic = secp256k1.getPublicKey(ephemeral, true);
  const iv = nonce ?? randomBytes(GCM_NONCE_LENGTH);
  if (iv.length !== GCM_NONCE_LENGTH) {
    throw new InvalidKeyLengthError({ length: iv.length, expected: GCM_NONCE_LENGTH, what: "GCM nonce" });
  }
  const aesKey = deriveKey(secp256k1.getSharedSecret(ephemeral, receiver, true), ephemeralPublic, receiver);
  const header = concatBytes(new Uint8Array([ECIES_VERSION]), ephemeralPublic);
  return concatBytes(header, iv, gcm(aesKey, iv, header).encrypt(key));
}

export type OpenSealedKeyParameters = {
  /** Receiver's 32-byte secp256k1 secret key. */
  secretKey: Uint8Array;
  /** Bytes produced by {@link sealKey}. */
  sealed: Uint8Array;
};

/**
 * Opens a version-1 sealed key with the receiver's secret key.
 * @throws {DecryptionFailedError} not sealed to this key, or tampered.
 * @throws {UnsupportedVersionError} unknown version byte.
 * @throws {MalformedCiphertextError} too short.
 */
export function openSealedKey({ secretKey, sealed }: OpenSealedKeyParameters): Uint8Array {
  checkSecretKey(secretKey, "secp256k1 secret key");
  if (sealed.length < ECIES_OVERHEAD) {
    throw new MalformedCiphertextError({ length: sealed.length, minimum: ECIES_OVERHEAD, format: FORMAT });
  }
  if (sealed[0] !== ECIES_VERSION) {
    throw new UnsupportedVersionError({ version: sealed[0], supported: ECIES_VERSION, format: FORMAT });
  }
  const header = sealed.subarray(0, 1 + COMPRESSED_PUBLIC_KEY_LENGTH);
  const ephemeralPublic = header.subarray(1);
  const iv = sealed.subarray(header.length, header.length + GCM_NONCE_LENGTH);
  const body = sealed.subarray(header.length + GCM_NONCE_LENGTH);
  try {
    const receiver = secp256k1.getPublicKey(secretKey, true);
    const aesKey = deriveKey(secp256k1.getSharedSecret(secretKey, ephemeralPublic, true), ephemeralPublic, receiver);
    return gcm(aesKey, iv, header).decrypt(body);
  } catch (cause) {
    throw new DecryptionFailedError({ format: FORMAT, cause });
  }
}

/** The compressed public key of a 32-byte secp256k1 secret key. */
export function getCompressedPublicKey(secretKey: Uint8Array): Uint8Array {
  checkSecretKey(secretKey, "secp256k1 secret key");
  return secp256k1.getPublicKey(secretKey, true);
}

function deriveKey(sharedPoint: Uint8Array, ephemeralPublic: Uint8Array, receiver: Uint8Array): Uint8Array {
  return hkdf(sha256, sharedPoint.subarray(1), concatBytes(ephemeralPublic, receiver), INFO, 32);
}

function checkSecretKey(secretKey: Uint8Array, what: string): void {
  if (secretKey.length !== SECRET_KEY_LENGTH) {
    throw new InvalidKeyLengthError({ length: secretKey.length, expected: SECRET_KEY_LENGTH, what });
  }
}
