import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { Validator__factory } from "../../../typechain";
import {
  COMMUNITY_TAX_PPM,
  DESCRIPTION,
  ETH,
  GWEI,
  MIN_SELF_DELEGATION,
  WITHDRAW_DELAY,
  createValidator,
  keyFor,
  paramsOf,
  validatorFixture,
} from "./fixtures";

const PPM = 1_000_000n;
const COMMISSION_PPM = 50_000n;
const FEE = 1n * GWEI; // 1 gwei withdrawal fee, in wei

describe("Validator", () => {
  describe("delegate", () => {
    it("mints shares at the current price and emits Delegated", async () => {
      const { validator, alice, bob } = await loadFixture(validatorFixture);
      await expect(validator.connect(alice).delegate(bob.address, { value: 10n * ETH }))
        .to.emit(validator, "Delegated")
        .withArgs(bob.address, alice.address, 10n * ETH, 10n * ETH);
      expect(await validator.getDelegation(bob.address)).to.deep.equal([await validator.getAddress(), 10n * ETH]);
      expect(await validator.tokens()).to.equal(MIN_SELF_DELEGATION + 10n * ETH);
      expect(await validator.stakes()).to.equal(MIN_SELF_DELEGATION + 10n * ETH);
      expect(await validator.delegatorShares()).to.equal(MIN_SELF_DELEGATION + 10n * ETH);
      expect(await validator.nextDepositAmount()).to.equal(MIN_SELF_DELEGATION + 10n * ETH);
    });

    it("accepts exactly the minimum of 1 gwei and reverts with DelegationBelowMinimum below it", async () => {
      const { validator, alice } = await loadFixture(validatorFixture);
      await expect(validator.connect(alice).delegate(alice.address, { value: GWEI })).to.emit(validator, "Delegated");
      await expect(validator.connect(alice).delegate(alice.address, { value: GWEI - 1n }))
        .to.be.revertedWithCustomError(validator, "DelegationBelowMinimum")
        .withArgs(GWEI - 1n, GWEI);
    });

    it("uses the registry's effectiveDelegationInGwei as the minimum", async () => {
      const { staking, admin, validator, alice } = await loadFixture(validatorFixture);
      await staking.connect(admin).setParams({ ...(await paramsOf(staking)), effectiveDelegationInGwei: 1000n });
      await expect(validator.connect(alice).delegate(alice.address, { value: 999n * GWEI }))
        .to.be.revertedWithCustomError(validator, "DelegationBelowMinimum")
        .withArgs(999n * GWEI, 1000n * GWEI);
    });

    it("reverts with ValidatorZeroAddress for the zero delegator", async () => {
      const { validator, alice } = await loadFixture(validatorFixture);
      await expect(validator.connect(alice).delegate(ethers.ZeroAddress, { value: ETH })).to.be.revertedWithCustomError(
        validator,
        "ValidatorZeroAddress",
      );
    });

    it("distributes pending rewards before minting, so late delegators do not share them", async () => {
      const { validator, alice, stranger } = await loadFixture(validatorFixture);
      await validator.connect(stranger).depositRewards({ value: ETH });
      expect(await validator.rewards()).to.equal(ETH);
      await expect(validator.connect(alice).delegate(alice.address, { value: 100n * ETH })).to.emit(
        validator,
        "RewardsDistributed",
      );
      expect(await validator.rewards()).to.equal(0n);
      // Alice's 100 ETH buy shares at the post-reward price: her tokens are worth at most 100 ETH.
      const [, shares] = await validator.getDelegation(alice.address);
      const worth = await validator.convertToTokens(shares);
      expect(worth).to.be.lte(100n * ETH);
      expect(100n * ETH - worth).to.be.lte(1n);
    });
  });

  describe("before initialization", () => {
    async function createdOnly() {
      const f = await loadFixture(validatorFixture);
      const key = keyFor(7);
      await f.staking.createValidator(key.pubkey);
      return { ...f, created: Validator__factory.connect(await f.staking.getValidator(key.pubkey), f.alice) };
    }

    it("delegate, undelegate, distributeRewards and depositRewards revert with ValidatorNotActivated", async () => {
      const { created, alice } = await createdOnly();
      await expect(created.delegate(alice.address, { value: ETH })).to.be.revertedWithCustomError(
        created,
        "ValidatorNotActivated",
      );
      await expect(created.undelegate(alice.address, 1n)).to.be.revertedWithCustomError(
        created,
        "ValidatorNotActivated",
      );
      await expect(created.distributeRewards({ value: 1n })).to.be.revertedWithCustomError(
        created,
        "ValidatorNotActivated",
      );
      await expect(created.depositRewards({ value: 1n })).to.be.revertedWithCustomError(
        created,
        "ValidatorNotActivated",
      );
    });

    it("operator functions revert with ValidatorNotOperator (no operator yet)", async () => {
      const { created, alice } = await createdOnly();
      await expect(created.withdrawCommission(alice.address))
        .to.be.revertedWithCustomError(created, "ValidatorNotOperator")
        .withArgs(alice.address, ethers.ZeroAddress);
      expect(await created.bondStatus()).to.equal(0n);
      expect(await created.effectiveStakes()).to.equal(0n);
    });

    it("activate can only be called by the registry, and only once", async () => {
      const { created, validator, alice } = await createdOnly();
      await expect(created.activate(alice.address, DESCRIPTION, 0n, 0n, { value: ETH }))
        .to.be.revertedWithCustomError(created, "ValidatorNotStaking")
        .withArgs(alice.address);
      await expect(validator.activate(alice.address, DESCRIPTION, 0n, 0n)).to.be.revertedWithCustomError(
        validator,
        "InvalidInitialization",
      );
    });
  });

  describe("undelegate", () => {
    async function withAlice() {
      const f = await loadFixture(validatorFixture);
      await f.validator.connect(f.alice).delegate(f.alice.address, { value: 10n * ETH });
      return f;
    }

    it("burns shares, queues tokens with the withdrawal delay and emits events", async () => {
      const { validator, alice, bob } = await withAlice();
      const tx = validator.connect(alice).undelegate(bob.address, 4n * ETH, { value: FEE });
      await expect(tx)
        .to.emit(validator, "Undelegated")
        .withArgs(alice.address, bob.address, 4n * ETH, 4n * ETH, 0n)
        .and.to.emit(validator, "WithdrawQueued");
      const receipt = await (await tx).wait();
      const completion = BigInt(receipt!.blockNumber) + WITHDRAW_DELAY;
      expect(await validator.withdrawCount()).to.equal(1n);
      const entry = await validator.getWithdraw(0);
      expect(entry.completionHeight).to.equal(completion);
      expect(entry.delegatorAddress).to.equal(bob.address);
      expect(entry.amount).to.equal(4n * ETH);
      expect(await validator.committedWithdrawAmount(completion - 1n)).to.equal(0n);
      expect(await validator.committedWithdrawAmount(completion)).to.equal(4n * ETH);
      expect(await validator.pendingWithdrawAmount()).to.equal(4n * ETH);
      expect(await validator.nextCompletionHeight()).to.equal(completion);
      expect(await validator.nextWithdrawalAmount()).to.equal(4n * ETH);
      // The fee stays as tip fee for the operator.
      expect(await validator.tipFee()).to.equal(FEE);
    });

    it("reverts with NotEnoughWithdrawalFee / ValidatorWithdrawalFeeExceeded unless msg.value is the fee", async () => {
      const { validator, alice } = await withAlice();
      await expect(validator.connect(alice).undelegate(alice.address, ETH, { value: FEE - 1n }))
        .to.be.revertedWithCustomError(validator, "NotEnoughWithdrawalFee")
        .withArgs(FEE - 1n, FEE);
      await expect(validator.connect(alice).undelegate(alice.address, ETH, { value: FEE + 1n }))
        .to.be.revertedWithCustomError(validator, "ValidatorWithdrawalFeeExceeded")
        .withArgs(FEE + 1n, FEE);
    });

    it("reverts with ValidatorInsufficientShares for zero or too many shares", async () => {
      const { validator, alice, bob } = await withAlice();
      await expect(validator.connect(alice).undelegate(alice.address, 0n, { value: FEE }))
        .to.be.revertedWithCustomError(validator, "ValidatorInsufficientShares")
        .withArgs(alice.address, 0n, 10n * ETH);
      await expect(validator.connect(alice).undelegate(alice.address, 10n * ETH + 1n, { value: FEE }))
        .to.be.revertedWithCustomError(validator, "ValidatorInsufficientShares")
        .withArgs(alice.address, 10n * ETH + 1n, 10n * ETH);
      await expect(validator.connect(bob).undelegate(bob.address, 1n, { value: FEE }))
        .to.be.revertedWithCustomError(validator, "ValidatorInsufficientShares")
        .withArgs(bob.address, 1n, 0n);
    });

    it("reverts with ValidatorZeroAddress for the zero receiver", async () => {
      const { validator, alice } = await withAlice();
      await expect(
        validator.connect(alice).undelegate(ethers.ZeroAddress, 1n, { value: FEE }),
      ).to.be.revertedWithCustomError(validator, "ValidatorZeroAddress");
    });

    it("keeps the operator at or above the minimum self-delegation, unless it leaves entirely", async () => {
      const { validator, operator } = await withAlice();
      await expect(validator.connect(operator).undelegate(operator.address, 1n * ETH, { value: FEE }))
        .to.be.revertedWithCustomError(validator, "ValidatorSelfDelegationBelowMinimum")
        .withArgs(MIN_SELF_DELEGATION - ETH, MIN_SELF_DELEGATION);
      await validator.connect(operator).delegate(operator.address, { value: ETH });
      await expect(validator.connect(operator).undelegate(operator.address, ETH, { value: FEE })).to.emit(
        validator,
        "Undelegated",
      );
      await expect(
        validator.connect(operator).undelegate(operator.address, MIN_SELF_DELEGATION, { value: FEE }),
      ).to.emit(validator, "Undelegated");
      expect((await validator.getDelegation(operator.address))[1]).to.equal(0n);
    });

    it("an operator below its minimum earns no commission (it goes to delegators)", async () => {
      const { validator, operator, stranger } = await withAlice();
      await validator.connect(operator).undelegate(operator.address, MIN_SELF_DELEGATION, { value: FEE });
      const reward = ETH;
      const tax = (reward * COMMUNITY_TAX_PPM) / PPM;
      await expect(validator.connect(stranger).distributeRewards({ value: reward }))
        .to.emit(validator, "RewardsDistributed")
        .withArgs(reward, tax, 0n, reward - tax);
      expect(await validator.commission()).to.equal(0n);
    });
  });

  describe("defensive checks (states unreachable without slashing, forced through storage)", () => {
    // ValidatorStorage: slot 8 after the namespace base is `tokens` (checked against tokens() first).
    const BASE = 0xf38dd7bda9daa34664e64450079b902070367ed667dbaa0ac5c6cf85cd515800n;
    async function setTokens(address: string, value: bigint) {
      const slot = ethers.toBeHex(BASE + 8n, 32);
      expect(BigInt(await ethers.provider.getStorage(address, slot))).to.equal(
        await Validator__factory.connect(address, ethers.provider).tokens(),
      );
      await ethers.provider.send("hardhat_setStorageAt", [address, slot, ethers.toBeHex(value, 32)]);
    }

    it("delegate reverts with ValidatorZeroShares when the amount buys no share", async () => {
      const { validator, alice } = await loadFixture(validatorFixture);
      await setTokens(await validator.getAddress(), MIN_SELF_DELEGATION * 10n ** 12n);
      await expect(validator.connect(alice).delegate(alice.address, { value: GWEI }))
        .to.be.revertedWithCustomError(validator, "ValidatorZeroShares")
        .withArgs(GWEI);
    });

    it("undelegate reverts with ValidatorZeroAmount when the shares are worth nothing", async () => {
      const { validator, alice } = await loadFixture(validatorFixture);
      await validator.connect(alice).delegate(alice.address, { value: GWEI });
      await setTokens(await validator.getAddress(), 1n);
      await expect(validator.connect(alice).undelegate(alice.address, 1n, { value: FEE }))
        .to.be.revertedWithCustomError(validator, "ValidatorZeroAmount")
        .withArgs(1n);
    });
  });

  describe("bond status", () => {
    it("goes Bonded -> Unbonding -> Unbonded as the operator leaves and is paid", async () => {
      const { validator, operator, stranger } = await loadFixture(validatorFixture);
      expect(await validator.bondStatus()).to.equal(1n);
      await expect(validator.connect(operator).undelegate(operator.address, MIN_SELF_DELEGATION, { value: FEE }))
        .to.emit(validator, "BondStatusChanged")
        .withArgs(1n, 2n);
      expect(await validator.bondStatus()).to.equal(2n);
      expect(await validator.effectiveStakes()).to.equal(0n);
      await mine(Number(WITHDRAW_DELAY));
      await validator.connect(stranger).processWithdrawQueue();
      expect(await validator.bondStatus()).to.equal(3n);
      await expect(validator.connect(stranger).delegate(stranger.address, { value: MIN_SELF_DELEGATION }))
        .to.emit(validator, "BondStatusChanged")
        .withArgs(2n, 1n);
    });

    it("effectiveStakes is capped at maxEffectiveStakesInGwei", async () => {
      const { staking, admin, validator } = await loadFixture(validatorFixture);
      expect(await validator.effectiveStakes()).to.equal(MIN_SELF_DELEGATION);
      await staking.connect(admin).setParams({
        ...(await paramsOf(staking)),
        minActivationStakesInGwei: 100n * GWEI,
        maxEffectiveStakesInGwei: 200n * GWEI,
      });
      expect(await validator.effectiveStakes()).to.equal(200n * ETH);
      // bondStatus follows the registry's minimum live.
      await staking.connect(admin).setParams({
        ...(await paramsOf(staking)),
        minActivationStakesInGwei: 600n * GWEI,
        maxEffectiveStakesInGwei: 600n * GWEI,
      });
      expect(await validator.bondStatus()).to.equal(3n);
    });
  });

  describe("withdrawal queue", () => {
    it("pays nothing before the completion height and everything after; processes in order", async () => {
      const { validator, alice, bob, carol, stranger } = await loadFixture(validatorFixture);
      await validator.connect(alice).delegate(alice.address, { value: 10n * ETH });
      await validator.connect(alice).undelegate(bob.address, ETH, { value: FEE });
      await validator.connect(alice).undelegate(carol.address, 2n * ETH, { value: FEE });
      await expect(validator.connect(stranger).processWithdrawQueue()).to.not.emit(validator, "WithdrawProcessed");
      await mine(Number(WITHDRAW_DELAY));
      await expect(validator.connect(stranger).processWithdrawQueue())
        .to.emit(validator, "WithdrawProcessed")
        .withArgs(0n, bob.address, ETH)
        .and.to.emit(validator, "WithdrawProcessed")
        .withArgs(1n, carol.address, 2n * ETH);
      expect(await validator.withdrawCount()).to.equal(0n);
      expect(await validator.pendingWithdrawAmount()).to.equal(0n);
      expect(await validator.nextCompletionHeight()).to.equal(0n);
      expect(await validator.committedWithdrawAmount(10n ** 12n)).to.equal(0n);
    });

    it("moves balances to the receivers", async () => {
      const { validator, alice, bob, stranger } = await loadFixture(validatorFixture);
      await validator.connect(alice).delegate(alice.address, { value: 10n * ETH });
      await validator.connect(alice).undelegate(bob.address, ETH, { value: FEE });
      await mine(Number(WITHDRAW_DELAY));
      await expect(validator.connect(stranger).processWithdrawQueue()).to.changeEtherBalances(
        [validator, bob],
        [-ETH, ETH],
      );
    });

    it("processWithdrawQueueUpTo is bounded and committedWithdrawAmount tracks what is left", async () => {
      const { validator, alice, stranger } = await loadFixture(validatorFixture);
      await validator.connect(alice).delegate(alice.address, { value: 10n * ETH });
      for (let i = 1n; i <= 3n; i++) await validator.connect(alice).undelegate(alice.address, i * ETH, { value: FEE });
      await mine(Number(WITHDRAW_DELAY));
      expect(await validator.processWithdrawQueueUpTo.staticCall(2)).to.equal(2n);
      await validator.connect(stranger).processWithdrawQueueUpTo(2);
      expect(await validator.withdrawCount()).to.equal(1n);
      expect((await validator.getWithdraw(0)).amount).to.equal(3n * ETH);
      expect(await validator.committedWithdrawAmount(10n ** 12n)).to.equal(3n * ETH);
      await validator.connect(alice).undelegate(alice.address, ETH, { value: FEE });
      expect(await validator.committedWithdrawAmount(10n ** 12n)).to.equal(4n * ETH);
      expect(await validator.pendingWithdrawAmount()).to.equal(4n * ETH);
    });

    it("getWithdraw reverts with ValidatorWithdrawIndexOutOfRange past the end", async () => {
      const { validator } = await loadFixture(validatorFixture);
      await expect(validator.getWithdraw(0))
        .to.be.revertedWithCustomError(validator, "ValidatorWithdrawIndexOutOfRange")
        .withArgs(0n, 0n);
      await expect(validator.getFailedWithdraw(0))
        .to.be.revertedWithCustomError(validator, "ValidatorWithdrawIndexOutOfRange")
        .withArgs(0n, 0n);
    });

    it("keeps completion heights non-decreasing when governance shortens the delay", async () => {
      const { staking, admin, validator, alice } = await loadFixture(validatorFixture);
      await validator.connect(alice).delegate(alice.address, { value: 10n * ETH });
      await staking.connect(admin).setParams({ ...(await paramsOf(staking)), minWithdrawabilityDelay: 100n });
      await validator.connect(alice).undelegate(alice.address, ETH, { value: FEE });
      await staking.connect(admin).setParams({ ...(await paramsOf(staking)), minWithdrawabilityDelay: 1n });
      await validator.connect(alice).undelegate(alice.address, ETH, { value: FEE });
      const first = await validator.getWithdraw(0);
      const second = await validator.getWithdraw(1);
      expect(second.completionHeight).to.equal(first.completionHeight);
    });

    for (const [mode, label] of [
      [1, "reverts"],
      [2, "burns all gas"],
      [3, "re-enters processWithdrawQueue (blocked by the reentrancy guard)"],
    ] as const) {
      it(`a receiver that ${label} lands on the failed stack, does not block the queue, then goes to the community pool`, async () => {
        const { staking, validator, alice, bob, stranger, receiver } = await loadFixture(validatorFixture);
        const r = await receiver.getAddress();
        await receiver.delegateTo(await validator.getAddress(), { value: 3n * ETH });
        await receiver.setMode(mode);
        await receiver.undelegateFrom(await validator.getAddress(), 3n * ETH, { value: FEE });
        await validator.connect(alice).delegate(alice.address, { value: ETH });
        await validator.connect(alice).undelegate(bob.address, ETH, { value: FEE });
        await mine(Number(WITHDRAW_DELAY));
        await expect(validator.connect(stranger).processWithdrawQueue())
          .to.emit(validator, "WithdrawFailed")
          .withArgs(0n, r, 3n * ETH)
          .and.to.emit(validator, "WithdrawProcessed")
          .withArgs(1n, bob.address, ETH);
        expect(await validator.failedWithdrawCount()).to.equal(1n);
        expect(await validator.failedWithdrawAmount()).to.equal(3n * ETH);
        expect(await validator.getFailedWithdraw(0)).to.deep.equal([r, 3n * ETH]);
        expect(await validator.tipFee()).to.equal(2n * FEE);
        const poolBefore = await staking.communityPool();
        await expect(validator.connect(stranger).processFailedWithdrawStack())
          .to.emit(validator, "FailedWithdrawToCommunityPool")
          .withArgs(r, 3n * ETH)
          .and.to.emit(staking, "CommunityPoolDeposited")
          .withArgs(await validator.getAddress(), 3n * ETH);
        expect(await staking.communityPool()).to.equal(poolBefore + 3n * ETH);
        expect(await validator.failedWithdrawCount()).to.equal(0n);
        expect(await validator.failedWithdrawAmount()).to.equal(0n);
      });
    }

    it("a failed payment is paid on retry once the receiver accepts", async () => {
      const { validator, stranger, receiver } = await loadFixture(validatorFixture);
      await receiver.delegateTo(await validator.getAddress(), { value: ETH });
      await receiver.setMode(1);
      await receiver.undelegateFrom(await validator.getAddress(), ETH, { value: FEE });
      await mine(Number(WITHDRAW_DELAY));
      await validator.connect(stranger).processWithdrawQueue();
      await receiver.setMode(0);
      await expect(validator.connect(stranger).processFailedWithdrawStackUpTo(5))
        .to.emit(validator, "FailedWithdrawRetried")
        .withArgs(await receiver.getAddress(), ETH);
      expect(await ethers.provider.getBalance(await receiver.getAddress())).to.equal(ETH);
    });
  });

  describe("distributeRewards", () => {
    it("takes community tax, then commission, then raises the share price; emits the split", async () => {
      const { staking, validator, alice, stranger } = await loadFixture(validatorFixture);
      await validator.connect(alice).delegate(alice.address, { value: 500n * ETH });
      const reward = 10n * ETH;
      const tax = (reward * COMMUNITY_TAX_PPM) / PPM;
      const commission = ((reward - tax) * COMMISSION_PPM) / PPM;
      const toDelegators = reward - tax - commission;
      await expect(validator.connect(stranger).distributeRewards({ value: reward }))
        .to.emit(validator, "RewardsDeposited")
        .withArgs(stranger.address, reward)
        .and.to.emit(validator, "RewardsDistributed")
        .withArgs(reward, tax, commission, toDelegators)
        .and.to.emit(staking, "CommunityPoolDeposited")
        .withArgs(await validator.getAddress(), tax);
      expect(await validator.commission()).to.equal(commission);
      expect(await validator.tokens()).to.equal(1000n * ETH + toDelegators);
      expect(await validator.convertToTokens(500n * ETH)).to.equal(500n * ETH + toDelegators / 2n);
      expect(await validator.convertToShares(1000n * ETH + toDelegators)).to.equal(1000n * ETH);
      expect(await validator.nextDepositAmount()).to.equal(0n);
      expect(await validator.nextWithdrawalAmount()).to.equal(0n);
    });

    it("does nothing without rewards", async () => {
      const { validator, stranger } = await loadFixture(validatorFixture);
      await expect(validator.connect(stranger).distributeRewards()).to.not.emit(validator, "RewardsDistributed");
      await expect(validator.connect(stranger).depositRewards()).to.not.emit(validator, "RewardsDeposited");
    });

    it("reports an annualised yield in basis points", async () => {
      const { validator, stranger } = await loadFixture(validatorFixture);
      const [activated] = await validator.queryFilter(validator.filters.ValidatorActivated());
      const start = BigInt((await activated.getBlock()).timestamp);
      await time.increase(365 * 24 * 3600);
      const reward = 50n * ETH;
      const receipt = await (await validator.connect(stranger).distributeRewards({ value: reward })).wait();
      const elapsed = BigInt((await ethers.provider.getBlock(receipt!.blockNumber))!.timestamp) - start;
      const net = reward - (reward * COMMUNITY_TAX_PPM) / PPM;
      const toDelegators = net - (net * COMMISSION_PPM) / PPM;
      const year = 365n * 24n * 3600n;
      expect(await validator.annualPercentageYield()).to.equal(
        (toDelegators * 10_000n * year) / (MIN_SELF_DELEGATION * elapsed),
      );
      expect(await validator.annualPercentageYield()).to.be.within(920n, 931n); // ≈ 9.3 %
    });

    it("sends everything to the community pool when no shares are outstanding", async () => {
      const { staking, validator, operator, stranger } = await loadFixture(validatorFixture);
      await validator.connect(operator).undelegate(operator.address, MIN_SELF_DELEGATION, { value: FEE });
      expect(await validator.delegatorShares()).to.equal(0n);
      await expect(validator.connect(stranger).distributeRewards({ value: ETH }))
        .to.emit(validator, "RewardsDistributed")
        .withArgs(ETH, ETH, 0n, 0n)
        .and.to.emit(staking, "CommunityPoolDeposited")
        .withArgs(await validator.getAddress(), ETH);
      expect(await validator.tokens()).to.equal(0n);
      expect(await validator.annualPercentageYield()).to.equal(0n);
    });

    it("accumulates rewards of distributions in the same block into the next APY window", async () => {
      const { validator, stranger } = await loadFixture(validatorFixture);
      await ethers.provider.send("evm_setAutomine", [false]);
      try {
        await validator.connect(stranger).distributeRewards({ value: ETH });
        await validator.connect(stranger).distributeRewards({ value: ETH });
        await mine(1);
      } finally {
        await ethers.provider.send("evm_setAutomine", [true]);
      }
      // Both land in the activation block's successor; the first closes a window, the second has elapsed 0.
      const [activated] = await validator.queryFilter(validator.filters.ValidatorActivated());
      const events = await validator.queryFilter(validator.filters.RewardsDistributed());
      expect(events.length).to.equal(2);
      expect(events[0].blockNumber).to.equal(events[1].blockNumber);
      const apyAfterFirst = await validator.annualPercentageYield();
      await time.increase(100);
      await validator.connect(stranger).distributeRewards({ value: ETH });
      const perReward = events[1].args.delegatorRewards;
      const windowStart = BigInt((await events[0].getBlock()).timestamp);
      const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
      const tokensBefore = (await validator.tokens()) - perReward;
      const year = 365n * 24n * 3600n;
      // The window holds the second (same-block) reward and the last one.
      expect(await validator.annualPercentageYield()).to.equal(
        (2n * perReward * 10_000n * year) / (tokensBefore * (now - windowStart)),
      );
      expect(apyAfterFirst).to.be.gt(0n);
      expect(activated.blockNumber).to.be.lt(events[0].blockNumber);
    });

    it("uses min(commissionRate, maxCommissionRate) after governance lowers the maximum", async () => {
      const { staking, admin, validator, stranger } = await loadFixture(validatorFixture);
      await staking.connect(admin).setParams({ ...(await paramsOf(staking)), maxCommissionRate: 10_000n });
      const reward = ETH;
      const tax = (reward * COMMUNITY_TAX_PPM) / PPM;
      const commission = ((reward - tax) * 10_000n) / PPM;
      await expect(validator.connect(stranger).distributeRewards({ value: reward }))
        .to.emit(validator, "RewardsDistributed")
        .withArgs(reward, tax, commission, reward - tax - commission);
    });
  });

  describe("operator functions", () => {
    it("withdrawCommission queues the commission; reverts below 1 gwei, to zero, or for non-operators", async () => {
      const { validator, operator, stranger } = await loadFixture(validatorFixture);
      await expect(validator.connect(operator).withdrawCommission(operator.address))
        .to.be.revertedWithCustomError(validator, "ValidatorCommissionBelowMinimum")
        .withArgs(0n, GWEI);
      await validator.connect(stranger).distributeRewards({ value: ETH });
      const commission = await validator.commission();
      await expect(validator.connect(stranger).withdrawCommission(stranger.address))
        .to.be.revertedWithCustomError(validator, "ValidatorNotOperator")
        .withArgs(stranger.address, operator.address);
      await expect(validator.connect(operator).withdrawCommission(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        validator,
        "ValidatorZeroAddress",
      );
      await expect(validator.connect(operator).withdrawCommission(operator.address))
        .to.emit(validator, "CommissionWithdrawn")
        .withArgs(operator.address, commission, 0n);
      expect(await validator.commission()).to.equal(0n);
      expect((await validator.getWithdraw(0)).amount).to.equal(commission);
    });

    it("withdrawTipFee pays the excess balance at once; reverts with nothing to pay, rejected, or non-operator", async () => {
      const { validator, operator, alice, stranger, receiver } = await loadFixture(validatorFixture);
      await expect(validator.connect(operator).withdrawTipFee(operator.address)).to.be.revertedWithCustomError(
        validator,
        "ValidatorNoTipFee",
      );
      await validator.connect(alice).delegate(alice.address, { value: ETH });
      await validator.connect(alice).undelegate(alice.address, ETH, { value: FEE });
      await expect(validator.connect(stranger).withdrawTipFee(stranger.address))
        .to.be.revertedWithCustomError(validator, "ValidatorNotOperator")
        .withArgs(stranger.address, operator.address);
      await expect(validator.connect(operator).withdrawTipFee(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        validator,
        "ValidatorZeroAddress",
      );
      await receiver.setMode(1);
      await expect(validator.connect(operator).withdrawTipFee(await receiver.getAddress()))
        .to.be.revertedWithCustomError(validator, "ValidatorTransferFailed")
        .withArgs(await receiver.getAddress(), FEE);
      await expect(validator.connect(operator).withdrawTipFee(operator.address))
        .to.emit(validator, "TipFeeWithdrawn")
        .withArgs(operator.address, FEE);
      expect(await validator.tipFee()).to.equal(0n);
    });

    it("plain transfers become tip fee (TipReceived) and do not change the share price", async () => {
      const { validator, operator, stranger } = await loadFixture(validatorFixture);
      const v = await validator.getAddress();
      await expect(stranger.sendTransaction({ to: v, value: ETH }))
        .to.emit(validator, "TipReceived")
        .withArgs(stranger.address, ETH);
      expect(await validator.tipFee()).to.equal(ETH);
      expect(await validator.tokens()).to.equal(MIN_SELF_DELEGATION);
      await expect(validator.connect(operator).withdrawTipFee(operator.address)).to.changeEtherBalances(
        [validator, operator],
        [-ETH, ETH],
      );
    });

    it("setCommissionRate updates, emits, distributes pending rewards first, and enforces the maximum", async () => {
      const { validator, operator, stranger } = await loadFixture(validatorFixture);
      await expect(validator.connect(operator).setCommissionRate(500_001n))
        .to.be.revertedWithCustomError(validator, "ValidatorCommissionRateTooHigh")
        .withArgs(500_001n, 500_000n);
      await expect(validator.connect(stranger).setCommissionRate(1n))
        .to.be.revertedWithCustomError(validator, "ValidatorNotOperator")
        .withArgs(stranger.address, operator.address);
      await validator.connect(stranger).depositRewards({ value: ETH });
      await expect(validator.connect(operator).setCommissionRate(100_000n))
        .to.emit(validator, "CommissionRateUpdated")
        .withArgs(COMMISSION_PPM, 100_000n)
        .and.to.emit(validator, "RewardsDistributed");
      expect(await validator.commissionRate()).to.equal(100_000n);
      await expect(validator.connect(operator).setCommissionRate(100_000n)).to.not.emit(
        validator,
        "CommissionRateUpdated",
      );
    });

    it("setWithdrawalFeeInGwei updates, emits and enforces the maximum", async () => {
      const { validator, operator, stranger } = await loadFixture(validatorFixture);
      await expect(validator.connect(operator).setWithdrawalFeeInGwei(GWEI + 1n))
        .to.be.revertedWithCustomError(validator, "ValidatorWithdrawalFeeTooHigh")
        .withArgs(GWEI + 1n, GWEI);
      await expect(validator.connect(stranger).setWithdrawalFeeInGwei(2n))
        .to.be.revertedWithCustomError(validator, "ValidatorNotOperator")
        .withArgs(stranger.address, operator.address);
      await expect(validator.connect(operator).setWithdrawalFeeInGwei(7n))
        .to.emit(validator, "WithdrawalFeeUpdated")
        .withArgs(1n, 7n);
      expect(await validator.withdrawalFeeInGwei()).to.equal(7n);
      await expect(validator.connect(operator).setWithdrawalFeeInGwei(7n)).to.not.emit(
        validator,
        "WithdrawalFeeUpdated",
      );
    });

    describe("setDescription", () => {
      const limits = { moniker: 70, identity: 100, website: 140, securityContact: 140, details: 200 } as const;
      for (const [field, max] of Object.entries(limits)) {
        it(`accepts ${max} bytes of ${field} and reverts with DescriptionFieldTooLong at ${max + 1}`, async () => {
          const { validator, operator } = await loadFixture(validatorFixture);
          await expect(
            validator.connect(operator).setDescription({ ...DESCRIPTION, [field]: "x".repeat(max) }),
          ).to.emit(validator, "DescriptionUpdated");
          await expect(validator.connect(operator).setDescription({ ...DESCRIPTION, [field]: "x".repeat(max + 1) }))
            .to.be.revertedWithCustomError(validator, "DescriptionFieldTooLong")
            .withArgs(field, BigInt(max + 1), BigInt(max));
        });
      }

      it("counts UTF-8 bytes, not characters", async () => {
        const { validator, operator } = await loadFixture(validatorFixture);
        await expect(validator.connect(operator).setDescription({ ...DESCRIPTION, moniker: "é".repeat(36) }))
          .to.be.revertedWithCustomError(validator, "DescriptionFieldTooLong")
          .withArgs("moniker", 72n, 70n);
      });

      it("reverts for non-operators", async () => {
        const { validator, operator, stranger } = await loadFixture(validatorFixture);
        await expect(validator.connect(stranger).setDescription(DESCRIPTION))
          .to.be.revertedWithCustomError(validator, "ValidatorNotOperator")
          .withArgs(stranger.address, operator.address);
      });
    });
  });

  it("a second validator gets its own address and state", async () => {
    const { staking, validator, alice } = await loadFixture(validatorFixture);
    const second = await createValidator(staking, alice, { key: keyFor(9), commissionRate: 0n });
    expect(await second.getAddress()).to.not.equal(await validator.getAddress());
    expect(await second.operatorAddress()).to.equal(alice.address);
    expect(await staking.validatorCount()).to.equal(2n);
    expect(await staking.validatorAt(1)).to.equal(await second.getAddress());
    const both = [await validator.getAddress(), await second.getAddress()];
    expect(await staking.getValidators(0, 10)).to.deep.equal(both);
    expect(await staking.getValidators(1, 1)).to.deep.equal([both[1]]);
    expect(await staking.getValidators(0, 1)).to.deep.equal([both[0]]);
    expect(await staking.getValidators(2, 5)).to.deep.equal([]);
    expect(await staking.getValidators(1, 2n ** 256n - 1n)).to.deep.equal([both[1]]);
  });
});
