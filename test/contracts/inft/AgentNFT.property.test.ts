import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import type { Address, Hex } from "viem";
import { INFT_ACTIONS } from "../../../agents/protocol/inft";
import { deployINFT, FIRST_TOKEN_ID, indexOf, makeProof } from "./helpers";

/** Hardhat indexes of the accounts that own and receive tokens in the property. */
const HOLDERS = [1, 2, 3];

type Op = { kind: "transfer" | "clone"; token: number; to: number };
type UsedProof = {
  kind: Op["kind"];
  tokenId: bigint;
  from: Address;
  to: Address;
  sealedKey: Hex;
  proof: Hex;
  nonce: bigint;
};

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom<Op["kind"]>("transfer", "clone"),
  token: fc.nat({ max: 20 }),
  to: fc.constantFrom(...HOLDERS),
});

describe("AgentNFT properties", function () {
  it("after any sequence of transfers and clones, every used proof is rejected on reuse and each data hash matches its latest proof", async function () {
    const signers = await ethers.getSigners();
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 6 }), async (ops) => {
        const f = await loadFixture(deployINFT);
        const tokens: bigint[] = [FIRST_TOKEN_ID];
        const latestHash = new Map<bigint, string>([[FIRST_TOKEN_ID, await f.nft.getMetadataHash(FIRST_TOKEN_ID)]]);
        const used: UsedProof[] = [];

        for (const op of ops) {
          const tokenId = tokens[op.token % tokens.length];
          const from = (await f.nft.ownerOf(tokenId)) as Address;
          const to = signers[op.to].address as Address;
          const owner = signers[indexOf(from)];
          const action = op.kind === "transfer" ? INFT_ACTIONS.Transfer : INFT_ACTIONS.Clone;
          const p = await makeProof(f, { action, tokenId, from, to, receiverIndex: op.to });
          if (op.kind === "transfer") {
            await f.nft.connect(owner).transfer(from, to, tokenId, p.sealedKey, p.proof);
            latestHash.set(tokenId, p.claim.newDataHash);
          } else {
            const newId = await f.nft.nextTokenId();
            await f.nft.connect(owner).clone(to, tokenId, p.sealedKey, p.proof);
            tokens.push(newId);
            latestHash.set(newId, p.claim.newDataHash);
            expect(await f.nft.ownerOf(newId)).to.equal(to);
          }
          used.push({ kind: op.kind, tokenId, from, to, sealedKey: p.sealedKey, proof: p.proof, nonce: p.claim.nonce });
          for (const [id, hash] of latestHash) expect(await f.nft.getMetadataHash(id)).to.equal(hash);
        }

        for (const u of used) {
          expect(await f.nft.nonceUsed(u.nonce)).to.equal(true);
          // Replay from the account best placed to succeed: the token's current owner.
          const owner = signers[indexOf(await f.nft.ownerOf(u.tokenId))];
          const replay =
            u.kind === "transfer"
              ? f.nft.connect(owner).transfer(u.from, u.to, u.tokenId, u.sealedKey, u.proof)
              : f.nft.connect(owner).clone(u.to, u.tokenId, u.sealedKey, u.proof);
          if (u.kind === "clone" || owner.address === u.from) {
            await expect(replay).to.be.revertedWithCustomError(f.nft, "AgentNFTNonceUsed").withArgs(u.nonce);
          } else {
            await expect(replay).to.be.revertedWithCustomError(f.nft, "ERC721IncorrectOwner");
          }
        }
        for (const [id, hash] of latestHash) expect(await f.nft.getMetadataHash(id)).to.equal(hash);
      }),
      { numRuns: 50 },
    );
  });
});
