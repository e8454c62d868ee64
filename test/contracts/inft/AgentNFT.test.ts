import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { bytesToHex, hexToBytes, keccak256, toBytes, type Address, type Hex } from "viem";
import { privateKeyToAccount, generatePrivateKey } from "viem/accounts";
import {
  decryptMetadata,
  encryptMetadata,
  generateDataKey,
  sealKey,
  getAgentNFTDomain,
  hashOracleAttestation,
  hashReceiverAcknowledgment,
  INFT_ACTIONS,
  openSealedKey,
  toTransferValidityProof,
  type TransferClaim,
} from "../../../agents/protocol/inft";
import {
  AgentNFT__factory,
  ERC1271WalletMock__factory,
  IAgentNFT__factory,
  ReentrantReceiverMock__factory,
  RejectingVerifierMock__factory,
} from "../../../typechain";
import {
  ascending,
  deployINFT,
  erc7201Slot,
  FIRST_TOKEN_ID,
  hardhatSecretKey,
  INITIAL_HASH,
  INITIAL_URI,
  makeProof,
  NONEXISTENT_TOKEN_ID,
  rawOracleProof,
  type Fixture,
} from "./helpers";

const ALICE = 1;
const BOB = 2;
const CAROL = 3;
const MALLORY = 4;
const HOUR = 3600n;
const AUTHORIZE_WITH_TERMS = "authorizeUsage(uint256,address,bytes,uint64,uint64)" as const;

describe("AgentNFT", function () {
  let f: Fixture;

  beforeEach(async function () {
    f = await loadFixture(deployINFT);
  });

  const a = (s: { address: string }) => s.address as Address;

  describe("end-to-end: mint → transfer → clone → authorize", function () {
    it("hands the agent's encrypted metadata to each new owner and only to them", async function () {
      const agent = toBytes('{"name":"tiny-agent","system":"be helpful","weights":"0g://weights"}');
      // Alice's original ciphertext; its hash stands in for the 0G Storage root.
      const key1 = generateDataKey();
      const blob1 = encryptMetadata({ key: key1, plaintext: agent });
      await f.nft.mint(f.alice.address, "0g://blob1", keccak256(blob1));
      const tokenId = 2n;

      // The TEE oracle re-encrypts under a fresh key and seals it to Bob's public key.
      const key2 = generateDataKey();
      const blob2 = encryptMetadata({ key: key2, plaintext: decryptMetadata({ key: key1, ciphertext: blob1 }) });
      const bobPub = hexToBytes(privateKeyToAccount(bytesToHex(hardhatSecretKey(BOB))).publicKey);
      const t = await makeProof(f, {
        tokenId,
        from: a(f.alice),
        to: a(f.bob),
        receiverIndex: BOB,
        newDataHash: keccak256(blob2),
        newURI: "0g://blob2",
        sealedKey: bytesToHex(sealKey({ publicKey: bobPub, key: key2 })),
      });
      const receipt = await (
        await f.nft.connect(f.alice).transfer(f.alice.address, f.bob.address, tokenId, t.sealedKey, t.proof)
      ).wait();
      const published = receipt!.logs
        .map((log) => f.nft.interface.parseLog(log))
        .find((log) => log?.name === "PublishedSealedKey");
      const sealedForBob = hexToBytes(published!.args.sealedKeys[0] as Hex);
      const bobKey = openSealedKey({ secretKey: hardhatSecretKey(BOB), sealed: sealedForBob });
      expect(decryptMetadata({ key: bobKey, ciphertext: blob2 })).to.deep.equal(agent);
      expect(await f.nft.getMetadataHash(tokenId)).to.equal(keccak256(blob2));
      expect(() => decryptMetadata({ key: key1, ciphertext: blob2 })).to.throw();

      // Bob clones the agent for Carol under yet another key.
      const key3 = generateDataKey();
      const blob3 = encryptMetadata({ key: key3, plaintext: decryptMetadata({ key: bobKey, ciphertext: blob2 }) });
      const carolPub = hexToBytes(privateKeyToAccount(bytesToHex(hardhatSecretKey(CAROL))).publicKey);
      const c = await makeProof(f, {
        action: INFT_ACTIONS.Clone,
        tokenId,
        from: a(f.bob),
        to: a(f.carol),
        receiverIndex: CAROL,
        newDataHash: keccak256(blob3),
        newURI: "0g://blob3",
        sealedKey: bytesToHex(sealKey({ publicKey: carolPub, key: key3 })),
      });
      await f.nft.connect(f.bob).clone(f.carol.address, tokenId, c.sealedKey, c.proof);
      const carolKey = openSealedKey({ secretKey: hardhatSecretKey(CAROL), sealed: hexToBytes(c.sealedKey) });
      expect(decryptMetadata({ key: carolKey, ciphertext: blob3 })).to.deep.equal(agent);
      expect(await f.nft.getEncryptedURI(3n)).to.equal("0g://blob3");
      expect(await f.nft.getEncryptedURI(tokenId)).to.equal("0g://blob2");

      // Bob rents his agent to an executor for 10 requests over a day.
      const expiresAt = BigInt(await time.latest()) + 86_400n;
      await f.nft.connect(f.bob)[AUTHORIZE_WITH_TERMS](tokenId, f.executor.address, "0x", expiresAt, 10n);
      await f.nft.connect(f.executor).recordUsage(tokenId, f.executor.address, 4n);
      const terms = await f.nft.getAuthorization(tokenId, f.executor.address);
      expect(terms.usedRequests).to.equal(4n);
      expect(await f.nft.isAuthorizedExecutor(tokenId, f.executor.address)).to.equal(true);
      expect(await f.nft.isAuthorizedExecutor(3n, f.executor.address)).to.equal(false);
    });
  });

  describe("deployment (Ignition module)", function () {
    it("wires the verifier, the oracle set, the threshold and the admin roles", async function () {
      expect(await f.nft.verifier()).to.equal(await f.verifier.getAddress());
      expect(await f.nft.oracle()).to.equal(await f.verifier.getAddress());
      expect(await f.verifier.minConfirmations()).to.equal(2n);
      expect([...(await f.verifier.getOracles())]).to.have.members(f.oracles.map((o) => o.address));
      expect(await f.verifier.oracleType()).to.equal(0n);
      for (const role of ["MINTER_ROLE", "PAUSER_ROLE", "VERIFIER_ADMIN_ROLE", "UPGRADER_ROLE"] as const) {
        expect(await f.nft.hasRole(await f.nft[role](), f.admin.address)).to.equal(true);
      }
      expect(await f.nft.name()).to.equal("AI Agent NFTs");
      expect(await f.nft.symbol()).to.equal("AINFT");
      expect(await f.nft.PROOF_VALIDITY_PERIOD()).to.equal(HOUR);
    });

    it("keeps its state in the ERC-7201 slot zg.storage.AgentNFT", async function () {
      const slot = BigInt(erc7201Slot("zg.storage.AgentNFT"));
      const word0 = await ethers.provider.getStorage(await f.nft.getAddress(), slot);
      const word1 = await ethers.provider.getStorage(await f.nft.getAddress(), slot + 1n);
      expect(ethers.getAddress(ethers.dataSlice(word0, 12))).to.equal(await f.verifier.getAddress());
      expect(BigInt(word1)).to.equal(await f.nft.nextTokenId());
    });

    it("disables initializers on the implementation and on a second call", async function () {
      const impl = await new AgentNFT__factory(f.admin).deploy();
      await expect(
        impl.initialize("n", "s", f.admin.address, await f.verifier.getAddress()),
      ).to.be.revertedWithCustomError(impl, "InvalidInitialization");
      await expect(
        f.nft.initialize("n", "s", f.admin.address, await f.verifier.getAddress()),
      ).to.be.revertedWithCustomError(f.nft, "InvalidInitialization");
    });

    it("refuses a verifier without code at initialization", async function () {
      const impl = await new AgentNFT__factory(f.admin).deploy();
      const init = impl.interface.encodeFunctionData("initialize", ["n", "s", f.admin.address, f.mallory.address]);
      const Proxy = await ethers.getContractFactory("ERC1967Proxy");
      await expect(Proxy.deploy(await impl.getAddress(), init))
        .to.be.revertedWithCustomError(impl, "AgentNFTInvalidVerifier")
        .withArgs(f.mallory.address);
    });

    it("supports ERC-721, AccessControl and IAgentNFT interface ids", async function () {
      const iface = IAgentNFT__factory.createInterface();
      let id = 0n;
      iface.forEachFunction((fn) => {
        id ^= BigInt(fn.selector);
      });
      expect(await f.nft.supportsInterface(ethers.toBeHex(id, 4))).to.equal(true);
      expect(await f.nft.supportsInterface("0x80ac58cd")).to.equal(true);
      expect(await f.nft.supportsInterface("0x7965db0b")).to.equal(true);
      expect(await f.nft.supportsInterface("0xffffffff")).to.equal(false);
    });
  });

  describe("mint", function () {
    it("stores hash and URI, numbers tokens from 1 and emits MetadataUpdated", async function () {
      expect(await f.nft.ownerOf(FIRST_TOKEN_ID)).to.equal(f.alice.address);
      expect(await f.nft.getMetadataHash(FIRST_TOKEN_ID)).to.equal(INITIAL_HASH);
      expect(await f.nft.getEncryptedURI(FIRST_TOKEN_ID)).to.equal(INITIAL_URI);
      const hash = keccak256(toBytes("second"));
      await expect(f.nft.mint(f.bob.address, "0g://two", hash))
        .to.emit(f.nft, "MetadataUpdated")
        .withArgs(2n, hash)
        .and.to.emit(f.nft, "Transfer")
        .withArgs(ethers.ZeroAddress, f.bob.address, 2n);
      expect(await f.nft.nextTokenId()).to.equal(3n);
    });

    it("reverts for an account without MINTER_ROLE", async function () {
      await expect(f.nft.connect(f.mallory).mint(f.mallory.address, "u", INITIAL_HASH))
        .to.be.revertedWithCustomError(f.nft, "AccessControlUnauthorizedAccount")
        .withArgs(f.mallory.address, await f.nft.MINTER_ROLE());
    });

    it("reverts for a zero metadata hash", async function () {
      await expect(f.nft.mint(f.bob.address, "u", ethers.ZeroHash)).to.be.revertedWithCustomError(
        f.nft,
        "AgentNFTZeroDataHash",
      );
    });

    it("reverts for the zero receiver", async function () {
      await expect(f.nft.mint(ethers.ZeroAddress, "u", INITIAL_HASH))
        .to.be.revertedWithCustomError(f.nft, "ERC721InvalidReceiver")
        .withArgs(ethers.ZeroAddress);
    });

    it("reverts when paused", async function () {
      await f.nft.pause();
      await expect(f.nft.mint(f.bob.address, "u", INITIAL_HASH)).to.be.revertedWithCustomError(f.nft, "EnforcedPause");
    });

    it("stops a receiver that re-enters during the safe-mint callback", async function () {
      const receiver = await new ReentrantReceiverMock__factory(f.admin).deploy();
      await expect(f.nft.mint(await receiver.getAddress(), "u", INITIAL_HASH)).to.be.revertedWithCustomError(
        f.nft,
        "ReentrancyGuardReentrantCall",
      );
    });
  });

  describe("plain ERC-721 moves are disabled", function () {
    for (const fn of [
      "transferFrom",
      "safeTransferFrom(address,address,uint256)",
      "safeTransferFrom(address,address,uint256,bytes)",
    ] as const) {
      it(`${fn} reverts with AgentNFTUseTransferWithProof, even for the owner`, async function () {
        const args =
          fn === "safeTransferFrom(address,address,uint256,bytes)"
            ? [f.alice.address, f.bob.address, FIRST_TOKEN_ID, "0x"]
            : [f.alice.address, f.bob.address, FIRST_TOKEN_ID];
        const contract = f.nft.connect(f.alice) as unknown as Record<string, (...x: unknown[]) => Promise<unknown>>;
        await expect(contract[fn](...args))
          .to.be.revertedWithCustomError(f.nft, "AgentNFTUseTransferWithProof")
          .withArgs(FIRST_TOKEN_ID);
        expect(await f.nft.ownerOf(FIRST_TOKEN_ID)).to.equal(f.alice.address);
      });
    }
  });

  describe("transfer", function () {
    it("checks the TS-built digests against the contract's", async function () {
      const { claim } = await makeProof(f, { from: a(f.alice), to: a(f.bob), receiverIndex: BOB });
      const [oracleDigest, receiverDigest] = await f.nft.claimDigests(claim);
      expect(oracleDigest).to.equal(hashOracleAttestation({ domain: f.domain, claim }));
      expect(receiverDigest).to.equal(hashReceiverAcknowledgment({ domain: f.domain, claim }));
    });

    it("moves the token with its re-encrypted metadata; only the receiver can open the sealed key", async function () {
      const { claim, proof, sealedKey, dataKey } = await makeProof(f, {
        from: a(f.alice),
        to: a(f.bob),
        receiverIndex: BOB,
      });
      await expect(f.nft.connect(f.alice).transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, sealedKey, proof))
        .to.emit(f.nft, "MetadataUpdated")
        .withArgs(FIRST_TOKEN_ID, claim.newDataHash)
        .and.to.emit(f.nft, "PublishedSealedKey")
        .withArgs(f.bob.address, FIRST_TOKEN_ID, [sealedKey])
        .and.to.emit(f.nft, "Transfer")
        .withArgs(f.alice.address, f.bob.address, FIRST_TOKEN_ID);
      expect(await f.nft.ownerOf(FIRST_TOKEN_ID)).to.equal(f.bob.address);
      expect(await f.nft.getMetadataHash(FIRST_TOKEN_ID)).to.equal(claim.newDataHash);
      expect(await f.nft.getEncryptedURI(FIRST_TOKEN_ID)).to.equal(claim.newURI);
      expect(await f.nft.nonceUsed(claim.nonce)).to.equal(true);
      expect(openSealedKey({ secretKey: hardhatSecretKey(BOB), sealed: hexToBytes(sealedKey) })).to.deep.equal(dataKey);
      expect(() => openSealedKey({ secretKey: hardhatSecretKey(ALICE), sealed: hexToBytes(sealedKey) })).to.throw();
    });

    it("lets an approved account or an operator transfer", async function () {
      await f.nft.connect(f.alice).approve(f.carol.address, FIRST_TOKEN_ID);
      const p1 = await makeProof(f, { from: a(f.alice), to: a(f.bob), receiverIndex: BOB });
      await f.nft.connect(f.carol).transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, p1.sealedKey, p1.proof);
      await f.nft.connect(f.bob).setApprovalForAll(f.mallory.address, true);
      const p2 = await makeProof(f, { from: a(f.bob), to: a(f.carol), receiverIndex: CAROL });
      await f.nft.connect(f.mallory).transfer(f.bob.address, f.carol.address, FIRST_TOKEN_ID, p2.sealedKey, p2.proof);
      expect(await f.nft.ownerOf(FIRST_TOKEN_ID)).to.equal(f.carol.address);
    });

    it("reverts for a caller that is neither owner nor approved, even with a valid proof", async function () {
      const { proof, sealedKey } = await makeProof(f, { from: a(f.alice), to: a(f.bob), receiverIndex: BOB });
      await expect(f.nft.connect(f.mallory).transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, sealedKey, proof))
        .to.be.revertedWithCustomError(f.nft, "ERC721InsufficientApproval")
        .withArgs(f.mallory.address, FIRST_TOKEN_ID);
      // Not even the receiver may pull the token.
      await expect(f.nft.connect(f.bob).transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, sealedKey, proof))
        .to.be.revertedWithCustomError(f.nft, "ERC721InsufficientApproval")
        .withArgs(f.bob.address, FIRST_TOKEN_ID);
    });

    it("reverts when `from` is not the owner", async function () {
      const { proof, sealedKey } = await makeProof(f, { from: a(f.carol), to: a(f.bob), receiverIndex: BOB });
      await expect(f.nft.connect(f.alice).transfer(f.carol.address, f.bob.address, FIRST_TOKEN_ID, sealedKey, proof))
        .to.be.revertedWithCustomError(f.nft, "ERC721IncorrectOwner")
        .withArgs(f.carol.address, FIRST_TOKEN_ID, f.alice.address);
    });

    it("reverts for the zero receiver", async function () {
      const { proof, sealedKey } = await makeProof(f, {
        from: a(f.alice),
        to: ethers.ZeroAddress as Address,
        receiverIndex: BOB,
      });
      await expect(
        f.nft.connect(f.alice).transfer(f.alice.address, ethers.ZeroAddress, FIRST_TOKEN_ID, sealedKey, proof),
      )
        .to.be.revertedWithCustomError(f.nft, "ERC721InvalidReceiver")
        .withArgs(ethers.ZeroAddress);
    });

    it("reverts for a token that does not exist", async function () {
      const { proof, sealedKey } = await makeProof(f, { from: a(f.alice), to: a(f.bob), receiverIndex: BOB });
      await expect(
        f.nft.connect(f.alice).transfer(f.alice.address, f.bob.address, NONEXISTENT_TOKEN_ID, sealedKey, proof),
      )
        .to.be.revertedWithCustomError(f.nft, "ERC721NonexistentToken")
        .withArgs(NONEXISTENT_TOKEN_ID);
    });

    it("rejects a proof on reuse (nonce consumed forever)", async function () {
      const first = await makeProof(f, { from: a(f.alice), to: a(f.bob), receiverIndex: BOB });
      await f.nft
        .connect(f.alice)
        .transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, first.sealedKey, first.proof);
      const back = await makeProof(f, { from: a(f.bob), to: a(f.alice), receiverIndex: ALICE });
      await f.nft.connect(f.bob).transfer(f.bob.address, f.alice.address, FIRST_TOKEN_ID, back.sealedKey, back.proof);
      await expect(
        f.nft.connect(f.alice).transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, first.sealedKey, first.proof),
      )
        .to.be.revertedWithCustomError(f.nft, "AgentNFTNonceUsed")
        .withArgs(first.claim.nonce);
      // A new proof that reuses the nonce with otherwise fresh content is rejected too.
      const reused = await makeProof(f, {
        from: a(f.alice),
        to: a(f.bob),
        receiverIndex: BOB,
        nonce: back.claim.nonce,
      });
      await expect(
        f.nft.connect(f.alice).transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, reused.sealedKey, reused.proof),
      )
        .to.be.revertedWithCustomError(f.nft, "AgentNFTNonceUsed")
        .withArgs(back.claim.nonce);
    });

    it("keeps used nonces forever (0G lets anyone purge them after 7 days)", async function () {
      const first = await makeProof(f, { from: a(f.alice), to: a(f.bob), receiverIndex: BOB });
      await f.nft
        .connect(f.alice)
        .transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, first.sealedKey, first.proof);
      await time.increase(8n * 24n * HOUR);
      const again = await makeProof(f, {
        from: a(f.bob),
        to: a(f.alice),
        receiverIndex: ALICE,
        nonce: first.claim.nonce,
      });
      await expect(
        f.nft.connect(f.bob).transfer(f.bob.address, f.alice.address, FIRST_TOKEN_ID, again.sealedKey, again.proof),
      )
        .to.be.revertedWithCustomError(f.nft, "AgentNFTNonceUsed")
        .withArgs(first.claim.nonce);
      // Nothing in the ABI can delete a nonce record or set metadata without a proof (0G's `update`/`cleanExpiredProofs`).
      const writers = f.nft.interface.fragments
        .filter((x): x is import("ethers").FunctionFragment => x.type === "function")
        .filter((x) => x.stateMutability !== "view" && x.stateMutability !== "pure")
        .map((x) => x.name);
      expect([...new Set(writers)].sort()).to.deep.equal(
        [
          "approve",
          "authorizeUsage",
          "clone",
          "delegateAccess",
          "grantRole",
          "iCloneFrom",
          "iTransferFrom",
          "initialize",
          "mint",
          "pause",
          "recordUsage",
          "renounceRole",
          "revokeAuthorization",
          "revokeRole",
          "rotateKey",
          "safeTransferFrom", // the three-argument form; reverts (see "plain ERC-721 moves are disabled")
          "setApprovalForAll",
          "setVerifier",
          "transfer",
          "unpause",
          "upgradeToAndCall",
        ].sort(),
      );
    });

    it("reverts for an expired proof", async function () {
      const deadline = BigInt(await time.latest()) + 10n;
      const { proof, sealedKey } = await makeProof(f, { from: a(f.alice), to: a(f.bob), receiverIndex: BOB, deadline });
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(f.nft.connect(f.alice).transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, sealedKey, proof))
        .to.be.revertedWithCustomError(f.nft, "AgentNFTProofExpired")
        .withArgs(deadline, deadline + 1n);
    });

    it("reverts for a deadline more than PROOF_VALIDITY_PERIOD ahead", async function () {
      const now = BigInt(await time.latest());
      const deadline = now + HOUR + 2n;
      const { proof, sealedKey } = await makeProof(f, { from: a(f.alice), to: a(f.bob), receiverIndex: BOB, deadline });
      await time.setNextBlockTimestamp(now + 1n);
      await expect(f.nft.connect(f.alice).transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, sealedKey, proof))
        .to.be.revertedWithCustomError(f.nft, "AgentNFTDeadlineTooFar")
        .withArgs(deadline, now + 1n + HOUR);
    });

    it("reverts for an empty sealed key, an empty receiver key or a zero new hash", async function () {
      const base = { from: a(f.alice), to: a(f.bob), receiverIndex: BOB };
      const p = await makeProof(f, base);
      await expect(
        f.nft.connect(f.alice).transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, "0x", p.proof),
      ).to.be.revertedWithCustomError(f.nft, "AgentNFTEmptySealedKey");
      const coder = ethers.AbiCoder.defaultAbiCoder();
      const type = ["tuple(bytes32,string,bytes,uint256,uint256,bytes,bytes)"];
      const fields = [...coder.decode(type, p.proof)[0]];
      const noKey = coder.encode(type, [[fields[0], fields[1], "0x", fields[3], fields[4], fields[5], fields[6]]]);
      await expect(
        f.nft.connect(f.alice).transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, p.sealedKey, noKey),
      ).to.be.revertedWithCustomError(f.nft, "AgentNFTEmptyReceiverKey");
      const zeroHash = coder.encode(type, [[ethers.ZeroHash, ...fields.slice(1)]]);
      await expect(
        f.nft.connect(f.alice).transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, p.sealedKey, zeroHash),
      ).to.be.revertedWithCustomError(f.nft, "AgentNFTZeroDataHash");
    });

    describe("binding: the oracles' signature covers every field", function () {
      const changes: Record<string, (c: TransferClaim) => TransferClaim> = {
        action: (c) => ({ ...c, action: INFT_ACTIONS.Clone }),
        tokenId: (c) => ({ ...c, tokenId: 2n }),
        from: (c) => ({ ...c, from: f.carol.address as Address }),
        to: (c) => ({ ...c, to: f.carol.address as Address }),
        oldDataHash: (c) => ({ ...c, oldDataHash: keccak256(toBytes("stale")) }),
        newDataHash: (c) => ({ ...c, newDataHash: keccak256(toBytes("other")) }),
        newURI: (c) => ({ ...c, newURI: "0g://elsewhere" }),
        sealedKeyHash: (c) => ({ ...c, sealedKeyHash: keccak256("0x00") }),
        receiverPubKey: (c) => ({ ...c, receiverPubKey: privateKeyToAccount(generatePrivateKey()).publicKey }),
        nonce: (c) => ({ ...c, nonce: c.nonce + 1n }),
        deadline: (c) => ({ ...c, deadline: c.deadline - 1n }),
      };
      for (const [field, change] of Object.entries(changes)) {
        it(`rejects oracle signatures over a different ${field}`, async function () {
          const { proof, sealedKey } = await makeProof(f, {
            from: a(f.alice),
            to: a(f.bob),
            receiverIndex: BOB,
            oracleClaim: change,
          });
          await expect(
            f.nft.connect(f.alice).transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, sealedKey, proof),
          )
            .to.be.revertedWithCustomError(f.verifier, "TEEVerifierSignerNotOracle")
            .withArgs(0n, anyValue);
        });
      }

      it("rejects oracle signatures made for another chain or another contract", async function () {
        for (const oracleDomain of [
          getAgentNFTDomain({ chainId: 16602, verifyingContract: f.domain.verifyingContract as Address }),
          getAgentNFTDomain({ chainId: 31337, verifyingContract: f.mallory.address as Address }),
        ]) {
          const { proof, sealedKey } = await makeProof(f, {
            from: a(f.alice),
            to: a(f.bob),
            receiverIndex: BOB,
            oracleDomain,
          });
          await expect(
            f.nft.connect(f.alice).transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, sealedKey, proof),
          ).to.be.revertedWithCustomError(f.verifier, "TEEVerifierSignerNotOracle");
        }
      });

      it("rejects a clone proof submitted as a transfer", async function () {
        const { proof, sealedKey } = await makeProof(f, {
          action: INFT_ACTIONS.Clone,
          from: a(f.alice),
          to: a(f.bob),
          receiverIndex: BOB,
        });
        await expect(
          f.nft.connect(f.alice).transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, sealedKey, proof),
        ).to.be.revertedWithCustomError(f.nft, "AgentNFTInvalidReceiverAcknowledgment");
      });
    });

    describe("receiver acknowledgment", function () {
      it("reverts when the receiver did not sign (someone else did)", async function () {
        const { proof, sealedKey } = await makeProof(f, { from: a(f.alice), to: a(f.bob), receiverIndex: MALLORY });
        await expect(f.nft.connect(f.alice).transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, sealedKey, proof))
          .to.be.revertedWithCustomError(f.nft, "AgentNFTInvalidReceiverAcknowledgment")
          .withArgs(f.bob.address);
      });

      it("reverts when the receiver signed different content", async function () {
        const { proof, sealedKey } = await makeProof(f, {
          from: a(f.alice),
          to: a(f.bob),
          receiverIndex: BOB,
          receiverClaim: (c) => ({ ...c, newURI: "0g://other" }),
        });
        await expect(f.nft.connect(f.alice).transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, sealedKey, proof))
          .to.be.revertedWithCustomError(f.nft, "AgentNFTInvalidReceiverAcknowledgment")
          .withArgs(f.bob.address);
      });

      it("accepts the receiver's delegate, and stops after the delegation is cleared", async function () {
        await expect(f.nft.connect(f.bob).delegateAccess(f.carol.address))
          .to.emit(f.nft, "DelegateAccess")
          .withArgs(f.bob.address, f.carol.address);
        expect(await f.nft.getDelegateAccess(f.bob.address)).to.equal(f.carol.address);
        const p = await makeProof(f, { from: a(f.alice), to: a(f.bob), receiverIndex: CAROL });
        await f.nft.connect(f.bob).delegateAccess(ethers.ZeroAddress);
        await expect(
          f.nft.connect(f.alice).transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, p.sealedKey, p.proof),
        ).to.be.revertedWithCustomError(f.nft, "AgentNFTInvalidReceiverAcknowledgment");
        await f.nft.connect(f.bob).delegateAccess(f.carol.address);
        await f.nft.connect(f.alice).transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, p.sealedKey, p.proof);
        expect(await f.nft.ownerOf(FIRST_TOKEN_ID)).to.equal(f.bob.address);
      });

      it("accepts a smart-contract receiver's ERC-1271 acknowledgment", async function () {
        const wallet = await new ERC1271WalletMock__factory(f.admin).deploy(f.bob.address);
        const walletAddress = (await wallet.getAddress()) as Address;
        // Bob's key signs for the wallet; the sealed key goes to Bob's public key.
        const p = await makeProof(f, { from: a(f.alice), to: walletAddress, receiverIndex: BOB });
        await expect(
          f.nft.connect(f.alice).transfer(f.alice.address, walletAddress, FIRST_TOKEN_ID, p.sealedKey, p.proof),
        )
          .to.emit(f.nft, "PublishedSealedKey")
          .withArgs(walletAddress, FIRST_TOKEN_ID, [p.sealedKey]);
        expect(await f.nft.ownerOf(FIRST_TOKEN_ID)).to.equal(walletAddress);
      });

      it("rejects an ERC-1271 receiver whose wallet does not accept the signer", async function () {
        const wallet = await new ERC1271WalletMock__factory(f.admin).deploy(f.carol.address);
        const walletAddress = (await wallet.getAddress()) as Address;
        const p = await makeProof(f, { from: a(f.alice), to: walletAddress, receiverIndex: BOB });
        await expect(
          f.nft.connect(f.alice).transfer(f.alice.address, walletAddress, FIRST_TOKEN_ID, p.sealedKey, p.proof),
        )
          .to.be.revertedWithCustomError(f.nft, "AgentNFTInvalidReceiverAcknowledgment")
          .withArgs(walletAddress);
      });

      it("delegateAccess refuses the caller itself and is silent when nothing changes", async function () {
        await expect(f.nft.connect(f.bob).delegateAccess(f.bob.address))
          .to.be.revertedWithCustomError(f.nft, "ERC7857InvalidAssistant")
          .withArgs(f.bob.address);
        await expect(f.nft.connect(f.bob).delegateAccess(ethers.ZeroAddress)).to.not.emit(f.nft, "DelegateAccess");
      });
    });

    describe("oracle threshold (minConfirmations = 2 of 3)", function () {
      it("accepts all three oracles", async function () {
        const p = await makeProof(f, { from: a(f.alice), to: a(f.bob), receiverIndex: BOB, signers: f.oracles });
        await f.nft.connect(f.alice).transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, p.sealedKey, p.proof);
        expect(await f.nft.ownerOf(FIRST_TOKEN_ID)).to.equal(f.bob.address);
      });

      it("reverts with a single oracle signature", async function () {
        const p = await makeProof(f, { from: a(f.alice), to: a(f.bob), receiverIndex: BOB, signers: [f.oracles[0]] });
        await expect(
          f.nft.connect(f.alice).transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, p.sealedKey, p.proof),
        )
          .to.be.revertedWithCustomError(f.verifier, "TEEVerifierInsufficientConfirmations")
          .withArgs(1n, 2n);
      });

      /** Submits a fresh proof whose oracle part is replaced by `build(claim)` (for malformed signature sets). */
      async function submitWithOracleProof(build: (claim: TransferClaim) => Promise<Hex>) {
        const p = await makeProof(f, { from: a(f.alice), to: a(f.bob), receiverIndex: BOB });
        const coder = ethers.AbiCoder.defaultAbiCoder();
        const type = ["tuple(bytes32,string,bytes,uint256,uint256,bytes,bytes)"];
        const fields = [...coder.decode(type, p.proof)[0]];
        fields[5] = await build(p.claim);
        const tx = f.nft
          .connect(f.alice)
          .transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, p.sealedKey, coder.encode(type, [fields]));
        return { tx };
      }

      it("does not count one oracle twice", async function () {
        const { tx } = await submitWithOracleProof((claim) => rawOracleProof(f, claim, [f.oracles[0], f.oracles[0]]));
        await expect(tx)
          .to.be.revertedWithCustomError(f.verifier, "TEEVerifierSignersNotAscending")
          .withArgs(1n, f.oracles[0].address, f.oracles[0].address);
      });

      it("requires signers in ascending order", async function () {
        const [low, high] = ascending(f.oracles.slice(0, 2));
        const { tx } = await submitWithOracleProof((claim) => rawOracleProof(f, claim, [high, low]));
        await expect(tx)
          .to.be.revertedWithCustomError(f.verifier, "TEEVerifierSignersNotAscending")
          .withArgs(1n, high.address, low.address);
      });

      it("rejects a signer outside the oracle set", async function () {
        const outsider = privateKeyToAccount(generatePrivateKey());
        const p = await makeProof(f, {
          from: a(f.alice),
          to: a(f.bob),
          receiverIndex: BOB,
          signers: [f.oracles[0], outsider],
        });
        await expect(
          f.nft.connect(f.alice).transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, p.sealedKey, p.proof),
        ).to.be.revertedWithCustomError(f.verifier, "TEEVerifierSignerNotOracle");
      });

      it("rejects a malformed signature", async function () {
        const bad = ethers.AbiCoder.defaultAbiCoder().encode(["bytes[]"], [["0x1234", "0x5678"]]) as Hex;
        const { tx } = await submitWithOracleProof(async () => bad);
        await expect(tx).to.be.revertedWithCustomError(f.verifier, "TEEVerifierInvalidSignature").withArgs(0n);
      });

      it("follows threshold and set changes made by the oracle manager", async function () {
        await f.verifier.setMinConfirmations(3);
        const p = await makeProof(f, { from: a(f.alice), to: a(f.bob), receiverIndex: BOB });
        await expect(
          f.nft.connect(f.alice).transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, p.sealedKey, p.proof),
        )
          .to.be.revertedWithCustomError(f.verifier, "TEEVerifierInsufficientConfirmations")
          .withArgs(2n, 3n);
        await f.verifier.setMinConfirmations(1);
        await f.verifier.removeOracle(f.oracles[0].address);
        await expect(
          f.nft.connect(f.alice).transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, p.sealedKey, p.proof),
        ).to.be.revertedWithCustomError(f.verifier, "TEEVerifierSignerNotOracle");
      });
    });

    it("reverts with AgentNFTInvalidProof when the verifier returns false", async function () {
      const rejecting = await new RejectingVerifierMock__factory(f.admin).deploy();
      await f.nft.setVerifier(await rejecting.getAddress());
      const p = await makeProof(f, { from: a(f.alice), to: a(f.bob), receiverIndex: BOB });
      await expect(
        f.nft.connect(f.alice).transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, p.sealedKey, p.proof),
      ).to.be.revertedWithCustomError(f.nft, "AgentNFTInvalidProof");
    });

    it("reverts when paused", async function () {
      const p = await makeProof(f, { from: a(f.alice), to: a(f.bob), receiverIndex: BOB });
      await f.nft.pause();
      await expect(
        f.nft.connect(f.alice).transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, p.sealedKey, p.proof),
      ).to.be.revertedWithCustomError(f.nft, "EnforcedPause");
    });
  });

  describe("clone", function () {
    it("mints a re-encrypted copy to the receiver and leaves the source unchanged", async function () {
      const p = await makeProof(f, { action: INFT_ACTIONS.Clone, from: a(f.alice), to: a(f.bob), receiverIndex: BOB });
      expect(await f.nft.canClone(FIRST_TOKEN_ID, f.alice.address)).to.equal(true);
      expect(
        await f.nft.connect(f.alice).clone.staticCall(f.bob.address, FIRST_TOKEN_ID, p.sealedKey, p.proof),
      ).to.equal(2n);
      await expect(f.nft.connect(f.alice).clone(f.bob.address, FIRST_TOKEN_ID, p.sealedKey, p.proof))
        .to.emit(f.nft, "Cloned")
        .withArgs(FIRST_TOKEN_ID, 2n, f.alice.address, f.bob.address)
        .and.to.emit(f.nft, "MetadataUpdated")
        .withArgs(2n, p.claim.newDataHash)
        .and.to.emit(f.nft, "PublishedSealedKey")
        .withArgs(f.bob.address, 2n, [p.sealedKey]);
      expect(await f.nft.ownerOf(2n)).to.equal(f.bob.address);
      expect(await f.nft.getMetadataHash(2n)).to.equal(p.claim.newDataHash);
      expect(await f.nft.getEncryptedURI(2n)).to.equal(p.claim.newURI);
      expect(await f.nft.ownerOf(FIRST_TOKEN_ID)).to.equal(f.alice.address);
      expect(await f.nft.getMetadataHash(FIRST_TOKEN_ID)).to.equal(INITIAL_HASH);
      await expect(f.nft.connect(f.alice).clone(f.bob.address, FIRST_TOKEN_ID, p.sealedKey, p.proof))
        .to.be.revertedWithCustomError(f.nft, "AgentNFTNonceUsed")
        .withArgs(p.claim.nonce);
    });

    it("lets an approved account clone", async function () {
      await f.nft.connect(f.alice).approve(f.carol.address, FIRST_TOKEN_ID);
      expect(await f.nft.canClone(FIRST_TOKEN_ID, f.carol.address)).to.equal(true);
      const p = await makeProof(f, { action: INFT_ACTIONS.Clone, from: a(f.alice), to: a(f.bob), receiverIndex: BOB });
      await f.nft.connect(f.carol).clone(f.bob.address, FIRST_TOKEN_ID, p.sealedKey, p.proof);
      expect(await f.nft.ownerOf(2n)).to.equal(f.bob.address);
    });

    it("reverts for a caller that is neither owner nor approved", async function () {
      expect(await f.nft.canClone(FIRST_TOKEN_ID, f.mallory.address)).to.equal(false);
      expect(await f.nft.canClone(NONEXISTENT_TOKEN_ID, f.alice.address)).to.equal(false);
      const p = await makeProof(f, {
        action: INFT_ACTIONS.Clone,
        from: a(f.alice),
        to: a(f.mallory),
        receiverIndex: MALLORY,
      });
      await expect(f.nft.connect(f.mallory).clone(f.mallory.address, FIRST_TOKEN_ID, p.sealedKey, p.proof))
        .to.be.revertedWithCustomError(f.nft, "ERC721InsufficientApproval")
        .withArgs(f.mallory.address, FIRST_TOKEN_ID);
    });

    it("reverts for the zero receiver and for a missing token", async function () {
      const p = await makeProof(f, { action: INFT_ACTIONS.Clone, from: a(f.alice), to: a(f.bob), receiverIndex: BOB });
      await expect(f.nft.connect(f.alice).clone(ethers.ZeroAddress, FIRST_TOKEN_ID, p.sealedKey, p.proof))
        .to.be.revertedWithCustomError(f.nft, "ERC721InvalidReceiver")
        .withArgs(ethers.ZeroAddress);
      await expect(f.nft.connect(f.alice).clone(f.bob.address, NONEXISTENT_TOKEN_ID, p.sealedKey, p.proof))
        .to.be.revertedWithCustomError(f.nft, "ERC721NonexistentToken")
        .withArgs(NONEXISTENT_TOKEN_ID);
    });

    it("rejects a transfer proof submitted as a clone", async function () {
      const p = await makeProof(f, { from: a(f.alice), to: a(f.bob), receiverIndex: BOB });
      await expect(f.nft.connect(f.alice).clone(f.bob.address, FIRST_TOKEN_ID, p.sealedKey, p.proof))
        .to.be.revertedWithCustomError(f.nft, "AgentNFTInvalidReceiverAcknowledgment")
        .withArgs(f.bob.address);
    });
  });

  describe("rotateKey", function () {
    it("re-encrypts in place with a proof from the owner's own key", async function () {
      const p = await makeProof(f, {
        action: INFT_ACTIONS.Rotate,
        from: a(f.alice),
        to: a(f.alice),
        receiverIndex: ALICE,
      });
      await expect(f.nft.connect(f.alice).rotateKey(FIRST_TOKEN_ID, p.sealedKey, p.proof))
        .to.emit(f.nft, "MetadataUpdated")
        .withArgs(FIRST_TOKEN_ID, p.claim.newDataHash)
        .and.to.emit(f.nft, "PublishedSealedKey")
        .withArgs(f.alice.address, FIRST_TOKEN_ID, [p.sealedKey]);
      expect(await f.nft.getMetadataHash(FIRST_TOKEN_ID)).to.equal(p.claim.newDataHash);
      expect(await f.nft.ownerOf(FIRST_TOKEN_ID)).to.equal(f.alice.address);
    });

    it("reverts for a stranger and when paused", async function () {
      const p = await makeProof(f, {
        action: INFT_ACTIONS.Rotate,
        from: a(f.alice),
        to: a(f.alice),
        receiverIndex: ALICE,
      });
      await expect(f.nft.connect(f.mallory).rotateKey(FIRST_TOKEN_ID, p.sealedKey, p.proof))
        .to.be.revertedWithCustomError(f.nft, "ERC721InsufficientApproval")
        .withArgs(f.mallory.address, FIRST_TOKEN_ID);
      await f.nft.pause();
      await expect(
        f.nft.connect(f.alice).rotateKey(FIRST_TOKEN_ID, p.sealedKey, p.proof),
      ).to.be.revertedWithCustomError(f.nft, "EnforcedPause");
    });
  });

  describe("usage authorization", function () {
    const PERMS = ethers.toUtf8Bytes('{"operations":["infer"]}');
    const AUTH3 = "authorizeUsage(uint256,address,bytes)" as const;
    const AUTH5 = "authorizeUsage(uint256,address,bytes,uint64,uint64)" as const;

    it("the docs' three-argument form stores default terms and emits UsageAuthorized", async function () {
      const tx = f.nft.connect(f.alice)[AUTH3](FIRST_TOKEN_ID, f.executor.address, PERMS);
      await expect(tx).to.emit(f.nft, "UsageAuthorized").withArgs(FIRST_TOKEN_ID, f.executor.address);
      const now = BigInt(await time.latest());
      const terms = await f.nft.getAuthorization(FIRST_TOKEN_ID, f.executor.address);
      expect(terms.expiresAt).to.equal(now + 30n * 24n * HOUR);
      expect(terms.maxRequests).to.equal(2n ** 64n - 1n);
      expect(terms.permissions).to.equal(ethers.hexlify(PERMS));
      expect(await f.nft.authorizedUsersOf(FIRST_TOKEN_ID)).to.deep.equal([f.executor.address]);
      expect(await f.nft.isAuthorizedExecutor(FIRST_TOKEN_ID, f.executor.address)).to.equal(true);
    });

    it("stores expiry and request cap, and enforces both when usage is recorded", async function () {
      const expiresAt = BigInt(await time.latest()) + 1000n;
      await expect(f.nft.connect(f.alice)[AUTH5](FIRST_TOKEN_ID, f.executor.address, PERMS, expiresAt, 5n))
        .to.emit(f.nft, "UsageTermsSet")
        .withArgs(FIRST_TOKEN_ID, f.executor.address, expiresAt, 5n, ethers.hexlify(PERMS));
      await expect(f.nft.connect(f.executor).recordUsage(FIRST_TOKEN_ID, f.executor.address, 3n))
        .to.emit(f.nft, "UsageRecorded")
        .withArgs(FIRST_TOKEN_ID, f.executor.address, 3n, 3n);
      await expect(f.nft.connect(f.executor).recordUsage(FIRST_TOKEN_ID, f.executor.address, 3n))
        .to.be.revertedWithCustomError(f.nft, "AgentNFTUsageCapExceeded")
        .withArgs(FIRST_TOKEN_ID, f.executor.address, 3n, 2n);
      await f.nft.grantRole(await f.nft.USAGE_REPORTER_ROLE(), f.carol.address);
      await f.nft.connect(f.carol).recordUsage(FIRST_TOKEN_ID, f.executor.address, 2n);
      expect(await f.nft.isAuthorizedExecutor(FIRST_TOKEN_ID, f.executor.address)).to.equal(false);
      await expect(f.nft.connect(f.carol).recordUsage(FIRST_TOKEN_ID, f.executor.address, 0n)).to.not.emit(
        f.nft,
        "UsageRecorded",
      );
    });

    it("expires", async function () {
      const expiresAt = BigInt(await time.latest()) + 100n;
      await f.nft.connect(f.alice)[AUTH5](FIRST_TOKEN_ID, f.executor.address, PERMS, expiresAt, 5n);
      await time.increaseTo(expiresAt);
      expect(await f.nft.isAuthorizedExecutor(FIRST_TOKEN_ID, f.executor.address)).to.equal(false);
      await expect(f.nft.connect(f.executor).recordUsage(FIRST_TOKEN_ID, f.executor.address, 1n))
        .to.be.revertedWithCustomError(f.nft, "AgentNFTUsageExpired")
        .withArgs(FIRST_TOKEN_ID, f.executor.address, expiresAt);
    });

    it("reverts for bad terms, non-owners and unknown executors", async function () {
      const auth = f.nft.connect(f.alice)[AUTH5];
      const future = BigInt(await time.latest()) + 1000n;
      await expect(f.nft.connect(f.mallory)[AUTH3](FIRST_TOKEN_ID, f.executor.address, PERMS))
        .to.be.revertedWithCustomError(f.nft, "AgentNFTNotTokenOwner")
        .withArgs(FIRST_TOKEN_ID, f.mallory.address);
      await expect(auth(FIRST_TOKEN_ID, ethers.ZeroAddress, PERMS, future, 1n))
        .to.be.revertedWithCustomError(f.nft, "AgentNFTInvalidExecutor")
        .withArgs(ethers.ZeroAddress);
      await expect(auth(FIRST_TOKEN_ID, f.alice.address, PERMS, future, 1n))
        .to.be.revertedWithCustomError(f.nft, "AgentNFTInvalidExecutor")
        .withArgs(f.alice.address);
      const now = BigInt(await time.latest());
      await time.setNextBlockTimestamp(now + 1n);
      await expect(auth(FIRST_TOKEN_ID, f.executor.address, PERMS, now + 1n, 1n))
        .to.be.revertedWithCustomError(f.nft, "AgentNFTInvalidExpiry")
        .withArgs(now + 1n, now + 1n);
      await expect(auth(FIRST_TOKEN_ID, f.executor.address, PERMS, future, 0n)).to.be.revertedWithCustomError(
        f.nft,
        "AgentNFTZeroRequestCap",
      );
      await expect(auth(NONEXISTENT_TOKEN_ID, f.executor.address, PERMS, future, 1n))
        .to.be.revertedWithCustomError(f.nft, "ERC721NonexistentToken")
        .withArgs(NONEXISTENT_TOKEN_ID);
      await expect(f.nft.connect(f.executor).recordUsage(FIRST_TOKEN_ID, f.executor.address, 1n))
        .to.be.revertedWithCustomError(f.nft, "AgentNFTUsageNotAuthorized")
        .withArgs(FIRST_TOKEN_ID, f.executor.address);
      await expect(f.nft.connect(f.mallory).recordUsage(FIRST_TOKEN_ID, f.executor.address, 1n))
        .to.be.revertedWithCustomError(f.nft, "AgentNFTNotUsageReporter")
        .withArgs(f.mallory.address);
      await f.nft.pause();
      await expect(auth(FIRST_TOKEN_ID, f.executor.address, PERMS, future, 1n)).to.be.revertedWithCustomError(
        f.nft,
        "EnforcedPause",
      );
    });

    it("caps a token at MAX_AUTHORIZED_USERS executors", async function () {
      const future = BigInt(await time.latest()) + 100_000n;
      const auth = f.nft.connect(f.alice)[AUTH5];
      for (let i = 1; i <= 100; i++) {
        await auth(FIRST_TOKEN_ID, ethers.toBeHex(i, 20), "0x", future, 1n);
      }
      await expect(auth(FIRST_TOKEN_ID, ethers.toBeHex(101, 20), "0x", future, 1n)).to.be.revertedWithCustomError(
        f.nft,
        "ERC7857TooManyAuthorizedUsers",
      );
      // Updating an existing executor is still possible at the cap.
      await auth(FIRST_TOKEN_ID, ethers.toBeHex(1, 20), "0x", future, 2n);
    });

    it("revokes (also while paused); revoking twice or by a non-owner reverts", async function () {
      await f.nft.connect(f.alice)[AUTH3](FIRST_TOKEN_ID, f.executor.address, PERMS);
      await expect(f.nft.connect(f.mallory).revokeAuthorization(FIRST_TOKEN_ID, f.executor.address))
        .to.be.revertedWithCustomError(f.nft, "AgentNFTNotTokenOwner")
        .withArgs(FIRST_TOKEN_ID, f.mallory.address);
      await f.nft.pause();
      await expect(f.nft.connect(f.alice).revokeAuthorization(FIRST_TOKEN_ID, f.executor.address))
        .to.emit(f.nft, "UsageRevoked")
        .withArgs(FIRST_TOKEN_ID, f.executor.address);
      expect(await f.nft.isAuthorizedExecutor(FIRST_TOKEN_ID, f.executor.address)).to.equal(false);
      expect(await f.nft.authorizedUsersOf(FIRST_TOKEN_ID)).to.deep.equal([]);
      await expect(f.nft.connect(f.alice).revokeAuthorization(FIRST_TOKEN_ID, f.executor.address))
        .to.be.revertedWithCustomError(f.nft, "AgentNFTUsageNotAuthorized")
        .withArgs(FIRST_TOKEN_ID, f.executor.address);
    });

    it("is cleared on transfer, and the old owner's grants do not come back", async function () {
      await f.nft.connect(f.alice)[AUTH3](FIRST_TOKEN_ID, f.executor.address, PERMS);
      await f.nft.connect(f.alice)[AUTH3](FIRST_TOKEN_ID, f.carol.address, PERMS);
      const p = await makeProof(f, { from: a(f.alice), to: a(f.bob), receiverIndex: BOB });
      await expect(
        f.nft.connect(f.alice).transfer(f.alice.address, f.bob.address, FIRST_TOKEN_ID, p.sealedKey, p.proof),
      )
        .to.emit(f.nft, "AuthorizationsCleared")
        .withArgs(FIRST_TOKEN_ID, 2n);
      expect(await f.nft.authorizedUsersOf(FIRST_TOKEN_ID)).to.deep.equal([]);
      expect(await f.nft.isAuthorizedExecutor(FIRST_TOKEN_ID, f.executor.address)).to.equal(false);
      expect((await f.nft.getAuthorization(FIRST_TOKEN_ID, f.executor.address)).expiresAt).to.equal(0n);
      await expect(f.nft.connect(f.executor).recordUsage(FIRST_TOKEN_ID, f.executor.address, 1n))
        .to.be.revertedWithCustomError(f.nft, "AgentNFTUsageNotAuthorized")
        .withArgs(FIRST_TOKEN_ID, f.executor.address);
      // A transfer with nothing to clear emits no AuthorizationsCleared.
      const q = await makeProof(f, { from: a(f.bob), to: a(f.alice), receiverIndex: ALICE });
      await expect(
        f.nft.connect(f.bob).transfer(f.bob.address, f.alice.address, FIRST_TOKEN_ID, q.sealedKey, q.proof),
      ).to.not.emit(f.nft, "AuthorizationsCleared");
      expect(await f.nft.authorizedUsersOf(FIRST_TOKEN_ID)).to.deep.equal([]);
    });
  });

  describe("0G compatibility surface", function () {
    it("iTransferFrom runs the same checks and intelligentDatasOf reports the new data", async function () {
      const p = await makeProof(f, { from: a(f.alice), to: a(f.bob), receiverIndex: BOB });
      const compat = toTransferValidityProof({ ...p, claim: p.claim, wantedKey: p.claim.receiverPubKey });
      await expect(f.nft.connect(f.alice).iTransferFrom(f.alice.address, f.bob.address, FIRST_TOKEN_ID, [compat]))
        .to.emit(f.nft, "PublishedSealedKey")
        .withArgs(f.bob.address, FIRST_TOKEN_ID, [p.sealedKey]);
      const datas = await f.nft.intelligentDatasOf(FIRST_TOKEN_ID);
      expect(datas.length).to.equal(1);
      expect(datas[0].dataHash).to.equal(p.claim.newDataHash);
      expect(datas[0].dataDescription).to.equal(p.claim.newURI);
      await expect(f.nft.connect(f.bob).iTransferFrom(f.bob.address, f.alice.address, FIRST_TOKEN_ID, [compat]))
        .to.be.revertedWithCustomError(f.nft, "AgentNFTNonceUsed")
        .withArgs(p.claim.nonce);
    });

    it("iCloneFrom clones and checks `from`", async function () {
      const p = await makeProof(f, { action: INFT_ACTIONS.Clone, from: a(f.alice), to: a(f.bob), receiverIndex: BOB });
      const compat = toTransferValidityProof({ ...p, claim: p.claim });
      await expect(f.nft.connect(f.alice).iCloneFrom(f.carol.address, f.bob.address, FIRST_TOKEN_ID, [compat]))
        .to.be.revertedWithCustomError(f.nft, "ERC721IncorrectOwner")
        .withArgs(f.carol.address, FIRST_TOKEN_ID, f.alice.address);
      await expect(f.nft.connect(f.alice).iCloneFrom(f.alice.address, f.bob.address, FIRST_TOKEN_ID, [compat]))
        .to.emit(f.nft, "Cloned")
        .withArgs(FIRST_TOKEN_ID, 2n, f.alice.address, f.bob.address);
    });

    it("reverts with 0G's errors for malformed containers", async function () {
      const p = await makeProof(f, { from: a(f.alice), to: a(f.bob), receiverIndex: BOB });
      const good = toTransferValidityProof({ ...p, claim: p.claim });
      const send = (proofs: (typeof good)[]) =>
        f.nft.connect(f.alice).iTransferFrom(f.alice.address, f.bob.address, FIRST_TOKEN_ID, proofs);
      await expect(send([])).to.be.revertedWithCustomError(f.nft, "ERC7857EmptyProof");
      await expect(send([good, good])).to.be.revertedWithCustomError(f.nft, "ERC7857ProofCountMismatch");
      await expect(
        send([{ ...good, accessProof: { ...good.accessProof, dataHash: ethers.ZeroHash as Hex } }]),
      ).to.be.revertedWithCustomError(f.nft, "ERC7857DataHashMismatch");
      await expect(
        send([{ ...good, accessProof: { ...good.accessProof, targetPubkey: "0x1234" } }]),
      ).to.be.revertedWithCustomError(f.nft, "ERC7857TargetPubkeyMismatch");
      await expect(send([{ ...good, ownershipProof: { ...good.ownershipProof, oracleType: 1 } }]))
        .to.be.revertedWithCustomError(f.nft, "AgentNFTUnsupportedOracleType")
        .withArgs(1n);
    });
  });

  describe("administration", function () {
    it("setVerifier emits OracleUpdated and is role-gated and checked", async function () {
      const rejecting = await new RejectingVerifierMock__factory(f.admin).deploy();
      const old = await f.verifier.getAddress();
      await expect(f.nft.setVerifier(await rejecting.getAddress()))
        .to.emit(f.nft, "OracleUpdated")
        .withArgs(old, await rejecting.getAddress());
      await expect(f.nft.setVerifier(await rejecting.getAddress())).to.not.emit(f.nft, "OracleUpdated");
      await expect(f.nft.connect(f.mallory).setVerifier(old))
        .to.be.revertedWithCustomError(f.nft, "AccessControlUnauthorizedAccount")
        .withArgs(f.mallory.address, await f.nft.VERIFIER_ADMIN_ROLE());
      await expect(f.nft.setVerifier(f.mallory.address))
        .to.be.revertedWithCustomError(f.nft, "AgentNFTInvalidVerifier")
        .withArgs(f.mallory.address);
    });

    it("every proof, usage and compatibility entry point reverts while paused", async function () {
      const future = BigInt(await time.latest()) + 1000n;
      const auth5 = f.nft.connect(f.alice)["authorizeUsage(uint256,address,bytes,uint64,uint64)"];
      await auth5(FIRST_TOKEN_ID, f.executor.address, "0x", future, 5n);
      const c = await makeProof(f, { action: INFT_ACTIONS.Clone, from: a(f.alice), to: a(f.bob), receiverIndex: BOB });
      const t = await makeProof(f, { from: a(f.alice), to: a(f.bob), receiverIndex: BOB });
      await f.nft.pause();
      const calls = [
        f.nft.connect(f.alice).clone(f.bob.address, FIRST_TOKEN_ID, c.sealedKey, c.proof),
        f.nft.connect(f.alice)["authorizeUsage(uint256,address,bytes)"](FIRST_TOKEN_ID, f.carol.address, "0x"),
        f.nft.connect(f.executor).recordUsage(FIRST_TOKEN_ID, f.executor.address, 1n),
        f.nft
          .connect(f.alice)
          .iTransferFrom(f.alice.address, f.bob.address, FIRST_TOKEN_ID, [
            toTransferValidityProof({ ...t, claim: t.claim }),
          ]),
        f.nft
          .connect(f.alice)
          .iCloneFrom(f.alice.address, f.bob.address, FIRST_TOKEN_ID, [
            toTransferValidityProof({ ...c, claim: c.claim }),
          ]),
      ];
      for (const call of calls) await expect(call).to.be.revertedWithCustomError(f.nft, "EnforcedPause");
    });

    it("pause and unpause need PAUSER_ROLE", async function () {
      await expect(f.nft.connect(f.mallory).pause())
        .to.be.revertedWithCustomError(f.nft, "AccessControlUnauthorizedAccount")
        .withArgs(f.mallory.address, await f.nft.PAUSER_ROLE());
      await f.nft.pause();
      await expect(f.nft.connect(f.mallory).unpause())
        .to.be.revertedWithCustomError(f.nft, "AccessControlUnauthorizedAccount")
        .withArgs(f.mallory.address, await f.nft.PAUSER_ROLE());
      await f.nft.unpause();
      expect(await f.nft.paused()).to.equal(false);
    });

    it("upgrades only through UPGRADER_ROLE and keeps state", async function () {
      const next = await new AgentNFT__factory(f.admin).deploy();
      await expect(f.nft.connect(f.mallory).upgradeToAndCall(await next.getAddress(), "0x"))
        .to.be.revertedWithCustomError(f.nft, "AccessControlUnauthorizedAccount")
        .withArgs(f.mallory.address, await f.nft.UPGRADER_ROLE());
      await f.nft.upgradeToAndCall(await next.getAddress(), "0x");
      expect(await f.nft.getMetadataHash(FIRST_TOKEN_ID)).to.equal(INITIAL_HASH);
      expect(await f.nft.ownerOf(FIRST_TOKEN_ID)).to.equal(f.alice.address);
    });

    it("views revert for a token that does not exist", async function () {
      for (const fn of ["getMetadataHash", "getEncryptedURI", "intelligentDatasOf", "authorizedUsersOf"] as const) {
        await expect(f.nft[fn](NONEXISTENT_TOKEN_ID))
          .to.be.revertedWithCustomError(f.nft, "ERC721NonexistentToken")
          .withArgs(NONEXISTENT_TOKEN_ID);
      }
      expect(await f.nft.isAuthorizedExecutor(NONEXISTENT_TOKEN_ID, f.executor.address)).to.equal(false);
    });
  });
});
