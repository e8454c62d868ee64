import { createDecipheriv } from "node:crypto";
import { gcm } from "@noble/ciphers/aes.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DecryptionFailedError,
  InvalidKeyLengthError,
  MalformedCiphertextError,
  UnsupportedVersionError,
} from "./errors";
import {
  DATA_KEY_LENGTH,
  decryptMetadata,
  encryptMetadata,
  generateDataKey,
  METADATA_OVERHEAD,
} from "./metadataCipher";

const text = (s: string) => new TextEncoder().encode(s);

describe("encryptMetadata / decryptMetadata", () => {
  it("round-trips any plaintext and associated data", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.uint8Array({ maxLength: 64 }), (plaintext, aad) => {
        const key = generateDataKey();
        const ciphertext = encryptMetadata({ key, plaintext, aad });
        expect(ciphertext.length).toBe(plaintext.length + METADATA_OVERHEAD);
        expect(decryptMetadata({ key, ciphertext, aad })).toEqual(plaintext);
      }),
      { numRuns: 100 },
    );
  });

  it("writes the documented layout: version 1, nonce, AES-256-GCM body, tag (checked with node:crypto)", () => {
    const key = generateDataKey();
    const nonce = Uint8Array.from({ length: 12 }, (_, i) => i + 1);
    const plaintext = text('{"agent":"tiny","weights":"..."}');
    const aad = text("token-7");
    const blob = encryptMetadata({ key, plaintext, aad, nonce });
    expect(blob[0]).toBe(1);
    expect(blob.subarray(1, 13)).toEqual(nonce);
    const decipher = createDecipheriv("aes-256-gcm", key, nonce);
    decipher.setAAD(Buffer.concat([Buffer.from([1]), aad]));
    decipher.setAuthTag(blob.subarray(blob.length - 16));
    const out = Buffer.concat([decipher.update(blob.subarray(13, blob.length - 16)), decipher.final()]);
    expect(new Uint8Array(out)).toEqual(plaintext);
  });

  it("is byte-identical to an independent AES-GCM (@noble/ciphers) in both directions", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 2048 }),
        fc.uint8Array({ maxLength: 64 }),
        (key, nonce, plaintext, aad) => {
          const ours = encryptMetadata({ key, plaintext, aad, nonce });
          const header = Uint8Array.of(1);
          const reference = gcm(key, nonce, new Uint8Array([...header, ...aad])).encrypt(plaintext);
          expect(ours.subarray(13)).toEqual(reference);
          const blob = new Uint8Array([...header, ...nonce, ...reference]);
          expect(decryptMetadata({ key, ciphertext: blob, aad })).toEqual(plaintext);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("uses a fresh nonce per encryption", () => {
    const key = generateDataKey();
    const a = encryptMetadata({ key, plaintext: text("same") });
    const b = encryptMetadata({ key, plaintext: text("same") });
    expect(a).not.toEqual(b);
  });

  it("fails with a wrong key", () => {
    const blob = encryptMetadata({ key: generateDataKey(), plaintext: text("secret") });
    expect(() => decryptMetadata({ key: generateDataKey(), ciphertext: blob })).toThrow(DecryptionFailedError);
  });

  it("fails with different associated data", () => {
    const key = generateDataKey();
    const blob = encryptMetadata({ key, plaintext: text("secret"), aad: text("token-1") });
    expect(() => decryptMetadata({ key, ciphertext: blob, aad: text("token-2") })).toThrow(DecryptionFailedError);
    expect(() => decryptMetadata({ key, ciphertext: blob })).toThrow(DecryptionFailedError);
  });

  it("fails when any byte after the version is flipped", () => {
    const key = generateDataKey();
    const blob = encryptMetadata({ key, plaintext: text("the agent's memory") });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: blob.length - 1 }), fc.integer({ min: 1, max: 255 }), (index, mask) => {
        const tampered = blob.slice();
        tampered[index] ^= mask;
        expect(() => decryptMetadata({ key, ciphertext: tampered })).toThrow(DecryptionFailedError);
      }),
      { numRuns: 100 },
    );
  });

  it("rejects an unknown version byte", () => {
    const key = generateDataKey();
    const blob = encryptMetadata({ key, plaintext: text("x") });
    blob[0] = 2;
    const error = (() => {
      try {
        decryptMetadata({ key, ciphertext: blob });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UnsupportedVersionError);
    expect((error as UnsupportedVersionError).version).toBe(2);
  });

  it("rejects input shorter than the fixed overhead", () => {
    expect(() =>
      decryptMetadata({ key: generateDataKey(), ciphertext: new Uint8Array(METADATA_OVERHEAD - 1) }),
    ).toThrow(MalformedCiphertextError);
  });

  it("rejects keys and nonces of the wrong length", () => {
    expect(() => encryptMetadata({ key: new Uint8Array(16), plaintext: text("x") })).toThrow(InvalidKeyLengthError);
    expect(() => encryptMetadata({ key: generateDataKey(), plaintext: text("x"), nonce: new Uint8Array(8) })).toThrow(
      InvalidKeyLengthError,
    );
    expect(() => decryptMetadata({ key: new Uint8Array(DATA_KEY_LENGTH + 1), ciphertext: new Uint8Array(64) })).toThrow(
      InvalidKeyLengthError,
    );
  });
});
