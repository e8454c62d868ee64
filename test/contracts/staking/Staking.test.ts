import { expect } from "chai";
import hre, { ethers, ignition } from "hardhat";
import StakingModule from "../../../ignition/modules/Staking";
import { createProvider } from "hardhat/internal/core/providers/construction";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  BLS12381Harness__factory,
  Staking__factory,
  ValidatorV2Mock__factory,
  Validator__factory,
} from "../../../typechain";
import {
  POP_DST,
  encodeProofOfPossessionMessage,
  prepareValidatorInitialization,
  type Hex,
} from "../../../agents/protocol/staking";
import {
  DESCRIPTION,
  ETH,
  GWEI,
  MIN_SELF_DELEGATION,
  WITHDRAW_DELAY,
  createValidator,
  deployStakingFixture,
  keyFor,
  paramsOf,
  signInit,
  validatorFixture,
} from "./fixtures";

function erc7201(namespace: string): string {
  const inner = BigInt(ethers.keccak256(ethers.toUtf8Bytes(namespace))) - 1n;
  const outer = BigInt(ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["uint256"], [inner])));
  return ethers.toBeHex(outer & ~0xffn, 32);
}

async function readSlot(address: string, slot: string): Promise<string> {
  return ethers.provider.getStorage(address, slot);
}

describe("Staking", () => {
  describe("deployment", () => {
    it("stores the parameters given to the Ignition module", async () => {
      const { staking } = await loadFixture(deployStakingFixture);
      expect(await staking.minWithdrawabilityDelay()).to.equal(WITHDRAW_DELAY);
      expect(await staking.minSelfDelegationInGwei()).to.equal(MIN_SELF_DELEGATION / GWEI);
      expect(await staking.minActivationStakesInGwei()).to.equal(500n * GWEI);
      expect(await staking.maxEffectiveStakesInGwei()).to.equal((10_000_000n * GWEI * GWEI) / GWEI);
      expect(await staking.communityTaxRate()).to.equal(20_000n);
      expect(await staking.maxCommissionRate()).to.equal(500_000n);
      expect(await staking.maxWithdrawalFeeInGwei()).to.equal(GWEI);
      expect(await staking.effectiveDelegationInGwei()).to.equal(1n);
      expect(await staking.maxValidatorCount()).to.equal(100n);
      expect(await staking.validatorCount()).to.equal(0n);
      expect(await staking.POP_DST()).to.equal(POP_DST);
    });

    it("deploys through the Ignition module with its default (devnet) parameters", async () => {
      const [deployer] = await ethers.getSigners();
      const { Staking, RewardPool } = await ignition.deploy(StakingModule);
      const staking = Staking__factory.connect(await Staking.getAddress(), deployer);
      expect(await staking.minWithdrawabilityDelay()).to.equal(5n);
      expect(await staking.minSelfDelegationInGwei()).to.equal(500n * GWEI);
      expect(await staking.hasRole(await staking.GOVERNOR_ROLE(), deployer.address)).to.equal(true);
      expect(await RewardPool.getFunction("staking")()).to.equal(await staking.getAddress());
      expect(await RewardPool.getFunction("epochLength")()).to.equal(60n);
    });

    it("uses the ERC-7201 slot zg.storage.Staking (beacon is its first field)", async () => {
      const { staking } = await loadFixture(deployStakingFixture);
      const slot = erc7201("zg.storage.Staking");
      expect(slot).to.equal("0x09a6a07e5d167c7b19ebe70284b01181852d63b4ff7e16ff6aea70275c064400");
      const word = await readSlot(await staking.getAddress(), slot);
      expect(ethers.getAddress(ethers.dataSlice(word, 12))).to.equal(await staking.validatorBeacon());
    });

    it("uses the ERC-7201 slots zg.storage.Validator and zg.storage.RewardPool", async () => {
      const { staking, validator, rewardPool } = await loadFixture(validatorFixture);
      const vslot = erc7201("zg.storage.Validator");
      expect(vslot).to.equal("0xf38dd7bda9daa34664e64450079b902070367ed667dbaa0ac5c6cf85cd515800");
      const vword = await readSlot(await validator.getAddress(), vslot);
      expect(ethers.getAddress(ethers.dataSlice(vword, 12))).to.equal(await staking.getAddress());
      const rslot = erc7201("zg.storage.RewardPool");
      expect(rslot).to.equal("0x69aeebcc4d08135ed332a8409ee364b6719107a1e171093d3546eea2bc885500");
      const rword = await readSlot(await rewardPool.getAddress(), rslot);
      expect(ethers.getAddress(ethers.dataSlice(rword, 12))).to.equal(await staking.getAddress());
    });

    it("keeps 0G's selector for createAndInitializeValidatorIfNecessary (0xe7740331)", async () => {
      const { staking } = await loadFixture(deployStakingFixture);
      expect(staking.interface.getFunction("createAndInitializeValidatorIfNecessary").selector).to.equal("0xe7740331");
    });

    it("cannot be initialized twice, nor through the implementation", async () => {
      const { staking, admin } = await loadFixture(deployStakingFixture);
      const params = await paramsOf(staking);
      await expect(staking.initialize(admin.address, 0n, admin.address, params)).to.be.revertedWithCustomError(
        staking,
        "InvalidInitialization",
      );
      const impl = await new Staking__factory(admin).deploy();
      await expect(impl.initialize(admin.address, 0n, admin.address, params)).to.be.revertedWithCustomError(
        impl,
        "InvalidInitialization",
      );
    });

    it("transfers DEFAULT_ADMIN_ROLE only in two steps (AccessControlDefaultAdminRules)", async () => {
      const { staking, admin, alice } = await loadFixture(deployStakingFixture);
      const adminRole = await staking.DEFAULT_ADMIN_ROLE();
      await expect(staking.connect(admin).grantRole(adminRole, alice.address)).to.be.revertedWithCustomError(
        staking,
        "AccessControlEnforcedDefaultAdminRules",
      );
      await staking.connect(admin).beginDefaultAdminTransfer(alice.address);
      await staking.connect(alice).acceptDefaultAdminTransfer();
      expect(await staking.defaultAdmin()).to.equal(alice.address);
      expect(await staking.hasRole(adminRole, admin.address)).to.equal(false);
    });

    it("rejects zero addresses at initialization", async () => {
      const { staking, admin } = await loadFixture(deployStakingFixture);
      const params = await paramsOf(staking);
      const impl = await new Staking__factory(admin).deploy();
      const proxyFactory = await ethers.getContractFactory("ERC1967Proxy");
      const data = impl.interface.encodeFunctionData("initialize", [ethers.ZeroAddress, 0n, admin.address, params]);
      await expect(proxyFactory.deploy(await impl.getAddress(), data)).to.be.revertedWithCustomError(
        impl,
        "StakingZeroAddress",
      );
    });
  });

  describe("createValidator", () => {
    it("deploys a beacon proxy at computeValidatorAddress and emits ValidatorCreated", async () => {
      const { staking, stranger } = await loadFixture(deployStakingFixture);
      const { pubkey } = keyFor(3);
      const predicted = await staking.computeValidatorAddress(pubkey);
      expect(await staking.getValidator(pubkey)).to.equal(ethers.ZeroAddress);
      await expect(staking.connect(stranger).createValidator(pubkey))
        .to.emit(staking, "ValidatorCreated")
        .withArgs(ethers.keccak256(pubkey), predicted, pubkey);
      expect(await staking.getValidator(pubkey)).to.equal(predicted);
      const validator = Validator__factory.connect(predicted, stranger);
      expect(await validator.consensusPubkey()).to.equal(pubkey);
      expect(await validator.staking()).to.equal(await staking.getAddress());
      expect(await validator.operatorAddress()).to.equal(ethers.ZeroAddress);
      expect(await validator.bondStatus()).to.equal(0n);
      // Created-only validators do not count.
      expect(await staking.validatorCount()).to.equal(0n);
    });

    it("reverts with ValidatorAlreadyExists for a second create", async () => {
      const { staking } = await loadFixture(deployStakingFixture);
      const { pubkey } = keyFor(3);
      await staking.createValidator(pubkey);
      await expect(staking.createValidator(pubkey))
        .to.be.revertedWithCustomError(staking, "ValidatorAlreadyExists")
        .withArgs(pubkey);
    });

    for (const [label, bytes] of [
      ["47 bytes", "0x" + "a0".repeat(47)],
      ["49 bytes", "0x" + "a0".repeat(49)],
      ["no compression flag", "0x" + "00".repeat(48)],
      ["the point at infinity", "0xc0" + "00".repeat(47)],
    ] as const) {
      it(`reverts with StakingInvalidPubkey for ${label}`, async () => {
        const { staking } = await loadFixture(deployStakingFixture);
        await expect(staking.createValidator(bytes))
          .to.be.revertedWithCustomError(staking, "StakingInvalidPubkey")
          .withArgs(bytes);
      });
    }

    it("the validator proxy cannot be initialized again", async () => {
      const { staking, stranger } = await loadFixture(deployStakingFixture);
      const { pubkey } = keyFor(3);
      await staking.createValidator(pubkey);
      const validator = Validator__factory.connect(await staking.getValidator(pubkey), stranger);
      await expect(validator.initialize(pubkey)).to.be.revertedWithCustomError(validator, "InvalidInitialization");
    });
  });

  describe("initializeValidator", () => {
    it("initializes a created validator, self-delegates and emits events", async () => {
      const { staking, operator } = await loadFixture(deployStakingFixture);
      const key = keyFor(1);
      await staking.createValidator(key.pubkey);
      const signed = await signInit(staking, key, operator.address, MIN_SELF_DELEGATION);
      const validator = Validator__factory.connect(signed.validator, operator);
      await expect(
        staking.connect(operator).initializeValidator(DESCRIPTION, 100_000n, 1n, signed.pubkey, signed.signature, {
          value: MIN_SELF_DELEGATION,
        }),
      )
        .to.emit(staking, "ValidatorInitialized")
        .withArgs(signed.validator, operator.address, signed.pubkey, MIN_SELF_DELEGATION)
        .and.to.emit(validator, "ValidatorActivated")
        .withArgs(operator.address, MIN_SELF_DELEGATION, 100_000n, 1n)
        .and.to.emit(validator, "Delegated")
        .withArgs(operator.address, await staking.getAddress(), MIN_SELF_DELEGATION, MIN_SELF_DELEGATION)
        .and.to.emit(validator, "BondStatusChanged")
        .withArgs(0n, 1n);
      expect(await staking.validatorCount()).to.equal(1n);
      expect(await staking.validatorAt(0)).to.equal(signed.validator);
      expect(await staking.isValidator(signed.validator)).to.equal(true);
      expect(await validator.operatorAddress()).to.equal(operator.address);
      expect(await validator.commissionRate()).to.equal(100_000n);
      expect(await validator.withdrawalFeeInGwei()).to.equal(1n);
      expect(await validator.bondStatus()).to.equal(1n);
      expect(await validator.tokens()).to.equal(MIN_SELF_DELEGATION);
      expect(await validator.getDelegation(operator.address)).to.deep.equal([signed.validator, MIN_SELF_DELEGATION]);
      const d = await validator.description();
      expect(d.moniker).to.equal(DESCRIPTION.moniker);
      expect(d.details).to.equal(DESCRIPTION.details);
    });

    it("createAndInitializeValidatorIfNecessary returns the validator address and creates it if needed", async () => {
      const { staking, operator } = await loadFixture(deployStakingFixture);
      const key = keyFor(2);
      const signed = await signInit(staking, key, operator.address, MIN_SELF_DELEGATION);
      const returned = await staking
        .connect(operator)
        .createAndInitializeValidatorIfNecessary.staticCall(DESCRIPTION, 0n, 0n, signed.pubkey, signed.signature, {
          value: MIN_SELF_DELEGATION,
        });
      expect(returned).to.equal(signed.validator);
      await expect(
        staking
          .connect(operator)
          .createAndInitializeValidatorIfNecessary(DESCRIPTION, 0n, 0n, signed.pubkey, signed.signature, {
            value: MIN_SELF_DELEGATION,
          }),
      ).to.emit(staking, "ValidatorCreated");
    });

    it("accepts the transaction built by prepareValidatorInitialization (TS, end to end)", async () => {
      const { staking, operator } = await loadFixture(deployStakingFixture);
      const key = keyFor(11);
      const validator = await staking.computeValidatorAddress(key.pubkey);
      const tx = prepareValidatorInitialization({
        secretKey: key.secretKey,
        chainId: 31337n,
        staking: (await staking.getAddress()) as Hex,
        validator: validator as Hex,
        operator: operator.address as Hex,
        value: MIN_SELF_DELEGATION,
        description: DESCRIPTION,
        commissionRate: 20_000,
        withdrawalFeeInGwei: 3n,
      });
      await expect(operator.sendTransaction(tx))
        .to.emit(staking, "ValidatorInitialized")
        .withArgs(validator, operator.address, key.pubkey, MIN_SELF_DELEGATION);
      const v = Validator__factory.connect(validator, operator);
      expect(await v.commissionRate()).to.equal(20_000n);
      expect(await v.withdrawalFeeInGwei()).to.equal(3n);
    });

    it("reverts with ValidatorNotFound when the validator was not created", async () => {
      const { staking, operator } = await loadFixture(deployStakingFixture);
      const signed = await signInit(staking, keyFor(1), operator.address, MIN_SELF_DELEGATION);
      await expect(
        staking
          .connect(operator)
          .initializeValidator(DESCRIPTION, 0n, 0n, signed.pubkey, signed.signature, { value: MIN_SELF_DELEGATION }),
      )
        .to.be.revertedWithCustomError(staking, "ValidatorNotFound")
        .withArgs(signed.pubkey);
    });

    it("reverts with ValidatorAlreadyExists on a second initialization", async () => {
      const { staking, operator } = await loadFixture(deployStakingFixture);
      await createValidator(staking, operator, { key: keyFor(1) });
      const signed = await signInit(staking, keyFor(1), operator.address, MIN_SELF_DELEGATION);
      for (const fn of ["initializeValidator", "createAndInitializeValidatorIfNecessary"] as const) {
        const asOperator = staking.connect(operator);
        await expect(
          asOperator[fn](DESCRIPTION, 0n, 0n, signed.pubkey, signed.signature, { value: MIN_SELF_DELEGATION }),
        )
          .to.be.revertedWithCustomError(staking, "ValidatorAlreadyExists")
          .withArgs(signed.pubkey);
      }
    });

    it("reverts with StakingInitialDelegationBelowMinimum below the self-delegation minimum", async () => {
      const { staking, operator } = await loadFixture(deployStakingFixture);
      const amount = MIN_SELF_DELEGATION - GWEI;
      const signed = await signInit(staking, keyFor(1), operator.address, amount);
      await expect(
        staking
          .connect(operator)
          .createAndInitializeValidatorIfNecessary(DESCRIPTION, 0n, 0n, signed.pubkey, signed.signature, {
            value: amount,
          }),
      )
        .to.be.revertedWithCustomError(staking, "StakingInitialDelegationBelowMinimum")
        .withArgs(amount, MIN_SELF_DELEGATION);
    });

    it("reverts with StakingAmountNotGweiMultiple for a value with a wei remainder", async () => {
      const { staking, operator } = await loadFixture(deployStakingFixture);
      const amount = MIN_SELF_DELEGATION + 1n;
      const signed = await signInit(staking, keyFor(1), operator.address, MIN_SELF_DELEGATION);
      await expect(
        staking
          .connect(operator)
          .createAndInitializeValidatorIfNecessary(DESCRIPTION, 0n, 0n, signed.pubkey, signed.signature, {
            value: amount,
          }),
      )
        .to.be.revertedWithCustomError(staking, "StakingAmountNotGweiMultiple")
        .withArgs(amount);
    });

    it("reverts with StakingMaxValidatorCountReached when the set is full", async () => {
      const { staking, operator, admin } = await loadFixture(deployStakingFixture);
      const params = { ...(await paramsOf(staking)), maxValidatorCount: 1n };
      await staking.connect(admin).setParams(params);
      await createValidator(staking, operator, { key: keyFor(1) });
      const signed = await signInit(staking, keyFor(2), operator.address, MIN_SELF_DELEGATION);
      await expect(
        staking
          .connect(operator)
          .createAndInitializeValidatorIfNecessary(DESCRIPTION, 0n, 0n, signed.pubkey, signed.signature, {
            value: MIN_SELF_DELEGATION,
          }),
      )
        .to.be.revertedWithCustomError(staking, "StakingMaxValidatorCountReached")
        .withArgs(1n);
    });

    describe("proof of possession", () => {
      async function attempt(
        mutate: (s: Awaited<ReturnType<typeof signInit>>) => { pubkey: Hex; signature: Hex },
        amount = MIN_SELF_DELEGATION,
      ) {
        const f = await loadFixture(deployStakingFixture);
        const signed = await signInit(f.staking, keyFor(1), f.operator.address, MIN_SELF_DELEGATION);
        const { pubkey, signature } = mutate(signed);
        await f.staking.createValidator(signed.pubkey);
        return {
          f,
          pubkey,
          call: f.staking
            .connect(f.operator)
            .initializeValidator(DESCRIPTION, 0n, 0n, pubkey, signature, { value: amount }),
        };
      }

      it("rejects a signature by another key", async () => {
        const f = await loadFixture(deployStakingFixture);
        const good = await signInit(f.staking, keyFor(1), f.operator.address, MIN_SELF_DELEGATION);
        const other = await signInit(f.staking, keyFor(2), f.operator.address, MIN_SELF_DELEGATION);
        await f.staking.createValidator(good.pubkey);
        // The other key's blob carries the other key's uncompressed point: mismatch with the compressed key.
        await expect(
          f.staking
            .connect(f.operator)
            .initializeValidator(DESCRIPTION, 0n, 0n, good.pubkey, other.signature, { value: MIN_SELF_DELEGATION }),
        )
          .to.be.revertedWithCustomError(f.staking, "InvalidSignature")
          .withArgs(good.pubkey);
        // Same key point, but the G2 part signed by another key.
        const spliced = (other.signature.slice(0, 2 + 384) + good.signature.slice(2 + 384)) as Hex;
        await expect(
          f.staking
            .connect(f.operator)
            .initializeValidator(DESCRIPTION, 0n, 0n, good.pubkey, spliced, { value: MIN_SELF_DELEGATION }),
        )
          .to.be.revertedWithCustomError(f.staking, "InvalidSignature")
          .withArgs(good.pubkey);
      });

      it("rejects a signature for another operator (front-running)", async () => {
        const f = await loadFixture(deployStakingFixture);
        const signed = await signInit(f.staking, keyFor(1), f.operator.address, MIN_SELF_DELEGATION);
        await f.staking.createValidator(signed.pubkey);
        await expect(
          f.staking
            .connect(f.stranger)
            .initializeValidator(DESCRIPTION, 0n, 0n, signed.pubkey, signed.signature, { value: MIN_SELF_DELEGATION }),
        )
          .to.be.revertedWithCustomError(f.staking, "InvalidSignature")
          .withArgs(signed.pubkey);
      });

      it("rejects a signature for another amount", async () => {
        const { f, pubkey, call } = await attempt((s) => s, MIN_SELF_DELEGATION + GWEI);
        await expect(call).to.be.revertedWithCustomError(f.staking, "InvalidSignature").withArgs(pubkey);
      });

      it("rejects a truncated signature", async () => {
        const { f, pubkey, call } = await attempt((s) => ({
          pubkey: s.pubkey,
          signature: s.signature.slice(0, -2) as Hex,
        }));
        await expect(call).to.be.revertedWithCustomError(f.staking, "InvalidSignature").withArgs(pubkey);
      });

      it("rejects a signature with flag bits set", async () => {
        const { f, pubkey, call } = await attempt((s) => ({
          pubkey: s.pubkey,
          signature: ("0x" +
            (parseInt(s.signature.slice(2, 4), 16) | 0x80).toString(16).padStart(2, "0") +
            s.signature.slice(4)) as Hex,
        }));
        await expect(call).to.be.revertedWithCustomError(f.staking, "InvalidSignature").withArgs(pubkey);
      });

      it("rejects a G2 point off the curve", async () => {
        const { f, pubkey, call } = await attempt((s) => {
          const last = parseInt(s.signature.slice(2 + 382, 2 + 384), 16) ^ 1;
          return {
            pubkey: s.pubkey,
            signature: (s.signature.slice(0, 2 + 382) +
              last.toString(16).padStart(2, "0") +
              s.signature.slice(2 + 384)) as Hex,
          };
        });
        await expect(call).to.be.revertedWithCustomError(f.staking, "InvalidSignature").withArgs(pubkey);
      });

      it("rejects a wrong sign flag on the compressed key", async () => {
        const f = await loadFixture(deployStakingFixture);
        const signed = await signInit(f.staking, keyFor(1), f.operator.address, MIN_SELF_DELEGATION);
        const flipped = ("0x" +
          (parseInt(signed.pubkey.slice(2, 4), 16) ^ 0x20).toString(16).padStart(2, "0") +
          signed.pubkey.slice(4)) as Hex;
        const flippedSigned = await signInit(f.staking, keyFor(1), f.operator.address, MIN_SELF_DELEGATION);
        await f.staking.createValidator(flipped);
        await expect(
          f.staking
            .connect(f.operator)
            .initializeValidator(DESCRIPTION, 0n, 0n, flipped, flippedSigned.signature, { value: MIN_SELF_DELEGATION }),
        )
          .to.be.revertedWithCustomError(f.staking, "InvalidSignature")
          .withArgs(flipped);
      });

      it("proofOfPossessionMessage equals the TS encoding", async () => {
        const f = await loadFixture(deployStakingFixture);
        const key = keyFor(4);
        const validator = await f.staking.computeValidatorAddress(key.pubkey);
        const onchain = await f.staking.proofOfPossessionMessage(key.pubkey, f.operator.address, 123n);
        const ts = encodeProofOfPossessionMessage({
          chainId: 31337n,
          staking: (await f.staking.getAddress()) as Hex,
          validator: validator as Hex,
          operator: f.operator.address as Hex,
          amountInGwei: 123n,
          pubkey: key.pubkey,
        });
        expect(onchain).to.equal(ethers.hexlify(ts));
      });
    });

    it("reverts DescriptionFieldTooLong, commission and fee above maximum at initialization", async () => {
      const { staking, operator } = await loadFixture(deployStakingFixture);
      const signed = await signInit(staking, keyFor(1), operator.address, MIN_SELF_DELEGATION);
      const validator = Validator__factory.connect(signed.validator, operator);
      const init = (d: typeof DESCRIPTION, rate: bigint, fee: bigint) =>
        staking
          .connect(operator)
          .createAndInitializeValidatorIfNecessary(d, rate, fee, signed.pubkey, signed.signature, {
            value: MIN_SELF_DELEGATION,
          });
      await expect(init({ ...DESCRIPTION, moniker: "m".repeat(71) }, 0n, 0n))
        .to.be.revertedWithCustomError(validator, "DescriptionFieldTooLong")
        .withArgs("moniker", 71n, 70n);
      await expect(init(DESCRIPTION, 500_001n, 0n))
        .to.be.revertedWithCustomError(validator, "ValidatorCommissionRateTooHigh")
        .withArgs(500_001n, 500_000n);
      await expect(init(DESCRIPTION, 0n, GWEI + 1n))
        .to.be.revertedWithCustomError(validator, "ValidatorWithdrawalFeeTooHigh")
        .withArgs(GWEI + 1n, GWEI);
    });
  });

  describe("setParams", () => {
    it("updates parameters and emits ParamsUpdated with old and new values", async () => {
      const { staking, admin } = await loadFixture(deployStakingFixture);
      const old = await paramsOf(staking);
      const next = { ...old, communityTaxRate: 30_000n, minWithdrawabilityDelay: 10n };
      await expect(staking.connect(admin).setParams(next)).to.emit(staking, "ParamsUpdated");
      expect(await staking.communityTaxRate()).to.equal(30_000n);
      expect(await staking.minWithdrawabilityDelay()).to.equal(10n);
    });

    it("reverts for accounts without GOVERNOR_ROLE", async () => {
      const { staking, stranger } = await loadFixture(deployStakingFixture);
      const params = await paramsOf(staking);
      await expect(staking.connect(stranger).setParams(params))
        .to.be.revertedWithCustomError(staking, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, await staking.GOVERNOR_ROLE());
    });

    const invalid: [string, Record<string, bigint>, bigint][] = [
      ["communityTaxRate", { communityTaxRate: 1_000_001n }, 1_000_001n],
      ["maxCommissionRate", { maxCommissionRate: 1_000_001n }, 1_000_001n],
      ["minWithdrawabilityDelay", { minWithdrawabilityDelay: 1_000_001n }, 1_000_001n],
      ["maxEffectiveStakesInGwei", { maxEffectiveStakesInGwei: 1n }, 1n],
      ["effectiveDelegationInGwei", { effectiveDelegationInGwei: 0n }, 0n],
      ["minSelfDelegationInGwei", { minSelfDelegationInGwei: 0n }, 0n],
    ];
    for (const [name, change, value] of invalid) {
      it(`reverts with StakingInvalidParameter for ${name}`, async () => {
        const { staking, admin } = await loadFixture(deployStakingFixture);
        const params = { ...(await paramsOf(staking)), ...change };
        await expect(staking.connect(admin).setParams(params))
          .to.be.revertedWithCustomError(staking, "StakingInvalidParameter")
          .withArgs(name, value);
      });
    }

    it("reverts when maxValidatorCount drops below the current count", async () => {
      const { staking, admin, operator } = await loadFixture(deployStakingFixture);
      await createValidator(staking, operator, { key: keyFor(1) });
      const params = { ...(await paramsOf(staking)), maxValidatorCount: 0n };
      await expect(staking.connect(admin).setParams(params))
        .to.be.revertedWithCustomError(staking, "StakingInvalidParameter")
        .withArgs("maxValidatorCount", 0n);
    });
  });

  describe("community pool", () => {
    it("accepts deposits and lets governance withdraw", async () => {
      const { staking, admin, alice, bob } = await loadFixture(deployStakingFixture);
      await expect(staking.connect(alice).depositCommunityPool({ value: ETH }))
        .to.emit(staking, "CommunityPoolDeposited")
        .withArgs(alice.address, ETH);
      await expect(staking.connect(alice).depositCommunityPool({ value: 0n })).to.not.emit(
        staking,
        "CommunityPoolDeposited",
      );
      expect(await staking.communityPool()).to.equal(ETH);
      await expect(staking.connect(admin).withdrawCommunityPool(bob.address, ETH / 4n))
        .to.emit(staking, "CommunityPoolWithdrawn")
        .withArgs(bob.address, ETH / 4n);
      await expect(staking.connect(admin).withdrawCommunityPool(bob.address, 0n)).to.changeEtherBalances(
        [staking, bob],
        [0n, 0n],
      );
      expect(await staking.communityPool()).to.equal((3n * ETH) / 4n);
      await expect(staking.connect(admin).withdrawCommunityPool(bob.address, ETH / 4n)).to.changeEtherBalances(
        [staking, bob],
        [-(ETH / 4n), ETH / 4n],
      );
    });

    it("reverts withdrawals above the pool, to zero, to a rejecting receiver, or by non-governors", async () => {
      const { staking, admin, stranger } = await loadFixture(deployStakingFixture);
      await staking.depositCommunityPool({ value: ETH });
      await expect(staking.connect(admin).withdrawCommunityPool(admin.address, ETH + 1n))
        .to.be.revertedWithCustomError(staking, "StakingCommunityPoolInsufficient")
        .withArgs(ETH + 1n, ETH);
      await expect(staking.connect(admin).withdrawCommunityPool(ethers.ZeroAddress, 1n)).to.be.revertedWithCustomError(
        staking,
        "StakingZeroAddress",
      );
      const receiver = await (await ethers.getContractFactory("RejectingReceiver")).deploy();
      await receiver.setMode(1);
      await expect(staking.connect(admin).withdrawCommunityPool(await receiver.getAddress(), 1n))
        .to.be.revertedWithCustomError(staking, "StakingTransferFailed")
        .withArgs(await receiver.getAddress(), 1n);
      await expect(staking.connect(stranger).withdrawCommunityPool(stranger.address, 1n))
        .to.be.revertedWithCustomError(staking, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, await staking.GOVERNOR_ROLE());
    });
  });

  describe("upgrades", () => {
    it("upgradeValidators moves every validator to the new implementation", async () => {
      const { staking, admin, validator } = await loadFixture(validatorFixture);
      const v2 = await new ValidatorV2Mock__factory(admin).deploy();
      await expect(staking.connect(admin).upgradeValidators(await v2.getAddress()))
        .to.emit(staking, "ValidatorImplementationUpgraded")
        .withArgs(await v2.getAddress());
      const upgraded = ValidatorV2Mock__factory.connect(await validator.getAddress(), admin);
      expect(await upgraded.version()).to.equal(2n);
      expect(await upgraded.tokens()).to.equal(MIN_SELF_DELEGATION);
    });

    it("only UPGRADER_ROLE may upgrade validators or the registry", async () => {
      const { staking, stranger } = await loadFixture(deployStakingFixture);
      const role = await staking.UPGRADER_ROLE();
      await expect(staking.connect(stranger).upgradeValidators(stranger.address))
        .to.be.revertedWithCustomError(staking, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, role);
      const impl = await new Staking__factory(stranger).deploy();
      await expect(staking.connect(stranger).upgradeToAndCall(await impl.getAddress(), "0x"))
        .to.be.revertedWithCustomError(staking, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, role);
    });

    it("the registry upgrades through UUPS and keeps its state", async () => {
      const { staking, admin } = await loadFixture(validatorFixture);
      const impl = await new Staking__factory(admin).deploy();
      await staking.connect(admin).upgradeToAndCall(await impl.getAddress(), "0x");
      expect(await staking.validatorCount()).to.equal(1n);
    });
  });

  describe("BLS12381 library", () => {
    it("hashToG2 equals @noble/curves hash_to_curve and expandMessageXmd the RFC 9380 test vector", async () => {
      const { bls12_381 } = await import("@noble/curves/bls12-381.js");
      const [admin] = await ethers.getSigners();
      const h = await new BLS12381Harness__factory(admin).deploy();
      for (const text of ["", "abc", "a".repeat(200)]) {
        const msg = ethers.toUtf8Bytes(text);
        const p = bls12_381.G2.hashToCurve(msg, { DST: POP_DST }).toAffine();
        const hex = (v: bigint) => v.toString(16).padStart(128, "0");
        expect(await h.hashToG2(msg, ethers.toUtf8Bytes(POP_DST))).to.equal(
          "0x" + hex(p.x.c0) + hex(p.x.c1) + hex(p.y.c0) + hex(p.y.c1),
        );
      }
      // RFC 9380 K.1 (expand_message_xmd SHA-256, DST "QUUX-V01-CS02-with-expander-SHA256-128", msg "", 0x20 bytes)
      // is a 32-byte output; our function fixes 256 bytes, so compare against noble's implementation instead.
      const { expand_message_xmd } = await import("@noble/curves/abstract/hash-to-curve.js");
      const { sha256 } = await import("@noble/hashes/sha2.js");
      const dst = ethers.toUtf8Bytes("QUUX-V01-CS02-with-expander-SHA256-128");
      const msg = ethers.toUtf8Bytes("abcdef0123456789");
      expect(await h.expandMessageXmd(msg, dst)).to.equal(ethers.hexlify(expand_message_xmd(msg, dst, 256, sha256)));
      await expect(h.expandMessageXmd(msg, new Uint8Array(256)))
        .to.be.revertedWithCustomError(h, "BLSDomainSeparationTagTooLong")
        .withArgs(256n);
    });

    it("reverts with BLSPrecompileUnavailable on a chain without EIP-2537 (cancun)", async () => {
      // A second in-process Hardhat network on the cancun hardfork, where 0x0b..0x11 are empty accounts.
      const config = {
        ...hre.config,
        networks: { ...hre.config.networks, hardhat: { ...hre.config.networks.hardhat, hardfork: "cancun" } },
      };
      const provider = new ethers.BrowserProvider(await createProvider(config, "hardhat", hre.artifacts));
      const signer = await provider.getSigner(0);
      const h = await new BLS12381Harness__factory(signer).deploy();
      const precompile = "0x0000000000000000000000000000000000000011";
      // chai matchers only decode errors from the default provider: decode this one by hand.
      const decode = (e: unknown) => h.interface.parseError((e as { data: string }).data);
      const hashErr = await h.hashToG2("0x01", ethers.toUtf8Bytes(POP_DST)).then(() => undefined, decode);
      expect(hashErr?.name).to.equal("BLSPrecompileUnavailable");
      expect(hashErr?.args[0]).to.equal(precompile);
      const key = keyFor(1);
      const { bls12_381 } = await import("@noble/curves/bls12-381.js");
      const uncompressed = bls12_381.longSignatures.getPublicKey(key.secretKey).toBytes(false);
      const blob = ethers.concat([new Uint8Array(192), uncompressed]);
      const verifyErr = await h
        .verifyProofOfPossession(key.pubkey, blob, "0x01", ethers.toUtf8Bytes(POP_DST))
        .then(() => undefined, decode);
      expect(verifyErr?.name).to.equal("BLSPrecompileUnavailable");
    });
  });
});
