import { secp256k1 } from "@noble/curves/secp256k1.js";
import { bytesToHex, hexToBytes, keccak256, toBytes, type Hex } from "viem";
import { describe, expect, it } from "vitest";
import { openSealedKey, sealKey } from "./ecies";
import { decryptMetadata, encryptMetadata } from "./metadataCipher";
import {
  buildTransferClaim,
  getAgentNFTDomain,
  hashOracleAttestation,
  hashReceiverAcknowledgment,
  INFT_ACTIONS,
} from "./typedData";

/**
 * Known answers of the version-1 formats and the EIP-712 types. The formats themselves are checked independently
 * (node:crypto, hand-built EIP-712) in the other tests; these pin the exact bytes so any change is deliberate and
 * other implementations (the oracle agent in another language, a ZKP circuit) can test against them.
 */
const RECEIVER_SECRET = new Uint8Array(32).fill(0x11);
const DATA_KEY = new Uint8Array(32).fill(0x22);
const EPHEMERAL_SECRET = new Uint8Array(32).fill(0x33);
const SEAL_NONCE = new Uint8Array(12).fill(0x44);
const META_NONCE = new Uint8Array(12).fill(0x55);

const RECEIVER_PUB = "0x034f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa";
const SEALED: Hex = `0x${
  "01023c72addb4fdf09af94f0c94d7fe92a386a7e70cf8a1d85916386bb2535c7b1b1444444444444444444444444b7fd7d6fbcfc46b0" +
  "04a87c55841e044255b3d6f14c84f873974d888aa5c195a915a2bd53148af4ab017110384183e91d"
}`;
const METADATA = "0x015555555555555555555555553177bbdeb6c6849f8eab17cc2f1d9af2803adab4b29e9ebdb4de53";

describe("known-answer vectors", () => {
  it("ECIES v1 sealed key", () => {
    expect(bytesToHex(secp256k1.getPublicKey(RECEIVER_SECRET, true))).toBe(RECEIVER_PUB);
    const sealed = sealKey({
      publicKey: hexToBytes(RECEIVER_PUB),
      key: DATA_KEY,
      ephemeralSecretKey: EPHEMERAL_SECRET,
      nonce: SEAL_NONCE,
    });
    expect(bytesToHex(sealed)).toBe(SEALED);
    expect(openSealedKey({ secretKey: RECEIVER_SECRET, sealed: hexToBytes(SEALED) })).toEqual(DATA_KEY);
  });

  it("AES-256-GCM v1 metadata", () => {
    const blob = encryptMetadata({ key: DATA_KEY, plaintext: toBytes("hello agent"), nonce: META_NONCE });
    expect(bytesToHex(blob)).toBe(METADATA);
    expect(new TextDecoder().decode(decryptMetadata({ key: DATA_KEY, ciphertext: hexToBytes(METADATA) }))).toBe(
      "hello agent",
    );
  });

  it("EIP-712 digests of a transfer claim", () => {
    const domain = getAgentNFTDomain({
      chainId: 31337,
      verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    });
    const claim = buildTransferClaim({
      action: INFT_ACTIONS.Transfer,
      tokenId: 1n,
      from: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
      to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      oldDataHash: keccak256(toBytes("old")),
      newDataHash: keccak256(toBytes("new")),
      newURI: "0g://new",
      sealedKey: SEALED,
      receiverPubKey: RECEIVER_PUB,
      nonce: 7n,
      deadline: 1_900_000_000n,
    });
    expect(claim.sealedKeyHash).toBe("0x912bbd22dce6397f6f5ef57d884de0b87c41c70698416ec61229cf0ecb68f0e6");
    expect(hashOracleAttestation({ domain, claim })).toBe(
      "0x62512c099e5ab2ee4aed53fede32d69d6f6d6071d540f51eb86e7659655b03e2",
    );
    expect(hashReceiverAcknowledgment({ domain, claim })).toBe(
      "0xe39cf8b3799799ddacdb9ddb480163cbba5012e85e73b81e57fbef3f2f5281eb",
    );
  });
});
