import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { generateConsensusKey, getConsensusPubkey } from "./consensusKey";
import { signProofOfPossession, verifyProofOfPossession } from "./signProofOfPossession";
import { encodeProofOfPossessionMessage } from "./encodeProofOfPossessionMessage";
import { POP_DST, SIGNATURE_LENGTH } from "./constants";
import { InvalidLengthError } from "./errors";
import { hexToBytes, type Hex } from "./hex";

const fields = {
  chainId: 16661n,
  staking: "0xea224dBB52F57752044c0C86aD50930091F561B9" as Hex,
  validator: "0x1111111111111111111111111111111111111111" as Hex,
  operator: "0x2222222222222222222222222222222222222222" as Hex,
  amountInGwei: 500_000_000_000n,
};

// Known-answer vector (regression): seed = 48 × 0x07.
const KAT = {
  pubkey: "0xb863b77be30bd1fb06f4e2ce23c18afcf8a0a039331c11dc529a57cdf6f87abecd9e3896ca931ab1dcd0019399ac62b8",
  signature:
    "0x179e140fa5b9e2ad1f567fb816f7c751ddaadd83e34fa6058284f5bbb6bc62c7fb6a8796c22ae7c33659165e9f8f0bf40ead548c10a1c60575bd3ca2097994dc9f6f38ef3c9e1d31572b379abe3d09e6de1d9bedb77f473755c36257541b562c0d7de23bc80dd892db97b6c0f7342f60ebc8e9a8b4520f865a86c257208fd66c79cb0cf84f473cb76b34ab12bae14fd40fd40e3084c99994b123ad443d84ca796bc791d41d23eb24d33a529f4685b9a162fa96f074f4de6ea7168eb90b7edeb71863b77be30bd1fb06f4e2ce23c18afcf8a0a039331c11dc529a57cdf6f87abecd9e3896ca931ab1dcd0019399ac62b8193ff05b8abd52d000e001684917648613384362ccec6406dd1ba863b62f1a24f2fa7c9b39ef952203af0924707fbf43",
};

describe("consensus keys", () => {
  it("are 48-byte compressed G1 points, deterministic with a seed", () => {
    const a = generateConsensusKey(new Uint8Array(48).fill(7));
    const b = generateConsensusKey(new Uint8Array(48).fill(7));
    expect(a.pubkey).toBe(b.pubkey);
    expect(a.pubkey).toBe(KAT.pubkey);
    expect(hexToBytes(a.pubkey, "pubkey").length).toBe(48);
    expect(hexToBytes(a.pubkey, "pubkey")[0] & 0xc0).toBe(0x80);
    expect(getConsensusPubkey(a.secretKey)).toBe(a.pubkey);
    expect(generateConsensusKey().pubkey).not.toBe(generateConsensusKey().pubkey);
  });

  it("reject seeds and secret keys of the wrong length", () => {
    expect(() => generateConsensusKey(new Uint8Array(32))).toThrow(InvalidLengthError);
    expect(() => getConsensusPubkey(new Uint8Array(31))).toThrow(InvalidLengthError);
  });
});

describe("signProofOfPossession", () => {
  it("matches the known-answer vector", () => {
    const key = generateConsensusKey(new Uint8Array(48).fill(7));
    expect(signProofOfPossession({ ...fields, secretKey: key.secretKey })).toEqual(KAT);
  });

  it("produces a standard BLS signature over hash_to_curve(message, POP_DST) followed by the uncompressed key", () => {
    const key = generateConsensusKey(new Uint8Array(48).fill(3));
    const { pubkey, signature } = signProofOfPossession({ ...fields, secretKey: key.secretKey });
    const blob = hexToBytes(signature, "signature");
    expect(blob.length).toBe(SIGNATURE_LENGTH);
    const sig = bls12_381.G2.Point.fromBytes(blob.subarray(0, 192));
    const pk = bls12_381.G1.Point.fromBytes(blob.subarray(192));
    expect(pk.equals(bls12_381.G1.Point.fromBytes(hexToBytes(pubkey, "pubkey")))).toBe(true);
    const h = bls12_381.G2.hashToCurve(encodeProofOfPossessionMessage({ ...fields, pubkey }), { DST: POP_DST });
    expect(bls12_381.longSignatures.verify(sig, h, pk)).toBe(true);
  });

  it("verifies what it signs, and rejects any change of message, key or signature", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 48, maxLength: 48 }),
        fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }),
        fc.integer({ min: 0, max: SIGNATURE_LENGTH - 1 }),
        (seed, amountInGwei, flip) => {
          const key = generateConsensusKey(seed);
          const f = { ...fields, amountInGwei };
          const { pubkey, signature } = signProofOfPossession({ ...f, secretKey: key.secretKey });
          expect(verifyProofOfPossession({ ...f, pubkey, signature })).toBe(true);
          expect(verifyProofOfPossession({ ...f, amountInGwei: amountInGwei ^ 1n, pubkey, signature })).toBe(false);
          const other = generateConsensusKey(new Uint8Array(48).fill(9)).pubkey;
          expect(verifyProofOfPossession({ ...f, pubkey: other, signature })).toBe(false);
          const bytes = hexToBytes(signature, "signature");
          bytes[flip] ^= 0x01;
          const tampered = ("0x" + Buffer.from(bytes).toString("hex")) as Hex;
          expect(verifyProofOfPossession({ ...f, pubkey, signature: tampered })).toBe(false);
        },
      ),
      { numRuns: 20 },
    );
  });

  it("throws InvalidLengthError for a blob of the wrong length", () => {
    const key = generateConsensusKey(new Uint8Array(48).fill(3));
    const { pubkey, signature } = signProofOfPossession({ ...fields, secretKey: key.secretKey });
    expect(() => verifyProofOfPossession({ ...fields, pubkey, signature: signature.slice(0, -2) as Hex })).toThrow(
      InvalidLengthError,
    );
  });
});
