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

  it("uses the ERC-7201 slot of zg.storage.Market", async function () {
    const { market } = await loadFixture(fixture);
    const slot =
      BigInt(keccak256(coder.encode(["uint256"], [BigInt(keccak256(toUtf8Bytes("zg.storage.Market"))) - 1n]))) & ~0xffn;
    expect(BigInt(await ethers.provider.getStorage(await market.getAddress(), slot))).to.equal(PRICE);
  });
});
