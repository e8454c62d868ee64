import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, ZeroHash, type BaseContract } from "ethers";
import { deployWithIgnition } from "./helpers/mineFixture";

const IMPLEMENTATION_SLOT = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc";

async function fixture() {
  const [admin, other] = await ethers.getSigners();
  return { admin, other, ...(await deployWithIgnition()) };
}

interface Upgradeable extends BaseContract {
  upgradeToAndCall(impl: string, data: string): Promise<unknown>;
}

describe("Storage upgrades (UUPS)", function () {
  for (const name of ["Flow", "Market", "Reward", "Mine"] as const) {
    describe(name, function () {
      it("only DEFAULT_ADMIN_ROLE may upgrade, and state survives the upgrade", async function () {
        const f = await loadFixture(fixture);
        const proxy = { Flow: f.flow, Market: f.market, Reward: f.reward, Mine: f.mine }[
          name
        ] as unknown as Upgradeable;
        const impl = await (await ethers.getContractFactory(name)).deploy();
        const implAddress = await impl.getAddress();
        await expect((proxy.connect(f.other) as Upgradeable).upgradeToAndCall(implAddress, "0x"))
          .to.be.revertedWithCustomError(proxy, "AccessControlUnauthorizedAccount")
          .withArgs(f.other.address, ZeroHash);
        const before = await f.market.pricePerSector();
        const flowLength = (await f.flow.tree())[0];
        await (proxy.connect(f.admin) as Upgradeable).upgradeToAndCall(implAddress, "0x");
        const slot = await ethers.provider.getStorage(await proxy.getAddress(), IMPLEMENTATION_SLOT);
        expect(ethers.getAddress("0x" + slot.slice(26))).to.equal(implAddress);
        expect(await f.market.pricePerSector()).to.equal(before);
        expect((await f.flow.tree())[0]).to.equal(flowLength);
        expect(await f.mine.flow()).to.equal(await f.flow.getAddress());
      });

      it("the implementation cannot be initialised", async function () {
        const impl = await (await ethers.getContractFactory(name)).deploy();
        const args: Record<typeof name, unknown[]> = {
          Flow: [ZeroAddress, ZeroAddress, 1, 0],
          Market: [ZeroAddress, 1, ZeroAddress],
          Reward: [ZeroAddress, 1, 1, ZeroAddress, 0, 0],
          Mine: [ZeroAddress, ZeroAddress, ZeroAddress, [1, 1, 1, 1, 1, 1], 0],
        };
        await expect(impl.getFunction("initialize")(...args[name])).to.be.revertedWithCustomError(
          impl,
          "InvalidInitialization",
        );
      });
    });
  }
});
