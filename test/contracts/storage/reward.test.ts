import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, keccak256, toUtf8Bytes, ZeroAddress } from "ethers";
import fc from "fast-check";
import { deployProxy } from "./helpers/deploy";
import type { Reward } from "../../../typechain";

const CHUNK = 100n;
const RELEASE = 1000n;
const MINER = keccak256(toUtf8Bytes("miner"));
const coder = AbiCoder.defaultAbiCoder();

async function fixture() {
  const [admin, marketSigner, mineSigner, treasury, miner, other] = await ethers.getSigners();
  const reward = await deployProxy<Reward>("Reward", [admin.address, CHUNK, RELEASE, treasury.address, 0n, 0n]);
  await reward.grantRole(await reward.MARKET_ROLE(), marketSigner.address);
  await reward.grantRole(await reward.MINE_ROLE(), mineSigner.address);
  return { admin, marketSigner, mineSigner, treasury, miner, other, reward };
}

describe("Reward", function () {
  describe("initialize", function () {
    it("sets parameters, roles and market/mine views", async function () {
      const { reward, admin, treasury, marketSigner, mineSigner } = await loadFixture(fixture);
      expect(await reward.sectorsPerChunk()).to.equal(CHUNK);
      expect(await reward.releaseSeconds()).to.equal(RELEASE);
      expect(await reward.treasury()).to.equal(treasury.address);
      expect(await reward.market()).to.equal(marketSigner.address);
      expect(await reward.mine()).to.equal(mineSigner.address);
      expect(await reward.hasRole(await reward.PARAMS_ADMIN_ROLE(), admin.address)).to.equal(true);
    });

    it("rejects invalid parameters", async function () {
      const [admin] = await ethers.getSigners();
      const factory = await ethers.getContractFactory("Reward");
      const impl = await factory.deploy();
      const proxy = await ethers.getContractFactory("ERC1967Proxy");
      const bad: [unknown[], string][] = [
        [[ZeroAddress, 1, 1, admin.address, 0, 0], "RewardInvalidParameter"],
        [[admin.address, 0, 1, admin.address, 0, 0], "RewardInvalidParameter"],
        [[admin.address, 1, 0, admin.address, 0, 0], "RewardInvalidParameter"],
        [[admin.address, 1, 1, ZeroAddress, 0, 0], "RewardInvalidParameter"],
        [[admin.address, 1, 1, admin.address, 10_001, 0], "RewardFeeRateTooHigh"],
        // Too large for the packed fields.
        [[admin.address, 1n << 40n, 1, admin.address, 0, 0], "RewardInvalidParameter"],
        [[admin.address, 1, 1n << 64n, admin.address, 0, 0], "RewardInvalidParameter"],
      ];
      for (const [args, err] of bad) {
        await expect(
          proxy.deploy(await impl.getAddress(), factory.interface.encodeFunctionData("initialize", args)),
        ).to.be.revertedWithCustomError(factory, err);
      }
    });

    it("uses the ERC-7201 slot of zg.storage.Reward", async function () {
      const { reward } = await loadFixture(fixture);
      const slot =
        BigInt(keccak256(coder.encode(["uint256"], [BigInt(keccak256(toUtf8Bytes("zg.storage.Reward"))) - 1n]))) &
        ~0xffn;
      // sectorsPerChunk (40 bits) | chunkCount (40) | serviceFeeRateBps (16) | cached MARKET_ROLE member.
      const word = BigInt(await ethers.provider.getStorage(await reward.getAddress(), slot));
      expect(word & ((1n << 40n) - 1n)).to.equal(CHUNK);
      expect((word >> 40n) & ((1n << 40n) - 1n)).to.equal(0n);
      expect(ethers.getAddress("0x" + (word >> 96n).toString(16).padStart(40, "0"))).to.equal(await reward.market());
    });
  });

  describe("fillRewards", function () {
    it("only MARKET_ROLE may fill", async function () {
      const { reward, other } = await loadFixture(fixture);
      await expect(reward.connect(other).fillRewards([{ beforeLength: 0, chargedSectors: 1, amount: 1 }], { value: 1 }))
        .to.be.revertedWithCustomError(reward, "AccessControlUnauthorizedAccount")
        .withArgs(other.address, await reward.MARKET_ROLE());
    });

    it("reverts RewardFillMismatch unless msg.value is the sum of the amounts", async function () {
      const { reward, marketSigner } = await loadFixture(fixture);
      const fills = [
        { beforeLength: 0, chargedSectors: 10, amount: 5 },
        { beforeLength: 10, chargedSectors: 10, amount: 7 },
      ];
      await expect(reward.connect(marketSigner).fillRewards(fills, { value: 11 }))
        .to.be.revertedWithCustomError(reward, "RewardFillMismatch")
        .withArgs(12n, 11n);
      await expect(reward.connect(marketSigner).fillRewards(fills, { value: 13 }))
        .to.be.revertedWithCustomError(reward, "RewardFillMismatch")
        .withArgs(12n, 13n);
    });

    it("applies the fills in order, as separate fillReward calls would", async function () {
      const { reward, admin, marketSigner, treasury } = await loadFixture(fixture);
      await reward.connect(admin).setServiceFeeRate(1000);
      const fills = [
        { beforeLength: 1, chargedSectors: 60, amount: 600n },
        { beforeLength: 61, chargedSectors: 239, amount: 2390n },
        { beforeLength: 300, chargedSectors: 0, amount: 3n },
      ];
      await expect(reward.connect(marketSigner).fillRewards(fills, { value: 2993n }))
        .to.emit(reward, "RewardFilled")
        .withArgs(0n, 540n, false)
        .and.to.emit(reward, "RewardRangeFilled")
        .and.to.emit(reward, "PaymentCredited")
        .withArgs(treasury.address, 3n);
      // 10 % service fee on each fill; the zero-sector fill's value goes to the treasury.
      expect(await reward.payments(treasury.address)).to.equal(60n + 239n + 3n);
      let pools = 0n;
      for (let i = 0; i < 4; i++) pools += (await reward.rewards(i)).lockedReward;
      expect(pools).to.equal(2993n - 302n);
      // The second fill ends exactly at the end of chunk 2, so chunks 0..2 all started releasing.
      for (let i = 0; i < 3; i++) expect((await reward.rewards(i)).startTime).to.not.equal(0n);
      expect((await reward.rewards(3)).startTime).to.equal(0n);
    });

    it("the cached market loses access with its role; other members still pass the role check", async function () {
      const { reward, admin, marketSigner, other } = await loadFixture(fixture);
      const role = await reward.MARKET_ROLE();
      await reward.connect(admin).grantRole(role, other.address);
      // `other` is now cached; the earlier member is checked through the role mapping.
      await reward.connect(marketSigner).fillReward(0, 1, { value: 1 });
      await reward.connect(other).fillReward(1, 1, { value: 1 });
      await reward.connect(admin).revokeRole(role, other.address);
      await expect(reward.connect(other).fillReward(2, 1, { value: 1 }))
        .to.be.revertedWithCustomError(reward, "AccessControlUnauthorizedAccount")
        .withArgs(other.address, role);
      await reward.connect(marketSigner).fillReward(2, 1, { value: 1 });
      // Renouncing clears the cache too.
      await reward.connect(admin).grantRole(role, other.address);
      await reward.connect(other).renounceRole(role, other.address);
      await expect(reward.connect(other).fillReward(3, 1, { value: 1 }))
        .to.be.revertedWithCustomError(reward, "AccessControlUnauthorizedAccount")
        .withArgs(other.address, role);
      // Revoking a member that is not cached leaves the cached one working.
      await reward.connect(admin).grantRole(role, other.address);
      await reward.connect(admin).revokeRole(role, marketSigner.address);
      await expect(reward.connect(marketSigner).fillReward(4, 1, { value: 1 })).to.be.revertedWithCustomError(
        reward,
        "AccessControlUnauthorizedAccount",
      );
      await reward.connect(other).fillReward(4, 1, { value: 1 });
    });
  });

  describe("fillReward", function () {
    it("only MARKET_ROLE may fill", async function () {
      const { reward, other } = await loadFixture(fixture);
      await expect(reward.connect(other).fillReward(0, 1, { value: 1 }))
        .to.be.revertedWithCustomError(reward, "AccessControlUnauthorizedAccount")
        .withArgs(other.address, await reward.MARKET_ROLE());
    });

    it("keeps a chunk locked until the flow passes its end, then starts the release", async function () {
      const { reward, marketSigner } = await loadFixture(fixture);
      await expect(reward.connect(marketSigner).fillReward(1, 50, { value: 500 }))
        .to.emit(reward, "RewardFilled")
        .withArgs(0n, 500n, false);
      expect((await reward.rewards(0)).startTime).to.equal(0n);
      expect(await reward.rewardDeadline(0)).to.equal(0n);
      await expect(reward.connect(marketSigner).fillReward(51, 49, { value: 100 }))
        .to.emit(reward, "RewardFilled")
        .withArgs(0n, 100n, true);
      const r = await reward.rewards(0);
      expect(r.lockedReward).to.equal(600n);
      expect(r.startTime).to.equal(BigInt(await time.latest()));
      expect(await reward.rewardDeadline(0)).to.equal(r.startTime + RELEASE);
    });

    it("splits a fill over chunks in proportion and gives the rounding dust to the last chunk", async function () {
      const { reward, marketSigner } = await loadFixture(fixture);
      // [70, 70+333) spans chunks 0 (30), 1 (100), 2 (100), 3 (100), 4 (3); value 1000.
      const tx = reward.connect(marketSigner).fillReward(70, 333, { value: 1000 });
      const first = (1000n * 30n) / 333n;
      const per = (1000n * 100n) / 333n;
      await expect(tx)
        .to.emit(reward, "RewardFilled")
        .withArgs(0n, first, true)
        .and.to.emit(reward, "RewardFilled")
        .withArgs(4n, 1000n - first - 3n * per, false)
        .and.to.emit(reward, "RewardRangeFilled")
        .withArgs(1n, 3n, per);
      let total = 0n;
      for (let i = 0; i < 5; i++) total += (await reward.rewards(i)).lockedReward;
      expect(total).to.equal(1000n);
    });

    it("fills a span of 100,000 chunks with O(1) writes and materialises a middle chunk on its first claim", async function () {
      const { reward, marketSigner, mineSigner, miner } = await loadFixture(fixture);
      const sectors = CHUNK * 100_000n;
      const tx = await reward.connect(marketSigner).fillReward(50, sectors, { value: sectors });
      expect((await tx.wait())!.gasUsed).to.be.lessThan(300_000n);
      const mid = await reward.rewards(54_321);
      expect(mid.lockedReward).to.equal(CHUNK);
      expect(mid.startTime).to.equal(BigInt(await time.latest()));
      expect(await reward.rewardDeadline(54_321)).to.equal(mid.startTime + RELEASE);
      await time.setNextBlockTimestamp(mid.startTime + RELEASE / 2n);
      await expect(reward.connect(mineSigner).claimMineReward(54_321, miner.address, MINER))
        .to.emit(reward, "DistributeReward")
        .withArgs(54_321n, miner.address, MINER, CHUNK / 4n);
      const after = await reward.rewards(54_321);
      expect([after.lockedReward, after.claimableReward, after.distributedReward]).to.deep.equal([
        CHUNK / 2n,
        CHUNK / 4n,
        CHUNK / 4n,
      ]);
      expect((await reward.rewards(100_000)).startTime).to.equal(0n);
      expect((await reward.rewards(100_000)).lockedReward).to.equal(50n);
    });

    it("reverts RewardChunkAlreadyFinalized when a fill touches a started chunk", async function () {
      const { reward, marketSigner } = await loadFixture(fixture);
      await reward.connect(marketSigner).fillReward(0, 100, { value: 1 });
      await expect(reward.connect(marketSigner).fillReward(99, 2, { value: 1 }))
        .to.be.revertedWithCustomError(reward, "RewardChunkAlreadyFinalized")
        .withArgs(0n);
    });

    it("credits the service fee to the treasury as a pull payment", async function () {
      const { reward, admin, marketSigner, treasury } = await loadFixture(fixture);
      await reward.connect(admin).setServiceFeeRate(1000);
      await expect(reward.connect(marketSigner).fillReward(0, 10, { value: 1000 }))
        .to.emit(reward, "PaymentCredited")
        .withArgs(treasury.address, 100n);
      expect(await reward.payments(treasury.address)).to.equal(100n);
      expect((await reward.rewards(0)).lockedReward).to.equal(900n);
    });

    it("sends the value of a zero-sector fill to the treasury", async function () {
      const { reward, marketSigner, treasury } = await loadFixture(fixture);
      await reward.connect(marketSigner).fillReward(0, 0, { value: 5 });
      expect(await reward.payments(treasury.address)).to.equal(5n);
    });
  });

  describe("claimMineReward", function () {
    async function started() {
      const f = await fixture();
      await f.reward.connect(f.marketSigner).fillReward(0, 100, { value: 10_000 });
      return f;
    }

    it("only MINE_ROLE may claim", async function () {
      const { reward, other, miner } = await loadFixture(started);
      await expect(reward.connect(other).claimMineReward(0, miner.address, MINER))
        .to.be.revertedWithCustomError(reward, "AccessControlUnauthorizedAccount")
        .withArgs(other.address, await reward.MINE_ROLE());
    });

    it("releases linearly and pays half of the claimable pool", async function () {
      const { reward, mineSigner, miner } = await loadFixture(started);
      const start = (await reward.rewards(0)).startTime;
      await time.setNextBlockTimestamp(start + 100n);
      // 10% released = 1000 claimable; half paid.
      await expect(reward.connect(mineSigner).claimMineReward(0, miner.address, MINER))
        .to.emit(reward, "DistributeReward")
        .withArgs(0n, miner.address, MINER, 500n);
      let r = await reward.rewards(0);
      expect([r.lockedReward, r.claimableReward, r.distributedReward]).to.deep.equal([9000n, 500n, 500n]);
      await time.setNextBlockTimestamp(start + 300n);
      // 30% = 3000 unlocked in total; 2000 newly released; claimable 2500, pay 1250.
      await reward.connect(mineSigner).claimMineReward(0, miner.address, MINER);
      r = await reward.rewards(0);
      expect([r.lockedReward, r.claimableReward, r.distributedReward]).to.deep.equal([7000n, 1250n, 1750n]);
      expect(await reward.payments(miner.address)).to.equal(1750n);
      await time.setNextBlockTimestamp(start + 5000n);
      await reward.connect(mineSigner).claimMineReward(0, miner.address, MINER);
      r = await reward.rewards(0);
      expect(r.lockedReward).to.equal(0n);
      expect(r.claimableReward + r.distributedReward).to.equal(10_000n);
    });

    it("pays nothing and emits nothing for a chunk that has not started", async function () {
      const { reward, marketSigner, mineSigner, miner } = await loadFixture(fixture);
      await reward.connect(marketSigner).fillReward(0, 10, { value: 1000 });
      await expect(reward.connect(mineSigner).claimMineReward(0, miner.address, MINER)).to.not.emit(
        reward,
        "DistributeReward",
      );
      expect(await reward.claimable(0)).to.equal(0n);
    });

    it("adds the base reward from donations while the chunk is inside its release window, capped by the pool", async function () {
      const { reward, admin, marketSigner, mineSigner, miner, other } = await loadFixture(fixture);
      await reward.connect(admin).setBaseReward(300);
      await expect(reward.connect(other).donate({ value: 500 }))
        .to.emit(reward, "Donated")
        .withArgs(other.address, 500n);
      await reward.connect(marketSigner).fillReward(0, 100, { value: 10_000 });
      const start = (await reward.rewards(0)).startTime;
      await time.setNextBlockTimestamp(start + 1n);
      // 10 released → pay 5, plus the base reward 300.
      await expect(reward.connect(mineSigner).claimMineReward(0, miner.address, MINER))
        .to.emit(reward, "DistributeReward")
        .withArgs(0n, miner.address, MINER, 305n);
      await time.setNextBlockTimestamp(start + 2n);
      // 10 more released → claimable 15, pay 7, plus the remaining 200 of the pool.
      await expect(reward.connect(mineSigner).claimMineReward(0, miner.address, MINER))
        .to.emit(reward, "DistributeReward")
        .withArgs(0n, miner.address, MINER, 207n);
      expect(await reward.totalBaseReward()).to.equal(0n);
      await reward.connect(other).donate({ value: 500 });
      await time.setNextBlockTimestamp(start + RELEASE);
      await reward.connect(mineSigner).claimMineReward(0, miner.address, MINER);
      expect(await reward.totalBaseReward()).to.equal(500n);
    });
  });

  describe("withdrawPayments", function () {
    it("sends the credited amount to the payee (anyone may trigger) and zeroes it", async function () {
      const { reward, marketSigner, mineSigner, miner, other } = await loadFixture(fixture);
      await reward.connect(marketSigner).fillReward(0, 100, { value: 1000 });
      await time.increase(RELEASE);
      await reward.connect(mineSigner).claimMineReward(0, miner.address, MINER);
      const tx = reward.connect(other).withdrawPayments(miner.address);
      await expect(tx).to.emit(reward, "PaymentWithdrawn").withArgs(miner.address, 500n);
      await expect(tx).to.changeEtherBalances([miner, reward], [500n, -500n]);
      expect(await reward.payments(miner.address)).to.equal(0n);
    });

    it("reverts RewardNothingToWithdraw when nothing is credited", async function () {
      const { reward, other } = await loadFixture(fixture);
      await expect(reward.withdrawPayments(other.address))
        .to.be.revertedWithCustomError(reward, "RewardNothingToWithdraw")
        .withArgs(other.address);
    });

    it("reverts RewardTransferFailed when the payee rejects ether", async function () {
      const { reward, marketSigner, mineSigner } = await loadFixture(fixture);
      const rejecter = await (await ethers.getContractFactory("RefundRejecter")).deploy();
      await reward.connect(marketSigner).fillReward(0, 100, { value: 1000 });
      await time.increase(RELEASE);
      await reward.connect(mineSigner).claimMineReward(0, await rejecter.getAddress(), MINER);
      await expect(reward.withdrawPayments(await rejecter.getAddress()))
        .to.be.revertedWithCustomError(reward, "RewardTransferFailed")
        .withArgs(await rejecter.getAddress(), 500n);
    });

    it("is blocked while paused", async function () {
      const { reward, admin, treasury, other } = await loadFixture(fixture);
      await expect(reward.connect(other).pause())
        .to.be.revertedWithCustomError(reward, "AccessControlUnauthorizedAccount")
        .withArgs(other.address, await reward.PAUSER_ROLE());
      await reward.connect(admin).pause();
      await expect(reward.withdrawPayments(treasury.address)).to.be.revertedWithCustomError(reward, "EnforcedPause");
      await reward.connect(admin).unpause();
    });
  });

  describe("parameters", function () {
    it("setters need PARAMS_ADMIN_ROLE, validate and emit", async function () {
      const { reward, admin, other } = await loadFixture(fixture);
      const role = await reward.PARAMS_ADMIN_ROLE();
      for (const call of [
        reward.connect(other).setBaseReward(1),
        reward.connect(other).setServiceFeeRate(1),
        reward.connect(other).setTreasury(other.address),
      ]) {
        await expect(call)
          .to.be.revertedWithCustomError(reward, "AccessControlUnauthorizedAccount")
          .withArgs(other.address, role);
      }
      await expect(reward.connect(admin).setServiceFeeRate(10_001))
        .to.be.revertedWithCustomError(reward, "RewardFeeRateTooHigh")
        .withArgs(10_001n);
      await expect(reward.connect(admin).setTreasury(ZeroAddress)).to.be.revertedWithCustomError(
        reward,
        "RewardInvalidParameter",
      );
      await expect(reward.connect(admin).setBaseReward(7)).to.emit(reward, "BaseRewardUpdated").withArgs(7n);
      await expect(reward.connect(admin).setServiceFeeRate(10_000))
        .to.emit(reward, "ServiceFeeRateUpdated")
        .withArgs(10_000n);
      await expect(reward.connect(admin).setTreasury(other.address))
        .to.emit(reward, "TreasuryUpdated")
        .withArgs(other.address);
    });
  });

  describe("firstRewardableChunk", function () {
    it("returns the first chunk whose release has not ended", async function () {
      const { reward, marketSigner } = await loadFixture(fixture);
      expect((await reward.firstRewardableChunk())[0]).to.equal(0n);
      await reward.connect(marketSigner).fillReward(0, 300, { value: 300 }); // chunks 0..2 start now
      await time.increase(500);
      await reward.connect(marketSigner).fillReward(300, 150, { value: 150 }); // chunk 3 starts, 4 open
      expect((await reward.firstRewardableChunk())[0]).to.equal(0n);
      await time.increase(600);
      const [idx, ts] = await reward.firstRewardableChunk();
      expect(idx).to.equal(3n);
      expect(ts).to.equal(BigInt(await time.latest()));
      await time.increase(1000);
      expect((await reward.firstRewardableChunk())[0]).to.equal(4n);
    });
  });

  describe("conservation of funds (property)", function () {
    it("balance = pools + payments + donated pool, for any sequence of fills, claims, donations and withdrawals", async function () {
      const { reward, marketSigner, mineSigner, miner, other, treasury, admin } = await loadFixture(fixture);
      await reward.connect(admin).setServiceFeeRate(250);
      await reward.connect(admin).setBaseReward(7);
      const payees = [miner.address, other.address, treasury.address];
      let length = 1n;
      const op = fc.oneof(
        fc.record({
          kind: fc.constant("fill" as const),
          sectors: fc.bigInt(1n, 350n),
          value: fc.bigInt(0n, 10n ** 6n),
        }),
        fc.record({ kind: fc.constant("claim" as const), chunk: fc.nat(4), payee: fc.nat(1) }),
        fc.record({ kind: fc.constant("donate" as const), value: fc.bigInt(0n, 1000n) }),
        fc.record({ kind: fc.constant("withdraw" as const), payee: fc.nat(2) }),
        fc.record({ kind: fc.constant("wait" as const), seconds: fc.nat(400) }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
          for (const o of ops) {
            if (o.kind === "fill") {
              await reward.connect(marketSigner).fillReward(length, o.sectors, { value: o.value });
              length += o.sectors;
            } else if (o.kind === "claim") {
              await reward.connect(mineSigner).claimMineReward(o.chunk, payees[o.payee], MINER);
            } else if (o.kind === "donate") {
              await reward.connect(other).donate({ value: o.value });
            } else if (o.kind === "withdraw") {
              if ((await reward.payments(payees[o.payee])) > 0n) await reward.withdrawPayments(payees[o.payee]);
            } else {
              await time.increase(o.seconds + 1);
            }
          }
          let held = await reward.totalBaseReward();
          for (const p of payees) held += await reward.payments(p);
          const chunks = length / CHUNK + 1n;
          for (let i = 0n; i <= chunks; i++) {
            const r = await reward.rewards(i);
            held += r.lockedReward + r.claimableReward;
          }
          expect(await ethers.provider.getBalance(await reward.getAddress())).to.equal(held);
        }),
        { numRuns: 25 },
      );
    });
  });
});
