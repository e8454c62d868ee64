import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers, ignition } from "hardhat";
import INFTModule from "../../../ignition/modules/INFT";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { TEEVerifier__factory } from "../../../typechain";
import { deployINFT, erc7201Slot, type Fixture } from "./helpers";

const MAX_ORACLES = 32;

describe("TEEVerifier", function () {
  let f: Fixture;

  beforeEach(async function () {
    f = await loadFixture(deployINFT);
  });

  const fresh = () => privateKeyToAccount(generatePrivateKey()).address;

  it("the Ignition module's defaults give one devnet oracle and a threshold of 1", async function () {
    const { TEEVerifier, AgentNFT } = await ignition.deploy(INFTModule);
    const verifier = TEEVerifier__factory.connect(await TEEVerifier.getAddress(), f.admin);
    expect([...(await verifier.getOracles())]).to.deep.equal(["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"]);
    expect(await verifier.minConfirmations()).to.equal(1n);
    expect(await verifier.hasRole(await verifier.ORACLE_MANAGER_ROLE(), f.admin.address)).to.equal(true);
    expect(await AgentNFT.getFunction("verifier")()).to.equal(await TEEVerifier.getAddress());
  });

  it("keeps its state in the ERC-7201 slot zg.storage.TEEVerifier", async function () {
    const slot = BigInt(erc7201Slot("zg.storage.TEEVerifier"));
    const address = await f.verifier.getAddress();
    // Layout: AddressSet { address[] _values; mapping _positions; } then uint256 minConfirmations.
    expect(BigInt(await ethers.provider.getStorage(address, slot))).to.equal(3n);
    expect(BigInt(await ethers.provider.getStorage(address, slot + 2n))).to.equal(2n);
  });

  it("cannot be initialized twice or through the implementation", async function () {
    await expect(f.verifier.initialize(f.admin.address, [fresh()], 1)).to.be.revertedWithCustomError(
      f.verifier,
      "InvalidInitialization",
    );
    const impl = await new TEEVerifier__factory(f.admin).deploy();
    await expect(impl.initialize(f.admin.address, [fresh()], 1)).to.be.revertedWithCustomError(
      impl,
      "InvalidInitialization",
    );
  });

  it("rejects an initial threshold outside 1..oracles", async function () {
    const impl = await new TEEVerifier__factory(f.admin).deploy();
    const Proxy = await ethers.getContractFactory("ERC1967Proxy");
    for (const [oracles, threshold] of [
      [[fresh()], 2],
      [[fresh()], 0],
      [[], 1],
    ] as const) {
      const init = impl.interface.encodeFunctionData("initialize", [f.admin.address, [...oracles], threshold]);
      await expect(Proxy.deploy(await impl.getAddress(), init))
        .to.be.revertedWithCustomError(impl, "TEEVerifierInvalidMinConfirmations")
        .withArgs(threshold, oracles.length);
    }
  });

  describe("addOracle", function () {
    it("adds and emits OracleAdded", async function () {
      const oracle = fresh();
      await expect(f.verifier.addOracle(oracle)).to.emit(f.verifier, "OracleAdded").withArgs(oracle);
      expect(await f.verifier.isOracle(oracle)).to.equal(true);
      expect((await f.verifier.getOracles()).length).to.equal(4);
    });

    it("reverts for zero, duplicates, a full set and callers without ORACLE_MANAGER_ROLE", async function () {
      await expect(f.verifier.addOracle(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        f.verifier,
        "TEEVerifierZeroOracle",
      );
      await expect(f.verifier.addOracle(f.oracles[0].address))
        .to.be.revertedWithCustomError(f.verifier, "TEEVerifierOracleExists")
        .withArgs(f.oracles[0].address);
      await expect(f.verifier.connect(f.mallory).addOracle(fresh()))
        .to.be.revertedWithCustomError(f.verifier, "AccessControlUnauthorizedAccount")
        .withArgs(f.mallory.address, await f.verifier.ORACLE_MANAGER_ROLE());
      for (let i = 3; i < MAX_ORACLES; i++) await f.verifier.addOracle(fresh());
      await expect(f.verifier.addOracle(fresh()))
        .to.be.revertedWithCustomError(f.verifier, "TEEVerifierTooManyOracles")
        .withArgs(MAX_ORACLES);
    });
  });

  describe("removeOracle", function () {
    it("removes and emits OracleRemoved", async function () {
      await expect(f.verifier.removeOracle(f.oracles[2].address))
        .to.emit(f.verifier, "OracleRemoved")
        .withArgs(f.oracles[2].address);
      expect(await f.verifier.isOracle(f.oracles[2].address)).to.equal(false);
    });

    it("reverts for unknown oracles, below the threshold and without the role", async function () {
      const unknown = fresh();
      await expect(f.verifier.removeOracle(unknown))
        .to.be.revertedWithCustomError(f.verifier, "TEEVerifierUnknownOracle")
        .withArgs(unknown);
      await f.verifier.removeOracle(f.oracles[2].address);
      await expect(f.verifier.removeOracle(f.oracles[1].address))
        .to.be.revertedWithCustomError(f.verifier, "TEEVerifierInvalidMinConfirmations")
        .withArgs(2n, 1n);
      await expect(f.verifier.connect(f.mallory).removeOracle(f.oracles[0].address))
        .to.be.revertedWithCustomError(f.verifier, "AccessControlUnauthorizedAccount")
        .withArgs(f.mallory.address, await f.verifier.ORACLE_MANAGER_ROLE());
    });
  });

  describe("setMinConfirmations", function () {
    it("updates and emits MinConfirmationsUpdated; no event when unchanged", async function () {
      await expect(f.verifier.setMinConfirmations(3)).to.emit(f.verifier, "MinConfirmationsUpdated").withArgs(2n, 3n);
      await expect(f.verifier.setMinConfirmations(3)).to.not.emit(f.verifier, "MinConfirmationsUpdated");
    });

    it("reverts for 0, above the set size and without the role", async function () {
      await expect(f.verifier.setMinConfirmations(0))
        .to.be.revertedWithCustomError(f.verifier, "TEEVerifierInvalidMinConfirmations")
        .withArgs(0n, 3n);
      await expect(f.verifier.setMinConfirmations(4))
        .to.be.revertedWithCustomError(f.verifier, "TEEVerifierInvalidMinConfirmations")
        .withArgs(4n, 3n);
      await expect(f.verifier.connect(f.mallory).setMinConfirmations(1))
        .to.be.revertedWithCustomError(f.verifier, "AccessControlUnauthorizedAccount")
        .withArgs(f.mallory.address, await f.verifier.ORACLE_MANAGER_ROLE());
    });
  });

  describe("verifyTransferValidity (direct)", function () {
    const claim = {
      action: 0,
      tokenId: 1n,
      from: ethers.ZeroAddress,
      to: ethers.ZeroAddress,
      oldDataHash: ethers.ZeroHash,
      newDataHash: ethers.ZeroHash,
      newURI: "",
      sealedKeyHash: ethers.ZeroHash,
      receiverPubKey: "0x",
      nonce: 0n,
      deadline: 0n,
    };
    const digest = ethers.keccak256(ethers.toUtf8Bytes("digest"));

    it("accepts enough ascending oracle signatures over the digest", async function () {
      const sorted = [...f.oracles].sort((x, y) => (BigInt(x.address) < BigInt(y.address) ? -1 : 1));
      const sigs = await Promise.all(sorted.slice(0, 2).map((o) => o.sign({ hash: digest as `0x${string}` })));
      const proof = ethers.AbiCoder.defaultAbiCoder().encode(["bytes[]"], [sigs]);
      expect(await f.verifier.verifyTransferValidity(claim, digest, proof)).to.equal(true);
    });

    it("rejects more than MAX_ORACLES signatures", async function () {
      const proof = ethers.AbiCoder.defaultAbiCoder().encode(["bytes[]"], [Array(MAX_ORACLES + 1).fill("0x")]);
      await expect(f.verifier.verifyTransferValidity(claim, digest, proof))
        .to.be.revertedWithCustomError(f.verifier, "TEEVerifierTooManyOracles")
        .withArgs(MAX_ORACLES);
    });
  });

  it("upgrades only through UPGRADER_ROLE", async function () {
    const next = await new TEEVerifier__factory(f.admin).deploy();
    await expect(f.verifier.connect(f.mallory).upgradeToAndCall(await next.getAddress(), "0x"))
      .to.be.revertedWithCustomError(f.verifier, "AccessControlUnauthorizedAccount")
      .withArgs(f.mallory.address, await f.verifier.UPGRADER_ROLE());
    await f.verifier.upgradeToAndCall(await next.getAddress(), "0x");
    expect(await f.verifier.minConfirmations()).to.equal(2n);
  });
});
