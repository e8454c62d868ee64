import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  deployCompute,
  fundedFixture,
  LOCK,
  MIN_ACCOUNT_BALANCE,
  ONE,
  PROVIDER_STAKE,
  SERVICE_NAME,
  serviceParams,
  signed,
} from "./fixtures";

const LONG_INFO = "x".repeat(4097);

function slotOf(namespace: string): bigint {
  const h = BigInt(ethers.keccak256(ethers.toUtf8Bytes(namespace))) - 1n;
  return BigInt(ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["uint256"], [h]))) & ~0xffn;
}

describe("LedgerManager", function () {
  describe("deployment", function () {
    it("grants the admin, service-manager and upgrader roles to account 0", async function () {
      const { ledger, admin } = await loadFixture(deployCompute);
      for (const role of [
        await ledger.DEFAULT_ADMIN_ROLE(),
        await ledger.SERVICE_MANAGER_ROLE(),
        await ledger.UPGRADER_ROLE(),
      ]) {
        expect(await ledger.hasRole(role, admin.address)).to.equal(true);
      }
    });

    it("registers and recommends inference-v1.0 as the SDK expects", async function () {
      const { ledger, inference } = await loadFixture(deployCompute);
      const info = await ledger.getServiceInfo(await inference.getAddress());
      expect(info.fullName).to.equal(SERVICE_NAME);
      expect(info.serviceType).to.equal("inference");
      expect(info.version).to.equal("v1.0");
      expect(info.serviceContract).to.equal(await inference.getAddress());
      expect(info.isRecommended).to.equal(true);
      expect(await ledger.getServiceAddressByName(SERVICE_NAME)).to.equal(await inference.getAddress());
      const [version, addr] = await ledger.getRecommendedService("inference");
      expect([version, addr]).to.deep.equal(["v1.0", await inference.getAddress()]);
      expect(await ledger.isRecommendedVersion("inference", "v1.0")).to.equal(true);
      expect(await ledger.isRecommendedVersion("inference", "v2.0")).to.equal(false);
    });

    it("stores state at the ERC-7201 slot of zg.storage.LedgerManager", async function () {
      const { ledger, user } = await loadFixture(deployCompute);
      await ledger.connect(user).addLedger("", { value: MIN_ACCOUNT_BALANCE });
      // Field 1 of the namespace is the user set; its first word is the values array length.
      const base = slotOf("zg.storage.LedgerManager");
      expect(await ethers.provider.getStorage(await ledger.getAddress(), base + 1n)).to.equal(ethers.toBeHex(1n, 32));
    });

    it("cannot initialise the implementation or the proxy twice", async function () {
      const { ledger, admin } = await loadFixture(deployCompute);
      await expect(ledger.initialize(admin.address)).to.be.revertedWithCustomError(ledger, "InvalidInitialization");
      const impl = await ethers.deployContract("LedgerManager");
      await expect(impl.initialize(admin.address)).to.be.revertedWithCustomError(impl, "InvalidInitialization");
    });

    it("rejects a zero owner", async function () {
      const impl = await ethers.deployContract("LedgerManager");
      const data = impl.interface.encodeFunctionData("initialize", [ethers.ZeroAddress]);
      const proxy = ethers.getContractFactory("ERC1967Proxy");
      await expect((await proxy).deploy(await impl.getAddress(), data)).to.be.revertedWithCustomError(
        impl,
        "ZeroAddressNotAllowed",
      );
    });

    it("only the upgrader role can upgrade", async function () {
      const { ledger, other, admin, user } = await loadFixture(deployCompute);
      const next = await ethers.deployContract("LedgerManager");
      await expect(ledger.connect(other).upgradeToAndCall(await next.getAddress(), "0x"))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(other.address, await ledger.UPGRADER_ROLE());
      await ledger.connect(user).addLedger("keep", { value: MIN_ACCOUNT_BALANCE });
      await ledger.connect(admin).upgradeToAndCall(await next.getAddress(), "0x");
      expect((await ledger.getLedger(user.address)).additionalInfo).to.equal("keep");
    });

    it("rejects direct deposits from anyone but a registered service", async function () {
      const { ledger, user } = await loadFixture(deployCompute);
      await expect(user.sendTransaction({ to: await ledger.getAddress(), value: 1n })).to.be.revertedWithCustomError(
        ledger,
        "DirectDepositsDisabled",
      );
    });
  });

  describe("addLedger", function () {
    it("creates the ledger and emits LedgerDeposited", async function () {
      const { ledger, user } = await loadFixture(deployCompute);
      const value = 4n * ONE;
      expect(await ledger.connect(user).addLedger.staticCall("info", { value })).to.deep.equal([value, value]);
      await expect(ledger.connect(user).addLedger("info", { value }))
        .to.emit(ledger, "LedgerDeposited")
        .withArgs(user.address, user.address, value, true);
      const l = await ledger.getLedger(user.address);
      expect([l.user, l.availableBalance, l.totalBalance, l.additionalInfo]).to.deep.equal([
        user.address,
        value,
        value,
        "info",
      ]);
    });

    it("reverts LedgerExists for a second ledger", async function () {
      const { ledger, user } = await loadFixture(deployCompute);
      await ledger.connect(user).addLedger("", { value: MIN_ACCOUNT_BALANCE });
      await expect(ledger.connect(user).addLedger("", { value: MIN_ACCOUNT_BALANCE }))
        .to.be.revertedWithCustomError(ledger, "LedgerExists")
        .withArgs(user.address);
    });

    it("reverts MinimumDepositRequired below 3 0G", async function () {
      const { ledger, user } = await loadFixture(deployCompute);
      await expect(ledger.connect(user).addLedger("", { value: MIN_ACCOUNT_BALANCE - 1n }))
        .to.be.revertedWithCustomError(ledger, "MinimumDepositRequired")
        .withArgs(MIN_ACCOUNT_BALANCE - 1n, MIN_ACCOUNT_BALANCE);
    });

    it("checks in 0G's order: the amount, then the info, then an existing ledger", async function () {
      const { ledger, user } = await loadFixture(deployCompute);
      await expect(ledger.connect(user).addLedger(LONG_INFO, { value: 0n }))
        .to.be.revertedWithCustomError(ledger, "MinimumDepositRequired")
        .withArgs(0n, MIN_ACCOUNT_BALANCE);
      await ledger.connect(user).addLedger("", { value: MIN_ACCOUNT_BALANCE });
      await expect(ledger.connect(user).addLedger(LONG_INFO, { value: 1n }))
        .to.be.revertedWithCustomError(ledger, "MinimumDepositRequired")
        .withArgs(1n, MIN_ACCOUNT_BALANCE);
      await expect(ledger.connect(user).addLedger(LONG_INFO, { value: MIN_ACCOUNT_BALANCE }))
        .to.be.revertedWithCustomError(ledger, "AdditionalInfoTooLong")
        .withArgs(4097, 4096);
      await expect(ledger.connect(user).addLedger("", { value: MIN_ACCOUNT_BALANCE }))
        .to.be.revertedWithCustomError(ledger, "LedgerExists")
        .withArgs(user.address);
    });

    it("reverts AdditionalInfoTooLong above 4096 bytes", async function () {
      const { ledger, user } = await loadFixture(deployCompute);
      await expect(ledger.connect(user).addLedger(LONG_INFO, { value: MIN_ACCOUNT_BALANCE }))
        .to.be.revertedWithCustomError(ledger, "AdditionalInfoTooLong")
        .withArgs(4097, 4096);
    });
  });

  describe("updateAdditionalInfo", function () {
    it("updates and emits LedgerInfoUpdated", async function () {
      const { ledger, user } = await loadFixture(deployCompute);
      await ledger.connect(user).addLedger("", { value: MIN_ACCOUNT_BALANCE });
      await expect(ledger.connect(user).updateAdditionalInfo("new"))
        .to.emit(ledger, "LedgerInfoUpdated")
        .withArgs(user.address, "new");
      expect((await ledger.getLedger(user.address)).additionalInfo).to.equal("new");
    });

    it("reverts LedgerNotExists without a ledger and AdditionalInfoTooLong for long text", async function () {
      const { ledger, user } = await loadFixture(deployCompute);
      await expect(ledger.connect(user).updateAdditionalInfo("x"))
        .to.be.revertedWithCustomError(ledger, "LedgerNotExists")
        .withArgs(user.address);
      await ledger.connect(user).addLedger("", { value: MIN_ACCOUNT_BALANCE });
      await expect(ledger.connect(user).updateAdditionalInfo(LONG_INFO))
        .to.be.revertedWithCustomError(ledger, "AdditionalInfoTooLong")
        .withArgs(4097, 4096);
    });
  });

  describe("depositFund / depositFundFor", function () {
    it("creates a missing ledger, then adds to available and total", async function () {
      const { ledger, user } = await loadFixture(deployCompute);
      await ledger.connect(user).depositFund({ value: MIN_ACCOUNT_BALANCE });
      await expect(ledger.connect(user).depositFund({ value: 1n }))
        .to.emit(ledger, "LedgerDeposited")
        .withArgs(user.address, user.address, 1n, false);
      const l = await ledger.getLedger(user.address);
      expect([l.availableBalance, l.totalBalance]).to.deep.equal([MIN_ACCOUNT_BALANCE + 1n, MIN_ACCOUNT_BALANCE + 1n]);
    });

    it("credits the recipient", async function () {
      const { ledger, user, other } = await loadFixture(deployCompute);
      await expect(ledger.connect(other).depositFundFor(user.address, { value: MIN_ACCOUNT_BALANCE }))
        .to.emit(ledger, "LedgerDeposited")
        .withArgs(user.address, other.address, MIN_ACCOUNT_BALANCE, true);
      expect((await ledger.getLedger(user.address)).totalBalance).to.equal(MIN_ACCOUNT_BALANCE);
    });

    it("reverts ZeroAmountNotAllowed, ZeroAddressNotAllowed and MinimumDepositRequired", async function () {
      const { ledger, user } = await loadFixture(deployCompute);
      await expect(ledger.connect(user).depositFund({ value: 0 })).to.be.revertedWithCustomError(
        ledger,
        "ZeroAmountNotAllowed",
      );
      await expect(
        ledger.connect(user).depositFundFor(ethers.ZeroAddress, { value: ONE }),
      ).to.be.revertedWithCustomError(ledger, "ZeroAddressNotAllowed");
      await expect(ledger.connect(user).depositFundFor(user.address, { value: ONE }))
        .to.be.revertedWithCustomError(ledger, "MinimumDepositRequired")
        .withArgs(ONE, MIN_ACCOUNT_BALANCE);
    });

    it("reverts SafeCastOverflowedUintDowncast when the total would pass 2^120 - 1 wei", async function () {
      const { ledger, user } = await loadFixture(deployCompute);
      const max = (1n << 120n) - 1n;
      await ethers.provider.send("hardhat_setBalance", [user.address, ethers.toQuantity(max * 4n)]);
      await expect(ledger.connect(user).depositFund({ value: max + 1n }))
        .to.be.revertedWithCustomError(ledger, "SafeCastOverflowedUintDowncast")
        .withArgs(120, max + 1n);
      await ledger.connect(user).depositFund({ value: max });
      await expect(ledger.connect(user).depositFund({ value: 1n }))
        .to.be.revertedWithCustomError(ledger, "SafeCastOverflowedUintDowncast")
        .withArgs(120, max + 1n);
      const l = await ledger.getLedger(user.address);
      expect([l.availableBalance, l.totalBalance]).to.deep.equal([max, max]);
    });
  });

  describe("refund", function () {
    it("sends coin to the wallet and emits LedgerRefunded", async function () {
      const { ledger, user } = await loadFixture(deployCompute);
      await ledger.connect(user).addLedger("", { value: 5n * ONE });
      await expect(ledger.connect(user).refund(2n * ONE)).to.changeEtherBalances([user, ledger], [2n * ONE, -2n * ONE]);
      expect((await ledger.getLedger(user.address)).totalBalance).to.equal(3n * ONE);
    });

    it("deletes the ledger when everything is withdrawn", async function () {
      const { ledger, user } = await loadFixture(deployCompute);
      await ledger.connect(user).addLedger("", { value: 5n * ONE });
      await expect(ledger.connect(user).refund(5n * ONE))
        .to.emit(ledger, "LedgerDeleted")
        .withArgs(user.address);
      await expect(ledger.getLedger(user.address)).to.be.revertedWithCustomError(ledger, "LedgerNotExists");
      const [, total] = await ledger.getAllLedgers(0, 0);
      expect(total).to.equal(0n);
    });

    it("reverts LedgerNotExists, ZeroAmountNotAllowed, InsufficientBalance (0G's error)", async function () {
      const { ledger, user } = await loadFixture(deployCompute);
      await expect(ledger.connect(user).refund(1n))
        .to.be.revertedWithCustomError(ledger, "LedgerNotExists")
        .withArgs(user.address);
      await ledger.connect(user).addLedger("", { value: 5n * ONE });
      await expect(ledger.connect(user).refund(0)).to.be.revertedWithCustomError(ledger, "ZeroAmountNotAllowed");
      await expect(ledger.connect(user).refund(6n * ONE))
        .to.be.revertedWithCustomError(ledger, "InsufficientBalance")
        .withArgs(user.address);
    });

    it("reverts MinimumDepositRequired when the total left is below 3 0G but not zero", async function () {
      const { ledger, user } = await loadFixture(deployCompute);
      await ledger.connect(user).addLedger("", { value: 5n * ONE });
      await expect(ledger.connect(user).refund(3n * ONE))
        .to.be.revertedWithCustomError(ledger, "MinimumDepositRequired")
        .withArgs(2n * ONE, MIN_ACCOUNT_BALANCE);
    });

    it("reverts TransferFailed when the wallet rejects coin", async function () {
      const { ledger, inference, other } = await loadFixture(deployCompute);
      const mock = await ethers.deployContract("ProviderMock", [await inference.getAddress()]);
      const iface = ledger.interface;
      await mock
        .connect(other)
        .exec(await ledger.getAddress(), iface.encodeFunctionData("depositFund"), { value: 4n * ONE });
      await expect(
        mock.exec(await ledger.getAddress(), iface.encodeFunctionData("refund", [ONE])),
      ).to.be.revertedWithCustomError(ledger, "TransferFailed");
    });
  });

  describe("transferFund", function () {
    it("opens a sub-account and moves the coin to the service", async function () {
      const { ledger, inference, provider, user } = await loadFixture(deployCompute);
      await inference.connect(provider).addOrUpdateService(serviceParams(), { value: PROVIDER_STAKE });
      await ledger.connect(user).addLedger("settle-key", { value: 10n * ONE });
      const tx = ledger.connect(user).transferFund(provider.address, SERVICE_NAME, 2n * ONE);
      await expect(tx)
        .to.emit(ledger, "FundTransferred")
        .withArgs(user.address, provider.address, await inference.getAddress(), 2n * ONE, 0n)
        .and.to.emit(inference, "BalanceUpdated")
        .withArgs(user.address, provider.address, 2n * ONE, 0n);
      await expect(tx).to.changeEtherBalances([ledger, inference], [-2n * ONE, 2n * ONE]);
      const l = await ledger.getLedger(user.address);
      expect([l.availableBalance, l.totalBalance]).to.deep.equal([8n * ONE, 10n * ONE]);
      const a = await inference.getAccount(user.address, provider.address);
      expect([a.balance, a.additionalInfo, a.acknowledged]).to.deep.equal([2n * ONE, "settle-key", true]);
      expect(await ledger.getLedgerProviders(user.address, SERVICE_NAME)).to.deep.equal([provider.address]);
    });

    it("cancels pending refunds newest first before sending new coin", async function () {
      const { ledger, inference, provider, user } = await loadFixture(fundedFixture);
      await ledger.connect(user).retrieveFund([provider.address], SERVICE_NAME); // 5 pending
      const tx = ledger.connect(user).transferFund(provider.address, SERVICE_NAME, 7n * ONE);
      await expect(tx)
        .to.emit(ledger, "FundTransferred")
        .withArgs(user.address, provider.address, await inference.getAddress(), 2n * ONE, 5n * ONE);
      await expect(tx).to.changeEtherBalances([ledger, inference], [-2n * ONE, 2n * ONE]);
      const a = await inference.getAccount(user.address, provider.address);
      expect([a.balance, a.pendingRefund, a.validRefundsLength]).to.deep.equal([7n * ONE, 0n, 0n]);
      expect((await ledger.getLedger(user.address)).availableBalance).to.equal(3n * ONE);
    });

    it("reverts LedgerNotExists, InvalidServiceType, ZeroAmountNotAllowed, ZeroAddressNotAllowed", async function () {
      const { ledger, provider, user } = await loadFixture(deployCompute);
      await expect(ledger.connect(user).transferFund(provider.address, SERVICE_NAME, ONE))
        .to.be.revertedWithCustomError(ledger, "LedgerNotExists")
        .withArgs(user.address);
      await ledger.connect(user).addLedger("", { value: 5n * ONE });
      await expect(ledger.connect(user).transferFund(provider.address, "inference", ONE))
        .to.be.revertedWithCustomError(ledger, "InvalidServiceType")
        .withArgs("inference");
      await expect(ledger.connect(user).transferFund(provider.address, SERVICE_NAME, 0)).to.be.revertedWithCustomError(
        ledger,
        "ZeroAmountNotAllowed",
      );
      await expect(
        ledger.connect(user).transferFund(ethers.ZeroAddress, SERVICE_NAME, ONE),
      ).to.be.revertedWithCustomError(ledger, "ZeroAddressNotAllowed");
    });

    it("reverts MinimumDepositRequired for a new sub-account below 1 0G", async function () {
      const { ledger, provider, user } = await loadFixture(deployCompute);
      await ledger.connect(user).addLedger("", { value: 5n * ONE });
      await expect(ledger.connect(user).transferFund(provider.address, SERVICE_NAME, ONE - 1n))
        .to.be.revertedWithCustomError(ledger, "MinimumDepositRequired")
        .withArgs(ONE - 1n, ONE);
    });

    it("reverts InsufficientAvailableBalance for new and existing sub-accounts", async function () {
      const { ledger, inference, provider, provider2, user } = await loadFixture(fundedFixture);
      await expect(ledger.connect(user).transferFund(provider.address, SERVICE_NAME, 6n * ONE))
        .to.be.revertedWithCustomError(ledger, "InsufficientAvailableBalance")
        .withArgs(5n * ONE, 6n * ONE);
      await inference.connect(provider2).addOrUpdateService(serviceParams(), { value: PROVIDER_STAKE });
      await expect(ledger.connect(user).transferFund(provider2.address, SERVICE_NAME, 6n * ONE))
        .to.be.revertedWithCustomError(ledger, "InsufficientAvailableBalance")
        .withArgs(5n * ONE, 6n * ONE);
    });

    it("bubbles ServiceNotExist when the provider has no service", async function () {
      const { ledger, inference, provider2, user } = await loadFixture(fundedFixture);
      await expect(ledger.connect(user).transferFund(provider2.address, SERVICE_NAME, ONE))
        .to.be.revertedWithCustomError(inference, "ServiceNotExist")
        .withArgs(provider2.address);
    });

    it("reverts TooManyProvidersForService beyond 50 providers", async function () {
      const { ledger, inference, user } = await loadFixture(deployCompute);
      await ledger.connect(user).addLedger("", { value: 60n * ONE });
      for (let i = 0; i < 51; i++) {
        const w = ethers.Wallet.createRandom().connect(ethers.provider);
        await ethers.provider.send("hardhat_setBalance", [w.address, ethers.toQuantity(101n * ONE)]);
        await inference.connect(w).addOrUpdateService(serviceParams(), { value: PROVIDER_STAKE });
        const tx = ledger.connect(user).transferFund(w.address, SERVICE_NAME, ONE);
        if (i < 50) await tx;
        else await expect(tx).to.be.revertedWithCustomError(ledger, "TooManyProvidersForService").withArgs(50, 50);
      }
    });
  });

  describe("retrieveFund", function () {
    it("queues a refund, then returns it after the lock", async function () {
      const { ledger, inference, provider, user } = await loadFixture(fundedFixture);
      await expect(ledger.connect(user).retrieveFund([provider.address], SERVICE_NAME))
        .to.emit(inference, "RefundRequested")
        .and.not.to.emit(ledger, "FundRetrieved");
      expect(await inference.getPendingRefund(user.address, provider.address)).to.equal(5n * ONE);
      await ledger.connect(user).retrieveFund([provider.address], SERVICE_NAME); // still locked: nothing changes
      expect((await ledger.getLedger(user.address)).availableBalance).to.equal(5n * ONE);
      await time.increase(LOCK);
      const tx = ledger.connect(user).retrieveFund([provider.address], SERVICE_NAME);
      await expect(tx)
        .to.emit(ledger, "FundRetrieved")
        .withArgs(user.address, await inference.getAddress(), 5n * ONE);
      await expect(tx).to.changeEtherBalances([ledger, inference], [5n * ONE, -5n * ONE]);
      const l = await ledger.getLedger(user.address);
      expect([l.availableBalance, l.totalBalance]).to.deep.equal([10n * ONE, 10n * ONE]);
    });

    it("skips providers without a sub-account", async function () {
      const { ledger, provider2, user } = await loadFixture(fundedFixture);
      await expect(ledger.connect(user).retrieveFund([provider2.address], SERVICE_NAME)).not.to.be.reverted;
    });

    it("reverts TooManyProviders above 20, LedgerNotExists and InvalidServiceType", async function () {
      const { ledger, user, other } = await loadFixture(fundedFixture);
      const many = Array.from({ length: 21 }, () => ethers.Wallet.createRandom().address);
      await expect(ledger.connect(user).retrieveFund(many, SERVICE_NAME))
        .to.be.revertedWithCustomError(ledger, "TooManyProviders")
        .withArgs(21, 20);
      await expect(ledger.connect(other).retrieveFund([], SERVICE_NAME))
        .to.be.revertedWithCustomError(ledger, "LedgerNotExists")
        .withArgs(other.address);
      await expect(ledger.connect(user).retrieveFund([], "nope"))
        .to.be.revertedWithCustomError(ledger, "InvalidServiceType")
        .withArgs("nope");
    });

    it("reverts LedgerRefundMismatch when a service reports more than it sent", async function () {
      const { ledger, admin, user } = await loadFixture(fundedFixture);
      const svc = await ethers.deployContract("ServiceMock");
      await ledger.connect(admin).registerService("mock", "v1", await svc.getAddress(), "");
      await svc.setReportedRefund(ONE);
      await expect(ledger.connect(user).retrieveFund([user.address], "mock-v1"))
        .to.be.revertedWithCustomError(ledger, "LedgerRefundMismatch")
        .withArgs(await svc.getAddress(), ONE, 0n);
    });

    it("bubbles TooManyRefunds when a sixth refund would be queued", async function () {
      const { ledger, inference, provider, user } = await loadFixture(fundedFixture);
      // Each top-up cancels only part of the newest refund, so every retrieveFund queues one more.
      let topUp = 2n * ONE;
      for (let i = 0; i < 5; i++) {
        await ledger.connect(user).retrieveFund([provider.address], SERVICE_NAME);
        await ledger.connect(user).transferFund(provider.address, SERVICE_NAME, topUp);
        topUp /= 2n;
      }
      expect((await inference.getAccount(user.address, provider.address)).validRefundsLength).to.equal(5n);
      await expect(ledger.connect(user).retrieveFund([provider.address], SERVICE_NAME))
        .to.be.revertedWithCustomError(inference, "TooManyRefunds")
        .withArgs(user.address, provider.address);
    });
  });

  describe("deleteLedger", function () {
    it("reverts MustWithdrawAllFundsFirst while funds remain, LedgerNotExists without a ledger", async function () {
      const { ledger, user, other } = await loadFixture(fundedFixture);
      await expect(ledger.connect(user).deleteLedger())
        .to.be.revertedWithCustomError(ledger, "MustWithdrawAllFundsFirst")
        .withArgs(10n * ONE);
      await expect(ledger.connect(other).deleteLedger())
        .to.be.revertedWithCustomError(ledger, "LedgerNotExists")
        .withArgs(other.address);
    });

    it("deletes an empty ledger and its sub-accounts", async function () {
      const { ledger, inference, provider, admin, user2 } = await loadFixture(deployCompute);
      await inference.connect(provider).addOrUpdateService(serviceParams(), { value: PROVIDER_STAKE });
      await inference.connect(admin).acknowledgeTEESignerByOwner(provider.address);
      await ledger.connect(user2).addLedger("", { value: 3n * ONE });
      await ledger.connect(user2).transferFund(provider.address, SERVICE_NAME, 3n * ONE);
      const item = await signed(inference, { user: user2.address, provider: provider.address, totalFee: 3n * ONE });
      await inference.connect(provider).settleFeesWithTEE([item]);
      await expect(ledger.connect(user2).deleteLedger())
        .to.emit(ledger, "LedgerDeleted")
        .withArgs(user2.address)
        .and.to.emit(inference, "AccountDeleted")
        .withArgs(user2.address, provider.address, 0n);
      expect(await inference.accountExists(user2.address, provider.address)).to.equal(false);
      expect(await ledger.getLedgerProviders(user2.address, SERVICE_NAME)).to.deep.equal([]);
    });
  });

  describe("spendFund", function () {
    it("reverts CallerNotRegisteredService for anyone else", async function () {
      const { ledger, user, other } = await loadFixture(fundedFixture);
      await expect(ledger.connect(other).spendFund(user.address, 1n))
        .to.be.revertedWithCustomError(ledger, "CallerNotRegisteredService")
        .withArgs(other.address);
    });

    it("reverts InsufficientBalance when a service spends coin it does not hold, LedgerNotExists without a ledger", async function () {
      const { ledger, inference, admin, user, other } = await loadFixture(fundedFixture);
      const svc = await ethers.deployContract("ServiceMock");
      await ledger.connect(admin).registerService("mock", "v1", await svc.getAddress(), "");
      // The user's 5 0G are locked in InferenceServing, not in the mock: the mock cannot spend any of it.
      expect(await ledger.lockedIn(user.address, await inference.getAddress())).to.equal(5n * ONE);
      expect(await ledger.lockedIn(user.address, await svc.getAddress())).to.equal(0n);
      await expect(svc.spend(await ledger.getAddress(), user.address, 1n))
        .to.be.revertedWithCustomError(ledger, "InsufficientBalance")
        .withArgs(user.address);
      await expect(svc.spend(await ledger.getAddress(), other.address, 1n))
        .to.be.revertedWithCustomError(ledger, "LedgerNotExists")
        .withArgs(other.address);
    });

    it("tracks the coin each service holds through transfers, settlements and retrievals", async function () {
      const { ledger, inference, provider, user } = await loadFixture(fundedFixture);
      const inf = await inference.getAddress();
      const item = await signed(inference, { user: user.address, provider: provider.address, totalFee: ONE });
      await expect(inference.connect(provider).settleFeesWithTEE([item]))
        .to.emit(ledger, "FundSpent")
        .withArgs(user.address, inf, ONE);
      expect(await ledger.lockedIn(user.address, inf)).to.equal(4n * ONE);
      await ledger.connect(user).retrieveFund([provider.address], SERVICE_NAME);
      await time.increase(LOCK);
      await ledger.connect(user).retrieveFund([provider.address], SERVICE_NAME);
      expect(await ledger.lockedIn(user.address, inf)).to.equal(0n);
      const l = await ledger.getLedger(user.address);
      expect([l.availableBalance, l.totalBalance]).to.deep.equal([9n * ONE, 9n * ONE]);
    });
  });

  describe("registerService / setRecommendedService", function () {
    it("non-managers cannot register or recommend", async function () {
      const { ledger, other } = await loadFixture(deployCompute);
      const svc = await ethers.deployContract("ServiceMock");
      const role = await ledger.SERVICE_MANAGER_ROLE();
      await expect(ledger.connect(other).registerService("x", "v1", await svc.getAddress(), ""))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(other.address, role);
      await expect(ledger.connect(other).setRecommendedService("inference", "v1.0"))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(other.address, role);
    });

    it("validates type, version, address, uniqueness and ERC-165", async function () {
      const { ledger, inference, admin, other } = await loadFixture(deployCompute);
      const svc = await ethers.deployContract("ServiceMock");
      const s = await svc.getAddress();
      const m = ledger.connect(admin);
      await expect(m.registerService("", "v1", s, "")).to.be.revertedWithCustomError(ledger, "ServiceTypeRequired");
      await expect(m.registerService("x", "", s, "")).to.be.revertedWithCustomError(ledger, "VersionRequired");
      await expect(m.registerService("x", "v1", other.address, ""))
        .to.be.revertedWithCustomError(ledger, "InvalidServiceAddress")
        .withArgs(other.address);
      await expect(m.registerService("x", "v1", await inference.getAddress(), ""))
        .to.be.revertedWithCustomError(ledger, "ServiceAlreadyRegistered")
        .withArgs(await inference.getAddress());
      await expect(m.registerService("inference", "v1.0", s, ""))
        .to.be.revertedWithCustomError(ledger, "ServiceNameExists")
        .withArgs(SERVICE_NAME);
      const impl = await ethers.deployContract("LedgerManager");
      await expect(m.registerService("x", "v1", await impl.getAddress(), ""))
        .to.be.revertedWithCustomError(ledger, "ServiceMustImplementIServing")
        .withArgs(await impl.getAddress());
      await expect(m.registerService("inference", "v2.0", s, "second"))
        .to.emit(ledger, "ServiceRegistered")
        .withArgs(s, "inference-v2.0");
      const [versions, addrs, flags] = await ledger.getAllVersions("inference");
      expect(versions).to.deep.equal(["v1.0", "v2.0"]);
      expect(addrs).to.deep.equal([await inference.getAddress(), s]);
      expect(flags).to.deep.equal([true, false]);
      await expect(m.setRecommendedService("inference", "v2.0"))
        .to.emit(ledger, "RecommendedServiceUpdated")
        .withArgs("inference", "v2.0", s);
      await expect(m.setRecommendedService("inference", "v2.0")).not.to.emit(ledger, "RecommendedServiceUpdated");
      expect((await ledger.getAllActiveServices()).map((x) => x.isRecommended)).to.deep.equal([false, true]);
      await expect(m.setRecommendedService("inference", "v9"))
        .to.be.revertedWithCustomError(ledger, "InvalidServiceType")
        .withArgs("inference-v9");
    });

    it("reverts ServiceRegistryLimitReached at 500 services", async function () {
      this.timeout(600_000);
      const { ledger, admin } = await loadFixture(deployCompute);
      const factory = await ethers.getContractFactory("ServiceMock");
      for (let i = 1; i < 500; i++) {
        const svc = await factory.deploy();
        await ledger.connect(admin).registerService("mock", `v${i}`, await svc.getAddress(), "");
      }
      const last = await factory.deploy();
      await expect(ledger.connect(admin).registerService("mock", "v500", await last.getAddress(), ""))
        .to.be.revertedWithCustomError(ledger, "ServiceRegistryLimitReached")
        .withArgs(500);
    });
  });

  describe("views", function () {
    it("pages ledgers and rejects pages above 50", async function () {
      const { ledger, user, user2, other } = await loadFixture(deployCompute);
      for (const s of [user, user2, other]) await ledger.connect(s).addLedger("", { value: MIN_ACCOUNT_BALANCE });
      const [page, total] = await ledger.getAllLedgers(1, 5);
      expect(total).to.equal(3n);
      expect(page.map((l) => l.user)).to.deep.equal([user2.address, other.address]);
      expect((await ledger.getAllLedgers(7, 0))[0]).to.deep.equal([]);
      expect((await ledger.getAllLedgers(ethers.MaxUint256, 50))[0]).to.deep.equal([]);
      await expect(ledger.getAllLedgers(0, 51))
        .to.be.revertedWithCustomError(ledger, "LedgerLimitTooLarge")
        .withArgs(51, 50);
    });

    it("reverts ServiceNotRegistered, InvalidServiceType and NoRecommendedService for unknown services", async function () {
      const { ledger, other } = await loadFixture(deployCompute);
      await expect(ledger.getServiceInfo(other.address))
        .to.be.revertedWithCustomError(ledger, "ServiceNotRegistered")
        .withArgs(other.address);
      await expect(ledger.getServiceAddressByName("x"))
        .to.be.revertedWithCustomError(ledger, "InvalidServiceType")
        .withArgs("x");
      await expect(ledger.getLedgerProviders(other.address, "x")).to.be.revertedWithCustomError(
        ledger,
        "InvalidServiceType",
      );
      await expect(ledger.getRecommendedService("fine-tuning"))
        .to.be.revertedWithCustomError(ledger, "NoRecommendedService")
        .withArgs("fine-tuning");
      const [versions] = await ledger.getAllVersions("fine-tuning");
      expect(versions).to.deep.equal([]);
    });
  });
});
