/**
 * Pure decisions of the staking keeper: which validators are due a reward this epoch, how they are batched, and
 * the idempotency keys of its jobs. No I/O, so every rule is unit-tested without a chain.
 */
import type { Address } from "viem";
import type { PoolState, RewardDue, ValidatorWork } from "./chain";

/** `RewardPool.MAX_VALIDATORS_PER_CALL`. */
export const MAX_DISTRIBUTE_BATCH = 100;

/** Why nothing is sent this epoch, when nothing is. */
export type DistributionSkip = "nothing-due" | "budget-spent" | "pool-empty";

export interface DistributionPlan {
  epoch: bigint;
  /** Validators not yet paid this epoch that the pool would pay (pendingReward > 0). */
  due: Address[];
  /** Validators already paid this epoch. */
  paid: number;
  batches: Address[][];
  skip?: DistributionSkip;
}

/**
 * Plans one epoch's distribution. A validator is due when the pool has not paid it this epoch
 * (`lastRewardedEpoch != epoch + 1`) and owes it something (`pendingReward > 0`: Bonded with effective stake).
 * Nothing is sent when nothing is due, the epoch's budget is spent or the pool is empty: such a transaction
 * would pay nothing.
 */
export function planDistribution(pool: PoolState, rewards: readonly RewardDue[], batchSize: number): DistributionPlan {
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_DISTRIBUTE_BATCH) {
    throw new RangeError(`batchSize must be 1..${MAX_DISTRIBUTE_BATCH}, got ${batchSize}`);
  }
  const mark = pool.epoch + 1n;
  const paid = rewards.filter((r) => r.lastRewardedEpoch === mark).length;
  const due = rewards.filter((r) => r.lastRewardedEpoch !== mark && r.pendingReward > 0n).map((r) => r.validator);
  const plan: DistributionPlan = { epoch: pool.epoch, due, paid, batches: [] };
  if (!due.length) return { ...plan, skip: "nothing-due" };
  if (pool.paidInCurrentEpoch >= pool.maxRewardPerEpoch) return { ...plan, skip: "budget-spent" };
  if (pool.balance === 0n) return { ...plan, skip: "pool-empty" };
  for (let i = 0; i < due.length; i += batchSize) plan.batches.push(due.slice(i, i + batchSize));
  return plan;
}

/** The withdrawal-queue work of one validator at `block`. */
export interface QueueWork {
  /** The queue head has matured: `processWithdrawQueue` would pay something. */
  matured: boolean;
  /** The failed stack is not empty: `processFailedWithdrawStack` would do something. */
  failed: boolean;
}

export function queueWork(work: ValidatorWork, block: bigint): QueueWork {
  return {
    matured: work.nextCompletionHeight !== 0n && work.nextCompletionHeight <= block,
    failed: work.failedWithdrawCount > 0n,
  };
}

/**
 * Job ids (BullMQ refuses `:`). Equal ids collapse into one job, so every trigger of the same work (the periodic
 * sweep, an event, a restart) produces at most one job for it.
 */
export const jobIds = {
  /** One distribution per epoch and per number of validators already paid in it (a late joiner gets its own). */
  distribute: (epoch: bigint, paid: number) => `distribute-${epoch}-${paid}`,
  /** The queue head at `height` with `count` entries waiting: both change once the call pays something. */
  queue: (validator: Address, height: bigint, count: bigint) => `queue-${validator.toLowerCase()}-${height}-${count}`,
  /** A delayed job scheduled for an entry queued to mature at `height` (re-armed at `block` if still early). */
  matured: (validator: Address, height: bigint, block?: bigint) =>
    `matured-${validator.toLowerCase()}-${height}${block === undefined ? "" : `-b${block}`}`,
  /** The failed stack as seen at `block`. */
  failed: (validator: Address, count: bigint, amount: bigint, block: bigint) =>
    `failed-${validator.toLowerCase()}-${count}-${amount}-${block}`,
};

/** Milliseconds until `height` is mined, assuming one block per `blockTimeMs` (never negative). */
export function delayUntilHeight(height: bigint, currentBlock: bigint, blockTimeMs: number): number {
  if (height <= currentBlock) return 0;
  return Number(height - currentBlock) * blockTimeMs;
}
