import { createCipheriv, createDecipheriv, randomBytes as nodeRandomBytes } from "node:crypto";
import {
  DecryptionFailedError,
  InvalidKeyLengthError,
  MalformedCiphertextError,
  UnsupportedVersionError,
} from "./errors";

/**
 * Encrypted metadata byte format, version 1 (all lengths in bytes):
 *
 * | offset | length | field                                   |
 * |--------|--------|-----------------------------------------|
 * | 0      | 1      | version = 0x01                          |
 * | 1      | 12     | AES-GCM nonce (random per encryption)   |
 * | 13     | n      | AES-256-GCM ciphertext of the plaintext |
 * | 13 + n | 16     | GCM authentication tag                  |
 *
 * Associated data authenticated by GCM: `version ‖ aad` (the caller's optional `aad`, e.g. the token id), so the
 * version byte cannot be swapped and a blob cannot be moved to another context without failing authentication.
 */
export const METADATA_CIPHER_VERSION = 1;
/** AES-256 key length. */
export const DATA_KEY_LENGTH = 32;
/** GCM nonce length. */
export const GCM_NONCE_LENGTH = 12;
/** GCM tag length. */
export const GCM_TAG_LENGTH = 16;
/** Version byte + nonce + tag: the size of an encryption of the empty string. */
export const METADATA_OVERHEAD = 1 + GCM_NONCE_LENGTH + GCM_TAG_LENGTH;

const FORMAT = "INFT metadata ciphertext";

/*
 * AES-256-GCM comes from node:crypto (OpenSSL, AES-NI): the same standard GCM the format specifies, ≈ 50-100×
 * faster than a pure-JavaScript implementation on multi-MiB metadata. The known-answer tests pin the bytes.
 */
function randomBytes(length: number): Uint8Array {
  return new Uint8Array(nodeRandomBytes(length));
}
const EMPTY = new Uint8Array(0);

/** Returns a fresh random 32-byte AES-256 data key. */
export function generateDataKey(): Uint8Array {
  return randomBytes(DATA_KEY_LENGTH);
}

export type EncryptMetadataParameters = {
  /** 32-byte AES-256 key. */
  key: Uint8Array;
  /** The metadata (e.g. the agent's serialized weights or JSON). */
  plaintext: Uint8Array;
  /** Extra associated data bound to the ciphertext; the same bytes are needed to decrypt. */
  aad?: Uint8Array;
  /** 12-byte nonce; random when omitted. Pass one only for known-answer tests: never reuse a nonce with a key. */
  nonce?: Uint8Array;
};

/**
 * Encrypts metadata with AES-256-GCM into the version-1 format above.
 * @example
 * const key = generateDataKey();
 * const blob = encryptMetadata({ key, plaintext: new TextEncoder().encode('{"model":"..."}') });
 */
export function encryptMetadata({ key, plaintext, aad = EMPTY, nonce }: EncryptMetadataParameters): Uint8Array {
  checkKey(key);
  const iv = nonce ?? randomBytes(GCM_NONCE_LENGTH);
  if (iv.length !== GCM_NONCE_LENGTH) {
    throw new InvalidKeyLengthError({ length: iv.length, expected: GCM_NONCE_LENGTH, what: "GCM nonce" });
  }
  const header = new Uint8Array([METADATA_CIPHER_VERSION]);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: GCM_TAG_LENGTH });
  cipher.setAAD(concatBytes(header, aad));
  const out = new Uint8Array(1 + GCM_NONCE_LENGTH + plaintext.length + GCM_TAG_LENGTH);
  out[0] = METADATA_CIPHER_VERSION;
  out.set(iv, 1);
  let offset = 1 + GCM_NONCE_LENGTH;
  for (const part of [cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export type DecryptMetadataParameters = {
  /** 32-byte AES-256 key. */
  key: Uint8Array;
  /** Bytes produced by {@link encryptMetadata}. */
  ciphertext: Uint8Array;
  /** The associated data given at encryption. */
  aad?: Uint8Array;
};

/**
 * Decrypts a version-1 metadata ciphertext.
 * @throws {DecryptionFailedError} wrong key, wrong `aad` or tampered bytes.
 * @throws {UnsupportedVersionError} unknown version byte.
 * @throws {MalformedCiphertextError} shorter than {@link METADATA_OVERHEAD}.
 */
export function decryptMetadata({ key, ciphertext, aad = EMPTY }: DecryptMetadataParameters): Uint8Array {
  checkKey(key);
  if (ciphertext.length < METADATA_OVERHEAD) {
    throw new MalformedCiphertextError({ length: ciphertext.length, minimum: METADATA_OVERHEAD, format: FORMAT });
  }
  if (ciphertext[0] !== METADATA_CIPHER_VERSION) {
    throw new UnsupportedVersionError({ version: ciphertext[0], supported: METADATA_CIPHER_VERSION, format: FORMAT });
  }
  const iv = ciphertext.subarray(1, 1 + GCM_NONCE_LENGTH);
  const body = ciphertext.subarray(1 + GCM_NONCE_LENGTH);
  const tag = body.subarray(body.length - GCM_TAG_LENGTH);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: GCM_TAG_LENGTH });
    decipher.setAAD(concatBytes(ciphertext.subarray(0, 1), aad));
    decipher.setAuthTag(tag);
    const head = decipher.update(body.subarray(0, body.length - GCM_TAG_LENGTH));
    const tail = decipher.final();
    return tail.length === 0 ? new Uint8Array(head.buffer, head.byteOffset, head.length) : concatBytes(head, tail);
  } catch (cause) {
    throw new DecryptionFailedError({ format: FORMAT, cause });
  }
}

function checkKey(key: Uint8Array): void {
  if (key.length !== DATA_KEY_LENGTH) {
    throw new InvalidKeyLengthError({ length: key.length, expected: DATA_KEY_LENGTH, what: "AES-256 data key" });
  }
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
