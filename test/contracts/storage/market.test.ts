import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, keccak256, toUtf8Bytes, ZeroAddress } from "ethers";
import { deployProxy, deployStorageCore } from "./helpers/deploy";
import type { Market } from "../../../typechain";

const PRICE = 10n;
const coder = AbiCoder.defaultAbiCoder();

async function fixture() {
  const [admin, flowSigner, treasury, other] = await ethers.getSigners();
  const core = await deployStorageCore(admin.address, treasury.address, {
    pricePerSector: PRICE,
    sectorsPerChunk: 64n,
  });
  // A plain account stands in for the Flow so chargeFee can be called directly.
  await core.market.grantRole(await core.market.FLOW_ROLE(), flowSigner.address);
  return { admin, flowSigner, treasury, other, ...core };
}

describe("Market", function () {
  it("initialises price, reward and roles, and rejects zero addresses", async function () {
    const { market, reward, admin, flow } = await loadFixture(fixture);
    expect(await market.pricePerSector()).to.equal(PRICE);
    expect(await market.reward()).to.equal(await reward.getAddress());
    expect(await market.flow()).to.equal(await flow.getAddress());
    expect(await market.hasRole(await market.PARAMS_ADMIN_ROLE(), admin.address)).to.equal(true);
    const factory = await ethers.getContractFactory("Market");
    const impl = await factory.deploy();
    const proxy = await ethers.getContractFactory("ERC1967Proxy");
    await expect(
      proxy.deploy(
        await impl.getAddress(),
        factory.interface.encodeFunctionData("initialize", [admin.address, 1, ZeroAddress]),
      ),
    ).to.be.revertedWithCustomError(factory, "MarketZeroAddress");
    await expect(
      proxy.deploy(
        await impl.getAddress(),
        factory.interface.encodeFunctionData("initialize", [ZeroAddress, 1, await reward.getAddress()]),
      ),
    ).to.be.revertedWithCustomError(factory, "MarketZeroAddress");
  });

  it("flow() is zero before a Flow is authorised", async function () {
    const [admin] = await ethers.getSigners();
    const m = await deployProxy<Market>("Market", [admin.address, 1n, admin.address]);
    expect(await m.flow()).to.equal(ZeroAddress);
  });

  describe("setPricePerSector", function () {
    it("updates the price and emits PricePerSectorUpdated", async function () {
      const { market, admin } = await loadFixture(fixture);
      await expect(market.connect(admin).setPricePerSector(99))
        .to.emit(market, "PricePerSectorUpdated")
        .withArgs(PRICE, 99n);
      expect(await market.pricePerSector()).to.equal(99n);
      await expect(market.connect(admin).setPricePerSector(99)).to.not.emit(market, "PricePerSectorUpdated");
    });

    it("reverts MarketPriceTooHigh for a price of 2^96 or more (initializer and setter)", async function () {
      const { market, admin, reward } = await loadFixture(fixture);
      await expect(market.connect(admin).setPricePerSector(1n << 96n))
        .to.be.revertedWithCustomError(market, "MarketPriceTooHigh")
        .withArgs(1n << 96n);
      await market.connect(admin).setPricePerSector((1n << 96n) - 1n);
      expect(await market.pricePerSector()).to.equal((1n << 96n) - 1n);
      const factory = await ethers.getContractFactory("Market");
      const impl = await factory.deploy();
      const proxy = await ethers.getContractFactory("ERC1967Proxy");
      await expect(
        proxy.deploy(
          await impl.getAddress(),
          factory.interface.encodeFunctionData("initialize", [admin.address, 1n << 96n, await reward.getAddress()]),
        ),
      )
        .to.be.revertedWithCustomError(factory, "MarketPriceTooHigh")
        .withArgs(1n << 96n);
    });

    it("reverts for accounts without PARAMS_ADMIN_ROLE", async function () {
      const { market, other } = await loadFixture(fixture);
      await expect(market.connect(other).setPricePerSector(1))
        .to.be.revertedWithCustomError(market, "AccessControlUnauthorizedAccount")
        .withArgs(other.address, await market.PARAMS_ADMIN_ROLE());
    });
  });

  describe("chargeFee", function () {
    it("reverts for callers without FLOW_ROLE", async function () {
      const { market, other } = await loadFixture(fixture);
      await expect(market.connect(other).chargeFee(0, 1, 0, { value: PRICE }))
        .to.be.revertedWithCustomError(market, "AccessControlUnauthorizedAccount")
        .withArgs(other.address, await market.FLOW_ROLE());
    });

    it("reverts MarketFeeMismatch unless msg.value is exactly uploadSectors × price", async function () {
      const { market, flowSigner } = await loadFixture(fixture);
      await expect(market.connect(flowSigner).chargeFee(0, 3, 0, { value: 29n }))
        .to.be.revertedWithCustomError(market, "MarketFeeMismatch")
        .withArgs(30n, 29n);
      await expect(market.connect(flowSigner).chargeFee(0, 3, 0, { value: 31n }))
        .to.be.revertedWithCustomError(market, "MarketFeeMismatch")
        .withArgs(30n, 31n);
    });

    it("splits the fee between padding and upload sectors in proportion and fills both ranges", async function () {
      const { market, reward, flowSigner } = await loadFixture(fixture);
      // Before 10, 6 padding sectors then 30 uploaded: fee 300, padding part 300*6/36 = 50.
      await expect(market.connect(flowSigner).chargeFee(10, 30, 6, { value: 300n }))
        .to.emit(market, "FeeCharged")
        .withArgs(10n, 30n, 6n, 300n)
        .and.to.emit(reward, "RewardFilled")
        .withArgs(0n, 50n, false)
        .and.to.emit(reward, "RewardFilled")
        .withArgs(0n, 250n, false);
      expect((await reward.rewards(0)).lockedReward).to.equal(300n);
      expect(await ethers.provider.getBalance(await market.getAddress())).to.equal(0n);
    });

    it("has no receive function", async function () {
      const { market, other } = await loadFixture(fixture);
      await expect(other.sendTransaction({ to: await market.getAddress(), value: 1n })).to.be.reverted;
    });
  });

  describe("chargeFees", function () {
    it("reverts for callers without FLOW_ROLE", async function () {
      const { market, other } = await loadFixture(fixture);
      await expect(
        market.connect(other).chargeFees([{ beforeLength: 0, uploadSectors: 1, paddingSectors: 0 }], { value: PRICE }),
      )
        .to.be.revertedWithCustomError(market, "AccessControlUnauthorizedAccount")
        .withArgs(other.address, await market.FLOW_ROLE());
    });

    it("reverts MarketFeeMismatch unless msg.value is exactly Σ uploadSectors × price", async function () {
      const { market, flowSigner } = await loadFixture(fixture);
      const charges = [
        { beforeLength: 1, uploadSectors: 3, paddingSectors: 0 },
        { beforeLength: 4, uploadSectors: 4, paddingSectors: 4 },
      ];
      await expect(market.connect(flowSigner).chargeFees(charges, { value: 69n }))
        .to.be.revertedWithCustomError(market, "MarketFeeMismatch")
        .withArgs(70n, 69n);
      await expect(market.connect(flowSigner).chargeFees(charges, { value: 71n }))
        .to.be.revertedWithCustomError(market, "MarketFeeMismatch")
        .withArgs(70n, 71n);
    });

    it("has the same events and pool effects as one chargeFee per entry", async function () {
      const { market, reward, flowSigner } = await loadFixture(fixture);
      // Chunk size 64: the second entry's padding and upload span chunks 0 and 1, the third finalises chunk 1.
      const charges = [
        { beforeLength: 1, uploadSectors: 15, paddingSectors: 0 },
        { beforeLength: 16, uploadSectors: 32, paddingSectors: 16 },
        { beforeLength: 64, uploadSectors: 64, paddingSectors: 0 },
      ];
      const total = charges.reduce((a, c) => a + BigInt(c.uploadSectors) * PRICE, 0n);
      const snapshot = await ethers.provider.send("evm_snapshot", []);
      const expected: bigint[][] = [];
      const expectedEvents: string[] = [];
      for (const c of charges) {
        const rc = await (
          await market
            .connect(flowSigner)
            .chargeFee(c.beforeLength, c.uploadSectors, c.paddingSectors, { value: BigInt(c.uploadSectors) * PRICE })
        ).wait();
        for (const log of rc!.logs) expectedEvents.push(`${log.address}:${log.topics.join(",")}:${log.data}`);
      }
      for (let i = 0; i < 3; i++) {
        const r = await reward.rewards(i);
        expected.push([r.lockedReward, r.startTime === 0n ? 0n : 1n]);
      }
      await ethers.provider.send("evm_revert", [snapshot]);
      const rc = await (await market.connect(flowSigner).chargeFees(charges, { value: total })).wait();
      const events = rc!.logs.map((log) => `${log.address}:${log.topics.join(",")}:${log.data}`);
      // Same multiset of events (the batched form emits the FeeCharged events first).
      expect([...events].sort()).to.deep.equal([...expectedEvents].sort());
      const rewardAddress = await reward.getAddress();
      const fills = events.filter((e) => e.startsWith(`${rewardAddress}:`));
      const expectedFills = expectedEvents.filter((e) => e.startsWith(`${rewardAddress}:`));
      expect(fills).to.deep.equal(expectedFills);
      for (let i = 0; i < 3; i++) {
        const r = await reward.rewards(i);
        expect([r.lockedReward, r.startTime === 0n ? 0n : 1n]).to.deep.equal(expected[i]);
      }
      expect(await ethers.provider.getBalance(await market.getAddress())).to.equal(0n);
    });
  });

  it("uses the ERC-7201 slot of zg.storage.Market", async function () {
    const { market } = await loadFixture(fixture);
    const slot =
      BigInt(keccak256(coder.encode(["uint256"], [BigInt(keccak256(toUtf8Bytes("zg.storage.Market"))) - 1n]))) & ~0xffn;
    // price (96 bits) | reward address, packed in the first slot.
    const word = BigInt(await ethers.provider.getStorage(await market.getAddress(), slot));
    expect(word & ((1n << 96n) - 1n)).to.equal(PRICE);
    expect(ethers.getAddress("0x" + (word >> 96n).toString(16).padStart(40, "0"))).to.equal(await market.reward());
  });
});
