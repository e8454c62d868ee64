import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { Hex } from "viem";
import { computeRequestsHash } from "../../../agents/protocol/compute";
import { fundedFixture, ONE, PROVIDER_STAKE, SERVICE_NAME, serviceParams, signed, Status } from "./fixtures";

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const OTHER_KEY: Hex = "0x0123456789012345678901234567890123456789012345678901234567890123";

/** The same signature with s' = n - s and the other v: valid for ecrecover, rejected as malleable. */
function malleate(sig: Hex): Hex {
  const r = sig.slice(2, 66);
  const s = BigInt(`0x${sig.slice(66, 130)}`);
  const v = parseInt(sig.slice(130, 132), 16);
  return `0x${r}${(SECP256K1_N - s).toString(16).padStart(64, "0")}${(v === 27 ? 28 : 27).toString(16)}` as Hex;
}

describe("InferenceServing settlement", function () {
  describe("batch bounds", function () {
    it("reverts NoSettlementsProvided and TooManySettlements in settle and preview", async function () {
      const { inference, provider, user } = await loadFixture(fundedFixture);
      const item = await signed(inference, { user: user.address, provider: provider.address, totalFee: 1n });
      const p = inference.connect(provider);
      await expect(p.settleFeesWithTEE([])).to.be.revertedWithCustomError(inference, "NoSettlementsProvided");
      await expect(p.previewSettlementResults([])).to.be.revertedWithCustomError(inference, "NoSettlementsProvided");
      const many = new Array(51).fill(item);
      await expect(p.settleFeesWithTEE(many))
        .to.be.revertedWithCustomError(inference, "TooManySettlements")
        .withArgs(51, 50);
      await expect(p.previewSettlementResults(many))
        .to.be.revertedWithCustomError(inference, "TooManySettlements")
        .withArgs(51, 50);
    });
  });

  describe("SUCCESS", function () {
    it("pays the provider, debits the sub-account and the ledger, and records the requests hash", async function () {
      const { ledger, inference, provider, user } = await loadFixture(fundedFixture);
      const requestsHash = computeRequestsHash([
        { requestHash: "0x01", userAddress: user.address, fee: "2000", inputFee: "500", outputFee: "1500" },
      ]);
      const fee = 2n * ONE;
      const item = await signed(inference, {
        user: user.address,
        provider: provider.address,
        totalFee: fee,
        requestsHash,
      });
      const p = inference.connect(provider);
      expect(await p.settleFeesWithTEE.staticCall([item])).to.deep.equal([BigInt(Status.SUCCESS)]);
      const tx = p.settleFeesWithTEE([item]);
      await expect(tx)
        .to.emit(inference, "TEESettlementRecorded")
        .withArgs(user.address, provider.address, requestsHash, item.nonce, fee, fee)
        .and.to.emit(inference, "TEESettlementResult")
        .withArgs(user.address, Status.SUCCESS, 0n)
        .and.to.emit(inference, "BalanceUpdated")
        .withArgs(user.address, provider.address, 3n * ONE, 0n)
        .and.to.emit(ledger, "FundSpent")
        .withArgs(user.address, await inference.getAddress(), fee);
      await expect(tx).to.changeEtherBalances([provider, inference], [fee, -fee]);
      const l = await ledger.getLedger(user.address);
      expect([l.availableBalance, l.totalBalance]).to.deep.equal([5n * ONE, 8n * ONE]);
      expect(await inference.settlementNonce(user.address, provider.address)).to.equal(item.nonce);
      expect((await inference.getAccount(user.address, provider.address)).nonce).to.equal(item.nonce);
    });

    it("accepts a batch of 50 items for one user with increasing nonces", async function () {
      const { inference, provider, user } = await loadFixture(fundedFixture);
      const items = [];
      for (let i = 1n; i <= 50n; i++) {
        items.push(
          await signed(inference, { user: user.address, provider: provider.address, totalFee: ONE / 100n, nonce: i }),
        );
      }
      const statuses = await inference.connect(provider).settleFeesWithTEE.staticCall(items);
      expect(statuses.every((s) => s === BigInt(Status.SUCCESS))).to.equal(true);
      await expect(inference.connect(provider).settleFeesWithTEE(items)).to.changeEtherBalance(provider, ONE / 2n);
    });
  });

  describe("PARTIAL", function () {
    it("never takes more than the sub-account holds and cancels pending refunds newest first", async function () {
      const { ledger, inference, provider, user } = await loadFixture(fundedFixture);
      await ledger.connect(user).retrieveFund([provider.address], SERVICE_NAME); // refund 0: 5 ONE
      await ledger.connect(user).transferFund(provider.address, SERVICE_NAME, 2n * ONE); // cancels 2: refund 0 = 3
      await ledger.connect(user).retrieveFund([provider.address], SERVICE_NAME); // refund 1: 2 ONE
      const item = await signed(inference, { user: user.address, provider: provider.address, totalFee: 7n * ONE });
      const [failed, , partialUsers, partialAmounts] = await inference
        .connect(provider)
        .previewSettlementResults([item]);
      expect(failed).to.deep.equal([]);
      expect(partialUsers).to.deep.equal([user.address]);
      expect(partialAmounts).to.deep.equal([2n * ONE]);
      const tx = inference.connect(provider).settleFeesWithTEE([item]);
      await expect(tx)
        .to.emit(inference, "TEESettlementResult")
        .withArgs(user.address, Status.PARTIAL, 2n * ONE)
        .and.to.emit(inference, "TEESettlementRecorded")
        .withArgs(user.address, provider.address, item.requestsHash, item.nonce, 7n * ONE, 5n * ONE);
      await expect(tx).to.changeEtherBalance(provider, 5n * ONE);
      const a = await inference.getAccount(user.address, provider.address);
      expect([a.balance, a.pendingRefund, a.validRefundsLength]).to.deep.equal([0n, 0n, 0n]);
    });

    it("cancels only the newest refund when the free balance is not enough", async function () {
      const { ledger, inference, provider, user } = await loadFixture(fundedFixture);
      await ledger.connect(user).retrieveFund([provider.address], SERVICE_NAME); // refund 0: 5
      await ledger.connect(user).transferFund(provider.address, SERVICE_NAME, 2n * ONE); // refund 0: 3, free 2
      await ledger.connect(user).retrieveFund([provider.address], SERVICE_NAME); // refund 1: 2
      const item = await signed(inference, { user: user.address, provider: provider.address, totalFee: ONE });
      await inference.connect(provider).settleFeesWithTEE([item]);
      const a = await inference.getAccount(user.address, provider.address);
      expect(a.refunds.map((r) => [r.index, r.amount])).to.deep.equal([
        [0n, 3n * ONE],
        [1n, ONE],
      ]);
      expect([a.balance, a.pendingRefund]).to.deep.equal([4n * ONE, 4n * ONE]);
    });
  });

  describe("failed items never revert the batch", function () {
    it("PROVIDER_MISMATCH when the item names another provider or the service is gone", async function () {
      const { inference, provider, provider2, user } = await loadFixture(fundedFixture);
      const wrong = await signed(inference, { user: user.address, provider: provider2.address, totalFee: 1n });
      await expect(inference.connect(provider).settleFeesWithTEE([wrong]))
        .to.emit(inference, "TEESettlementResult")
        .withArgs(user.address, Status.PROVIDER_MISMATCH, 1n);
      const item = await signed(inference, { user: user.address, provider: provider.address, totalFee: 1n });
      await inference.connect(provider).removeService();
      expect(await inference.connect(provider).settleFeesWithTEE.staticCall([item])).to.deep.equal([
        BigInt(Status.PROVIDER_MISMATCH),
      ]);
    });

    it("ACCOUNT_NOT_EXISTS for a user without a sub-account", async function () {
      const { inference, provider, other } = await loadFixture(fundedFixture);
      const item = await signed(inference, { user: other.address, provider: provider.address, totalFee: 1n });
      await expect(inference.connect(provider).settleFeesWithTEE([item]))
        .to.emit(inference, "TEESettlementResult")
        .withArgs(other.address, Status.ACCOUNT_NOT_EXISTS, 1n);
    });

    it("NO_TEE_SIGNER when the owner has not acknowledged the signer", async function () {
      const { inference, admin, provider, user } = await loadFixture(fundedFixture);
      await inference.connect(admin).revokeTEESignerAcknowledgement(provider.address);
      const item = await signed(inference, { user: user.address, provider: provider.address, totalFee: 1n });
      expect(await inference.connect(provider).settleFeesWithTEE.staticCall([item])).to.deep.equal([
        BigInt(Status.NO_TEE_SIGNER),
      ]);
    });

    it("NO_TEE_SIGNER when the user withdrew the acknowledgement", async function () {
      const { ledger, inference, provider, user } = await loadFixture(fundedFixture);
      const drain = await signed(inference, { user: user.address, provider: provider.address, totalFee: 5n * ONE });
      await inference.connect(provider).settleFeesWithTEE([drain]);
      await expect(inference.connect(user).acknowledgeTEESigner(provider.address, false))
        .to.emit(inference, "AccountAcknowledged")
        .withArgs(user.address, provider.address, false);
      const item = await signed(inference, { user: user.address, provider: provider.address, totalFee: 0n });
      expect(await inference.connect(provider).settleFeesWithTEE.staticCall([item])).to.deep.equal([
        BigInt(Status.NO_TEE_SIGNER),
      ]);
      // Funding again acknowledges the signer again.
      await ledger.connect(user).transferFund(provider.address, SERVICE_NAME, ONE);
      expect((await inference.getAccount(user.address, provider.address)).acknowledged).to.equal(true);
    });

    it("INVALID_NONCE for a replayed or lower nonce, also after the account is deleted and recreated", async function () {
      const { ledger, inference, provider, user } = await loadFixture(fundedFixture);
      const p = inference.connect(provider);
      const first = await signed(inference, {
        user: user.address,
        provider: provider.address,
        totalFee: 5n * ONE,
        nonce: 10n,
      });
      await p.settleFeesWithTEE([first]);
      await expect(p.settleFeesWithTEE([first]))
        .to.emit(inference, "TEESettlementResult")
        .withArgs(user.address, Status.INVALID_NONCE, 5n * ONE);
      const lower = await signed(inference, {
        user: user.address,
        provider: provider.address,
        totalFee: 1n,
        nonce: 9n,
      });
      expect(await p.settleFeesWithTEE.staticCall([lower])).to.deep.equal([BigInt(Status.INVALID_NONCE)]);
      // Empty the ledger (deletes the sub-account), create it again, replay: still rejected.
      await ledger.connect(user).refund(5n * ONE);
      await ledger.connect(user).addLedger("", { value: 10n * ONE });
      await ledger.connect(user).transferFund(provider.address, SERVICE_NAME, 5n * ONE);
      expect(await p.settleFeesWithTEE.staticCall([first])).to.deep.equal([BigInt(Status.INVALID_NONCE)]);
    });

    it("INVALID_SIGNATURE for a wrong signer, a malformed and a malleable signature", async function () {
      const { inference, provider, user } = await loadFixture(fundedFixture);
      const p = inference.connect(provider);
      const wrongKey = await signed(
        inference,
        { user: user.address, provider: provider.address, totalFee: 1n },
        OTHER_KEY,
      );
      const good = await signed(inference, { user: user.address, provider: provider.address, totalFee: 1n });
      const short = { ...good, signature: good.signature.slice(0, 130) as Hex };
      const malleable = { ...good, signature: malleate(good.signature) };
      const tampered = { ...good, totalFee: 2n };
      const statuses = await p.settleFeesWithTEE.staticCall([wrongKey, short, malleable, tampered]);
      expect(statuses).to.deep.equal(new Array(4).fill(BigInt(Status.INVALID_SIGNATURE)));
      expect(await p.settleFeesWithTEE.staticCall([good])).to.deep.equal([BigInt(Status.SUCCESS)]);
    });

    it("a signature for another InferenceServing deployment is rejected", async function () {
      const { inference, provider, user } = await loadFixture(fundedFixture);
      const item = await signed(inference, { user: user.address, provider: provider.address, totalFee: 1n });
      const otherImpl = await ethers.deployContract("InferenceServing");
      // Same message signed for the implementation address instead of the proxy.
      const forged = await signed(otherImpl as unknown as typeof inference, {
        user: user.address,
        provider: provider.address,
        totalFee: 1n,
        nonce: item.nonce,
        requestsHash: item.requestsHash,
      });
      expect(await inference.connect(provider).settleFeesWithTEE.staticCall([forged])).to.deep.equal([
        BigInt(Status.INVALID_SIGNATURE),
      ]);
    });
  });

  describe("mixed batches", function () {
    it("settles good items, reports bad ones, pays once, and preview agrees", async function () {
      const { ledger, inference, provider, user, user2, other } = await loadFixture(fundedFixture);
      await ledger.connect(user2).addLedger("", { value: 4n * ONE });
      await ledger.connect(user2).transferFund(provider.address, SERVICE_NAME, 2n * ONE);
      const u = user.address;
      const pr = provider.address;
      const items = [
        await signed(inference, { user: u, provider: pr, totalFee: ONE, nonce: 100n }),
        await signed(inference, { user: u, provider: pr, totalFee: ONE, nonce: 100n }), // replay inside the batch
        await signed(inference, { user: user2.address, provider: pr, totalFee: 3n * ONE, nonce: 1n }), // partial
        await signed(inference, { user: other.address, provider: pr, totalFee: ONE, nonce: 1n }), // no account
        await signed(inference, { user: u, provider: pr, totalFee: 5n * ONE, nonce: 101n }), // partial after the first
      ];
      const [failedUsers, reasons, partialUsers, partialAmounts] = await inference
        .connect(provider)
        .previewSettlementResults(items);
      expect(failedUsers).to.deep.equal([u, other.address]);
      expect(reasons).to.deep.equal([BigInt(Status.INVALID_NONCE), BigInt(Status.ACCOUNT_NOT_EXISTS)]);
      expect(partialUsers).to.deep.equal([user2.address, u]);
      expect(partialAmounts).to.deep.equal([ONE, ONE]);
      const statuses = await inference.connect(provider).settleFeesWithTEE.staticCall(items);
      expect(statuses).to.deep.equal(
        [Status.SUCCESS, Status.INVALID_NONCE, Status.PARTIAL, Status.ACCOUNT_NOT_EXISTS, Status.PARTIAL].map(BigInt),
      );
      await expect(inference.connect(provider).settleFeesWithTEE(items)).to.changeEtherBalance(provider, 7n * ONE);
      expect((await ledger.getLedger(u)).totalBalance).to.equal(5n * ONE);
      expect((await ledger.getLedger(user2.address)).totalBalance).to.equal(2n * ONE);
    });
  });

  describe("payouts", function () {
    it("credits a provider contract that rejects coin instead of failing the settlement", async function () {
      const { ledger, inference, admin, user } = await loadFixture(fundedFixture);
      const mock = await ethers.deployContract("ProviderMock", [await inference.getAddress()]);
      const m = await mock.getAddress();
      await mock.register(serviceParams(), { value: PROVIDER_STAKE });
      await inference.connect(admin).acknowledgeTEESignerByOwner(m);
      await ledger.connect(user).transferFund(m, SERVICE_NAME, 2n * ONE);
      const item = await signed(inference, { user: user.address, provider: m, totalFee: ONE });
      await expect(mock.settle([item]))
        .to.emit(inference, "PayoutDeferred")
        .withArgs(m, ONE);
      expect(await inference.payoutOf(m)).to.equal(ONE);
      await mock.setAccept(true);
      await expect(mock.withdraw()).to.emit(inference, "PayoutWithdrawn").withArgs(m, ONE);
      expect(await inference.payoutOf(m)).to.equal(0n);
    });
  });
});
