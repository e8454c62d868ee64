/**
 * On-chain reads of the staking keeper: the validator set, each validator's queue and bond state, and the reward
 * pool. Reads only; every write goes through the agent's tx sender.
 */
import type { Address, PublicClient } from "viem";
import { RewardPoolAbi, StakingAbi, ValidatorAbi } from "../../generated/abis";

/** Bond status names in the order of the contracts' enum (docs/staking.md). */
export const BOND_STATUS = ["Unspecified", "Bonded", "Unbonding", "Unbonded"] as const;
export type BondStatusName = (typeof BOND_STATUS)[number];

/** Largest page `Staking.getValidators` is asked for. */
export const VALIDATOR_PAGE = 100n;

/** Every initialized validator of the registry, in registry order. */
export async function listValidators(client: PublicClient, staking: Address): Promise<Address[]> {
  const count = BigInt(
    await client.readContract({ address: staking, abi: StakingAbi, functionName: "validatorCount" }),
  );
  const out: Address[] = [];
  for (let offset = 0n; offset < count; offset += VALIDATOR_PAGE) {
    const page = await client.readContract({
      address: staking,
      abi: StakingAbi,
      functionName: "getValidators",
      args: [offset, VALIDATOR_PAGE],
    });
    out.push(...page);
  }
  return out;
}

/** What the keeper needs to know about one validator's queues. */
export interface ValidatorWork {
  validator: Address;
  /** Completion height of the queue head (0 = empty queue). */
  nextCompletionHeight: bigint;
  withdrawCount: bigint;
  failedWithdrawCount: bigint;
  failedWithdrawAmount: bigint;
}

export async function readValidatorWork(client: PublicClient, validator: Address): Promise<ValidatorWork> {
  const r = <F extends "nextCompletionHeight" | "withdrawCount" | "failedWithdrawCount" | "failedWithdrawAmount">(
    functionName: F,
  ) => client.readContract({ address: validator, abi: ValidatorAbi, functionName });
  const [nextCompletionHeight, withdrawCount, failedWithdrawCount, failedWithdrawAmount] = await Promise.all([
    r("nextCompletionHeight"),
    r("withdrawCount"),
    r("failedWithdrawCount"),
    r("failedWithdrawAmount"),
  ]);
  return { validator, nextCompletionHeight, withdrawCount, failedWithdrawCount, failedWithdrawAmount };
}

/** One validator as `/status` shows it. */
export interface ValidatorReport extends ValidatorWork {
  operator: Address;
  bondStatus: BondStatusName;
  tokens: bigint;
  delegatorShares: bigint;
  effectiveStakes: bigint;
  commissionRate: number;
  annualPercentageYieldBps: bigint;
  pendingWithdrawAmount: bigint;
  /** Reward pool: last epoch paid + 1 (0 = never). */
  lastRewardedEpoch: bigint;
  pendingReward: bigint;
}

export async function readValidatorReport(
  client: PublicClient,
  rewardPool: Address,
  validator: Address,
): Promise<ValidatorReport> {
  const v = { address: validator, abi: ValidatorAbi } as const;
  const [work, operator, bond, tokens, delegatorShares, effectiveStakes, commissionRate, apy, pendingWithdrawAmount] =
    await Promise.all([
      readValidatorWork(client, validator),
      client.readContract({ ...v, functionName: "operatorAddress" }),
      client.readContract({ ...v, functionName: "bondStatus" }),
      client.readContract({ ...v, functionName: "tokens" }),
      client.readContract({ ...v, functionName: "delegatorShares" }),
      client.readContract({ ...v, functionName: "effectiveStakes" }),
      client.readContract({ ...v, functionName: "commissionRate" }),
      client.readContract({ ...v, functionName: "annualPercentageYield" }),
      client.readContract({ ...v, functionName: "pendingWithdrawAmount" }),
    ]);
  const [lastRewardedEpoch, pendingReward] = await Promise.all([
    client.readContract({
      address: rewardPool,
      abi: RewardPoolAbi,
      functionName: "lastRewardedEpoch",
      args: [validator],
    }),
    client.readContract({ address: rewardPool, abi: RewardPoolAbi, functionName: "pendingReward", args: [validator] }),
  ]);
  return {
    ...work,
    operator,
    bondStatus: BOND_STATUS[Number(bond)] ?? "Unspecified",
    tokens,
    delegatorShares,
    effectiveStakes,
    commissionRate: Number(commissionRate),
    annualPercentageYieldBps: apy,
    pendingWithdrawAmount,
    lastRewardedEpoch,
    pendingReward,
  };
}

/** The reward pool's state for the current epoch. */
export interface PoolState {
  epoch: bigint;
  epochLength: bigint;
  balance: bigint;
  maxRewardPerEpoch: bigint;
  paidInCurrentEpoch: bigint;
}

export async function readPoolState(client: PublicClient, rewardPool: Address): Promise<PoolState> {
  const p = { address: rewardPool, abi: RewardPoolAbi } as const;
  const [epoch, epochLength, balance, maxRewardPerEpoch, paidInCurrentEpoch] = await Promise.all([
    client.readContract({ ...p, functionName: "currentEpoch" }),
    client.readContract({ ...p, functionName: "epochLength" }),
    client.getBalance({ address: rewardPool }),
    client.readContract({ ...p, functionName: "maxRewardPerEpoch" }),
    client.readContract({ ...p, functionName: "paidInCurrentEpoch" }),
  ]);
  return { epoch, epochLength: BigInt(epochLength), balance, maxRewardPerEpoch, paidInCurrentEpoch };
}

/** Per validator: what the pool owes it this epoch and whether it was already paid. */
export interface RewardDue {
  validator: Address;
  pendingReward: bigint;
  lastRewardedEpoch: bigint;
}

export async function readRewardsDue(
  client: PublicClient,
  rewardPool: Address,
  validators: readonly Address[],
): Promise<RewardDue[]> {
  return Promise.all(
    validators.map(async (validator) => {
      const p = { address: rewardPool, abi: RewardPoolAbi } as const;
      const [pendingReward, lastRewardedEpoch] = await Promise.all([
        client.readContract({ ...p, functionName: "pendingReward", args: [validator] }),
        client.readContract({ ...p, functionName: "lastRewardedEpoch", args: [validator] }),
      ]);
      return { validator, pendingReward, lastRewardedEpoch };
    }),
  );
}
