import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Contract } from "ethers";
import { decodeAuthorization, signSessionToken, verifySessionToken } from "../../../agents/protocol/compute";
import type { Address, Hex } from "viem";
import { deployCompute, LOCK, ONE, PROVIDER_STAKE, serviceParams, signed, Status, TEE_ADDRESS } from "./fixtures";

const ABI_FILE = path.join(__dirname, "data", "compute-ts-sdk-0.9.0-abi.txt");

/** The SDK's own ABI for one contract, as human-readable fragments. */
function sdkAbi(contract: string): string[] {
  const lines = fs.readFileSync(ABI_FILE, "utf8").split("\n");
  const start = lines.indexOf(`## ${contract}`);
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith("## ")) break;
    const m = /^(?:F|E|ERR) 0x[0-9a-f]+ (.*)$/.exec(line);
    if (m) out.push(m[1]);
  }
  return out;
}

// Hardhat dev key #3 (the fixture's `user`), public test key.
const USER_KEY: Hex = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";

/**
 * Drives our contracts through the SDK's ABI, in the order @0gfoundation/0g-compute-ts-sdk@0.9.0 calls them, so
 * every return value is decoded with the SDK's tuple layout and every revert with the SDK's error list.
 */
describe("SDK 0.9.0 user flow against our contracts", function () {
  it("ledger, inference account, session token, settlement and refund decode with the SDK's ABI", async function () {
    const { ledger, inference, admin, provider, user } = await loadFixture(deployCompute);
    const sdkLedger = new Contract(await ledger.getAddress(), sdkAbi("LedgerManager"), user);
    const sdkInference = new Contract(await inference.getAddress(), sdkAbi("InferenceServing"), user);

    // Provider side (Go broker / owner): register and acknowledge.
    await inference.connect(provider).addOrUpdateService(serviceParams(), { value: PROVIDER_STAKE });
    await inference.connect(admin).acknowledgeTEESignerByOwner(provider.address);

    // Broker construction: getServiceInfo(inferenceCA).fullName is the service name for transfers.
    const info = await sdkLedger.getServiceInfo(await inference.getAddress());
    const serviceName: string = info.fullName;
    expect(serviceName).to.equal("inference-v1.0");

    // ledger.addLedger: getLedger first must fail with LedgerNotExists, decoded by the SDK's ABI.
    const err = await sdkLedger.getLedger(user.address).catch((e: unknown) => e);
    expect(sdkLedger.interface.parseError((err as { data: string }).data)?.name).to.equal("LedgerNotExists");
    await sdkLedger.addLedger("", { value: 4n * ONE });
    const l = await sdkLedger.getLedger(user.address);
    expect([l.user, l.availableBalance, l.totalBalance, l.additionalInfo]).to.deep.equal([
      user.address,
      4n * ONE,
      4n * ONE,
      "",
    ]);
    await sdkLedger.depositFund({ value: 2n * ONE });
    const [ledgers, total] = await sdkLedger.getAllLedgers(0, 50);
    expect([ledgers.length, total]).to.deep.equal([1, 1n]);

    // inference.listService: paged, SDK keeps only TEE-acknowledged services.
    const [services] = await sdkInference.getAllServices(0, 50);
    const listed = services.filter((s: { teeSignerAcknowledged: boolean }) => s.teeSignerAcknowledged);
    expect(listed.map((s: { provider: string }) => s.provider)).to.deep.equal([provider.address]);
    const svc = await sdkInference.getService(provider.address);
    expect([svc.teeSignerAddress, svc.verifiability, svc.additionalInfo]).to.deep.equal([TEE_ADDRESS, "TeeML", "{}"]);

    // acknowledgeProviderSigner: getAccount fails with AccountNotExists, then transferFund + acknowledgeTEESigner.
    const accErr = await sdkInference.getAccount(user.address, provider.address).catch((e: unknown) => e);
    expect(sdkInference.interface.parseError((accErr as { data: string }).data)?.name).to.equal("AccountNotExists");
    await sdkLedger.transferFund(provider.address, serviceName, ONE);
    await sdkInference.acknowledgeTEESigner(provider.address, true);
    const acc = await sdkInference.getAccount(user.address, provider.address);
    expect([acc.balance, acc.acknowledged, acc.generation, acc.revokedBitmap]).to.deep.equal([ONE, true, 0n, 0n]);
    expect(await sdkLedger.getLedgerProviders(user.address, serviceName)).to.deep.equal([provider.address]);

    // getRequestHeaders: an ephemeral session token carrying the account generation; the provider verifies it.
    const now = (await time.latest()) * 1000;
    const token = {
      address: user.address as Address,
      provider: provider.address as Address,
      timestamp: now,
      expiresAt: now + 3_600_000,
      nonce: `${now}-0001`,
      generation: Number(acc.generation),
      tokenId: 255,
    };
    const auth = await signSessionToken(USER_KEY, token);
    const ctx = {
      provider: provider.address as Address,
      nowMs: now + 1,
      generation: acc.generation,
      revokedBitmap: acc.revokedBitmap,
    };
    await expect(verifySessionToken(decodeAuthorization(auth), ctx)).to.eventually.deep.equal(token);

    // revokeAllTokens: the old token no longer verifies.
    await sdkInference.revokeAllTokens(provider.address);
    const after = await sdkInference.getAccount(user.address, provider.address);
    const rejected = await verifySessionToken(decodeAuthorization(auth), {
      ...ctx,
      generation: after.generation,
      revokedBitmap: after.revokedBitmap,
    }).catch((e: { code: string }) => e.code);
    expect(rejected).to.equal("WRONG_GENERATION");

    // Provider settles part of the balance.
    const item = await signed(inference, { user: user.address, provider: provider.address, totalFee: ONE / 4n });
    expect(await inference.connect(provider).settleFeesWithTEE.staticCall([item])).to.deep.equal([
      BigInt(Status.SUCCESS),
    ]);
    await inference.connect(provider).settleFeesWithTEE([item]);

    // retrieveFund('inference'): providers with balance, twice across the lock; then refund to the wallet.
    await sdkLedger.retrieveFund([provider.address], serviceName);
    const pending = await sdkInference.getAccount(user.address, provider.address);
    expect([pending.pendingRefund, pending.validRefundsLength, pending.refunds.length]).to.deep.equal([
      (3n * ONE) / 4n,
      1n,
      1,
    ]);
    expect(await sdkInference.lockTime()).to.equal(LOCK);
    await time.increase(LOCK);
    await sdkLedger.retrieveFund([provider.address], serviceName);
    const final = await sdkLedger.getLedger(user.address);
    expect([final.availableBalance, final.totalBalance]).to.deep.equal([6n * ONE - ONE / 4n, 6n * ONE - ONE / 4n]);
    await sdkLedger.refund(final.availableBalance);
    const gone = await sdkLedger.getLedger(user.address).catch((e: unknown) => e);
    expect(sdkLedger.interface.parseError((gone as { data: string }).data)?.name).to.equal("LedgerNotExists");
  });
});
