import { createDecipheriv, createECDH, hkdfSync } from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ECIES_HKDF_INFO,
  ECIES_OVERHEAD,
  getCompressedPublicKey,
  openSealedKey,
  sealKey,
  toCompressedPublicKey,
} from "./ecies";
import { DecryptionFailedError, InvalidKeyLengthError, InvalidPublicKeyError, UnsupportedVersionError } from "./errors";
import { generateDataKey } from "./metadataCipher";

const secretKeyArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((k) => secp256k1.utils.isValidSecretKey(k));

describe("sealKey / openSealedKey", () => {
  it("round-trips with compressed, uncompressed and 64-byte raw public keys", () => {
    const secretKey = secp256k1.utils.randomSecretKey();
    const dataKey = generateDataKey();
    const uncompressed = secp256k1.getPublicKey(secretKey, false);
    for (const publicKey of [secp256k1.getPublicKey(secretKey, true), uncompressed, uncompressed.subarray(1)]) {
      const sealed = sealKey({ publicKey, key: dataKey });
      expect(sealed.length).toBe(ECIES_OVERHEAD + 32);
      expect(sealed.length).toBe(94);
      expect(openSealedKey({ secretKey, sealed })).toEqual(dataKey);
    }
  });

  it("property: only the holder of the receiver's private key can open the sealed key", () => {
    fc.assert(
      fc.property(
        secretKeyArb,
        secretKeyArb,
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        (receiver, other, key) => {
          fc.pre(Buffer.compare(receiver, other) !== 0);
          const sealed = sealKey({ publicKey: secp256k1.getPublicKey(receiver, true), key });
          expect(openSealedKey({ secretKey: receiver, sealed })).toEqual(key);
          expect(() => openSealedKey({ secretKey: other, sealed })).toThrow(DecryptionFailedError);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("matches the documented format (independent node:crypto ECDH + HKDF + AES-GCM)", () => {
    const secretKey = secp256k1.utils.randomSecretKey();
    const dataKey = generateDataKey();
    const sealed = sealKey({ publicKey: getCompressedPublicKey(secretKey), key: dataKey });
    expect(sealed[0]).toBe(1);
    const ephemeral = sealed.subarray(1, 34);
    const nonce = sealed.subarray(34, 46);
    const body = sealed.subarray(46, sealed.length - 16);
    const tag = sealed.subarray(sealed.length - 16);

    const ecdh = createECDH("secp256k1");
    ecdh.setPrivateKey(Buffer.from(secretKey));
    const sharedX = ecdh.computeSecret(Buffer.from(ephemeral));
    const receiverCompressed = Buffer.from(ecdh.getPublicKey(null, "compressed"));
    const aesKey = Buffer.from(
      hkdfSync("sha256", sharedX, Buffer.concat([ephemeral, receiverCompressed]), Buffer.from(ECIES_HKDF_INFO), 32),
    );
    const decipher = createDecipheriv("aes-256-gcm", aesKey, nonce);
    decipher.setAAD(Buffer.from(sealed.subarray(0, 34)));
    decipher.setAuthTag(Buffer.from(tag));
    const opened = Buffer.concat([decipher.update(body), decipher.final()]);
    expect(new Uint8Array(opened)).toEqual(dataKey);
  });

  it("is deterministic only with a fixed ephemeral key and nonce", () => {
    const receiver = getCompressedPublicKey(secp256k1.utils.randomSecretKey());
    const key = generateDataKey();
    const ephemeralSecretKey = secp256k1.utils.randomSecretKey();
    const nonce = new Uint8Array(12).fill(7);
    expect(sealKey({ publicKey: receiver, key, ephemeralSecretKey, nonce })).toEqual(
      sealKey({ publicKey: receiver, key, ephemeralSecretKey, nonce }),
    );
    expect(sealKey({ publicKey: receiver, key })).not.toEqual(sealKey({ publicKey: receiver, key }));
  });

  it("fails when any byte after the version is tampered", () => {
    const secretKey = secp256k1.utils.randomSecretKey();
    const sealed = sealKey({ publicKey: getCompressedPublicKey(secretKey), key: generateDataKey() });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: sealed.length - 1 }), fc.integer({ min: 1, max: 255 }), (index, mask) => {
        const tampered = sealed.slice();
        tampered[index] ^= mask;
        expect(() => openSealedKey({ secretKey, sealed: tampered })).toThrow(DecryptionFailedError);
      }),
      { numRuns: 100 },
    );
  });

  it("rejects an unknown version", () => {
    const secretKey = secp256k1.utils.randomSecretKey();
    const sealed = sealKey({ publicKey: getCompressedPublicKey(secretKey), key: generateDataKey() });
    sealed[0] = 9;
    expect(() => openSealedKey({ secretKey, sealed })).toThrow(UnsupportedVersionError);
  });

  it("rejects malformed public and secret keys", () => {
    expect(() => toCompressedPublicKey(new Uint8Array(20))).toThrow(InvalidPublicKeyError);
    const notOnCurve = new Uint8Array(33);
    notOnCurve[0] = 2;
    notOnCurve[32] = 5; // x = 5 has no point on secp256k1
    expect(() => sealKey({ publicKey: notOnCurve, key: generateDataKey() })).toThrow(InvalidPublicKeyError);
    expect(() => openSealedKey({ secretKey: new Uint8Array(31), sealed: new Uint8Array(94) })).toThrow(
      InvalidKeyLengthError,
    );
  });
});
