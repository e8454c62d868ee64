import fc from "fast-check";
import { concat, encodeAbiParameters, keccak256, toBytes, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { InvalidProofFieldError } from "./errors";
import {
  decodeTeeOracleProof,
  decodeTransferProof,
  encodeTeeOracleProof,
  encodeTransferProof,
  getTransferProof,
  randomProofNonce,
  toTransferValidityProof,
} from "./proofEncoding";
import {
  recoverOracleAttestationSigner,
  recoverReceiverAcknowledgmentSigner,
  signOracleAttestation,
  signReceiverAcknowledgment,
  verifyReceiverAcknowledgment,
} from "./signatures";
import {
  assertProofDeadline,
  buildTransferClaim,
  getAgentNFTDomain,
  hashOracleAttestation,
  hashReceiverAcknowledgment,
  INFT_ACTIONS,
  type TransferClaim,
} from "./typedData";

// Hardhat's well-known development keys #1 and #2 (public test keys, never funded anywhere real).
const ORACLE_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const RECEIVER_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
const oracle = privateKeyToAccount(ORACLE_KEY);
const receiver = privateKeyToAccount(RECEIVER_KEY);
const NFT: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const domain = getAgentNFTDomain({ chainId: 31337, verifyingContract: NFT });

const FIELDS =
  "(uint8 action,uint256 tokenId,address from,address to,bytes32 oldDataHash,bytes32 newDataHash,string newURI," +
  "bytes32 sealedKeyHash,bytes receiverPubKey,uint256 nonce,uint256 deadline)";

function sampleClaim(overrides: Partial<TransferClaim> = {}): TransferClaim {
  return {
    ...buildTransferClaim({
      action: INFT_ACTIONS.Transfer,
      tokenId: 1n,
      from: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
      to: receiver.address,
      oldDataHash: keccak256(toBytes("old")),
      newDataHash: keccak256(toBytes("new")),
      newURI: "0g://root/new",
      sealedKey: "0xaabbcc",
      receiverPubKey: receiver.publicKey,
      nonce: 42n,
      deadline: 1_900_000_000n,
    }),
    ...overrides,
  };
}

/** EIP-712 digest computed by hand (no viem typed-data code), as Solidity's _hashTypedDataV4 does. */
function manualDigest(primaryType: string, claim: TransferClaim): Hex {
  const domainSeparator = keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "bytes32" }, { type: "bytes32" }, { type: "uint256" }, { type: "address" }],
      [
        keccak256(toBytes("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")),
        keccak256(toBytes("AgentNFT")),
        keccak256(toBytes("1")),
        31337n,
        NFT,
      ],
    ),
  );
  const structHash = keccak256(
    encodeAbiParameters(
      [
        { type: "bytes32" },
        { type: "uint8" },
        { type: "uint256" },
        { type: "address" },
        { type: "address" },
        { type: "bytes32" },
        { type: "bytes32" },
        { type: "bytes32" },
        { type: "bytes32" },
        { type: "bytes32" },
        { type: "uint256" },
        { type: "uint256" },
      ],
      [
        keccak256(toBytes(primaryType + FIELDS)),
        claim.action,
        claim.tokenId,
        claim.from,
        claim.to,
        claim.oldDataHash,
        claim.newDataHash,
        keccak256(toBytes(claim.newURI)),
        claim.sealedKeyHash,
        keccak256(claim.receiverPubKey),
        claim.nonce,
        claim.deadline,
      ],
    ),
  );
  return keccak256(concat(["0x1901", domainSeparator, structHash]));
}

describe("EIP-712 proof types", () => {
  it("hash to the digests Solidity computes by hand", () => {
    const claim = sampleClaim();
    expect(hashOracleAttestation({ domain, claim })).toBe(manualDigest("OracleAttestation", claim));
    expect(hashReceiverAcknowledgment({ domain, claim })).toBe(manualDigest("ReceiverAcknowledgment", claim));
    expect(hashOracleAttestation({ domain, claim })).not.toBe(hashReceiverAcknowledgment({ domain, claim }));
  });

  it("property: changing any field or the domain changes the digest", () => {
    const base = sampleClaim();
    const baseDigest = hashOracleAttestation({ domain, claim: base });
    const mutations = fc.oneof(
      fc.constantFrom<Partial<TransferClaim>>(
        { action: INFT_ACTIONS.Clone },
        { action: INFT_ACTIONS.Rotate },
        { from: receiver.address },
        { to: oracle.address },
        { oldDataHash: keccak256(toBytes("other")) },
        { newDataHash: keccak256(toBytes("other")) },
        { newURI: "0g://root/other" },
        { sealedKeyHash: keccak256("0xaabbcd") },
        { receiverPubKey: oracle.publicKey },
      ),
      fc.bigInt({ min: 2n, max: 2n ** 64n }).map((tokenId) => ({ tokenId })),
      fc.bigInt({ min: 43n, max: 2n ** 255n }).map((nonce) => ({ nonce })),
      fc.bigInt({ min: 0n, max: 1_899_999_999n }).map((deadline) => ({ deadline })),
    );
    fc.assert(
      fc.property(mutations, (change) => {
        expect(hashOracleAttestation({ domain, claim: { ...base, ...change } })).not.toBe(baseDigest);
      }),
      { numRuns: 60 },
    );
    const otherChain = getAgentNFTDomain({ chainId: 16602, verifyingContract: NFT });
    const otherContract = getAgentNFTDomain({ chainId: 31337, verifyingContract: oracle.address });
    expect(hashOracleAttestation({ domain: otherChain, claim: base })).not.toBe(baseDigest);
    expect(hashOracleAttestation({ domain: otherContract, claim: base })).not.toBe(baseDigest);
  });

  it("sign and recover: oracle attestation and receiver acknowledgment", async () => {
    const claim = sampleClaim();
    const attestation = await signOracleAttestation({ account: oracle, domain, claim });
    const ack = await signReceiverAcknowledgment({ account: receiver, domain, claim });
    expect(await recoverOracleAttestationSigner({ domain, claim, signature: attestation })).toBe(oracle.address);
    expect(await recoverReceiverAcknowledgmentSigner({ domain, claim, signature: ack })).toBe(receiver.address);
    expect(await verifyReceiverAcknowledgment({ domain, claim, signature: ack })).toBe(true);
    // An oracle signature is not a receiver acknowledgment, and a signature over another claim does not verify.
    expect(await verifyReceiverAcknowledgment({ domain, claim, signature: attestation })).toBe(false);
    expect(await verifyReceiverAcknowledgment({ domain, claim: { ...claim, nonce: 43n }, signature: ack })).toBe(false);
    expect(await verifyReceiverAcknowledgment({ domain, claim, signature: "0x1234" })).toBe(false);
    // A delegate's signature verifies only when the delegate is named.
    const byOracle = await signReceiverAcknowledgment({ account: oracle, domain, claim });
    expect(await verifyReceiverAcknowledgment({ domain, claim, signature: byOracle })).toBe(false);
    expect(await verifyReceiverAcknowledgment({ domain, claim, signature: byOracle, delegate: oracle.address })).toBe(
      true,
    );
  });
});

describe("buildTransferClaim", () => {
  it("hashes the sealed key and normalizes hex", () => {
    const claim = buildTransferClaim({
      action: INFT_ACTIONS.Clone,
      tokenId: 3n,
      from: oracle.address,
      to: receiver.address,
      oldDataHash: keccak256("0x01"),
      newDataHash: keccak256("0x02"),
      newURI: "u",
      sealedKey: new Uint8Array([0xaa, 0xbb]),
      receiverPubKey: "0xABCD",
      nonce: 1n,
      deadline: 100n,
      now: 50n,
    });
    expect(claim.sealedKeyHash).toBe(keccak256("0xaabb"));
    expect(claim.receiverPubKey).toBe("0xabcd");
  });

  it("rejects what the contract would reject", () => {
    const base = {
      action: INFT_ACTIONS.Transfer,
      tokenId: 1n,
      from: oracle.address,
      to: receiver.address,
      oldDataHash: keccak256("0x01"),
      newDataHash: keccak256("0x02"),
      newURI: "u",
      sealedKey: "0xaa" as Hex,
      receiverPubKey: "0xbb" as Hex,
      nonce: 1n,
      deadline: 100n,
    };
    expect(() => buildTransferClaim({ ...base, sealedKey: "0x" })).toThrow(InvalidProofFieldError);
    expect(() => buildTransferClaim({ ...base, receiverPubKey: "0x" })).toThrow(InvalidProofFieldError);
    expect(() => buildTransferClaim({ ...base, receiverPubKey: "0xabc" })).toThrow(InvalidProofFieldError);
    expect(() => buildTransferClaim({ ...base, newDataHash: `0x${"0".repeat(64)}` })).toThrow(InvalidProofFieldError);
    expect(() => buildTransferClaim({ ...base, now: 101n })).toThrow(InvalidProofFieldError);
    expect(() => buildTransferClaim({ ...base, deadline: 3701n, now: 100n })).toThrow(InvalidProofFieldError);
    expect(() => assertProofDeadline({ deadline: 3700n, now: 100n })).not.toThrow();
  });
});

describe("proof encoding", () => {
  it("orders oracle signatures by signer and rejects duplicates", () => {
    const sigs = [
      { signer: "0x00000000000000000000000000000000000000f0" as Address, signature: "0x02" as Hex },
      { signer: "0x0000000000000000000000000000000000000001" as Address, signature: "0x01" as Hex },
      { signer: "0xFF00000000000000000000000000000000000000" as Address, signature: "0x03" as Hex },
    ];
    expect(decodeTeeOracleProof(encodeTeeOracleProof(sigs))).toEqual(["0x01", "0x02", "0x03"]);
    expect(() => encodeTeeOracleProof([sigs[0], { ...sigs[0], signature: "0x09" }])).toThrow(InvalidProofFieldError);
    expect(() => encodeTeeOracleProof([])).toThrow(InvalidProofFieldError);
  });

  it("round-trips the transfer proof and packs 0G's container", () => {
    const claim = sampleClaim({ nonce: randomProofNonce() });
    const proof = getTransferProof({ claim, oracleProof: "0x1234", receiverSignature: "0x5678" });
    expect(decodeTransferProof(encodeTransferProof(proof))).toEqual(proof);
    const compat = toTransferValidityProof({
      claim,
      sealedKey: "0xaabbcc",
      oracleProof: "0x1234",
      receiverSignature: "0x5678",
    });
    expect(compat.ownershipProof.dataHash).toBe(claim.newDataHash);
    expect(compat.accessProof.proof).toBe("0x5678");
    expect(compat.ownershipProof.targetPubkey).toBe(claim.receiverPubKey);
  });

  it("draws distinct random nonces", () => {
    expect(randomProofNonce()).not.toBe(randomProofNonce());
  });
});
