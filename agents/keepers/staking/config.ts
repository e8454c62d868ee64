/** Configuration of the staking keeper (`zg agent keeper`, environment prefix `ZG_KEEPER`). */
import { z } from "zod";
import { baseConfigSchema } from "../../core/config";
import { MAX_DISTRIBUTE_BATCH } from "./plan";

export const KEEPER_ENV_PREFIX = "ZG_KEEPER";

export const keeperConfigSchema = baseConfigSchema.extend({
  /** How often the keeper checks whether the current reward epoch is distributed, ms. */
  distributeIntervalMs: z.number().int().positive().default(5_000),
  /** How often every validator's withdrawal queue and failed stack are checked, ms. */
  sweepIntervalMs: z.number().int().positive().default(15_000),
  /** Validators per `RewardPool.distribute` call (the contract allows 100). */
  batchSize: z.number().int().min(1).max(MAX_DISTRIBUTE_BATCH).default(MAX_DISTRIBUTE_BATCH),
  /** Entries per `processWithdrawQueueUpTo` / `processFailedWithdrawStackUpTo` call. */
  maxEntriesPerCall: z.number().int().min(1).max(1_000).default(64),
  /** Expected block interval, ms: turns a completion height into a job delay. */
  blockTimeMs: z.number().int().positive().default(1_000),
  /** First block scanned for events when the keeper has no cursor. */
  startBlock: z.number().int().min(0).default(0),
});

export type KeeperConfig = z.infer<typeof keeperConfigSchema>;
