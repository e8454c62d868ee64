import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { RewardPool__factory } from "../../../typechain";
import {
  ANNUAL_RATE_PPM,
  EPOCH_LENGTH,
  ETH,
  MIN_SELF_DELEGATION,
  createValidator,
  keyFor,
  validatorFixture,
} from "./fixtures";

const YEAR = 365n * 24n * 3600n;
const PPM = 1_000_000n;

function epochReward(stake: bigint): bigint {
  return (stake * ANNUAL_RATE_PPM * EPOCH_LENGTH) / (PPM * YEAR);
}

async function fundedFixture() {
  const f = await validatorFixture();
  await f.rewardPool.connect(f.admin).fund({ value: 1000n * ETH });
  return f;
}

describe("RewardPool", () => {
  describe("initialize", () => {
    it("stores its parameters (through the Ignition module) and grants the keeper DISTRIBUTOR_ROLE", async () => {
      const { rewardPool, staking, keeper, admin } = await loadFixture(validatorFixture);
      expect(await rewardPool.staking()).to.equal(await staking.getAddress());
      expect(await rewardPool.epochLength()).to.equal(EPOCH_LENGTH);
      expect(await rewardPool.annualRewardRate()).to.equal(ANNUAL_RATE_PPM);
      expect(await rewardPool.maxRewardPerEpoch()).to.equal(100n * ETH);
      expect(await rewardPool.hasRole(await rewardPool.DISTRIBUTOR_ROLE(), keeper.address)).to.equal(true);
      expect(await rewardPool.hasRole(await rewardPool.GOVERNOR_ROLE(), admin.address)).to.equal(true);
      expect(await rewardPool.MAX_VALIDATORS_PER_CALL()).to.equal(100n);
    });

    for (const [name, index] of [
      ["admin", 0],
      ["distributor", 2],
      ["staking", 3],
    ] as const) {
      it(`reverts with RewardPoolInvalidParameter for a zero ${name}`, async () => {
        const { admin } = await loadFixture(validatorFixture);
        const impl = await new RewardPool__factory(admin).deploy();
        const args: [string, bigint, string, string, bigint, bigint, bigint] = [
          admin.address,
          0n,
          admin.address,
          admin.address,
          60n,
          1n,
          1n,
        ];
        args[index] = ethers.ZeroAddress;
        const data = impl.interface.encodeFunctionData("initialize", args);
        const proxy = await ethers.getContractFactory("ERC1967Proxy");
        await expect(proxy.deploy(await impl.getAddress(), data))
          .to.be.revertedWithCustomError(impl, "RewardPoolInvalidParameter")
          .withArgs(name);
      });
    }

    it("reverts with RewardPoolInvalidParameter for a zero epoch length, and the implementation is locked", async () => {
      const { admin } = await loadFixture(validatorFixture);
      const impl = await new RewardPool__factory(admin).deploy();
      const data = impl.interface.encodeFunctionData("initialize", [
        admin.address,
        0n,
        admin.address,
        admin.address,
        0n,
        1n,
        1n,
      ]);
      const proxy = await ethers.getContractFactory("ERC1967Proxy");
      await expect(proxy.deploy(await impl.getAddress(), data))
        .to.be.revertedWithCustomError(impl, "RewardPoolInvalidParameter")
        .withArgs("epochLength");
      await expect(
        impl.initialize(admin.address, 0n, admin.address, admin.address, 1n, 1n, 1n),
      ).to.be.revertedWithCustomError(impl, "InvalidInitialization");
    });
  });

  describe("fund", () => {
    it("emits Funded, and nothing for zero", async () => {
      const { rewardPool, alice } = await loadFixture(validatorFixture);
      await expect(rewardPool.connect(alice).fund({ value: ETH }))
        .to.emit(rewardPool, "Funded")
        .withArgs(alice.address, ETH);
      await expect(rewardPool.connect(alice).fund()).to.not.emit(rewardPool, "Funded");
    });
  });

  describe("distribute", () => {
    it("pays each bonded validator its epoch reward once per epoch", async () => {
      const { rewardPool, validator, keeper } = await loadFixture(fundedFixture);
      const v = await validator.getAddress();
      const expected = epochReward(MIN_SELF_DELEGATION);
      expect(await rewardPool.pendingReward(v)).to.equal(expected);
      const epoch = await rewardPool.currentEpoch();
      await expect(rewardPool.connect(keeper).distribute([v]))
        .to.emit(rewardPool, "RewardPaid")
        .withArgs(epoch, v, expected)
        .and.to.emit(validator, "RewardsDistributed");
      expect(await rewardPool.lastRewardedEpoch(v)).to.equal(epoch + 1n);
      expect(await rewardPool.pendingReward(v)).to.equal(0n);
      expect(await rewardPool.paidInCurrentEpoch()).to.equal(expected);
      await expect(rewardPool.connect(keeper).distribute([v])).to.not.emit(rewardPool, "RewardPaid");
      await time.increase(Number(EPOCH_LENGTH));
      expect(await rewardPool.paidInCurrentEpoch()).to.equal(0n);
      // The stake grew by the delegators' share of the first reward.
      const grown = epochReward(await validator.effectiveStakes());
      expect(grown).to.be.gt(expected);
      expect(await rewardPool.pendingReward(v)).to.equal(grown);
      await expect(rewardPool.connect(keeper).distribute([v]))
        .to.emit(rewardPool, "RewardPaid")
        .withArgs(epoch + 1n, v, grown);
      expect(await validator.annualPercentageYield()).to.be.gt(0n);
    });

    it("caps the total per epoch at maxRewardPerEpoch and by the pool balance", async () => {
      const { rewardPool, staking, validator, keeper, admin, alice } = await loadFixture(fundedFixture);
      const second = await createValidator(staking, alice, { key: keyFor(5) });
      const per = epochReward(MIN_SELF_DELEGATION);
      await rewardPool.connect(admin).setRewardParameters(Number(ANNUAL_RATE_PPM), per + per / 2n);
      await time.increase(Number(EPOCH_LENGTH));
      const tx = rewardPool.connect(keeper).distribute([await validator.getAddress(), await second.getAddress()]);
      await expect(tx)
        .to.emit(rewardPool, "RewardPaid")
        .withArgs(await rewardPool.currentEpoch(), await second.getAddress(), per / 2n);
      expect(await rewardPool.paidInCurrentEpoch()).to.equal(per + per / 2n);
      // The budget is spent: nobody else is paid this epoch.
      const third = await createValidator(staking, alice, { key: keyFor(6) });
      await expect(rewardPool.connect(keeper).distribute([await third.getAddress()])).to.not.emit(
        rewardPool,
        "RewardPaid",
      );
      // Balance cap.
      await rewardPool.connect(admin).setRewardParameters(Number(ANNUAL_RATE_PPM), 10n ** 30n);
      await rewardPool.connect(admin).withdraw(admin.address, (await ethers.provider.getBalance(rewardPool)) - 5n);
      await time.increase(Number(EPOCH_LENGTH));
      await expect(rewardPool.connect(keeper).distribute([await third.getAddress()]))
        .to.emit(rewardPool, "RewardPaid")
        .withArgs(await rewardPool.currentEpoch(), await third.getAddress(), 5n);
    });

    it("skips validators that are not bonded", async () => {
      const { rewardPool, validator, operator, keeper } = await loadFixture(fundedFixture);
      await validator.connect(operator).undelegate(operator.address, MIN_SELF_DELEGATION, { value: 10n ** 9n });
      await expect(rewardPool.connect(keeper).distribute([await validator.getAddress()])).to.not.emit(
        rewardPool,
        "RewardPaid",
      );
    });

    it("reverts for unknown validators, oversized batches and non-distributors", async () => {
      const { rewardPool, keeper, stranger, validator } = await loadFixture(fundedFixture);
      await expect(rewardPool.connect(keeper).distribute([stranger.address]))
        .to.be.revertedWithCustomError(rewardPool, "RewardPoolUnknownValidator")
        .withArgs(stranger.address);
      const many = Array.from({ length: 101 }, () => stranger.address);
      await expect(rewardPool.connect(keeper).distribute(many))
        .to.be.revertedWithCustomError(rewardPool, "RewardPoolBatchTooLarge")
        .withArgs(101n, 100n);
      await expect(rewardPool.connect(stranger).distribute([await validator.getAddress()]))
        .to.be.revertedWithCustomError(rewardPool, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, await rewardPool.DISTRIBUTOR_ROLE());
    });
  });

  describe("governance", () => {
    it("setRewardParameters emits and is GOVERNOR_ROLE only", async () => {
      const { rewardPool, admin, stranger } = await loadFixture(validatorFixture);
      await expect(rewardPool.connect(admin).setRewardParameters(5n, 7n))
        .to.emit(rewardPool, "RewardParametersUpdated")
        .withArgs(5n, 7n);
      expect(await rewardPool.annualRewardRate()).to.equal(5n);
      await expect(rewardPool.connect(stranger).setRewardParameters(1n, 1n))
        .to.be.revertedWithCustomError(rewardPool, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, await rewardPool.GOVERNOR_ROLE());
    });

    it("withdraw pays out; reverts above the balance, to zero, to a rejecting receiver, or for non-governors", async () => {
      const { rewardPool, admin, bob, stranger, receiver } = await loadFixture(fundedFixture);
      await expect(rewardPool.connect(admin).withdraw(bob.address, ETH)).to.changeEtherBalances(
        [rewardPool, bob],
        [-ETH, ETH],
      );
      await expect(rewardPool.connect(admin).withdraw(bob.address, ETH))
        .to.emit(rewardPool, "Withdrawn")
        .withArgs(bob.address, ETH);
      const balance = await ethers.provider.getBalance(rewardPool);
      await expect(rewardPool.connect(admin).withdraw(bob.address, balance + 1n))
        .to.be.revertedWithCustomError(rewardPool, "RewardPoolInsufficientBalance")
        .withArgs(balance + 1n, balance);
      await expect(rewardPool.connect(admin).withdraw(ethers.ZeroAddress, 1n))
        .to.be.revertedWithCustomError(rewardPool, "RewardPoolInvalidParameter")
        .withArgs("to");
      await receiver.setMode(1);
      await expect(rewardPool.connect(admin).withdraw(await receiver.getAddress(), 1n))
        .to.be.revertedWithCustomError(rewardPool, "RewardPoolTransferFailed")
        .withArgs(await receiver.getAddress(), 1n);
      await expect(rewardPool.connect(stranger).withdraw(stranger.address, 1n))
        .to.be.revertedWithCustomError(rewardPool, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, await rewardPool.GOVERNOR_ROLE());
    });

    it("only UPGRADER_ROLE may upgrade; an upgrade keeps state", async () => {
      const { rewardPool, admin, stranger } = await loadFixture(fundedFixture);
      const impl = await new RewardPool__factory(admin).deploy();
      await expect(rewardPool.connect(stranger).upgradeToAndCall(await impl.getAddress(), "0x"))
        .to.be.revertedWithCustomError(rewardPool, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, await rewardPool.UPGRADER_ROLE());
      await rewardPool.connect(admin).upgradeToAndCall(await impl.getAddress(), "0x");
      expect(await rewardPool.epochLength()).to.equal(EPOCH_LENGTH);
    });
  });
});
