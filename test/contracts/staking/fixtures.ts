import { ethers, ignition } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import StakingModule from "../../../ignition/modules/Staking";
import {
  generateConsensusKey,
  signProofOfPossession,
  type ConsensusKey,
  type Hex,
  type ValidatorDescription,
} from "../../../agents/protocol/staking";
import {
  RejectingReceiver__factory,
  RewardPool__factory,
  Staking__factory,
  Validator__factory,
  type RewardPool,
  type Staking,
  type Validator,
} from "../../../typechain";

export const GWEI = 1_000_000_000n;
export const ETH = 10n ** 18n;
export const MIN_SELF_DELEGATION = 500n * ETH;
export const WITHDRAW_DELAY = 5n;
export const COMMUNITY_TAX_PPM = 20_000n;
export const MAX_COMMISSION_PPM = 500_000n;
export const EPOCH_LENGTH = 60n;
export const ANNUAL_RATE_PPM = 100_000n;
export const CHAIN_ID = 31337n;

export const DESCRIPTION: ValidatorDescription = {
  moniker: "Alpha",
  identity: "keybase-alpha",
  website: "https://alpha.example",
  securityContact: "sec@alpha.example",
  details: "Test validator",
};

/** Deterministic consensus key from a small integer. */
export function keyFor(i: number): ConsensusKey {
  const seed = new Uint8Array(48);
  seed.fill(i + 1);
  return generateConsensusKey(seed);
}

export interface StakingFixture {
  staking: Staking;
  rewardPool: RewardPool;
  admin: HardhatEthersSigner;
  operator: HardhatEthersSigner;
  alice: HardhatEthersSigner;
  bob: HardhatEthersSigner;
  carol: HardhatEthersSigner;
  keeper: HardhatEthersSigner;
  stranger: HardhatEthersSigner;
}

/** Deploys Staking and RewardPool through the Ignition module with devnet-like parameters. */
export async function deployStakingFixture(): Promise<StakingFixture> {
  const [admin, operator, alice, bob, carol, keeper, stranger] = await ethers.getSigners();
  const deployed = await ignition.deploy(StakingModule, {
    parameters: {
      Staking: {
        admin: admin.address,
        keeper: keeper.address,
        minWithdrawabilityDelay: WITHDRAW_DELAY,
        rewardEpochLength: EPOCH_LENGTH,
      },
    },
  });
  const staking = Staking__factory.connect(await deployed.Staking.getAddress(), admin);
  const rewardPool = RewardPool__factory.connect(await deployed.RewardPool.getAddress(), admin);
  return { staking, rewardPool, admin, operator, alice, bob, carol, keeper, stranger };
}

export interface SignedInit {
  pubkey: Hex;
  signature: Hex;
  validator: string;
}

/** Signs the proof of possession for `operator` initializing `key` with `amount` wei. */
export async function signInit(
  staking: Staking,
  key: ConsensusKey,
  operator: string,
  amount: bigint,
): Promise<SignedInit> {
  const validator = await staking.computeValidatorAddress(key.pubkey);
  const { pubkey, signature } = signProofOfPossession({
    secretKey: key.secretKey,
    chainId: CHAIN_ID,
    staking: (await staking.getAddress()) as Hex,
    validator: validator as Hex,
    operator: operator as Hex,
    amountInGwei: amount / GWEI,
  });
  return { pubkey, signature, validator };
}

export interface ValidatorOptions {
  key?: ConsensusKey;
  amount?: bigint;
  commissionRate?: bigint;
  withdrawalFeeInGwei?: bigint;
}

/** Creates and initializes a validator operated by `operator`; returns the typed contract. */
export async function createValidator(
  staking: Staking,
  operator: HardhatEthersSigner,
  options: ValidatorOptions = {},
): Promise<Validator> {
  const key = options.key ?? keyFor(0);
  const amount = options.amount ?? MIN_SELF_DELEGATION;
  const signed = await signInit(staking, key, operator.address, amount);
  await staking
    .connect(operator)
    .createAndInitializeValidatorIfNecessary(
      DESCRIPTION,
      options.commissionRate ?? 50_000n,
      options.withdrawalFeeInGwei ?? 1n,
      signed.pubkey,
      signed.signature,
      { value: amount },
    );
  return Validator__factory.connect(signed.validator, operator);
}

/** Full fixture with one initialized validator (5 % commission, 1 gwei fee). */
export async function validatorFixture() {
  const base = await deployStakingFixture();
  const validator = await createValidator(base.staking, base.operator);
  const receiver = await new RejectingReceiver__factory(base.admin).deploy();
  return { ...base, validator, receiver };
}

/** Current registry parameters as a plain, mutable object. */
export async function paramsOf(staking: Staking) {
  const p = await staking.params();
  return {
    maxValidatorCount: p.maxValidatorCount,
    communityTaxRate: p.communityTaxRate,
    maxCommissionRate: p.maxCommissionRate,
    minWithdrawabilityDelay: p.minWithdrawabilityDelay,
    minActivationStakesInGwei: p.minActivationStakesInGwei,
    maxEffectiveStakesInGwei: p.maxEffectiveStakesInGwei,
    maxWithdrawalFeeInGwei: p.maxWithdrawalFeeInGwei,
    minSelfDelegationInGwei: p.minSelfDelegationInGwei,
    effectiveDelegationInGwei: p.effectiveDelegationInGwei,
  };
}
