import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Interface } from "ethers";
import type { InferenceServing } from "../../../typechain";
import {
  deployCompute,
  fundedFixture,
  LOCK,
  ONE,
  PROVIDER_STAKE,
  SERVICE_NAME,
  serviceParams,
  TEE_ADDRESS,
} from "./fixtures";

function slotOf(namespace: string): bigint {
  const h = BigInt(ethers.keccak256(ethers.toUtf8Bytes(namespace))) - 1n;
  return BigInt(ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["uint256"], [h]))) & ~0xffn;
}

/** InferenceServing whose "ledger" is a plain account, so the IServing hooks can be called directly. */
async function standaloneFixture() {
  const [admin, ledgerEoa, provider, user, other] = await ethers.getSigners();
  const impl = await ethers.deployContract("InferenceServing");
  const data = impl.interface.encodeFunctionData("initialize", [LOCK, ledgerEoa.address, admin.address]);
  const proxy = await ethers.deployContract("ERC1967Proxy", [await impl.getAddress(), data]);
  const inference = (await ethers.getContractAt(
    "InferenceServing",
    await proxy.getAddress(),
  )) as unknown as InferenceServing;
  await inference.connect(provider).addOrUpdateService(serviceParams(), { value: PROVIDER_STAKE });
  const hooks = inference.connect(ledgerEoa);
  return { admin, ledgerEoa, provider, user, other, inference, hooks, impl };
}

describe("InferenceServing", function () {
  describe("initialize", function () {
    it("stores the ledger and lock at the ERC-7201 slot of zg.storage.InferenceServing", async function () {
      const { inference, ledger } = await loadFixture(deployCompute);
      const base = slotOf("zg.storage.InferenceServing");
      const at = (i: bigint) => ethers.provider.getStorage(inference.getAddress(), base + i);
      expect(BigInt(await at(0n))).to.equal(BigInt(await ledger.getAddress()));
      expect(BigInt(await at(1n))).to.equal(LOCK);
      expect(await inference.lockTime()).to.equal(LOCK);
      expect(await inference.ledgerAddress()).to.equal(await ledger.getAddress());
    });

    it("rejects an out-of-range lock, a zero ledger and a zero owner", async function () {
      const { impl, admin, ledgerEoa } = await loadFixture(standaloneFixture);
      const factory = await ethers.getContractFactory("ERC1967Proxy");
      const init = (args: [bigint, string, string]) => impl.interface.encodeFunctionData("initialize", args);
      await expect(factory.deploy(await impl.getAddress(), init([59n, ledgerEoa.address, admin.address])))
        .to.be.revertedWithCustomError(impl, "LockTimeOutOfRange")
        .withArgs(59n, 60n, 604800n);
      await expect(factory.deploy(await impl.getAddress(), init([LOCK, ethers.ZeroAddress, admin.address])))
        .to.be.revertedWithCustomError(impl, "InvalidAddress")
        .withArgs(ethers.ZeroAddress);
      await expect(factory.deploy(await impl.getAddress(), init([LOCK, ledgerEoa.address, ethers.ZeroAddress])))
        .to.be.revertedWithCustomError(impl, "InvalidAddress")
        .withArgs(ethers.ZeroAddress);
      await expect(impl.initialize(LOCK, ledgerEoa.address, admin.address)).to.be.revertedWithCustomError(
        impl,
        "InvalidInitialization",
      );
    });

    it("answers ERC-165 for IServing with the 7-function id", async function () {
      const { inference } = await loadFixture(deployCompute);
      const sels = [
        "accountExists(address,address)",
        "getPendingRefund(address,address)",
        "addAccount(address,address,string)",
        "depositFund(address,address,uint256)",
        "requestRefundAll(address,address)",
        "processRefund(address,address)",
        "deleteAccount(address,address)",
      ].map((s) => BigInt(ethers.id(s).slice(0, 10)));
      const id = ethers.toBeHex(
        sels.reduce((a, b) => a ^ b, 0n),
        4,
      );
      expect(await inference.supportsInterface(id)).to.equal(true);
      expect(await inference.supportsInterface("0x01ffc9a7")).to.equal(true);
      expect(await inference.supportsInterface("0xdeadbeef")).to.equal(false);
    });

    it("rejects direct deposits", async function () {
      const { inference, user } = await loadFixture(deployCompute);
      await expect(user.sendTransaction({ to: await inference.getAddress(), value: 1n })).to.be.revertedWithCustomError(
        inference,
        "DirectDepositsDisabled",
      );
    });

    it("only the upgrader role can upgrade", async function () {
      const { inference, other, admin } = await loadFixture(deployCompute);
      const next = await ethers.deployContract("InferenceServing");
      await expect(inference.connect(other).upgradeToAndCall(await next.getAddress(), "0x"))
        .to.be.revertedWithCustomError(inference, "AccessControlUnauthorizedAccount")
        .withArgs(other.address, await inference.UPGRADER_ROLE());
      await inference.connect(admin).upgradeToAndCall(await next.getAddress(), "0x");
      expect(await inference.lockTime()).to.equal(LOCK);
    });
  });

  describe("addOrUpdateService", function () {
    it("registers with a stake and emits ProviderStaked and ServiceUpdated", async function () {
      const { inference, provider } = await loadFixture(deployCompute);
      const p = serviceParams();
      const tx = inference.connect(provider).addOrUpdateService(p, { value: PROVIDER_STAKE });
      await expect(tx).to.emit(inference, "ProviderStaked").withArgs(provider.address, PROVIDER_STAKE);
      await expect(tx).to.emit(inference, "ServiceUpdated");
      await expect(tx).to.changeEtherBalances([provider, inference], [-PROVIDER_STAKE, PROVIDER_STAKE]);
      const s = await inference.getService(provider.address);
      expect([s.provider, s.serviceType, s.url, s.inputPrice, s.outputPrice, s.model, s.verifiability]).to.deep.equal([
        provider.address,
        p.serviceType,
        p.url,
        p.inputPrice,
        p.outputPrice,
        p.model,
        p.verifiability,
      ]);
      expect([s.additionalInfo, s.teeSignerAddress, s.teeSignerAcknowledged]).to.deep.equal(["{}", TEE_ADDRESS, false]);
      expect(await inference.serviceExists(provider.address)).to.equal(true);
    });

    it("reverts InsufficientStake, CannotAddStakeWhenUpdating and AdditionalInfoTooLong", async function () {
      const { inference, provider } = await loadFixture(deployCompute);
      await expect(inference.connect(provider).addOrUpdateService(serviceParams(), { value: PROVIDER_STAKE - 1n }))
        .to.be.revertedWithCustomError(inference, "InsufficientStake")
        .withArgs(PROVIDER_STAKE - 1n, PROVIDER_STAKE);
      await expect(
        inference.connect(provider).addOrUpdateService(serviceParams({ additionalInfo: "x".repeat(4097) }), {
          value: PROVIDER_STAKE,
        }),
      ).to.be.revertedWithCustomError(inference, "AdditionalInfoTooLong");
      await inference.connect(provider).addOrUpdateService(serviceParams(), { value: PROVIDER_STAKE });
      await expect(
        inference.connect(provider).addOrUpdateService(serviceParams(), { value: 1n }),
      ).to.be.revertedWithCustomError(inference, "CannotAddStakeWhenUpdating");
    });

    for (const [field, value] of [
      ["serviceType", "text-to-image"],
      ["model", "other-model"],
      ["verifiability", "OpML"],
      ["additionalInfo", '{"ProviderType":"centralized"}'],
      ["teeSignerAddress", "0x000000000000000000000000000000000000dEaD"],
    ] as const) {
      it(`changing ${field} clears the owner's TEE acknowledgement`, async function () {
        const { inference, provider } = await loadFixture(fundedFixture);
        await expect(inference.connect(provider).addOrUpdateService(serviceParams({ [field]: value })))
          .to.emit(inference, "ProviderTEESignerAcknowledged")
          .withArgs(provider.address, TEE_ADDRESS, false);
        expect((await inference.getService(provider.address)).teeSignerAcknowledged).to.equal(false);
      });
    }

    it("changing URL or prices keeps the acknowledgement", async function () {
      const { inference, provider } = await loadFixture(fundedFixture);
      await expect(
        inference
          .connect(provider)
          .addOrUpdateService(serviceParams({ url: "http://x", inputPrice: 1n, outputPrice: 2n })),
      ).not.to.emit(inference, "ProviderTEESignerAcknowledged");
      const s = await inference.getService(provider.address);
      expect([s.url, s.inputPrice, s.teeSignerAcknowledged]).to.deep.equal(["http://x", 1n, true]);
    });
  });

  describe("removeService", function () {
    it("returns the stake and removes the service", async function () {
      const { inference, provider } = await loadFixture(fundedFixture);
      const tx = inference.connect(provider).removeService();
      await expect(tx).to.emit(inference, "ServiceRemoved").withArgs(provider.address);
      await expect(tx).to.emit(inference, "ProviderStakeReturned").withArgs(provider.address, PROVIDER_STAKE);
      await expect(tx).to.changeEtherBalances([provider, inference], [PROVIDER_STAKE, -PROVIDER_STAKE]);
      expect(await inference.serviceExists(provider.address)).to.equal(false);
      await expect(inference.getService(provider.address))
        .to.be.revertedWithCustomError(inference, "ServiceNotExist")
        .withArgs(provider.address);
    });

    it("reverts ServiceNotExist without a service", async function () {
      const { inference, other } = await loadFixture(deployCompute);
      await expect(inference.connect(other).removeService())
        .to.be.revertedWithCustomError(inference, "ServiceNotExist")
        .withArgs(other.address);
    });

    it("credits the stake when the provider rejects coin, and withdrawPayout pays it later", async function () {
      const { inference } = await loadFixture(deployCompute);
      const mock = await ethers.deployContract("ProviderMock", [await inference.getAddress()]);
      await mock.register(serviceParams(), { value: PROVIDER_STAKE });
      await expect(mock.remove())
        .to.emit(inference, "PayoutDeferred")
        .withArgs(await mock.getAddress(), PROVIDER_STAKE);
      expect(await inference.payoutOf(await mock.getAddress())).to.equal(PROVIDER_STAKE);
      await expect(mock.withdraw()).to.be.revertedWithCustomError(inference, "TransferFailed");
      await mock.setAccept(true);
      await expect(mock.withdraw()).to.changeEtherBalances([mock, inference], [PROVIDER_STAKE, -PROVIDER_STAKE]);
      await expect(mock.withdraw())
        .to.be.revertedWithCustomError(inference, "InferenceNothingToWithdraw")
        .withArgs(await mock.getAddress());
    });
  });

  describe("owner-side TEE acknowledgement", function () {
    it("the acknowledger role sets and revokes the flag, once each", async function () {
      const { inference, admin, provider } = await loadFixture(deployCompute);
      await inference.connect(provider).addOrUpdateService(serviceParams(), { value: PROVIDER_STAKE });
      await expect(inference.connect(admin).acknowledgeTEESignerByOwner(provider.address))
        .to.emit(inference, "ProviderTEESignerAcknowledged")
        .withArgs(provider.address, TEE_ADDRESS, true);
      await expect(inference.connect(admin).acknowledgeTEESignerByOwner(provider.address)).not.to.emit(
        inference,
        "ProviderTEESignerAcknowledged",
      );
      await expect(inference.connect(admin).revokeTEESignerAcknowledgement(provider.address))
        .to.emit(inference, "ProviderTEESignerAcknowledged")
        .withArgs(provider.address, TEE_ADDRESS, false);
      await expect(inference.connect(admin).revokeTEESignerAcknowledgement(provider.address)).not.to.emit(
        inference,
        "ProviderTEESignerAcknowledged",
      );
    });

    it("reverts for non-acknowledgers, unknown providers and a zero signer", async function () {
      const { inference, admin, provider, other } = await loadFixture(deployCompute);
      const role = await inference.TEE_ACKNOWLEDGER_ROLE();
      for (const fn of ["acknowledgeTEESignerByOwner", "revokeTEESignerAcknowledgement"] as const) {
        await expect(inference.connect(other)[fn](provider.address))
          .to.be.revertedWithCustomError(inference, "AccessControlUnauthorizedAccount")
          .withArgs(other.address, role);
        await expect(inference.connect(admin)[fn](provider.address))
          .to.be.revertedWithCustomError(inference, "ServiceNotExist")
          .withArgs(provider.address);
      }
      await inference
        .connect(provider)
        .addOrUpdateService(serviceParams({ teeSignerAddress: ethers.ZeroAddress }), { value: PROVIDER_STAKE });
      await expect(inference.connect(admin).acknowledgeTEESignerByOwner(provider.address))
        .to.be.revertedWithCustomError(inference, "InvalidAddress")
        .withArgs(ethers.ZeroAddress);
    });
  });

  describe("updateLockTime", function () {
    it("updates within range and emits once", async function () {
      const { inference, admin } = await loadFixture(deployCompute);
      await expect(inference.connect(admin).updateLockTime(86400n))
        .to.emit(inference, "LockTimeUpdated")
        .withArgs(LOCK, 86400n);
      await expect(inference.connect(admin).updateLockTime(86400n)).not.to.emit(inference, "LockTimeUpdated");
    });

    it("reverts for non-config accounts and out-of-range values", async function () {
      const { inference, admin, other } = await loadFixture(deployCompute);
      await expect(inference.connect(other).updateLockTime(86400n))
        .to.be.revertedWithCustomError(inference, "AccessControlUnauthorizedAccount")
        .withArgs(other.address, await inference.CONFIG_ROLE());
      await expect(inference.connect(admin).updateLockTime(7n * 86400n + 1n))
        .to.be.revertedWithCustomError(inference, "LockTimeOutOfRange")
        .withArgs(7n * 86400n + 1n, 60n, 7n * 86400n);
    });

    it("does not move refunds that were already queued", async function () {
      const { ledger, inference, admin, provider, user } = await loadFixture(fundedFixture);
      await ledger.connect(user).retrieveFund([provider.address], SERVICE_NAME);
      const requestedAt = BigInt(await time.latest());
      await inference.connect(admin).updateLockTime(7n * 86400n);
      expect(await inference.refundUnlockTimes(user.address, provider.address)).to.deep.equal([requestedAt + LOCK]);
      await expect(inference.refundUnlockTimes(admin.address, provider.address))
        .to.be.revertedWithCustomError(inference, "AccountNotExists")
        .withArgs(admin.address, provider.address);
      await time.increase(LOCK);
      await ledger.connect(user).retrieveFund([provider.address], SERVICE_NAME);
      expect((await ledger.getLedger(user.address)).availableBalance).to.equal(10n * ONE);
    });

    it("does not release queued refunds early when the lock shrinks", async function () {
      const { ledger, inference, admin, provider, user } = await loadFixture(fundedFixture);
      await ledger.connect(user).retrieveFund([provider.address], SERVICE_NAME);
      await inference.connect(admin).updateLockTime(60n);
      await time.increase(120);
      await ledger.connect(user).retrieveFund([provider.address], SERVICE_NAME);
      expect((await ledger.getLedger(user.address)).availableBalance).to.equal(5n * ONE);
      expect(await inference.getPendingRefund(user.address, provider.address)).to.equal(5n * ONE);
    });
  });

  describe("user acknowledgement and token revocation", function () {
    it("acknowledgeTEESigner reverts AccountNotExists and CannotRevokeWithNonZeroBalance", async function () {
      const { inference, provider, user, other } = await loadFixture(fundedFixture);
      await expect(inference.connect(other).acknowledgeTEESigner(provider.address, true))
        .to.be.revertedWithCustomError(inference, "AccountNotExists")
        .withArgs(other.address, provider.address);
      await expect(inference.connect(user).acknowledgeTEESigner(provider.address, false))
        .to.be.revertedWithCustomError(inference, "CannotRevokeWithNonZeroBalance")
        .withArgs(user.address, provider.address, 5n * ONE);
      await expect(inference.connect(user).acknowledgeTEESigner(provider.address, true)).not.to.emit(
        inference,
        "AccountAcknowledged",
      );
    });

    it("revokes single tokens, batches and whole generations", async function () {
      const { inference, provider, user } = await loadFixture(fundedFixture);
      await expect(inference.connect(user).revokeToken(provider.address, 7))
        .to.emit(inference, "TokenRevoked")
        .withArgs(user.address, provider.address, 7);
      await expect(inference.connect(user).revokeTokens(provider.address, [1, 255]))
        .to.emit(inference, "TokensRevoked")
        .withArgs(user.address, provider.address, [1, 255]);
      for (const id of [1, 7, 255])
        expect(await inference.isTokenRevoked(user.address, provider.address, id)).to.equal(true);
      expect(await inference.isTokenRevoked(user.address, provider.address, 2)).to.equal(false);
      let a = await inference.getAccount(user.address, provider.address);
      expect(a.revokedBitmap).to.equal((1n << 1n) | (1n << 7n) | (1n << 255n));
      await expect(inference.connect(user).revokeAllTokens(provider.address))
        .to.emit(inference, "AllTokensRevoked")
        .withArgs(user.address, provider.address, 1n);
      a = await inference.getAccount(user.address, provider.address);
      expect([a.generation, a.revokedBitmap]).to.deep.equal([1n, 0n]);
    });

    it("revokeTokens reverts BatchSizeTooLarge above 256 ids", async function () {
      const { inference, provider, user } = await loadFixture(fundedFixture);
      await expect(inference.connect(user).revokeTokens(provider.address, new Array(257).fill(0)))
        .to.be.revertedWithCustomError(inference, "BatchSizeTooLarge")
        .withArgs(257, 256);
    });
  });

  describe("ledger hooks (IServing)", function () {
    it("every hook reverts CallerNotLedger for other callers", async function () {
      const { inference, provider, user, other } = await loadFixture(standaloneFixture);
      const c = inference.connect(other);
      const calls = [
        c.addAccount(user.address, provider.address, ""),
        c.depositFund(user.address, provider.address, 0),
        c.requestRefundAll(user.address, provider.address),
        c.processRefund(user.address, provider.address),
        c.deleteAccount(user.address, provider.address),
      ];
      for (const call of calls) {
        await expect(call).to.be.revertedWithCustomError(inference, "CallerNotLedger").withArgs(other.address);
      }
    });

    it("addAccount validates its inputs", async function () {
      const { inference, hooks, provider, user, other } = await loadFixture(standaloneFixture);
      await expect(hooks.addAccount(ethers.ZeroAddress, provider.address, ""))
        .to.be.revertedWithCustomError(inference, "InvalidAddress")
        .withArgs(ethers.ZeroAddress);
      await expect(hooks.addAccount(provider.address, provider.address, "")).to.be.revertedWithCustomError(
        inference,
        "ProviderCannotBeUser",
      );
      await expect(hooks.addAccount(user.address, provider.address, "x".repeat(4097))).to.be.revertedWithCustomError(
        inference,
        "AdditionalInfoTooLong",
      );
      await expect(hooks.addAccount(user.address, other.address, ""))
        .to.be.revertedWithCustomError(inference, "ServiceNotExist")
        .withArgs(other.address);
      await hooks.addAccount(user.address, provider.address, "", { value: ONE });
      await expect(hooks.addAccount(user.address, provider.address, ""))
        .to.be.revertedWithCustomError(inference, "AccountExists")
        .withArgs(user.address, provider.address);
    });

    it("depositFund reverts AccountNotExists and InferenceCancelExceedsPending", async function () {
      const { inference, hooks, provider, user } = await loadFixture(standaloneFixture);
      await expect(hooks.depositFund(user.address, provider.address, 0))
        .to.be.revertedWithCustomError(inference, "AccountNotExists")
        .withArgs(user.address, provider.address);
      await hooks.addAccount(user.address, provider.address, "", { value: ONE });
      await expect(hooks.depositFund(user.address, provider.address, 1n))
        .to.be.revertedWithCustomError(inference, "InferenceCancelExceedsPending")
        .withArgs(user.address, provider.address, 1n, 0n);
    });

    it("requestRefundAll queues nothing when everything is pending, and at most five refunds", async function () {
      const { inference, hooks, provider, user } = await loadFixture(standaloneFixture);
      await hooks.addAccount(user.address, provider.address, "", { value: ONE });
      await expect(hooks.requestRefundAll(user.address, provider.address))
        .to.emit(inference, "RefundRequested")
        .withArgs(user.address, provider.address, 0n, await time.latest().then((t) => t + 1));
      await expect(hooks.requestRefundAll(user.address, provider.address)).not.to.emit(inference, "RefundRequested");
      for (let i = 0; i < 4; i++) {
        await hooks.depositFund(user.address, provider.address, 0, { value: 1n });
        await hooks.requestRefundAll(user.address, provider.address);
      }
      await hooks.depositFund(user.address, provider.address, 0, { value: 1n });
      await expect(hooks.requestRefundAll(user.address, provider.address))
        .to.be.revertedWithCustomError(inference, "TooManyRefunds")
        .withArgs(user.address, provider.address);
      const a = await inference.getAccount(user.address, provider.address);
      expect(a.refunds.map((r) => r.index)).to.deep.equal([0n, 1n, 2n, 3n, 4n]);
      expect(a.refunds.map((r) => r.amount)).to.deep.equal([ONE, 1n, 1n, 1n, 1n]);
    });

    it("processRefund releases matured refunds to the ledger and keeps the rest in order", async function () {
      const { inference, hooks, ledgerEoa, provider, user } = await loadFixture(standaloneFixture);
      await hooks.addAccount(user.address, provider.address, "", { value: 3n * ONE });
      await hooks.requestRefundAll(user.address, provider.address); // 3 ONE
      await time.increase(LOCK / 2n);
      await hooks.depositFund(user.address, provider.address, 0, { value: ONE });
      await hooks.requestRefundAll(user.address, provider.address); // 1 ONE, later
      await time.increase(LOCK / 2n);
      expect(await hooks.processRefund.staticCall(user.address, provider.address)).to.deep.equal([3n * ONE, ONE, ONE]);
      await expect(hooks.processRefund(user.address, provider.address)).to.changeEtherBalances(
        [ledgerEoa, inference],
        [3n * ONE, -3n * ONE],
      );
      const a = await inference.getAccount(user.address, provider.address);
      expect([a.balance, a.pendingRefund, a.validRefundsLength]).to.deep.equal([ONE, ONE, 1n]);
      expect(a.refunds[0].index).to.equal(1n);
    });

    it("addAccount and depositFund revert SafeCastOverflowedUintDowncast above 2^120 - 1 wei", async function () {
      const { inference, hooks, ledgerEoa, provider, user } = await loadFixture(standaloneFixture);
      const max = (1n << 120n) - 1n;
      await ethers.provider.send("hardhat_setBalance", [ledgerEoa.address, ethers.toQuantity(max * 4n)]);
      await expect(hooks.addAccount(user.address, provider.address, "", { value: max + 1n }))
        .to.be.revertedWithCustomError(inference, "SafeCastOverflowedUintDowncast")
        .withArgs(120, max + 1n);
      await hooks.addAccount(user.address, provider.address, "", { value: max });
      await expect(hooks.depositFund(user.address, provider.address, 0n, { value: 1n }))
        .to.be.revertedWithCustomError(inference, "SafeCastOverflowedUintDowncast")
        .withArgs(120, max + 1n);
      expect((await inference.getAccount(user.address, provider.address)).balance).to.equal(max);
    });

    it("RefundQueue.push reverts RefundQueueAmountTooLarge above 2^128 - 1 wei", async function () {
      const q = await ethers.deployContract("RefundQueueHarness");
      const huge = 1n << 128n;
      await expect(q.push(huge, 60n)).to.be.revertedWithCustomError(q, "RefundQueueAmountTooLarge").withArgs(huge);
      await q.push(huge - 1n, 60n);
      expect(await q.length()).to.equal(1n);
    });

    it("processRefund reverts TransferFailed when the ledger rejects the coin", async function () {
      const [admin, provider, user] = await ethers.getSigners();
      const impl = await ethers.deployContract("InferenceServing");
      const rejecting = await ethers.deployContract("ProviderMock", [await impl.getAddress()]);
      const data = impl.interface.encodeFunctionData("initialize", [LOCK, await rejecting.getAddress(), admin.address]);
      const proxy = await ethers.deployContract("ERC1967Proxy", [await impl.getAddress(), data]);
      const inference = await ethers.getContractAt("InferenceServing", await proxy.getAddress());
      await inference.connect(provider).addOrUpdateService(serviceParams(), { value: PROVIDER_STAKE });
      const iface: Interface = inference.interface;
      const call = (fn: string, args: unknown[], value = 0n) =>
        rejecting.exec(proxy.getAddress(), iface.encodeFunctionData(fn, args), { value });
      await call("addAccount", [user.address, provider.address, ""], ONE);
      await call("requestRefundAll", [user.address, provider.address]);
      await time.increase(LOCK);
      await expect(call("processRefund", [user.address, provider.address])).to.be.revertedWithCustomError(
        inference,
        "TransferFailed",
      );
    });

    it("deleteAccount reverts InferenceAccountNotEmpty and AccountNotExists, and bumps the token generation", async function () {
      const { inference, hooks, provider, user } = await loadFixture(standaloneFixture);
      await expect(hooks.deleteAccount(user.address, provider.address))
        .to.be.revertedWithCustomError(inference, "AccountNotExists")
        .withArgs(user.address, provider.address);
      await hooks.addAccount(user.address, provider.address, "", { value: ONE });
      await expect(hooks.deleteAccount(user.address, provider.address))
        .to.be.revertedWithCustomError(inference, "InferenceAccountNotEmpty")
        .withArgs(user.address, provider.address, ONE);
      await hooks.requestRefundAll(user.address, provider.address);
      await time.increase(LOCK);
      await hooks.processRefund(user.address, provider.address);
      await inference.connect(user).revokeToken(provider.address, 3);
      await expect(hooks.deleteAccount(user.address, provider.address))
        .to.emit(inference, "AllTokensRevoked")
        .withArgs(user.address, provider.address, 1n);
      expect(await inference.isTokenRevoked(user.address, provider.address, 3)).to.equal(false);
      await hooks.addAccount(user.address, provider.address, "", { value: ONE });
      expect((await inference.getAccount(user.address, provider.address)).generation).to.equal(1n);
    });
  });

  describe("views", function () {
    it("pages services and accounts and bounds the page size", async function () {
      const { inference, provider, user } = await loadFixture(fundedFixture);
      const [services, total] = await inference.getAllServices(0, 0);
      expect(total).to.equal(1n);
      expect(services[0].provider).to.equal(provider.address);
      expect((await inference.getAllServices(1, 10))[0]).to.deep.equal([]);
      for (const [accounts, n] of [
        await inference.getAllAccounts(0, 10),
        await inference.getAccountsByProvider(provider.address, 0, 10),
        await inference.getAccountsByUser(user.address, 0, 10),
      ]) {
        expect(n).to.equal(1n);
        expect(accounts[0].user).to.equal(user.address);
      }
      await expect(inference.getAllServices(0, 51))
        .to.be.revertedWithCustomError(inference, "LimitTooLarge")
        .withArgs(51, 50);
      await expect(inference.getAllAccounts(0, 51))
        .to.be.revertedWithCustomError(inference, "LimitTooLarge")
        .withArgs(51, 50);
    });

    it("getBatchAccountsByUsers zeroes missing accounts and caps at 500 users", async function () {
      const { inference, provider, user, other } = await loadFixture(fundedFixture);
      const got = await inference.connect(provider).getBatchAccountsByUsers([user.address, other.address]);
      expect(got[0].balance).to.equal(5n * ONE);
      expect(got[1].user).to.equal(ethers.ZeroAddress);
      await expect(inference.getBatchAccountsByUsers(new Array(501).fill(user.address)))
        .to.be.revertedWithCustomError(inference, "BatchSizeTooLarge")
        .withArgs(501, 500);
    });

    it("getAccount and getPendingRefund revert AccountNotExists", async function () {
      const { inference, provider, other } = await loadFixture(fundedFixture);
      await expect(inference.getAccount(other.address, provider.address))
        .to.be.revertedWithCustomError(inference, "AccountNotExists")
        .withArgs(other.address, provider.address);
      await expect(inference.getPendingRefund(other.address, provider.address))
        .to.be.revertedWithCustomError(inference, "AccountNotExists")
        .withArgs(other.address, provider.address);
    });
  });
});
